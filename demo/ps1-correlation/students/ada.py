"""Ada: correct. Explicit loops over output pixels on a zero-padded copy of the input."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    """Cross-correlation, one output pixel at a time."""
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    dtype = np.result_type(x, k)
    padded = np.zeros((H + 2 * (kH - 1), W + 2 * (kW - 1)), dtype=dtype)
    padded[kH - 1:kH - 1 + H, kW - 1:kW - 1 + W] = x
    out = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + kH, j:j + kW] * k, dtype=dtype)
    if mode == "full":
        return out
    if mode == "same":
        return out[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return out[kH - 1:H, kW - 1:W]
    raise ValueError(f"unknown mode {mode!r}")

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    """Convolution: cross-correlate with the flipped kernel, then take scipy's window."""
    H, W = np.shape(in1)
    kH, kW = np.shape(in2)
    out = correlate2d(in1, np.asarray(in2)[::-1, ::-1], mode="full")
    if mode == "full":
        return out
    if mode == "same":
        return out[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return out[kH - 1:H, kW - 1:W]
    raise ValueError(f"unknown mode {mode!r}")

# %% why_cross_correlation
# The weights are learned, so a layer that flipped its kernel would just learn the flipped
# kernel: both versions can represent exactly the same functions. Not flipping saves work and
# keeps the weights in the same order as the pixels they multiply. It matters when a kernel is
# designed by hand (an edge detector from a textbook) or copied between libraries.
