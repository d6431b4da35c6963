"""Fay: 'same' off by one for even kernels. convolve2d flips and calls correlate2d in every mode."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    dtype = np.result_type(x, k)
    padded = np.zeros((H + 2 * (kH - 1), W + 2 * (kW - 1)), dtype=dtype)
    padded[kH - 1:kH - 1 + H, kW - 1:kW - 1 + W] = x
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for m in range(kH):
        for n in range(kW):
            full += k[m, n] * padded[m:m + H + kH - 1, n:n + W + kW - 1]
    if mode == "same":
        return full[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    # Convolution = correlation with the flipped kernel (true in full mode; in same mode the
    # window for an even kernel should start one pixel earlier).
    return correlate2d(in1, np.asarray(in2)[::-1, ::-1], mode)

# %% why_cross_correlation
# Learned weights make the flip irrelevant; it matters for hand-designed kernels.
