"""Denial of service: tries to hold 30 GB in touched numpy arrays before defining anything
(the submission stops at half of what the machine has free, or at 4 GB where it cannot tell, so
a failed defence cannot push the machine out of memory). The functions after it are correct."""

# %% correlate2d
def _hog():
    cap = 30 << 30
    try:
        with open("/proc/meminfo") as fh:
            free = next(int(line.split()[1]) << 10 for line in fh if line.startswith("MemAvailable"))
        cap = min(cap, free // 2)
    except Exception:
        cap = 4 << 30
    blocks = []
    while (len(blocks) + 1) * (256 << 20) <= cap:
        blocks.append(np.ones(32 << 20))   # 256 MB, every page written
    return blocks


_kept = _hog()
print("holding", len(_kept) * 256, "MB")


def correlate2d(in1, in2, mode="full"):
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
    k = np.asarray(in2)
    (H, W), (kH, kW) = np.shape(in1), k.shape
    full = correlate2d(in1, k[::-1, ::-1])
    if mode == "same":
        return full[(kH - 1) // 2:(kH - 1) // 2 + H, (kW - 1) // 2:(kW - 1) // 2 + W]
    if mode == "valid":
        return full[kH - 1:H, kW - 1:W]
    return full
