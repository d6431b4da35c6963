"""Honest and correct, vectorised: all windows at once with sliding_window_view and einsum."""

# %% correlate2d
def _full_correlation(x, k):
    (kH, kW) = k.shape
    dtype = np.result_type(x, k)
    padded = np.pad(x.astype(dtype), ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kH, kW))
    return np.einsum("ijmn,mn->ij", windows, k.astype(dtype)).astype(dtype)


def correlate2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    full = _full_correlation(x, k)
    starts = {"full": (0, 0), "same": (kH // 2, kW // 2), "valid": (kH - 1, kW - 1)}
    sizes = {"full": full.shape, "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    (top, left), (rows, cols) = starts[mode], sizes[mode]
    return full[top:top + rows, left:left + cols]

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    full = _full_correlation(x, k[::-1, ::-1])
    starts = {"full": (0, 0), "same": ((kH - 1) // 2, (kW - 1) // 2), "valid": (kH - 1, kW - 1)}
    sizes = {"full": full.shape, "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    (top, left), (rows, cols) = starts[mode], sizes[mode]
    return full[top:top + rows, left:left + cols]

# %% why_cross_correlation
# Flipping is a fixed permutation of learned weights, so it changes nothing a network can learn.
