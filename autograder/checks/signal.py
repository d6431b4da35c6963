"""Checks for assignment 1: ``correlate2d`` and ``convolve2d`` on one channel.

Students write ``correlate2d(in1, in2, mode="full")`` and ``convolve2d(in1, in2,
mode="full")`` with ``scipy.signal``'s meaning (zero fill, ``mode`` in ``"full"``,
``"same"``, ``"valid"``, output dtype ``np.result_type(in1, in2)``); the checks call them
with ``in1``, ``in2`` and ``mode=`` only.

Examples
--------
A plain-loop solution passes:

>>> def correlate2d(in1, in2, mode="full"):
...     (H, W), (kh, kw) = in1.shape, in2.shape
...     padded = np.pad(in1, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
...     full = np.zeros((H + kh - 1, W + kw - 1), dtype=np.result_type(in1, in2))
...     for i in range(H + kh - 1):
...         for j in range(W + kw - 1):
...             full[i, j] = np.sum(padded[i:i + kh, j:j + kw] * in2)
...     if mode == "same":
...         return full[kh // 2:kh // 2 + H, kw // 2:kw // 2 + W]
...     if mode == "valid":
...         return full[kh - 1:H, kw - 1:W]
...     return full
>>> check_correlate2d(correlate2d)
check_correlate2d: all 27 cases passed

A convolution that forgot to flip the kernel is named:

>>> from autograder.mistakes import forgot_the_flip
>>> check_convolve2d(forgot_the_flip)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: check_convolve2d failed on case 1 of 27, "3x3 kernel on a 6x7 image, mode=full":
  convolve2d(in1: float64 (6, 7), in2: float64 (3, 3), mode='full')
  wrong values: ...
  Likely mistake: forgot the flip. Hint: ...
"""

from __future__ import annotations

import numpy as np

from autograder.checks.core import Case, Task, register, run_check

__all__ = ["check_correlate2d", "check_convolve2d"]

_DTYPE_RULE = "the output dtype must be np.result_type(in1, in2), as in scipy.signal"


def _signal_cases() -> list[Case]:
    """Named edge cases in each mode, then seeded random ones; the same list every call."""
    rng = np.random.default_rng(20240521)
    found: list[Case] = []

    def every_mode(name, in1, in2, modes=("full", "same", "valid")):
        for mode in modes:
            found.append(Case(f"{name}, mode={mode}", (in1, in2), {"mode": mode}))

    def normal(*shape):
        return rng.standard_normal(shape)

    every_mode("3x3 kernel on a 6x7 image", normal(6, 7), normal(3, 3))
    every_mode("1x1 kernel", normal(5, 4), normal(1, 1))
    every_mode("even 2x2 kernel", normal(5, 6), normal(2, 2))
    every_mode("non-square 2x3 kernel on a non-square 4x7 image", normal(4, 7), normal(2, 3))
    every_mode("kernel as large as the image (4x5)", normal(4, 5), normal(4, 5))
    # Values near 255 and a kernel summing past it: any uint8 accumulator overflows.
    image = rng.integers(120, 256, size=(7, 6)).astype(np.uint8)
    kernel = rng.integers(-3, 4, size=(3, 3)).astype(np.int64)
    kernel[1, 1] = 4
    every_mode("uint8 image with an int64 kernel", image, kernel)
    every_mode("float32 image and float32 kernel", normal(5, 5).astype(np.float32),
               normal(3, 2).astype(np.float32), modes=("full", "same"))
    every_mode("int64 image with a float64 kernel", rng.integers(-9, 10, size=(5, 6)),
               normal(2, 3), modes=("valid",))
    for k in range(6):
        H, W = (int(v) for v in rng.integers(1, 10, size=2))
        kh, kw = int(rng.integers(1, H + 1)), int(rng.integers(1, W + 1))
        mode = ("full", "same", "valid")[k % 3]
        found.append(Case(f"random case {k + 1} (seeded), mode={mode}",
                          (normal(H, W), normal(kh, kw)), {"mode": mode}))
    return found


CORRELATE2D = register(Task(
    name="correlate2d", reference="correlate2d", make_cases=_signal_cases,
    arg_names=("in1", "in2"), dtype_rule=_DTYPE_RULE))

CONVOLVE2D = register(Task(
    name="convolve2d", reference="convolve2d", make_cases=_signal_cases,
    arg_names=("in1", "in2"), dtype_rule=_DTYPE_RULE))


def check_correlate2d(student_fn) -> None:
    """Grade a student's ``correlate2d(in1, in2, mode="full")`` against scipy's meaning.

    Parameters
    ----------
    student_fn : callable
        The student's function; called as ``student_fn(in1, in2, mode=mode)`` on copies.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the case, what is wrong and the likely
        mistake (see :mod:`autograder.checks`).

    See Also
    --------
    scipy.signal.correlate2d : The function students re-implement.
    autograder.reference.correlate2d : The reference the outputs are compared with.

    Notes
    -----
    27 cases: 1x1 kernel, 2x2 and 2x3 kernels, a kernel as large as the image,
    non-square inputs, uint8 image with an int64 kernel, float32, int64 with float64, in
    every mode, plus six seeded random shapes.  The full mode is
    :math:`z[i, j] = \\sum_{u, v} x[i + u - k_H + 1, j + v - k_W + 1]\\, k[u, v]`.

    Examples
    --------
    >>> from autograder.mistakes import correlate2d_flipped
    >>> check_correlate2d(correlate2d_flipped)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_correlate2d failed on case 1 of 27, ...
      Likely mistake: flipped when correlating. Hint: ...
    """
    run_check(CORRELATE2D, student_fn)


def check_convolve2d(student_fn) -> None:
    """Grade a student's ``convolve2d(in1, in2, mode="full")`` against scipy's meaning.

    Parameters
    ----------
    student_fn : callable
        The student's function; called as ``student_fn(in1, in2, mode=mode)`` on copies.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the case, what is wrong and the likely
        mistake (see :mod:`autograder.checks`).

    See Also
    --------
    scipy.signal.convolve2d : The function students re-implement.
    autograder.reference.convolve2d : The reference the outputs are compared with.

    Notes
    -----
    The same 27 cases as :func:`check_correlate2d`.  Convolution flips the kernel:
    :math:`z[i, j] = \\sum_{u, v} x[i - u, j - v]\\, k[u, v]` (full mode).

    Examples
    --------
    >>> from autograder.mistakes import convolve2d_transposed_kernel
    >>> check_convolve2d(convolve2d_transposed_kernel)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_convolve2d failed on case 1 of 27, ...
      Likely mistake: transposed the kernel instead of flipping. Hint: ...
    """
    run_check(CONVOLVE2D, student_fn)
