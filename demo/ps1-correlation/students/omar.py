"""Omar: wrong dtype. The output is allocated with np.zeros(shape), so it is always float64."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    padded = np.zeros((H + 2 * (kH - 1), W + 2 * (kW - 1)))
    padded[kH - 1:kH - 1 + H, kW - 1:kW - 1 + W] = x
    full = np.zeros((H + kH - 1, W + kW - 1))
    for i in range(H + kH - 1):
        for j in range(W + kW - 1):
            full[i, j] = np.sum(padded[i:i + kH, j:j + kW] * k)
    if mode == "same":
        return full[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    k = np.asarray(in2)
    H, W = np.shape(in1)
    kH, kW = k.shape
    full = correlate2d(in1, k[::-1, ::-1], "full")
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% why_cross_correlation
# The network learns the kernel, so it can learn the flipped one.
