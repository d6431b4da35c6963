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

# %% conv_input_grad_via_matrix
def conv_input_grad_via_matrix(w, input_shape, dout, stride=1, padding=0):
    M = conv_matrix(w, input_shape, stride, padding)
    return (M.T @ np.ravel(dout)).reshape(input_shape)

# %% conv_params
def conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1):
    kernel = np.broadcast_to(kernel_size, (2,))
    weights = out_channels * (in_channels // groups) * int(np.prod(kernel))
    return weights + out_channels * int(bias)

# %% conv_flops
def conv_flops(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1, bias=True):
    C, H, W = input_shape
    if isinstance(kernel_size, int):
        kH = kW = kernel_size
    else:
        kH, kW = kernel_size
    OH = (H + 2 * padding - kH) // stride + 1
    OW = (W + 2 * padding - kW) // stride + 1
    outputs = out_channels * OH * OW
    macs = outputs * (C // groups) * kH * kW
    flops = 2 * macs if bias else 2 * macs - outputs
    return macs, flops

# %% fc_counts
def fc_params(in_features, out_features, bias=True):
    return in_features * out_features + (out_features if bias else 0)


def fc_flops(in_features, out_features, bias=True):
    macs = in_features * out_features
    return macs, (2 * macs if bias else 2 * macs - out_features)

# %% conv1x1
def conv1x1(x, w, b=None):
    """Pixels as rows, channels as columns: one matmul with W.T."""
    N, C, H, W = x.shape
    rows = np.moveaxis(x, 1, -1).reshape(-1, C)          # (N * H * W, C_in)
    out = rows @ w[:, :, 0, 0].T                          # (N * H * W, C_out)
    if b is not None:
        out = out + b
    return np.moveaxis(out.reshape(N, H, W, -1), -1, 1)

# %% fc_to_conv
def fc_to_conv(W, b, input_shape):
    C, H, Wd = input_shape
    return np.reshape(W, (W.shape[0], C, H, Wd)).copy(), b

# %% depthwise_separable_conv2d
def depthwise_separable_conv2d(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    N, C, H, W = x.shape
    kH, kW = w_depthwise.shape[2:]
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    OH = (H + 2 * p - kH) // stride + 1
    OW = (W + 2 * p - kW) // stride + 1
    d = np.zeros((N, C, OH, OW), dtype=np.result_type(x, w_depthwise))
    for i in range(OH):
        for j in range(OW):
            patch = xp[:, :, i * stride:i * stride + kH, j * stride:j * stride + kW]
            d[:, :, i, j] = (patch * w_depthwise[:, 0]).sum(axis=(2, 3))
    out = np.einsum("oc,ncij->noij", w_pointwise[:, :, 0, 0], d)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out

# %% separable_savings
def separable_savings(C_in, C_out, k):
    depthwise = C_in * k * k
    pointwise = C_in * C_out
    full = C_in * C_out * k * k
    return (depthwise + pointwise) / full

# %% written_4096_1000
# 1000 is the number of ImageNet classes, so it is fixed by the task: the last layer is 1000
# filters of 1x1x4096, one score per class. 4096 is a hyperparameter that AlexNet's authors chose
# and VGG kept; nothing computes it. fc6 is 4096 filters of 7x7x512, fc7 4096 filters of 1x1x4096.

# %% written_why_not_straight
# One layer would have fewer parameters (25,089,000 against 123,642,856) but it is linear: a
# linear classifier on the features. The hidden layers with ReLU make the head non-linear.
# Without the ReLUs the three matrices multiply into one, so nothing would be gained.
