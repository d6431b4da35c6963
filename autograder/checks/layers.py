"""Checks for the layer assignments: ``pad2d``, ``conv_output_size``, ``conv2d``, ``pool2d``.

Arrays follow PyTorch's layout: ``x`` is ``(N, C, H, W)``, ``w`` is
``(C_out, C_in, kH, kW)``, ``b`` is ``(C_out,)``.  The students' signatures, as the
checks call them (settings are ints; a keyword is left out when a case tests its
default):

* ``pad2d(x, padding)``, ``padding`` an int or ``(ph, pw)``, zeros, dtype kept;
* ``conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1)``, an
  int, raising ``ValueError`` when the kernel does not fit or the stride does not divide;
* ``conv2d(x, w, b=None, stride=1, padding=0, dilation=1)``, a cross-correlation;
* ``pool2d(x, kernel_size, stride=None, mode="max")``, ``mode`` ``"max"``, ``"avg"`` or
  ``"l2"`` (the 2-norm of each window), ``stride=None`` meaning ``kernel_size``.

Examples
--------
>>> def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
...     reach = input_size + 2 * padding - dilation * (kernel_size - 1) - 1
...     if reach < 0 or reach % stride:
...         raise ValueError("the kernel does not fit this input with this stride")
...     return reach // stride + 1
>>> check_conv_output_size(conv_output_size)
check_conv_output_size: all 26 cases passed
"""

from __future__ import annotations

import numpy as np

from autograder.checks.core import Case, Task, register, run_check

__all__ = ["check_pad2d", "check_conv_output_size", "check_conv2d", "check_pool2d"]

_LAYER_DTYPE = "float32 input gives float32 output, float64 gives float64, as in PyTorch"


# ---------------------------------------------------------------------------------------
# pad2d
# ---------------------------------------------------------------------------------------

def _pad2d_cases() -> list[Case]:
    rng = np.random.default_rng(20240522)

    def batch(*shape):
        return rng.standard_normal(shape)

    found = [
        Case("padding=1", (batch(2, 3, 4, 5), 1)),
        Case("padding=2 on a non-square image", (batch(1, 2, 3, 6), 2)),
        Case("padding=(1, 2)", (batch(2, 2, 4, 4), (1, 2))),
        Case("padding=(2, 0): no padding on W", (batch(2, 1, 3, 5), (2, 0))),
        Case("padding=(0, 3): no padding on H", (batch(1, 3, 4, 2), (0, 3))),
        Case("padding=0", (batch(2, 2, 3, 4), 0)),
        Case("N=1, C=1, padding=1", (batch(1, 1, 3, 3), 1)),
        Case("float32 batch, padding=(1, 1)", (batch(2, 3, 4, 4).astype(np.float32), (1, 1))),
        Case("uint8 images, padding=2",
             (rng.integers(1, 256, size=(2, 3, 4, 5)).astype(np.uint8), 2)),
    ]
    for k in range(4):
        N, C = (int(v) for v in rng.integers(1, 4, size=2))
        H, W = (int(v) for v in rng.integers(1, 7, size=2))
        pads = rng.integers(0, 4, size=2)
        padding = int(pads[0]) if k % 2 == 0 else (int(pads[0]), int(pads[1]))
        found.append(Case(f"random case {k + 1} (seeded)", (batch(N, C, H, W), padding)))
    return found


PAD2D = register(Task(
    name="pad2d", reference="pad2d", make_cases=_pad2d_cases, arg_names=("x", "padding"),
    dtype_rule="padding keeps x's dtype"))


def check_pad2d(student_fn) -> None:
    """Grade a student's ``pad2d(x, padding)``: zeros around H and W of an NCHW batch.

    Parameters
    ----------
    student_fn : callable
        Called as ``student_fn(x, padding)`` on copies, ``padding`` an int or ``(ph, pw)``.

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
    torch.nn.functional.pad : PyTorch's equivalent (``pad=(pw, pw, ph, ph)``).
    autograder.reference.pad2d : The reference the outputs are compared with.

    Notes
    -----
    13 cases: int and pair padding, a zero padding on one axis and on both, N=1 and
    C=1, non-square images, float32 and uint8 (the dtype is kept), four seeded random
    ones.  The output is ``(N, C, H + 2 ph, W + 2 pw)`` with
    ``out[:, :, ph:ph + H, pw:pw + W] == x`` and zeros elsewhere.

    Examples
    --------
    >>> from autograder.mistakes import pad2d_every_axis
    >>> check_pad2d(pad2d_every_axis)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_pad2d failed on case 1 of 13, "padding=1":
      pad2d(x: float64 (2, 3, 4, 5), padding: 1)
      wrong shape: expected (2, 3, 6, 7), got (4, 5, 6, 7)
      Likely mistake: padded every axis (also N and C). Hint: ...
    """
    run_check(PAD2D, student_fn)


# ---------------------------------------------------------------------------------------
# conv_output_size
# ---------------------------------------------------------------------------------------

def _refusal(input_size, kernel_size, stride=1, padding=0, dilation=1) -> str:
    """Why a configuration does not fit, in the student's terms; empty when it fits."""
    span = dilation * (kernel_size - 1) + 1
    padded = input_size + 2 * padding
    spans = f"the kernel spans {span}" if dilation == 1 else (
        f"the dilated kernel spans {dilation} * ({kernel_size} - 1) + 1 = {span}")
    if span > padded:
        return f"{spans} but the padded input is only {input_size} + 2 * {padding} = {padded} long"
    reach = padded - span
    if reach % stride:
        return (f"{input_size} + 2 * {padding} - {span} = {reach} is not a multiple of stride "
                f"{stride}: the last {reach % stride} row(s) would never be visited")
    return ""


def _conv_output_size_cases() -> list[Case]:
    rng = np.random.default_rng(20240523)

    def size(name, input_size, kernel_size, **settings):
        return Case(name, (input_size, kernel_size), settings,
                    reason=_refusal(input_size, kernel_size, **settings))

    found = [
        size("input 5, kernel 3", 5, 3),
        size("1x1 kernel", 5, 1),
        size("kernel as large as the input", 5, 5),
        size("even kernel", 6, 2),
        size("padding=0 given explicitly", 7, 3, padding=0),
        size("padding=1", 7, 3, padding=1),
        size("stride 2 that divides", 7, 3, stride=2),
        size("stride 2 with padding 1", 9, 3, stride=2, padding=1),
        size("dilation=1 given explicitly (no dilation)", 7, 3, dilation=1),
        size("dilation 2", 9, 3, dilation=2),
        size("stride, padding and dilation together", 11, 3, stride=2, padding=2, dilation=2),
        size("AlexNet's first layer", 227, 11, stride=4),
        size("kernel fits only with the padding", 3, 5, padding=1),
        size("stride that does not divide (must raise ValueError)", 8, 3, stride=2),
        size("stride 3 that does not divide (must raise ValueError)", 10, 2, stride=3),
        size("kernel larger than the input (must raise ValueError)", 3, 5),
        size("dilated kernel larger than the input (must raise ValueError)", 4, 3, dilation=2),
    ]
    for k in range(4):
        # build a configuration that fits: pick the output first, then the input
        kernel, stride, dilation = (int(v) for v in rng.integers(1, 4, size=3))
        padding = int(rng.integers(0, kernel))
        out = int(rng.integers(1, 9))
        span = dilation * (kernel - 1) + 1
        input_size = (out - 1) * stride + span - 2 * padding
        while input_size < 1:  # whole strides keep the configuration exact
            input_size += stride
        found.append(size(f"random case {k + 1} (seeded)", input_size, kernel, stride=stride,
                          padding=padding, dilation=dilation))
    # after the random ones, so the cases above keep their numbers
    found += [
        size("input 10, kernel 3, stride 2 (must raise ValueError)", 10, 3, stride=2),
        size("kernel as large as the input, stride 3", 6, 6, stride=3),
        size("kernel as large as the padded input, stride 2", 4, 6, stride=2, padding=1),
        size("1x1 kernel with stride 2", 7, 1, stride=2),
        size("1x1 kernel with padding 2", 3, 1, padding=2),
    ]
    return found


CONV_OUTPUT_SIZE = register(Task(
    name="conv_output_size", reference="conv_output_size",
    make_cases=_conv_output_size_cases, arg_names=("input_size", "kernel_size"),
    refuses=True))


def check_conv_output_size(student_fn) -> None:
    """Grade a student's ``conv_output_size(input_size, kernel_size, stride, padding, dilation)``.

    Parameters
    ----------
    student_fn : callable
        Called with ``input_size`` and ``kernel_size`` positionally and ``stride``,
        ``padding``, ``dilation`` as keywords (left out when a case tests the default).

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
    torch.nn.Conv2d : Its documentation gives the formula.
    autograder.reference.conv_output_size : The reference (``allow_remainder=False``).

    Notes
    -----
    26 cases; five must raise ``ValueError`` (a stride that does not divide, as in input
    10, kernel 3, stride 2; a kernel longer than the padded input).  The others include
    1x1 kernels with stride and padding, and kernels as large as the input and as the
    padded input.  The size is
    :math:`\\lfloor (I + 2P - D(K - 1) - 1) / S \\rfloor + 1`, an int.

    Examples
    --------
    >>> from autograder.mistakes import conv_output_size_floor
    >>> check_conv_output_size(conv_output_size_floor)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv_output_size failed on case 14 of 26, ...
      conv_output_size(input_size: 8, kernel_size: 3, stride=2)
      returned 3, but should raise ValueError: 8 + 2 * 0 - 3 = 5 is not a multiple of stride 2: ...
      Likely mistake: floor instead of an error (stride does not divide). Hint: ...
    """
    run_check(CONV_OUTPUT_SIZE, student_fn)


# ---------------------------------------------------------------------------------------
# conv2d
# ---------------------------------------------------------------------------------------

def _conv2d_cases() -> list[Case]:
    rng = np.random.default_rng(20240524)

    def normal(*shape):
        return rng.standard_normal(shape)

    def conv(name, x_shape, w_shape, bias=True, dtype=np.float64, **settings):
        x = normal(*x_shape).astype(dtype)
        w = normal(*w_shape).astype(dtype)
        kwargs = {"b": normal(w_shape[0]).astype(dtype)} if bias else {}
        kwargs.update(settings)
        return Case(name, (x, w), kwargs)

    found = [
        conv("3x3 kernel, padding=0, with bias", (2, 3, 6, 8), (4, 3, 3, 3), padding=0),
        conv("padding=1", (2, 3, 5, 6), (2, 3, 3, 3), padding=1),
        conv("stride 2 that divides", (1, 2, 7, 9), (3, 2, 3, 3), stride=2),
        conv("stride that does not divide", (2, 2, 8, 6), (2, 2, 3, 3), stride=2),
        conv("dilation 2", (1, 3, 7, 8), (2, 3, 3, 3), dilation=2),
        conv("1x1 kernel", (2, 4, 5, 5), (3, 4, 1, 1)),
        conv("kernel as large as the input", (2, 3, 4, 5), (2, 3, 4, 5)),
        conv("even 2x2 kernel with padding=1", (1, 2, 5, 6), (3, 2, 2, 2), padding=1),
        conv("non-square input and 2x3 kernel", (2, 1, 4, 8), (2, 1, 2, 3)),
        conv("N=1, C=1 (one image, one channel)", (1, 1, 6, 6), (1, 1, 3, 3)),
        conv("no bias (b left out)", (2, 3, 5, 5), (2, 3, 3, 3), bias=False),
        conv("stride, padding and dilation together", (2, 2, 9, 7), (3, 2, 3, 2),
             stride=2, padding=2, dilation=2),
        conv("float32 input and weights, padding=1", (2, 3, 6, 6), (4, 3, 3, 3),
             dtype=np.float32, padding=1),
    ]
    for k in range(4):
        N, C_in, C_out = (int(v) for v in rng.integers(1, 4, size=3))
        H, W = (int(v) for v in rng.integers(3, 9, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        stride, padding, dilation = (int(v) for v in rng.integers((1, 0, 1), (3, 3, 3)))
        while dilation * (max(kh - 1, kw - 1)) + 1 > min(H, W) + 2 * padding:
            dilation = 1
            padding += 1
        found.append(conv(f"random case {k + 1} (seeded)", (N, C_in, H, W), (C_out, C_in, kh, kw),
                          bias=bool(k % 2 == 0), stride=stride, padding=padding,
                          dilation=dilation))
    # after the random ones, so the cases above keep their numbers and values
    found += [
        conv("kernel as large as the padded input", (2, 2, 3, 4), (3, 2, 5, 6), padding=1),
        conv("kernel as large as the input, stride 2", (2, 3, 4, 4), (2, 3, 4, 4), stride=2),
        conv("1x1 kernel with stride 2, non-square input", (2, 3, 5, 8), (4, 3, 1, 1), stride=2),
        conv("1x1 kernel with padding 1 (a ring of bias values)", (1, 2, 3, 4), (3, 2, 1, 1),
             padding=1),
        conv("N=1, C=1, stride 3 that does not divide, padding 0", (1, 1, 8, 7), (1, 1, 2, 2),
             bias=False, stride=3, padding=0),
    ]
    return found


CONV2D = register(Task(
    name="conv2d", reference="conv2d", make_cases=_conv2d_cases, arg_names=("x", "w"),
    dtype_rule=_LAYER_DTYPE))


def check_conv2d(student_fn) -> None:
    """Grade a student's ``conv2d(x, w, b=None, stride=1, padding=0, dilation=1)`` (NCHW).

    Parameters
    ----------
    student_fn : callable
        Called with ``x`` and ``w`` positionally and ``b``, ``stride``, ``padding``,
        ``dilation`` as keywords (left out when a case tests the default), on copies.

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

    Notes
    -----
    22 cases: padding 0 and 1, strides that divide and that do not (the remainder is
    dropped, as in PyTorch), dilation 2, 1x1 kernels (also with stride 2 and with
    padding 1), kernels as large as the input (also with stride 2) and as the padded
    input, 2x2 and 2x3 kernels, N=1 and C=1, no bias, everything at once, float32 (the
    output stays float32), four seeded random ones.  The layer is a cross-correlation:
    :math:`out[n, o, i, j] = b[o] + \\sum_{c, u, v} x_{pad}[n, c, iS + uD, jS + vD]\\,
    w[o, c, u, v]`.

    Examples
    --------
    >>> from autograder.mistakes import conv2d_flipped
    >>> check_conv2d(conv2d_flipped)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv2d failed on case 1 of 22, ...
      Likely mistake: flipped the kernel. Hint: ...
    """
    run_check(CONV2D, student_fn)


# ---------------------------------------------------------------------------------------
# pool2d
# ---------------------------------------------------------------------------------------

def _pool2d_cases() -> list[Case]:
    rng = np.random.default_rng(20240525)

    def pool(name, x_shape, kernel_size, dtype=np.float64, **settings):
        return Case(name, (rng.standard_normal(x_shape).astype(dtype), kernel_size), settings)

    found = [
        pool("2x2 max, stride left out (= kernel_size)", (2, 3, 6, 8), 2, mode="max"),
        pool("2x2 avg, stride left out (= kernel_size)", (2, 3, 6, 8), 2, mode="avg"),
        pool("3x3 max with stride 1", (1, 2, 5, 6), 3, stride=1, mode="max"),
        pool("3x3 max, stride 2 that does not divide", (2, 2, 8, 9), 3, stride=2, mode="max"),
        pool("3x3 avg, stride 2 that does not divide", (2, 2, 8, 9), 3, stride=2, mode="avg"),
        pool("kernel as large as the input (global average)", (2, 3, 4, 4), 4, mode="avg"),
        pool("1x1 kernel (identity)", (1, 2, 3, 5), 1, mode="max"),
        pool("non-square input, 2x2 avg", (2, 2, 5, 9), 2, mode="avg"),
        pool("N=1, C=1, 3x3 max", (1, 1, 6, 6), 3, mode="max"),
        pool("mode left out (max is the default)", (2, 1, 4, 6), 2),
        pool("stride=None given explicitly, avg", (1, 2, 6, 4), 2, stride=None, mode="avg"),
        pool("float32 input, 2x2 max", (2, 2, 6, 6), 2, dtype=np.float32, mode="max"),
    ]
    for k in range(4):
        N, C = (int(v) for v in rng.integers(1, 4, size=2))
        kernel = int(rng.integers(1, 4))
        H, W = (int(v) for v in rng.integers(kernel, 10, size=2))
        settings = {"mode": ("max", "avg")[k % 2]}
        if k >= 2:
            settings["stride"] = int(rng.integers(1, 4))
        found.append(pool(f"random case {k + 1} (seeded)", (N, C, H, W), kernel, **settings))
    # L2 pooling, added after the max/avg cases with a generator of its own so that those
    # cases, and their numbers in messages, stay as they were
    rng = np.random.default_rng(20240526)
    found += [
        pool("2x2 l2, stride left out", (2, 3, 6, 8), 2, mode="l2"),
        pool("3x3 l2, stride 2 that does not divide", (2, 2, 8, 9), 3, stride=2, mode="l2"),
        pool("3x3 l2 with stride 1, N=1, C=1", (1, 1, 5, 6), 3, stride=1, mode="l2"),
        pool("l2 on a non-square input, kernel as large as its height", (2, 2, 3, 7), 3,
             mode="l2"),
        pool("float32 input, 2x2 l2", (2, 2, 6, 6), 2, dtype=np.float32, mode="l2"),
    ]
    return found


POOL2D = register(Task(
    name="pool2d", reference="pool2d", make_cases=_pool2d_cases,
    arg_names=("x", "kernel_size"), dtype_rule=_LAYER_DTYPE))


def check_pool2d(student_fn) -> None:
    """Grade a student's ``pool2d(x, kernel_size, stride=None, mode="max")`` (NCHW).

    Parameters
    ----------
    student_fn : callable
        Called with ``x`` and ``kernel_size`` positionally and ``stride``, ``mode`` as
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
    torch.nn.functional.max_pool2d, torch.nn.functional.avg_pool2d,
    torch.nn.functional.lp_pool2d : PyTorch's equivalents (``lp_pool2d`` with ``norm_type=2``).
    autograder.reference.pool2d : The reference the outputs are compared with.

    Notes
    -----
    21 cases: max and avg, stride left out, 1, and one that does not divide (the partial
    window is dropped), a kernel as large as the input, a 1x1 kernel, non-square input,
    N=1 and C=1, mode left out, ``stride=None`` given, float32, four seeded random ones;
    then five L2 cases (stride left out, 1, and not dividing, a non-square input, N=1 and
    C=1, float32).  :math:`H_{out} = \\lfloor (H - k) / s \\rfloor + 1`; L2 pooling is
    :math:`y_{ij} = (\\sum_{u,v} x_{iS+u, jS+v}^2)^{1/2}`.

    Examples
    --------
    >>> from autograder.mistakes import pool2d_stride_defaults_to_one
    >>> check_pool2d(pool2d_stride_defaults_to_one)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_pool2d failed on case 1 of 21, ...
      wrong shape: expected (2, 3, 3, 4), got (2, 3, 5, 7)
      Likely mistake: pool stride defaults to 1 instead of kernel_size. Hint: ...
    """
    run_check(POOL2D, student_fn)
