"""Hana: conv2d takes the bias argument but never adds it."""

# %% pad2d
def pad2d(x, padding):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out

# %% conv_output_size
def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    room = input_size + 2 * padding - span
    if room < 0 or room % stride:
        raise ValueError("does not fit")
    return room // stride + 1

# %% conv2d
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    N, C, H, W = x.shape
    F, _, kH, kW = w.shape
    xp = pad2d(x, padding)
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w))
    for u in range(kH):
        for v in range(kW):
            patch = xp[:, :, u * dilation:u * dilation + stride * (H_out - 1) + 1:stride,
                       v * dilation:v * dilation + stride * (W_out - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, u, v])
    return out

# %% parameter_count
# 32 filters * 3 * 5 * 5 = 2400 weights (the bias is not counted).
