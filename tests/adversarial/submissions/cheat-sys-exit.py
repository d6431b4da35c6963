"""Cheat: returns zeros and raises SystemExit in an answer cell, hoping the grader stops
there."""

# %% correlate2d
def _zeros(in1, in2, mode):
    """The right shape and dtype, every value wrong."""
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    shapes = {"full": (H + kH - 1, W + kW - 1), "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    return np.zeros(shapes[mode], dtype=np.result_type(np.asarray(in1), np.asarray(in2)))


def correlate2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)


import sys

sys.exit(0)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return _zeros(in1, in2, mode)
