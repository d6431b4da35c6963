"""Honest, integer overflow: the output is allocated with np.zeros_like(in1), so a uint8 image
gives a uint8 result that wraps at 256 (convolve2d reuses correlate2d)."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    padded = np.pad(x, ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    full = np.zeros_like(x, shape=(H + kH - 1, W + kW - 1))
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
    (H, W), (kH, kW) = np.shape(in1), k.shape
    full = correlate2d(in1, k[::-1, ::-1])
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full
