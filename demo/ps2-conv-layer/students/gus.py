"""Gus: conv2d ignores dilation (the taps are always adjacent), though conv_output_size uses it."""

# %% pad2d
def pad2d(x, padding):
    if isinstance(padding, int):
        padding = (padding, padding)
    return np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))

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
    H_out = (H + 2 * padding - kH) // stride + 1
    W_out = (W + 2 * padding - kW) // stride + 1
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride:i * stride + kH, j * stride:j * stride + kW]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", window, w)
    if b is not None:
        out += b[None, :, None, None]
    return out
