"""Fay: the depthwise step sums over the input channels, like a full convolution; the
rest is right."""

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
            d[:, :, i, j] = np.einsum("nckl,dkl->nd", patch, w_depthwise[:, 0])
    out = np.einsum("oc,ncij->noij", w_pointwise[:, :, 0, 0], d)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out
