"""Denial of service: correlate2d is correct except that mode="valid" spins for minutes (capped
by the submission); convolve2d is written separately and is right. Only the calls that hang may
fail."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    if mode == "valid":
        for _ in range(3 * 10**9):   # "an optimisation I was still working on"
            pass
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
    x, k = np.asarray(in1), np.asarray(in2)
    (H, W), (kH, kW) = x.shape, k.shape
    full = np.zeros((H + kH - 1, W + kW - 1), dtype=np.result_type(x, k))
    for r in range(H):
        for c in range(W):
            full[r:r + kH, c:c + kW] += x[r, c] * k
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full
