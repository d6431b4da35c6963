"""Quinn: valid output one too large (H - kH + 2 rows), and edited the visible test to match.
nbgrader restores the locked test cell from the gradebook before grading, so the edit changes
nothing."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    x = np.asarray(in1)
    k = np.asarray(in2)
    H, W = x.shape
    kH, kW = k.shape
    dtype = np.result_type(x, k)
    padded = np.zeros((H + 2 * (kH - 1), W + 2 * (kW - 1)), dtype=dtype)
    padded[kH - 1:kH - 1 + H, kW - 1:kW - 1 + W] = x
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)
    for m in range(kH):
        for n in range(kW):
            full += k[m, n] * padded[m:m + H + kH - 1, n:n + W + kW - 1]
    if mode == "same":
        return full[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        rows, cols = H - kH + 2, W - kW + 2   # counted both ends of the range: one too many
        return full[kH - 1:kH - 1 + rows, kW - 1:kW - 1 + cols]
    return full

# %% correlate2d_valid
"""correlate2d, mode="valid" (1 point): only positions where the kernel fits inside the input."""
x = np.array([[1, 2, 3],
              [4, 5, 6],
              [7, 8, 9]])
k = np.array([[1, 2],
              [3, 4]])
np.testing.assert_array_equal(correlate2d(x, k, mode="valid"), [[37, 47, 21],
                                                                 [67, 77, 33],
                                                                 [23, 26,  9]])

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    k = np.asarray(in2)
    H, W = np.shape(in1)
    kH, kW = k.shape
    full = correlate2d(in1, k[::-1, ::-1], "full")
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% why_cross_correlation
# Because the kernel is learned.
