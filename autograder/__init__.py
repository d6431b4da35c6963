"""Convolution in CNNs: reference implementations, grading checks and the grader.

Subpackages
-----------
reference
    Reference convolutions, pooling and their gradients (numpy only).
checks
    One function per graded task; each takes the student's function and raises
    ``AssertionError`` with a message the student can act on.
"""

__version__ = "0.1.0"
