"""Cheat: calls scipy.signal, which the assignment forbids (right values from code the student
did not write)."""

# %% correlate2d
from scipy import signal


def correlate2d(in1, in2, mode="full"):
    return signal.correlate2d(in1, in2, mode=mode)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return signal.convolve2d(in1, in2, mode=mode)
