"""Checks that grade students: one function per graded task, each taking the function.

``check_<task>(student_fn)`` never reads notebook globals; it grades the function it is
given and returns None (printing one line) when every case passes, or raises
``AssertionError`` with a message a student can act on.

How a check works:

* **Cases.** Each check builds its own inputs afresh: named edge cases (1x1 kernel,
  kernel as large as the input, even kernel, non-square input, a stride that does not
  divide, ``padding=0``, ``N=1``, ``C=1``, integer dtypes where they matter) and seeded
  random ones, so two runs see the same cases.  :func:`cases` returns them for a
  student who wants to rebuild one.
* **Calls.** The student's function gets copies; the reference
  (:mod:`autograder.reference`) gets its own.  Changing an argument in place fails as
  the mistake "mutated the input".
* **Comparison**, in this order: it raised (type and message shown;
  ``NotImplementedError`` reads "not implemented yet"), returned None, the type, the
  shape, the dtype, then the values: the number of wrong elements, the max abs error
  and the first wrong index in row-major order with expected vs got.  Floats allow
  rounding (about 1e-7 relative in float64, 1e-4 in float32); integers are exact.
  Cases where the reference refuses the arguments must raise ``ValueError`` too.
  Comparisons use operators and ndarray methods captured at import, never
  ``np.allclose`` or ``numpy.testing``, so patching those in a notebook changes nothing.
* **Mistakes.** On a failure the check runs the task's known-wrong variants
  (:mod:`autograder.mistakes`) on the same inputs; the first that reproduces the
  student's outputs is named: ``Likely mistake: <name>. Hint: <hint>``.  If none does,
  the message says so rather than guess.
* **Forbidden calls.** While the student's function runs, a ``sys.setprofile`` hook
  (and ``threading.setprofile``) flags any Python function whose code lives in
  ``autograder.reference``, ``autograder.mistakes``, ``scipy.signal``,
  ``scipy.ndimage``, ``torch``, ``tensorflow``, ``keras`` or ``jax``, and any C function
  from them, however it was imported or renamed; the check fails naming the function.
  The previous profiler is restored afterwards, even on errors.

Examples
--------
>>> from autograder.mistakes import forgot_the_flip
>>> check_convolve2d(forgot_the_flip)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: check_convolve2d failed on case 1 of 27, ...
  Likely mistake: forgot the flip. Hint: Convolution flips the kernel ...
"""

from autograder.checks.backprop import check_conv2d_backward, check_numerical_gradient, check_pool2d_backward
from autograder.checks.core import cases
from autograder.checks.fast import check_conv2d_im2col, check_conv2d_im2col_speed, check_im2col, check_train_cnn
from autograder.checks.layers import check_conv2d, check_conv_output_size, check_pad2d, check_pool2d
from autograder.checks.structure import (
    check_conv1x1,
    check_conv_flops,
    check_conv_input_grad_via_matrix,
    check_conv_matrix,
    check_conv_params,
    check_depthwise_separable_conv2d,
    check_fc_flops,
    check_fc_params,
    check_fc_to_conv,
    check_separable_savings,
)
from autograder.checks.signal import check_convolve2d, check_correlate2d

__all__ = [
    "cases",
    "check_correlate2d",
    "check_convolve2d",
    "check_pad2d",
    "check_conv_output_size",
    "check_conv2d",
    "check_pool2d",
    "check_pool2d_backward",
    "check_conv2d_backward",
    "check_numerical_gradient",
    "check_im2col",
    "check_conv2d_im2col",
    "check_conv2d_im2col_speed",
    "check_train_cnn",
    "check_conv_matrix",
    "check_conv_input_grad_via_matrix",
    "check_conv_params",
    "check_conv_flops",
    "check_fc_params",
    "check_fc_flops",
    "check_conv1x1",
    "check_fc_to_conv",
    "check_depthwise_separable_conv2d",
    "check_separable_savings",
]
