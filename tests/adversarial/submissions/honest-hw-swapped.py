"""Honest, H and W swapped: reads W, H = in1.shape (width first, as image libraries do) and
builds the output as (height, width) from that, so correlate2d comes out transposed;
convolve2d is written separately (scatter of the kernel) and is right."""

# %% correlate2d
def correlate2d(in1, in2, mode="full"):
    img, k = np.asarray(in1), np.asarray(in2)
    W, H = img.shape                  # (width, height), as in PIL
    kW, kH = k.shape
    dtype = np.result_type(img, k)
    padded = np.pad(img.astype(dtype), ((kW - 1, kW - 1), (kH - 1, kH - 1)))
    out = np.zeros((H + kH - 1, W + kW - 1), dtype=dtype)    # rows = height, columns = width
    for u in range(kW):
        for v in range(kH):
            out += k[u, v] * padded[u:u + W + kW - 1, v:v + H + kH - 1].T
    if mode == "same":
        return out[kH // 2:kH // 2 + H, kW // 2:kW // 2 + W]
    if mode == "valid":
        return out[kH - 1:H, kW - 1:W]
    return out

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
