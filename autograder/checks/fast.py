"""Checks for assignment 5 (fast convolution and a trained CNN).

The students' functions, as the checks call them (settings are ints; a keyword is left
out when a case tests its default):

* ``im2col(x, kernel_size, stride=1, padding=0)``, ``kernel_size`` an int or
  ``(kH, kW)``: every window of ``x`` ``(N, C, H, W)`` as a column of an
  ``(N, C * kH * kW, H_out * W_out)`` array, in the layout of
  :func:`autograder.reference.im2col` (and of ``torch.nn.functional.unfold``);
* ``conv2d_im2col(x, w, b=None, stride=1, padding=0)``: the convolution layer (a
  cross-correlation) as one matrix product, compared with
  :func:`autograder.reference.conv2d`; :func:`check_conv2d_im2col_speed` also requires
  it to beat a loop over output positions (:func:`autograder.reference.conv2d_loops`)
  by a generous factor, timed in the same run;
* ``train_cnn(x_train, y_train, seed=0)`` returning the trained parameters as a list of
  arrays, and ``predict_cnn(params, x)`` returning integer labels:
  :func:`check_train_cnn` trains on scikit-learn's digits and grades the accuracy on
  test digits the training never saw.

Only arrays, numbers and lists or tuples of them cross between the grader and the
sandboxed student code (:mod:`autograder.trusted`), which is why ``train_cnn`` returns
its parameters as a list and ``predict_cnn`` takes them back.

Examples
--------
>>> from autograder.mistakes.fast import im2col_windows_transposed
>>> check_im2col(im2col_windows_transposed)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: check_im2col failed on case 1 of 19, "2x2 kernel on a 3x3 image":
  im2col(x: float64 (1, 1, 3, 3), kernel_size: 2)
  wrong values: ...
  Likely mistake: windows in column-major order. Hint: ...
"""

from __future__ import annotations

import numbers
import statistics
import time

import numpy as np

from autograder.checks.core import (
    Case,
    Task,
    _exception_text,
    _fail,
    _short,
    _where,
    call_guarded,
    diagnose,
    register,
    run_check,
)

__all__ = [
    "check_im2col",
    "check_conv2d_im2col",
    "check_conv2d_im2col_speed",
    "check_train_cnn",
    "SPEED_FACTOR",
    "MIN_ACCURACY",
    "TIME_LIMIT",
]

#: How many times faster than the loop version ``conv2d_im2col`` must be.
SPEED_FACTOR = 5.0
#: Test accuracy ``train_cnn`` must reach on the digits.
MIN_ACCURACY = 0.90
#: Seconds ``train_cnn`` may take (the trusted grader stops any call after 10 s anyway).
TIME_LIMIT = 10.0
#: The split the grader trains and tests on: not the split shipped with the assignment.
SPLIT_SEED = 1

_LAYER_DTYPE = "float32 input gives float32 output, float64 gives float64, as in PyTorch"


# ---------------------------------------------------------------------------------------
# im2col
# ---------------------------------------------------------------------------------------

def _im2col_cases() -> list[Case]:
    rng = np.random.default_rng(20240601)

    def cols(name, shape, kernel_size, dtype=np.float64, **settings):
        if np.dtype(dtype).kind == "f":
            x = rng.standard_normal(shape).astype(dtype)
        else:
            x = rng.integers(-50, 50, size=shape).astype(dtype)
        return Case(name, (x, kernel_size), settings)

    found = [
        cols("2x2 kernel on a 3x3 image", (1, 1, 3, 3), 2),
        cols("3x3 kernel, 2 images with 3 channels", (2, 3, 5, 6), 3),
        cols("stride 2 that divides", (1, 2, 7, 7), 3, stride=2),
        cols("stride 2 that does not divide", (2, 1, 8, 6), 3, stride=2),
        cols("padding=1", (2, 3, 5, 4), 3, padding=1),
        cols("padding=0 given explicitly", (1, 2, 5, 5), 3, padding=0),
        cols("stride 2 with padding 1", (2, 2, 7, 9), 3, stride=2, padding=1),
        cols("1x1 kernel", (2, 3, 4, 5), 1),
        cols("kernel as large as the input", (2, 2, 4, 5), (4, 5)),
        cols("kernel as large as the padded input", (1, 2, 3, 4), (5, 6), padding=1),
        cols("non-square 2x3 kernel given as a pair", (2, 2, 5, 6), (2, 3)),
        cols("even 2x2 kernel with padding 1", (1, 2, 4, 4), 2, padding=1),
        cols("N=1, C=1 (one image, one channel)", (1, 1, 6, 5), 3),
        cols("float32 input keeps its dtype", (2, 2, 5, 5), 3, dtype=np.float32, padding=1),
        cols("int64 input keeps its dtype", (1, 2, 4, 6), 2, dtype=np.int64, stride=2),
    ]
    for k in range(4):
        N, C = (int(v) for v in rng.integers(1, 4, size=2))
        H, W = (int(v) for v in rng.integers(3, 9, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 3))
        kernel = kh if k % 2 == 0 else (kh, kw)
        found.append(cols(f"random case {k + 1} (seeded)", (N, C, H, W), kernel,
                          stride=stride, padding=padding))
    return found


IM2COL = register(Task(
    name="im2col", reference="im2col", make_cases=_im2col_cases,
    arg_names=("x", "kernel_size"), dtype_rule="im2col copies numbers: it keeps x's dtype"))


def check_im2col(student_fn) -> None:
    """Grade a student's ``im2col(x, kernel_size, stride=1, padding=0)`` (NCHW in, columns out).

    Parameters
    ----------
    student_fn : callable
        Called with ``x`` and ``kernel_size`` (an int or ``(kH, kW)``) positionally and
        ``stride``, ``padding`` as keywords (left out when a case tests the default), on
        copies.

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
    torch.nn.functional.unfold : PyTorch's equivalent (same layout).
    autograder.reference.im2col : The reference the outputs are compared with.

    Notes
    -----
    19 cases: a 2x2 kernel on a 3x3 image, several images and channels, strides that
    divide and that do not (the remainder is dropped), padding 0 and 1, stride with
    padding, a 1x1 kernel, a kernel as large as the input and as the padded input, a
    2x3 kernel given as a pair, an even kernel, N=1 and C=1, float32 and int64 (the dtype
    is kept), four seeded random ones.  The layout is

    .. math:: \\mathrm{cols}[n, (c k_H + u) k_W + v, i W_{out} + j] =
              x_{\\mathrm{pad}}[n, c, i S + u, j S + v].

    Examples
    --------
    >>> from autograder.mistakes.fast import im2col_kernel_major
    >>> check_im2col(im2col_kernel_major)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_im2col failed on case 2 of 19, "3x3 kernel, 2 images with 3 channels":
    ...
      Likely mistake: rows in kernel-major order (offset before channel). Hint: ...
    """
    run_check(IM2COL, student_fn)


# ---------------------------------------------------------------------------------------
# conv2d_im2col
# ---------------------------------------------------------------------------------------

def _conv2d_im2col_cases() -> list[Case]:
    rng = np.random.default_rng(20240602)

    def normal(*shape):
        return rng.standard_normal(shape)

    def conv(name, x_shape, w_shape, bias=True, dtype=np.float64, **settings):
        x = normal(*x_shape).astype(dtype)
        w = normal(*w_shape).astype(dtype)
        kwargs = {"b": normal(w_shape[0]).astype(dtype)} if bias else {}
        kwargs.update(settings)
        return Case(name, (x, w), kwargs)

    found = [
        conv("3x3 kernels, 2 images, with bias", (2, 3, 6, 8), (4, 3, 3, 3)),
        conv("padding=1", (2, 3, 5, 6), (2, 3, 3, 3), padding=1),
        conv("padding=0 given explicitly", (2, 2, 5, 5), (3, 2, 3, 3), padding=0),
        conv("stride 2 that divides", (1, 2, 7, 9), (3, 2, 3, 3), stride=2),
        conv("stride 2 that does not divide", (2, 2, 8, 6), (2, 2, 3, 3), stride=2),
        conv("stride 2 with padding 1", (2, 3, 7, 7), (4, 3, 3, 3), stride=2, padding=1),
        conv("1x1 kernel", (2, 4, 5, 5), (3, 4, 1, 1)),
        conv("kernel as large as the input", (2, 3, 4, 5), (2, 3, 4, 5)),
        conv("kernel as large as the padded input", (3, 2, 3, 3), (2, 2, 5, 5), padding=1),
        conv("even 2x2 kernel with padding 1", (1, 2, 5, 6), (3, 2, 2, 2), padding=1),
        conv("non-square input and 2x3 kernel", (2, 1, 4, 8), (2, 1, 2, 3)),
        conv("N=1, C=1 (one image, one channel)", (1, 1, 6, 6), (1, 1, 3, 3)),
        conv("no bias (b left out)", (2, 3, 5, 5), (2, 3, 3, 3), bias=False),
        conv("bias with as many filters as windows", (2, 2, 3, 3), (4, 2, 2, 2)),
        conv("float32 input and weights, padding 1", (2, 3, 6, 6), (4, 3, 3, 3),
             dtype=np.float32, padding=1),
    ]
    for k in range(4):
        N, C_in, C_out = (int(v) for v in rng.integers(1, 4, size=3))
        H, W = (int(v) for v in rng.integers(3, 9, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 3))
        found.append(conv(f"random case {k + 1} (seeded)", (N, C_in, H, W),
                          (C_out, C_in, kh, kw), bias=bool(k % 2 == 0), stride=stride,
                          padding=padding))
    return found


CONV2D_IM2COL = register(Task(
    name="conv2d_im2col", reference="conv2d", make_cases=_conv2d_im2col_cases,
    arg_names=("x", "w"), dtype_rule=_LAYER_DTYPE))


def check_conv2d_im2col(student_fn) -> None:
    """Grade a student's ``conv2d_im2col(x, w, b=None, stride=1, padding=0)`` for correctness.

    Parameters
    ----------
    student_fn : callable
        Called with ``x`` and ``w`` positionally and ``b``, ``stride``, ``padding`` as
        keywords (left out when a case tests the default), on copies.

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
    torch.nn.functional.conv2d : PyTorch's equivalent.
    autograder.reference.conv2d : The reference the outputs are compared with.
    check_conv2d_im2col_speed : The other half of the grade: is it fast?

    Notes
    -----
    19 cases: bias and no bias, padding 0 and 1, strides that divide and that do not,
    stride with padding, a 1x1 kernel, a kernel as large as the input and as the padded
    input, an even kernel, a 2x3 kernel on a non-square input, N=1 and C=1, as many filters
    as windows (a bias added along the wrong axis then goes unnoticed by numpy),
    float32, four seeded random ones.  The layer is

    .. math:: \\mathrm{out}[n, o, i, j] = b[o] + \\sum_{k} W_{\\mathrm{row}}[o, k]\\,
              \\mathrm{cols}[n, k, i W_{out} + j], \\quad
              W_{\\mathrm{row}} = w.\\mathrm{reshape}(C_{out}, -1).

    Examples
    --------
    >>> from autograder.mistakes.fast import conv2d_im2col_n_and_c_out_swapped
    >>> check_conv2d_im2col(conv2d_im2col_n_and_c_out_swapped)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv2d_im2col failed on case 1 of 19, ...
      Likely mistake: N and C_out swapped in the reshape. Hint: ...
    """
    run_check(CONV2D_IM2COL, student_fn)


# ---------------------------------------------------------------------------------------
# conv2d_im2col: speed
# ---------------------------------------------------------------------------------------

def _speed_input():
    """One image, one channel, 160x160, two 3x3 filters: 24964 windows of 9 numbers.

    Many small windows make the loop version pay its per-window overhead often, while
    the arrays stay small enough (200 kB in, 400 kB out) that sending them to the
    sandboxed student code costs far less than the loops.
    """
    rng = np.random.default_rng(20240603)
    return (rng.standard_normal((1, 1, 160, 160)), rng.standard_normal((2, 1, 3, 3)),
            rng.standard_normal(2))


def check_conv2d_im2col_speed(student_fn, *, factor: float = SPEED_FACTOR, repeats: int = 5,
                              clock=time.perf_counter) -> None:
    """Grade that a student's ``conv2d_im2col`` is much faster than a loop over output positions.

    Parameters
    ----------
    student_fn : callable
        The student's ``conv2d_im2col``, called as ``student_fn(x, w, b)``.
    factor : float, default SPEED_FACTOR (5)
        How many times faster than the loop version it must be.
    repeats : int, default 5
        Timed calls of each function; the medians are compared.
    clock : callable, default time.perf_counter
        Returns seconds; read three times per repeat (before the student's call, between
        the two calls, after the loop version's call).  Tests pass a fake clock.

    Returns
    -------
    None
        Prints one line with the measured speed-up when it is fast enough.

    Raises
    ------
    AssertionError
        If the function raises, calls forbidden code, gives wrong values on the timing
        input, or its median time is more than ``1 / factor`` of the loop version's.
    TypeError, ValueError
        If ``factor`` or ``repeats`` is not a positive number.

    See Also
    --------
    autograder.reference.conv2d_loops : The loop version it is timed against.
    autograder.timing.measure : The same median-of-repeats idea, for one function.

    Notes
    -----
    The input is one 160x160 image with one channel and two 3x3 filters with a bias:
    24964 windows.  One untimed call first (under the forbidden-call guard) checks the
    values against :func:`autograder.reference.conv2d`; then the student's function and
    :func:`autograder.reference.conv2d_loops` run alternately, ``repeats`` times each, so
    that a slow moment of the machine slows both.  The speed-up is
    :math:`\\operatorname{median}(t_{\\mathrm{loops}}) /
    \\operatorname{median}(t_{\\mathrm{student}})`.  An im2col version is typically tens
    to hundreds of times faster, so the factor 5 leaves a wide margin for noise and for
    the time it takes to send the arrays to the sandboxed student code.

    Examples
    --------
    A fake clock makes the verdict exact: here each student call "takes" 10 ms and each
    loop call 30 ms, so the function is only 3 times faster.

    >>> from numpy.lib.stride_tricks import sliding_window_view
    >>> def conv2d_im2col(x, w, b=None, stride=1, padding=0):
    ...     windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))
    ...     return np.einsum("nchwuv,ocuv->nohw", windows, w) + b[:, None, None]
    >>> def fake_clock(student, loops):
    ...     now = 0.0
    ...     while True:
    ...         for step in (0.0, student, loops):
    ...             now += step
    ...             yield now
    >>> ticks = fake_clock(0.010, 0.030)
    >>> check_conv2d_im2col_speed(conv2d_im2col, clock=lambda: next(ticks))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv2d_im2col_speed: your conv2d_im2col is only 3.0 times faster ...
    >>> ticks = fake_clock(0.002, 0.030)
    >>> check_conv2d_im2col_speed(conv2d_im2col, clock=lambda: next(ticks))
    check_conv2d_im2col_speed: 15 times faster than the loop version (at least 5 needed)
    """
    if isinstance(factor, (bool, np.bool_)) or not isinstance(factor, numbers.Real):
        raise TypeError(f"factor must be a number, got {factor!r}")
    if not factor > 0:
        raise ValueError(f"factor must be > 0, got {factor!r}")
    if isinstance(repeats, (bool, np.bool_)) or not isinstance(repeats, numbers.Integral):
        raise TypeError(f"repeats must be an int, got {repeats!r}")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if not callable(clock):
        raise TypeError(f"clock must be callable and return seconds, got {clock!r}")
    header = "check_conv2d_im2col_speed"
    if not callable(student_fn):
        _fail(f"{header}: expected your function conv2d_im2col, got {_short(student_fn)} "
              f"(pass the function itself, without calling it)")
    from autograder.reference import conv2d, conv2d_loops

    x, w, b = _speed_input()
    call = f"conv2d_im2col(x: {_short(x)}, w: {_short(w)}, b: {_short(b)})"
    outcome, culprit = call_guarded(student_fn, (x.copy(), w.copy(), b.copy()), {})
    if culprit is not None:
        _fail(f"{header}: your conv2d_im2col called {culprit}. Write it yourself with numpy: "
              f"calling scipy.signal, scipy.ndimage, torch or the course's own code is not "
              f"allowed.")
    if isinstance(outcome, NotImplementedError):
        _fail(f"{header}: conv2d_im2col is not implemented yet (it raised "
              f"NotImplementedError). Replace `raise NotImplementedError` with your code.")
    problem = diagnose(conv2d(x, w, b), outcome, dtype_rule=_LAYER_DTYPE, fn=student_fn)
    if problem is not None:
        _fail(f"{header}: before timing, your function must be right on the timing input:\n"
              f"  {call}\n  {problem[1]}\n  (check_conv2d_im2col finds such mistakes on "
              f"smaller cases and names them)",
              cause=outcome if isinstance(outcome, BaseException) else None)
    mine, loops = [], []
    for _ in range(repeats):
        start = _seconds(clock)
        student_fn(x.copy(), w.copy(), b.copy())
        middle = _seconds(clock)
        conv2d_loops(x, w, b)
        end = _seconds(clock)
        if not (middle >= start and end >= middle):
            raise ValueError("clock went backwards (or returned NaN) while timing; pass a "
                             "monotonic clock such as time.perf_counter")
        mine.append(middle - start)
        loops.append(end - middle)
    t_mine, t_loops = statistics.median(mine), statistics.median(loops)
    speedup = t_loops / t_mine if t_mine > 0 else float("inf")
    if speedup < factor:
        _fail(f"{header}: your conv2d_im2col is only {speedup:.1f} times faster than a loop "
              f"over output positions (median of {repeats} runs: {t_mine * 1e3:.1f} ms against "
              f"{t_loops * 1e3:.1f} ms on {call}); it must be at least {factor:g} times "
              f"faster.\n  Likely mistake: too slow for one matrix product. Hint: build every "
              f"window at once with im2col (a few slices or a window view, no Python loop over "
              f"output positions) and compute the layer as one matrix product "
              f"w.reshape(C_out, -1) @ cols.")
    print(f"{header}: {speedup:.0f} times faster than the loop version "
          f"(at least {factor:g} needed)")


def _seconds(clock) -> float:
    value = clock()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"clock must return a number of seconds, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------------------------
# train_cnn / predict_cnn
# ---------------------------------------------------------------------------------------

def _digits_split():
    from autograder.datasets import digits

    return tuple(digits(test_fraction=0.25, seed=SPLIT_SEED))


def _sendable(value, depth=0) -> bool:
    """Arrays, numbers and lists or tuples of them: what crosses to the sandboxed code."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufc"
    if isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, np.object_):
        return True
    if isinstance(value, (list, tuple)) and depth < 8:
        return all(_sendable(v, depth + 1) for v in value)
    return False


def check_train_cnn(train_fn, predict_fn, *, data=None, seed: int = 0,
                    min_accuracy: float = MIN_ACCURACY, time_limit: float = TIME_LIMIT,
                    clock=time.perf_counter) -> None:
    """Train a student's CNN on the digits and grade its accuracy on digits it never saw.

    Parameters
    ----------
    train_fn : callable
        The student's ``train_cnn(x_train, y_train, seed=0)``: images ``(N, 1, 8, 8)``
        float32 in [0, 1], labels ``(N,)`` int64 in 0..9; returns the trained parameters
        as a list (or tuple) of arrays.
    predict_fn : callable
        The student's ``predict_cnn(params, x)``: returns ``(N,)`` integer labels.
    data : sequence of 4 arrays, optional
        ``(x_train, y_train, x_test, y_test)``; by default the digits
        (:func:`autograder.datasets.digits`) split with seed ``SPLIT_SEED``, another split
        than the one shipped with the assignment.
    seed : int, default 0
        Passed to ``train_fn`` as ``seed=``.
    min_accuracy : float, default MIN_ACCURACY (0.9)
        Share of the test images that must be classified right.
    time_limit : float, default TIME_LIMIT (10)
        Seconds the training may take, measured with ``clock``.
    clock : callable, default time.perf_counter
        Read just before and just after the call of ``train_fn``; tests pass a fake one.

    Returns
    -------
    None
        Prints the accuracy when it is high enough.

    Raises
    ------
    AssertionError
        If either function raises, calls forbidden code, returns something the grader
        cannot use, training takes longer than ``time_limit`` or the accuracy is below
        ``min_accuracy``; the message says which and by how much.

    See Also
    --------
    autograder.nn.fit : The course's own training loop (lecture 09).

    Notes
    -----
    The accuracy is :math:`\\frac{1}{M} \\sum_m [\\hat y_m = y_m]` over the :math:`M`
    test images.  The assignment's model solution (one conv layer with 8 filters, ReLU,
    2x2 max pooling and a linear layer, ten epochs of Adam) gets 96 to 98 % of the test
    digits right after about a second of training.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((40, 1, 8, 8)).astype(np.float32)
    >>> y = (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(np.int64)
    >>> def train(x_train, y_train, seed=0):
    ...     return [np.zeros(1)]
    >>> def predict(params, x):
    ...     return (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(int)
    >>> check_train_cnn(train, predict, data=(x[:20], y[:20], x[20:], y[20:]))
    check_train_cnn: 20 of 20 test images right (100.0 %, at least 90 % needed)
    """
    header = "check_train_cnn"
    for label, fn in (("train_cnn", train_fn), ("predict_cnn", predict_fn)):
        if not callable(fn):
            _fail(f"{header}: expected your function {label}, got {_short(fn)} (pass the "
                  f"function itself, without calling it)")
    if not callable(clock):
        raise TypeError(f"clock must be callable and return seconds, got {clock!r}")
    x_train, y_train, x_test, y_test = _digits_split() if data is None else data
    call = f"train_cnn(x_train: {_short(x_train)}, y_train: {_short(y_train)}, seed={seed})"

    start = _seconds(clock)
    params, culprit = call_guarded(train_fn, (x_train.copy(), y_train.copy()), {"seed": seed})
    elapsed = _seconds(clock) - start
    _check_outcome(header, "train_cnn", call, params, culprit, train_fn)
    if elapsed > time_limit:
        _fail(f"{header}: {call} took {elapsed:.1f} s; it must finish within {time_limit:g} s "
              f"(the model solution trains in about a second).\n  Likely mistake: training too "
              f"slow. Hint: use fewer epochs, a larger batch or fewer filters, and no Python "
              f"loop over pixels or windows.")
    if not isinstance(params, (list, tuple)) or not _sendable(params):
        _fail(f"{header}: {call} returned {_short(params)}.\n  Likely mistake: parameters not "
              f"returned as a list of arrays. Hint: return the trained parameters as a list (or "
              f"tuple) of numpy arrays, e.g. [w1, b1, w2, b2]: the grader can pass only arrays, "
              f"numbers and lists of them to predict_cnn.")

    call = f"predict_cnn(params, x: {_short(x_test)})"
    labels, culprit = call_guarded(predict_fn, (params, x_test.copy()), {})
    _check_outcome(header, "predict_cnn", call, labels, culprit, predict_fn)
    if not isinstance(labels, np.ndarray):
        _fail(f"{header}: {call} returned {_short(labels)}; return a numpy array of "
              f"{len(y_test)} integer labels (e.g. scores.argmax(axis=1))")
    if labels.shape != y_test.shape:
        _fail(f"{header}: {call} returned shape {labels.shape}; expected {y_test.shape}, one "
              f"label per image (take the argmax over the classes, axis=1)")
    if labels.dtype.kind not in "iu":
        _fail(f"{header}: {call} returned dtype {labels.dtype}; return integer labels "
              f"(scores.argmax(axis=1) gives them), not scores or probabilities")
    right = int((labels == y_test).sum())
    accuracy = right / len(y_test)
    if accuracy < min_accuracy:
        _fail(f"{header}: after training on {len(y_train)} images, {right} of {len(y_test)} "
              f"test images are classified right ({100 * accuracy:.1f} %); at least "
              f"{100 * min_accuracy:g} % is needed.\n  Likely mistake: the network did not learn. "
              f"Hint: check each backward pass against numerical gradients, then try a few more "
              f"epochs or another learning rate.")
    print(f"{header}: {right} of {len(y_test)} test images right ({100 * accuracy:.1f} %, at "
          f"least {100 * min_accuracy:g} % needed)")


def _check_outcome(header, name, call, outcome, culprit, fn) -> None:
    """Fail when a call raised or called forbidden code."""
    if culprit is not None:
        _fail(f"{header}: your {name} called {culprit}. Write it yourself with numpy: calling "
              f"scipy.signal, scipy.ndimage, torch or the course's own code is not allowed.")
    if isinstance(outcome, NotImplementedError):
        _fail(f"{header}: {name} is not implemented yet (it raised NotImplementedError). "
              f"Replace `raise NotImplementedError` with your code.")
    if isinstance(outcome, BaseException):
        _fail(f"{header}: {call} raised {_exception_text(outcome)}{_where(outcome, fn)}",
              cause=outcome)
    if outcome is None:
        _fail(f"{header}: {call} returned None: did you forget the `return` statement?")
