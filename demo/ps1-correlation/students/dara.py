"""Dara: flipped when correlating. correlate2d flips the kernel; convolve2d is right."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)[::-1, ::-1]   # "slide the kernel" -- but this is the convolution's flip
    H, W = x.shape
    kH, kW = k.shape
    dtype = np.result_type(x, k)
    padded = np.zeros((H + 2 * (kH - 1), W + 2 * (kW - 1)), dtype=dtype)
    padded[kH - 1:kH - 1 + H, kW - 1:kW - 1 + W] = x
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for i in range(H + kH - 1):
        for j in range(W + kW - 1):
            full[i, j] = (padded[i:i + kH, j:j + kW] * k).sum()
    if mode == "same":
        return full[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    dtype = np.result_type(x, k)
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    # v[i, j] = sum over m, n of x[i - m, j - n] k[m, n]: scatter each input pixel times the kernel.
    for r in range(H):
        for c in range(W):
            full[r:r + kH, c:c + kW] += x[r, c] * k
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% why_cross_correlation
# Learned kernels absorb the flip, so it does not matter which one a library computes.
