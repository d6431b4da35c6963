"""Eli: conv_output_size rounds down like PyTorch instead of refusing a stride that does not divide."""

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
    if span > input_size + 2 * padding:
        raise ValueError("the kernel does not fit")
    return (input_size + 2 * padding - span) // stride + 1

# %% conv2d
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    N, C, H, W = x.shape
    F, _, kH, kW = w.shape
    xp = pad2d(x, padding)
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w))
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            window = xp[:, :, r:r + dilation * (kH - 1) + 1:dilation,
                        c:c + dilation * (kW - 1) + 1:dilation]          # (N, C, kH, kW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b[None, :, None, None]
    return out

# %% parameter_sharing
# The kernel weights are shared across positions of the image.
