"""Gus: separable_savings uses integer division and returns 0; the rest is right."""

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
                row = (o * OH + i) * OW + j
                for c in range(C):
                    for u in range(kH):
                        for v in range(kW):
                            r = i * stride + u - padding
                            s = j * stride + v - padding
                            if 0 <= r < H and 0 <= s < W:
                                M[row, (c * H + r) * W + s] = w[o, c, u, v]
    return M

# %% conv_input_grad_via_matrix
def conv_input_grad_via_matrix(w, input_shape, dout, stride=1, padding=0):
    M = conv_matrix(w, input_shape, stride, padding)
    return (M.T @ np.ravel(dout)).reshape(input_shape)

# %% conv_params
def conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1):
    if isinstance(kernel_size, int):
        kH = kW = kernel_size
    else:
        kH, kW = kernel_size
    count = out_channels * (in_channels // groups) * kH * kW
    if bias:
        count += out_channels
    return count

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
    """The channel mixing at every pixel, as one einsum over the channel axis."""
    out = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x)
    if b is not None:
        out = out + b[None, :, None, None]
    return out

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
    return 1 // C_out + 1 // k ** 2

# %% written_4096_1000
# 1000 is the number of ImageNet classes, so it is fixed by the task: the last layer is 1000
# filters of 1x1x4096, one score per class. 4096 is a hyperparameter that AlexNet's authors chose
# and VGG kept; nothing computes it. fc6 is 4096 filters of 7x7x512, fc7 4096 filters of 1x1x4096.

# %% written_why_not_straight
# One layer would have fewer parameters (25,089,000 against 123,642,856) but it is linear: a
# linear classifier on the features. The hidden layers with ReLU make the head non-linear.
# Without the ReLUs the three matrices multiply into one, so nothing would be gained.
