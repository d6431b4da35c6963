"""Honest, valid off by one: skips kH rows and kW columns of the full result instead of
kH - 1 and kW - 1, so 'valid' is one row and one column short (both functions)."""

# %% correlate2d
def _cut(full, H, W, kH, kW, mode, top, left):
    if mode == "same":
        return full[top:top + H, left:left + W]
    if mode == "valid":
        return full[kH:H, kW:W]
    return full


def correlate2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    dtype = np.result_type(x, k)
    padded = np.pad(x.astype(dtype), ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for m in range(kH):
        for n in range(kW):
            full += k[m, n] * padded[m:m + H + kH - 1, n:n + W + kW - 1]
    return _cut(full, H, W, kH, kW, mode, kH // 2, kW // 2)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    k = np.asarray(in2)
    (H, W), (kH, kW) = np.shape(in1), k.shape
    full = correlate2d(in1, k[::-1, ::-1])
    return _cut(full, H, W, kH, kW, mode, (kH - 1) // 2, (kW - 1) // 2)
