"""Nia: correct, but deleted the test cell convolve2d_dtype (nbgrader puts it back and grades it).
Loops over kernel elements, adding shifted slices of the input into the output."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    out = np.zeros((H + kH - 1, W + kW - 1), dtype=np.result_type(x, k))
    # c[i, j] += x[i - (kH - 1) + m, j - (kW - 1) + n] k[m, n]:
    # tap (m, n) adds the whole input at offset (kH - 1 - m, kW - 1 - n)
    for m in range(kH):
        for n in range(kW):
            out[kH - 1 - m:kH - 1 - m + H, kW - 1 - n:kW - 1 - n + W] += k[m, n] * x
    if mode == "full":
        return out
    if mode == "same":
        return out[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    return out[kH - 1:H, kW - 1:W]

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    out = np.zeros((H + kH - 1, W + kW - 1), dtype=np.result_type(x, k))
    # v[i, j] += x[i - m, j - n] k[m, n]: the input lands at offset (m, n)
    for m in range(kH):
        for n in range(kW):
            out[m:m + H, n:n + W] += k[m, n] * x
    if mode == "full":
        return out
    if mode == "same":
        return out[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    return out[kH - 1:H, kW - 1:W]

# %% why_cross_correlation
# A learned kernel can be learned flipped just as well, so the flip adds nothing; libraries skip
# it and keep the weights aligned with the patch they multiply.
