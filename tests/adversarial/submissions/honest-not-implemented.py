"""Honest, unfinished: correlate2d is right, convolve2d still raises NotImplementedError."""

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
    # TODO: flip and reuse correlate2d
    raise NotImplementedError("convolve2d is not finished")
