"""Gus: H and W swapped. Reads W, H = in1.shape (the width-first order of image libraries) and
indexes [x, y], so every result comes out transposed; square examples hide it."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    img = np.asarray(in1)
    k = np.asarray(in2)
    W, H = img.shape          # width first, as in image libraries (numpy is rows first)
    kW, kH = k.shape
    dtype = np.result_type(img, k)
    padded = np.zeros((W + 2 * (kW - 1), H + 2 * (kH - 1)), dtype=dtype)
    padded[kW - 1:kW - 1 + W, kH - 1:kH - 1 + H] = img
    out = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)   # (rows, columns) = (height, width)
    for y in range(H + kH - 1):
        for x in range(W + kW - 1):
            out[y, x] = np.sum(padded[x:x + kW, y:y + kH] * k)
    if mode == "same":
        return out[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return out[kH - 1:H, kW - 1:W]
    return out

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    img = np.asarray(in1)
    k = np.asarray(in2)
    W, H = img.shape
    kW, kH = k.shape
    out = correlate2d(img, k[::-1, ::-1], "full")
    if mode == "same":
        return out[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return out[kH - 1:H, kW - 1:W]
    return out

# %% why_cross_correlation
# The weights are learned, so the flip does not matter.
