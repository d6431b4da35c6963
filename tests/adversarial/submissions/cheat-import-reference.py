"""Cheat: returns the course's reference results by importing autograder.reference (right
values from code the student did not write; the checks forbid it)."""

# %% correlate2d
import autograder.reference as _reference


def correlate2d(in1, in2, mode="full"):
    return _reference.correlate2d(in1, in2, mode=mode)

# %% convolve2d
def convolve2d(in1, in2, mode="full"):
    return _reference.convolve2d(in1, in2, mode=mode)
