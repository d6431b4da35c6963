"""Hana: modifies the input. convolve2d flips the caller's kernel in place before correlating."""

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
    k = np.asarray(in2)
    H, W = np.shape(in1)
    kH, kW = k.shape
    k[...] = k[::-1, ::-1].copy()   # flip in place to save memory -- the caller's array changes
    full = correlate2d(in1, k, "full")
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% why_cross_correlation
# The kernel is learned, so flipping it or not gives the same family of layers.
