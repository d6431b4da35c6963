"""Chen: flips the kernel, as in problem set 1's convolve2d. Padding and the output size are right."""

# %% pad2d
def pad2d(x, padding):
    if isinstance(padding, int):
        padding = (padding, padding)
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))

# %% conv_output_size
def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    top = input_size + 2 * padding - dilation * (kernel_size - 1) - 1
    if top < 0 or top % stride:
        raise ValueError("configuration does not fit")
    return top // stride + 1

# %% conv2d
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    w = w[:, :, ::-1, ::-1]          # a convolution flips the kernel
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
    if b is not None:
        out += b[None, :, None, None]
    return out
