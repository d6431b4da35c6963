"""Honest and correct: one shifted slice per kernel element; convolve2d reuses correlate2d."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    dtype = np.result_type(x, k)
    padded = np.zeros((H + 2 * kH - 2, W + 2 * kW - 2), dtype=dtype)
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
    k = np.asarray(in2)
    (H, W), (kH, kW) = np.shape(in1), k.shape
    full = correlate2d(in1, k[::-1, ::-1])
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% why_cross_correlation
# The kernel is learned, so a flipping layer would learn the flipped weights: same functions.
