"""Ben: correct. Vectorised: every kernel-sized window at once, then one tensordot."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    """Cross-correlation with sliding_window_view and tensordot."""
    x = np.asarray(in1)
    k = np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    dtype = np.result_type(x, k)
    padded = np.pad(x.astype(dtype), ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kH, kW))
    full = np.tensordot(windows, k.astype(dtype), axes=([2, 3], [0, 1])).astype(dtype)
    windows_of = {
        "full": (slice(None), slice(None)),
        "same": (slice(kH // 2, kH // 2 + H), slice(kW // 2, kW // 2 + W)),
        "valid": (slice(kH - 1, H), slice(kW - 1, W)),
    }
    if mode not in windows_of:
        raise ValueError(f"mode must be 'full', 'same' or 'valid', got {mode!r}")
    return full[windows_of[mode]]

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    """Convolution via correlate2d; the same window of a convolution starts at (k - 1) // 2."""
    k = np.asarray(in2)
    (H, W), (kH, kW) = np.shape(in1), k.shape
    full = correlate2d(in1, np.flip(k), mode="full")
    if mode == "same":
        top, left = (kH - 1) // 2, (kW - 1) // 2
        return full[top:top + H, left:left + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full

# %% why_cross_correlation
# Flipping does not change what a layer can learn: the optimiser would learn the flipped
# weights instead. So libraries skip it. It only matters for fixed, hand-made kernels.
