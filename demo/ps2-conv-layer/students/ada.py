"""Ada: correct. Four nested loops over (image, filter, row, column), one window sum each."""

# %% pad2d
def pad2d(x, padding):
    if isinstance(padding, int):
        padding = (padding, padding)
    ph, pw = padding
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out

# %% conv_output_size
def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    room = input_size + 2 * padding - span
    if room < 0:
        raise ValueError(f"kernel spans {span}, longer than the padded input")
    if room % stride != 0:
        raise ValueError(f"stride {stride} does not divide {room}")
    return room // stride + 1

# %% conv2d
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    N, C, H, W = x.shape
    F, _, kH, kW = w.shape
    xp = pad2d(x, padding)
    H_out = (H + 2 * padding - dilation * (kH - 1) - 1) // stride + 1
    W_out = (W + 2 * padding - dilation * (kW - 1) - 1) // stride + 1
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w))
    for n in range(N):
        for o in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, :, i * stride:i * stride + dilation * (kH - 1) + 1:dilation,
                                j * stride:j * stride + dilation * (kW - 1) + 1:dilation]
                    out[n, o, i, j] = np.sum(window * w[o])
            if b is not None:
                out[n, o] += b[o]
    return out

# %% parameter_count
# w is (32, 3, 5, 5), b is (32,), the output (N, 32, 64, 64) because (64 + 4 - 5) / 1 + 1 = 64.
# Each filter: 3 * 5 * 5 = 75 weights + 1 bias. 32 * 76 = 2432 parameters.
# The image size and the stride do not appear in the count. A fully connected layer would need
# 12288 * 131072, about 1.6 billion weights.

# %% parameter_sharing
# One filter's weights and bias are used at every position of its feature map. Different filters
# have their own weights, and each layer has its own filters; the channels of a filter are
# different weights too. Stride and padding are settings, not learned.
