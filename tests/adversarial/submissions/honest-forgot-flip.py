"""Honest, forgot the flip: convolve2d slides the kernel unflipped (a second cross-correlation)."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    dtype = np.result_type(x, k)
    padded = np.zeros((H + 2 * kH - 2, W + 2 * kW - 2), dtype=dtype)
    padded[kH - 1:kH - 1 + H, kW - 1:kW - 1 + W] = x
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for i in range(H + kH - 1):
        for j in range(W + kW - 1):
            full[i, j] = np.sum(padded[i:i + kH, j:j + kW] * k, dtype=dtype)
    if mode == "same":
        return full[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    full = correlate2d(in1, in2)   # "convolution is the same sliding sum"
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full
