"""Checks for the backpropagation assignment: ``pool2d_backward``, ``conv2d_backward``,
``numerical_gradient``.

Arrays follow PyTorch's layout: ``x`` is ``(N, C, H, W)``, ``w`` is
``(C_out, C_in, kH, kW)``, ``dout`` is shaped like the forward pass's output.  The
students' signatures, as the checks call them (settings are ints; a keyword is left out
when a case tests its default):

* ``pool2d_backward(dout, x, kernel_size, stride=None, mode="max")``, ``mode`` one of
  ``"max"``, ``"avg"``, ``"l2"``: ``dx`` shaped like ``x``; tied maxima give the whole
  gradient to the first maximum in row-major order; an L2 window that is all zeros gets
  gradient 0;
* ``conv2d_backward(dout, x, w, stride=1, padding=0)``: the tuple ``(dx, dw, db)`` of the
  cross-correlation layer ``conv2d(x, w, b, stride, padding)``;
* ``numerical_gradient(f, x, h=1e-5)``: the central-difference gradient of a scalar
  function ``f`` at ``x``, float64, leaving ``x`` unchanged.

The expected values come from :mod:`autograder.reference` (``pool2d_backward``,
``conv2d_backward``, ``numerical_gradient``); the tests of this module compare those with
PyTorch's autograd and with the closed forms of the central difference.

Examples
--------
>>> def numerical_gradient(f, x, h=1e-5):
...     x = np.array(x, dtype=float)
...     grad = np.zeros_like(x)
...     for i in np.ndindex(x.shape):
...         old = x[i]
...         x[i] = old + h
...         plus = f(x)
...         x[i] = old - h
...         minus = f(x)
...         x[i] = old
...         grad[i] = (plus - minus) / (2 * h)
...     return grad
>>> check_numerical_gradient(numerical_gradient)
check_numerical_gradient: all 14 cases passed
"""

from __future__ import annotations

import numpy as np

from autograder import mistakes as _mistakes
from autograder.checks.core import (Case, Task, _short, diagnose, register, run_check)

__all__ = ["check_pool2d_backward", "check_conv2d_backward", "check_numerical_gradient",
           "KnownFunction", "known_functions"]

_LAYER_DTYPE = "float32 inputs give float32 gradients, float64 gives float64, as in PyTorch"
_ndarray = np.ndarray


# ---------------------------------------------------------------------------------------
# pool2d_backward
# ---------------------------------------------------------------------------------------

def _pool2d_backward_cases() -> list[Case]:
    rng = np.random.default_rng(20240601)

    def pool(name, x_shape, kernel_size, ties=False, dtype=np.float64, x=None, **settings):
        if x is None:
            # small integers force tied maxima; otherwise ties have probability 0
            x = (rng.integers(0, 3, size=x_shape).astype(float) if ties
                 else rng.standard_normal(x_shape))
        stride = settings.get("stride") or kernel_size
        out_shape = x_shape[:2] + tuple((n - kernel_size) // stride + 1 for n in x_shape[2:])
        dout = rng.standard_normal(out_shape)
        return Case(name, (dout.astype(dtype), x.astype(dtype), kernel_size), settings)

    zero_window = rng.standard_normal((1, 1, 4, 4))
    zero_window[0, 0, :2, :2] = 0.0
    found = [
        pool("2x2 max, stride left out (= kernel_size)", (2, 3, 6, 8), 2, mode="max"),
        pool("2x2 max with tied maxima: the first maximum in row-major order gets it",
             (2, 2, 4, 6), 2, ties=True, mode="max"),
        pool("2x2 avg, stride left out", (2, 3, 6, 8), 2, mode="avg"),
        pool("2x2 l2, stride left out", (2, 3, 6, 8), 2, mode="l2"),
        pool("3x3 max with stride 1: overlapping windows add up", (1, 2, 5, 6), 3, stride=1,
             mode="max"),
        pool("3x3 avg with stride 1: overlapping windows add up", (2, 1, 5, 5), 3, stride=1,
             mode="avg"),
        pool("3x3 l2 with stride 2: overlapping windows add up", (2, 2, 7, 7), 3, stride=2,
             mode="l2"),
        pool("3x3 max with ties and stride 2 (overlapping)", (1, 2, 7, 7), 3, ties=True,
             stride=2, mode="max"),
        pool("3x3 max, stride 2 that does not divide (the last row and column get 0)",
             (2, 2, 8, 9), 3, stride=2, mode="max"),
        pool("2x2 avg, stride 3 larger than the kernel (the gaps get 0)", (1, 2, 7, 8), 2,
             stride=3, mode="avg"),
        pool("kernel as large as the input (global average)", (2, 3, 4, 4), 4, mode="avg"),
        pool("kernel as large as the input, max", (1, 2, 3, 3), 3, mode="max"),
        pool("1x1 kernel (identity)", (1, 2, 3, 5), 1, mode="max"),
        pool("non-square input, 2x2 l2", (2, 2, 5, 9), 2, mode="l2"),
        pool("N=1, C=1, 3x3 max", (1, 1, 6, 6), 3, mode="max"),
        pool("mode left out (max is the default)", (2, 1, 4, 6), 2),
        pool("stride=None given explicitly, avg", (1, 2, 6, 4), 2, stride=None, mode="avg"),
        pool("l2 with an all-zero window: its gradient is 0, not NaN", (1, 1, 4, 4), 2,
             x=zero_window, mode="l2"),
        pool("float32 dout and x, 2x2 max", (2, 2, 6, 6), 2, dtype=np.float32, mode="max"),
    ]
    for k in range(4):
        N, C = (int(v) for v in rng.integers(1, 4, size=2))
        kernel = int(rng.integers(1, 4))
        H, W = (int(v) for v in rng.integers(kernel, 9, size=2))
        settings = {"mode": ("max", "avg", "l2", "max")[k]}
        if k >= 1:
            settings["stride"] = int(rng.integers(1, 4))
        found.append(pool(f"random case {k + 1} (seeded)", (N, C, H, W), kernel,
                          ties=k == 3, **settings))
    return found


POOL2D_BACKWARD = register(Task(
    name="pool2d_backward", reference="pool2d_backward", make_cases=_pool2d_backward_cases,
    arg_names=("dout", "x", "kernel_size"), dtype_rule=_LAYER_DTYPE))


def check_pool2d_backward(student_fn) -> None:
    """Grade a student's ``pool2d_backward(dout, x, kernel_size, stride=None, mode="max")``.

    Parameters
    ----------
    student_fn : callable
        Called with ``dout`` (N, C, OH, OW), ``x`` (N, C, H, W) and ``kernel_size``
        positionally and ``stride``, ``mode`` as keywords (left out when a case tests
        the default), on copies.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the case, what is wrong and the likely mistake.

    See Also
    --------
    torch.nn.functional.max_pool2d, torch.nn.functional.avg_pool2d,
    torch.nn.functional.lp_pool2d : With autograd, PyTorch's equivalents.
    autograder.reference.pool2d_backward : The reference the outputs are compared with.

    Notes
    -----
    23 cases: max, avg and l2; tied maxima (small integers), with and without
    overlapping windows; overlapping windows that must add up; a stride that does not
    divide and one larger than the kernel (untouched cells get 0); a kernel as large as
    the input; a 1x1 kernel; non-square input; N=1 and C=1; mode and stride left out;
    an all-zero L2 window; float32; four seeded random ones.  Output :math:`(i, j)` sends
    :math:`\\mathrm{dout}_{ij}` to its window: all of it to the first maximum (max),
    :math:`1/k^2` of it to every cell (avg), :math:`x_p / y_{ij}` of it to cell
    :math:`p` (l2, 0 where :math:`y_{ij} = 0`).

    Examples
    --------
    >>> from autograder.mistakes.backprop import pool2d_backward_every_tie
    >>> check_pool2d_backward(pool2d_backward_every_tie)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_pool2d_backward failed on case 2 of 23, ...
      Likely mistake: max gradient to every tied maximum. Hint: ...
    """
    run_check(POOL2D_BACKWARD, student_fn)


# ---------------------------------------------------------------------------------------
# conv2d_backward: three arrays per call
# ---------------------------------------------------------------------------------------

_PARTS = ("dx", "dw", "db")


def _conv2d_backward_cases() -> list[Case]:
    rng = np.random.default_rng(20240602)

    def conv(name, x_shape, w_shape, dtype=np.float64, **settings):
        s, p = settings.get("stride", 1), settings.get("padding", 0)
        out_hw = tuple((n + 2 * p - k) // s + 1 for n, k in zip(x_shape[2:], w_shape[2:]))
        x = rng.standard_normal(x_shape).astype(dtype)
        w = rng.standard_normal(w_shape).astype(dtype)
        dout = rng.standard_normal((x_shape[0], w_shape[0]) + out_hw).astype(dtype)
        return Case(name, (dout, x, w), settings)

    found = [
        conv("3x3 kernel, stride and padding left out", (2, 3, 6, 8), (4, 3, 3, 3)),
        conv("padding=0 given explicitly", (2, 2, 5, 5), (3, 2, 3, 3), padding=0),
        conv("padding=1", (2, 3, 5, 6), (2, 3, 3, 3), padding=1),
        conv("stride 2 that divides", (1, 2, 7, 9), (3, 2, 3, 3), stride=2),
        conv("stride 2 that does not divide (the last row gets 0)", (2, 2, 8, 6),
             (2, 2, 3, 3), stride=2),
        conv("stride 2 and padding 1", (2, 2, 7, 7), (3, 2, 3, 3), stride=2, padding=1),
        conv("stride 3 larger than the kernel (the gaps get 0)", (2, 2, 8, 8), (2, 2, 2, 2),
             stride=3),
        conv("1x1 kernel", (2, 4, 5, 5), (3, 4, 1, 1)),
        conv("kernel as large as the input", (2, 3, 4, 5), (2, 3, 4, 5)),
        conv("kernel as large as the padded input", (2, 2, 3, 3), (2, 2, 5, 5), padding=1),
        conv("even 2x2 kernel with padding=1", (1, 2, 5, 6), (3, 2, 2, 2), padding=1),
        conv("non-square input and 2x3 kernel", (2, 1, 4, 8), (2, 1, 2, 3)),
        conv("N=1, C=1, one filter", (1, 1, 6, 6), (1, 1, 3, 3)),
        conv("float32 dout, x and w, padding=1", (2, 3, 6, 6), (4, 3, 3, 3),
             dtype=np.float32, padding=1),
    ]
    for k in range(4):
        N, C_in, C_out = (int(v) for v in rng.integers(1, 4, size=3))
        H, W = (int(v) for v in rng.integers(3, 9, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        stride, padding = (int(v) for v in rng.integers((1, 0), (4, 3)))
        found.append(conv(f"random case {k + 1} (seeded)", (N, C_in, H, W),
                          (C_out, C_in, kh, kw), stride=stride, padding=padding))
    return found


def _same_parts(a, b) -> bool:
    """Two outcomes of a call returning several arrays: the same, part by part."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_mistakes.same_outcome(p, q) for p, q in zip(a, b))
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return False
    return _mistakes.same_outcome(a, b)


def _identify_parts(task: str, observations, failing: int):
    """:func:`autograder.mistakes.identify` for outcomes that are tuples of arrays."""
    order = [failing] + [i for i in range(len(observations)) if i != failing]
    fallback = None
    for mistake in _mistakes.MISTAKES[task]:
        for i in order:
            args, kwargs, observed = observations[i][:3]
            if not _same_parts(_mistakes._outcome(mistake.fn, args, kwargs), observed):
                if i > failing and fallback is None:
                    fallback = mistake
                break
        else:
            return mistake
    return fallback


def _diagnose_parts(expected: tuple, got, fn):
    """What is wrong with a student's ``(dx, dw, db)``, the first wrong part named."""
    if isinstance(got, BaseException) or got is None:
        return diagnose(expected[0], got, fn=fn)
    if not isinstance(got, (tuple, list)) or len(got) != len(expected):
        what = (f"a {type(got).__name__} of {len(got)} items"
                if isinstance(got, (tuple, list)) else _short(got))
        return ("type", f"returned {what}; return the three gradients as a tuple "
                        f"({', '.join(_PARTS)}), e.g. `return dx, dw, db`")
    for name, want, part in zip(_PARTS, expected, got):
        if isinstance(part, _ndarray) and type(part) is not _ndarray:
            part = _ndarray.view(part, _ndarray)
        problem = diagnose(want, part, dtype_rule=_LAYER_DTYPE, fn=fn)
        if problem is not None:
            return problem[0], f"{name}: {problem[1]}"
    return None


CONV2D_BACKWARD = register(Task(
    name="conv2d_backward", reference="conv2d_backward", make_cases=_conv2d_backward_cases,
    arg_names=("dout", "x", "w"), dtype_rule=_LAYER_DTYPE,
    # (dx, dw, db): compared and recognised part by part, the wrong part named
    diagnose=lambda expected, got, fn, reason: _diagnose_parts(expected, got, fn),
    identify=_identify_parts))


def check_conv2d_backward(student_fn) -> None:
    """Grade a student's ``conv2d_backward(dout, x, w, stride=1, padding=0)`` -> ``(dx, dw, db)``.

    Parameters
    ----------
    student_fn : callable
        Called with ``dout`` (N, C_out, H_out, W_out), ``x`` (N, C_in, H, W) and ``w``
        (C_out, C_in, kH, kW) positionally and ``stride``, ``padding`` as keywords (left
        out when a case tests the default), on copies.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the case, which of dx, dw, db is wrong and how,
        and the likely mistake.

    See Also
    --------
    torch.nn.grad.conv2d_input, torch.nn.grad.conv2d_weight : PyTorch's equivalents.
    autograder.reference.conv2d_backward : The reference the outputs are compared with.

    Notes
    -----
    18 cases: stride and padding left out, padding 0 and 1, strides that divide and that
    do not (uncovered rows get 0), a stride larger than the kernel, 1x1 kernel, kernel as
    large as the input and as the padded input, an even kernel, a non-square input and
    kernel, N=1 and C=1, float32, four seeded random ones.  With
    :math:`\\mathrm{out}[n, o, i, j] = b[o] + \\sum_{c,u,v} x_{pad}[n, c, iS + u, jS + v]\\,
    w[o, c, u, v]`:
    :math:`dw[o, c, u, v] = \\sum_{n,i,j} \\mathrm{dout}[n, o, i, j]\\,
    x_{pad}[n, c, iS + u, jS + v]`, :math:`db[o] = \\sum_{n,i,j} \\mathrm{dout}[n, o, i, j]`,
    and :math:`dx_{pad}[n, c, iS + u, jS + v] \\mathrel{+}= \\sum_o
    \\mathrm{dout}[n, o, i, j]\\, w[o, c, u, v]`, cropped to :math:`dx`.

    Examples
    --------
    >>> from autograder.mistakes.backprop import conv2d_backward_dx_unflipped
    >>> check_conv2d_backward(conv2d_backward_dx_unflipped)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv2d_backward failed on case 1 of 18, ...
      dx: wrong values: ...
      Likely mistake: dx with the kernel not flipped. Hint: ...
    """
    run_check(CONV2D_BACKWARD, student_fn)


# ---------------------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------------------

class KnownFunction:
    """A scalar test function with a readable name, whose central difference is known.

    Parameters
    ----------
    name : str
        How the case shows it, e.g. ``"sum(sin(x))"``.
    fn : callable
        ``fn(x) -> float``.
    central : callable
        ``central(x, h)``: the exact central difference
        :math:`(f(x + h e_i) - f(x - h e_i)) / 2h` for every ``i``, in closed form (used
        by the tests; the checks compare with the reference).

    Examples
    --------
    >>> square = KnownFunction("sum(x ** 2)", lambda x: np.sum(x ** 2), lambda x, h: 2 * x)
    >>> square(np.array([1.0, 2.0])), square
    (5.0, sum(x ** 2))
    """

    def __init__(self, name, fn, central):
        self.name, self.fn, self.central = name, fn, central

    def __call__(self, x):
        return float(self.fn(np.asarray(x, dtype=np.float64)))

    def __repr__(self):
        return self.name


def known_functions(rng: np.random.Generator) -> dict:
    """The test functions of :func:`check_numerical_gradient`, by name.

    Every one is a sum over elements or a quadratic, so its central difference has a
    closed form: exact for quadratics, :math:`\\cos x \\cdot \\sin h / h` for
    :math:`\\sum \\sin x`, :math:`3x^2 + h^2` for :math:`\\sum x^3`,
    :math:`e^x \\sinh h / h` for :math:`\\sum e^x`.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the coefficients of the quadratic form and the weights.

    Returns
    -------
    dict of str to KnownFunction

    Examples
    --------
    >>> sorted(known_functions(np.random.default_rng(0)))[:3]
    ['cube', 'exp', 'neighbours']
    """
    A = rng.standard_normal((4, 4))
    b = rng.standard_normal(4)
    weights = rng.standard_normal((1, 2, 3, 3))
    return {
        "square": KnownFunction("sum(x ** 2)", lambda x: np.sum(x ** 2), lambda x, h: 2 * x),
        "sin": KnownFunction("sum(sin(x))", lambda x: np.sum(np.sin(x)),
                             lambda x, h: np.cos(x) * np.sin(h) / h),
        "cube": KnownFunction("sum(x ** 3)", lambda x: np.sum(x ** 3),
                              lambda x, h: 3 * x ** 2 + h ** 2),
        "exp": KnownFunction("sum(exp(x))", lambda x: np.sum(np.exp(x)),
                             lambda x, h: np.exp(x) * np.sinh(h) / h),
        "quadratic": KnownFunction("x @ A @ x / 2 + b @ x (A not symmetric)",
                                   lambda x: x @ A @ x / 2 + b @ x,
                                   lambda x, h: (A + A.T) @ x / 2 + b),
        "weighted": KnownFunction("sum(w * x ** 2), x (N, C, H, W)",
                                  lambda x: np.sum(weights * x ** 2),
                                  lambda x, h: 2 * weights * x),
        "neighbours": KnownFunction("sum(x[:-1] * x[1:])", lambda x: np.sum(x[:-1] * x[1:]),
                                    lambda x, h: np.concatenate([x[1:], [0.0]])
                                    + np.concatenate([[0.0], x[:-1]])),
    }


def _numerical_gradient_cases() -> list[Case]:
    rng = np.random.default_rng(20240603)
    f = known_functions(rng)

    def grad(name, fn, x, **settings):
        return Case(name, (f[fn], x), settings)

    def normal(*shape):
        return rng.standard_normal(shape)

    found = [
        grad("sum(x ** 2) on a vector, h left out", "square", normal(5)),
        grad("sum(sin(x)) on a matrix, h left out", "sin", normal(2, 3)),
        grad("a quadratic form, h left out", "quadratic", normal(4)),
        grad("sum(x ** 3) with h=0.1: the central difference is 3 x ** 2 + h ** 2",
             "cube", normal(6), h=0.1),
        grad("sum(sin(x)) with h=0.05 (error of order h ** 2)", "sin", normal(3, 3), h=0.05),
        grad("sum(exp(x)) with h=1e-3 given explicitly", "exp", normal(4), h=1e-3),
        grad("x of shape (N, C, H, W)", "weighted", normal(1, 2, 3, 3)),
        grad("neighbouring elements multiplied", "neighbours", normal(7)),
        grad("integer x: nudge a float copy", "cube",
             rng.integers(-3, 4, size=(2, 3)), h=1e-3),
        grad("x with a single element", "exp", normal(1)),
    ]
    names = ["square", "sin", "cube", "exp"]
    for k in range(4):
        shape = tuple(int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        h = float((1e-5, 1e-4, 1e-2, 0.2)[k])
        found.append(grad(f"random case {k + 1} (seeded)", names[k], normal(*shape), h=h))
    return found


NUMERICAL_GRADIENT = register(Task(
    name="numerical_gradient", reference="numerical_gradient",
    make_cases=_numerical_gradient_cases, arg_names=("f", "x"),
    dtype_rule="the gradient is float64 whatever x's dtype: work on a float64 copy"))


def check_numerical_gradient(student_fn) -> None:
    """Grade a student's ``numerical_gradient(f, x, h=1e-5)`` on functions with known gradients.

    Parameters
    ----------
    student_fn : callable
        Called with a scalar function ``f`` and an array ``x`` positionally and ``h`` as
        a keyword (left out when a case tests the default), on copies.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the case, what is wrong and the likely mistake.

    See Also
    --------
    torch.autograd.gradcheck : PyTorch's gradient checker.
    autograder.reference.numerical_gradient : The reference the outputs are compared with.

    Notes
    -----
    14 cases on :func:`known_functions`: squares, sines, cubes, exponentials, a quadratic
    form with a non-symmetric matrix, a coupled sum and a 4-D weighted sum; ``h`` left
    out, 1e-3, 0.05, 0.1 and 0.2 (there the expected value is the central difference
    :math:`(f(x + h e_i) - f(x - h e_i)) / 2h`, not the derivative, so a forward
    difference, whose error is of order :math:`h` rather than :math:`h^2`, or an
    ignored ``h`` fails); integer ``x``; a single element; four seeded random ones.
    Each case also fails if ``x`` was changed.

    Examples
    --------
    >>> from autograder.mistakes.backprop import numerical_gradient_forward_difference
    >>> check_numerical_gradient(numerical_gradient_forward_difference)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_numerical_gradient failed on case 1 of 14, ...
      Likely mistake: forward difference instead of central. Hint: ...
    """
    run_check(NUMERICAL_GRADIENT, student_fn)
