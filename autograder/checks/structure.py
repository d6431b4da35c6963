"""Checks for assignment 3, the structure of a convolution layer.

The students' signatures, as the checks call them (arrays in PyTorch's layout; a keyword
is left out when a case tests its default):

* ``conv_matrix(w, input_shape, stride=1, padding=0)``: ``w`` is ``(C_out, C_in, kH, kW)``,
  ``input_shape`` is ``(C_in, H, W)``; returns the ``(C_out*OH*OW, C_in*H*W)`` matrix of the
  layer (no bias), float32 if ``w`` is;
* ``conv_input_grad_via_matrix(w, input_shape, dout, stride=1, padding=0)``: ``dout`` is
  ``(C_out, OH, OW)``; returns ``dL/dx`` of shape ``input_shape``;
* ``conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1)``: an int;
* ``conv_flops(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1,
  bias=True)``: ``(macs, flops)`` for one image ``(C_in, H, W)``;
* ``fc_params(in_features, out_features, bias=True)``: an int;
  ``fc_flops(in_features, out_features, bias=True)``: ``(macs, flops)`` for one vector;
* ``conv1x1(x, w, b=None)``: ``w`` is ``(C_out, C_in, 1, 1)``;
* ``fc_to_conv(W, b, input_shape)``: ``(w, b)`` with ``w`` of shape ``(out, C, H, W)``;
* ``depthwise_separable_conv2d(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0)``:
  ``w_depthwise`` is ``(C_in, 1, kH, kW)``, ``w_pointwise`` ``(C_out, C_in, 1, 1)``;
* ``separable_savings(C_in, C_out, k)``: a float, ``1 / C_out + 1 / k**2``.

Each check is built like those of :mod:`autograder.checks.layers` (cases, guarded calls,
the comparison type -> shape -> dtype -> values with the first wrong index, the likely
mistake named from :mod:`autograder.mistakes.structure`).  Two things differ, because
these tasks are not all functions of :mod:`autograder.reference`:

* each task's expected outcome comes from :data:`REFERENCES`, a function with the
  student's signature built from the reference package (``conv1x1`` is ``conv2d``,
  ``fc_flops`` is ``conv_flops`` of a 1x1 convolution, and so on);
* outcomes may be tuples, compared item by item (``macs`` then ``flops``; ``w`` then
  ``b``), and floats, compared to about 1e-9 relative.

Examples
--------
>>> def separable_savings(C_in, C_out, k):
...     return 1 / C_out + 1 / k ** 2
>>> check_separable_savings(separable_savings)
check_separable_savings: all 9 cases passed
"""

from __future__ import annotations

import numbers

import numpy as np

from autograder import mistakes as _mistakes
from autograder.checks.core import (
    Case,
    Task,
    _short,
    diagnose,
    register,
    run_check,
)

__all__ = [
    "REFERENCES",
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

_ndarray = np.ndarray
_copy = _mistakes._copy
_variant_outcome = _mistakes._outcome
_same_outcome = _mistakes.same_outcome

_LAYER_DTYPE = "float32 input gives float32 output, float64 gives float64, as in PyTorch"
_FLOAT_RTOL = 1e-9


# ---------------------------------------------------------------------------------------
# the expected outcomes, in the students' signatures
# ---------------------------------------------------------------------------------------

def _ref():
    import autograder.reference as reference
    return reference


def _conv_matrix(w, input_shape, stride=1, padding=0):
    return _ref().conv_matrix(w, input_shape, stride=stride, padding=padding)


def _conv_input_grad_via_matrix(w, input_shape, dout, stride=1, padding=0):
    from autograder._validation import layer_dtype
    ref = _ref()
    x = np.zeros((1, *input_shape), dtype=layer_dtype(np.asarray(w), np.asarray(dout)))
    dx, _, _ = ref.conv2d_backward(np.asarray(dout)[None], x, w, stride=stride, padding=padding)
    return dx[0]


def _conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1):
    return _ref().conv_params(in_channels, out_channels, kernel_size, bias=bias, groups=groups)


def _conv_flops(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1,
                bias=True):
    cost = _ref().conv_flops(input_shape, out_channels, kernel_size, stride=stride,
                             padding=padding, groups=groups, bias=bias)
    return tuple(cost)


def _fc_params(in_features, out_features, bias=True):
    # a fully connected layer is a 1x1 convolution of a 1x1 image with in_features channels
    return _ref().conv_params(in_features, out_features, 1, bias=bias)


def _fc_flops(in_features, out_features, bias=True):
    return tuple(_ref().conv_flops((in_features, 1, 1), out_features, 1, bias=bias))


def _conv1x1(x, w, b=None):
    return _ref().conv2d(x, w, b)


def _fc_to_conv(W, b, input_shape):
    return _ref().fc_to_conv(W, b, input_shape)


def _depthwise_separable_conv2d(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    ref = _ref()
    depthwise = ref.conv2d(x, w_depthwise, None, stride=stride, padding=padding,
                           groups=np.shape(x)[1])
    return ref.conv2d(depthwise, w_pointwise, b)


def _separable_savings(C_in, C_out, k):
    # MACs per output position: depthwise k x k on each channel, then 1x1 across channels
    ref = _ref()
    depthwise = ref.conv_flops((C_in, k, k), C_in, k, groups=C_in).macs
    pointwise = ref.conv_flops((C_in, 1, 1), C_out, 1).macs
    full = ref.conv_flops((C_in, k, k), C_out, k).macs
    return (depthwise + pointwise) / full


#: Task name -> the function with the student's signature whose outcome is expected.
REFERENCES = {
    "conv_matrix": _conv_matrix,
    "conv_input_grad_via_matrix": _conv_input_grad_via_matrix,
    "conv_params": _conv_params,
    "conv_flops": _conv_flops,
    "fc_params": _fc_params,
    "fc_flops": _fc_flops,
    "conv1x1": _conv1x1,
    "fc_to_conv": _fc_to_conv,
    "depthwise_separable_conv2d": _depthwise_separable_conv2d,
    "separable_savings": _separable_savings,
}

# Tasks that return a tuple: the names of its items, for messages.
_PARTS = {"conv_flops": ("macs", "flops"), "fc_flops": ("macs", "flops"),
          "fc_to_conv": ("w", "b")}


# ---------------------------------------------------------------------------------------
# comparing outcomes that may be tuples or floats
# ---------------------------------------------------------------------------------------

def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _close(expected: float, got) -> bool:
    return abs(float(got) - expected) <= _FLOAT_RTOL * abs(expected) + 1e-15


def _diagnose_one(expected, got, task, fn, reason=""):
    if expected is None and not isinstance(got, BaseException):
        if got is None:
            return None
        return ("values", f"expected None, got {_short(got)}")
    if isinstance(expected, float) and not isinstance(got, BaseException) and got is not None:
        if not _is_real(got):
            return ("type", f"returned {type(got).__name__} {_short(got)}; expected a float")
        if isinstance(got, numbers.Integral):
            return ("type", (f"returned the int {int(got)}; expected a float "
                             f"(true division / gives one, // does not)"))
        if not _close(expected, got):
            return ("values", f"wrong value: expected {expected:.10g}, got {float(got):.10g}")
        return None
    return diagnose(expected, got, dtype_rule=task.dtype_rule, fn=fn, reason=reason)


def _diagnose(task: Task, expected, got, fn, reason=""):
    """What is wrong with ``got``: like :func:`~autograder.checks.core.diagnose`, per item."""
    parts = _PARTS.get(task.name)
    if parts is None or isinstance(got, BaseException) or got is None:
        first = expected[0] if parts is not None else expected
        return _diagnose_one(first, got, task, fn, reason)
    if not isinstance(got, (tuple, list)) or len(got) != len(parts):
        wanted = f"a tuple of {len(parts)} items ({', '.join(parts)})"
        return ("type", f"returned {type(got).__name__} {_short(got)}; expected {wanted}")
    for k, (name, want, have) in enumerate(zip(parts, expected, got)):
        if isinstance(have, _ndarray) and type(have) is not _ndarray:
            have = _ndarray.view(have, _ndarray)
        if have is None and want is not None:  # not a forgotten return: one item is missing
            problem = ("type", f"is None; expected {_short(want)}")
        else:
            problem = _diagnose_one(want, have, task, fn)
        if problem is not None:
            kind, text = problem
            return kind, f"{name} (item {k} of the returned tuple): {text}"
    return None


def _same(a, b) -> bool:
    """Whether two outcomes agree: item by item for tuples, to rounding for floats."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return False
    floats = (float, np.floating)
    if isinstance(a, floats) or isinstance(b, floats):
        return (isinstance(a, floats) and isinstance(b, floats)
                and bool(np.isfinite(float(b))) and _close(float(a), b))
    return _same_outcome(a, b)


def _agrees(variant, observed, passed: bool) -> bool:
    if passed and isinstance(observed, BaseException):
        return isinstance(variant, BaseException) and (
            isinstance(variant, type(observed)) or isinstance(observed, type(variant)))
    return _same(variant, observed)


def _identify(task: str, observations, failing: int):
    """The first variant that reproduces every observation (else those up to ``failing``)."""
    order = [failing] + [i for i in range(len(observations)) if i != failing]
    fallback = None
    for mistake in _mistakes.MISTAKES.get(task, []):
        for i in order:
            args, kwargs, observed, passed = observations[i]
            if not _agrees(_variant_outcome(mistake.fn, args, kwargs), observed, passed):
                if i > failing and fallback is None:
                    fallback = mistake
                break
        else:
            return mistake
    return fallback


def run_structure_check(task: Task | str, student_fn, *, forbid: bool = True,
                        verbose: bool = True) -> None:
    """Run every case of one of this module's tasks on ``student_fn``.

    Parameters
    ----------
    task : Task or str
        One of this module's tasks, or its name.
    student_fn : callable
        The student's function.
    forbid : bool, default True
        Fail a function that calls the forbidden modules (off only to run the reference
        itself through a check).
    verbose : bool, default True
        Print one line when every case passes.

    Raises
    ------
    AssertionError
        As :func:`autograder.checks.core.run_check`: the check and the case, the call, what
        is wrong, and the likely mistake when a known one reproduces the outcomes.
    ValueError
        If ``task`` is not one of this module's tasks.

    See Also
    --------
    autograder.checks.core.run_check : The same for tasks of :mod:`autograder.reference`.

    Notes
    -----
    It is :func:`~autograder.checks.core.run_check` with this module's hooks: the
    expected outcome comes from :data:`REFERENCES`, and tuples and floats are compared
    (and known mistakes recognised) as the module docstring says.

    Examples
    --------
    >>> run_structure_check("fc_params", lambda n, m, bias=True: n * m + m * bias)
    check_fc_params: all 9 cases passed
    >>> run_structure_check("conv2d", print)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: task must be one of 'conv_matrix', ..., got 'conv2d'
    """
    name = task if isinstance(task, str) else getattr(task, "name", None)
    if name not in _TASKS:
        listed = ", ".join(repr(t) for t in _TASKS)
        raise ValueError(f"task must be one of {listed}, got {task!r}")
    return run_check(_TASKS[name], student_fn, forbid=forbid, verbose=verbose)


_TASKS: dict[str, Task] = {}


def _task(name, make_cases, arg_names, reference, dtype_rule=""):
    task = register(Task(
        name=name, reference=reference, make_cases=make_cases, arg_names=arg_names,
        dtype_rule=dtype_rule, expected_fn=REFERENCES[name],
        diagnose=lambda expected, got, fn, reason: _diagnose(_TASKS[name], expected, got, fn,
                                                             reason),
        identify=_identify))
    _TASKS[name] = task
    return task


def _normal(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------------------------------
# conv_matrix and conv_input_grad_via_matrix
# ---------------------------------------------------------------------------------------

# (name, w shape, input shape, settings): small enough to build a dense matrix quickly
_MATRIX_SETTINGS = [
    ("3x3 kernel on a 5x5 input, C=1", (1, 1, 3, 3), (1, 5, 5), {}),
    ("two channels in, three out", (3, 2, 3, 3), (2, 4, 5), {}),
    ("non-square input, 2x3 kernel", (2, 1, 2, 3), (1, 4, 6), {}),
    ("padding=1", (2, 2, 3, 3), (2, 4, 4), {"padding": 1}),
    ("stride 2 that divides", (1, 2, 3, 3), (2, 5, 7), {"stride": 2}),
    ("stride 2 that does not divide", (2, 1, 3, 3), (1, 6, 5), {"stride": 2}),
    ("stride 2 and padding 1", (2, 2, 3, 3), (2, 5, 6), {"stride": 2, "padding": 1}),
    ("1x1 kernel", (3, 2, 1, 1), (2, 3, 4), {}),
    ("kernel as large as the input", (2, 2, 3, 4), (2, 3, 4), {}),
    ("kernel as large as the padded input", (1, 1, 5, 5), (1, 3, 3), {"padding": 1}),
    ("even 2x2 kernel with padding=1", (1, 2, 2, 2), (2, 3, 3), {"padding": 1}),
    ("stride=1 and padding=0 given explicitly", (2, 1, 2, 2), (1, 3, 4),
     {"stride": 1, "padding": 0}),
]


def _random_matrix_settings(rng, count):
    found = []
    for k in range(count):
        c_out, c_in = (int(v) for v in rng.integers(1, 4, size=2))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        h, w = (int(v) for v in rng.integers(max(kh, kw), 7, size=2))
        stride, padding = int(rng.integers(1, 3)), int(rng.integers(0, 2))
        found.append((f"random case {k + 1} (seeded)", (c_out, c_in, kh, kw), (c_in, h, w),
                      {"stride": stride, "padding": padding}))
    return found


def _conv_matrix_cases() -> list[Case]:
    rng = np.random.default_rng(20240601)
    settings = _MATRIX_SETTINGS + [
        ("float32 kernels (the matrix stays float32)", (2, 2, 3, 3), (2, 4, 4),
         {"padding": 1, "dtype": np.float32})]
    settings += _random_matrix_settings(rng, 3)
    found = []
    for name, w_shape, input_shape, extra in settings:
        extra = dict(extra)
        dtype = extra.pop("dtype", np.float64)
        found.append(Case(name, (_normal(rng, w_shape, dtype), input_shape), extra))
    return found


CONV_MATRIX = _task("conv_matrix", _conv_matrix_cases, ("w", "input_shape"), "conv_matrix",
                    "the matrix has w's float dtype (float32 stays float32)")


def check_conv_matrix(student_fn) -> None:
    """Grade a student's ``conv_matrix(w, input_shape, stride=1, padding=0)``.

    Parameters
    ----------
    student_fn : callable
        Called with ``w`` of shape ``(C_out, C_in, kH, kW)`` and ``input_shape = (C_in, H,
        W)`` positionally, ``stride`` and ``padding`` as keywords, on copies.

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
    scipy.linalg.convolution_matrix : The 1-D (true convolution) counterpart.
    autograder.reference.conv_matrix : The reference the outputs are compared with.

    Notes
    -----
    16 cases: C=1, several channels, a non-square input with a 2x3 kernel, padding 1,
    strides that divide and that do not, a 1x1 kernel, a kernel as large as the input and
    as the padded input, an even kernel, defaults given explicitly, float32, three seeded
    random ones.  Row ``(o*OH + i)*OW + j``, column ``(c*H + r)*W + s``:

    .. math:: M[(o, i, j), (c, iS + u - P, jS + v - P)] = w[o, c, u, v].

    Examples
    --------
    >>> from autograder.mistakes.structure import conv_matrix_fortran_order
    >>> check_conv_matrix(conv_matrix_fortran_order)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv_matrix failed on case 1 of 16, "3x3 kernel on a 5x5 input, C=1":
      conv_matrix(w: float64 (1, 1, 3, 3), input_shape: (1, 5, 5))
      wrong values: ...
      Likely mistake: column-major flatten (order='F'). Hint: ...
    """
    run_structure_check(CONV_MATRIX, student_fn)


def _conv_input_grad_cases() -> list[Case]:
    rng = np.random.default_rng(20240602)
    settings = _MATRIX_SETTINGS + [
        ("float32 kernels and gradient", (2, 2, 3, 3), (2, 4, 4),
         {"padding": 1, "dtype": np.float32})]
    settings += _random_matrix_settings(rng, 3)
    found = []
    for name, w_shape, input_shape, extra in settings:
        extra = dict(extra)
        dtype = extra.pop("dtype", np.float64)
        s, p = extra.get("stride", 1), extra.get("padding", 0)
        _, h, w = input_shape
        oh = (h + 2 * p - w_shape[2]) // s + 1
        ow = (w + 2 * p - w_shape[3]) // s + 1
        dout = _normal(rng, (w_shape[0], oh, ow), dtype)
        found.append(Case(name, (_normal(rng, w_shape, dtype), input_shape, dout), extra))
    return found


CONV_INPUT_GRAD = _task("conv_input_grad_via_matrix", _conv_input_grad_cases,
                        ("w", "input_shape", "dout"), "conv2d_backward", _LAYER_DTYPE)


def check_conv_input_grad_via_matrix(student_fn) -> None:
    """Grade ``conv_input_grad_via_matrix(w, input_shape, dout, stride=1, padding=0)``.

    Parameters
    ----------
    student_fn : callable
        Called with ``w`` ``(C_out, C_in, kH, kW)``, ``input_shape`` ``(C_in, H, W)`` and
        ``dout`` ``(C_out, OH, OW)`` positionally, ``stride`` and ``padding`` as keywords.

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
    torch.nn.grad.conv2d_input : PyTorch's input gradient of a convolution.
    autograder.reference.conv2d_backward : The reference (its ``dx``).

    Notes
    -----
    The same 16 settings as :func:`check_conv_matrix`, each with a random ``dout``.  The
    layer is ``y = M x``, so :math:`\\partial L / \\partial x = M^\\top\\, \\partial L /
    \\partial y`, reshaped to ``input_shape``.

    Examples
    --------
    >>> from autograder.mistakes.structure import conv_input_grad_pinv
    >>> check_conv_input_grad_via_matrix(conv_input_grad_pinv)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv_input_grad_via_matrix failed on case 1 of 16, ...
      Likely mistake: used the pseudo-inverse instead of the transpose. Hint: ...
    """
    run_structure_check(CONV_INPUT_GRAD, student_fn)


# ---------------------------------------------------------------------------------------
# counting: conv_params, conv_flops, fc_params, fc_flops
# ---------------------------------------------------------------------------------------

def _conv_params_cases() -> list[Case]:
    rng = np.random.default_rng(20240603)
    found = [
        Case("AlexNet's first layer: 96 filters of 11x11x3", (3, 96, 11)),
        Case("bias=False", (3, 96, 11), {"bias": False}),
        Case("bias=True given explicitly", (16, 32, 3), {"bias": True}),
        Case("1x1 kernel", (64, 16, 1)),
        Case("non-square kernel (1, 3)", (8, 4, (1, 3))),
        Case("non-square kernel (5, 2) without bias", (3, 6, (5, 2)), {"bias": False}),
        Case("C_in=1, C_out=1 (one 3x3 kernel)", (1, 1, 3)),
        Case("VGG's fc6 as a 7x7 convolution", (512, 4096, 7)),
        Case("groups=C_in (depthwise)", (32, 32, 3), {"groups": 32}),
        Case("groups=2", (8, 12, 3), {"groups": 2}),
        Case("depthwise without bias", (16, 16, (3, 5)), {"bias": False, "groups": 16}),
    ]
    for k in range(3):
        groups = int(rng.integers(1, 4))
        c_in, c_out = (groups * int(v) for v in rng.integers(1, 9, size=2))
        kernel = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        found.append(Case(f"random case {k + 1} (seeded)", (c_in, c_out, kernel),
                          {"bias": bool(k % 2), "groups": groups}))
    return found


CONV_PARAMS = _task("conv_params", _conv_params_cases,
                    ("in_channels", "out_channels", "kernel_size"), "conv_params")


def check_conv_params(student_fn) -> None:
    """Grade ``conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1)``.

    Parameters
    ----------
    student_fn : callable
        Called with the channel counts and ``kernel_size`` (an int or ``(kH, kW)``)
        positionally, ``bias`` and ``groups`` as keywords.

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
    torch.nn.Conv2d : Its ``weight`` and ``bias`` have these sizes.
    autograder.reference.conv_params : The reference.

    Notes
    -----
    14 cases: AlexNet's first layer with and without bias, a 1x1 kernel, non-square
    kernels, C=1, VGG's fc6 as a convolution, depthwise and grouped layers, three seeded
    random ones.  :math:`P = C_{out} (C_{in}/g)\\, k_H k_W + C_{out}\\,[\\mathrm{bias}]`.

    Examples
    --------
    >>> from autograder.mistakes.structure import conv_params_no_input_channels
    >>> check_conv_params(conv_params_no_input_channels)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv_params failed on case 1 of 14, ...
      wrong value: expected 34944, got 11712
      Likely mistake: forgot the input channels (kernel depth). Hint: ...
    """
    run_structure_check(CONV_PARAMS, student_fn)


def _conv_flops_cases() -> list[Case]:
    rng = np.random.default_rng(20240604)
    found = [
        Case("AlexNet's first layer on a 227x227x3 image, stride 4", ((3, 227, 227), 96, 11),
             {"stride": 4}),
        Case("bias=False", ((3, 32, 32), 16, 5), {"bias": False}),
        Case("3x3, padding=1 keeps the size", ((16, 14, 14), 32, 3), {"padding": 1}),
        Case("stride 2 that does not divide", ((4, 10, 9), 8, 3), {"stride": 2}),
        Case("stride 2 and padding 1", ((8, 9, 9), 8, 3), {"stride": 2, "padding": 1}),
        Case("1x1 kernel", ((64, 7, 7), 16, 1)),
        Case("kernel as large as the input", ((512, 7, 7), 4096, 7)),
        Case("non-square input and (1, 3) kernel", ((2, 5, 9), 3, (1, 3))),
        Case("C_in=1, C_out=1", ((1, 6, 6), 1, 3)),
        Case("depthwise (groups=C_in) with padding 1", ((32, 28, 28), 32, 3),
             {"padding": 1, "groups": 32}),
        Case("groups=2 without bias", ((8, 6, 6), 4, 3), {"groups": 2, "bias": False}),
        Case("defaults given explicitly", ((3, 8, 8), 4, 3),
             {"stride": 1, "padding": 0, "groups": 1, "bias": True}),
    ]
    for k in range(3):
        c_in, c_out = (int(v) for v in rng.integers(1, 9, size=2))
        kernel = int(rng.integers(1, 5))
        h, w = (int(v) for v in rng.integers(kernel, 20, size=2))
        found.append(Case(f"random case {k + 1} (seeded)", ((c_in, h, w), c_out, kernel),
                          {"stride": int(rng.integers(1, 4)), "padding": int(rng.integers(0, 3)),
                           "bias": bool(k % 2)}))
    return found


CONV_FLOPS = _task("conv_flops", _conv_flops_cases,
                   ("input_shape", "out_channels", "kernel_size"), "conv_flops")


def check_conv_flops(student_fn) -> None:
    """Grade ``conv_flops(input_shape, out_channels, kernel_size, stride=1, padding=0,
    groups=1, bias=True)``, which returns ``(macs, flops)`` for one image.

    Parameters
    ----------
    student_fn : callable
        Called with ``input_shape = (C_in, H, W)``, ``out_channels`` and ``kernel_size``
        positionally, the settings as keywords.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the item (``macs`` or ``flops``) that is wrong.

    See Also
    --------
    autograder.reference.conv_flops : The reference (it returns a named tuple).

    Notes
    -----
    15 cases: AlexNet's first layer, with and without bias, padding, strides that divide
    and that do not (the output floors), 1x1, a kernel as large as the input, a non-square
    input and kernel, C=1, depthwise and grouped, three seeded random ones.
    :math:`\\mathrm{MACs} = C_{out} O_H O_W (C_{in}/g) k_H k_W`; FLOPs count every
    product and addition, ``2 * MACs`` with a bias, ``2 * MACs - C_out OH OW`` without.

    Examples
    --------
    >>> from autograder.mistakes.structure import conv_flops_bias_twice
    >>> check_conv_flops(conv_flops_bias_twice)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv_flops failed on case 1 of 15, ...
      flops (item 1 of the returned tuple): wrong value: expected 210830400, got 211120800
      Likely mistake: bias counted twice. Hint: ...
    """
    run_structure_check(CONV_FLOPS, student_fn)


def _fc_cases() -> list[Case]:
    rng = np.random.default_rng(20240605)
    found = [
        Case("VGG's fc6: 7 * 7 * 512 = 25,088 -> 4096", (25088, 4096)),
        Case("VGG's fc8: 4096 -> 1000", (4096, 1000)),
        Case("bias=False", (4096, 1000), {"bias": False}),
        Case("5 -> 5 units", (5, 5)),
        Case("one input, one output", (1, 1)),
        Case("bias=True given explicitly", (10, 3), {"bias": True}),
    ]
    for k in range(3):
        n_in, n_out = (int(v) for v in rng.integers(1, 300, size=2))
        found.append(Case(f"random case {k + 1} (seeded)", (n_in, n_out), {"bias": bool(k % 2)}))
    return found


FC_PARAMS = _task("fc_params", _fc_cases, ("in_features", "out_features"), "conv_params")
FC_FLOPS = _task("fc_flops", _fc_cases, ("in_features", "out_features"), "conv_flops")


def check_fc_params(student_fn) -> None:
    """Grade ``fc_params(in_features, out_features, bias=True)``: weights plus biases.

    Parameters
    ----------
    student_fn : callable
        Called with the two sizes positionally and ``bias`` as a keyword.

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
    torch.nn.Linear : Its ``weight`` is ``(out, in)``, its ``bias`` ``(out,)``.

    Notes
    -----
    9 cases (VGG's fc6 and fc8, no bias, tiny layers, three seeded random ones);
    :math:`P = n_{in} n_{out} + n_{out}\\,[\\mathrm{bias}]`.

    Examples
    --------
    >>> from autograder.mistakes.structure import fc_params_bias_per_input
    >>> check_fc_params(fc_params_bias_per_input)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_fc_params failed on case 1 of 9, ...
      Likely mistake: one bias per input. Hint: ...
    """
    run_structure_check(FC_PARAMS, student_fn)


def check_fc_flops(student_fn) -> None:
    """Grade ``fc_flops(in_features, out_features, bias=True)``: ``(macs, flops)`` for one input.

    Parameters
    ----------
    student_fn : callable
        Called with the two sizes positionally and ``bias`` as a keyword.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the item (``macs`` or ``flops``) that is wrong.

    See Also
    --------
    autograder.reference.conv_flops : The same count for a 1x1 convolution of a 1x1 image.

    Notes
    -----
    The 9 cases of :func:`check_fc_params`; :math:`\\mathrm{MACs} = n_{in} n_{out}`,
    FLOPs ``2 * MACs`` with a bias and ``2 * MACs - n_out`` without.

    Examples
    --------
    >>> from autograder.mistakes.structure import fc_flops_flops_are_macs
    >>> check_fc_flops(fc_flops_flops_are_macs)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_fc_flops failed on case 1 of 9, ...
      Likely mistake: FLOPs = MACs. Hint: ...
    """
    run_structure_check(FC_FLOPS, student_fn)


# ---------------------------------------------------------------------------------------
# conv1x1
# ---------------------------------------------------------------------------------------

def _conv1x1_cases() -> list[Case]:
    rng = np.random.default_rng(20240606)

    def case(name, x_shape, c_out, bias=True, dtype=np.float64):
        x = _normal(rng, x_shape, dtype)
        w = _normal(rng, (c_out, x_shape[1], 1, 1), dtype)
        kwargs = {"b": _normal(rng, (c_out,), dtype)} if bias else {}
        return Case(name, (x, w), kwargs)

    found = [
        case("as many channels out as in (4 to 4), with bias", (2, 4, 3, 3), 4),
        case("3 channels to 2, with bias", (2, 3, 4, 5), 2),
        case("no bias (b left out)", (2, 3, 4, 4), 5, bias=False),
        case("C_in=1 (each output scales the image)", (2, 1, 3, 4), 3),
        case("C_out=1", (1, 4, 5, 3), 1),
        case("N=1, C_in=1, C_out=1", (1, 1, 3, 3), 1),
        case("non-square image, width = C_out", (2, 3, 2, 6), 6),
        case("1x1 image (a fully connected layer)", (3, 8, 1, 1), 5),
        case("float32 input and weights", (2, 3, 4, 4), 2, dtype=np.float32),
    ]
    for k in range(3):
        n, c_in, c_out = (int(v) for v in rng.integers(1, 5, size=3))
        h, w = (int(v) for v in rng.integers(1, 7, size=2))
        found.append(case(f"random case {k + 1} (seeded)", (n, c_in, h, w), c_out,
                          bias=bool(k % 2 == 0)))
    return found


CONV1X1 = _task("conv1x1", _conv1x1_cases, ("x", "w"), "conv2d", _LAYER_DTYPE)


def check_conv1x1(student_fn) -> None:
    """Grade ``conv1x1(x, w, b=None)``, a convolution with ``(C_out, C_in, 1, 1)`` kernels.

    Parameters
    ----------
    student_fn : callable
        Called with ``x`` ``(N, C_in, H, W)`` and ``w`` positionally, ``b`` as a keyword
        (left out for the cases without bias), on copies.

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
    torch.nn.functional.conv2d : With a 1x1 kernel.
    autograder.reference.conv2d : The reference the outputs are compared with.

    Notes
    -----
    12 cases: C_in == C_out (a transposed weight matrix still runs), no bias, C_in=1,
    C_out=1, N=1, a non-square image whose width equals C_out (a bias on the wrong axis
    still runs), a 1x1 image, float32, three seeded random ones.
    :math:`out[n, :, i, j] = W x[n, :, i, j] + b` with ``W = w[:, :, 0, 0]``.

    Examples
    --------
    >>> from autograder.mistakes.structure import conv1x1_no_moveaxis
    >>> check_conv1x1(conv1x1_no_moveaxis)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv1x1 failed on case 1 of 12, ...
      Likely mistake: reshaped to (N*H*W, C) without moving the channel axis. Hint: ...
    """
    run_structure_check(CONV1X1, student_fn)


# ---------------------------------------------------------------------------------------
# fc_to_conv
# ---------------------------------------------------------------------------------------

def _fc_to_conv_cases() -> list[Case]:
    rng = np.random.default_rng(20240607)

    def case(name, units, input_shape, bias=True, dtype=np.float64):
        n_in = int(np.prod(input_shape))
        b = _normal(rng, (units,), dtype) if bias else None
        return Case(name, (_normal(rng, (units, n_in), dtype), b, input_shape))

    found = [
        case("a 7x7x8 volume to 16 units (VGG's fc6, small)", 16, (8, 7, 7)),
        case("a 1x1x16 input to 10 units (fc8: a 1x1 convolution)", 10, (16, 1, 1)),
        case("non-square 3x2x4 volume", 5, (3, 2, 4)),
        case("non-square 2x5x3 volume", 4, (2, 5, 3)),
        case("C=1", 3, (1, 3, 3)),
        case("one unit", 1, (2, 3, 3)),
        case("no bias (b is None)", 6, (2, 2, 3), bias=False),
        case("float32 weights and bias", 4, (3, 4, 2), dtype=np.float32),
    ]
    for k in range(3):
        c, h, w = (int(v) for v in rng.integers(1, 6, size=3))
        found.append(case(f"random case {k + 1} (seeded)", int(rng.integers(1, 8)), (c, h, w)))
    return found


FC_TO_CONV = _task("fc_to_conv", _fc_to_conv_cases, ("W", "b", "input_shape"), "fc_to_conv",
                   "the kernels and bias keep W's float dtype")


def check_fc_to_conv(student_fn) -> None:
    """Grade ``fc_to_conv(W, b, input_shape)``, which returns ``(w, b)`` as a convolution's.

    Parameters
    ----------
    student_fn : callable
        Called with ``W`` ``(out, C*H*W)``, ``b`` ``(out,)`` or None and ``input_shape =
        (C, H, W)``, positionally, on copies.

    Returns
    -------
    None
        Prints one line when all cases pass.

    Raises
    ------
    AssertionError
        On the first failing case, naming the item (``w`` or ``b``) that is wrong.

    See Also
    --------
    torch.nn.Linear : The layout of ``W``.
    autograder.reference.fc_to_conv : The reference.

    Notes
    -----
    11 cases: VGG's fc6 and fc8 in small sizes, non-square volumes (H and W swapped show),
    C=1, one unit, no bias, float32, three seeded random ones.  ``x.reshape(N, -1)``
    puts pixel ``(c, r, s)`` at ``(c H + r) W + s``, so ``w = W.reshape(out, C, H, W)``
    and the bias is unchanged.

    Examples
    --------
    >>> from autograder.mistakes.structure import fc_to_conv_channels_last
    >>> check_fc_to_conv(fc_to_conv_channels_last)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_fc_to_conv failed on case 1 of 11, ...
      w (item 0 of the returned tuple): wrong values: ...
      Likely mistake: reshaped in HWC order (channels last). Hint: ...
    """
    run_structure_check(FC_TO_CONV, student_fn)


# ---------------------------------------------------------------------------------------
# depthwise_separable_conv2d and separable_savings
# ---------------------------------------------------------------------------------------

def _depthwise_cases() -> list[Case]:
    rng = np.random.default_rng(20240608)

    def case(name, x_shape, c_out, k, bias=True, dtype=np.float64, **settings):
        kh, kw = (k, k) if isinstance(k, int) else k
        c_in = x_shape[1]
        args = (_normal(rng, x_shape, dtype), _normal(rng, (c_in, 1, kh, kw), dtype),
                _normal(rng, (c_out, c_in, 1, 1), dtype))
        kwargs = {"b": _normal(rng, (c_out,), dtype)} if bias else {}
        kwargs.update(settings)
        return Case(name, args, kwargs)

    found = [
        case("3 channels to 3, 3x3, padding=1", (2, 3, 5, 5), 3, 3, padding=1),
        case("3 channels to 5, 3x3, padding=0", (2, 3, 6, 7), 5, 3),
        case("4 channels to 2, stride 2 that divides", (1, 4, 7, 7), 2, 3, stride=2),
        case("stride 2 that does not divide, padding 1", (2, 2, 8, 6), 3, 3, stride=2,
             padding=1),
        case("no bias (b left out)", (2, 3, 5, 4), 4, 3, bias=False),
        case("1x1 depthwise kernel", (2, 3, 4, 4), 2, 1),
        case("kernel as large as the input", (2, 2, 3, 4), 3, (3, 4)),
        case("non-square input, 2x3 kernel", (1, 2, 4, 7), 3, (2, 3)),
        case("N=1, C_in=1, C_out=1", (1, 1, 5, 5), 1, 3, padding=1),
        case("float32 throughout", (2, 3, 5, 5), 4, 3, dtype=np.float32, padding=1),
    ]
    for k in range(3):
        n, c_in, c_out = (int(v) for v in rng.integers(1, 5, size=3))
        kernel = int(rng.integers(1, 4))
        h, w = (int(v) for v in rng.integers(kernel, 9, size=2))
        found.append(case(f"random case {k + 1} (seeded)", (n, c_in, h, w), c_out, kernel,
                          bias=bool(k % 2 == 0), stride=int(rng.integers(1, 3)),
                          padding=int(rng.integers(0, 2))))
    return found


DEPTHWISE = _task("depthwise_separable_conv2d", _depthwise_cases,
                  ("x", "w_depthwise", "w_pointwise"), "conv2d", _LAYER_DTYPE)


def check_depthwise_separable_conv2d(student_fn) -> None:
    """Grade ``depthwise_separable_conv2d(x, w_depthwise, w_pointwise, b=None, stride=1,
    padding=0)``.

    Parameters
    ----------
    student_fn : callable
        Called with ``x`` ``(N, C_in, H, W)``, ``w_depthwise`` ``(C_in, 1, kH, kW)`` and
        ``w_pointwise`` ``(C_out, C_in, 1, 1)`` positionally, ``b``, ``stride``, ``padding``
        as keywords, on copies.

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
    torch.nn.functional.conv2d : With ``groups=C_in`` for the depthwise step.
    autograder.reference.conv2d : The reference, called twice.

    Notes
    -----
    13 cases: C_in == C_out and not, strides that divide and that do not, padding 0 and 1,
    no bias, a 1x1 depthwise kernel, a kernel as large as the input, a non-square input and
    kernel, N=1 and C=1, float32, three seeded random ones.
    :math:`d[n, c] = x_{pad}[n, c] \\star w_{dw}[c, 0]` (with the stride), then
    :math:`out[n, o] = b[o] + \\sum_c w_{pw}[o, c, 0, 0]\\, d[n, c]`.

    Examples
    --------
    >>> from autograder.mistakes.structure import depthwise_mixes_channels
    >>> check_depthwise_separable_conv2d(depthwise_mixes_channels)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_depthwise_separable_conv2d failed on case 1 of 13, ...
      Likely mistake: depthwise step mixed the channels. Hint: ...
    """
    run_structure_check(DEPTHWISE, student_fn)


def _separable_savings_cases() -> list[Case]:
    rng = np.random.default_rng(20240609)
    found = [
        Case("MobileNet-like: 64 -> 128 channels, 3x3", (64, 128, 3)),
        Case("C_in != C_out: 32 -> 64, 3x3", (32, 64, 3)),
        Case("more channels in than out: 128 -> 16, 5x5", (128, 16, 5)),
        Case("1x1 kernel (separable costs more)", (16, 16, 1)),
        Case("C_in=1, C_out=1", (1, 1, 3)),
        Case("large: 512 -> 512, 3x3", (512, 512, 3)),
    ]
    for k in range(3):
        c_in, c_out = (int(v) for v in rng.integers(1, 257, size=2))
        found.append(Case(f"random case {k + 1} (seeded)", (c_in, c_out, int(rng.integers(1, 8)))))
    return found


SEPARABLE_SAVINGS = _task("separable_savings", _separable_savings_cases,
                          ("C_in", "C_out", "k"), "conv_flops")


def check_separable_savings(student_fn) -> None:
    """Grade ``separable_savings(C_in, C_out, k)``: separable MACs over full MACs, a float.

    Parameters
    ----------
    student_fn : callable
        Called with three ints.

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
    autograder.reference.conv_flops : The MAC counts the expected ratio is made of.

    Notes
    -----
    9 cases (C_in equal to and different from C_out, a 1x1 kernel, C=1, three seeded
    random ones).  Per output position the depthwise step costs :math:`C_{in} k^2`, the
    pointwise step :math:`C_{in} C_{out}`, the full convolution
    :math:`C_{in} C_{out} k^2`; their ratio is :math:`1/C_{out} + 1/k^2`.

    Examples
    --------
    >>> from autograder.mistakes.structure import separable_savings_integer_division
    >>> check_separable_savings(separable_savings_integer_division)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_separable_savings failed on case 1 of 9, ...
      returned the int 0; expected a float (true division / gives one, // does not)
      Likely mistake: integer division. Hint: ...
    """
    run_structure_check(SEPARABLE_SAVINGS, student_fn)
