"""Eli: off by one in valid mode. Skips kH rows (and kW columns) of the full result instead of
kH - 1, so the valid output is one row and one column short."""

# %% correlate2d
def _window(full, H, W, kH, kW, mode, same_top, same_left):
    if mode == "full":
        return full
    if mode == "same":
        return full[same_top:same_top + H, same_left:same_left + W]
    # valid: drop the rows and columns that touched the padding -- kH of them (it is kH - 1)
    return full[kH:H, kW:W]


def correlate2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    dtype = np.result_type(x, k)
    padded = np.pad(x.astype(dtype), ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for m in range(kH):
        for n in range(kW):
            full += k[m, n] * padded[m:m + H + kH - 1, n:n + W + kW - 1]
    return _window(full, H, W, kH, kW, mode, kH // 2, kW // 2)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    k = np.asarray(in2)
    H, W = np.shape(in1)
    kH, kW = k.shape
    full = correlate2d(in1, k[::-1, ::-1], "full")
    return _window(full, H, W, kH, kW, mode, (kH - 1) // 2, (kW - 1) // 2)

# %% why_cross_correlation
# Because the kernel is learned, the flip makes no difference to what can be learned.
