"""Ben: correct, vectorised: the conv matrix from impulse responses, conv1x1 as one
matmul with pixels as rows."""

# %% conv_matrix
def _conv_one(x, w, stride, padding):
    """One image (C, H, W) through kernels (C_out, C, kH, kW), all windows at once."""
    p = padding
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(1, 2))
    return np.einsum("cijuv,ocuv->oij", windows[:, ::stride, ::stride], w)


def conv_matrix(w, input_shape, stride=1, padding=0):
    """Column k is the layer's answer to an image that is 1 at pixel k and 0 elsewhere."""
    w = np.asarray(w)
    dtype = np.float32 if w.dtype == np.float32 else np.float64
    size = int(np.prod(input_shape))
    columns = [_conv_one(np.eye(size, dtype=dtype)[k].reshape(input_shape), w.astype(dtype),
                         stride, padding).ravel() for k in range(size)]
    return np.stack(columns, axis=1)

# %% conv_params
def conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1):
    kernel = np.broadcast_to(kernel_size, (2,))
    weights = out_channels * (in_channels // groups) * int(np.prod(kernel))
    return weights + out_channels * int(bias)

# %% conv1x1
def conv1x1(x, w, b=None):
    """Pixels as rows, channels as columns: one matmul with W.T."""
    N, C, H, W = x.shape
    rows = np.moveaxis(x, 1, -1).reshape(-1, C)          # (N * H * W, C_in)
    out = rows @ w[:, :, 0, 0].T                          # (N * H * W, C_out)
    if b is not None:
        out = out + b
    return np.moveaxis(out.reshape(N, H, W, -1), -1, 1)

# %% separable_savings
def separable_savings(C_in, C_out, k):
    depthwise = C_in * k * k
    pointwise = C_in * C_out
    full = C_in * C_out * k * k
    return (depthwise + pointwise) / full
