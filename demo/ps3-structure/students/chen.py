"""Chen: conv_matrix numbers rows and columns in column-major order (like
ravel(order='F')); the rest is right."""

# %% conv_matrix
def conv_matrix(w, input_shape, stride=1, padding=0):
    """Row by row: each output's window puts the kernel weights on the pixels it covers."""
    w = np.asarray(w)
    C_out, C_in, kH, kW = w.shape
    C, H, W = input_shape
    OH = (H + 2 * padding - kH) // stride + 1
    OW = (W + 2 * padding - kW) // stride + 1
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    M = np.zeros((C_out * OH * OW, C * H * W), dtype=dtype)
    for o in range(C_out):
        for i in range(OH):
            for j in range(OW):
                row = o + C_out * (i + OH * j)
                for c in range(C):
                    for u in range(kH):
                        for v in range(kW):
                            r = i * stride + u - padding
                            s = j * stride + v - padding
                            if 0 <= r < H and 0 <= s < W:
                                M[row, c + C * (r + H * s)] = w[o, c, u, v]
    return M
