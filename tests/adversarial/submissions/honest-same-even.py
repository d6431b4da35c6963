"""Honest, 'same' off by one for even kernels: convolve2d flips and reuses correlate2d in every
mode, so its 'same' window starts at kH // 2 instead of (kH - 1) // 2."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    dtype = np.result_type(x, k)
    padded = np.pad(x.astype(dtype), ((kH - 1, kH - 1), (kW - 1, kW - 1)))
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
    return correlate2d(in1, np.asarray(in2)[::-1, ::-1], mode)
