"""A library of named, known-wrong implementations of every graded task.

Each entry is a :class:`Mistake`: a short ``name`` ("forgot the flip"), the ``task`` it
belongs to (the name of the function students write), a ``hint`` that tells a student
what to change, and ``fn``, a small deliberately wrong numpy implementation with the
task's own signature, written the way a student would write it.

The checks (:mod:`autograder.checks`) use the library to explain a failure: when a
student's output is wrong, :func:`identify` runs the task's variants on the same
inputs and names the first one that reproduces the student's outputs.  The list for
each task is ordered from the most specific mistake to the most general, so that when
several variants reproduce an output the most telling name wins.  Because every
variant is a plain function, the same library can stand in for synthetic students.

Tasks and their student signatures:

* ``correlate2d(in1, in2, mode="full")`` and ``convolve2d(in1, in2, mode="full")``:
  one channel, zero fill, ``mode`` in ``"full"``, ``"same"``, ``"valid"``; the output
  dtype is ``np.result_type(in1, in2)`` as in ``scipy.signal``.
* ``pad2d(x, padding)``: zeros around the last two axes of ``(N, C, H, W)``,
  ``padding`` an int or ``(ph, pw)``.
* ``conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1)``: an
  int, or ``ValueError`` when the configuration does not fit.
* ``conv2d(x, w, b=None, stride=1, padding=0, dilation=1)``: PyTorch's NCHW layer.
* ``pool2d(x, kernel_size, stride=None, mode="max")``: max or average pooling.

Examples
--------
>>> [m.name for m in MISTAKES["convolve2d"]][:3]
['mutated the input', "'same' window off by one for even kernels", 'x[p:-p] with p = 0']
>>> in1 = np.arange(12.0).reshape(3, 4)
>>> in2 = np.array([[1.0, 2.0], [3.0, 5.0]])
>>> student = forgot_the_flip(in1, in2, mode="valid")   # what a student might return
>>> identify("convolve2d", [((in1, in2), {"mode": "valid"}, student)]).name
'forgot the flip'
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

__all__ = [
    "Mistake",
    "MISTAKES",
    "TASKS",
    "identify",
    "register_task",
    "same_outcome",
    "tolerance",
]

# Captured once: the library and the checks must not depend on whatever a notebook
# later does to numpy's module attributes (monkeypatched np.allclose and the like).
_ndarray = np.ndarray
_errstate = np.errstate
_result_type = np.result_type
_float64 = np.dtype(np.float64)
_float32 = np.dtype(np.float32)

#: Every task with variants in the library: the six below, then the tasks the submodules
#: (one per later assignment, loaded at the end of this module) add with :func:`register_task`.
TASKS = ("correlate2d", "convolve2d", "pad2d", "conv_output_size", "conv2d", "pool2d")


@dataclass(frozen=True)
class Mistake:
    """One known-wrong implementation of a task.

    Attributes
    ----------
    name : str
        Short name shown to students, e.g. ``"forgot the flip"``.
    task : str
        The graded function it imitates, one of :data:`TASKS`.
    hint : str
        One or two sentences saying what to change.
    fn : callable
        The wrong implementation, with the task's signature.
    """

    name: str
    task: str
    hint: str
    fn: Callable

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


MISTAKES: dict[str, list[Mistake]] = {task: [] for task in TASKS}


def register_task(task: str) -> str:
    """Add ``task`` (the name of a graded function) to :data:`MISTAKES`; return it.

    A submodule of :mod:`autograder.mistakes` calls this once per task it adds, before
    registering variants with :func:`_mistake`.  Registering a task twice is an error, so
    two submodules cannot silently share one list.
    """
    if not isinstance(task, str) or not task.isidentifier():
        raise ValueError(f"task must be a function name, got {task!r}")
    if task in MISTAKES:
        raise ValueError(f"task {task!r} is already registered")
    MISTAKES[task] = []
    return task


def _mistake(task: str, name: str, hint: str):
    """Register the decorated function as a mistake of ``task``, in definition order."""
    def register(fn):
        MISTAKES[task].append(Mistake(name=name, task=task, hint=hint, fn=fn))
        return fn
    return register


# ---------------------------------------------------------------------------------------
# comparing outcomes
# ---------------------------------------------------------------------------------------

def tolerance(dtype, scale: float = 1.0) -> tuple[float, float]:
    """``(rtol, atol)`` for comparing results of ``dtype`` whose largest magnitude is ``scale``.

    Integers and booleans compare exactly; float32 allows the rounding of sums in a
    different order; float64 is tight, so only rounding passes.

    Examples
    --------
    >>> tolerance(np.int64)
    (0.0, 0.0)
    >>> tolerance(np.float64, 100.0)
    (1e-07, 1e-07)
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc":
        return 0.0, 0.0
    scale = max(1.0, float(scale))
    if dtype.itemsize <= 2 or (dtype.kind == "c" and dtype.itemsize <= 4):
        return 1e-2, 1e-3 * scale
    if dtype.itemsize <= 4 or (dtype.kind == "c" and dtype.itemsize <= 8):
        return 1e-4, 1e-5 * scale
    return 1e-7, 1e-9 * scale


def close_mask(expected: np.ndarray, got: np.ndarray,
               precision=None) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise ``|got - expected| <= atol + rtol |expected|`` and the absolute errors.

    Both arrays must have the same shape.  Written with operators and ``ndarray``
    methods only, so a monkeypatched ``np.allclose`` or ``numpy.testing`` cannot change
    the verdict.  NaN is close to nothing (a NaN in the output is always wrong).

    Parameters
    ----------
    expected, got : numpy.ndarray
        Same shape.
    precision : dtype, optional
        Whose :func:`tolerance` applies; default the common dtype of the two arrays.

    Returns
    -------
    ok : numpy.ndarray of bool
        Shaped like the inputs.
    error : numpy.ndarray of float64
        ``|got - expected|`` (NaN where either is NaN).

    Examples
    --------
    >>> ok, error = close_mask(np.array([1.0, 2.0, np.nan]), np.array([1.0, 2.5, np.nan]))
    >>> ok
    array([ True, False, False])
    """
    exp = expected.astype(_float64) if expected.dtype.kind not in "fc" else expected
    out = got.astype(_float64) if got.dtype.kind not in "fc" else got
    with _errstate(invalid="ignore", over="ignore"):
        error = abs(out - exp)
        finite = abs(exp)[abs(exp) < float("inf")] if exp.size else exp
        scale = float(finite.max()) if finite.size else 1.0
        if precision is None:
            precision = _result_type(expected.dtype, got.dtype)
        rtol, atol = tolerance(precision, scale)
        ok = (error <= atol + rtol * abs(exp)) | (out == exp)
    return ok, error


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def same_outcome(a, b) -> bool:
    """Whether two outcomes of a call (a result or the exception raised) are the same.

    Arrays match when shape and dtype are equal and values are close (see
    :func:`close_mask`) at float32 precision or coarser: a variant and a student may
    compute in different precisions, while the mistakes themselves change values far
    more.  Exceptions match when type and message are equal; ints and floats when they
    are the same kind of number and equal.

    Examples
    --------
    >>> same_outcome(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]))
    True
    >>> same_outcome(3, 3.0)
    False
    >>> same_outcome(ValueError("too big"), ValueError("too big"))
    True
    """
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        return type(a) is type(b) and str(a) == str(b)
    if isinstance(a, _ndarray) or isinstance(b, _ndarray):
        if not (isinstance(a, _ndarray) and isinstance(b, _ndarray)):
            return False
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind not in "biufc" or a.size == 0:
            return a.size == 0 or bool((a == b).all())
        precision = a.dtype if a.dtype.kind not in "fc" or a.dtype.itemsize < 4 else _float32
        ok, _ = close_mask(a, b, precision)
        return bool(ok.all())
    if _is_int(a) or _is_int(b):
        return _is_int(a) and _is_int(b) and int(a) == int(b)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return float(a) == float(b)
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and bool(a == b)


def _copy(value):
    """A deep enough copy of call arguments: arrays copied, containers rebuilt."""
    if isinstance(value, _ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _outcome(fn, args, kwargs):
    """What ``fn`` returns or raises on copies of the arguments, without warnings."""
    try:
        # a variant's overflow or empty-window warnings are not the student's business
        with warnings.catch_warnings(), _errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*_copy(args), **_copy(kwargs))
    except Exception as exc:  # the exception is the outcome to compare
        return exc


def _agrees(variant_outcome, observed, passed: bool) -> bool:
    """Whether a variant's outcome reproduces an observed one.

    On a case the student passed, an expected exception is matched by its type only
    (the check accepted any message); elsewhere outcomes must be the same.
    """
    if passed and isinstance(observed, BaseException):
        return isinstance(variant_outcome, BaseException) and (
            isinstance(variant_outcome, type(observed))
            or isinstance(observed, type(variant_outcome)))
    return same_outcome(variant_outcome, observed)


def identify(task: str, observations: Sequence[tuple],
             failing: int | None = None) -> Mistake | None:
    """The known mistake that best explains a student's outcomes, or None.

    Parameters
    ----------
    task : str
        One of :data:`TASKS`.
    observations : sequence of (args, kwargs, outcome) or (args, kwargs, outcome, passed)
        The student's function called on ``args`` and ``kwargs`` gave ``outcome`` (the
        returned value, or the exception it raised), one entry per case in the order
        the cases were run.  ``passed`` (default False) says the check accepted that
        outcome; an expected exception then matches any variant raising the same type.
    failing : int, optional
        Index of the case being explained (the first one the student failed).  Default:
        the last observation.

    Returns
    -------
    Mistake or None
        The first variant, in the library's order, that reproduces every observation;
        failing that, the first that reproduces the observations up to and including
        ``failing``; None when no variant does (the caller should then say so rather
        than guess).

    Raises
    ------
    ValueError
        If ``task`` is not in :data:`TASKS`, ``observations`` is empty or ``failing``
        is out of range.

    Notes
    -----
    Each variant runs on copies of the arguments, so a variant that writes into its
    input cannot disturb the next one.

    Examples
    --------
    >>> in1, in2 = np.arange(12.0).reshape(3, 4), np.array([[1.0, 2.0], [3.0, 5.0]])
    >>> student = convolve2d_transposed_kernel(in1, in2, mode="same")
    >>> identify("convolve2d", [((in1, in2), {"mode": "same"}, student)]).name
    'transposed the kernel instead of flipping'
    >>> print(identify("convolve2d", [((in1, in2), {"mode": "same"}, np.zeros((3, 4)))]))
    None
    """
    if task not in MISTAKES:
        listed = ", ".join(repr(t) for t in TASKS)
        raise ValueError(f"task must be one of {listed}, got {task!r}")
    obs = [(o[0], o[1], o[2], bool(o[3]) if len(o) > 3 else False) for o in observations]
    if failing is None:
        failing = len(obs) - 1
    if not 0 <= failing < len(obs):
        raise ValueError(f"failing must index the {len(obs)} observations, got {failing}")
    # The failing case first (it rules most variants out alone), then in order, so the
    # first mismatch after `failing` means the variant still explains every case up to it.
    order = [failing] + [i for i in range(len(obs)) if i != failing]
    fallback = None
    for mistake in MISTAKES[task]:
        for i in order:
            args, kwargs, observed, passed = obs[i]
            if not _agrees(_outcome(mistake.fn, args, kwargs), observed, passed):
                if i > failing and fallback is None:
                    fallback = mistake
                break
        else:
            return mistake
    return fallback


# ---------------------------------------------------------------------------------------
# signal level: the way a student writes 2-D correlation
# ---------------------------------------------------------------------------------------

def _full_correlation(in1, in2, dtype=None):
    """Full cross-correlation by shift-and-add: each kernel tap adds a shifted image."""
    in1 = np.asarray(in1)
    in2 = np.asarray(in2)
    H, W = in1.shape
    kh, kw = in2.shape
    out = np.zeros((H + kh - 1, W + kw - 1), dtype=np.result_type(in1, in2))
    for u in range(kh):
        for v in range(kw):
            # tap (u, v) meets in1[y, x] at output (y - u + kh - 1, x - v + kw - 1)
            out[kh - 1 - u:kh - 1 - u + H, kw - 1 - v:kw - 1 - v + W] += in2[u, v] * in1
    if dtype is not None:
        # what out[i, j] = value does in an array allocated with another dtype:
        # integers wrap around, floats are truncated towards zero
        out = out.astype(dtype)
    return out


def _crop(full, in1_shape, in2_shape, mode, same_start):
    """Cut 'same' or 'valid' out of the full result; ``same_start(k)`` is the offset."""
    H, W = in1_shape
    kh, kw = in2_shape
    if mode == "full":
        return full
    if mode == "same":
        top, left = same_start(kh), same_start(kw)
        return full[top:top + H, left:left + W]
    return full[kh - 1:H, kw - 1:W]


def _correlate_start(k):
    return k // 2       # scipy centres correlate2d's 'same' window on kernel index k // 2


def _convolve_start(k):
    return (k - 1) // 2  # and convolve2d's on (k - 1) // 2: the two differ for even k


def _correlate(in1, in2, mode="full", dtype=None):
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2, dtype), in1.shape, in2.shape, mode,
                 _correlate_start)


def _convolve(in1, in2, mode="full", dtype=None):
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2[::-1, ::-1], dtype), in1.shape, in2.shape,
                 mode, _convolve_start)


def _register_shared_crop_mistakes(task: str, kernel_of, start) -> None:
    """Register the cropping mistakes correlate2d and convolve2d share.

    ``kernel_of(in2)`` is the kernel the task slides (as is, or flipped) and ``start`` the
    task's 'same' window start; each variant crops the full result wrongly.  The functions
    are bound at module level as ``<task>_negative_slice_end`` and so on.
    """
    def negative_slice_end(in1, in2, mode="full"):
        """Crops with full[p:-p]: fine for odd kernels, empty for a 1x1 kernel."""
        in1, in2 = np.asarray(in1), np.asarray(in2)
        full = _full_correlation(in1, kernel_of(in2))
        kh, kw = in2.shape
        if mode == "same":
            ph, pw = kh // 2, kw // 2
            return full[ph:-ph, pw:-pw]
        if mode == "valid":
            return full[kh - 1:-(kh - 1), kw - 1:-(kw - 1)]
        return full

    def valid_too_small(in1, in2, mode="full"):
        """Computes 'valid' as full[kh:H, kw:W], one row and column short."""
        in1, in2 = np.asarray(in1), np.asarray(in2)
        full = _full_correlation(in1, kernel_of(in2))
        if mode == "valid":
            (H, W), (kh, kw) = in1.shape, in2.shape
            return full[kh:H, kw:W]
        return _crop(full, in1.shape, in2.shape, mode, start)

    def valid_too_large(in1, in2, mode="full"):
        """Computes 'valid' as full[kh - 1:H + 1, kw - 1:W + 1], one row and column too many."""
        in1, in2 = np.asarray(in1), np.asarray(in2)
        full = _full_correlation(in1, kernel_of(in2))
        if mode == "valid":
            (H, W), (kh, kw) = in1.shape, in2.shape
            return full[kh - 1:H + 1, kw - 1:W + 1]
        return _crop(full, in1.shape, in2.shape, mode, start)

    table = [
        (negative_slice_end, "x[p:-p] with p = 0",
         "A slice a[p:-p] is empty when p == 0 (-0 is 0); write the end explicitly: "
         "a[p:p + H]."),
        (valid_too_small, "valid output one too small",
         "'valid' has H - kH + 1 rows and W - kW + 1 columns: a kernel as large as the "
         "image still gives one value."),
        (valid_too_large, "valid output one too large",
         "'valid' has H - kH + 1 rows and W - kW + 1 columns: only windows that lie fully "
         "inside the image count."),
    ]
    for fn, name, hint in table:
        fn.__name__ = fn.__qualname__ = f"{task}_{fn.__name__}"
        globals()[fn.__name__] = _mistake(task, name, hint)(fn)


def _register_shared_signal_mistakes(task: str, op) -> None:
    """Register the mistakes correlate2d and convolve2d share, computed with ``op``.

    ``op(in1, in2, mode, dtype=None)`` is the task's correct operation; each variant
    bends one of its inputs.  The functions are also bound at module level, as
    ``<task>_h_w_swapped`` and so on, so they can be imported by name like the others.
    """
    mode_hint = ("Use mode: 'full' is (H + kH - 1, W + kW - 1), 'same' is (H, W), 'valid' is "
                 "(H - kH + 1, W - kW + 1).")

    def h_w_swapped(in1, in2, mode="full"):
        """Reads W, H = in1.shape (image-library order), giving the transposed output."""
        return op(np.asarray(in1).T, np.asarray(in2).T, mode)

    def image_dtype(in1, in2, mode="full"):
        """Allocates the output like np.zeros_like(in1): uint8 in, uint8 (wrapped) out."""
        return op(in1, in2, mode, dtype=np.asarray(in1).dtype)

    def always_float64(in1, in2, mode="full"):
        """Allocates with np.zeros(shape): float64 whatever the inputs."""
        return op(in1, in2, mode, dtype=np.float64)

    def always_full(in1, in2, mode="full"):
        """Returns the full result whatever mode says."""
        return op(in1, in2, "full")

    def always_valid(in1, in2, mode="full"):
        """Returns the 'valid' part whatever mode says."""
        return op(in1, in2, "valid")

    def always_same(in1, in2, mode="full"):
        """Returns the 'same' part whatever mode says."""
        return op(in1, in2, "same")

    table = [
        (h_w_swapped, "H and W swapped",
         "Arrays are indexed [row, column]: H, W = in1.shape (height first), and the "
         "output is (rows, columns) too."),
        (image_dtype, "integer overflow",
         "Allocate the output with dtype=np.result_type(in1, in2): np.zeros_like(in1) "
         "keeps the image's dtype, and uint8 wraps around at 256."),
        (always_float64, "output dtype always float64",
         "The output dtype must be np.result_type(in1, in2), as in scipy.signal: pass "
         "dtype= to np.zeros (integer inputs give an integer output)."),
        (always_full, "mode ignored (always full)", mode_hint),
        (always_valid, "mode ignored (always valid)", mode_hint),
        (always_same, "mode ignored (always same)", mode_hint),
    ]
    for fn, name, hint in table:
        fn.__name__ = fn.__qualname__ = f"{task}_{fn.__name__}"
        globals()[fn.__name__] = _mistake(task, name, hint)(fn)


# --- correlate2d -----------------------------------------------------------------------

@_mistake("correlate2d", "mutated the input",
          "Never write into in1 or in2: build new arrays (in2[::-1, ::-1] is a new view, "
          "in1.copy() a new array).")
def correlate2d_flips_in_place(in1, in2, mode="full"):
    """Flips the kernel in place (in2[...] = in2[::-1, ::-1]) and slides the flip of that.

    The output is right; the caller's kernel comes back flipped.
    """
    in2[...] = in2[::-1, ::-1]
    in1 = np.asarray(in1)
    return _crop(_full_correlation(in1, in2[::-1, ::-1]), in1.shape, in2.shape, mode,
                 _correlate_start)


@_mistake("correlate2d", "'same' window off by one for even kernels",
          "For 'same', cut the full result starting at kH // 2 rows and kW // 2 columns "
          "(scipy's centring for correlate2d); for an even kernel (k - 1) // 2 is one too few.")
def correlate2d_same_off_by_one(in1, in2, mode="full"):
    """Crops 'same' at (k - 1) // 2, which is convolve2d's offset, not correlate2d's."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2), in1.shape, in2.shape, mode, _convolve_start)


_register_shared_crop_mistakes("correlate2d", lambda k: k, _correlate_start)


@_mistake("correlate2d", "flipped only one axis",
          "Correlation does not flip the kernel at all; here only its rows were reversed.")
def correlate2d_flips_rows(in1, in2, mode="full"):
    """Slides in2[::-1] (rows reversed) instead of in2."""
    return _correlate(in1, np.asarray(in2)[::-1], mode)


@_mistake("correlate2d", "flipped when correlating",
          "Cross-correlation slides the kernel as it is; flipping it first gives convolution.")
def correlate2d_flipped(in1, in2, mode="full"):
    """Computes convolution: the kernel is flipped before sliding."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2[::-1, ::-1]), in1.shape, in2.shape, mode,
                 _correlate_start)


_register_shared_signal_mistakes("correlate2d", _correlate)


# --- convolve2d ------------------------------------------------------------------------

@_mistake("convolve2d", "mutated the input",
          "Never write into in1 or in2: in2[::-1, ::-1] is already a flipped view, no "
          "assignment needed.")
def convolve2d_flips_in_place(in1, in2, mode="full"):
    """Flips the kernel in place (in2[...] = in2[::-1, ::-1]), then correlates."""
    in2[...] = in2[::-1, ::-1]
    in1 = np.asarray(in1)
    return _crop(_full_correlation(in1, in2), in1.shape, in2.shape, mode, _convolve_start)


@_mistake("convolve2d", "'same' window off by one for even kernels",
          "For 'same', cut the full result starting at (kH - 1) // 2 rows and (kW - 1) // 2 "
          "columns (scipy's centring for convolve2d); kH // 2 is one too many for an even "
          "kernel.")
def convolve2d_same_off_by_one(in1, in2, mode="full"):
    """Crops 'same' at k // 2, which is correlate2d's offset, not convolve2d's."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2[::-1, ::-1]), in1.shape, in2.shape, mode,
                 _correlate_start)


_register_shared_crop_mistakes("convolve2d", lambda k: k[::-1, ::-1], _convolve_start)


@_mistake("convolve2d", "transposed the kernel instead of flipping",
          "Flip both axes with in2[::-1, ::-1] (a 180-degree rotation); in2.T mirrors "
          "across the diagonal instead.")
def convolve2d_transposed_kernel(in1, in2, mode="full"):
    """Uses in2.T as the 'flipped' kernel."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2.T), in1.shape, in2.T.shape, mode,
                 _convolve_start)


@_mistake("convolve2d", "flipped only one axis",
          "Convolution flips the kernel along both axes: in2[::-1, ::-1], not in2[::-1].")
def convolve2d_flips_rows_only(in1, in2, mode="full"):
    """Flips with in2[::-1], which reverses the rows only."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2[::-1]), in1.shape, in2.shape, mode,
                 _convolve_start)


@_mistake("convolve2d", "flipped only one axis",
          "Convolution flips the kernel along both axes: in2[::-1, ::-1], not in2[:, ::-1].")
def convolve2d_flips_columns_only(in1, in2, mode="full"):
    """Flips with np.fliplr(in2), which reverses the columns only."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2[:, ::-1]), in1.shape, in2.shape, mode,
                 _convolve_start)


@_mistake("convolve2d", "forgot the flip",
          "Convolution flips the kernel (in2[::-1, ::-1]) before sliding it; without the "
          "flip you computed cross-correlation.")
def forgot_the_flip(in1, in2, mode="full"):
    """Slides the kernel without flipping it (this is correlation)."""
    in1, in2 = np.asarray(in1), np.asarray(in2)
    return _crop(_full_correlation(in1, in2), in1.shape, in2.shape, mode, _convolve_start)


_register_shared_signal_mistakes("convolve2d", _convolve)


# ---------------------------------------------------------------------------------------
# layer level (NCHW)
# ---------------------------------------------------------------------------------------

def _two(value):
    """int -> (v, v); a pair stays a pair (the way students read padding=(ph, pw))."""
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    return int(value[0]), int(value[1])


# --- pad2d -----------------------------------------------------------------------------

@_mistake("pad2d", "x[p:-p] with p = 0",
          "out[:, :, p:-p] selects nothing when p == 0 (-0 is 0); write the end "
          "explicitly: out[:, :, ph:ph + H, pw:pw + W] = x.")
def pad2d_negative_slice_end(x, padding):
    """Copies x into out[:, :, ph:-ph, pw:-pw], an empty slice when a padding is 0."""
    ph, pw = _two(padding)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    out[:, :, ph:-ph, pw:-pw] = x
    return out


@_mistake("pad2d", "image copied to the top-left corner",
          "Put x at offset (ph, pw): out[:, :, ph:ph + H, pw:pw + W] = x, so the zeros are "
          "split evenly between both sides.")
def pad2d_top_left(x, padding):
    """Allocates the padded size but copies x to out[:, :, :H, :W]."""
    ph, pw = _two(padding)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    out[:, :, :H, :W] = x
    return out


@_mistake("pad2d", "H and W swapped",
          "padding=(ph, pw) pads the height (axis 2) by ph and the width (axis 3) by pw.")
def pad2d_h_w_swapped(x, padding):
    """Pads the height by pw and the width by ph."""
    ph, pw = _two(padding)
    return np.pad(x, ((0, 0), (0, 0), (pw, pw), (ph, ph)))


@_mistake("pad2d", "padding on the wrong axis (only H)",
          "Pad both spatial axes: np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).")
def pad2d_only_height(x, padding):
    """Pads the height only."""
    ph, _ = _two(padding)
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (0, 0)))


@_mistake("pad2d", "padding on the wrong axis (only W)",
          "Pad both spatial axes: np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))).")
def pad2d_only_width(x, padding):
    """Pads the width only."""
    _, pw = _two(padding)
    return np.pad(x, ((0, 0), (0, 0), (0, 0), (pw, pw)))


@_mistake("pad2d", "channels-last (treats x as NHWC)",
          "x is (N, C, H, W) as in PyTorch: the spatial axes are 2 and 3, not 1 and 2.")
def pad2d_channels_last(x, padding):
    """Pads axes 1 and 2, as if x were (N, H, W, C)."""
    ph, pw = _two(padding)
    return np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))


@_mistake("pad2d", "padded every axis (also N and C)",
          "np.pad(x, p) pads every axis, the batch and channel axes too; give one "
          "(before, after) pair per axis with (0, 0) for N and C.")
def pad2d_every_axis(x, padding):
    """Calls np.pad(x, padding), which pads all four axes."""
    return np.pad(x, padding)


@_mistake("pad2d", "padding ignored",
          "The output must be (N, C, H + 2 ph, W + 2 pw) with zeros around x.")
def pad2d_ignored(x, padding):
    """Returns a copy of x."""
    return x.copy()


@_mistake("pad2d", "output dtype always float64",
          "Keep x's dtype: np.zeros(shape, dtype=x.dtype) (np.zeros alone gives float64).")
def pad2d_always_float64(x, padding):
    """Allocates with np.zeros(shape), float64 whatever x is."""
    ph, pw = _two(padding)
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out


# --- conv_output_size ------------------------------------------------------------------

def _fits(input_size, span, padding, stride, check_fit=True, check_remainder=True):
    reach = input_size + 2 * padding - span
    if check_fit and reach < 0:
        raise ValueError(f"kernel spans {span}, padded input is only {input_size + 2 * padding}")
    if check_remainder and reach % stride:
        raise ValueError(f"stride {stride} does not divide {reach}")
    return reach


@_mistake("conv_output_size", "true division (returns a float)",
          "Use integer division // (or int(...)): the output size is an int, and / "
          "always gives a float.")
def conv_output_size_true_division(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Uses / instead of //, so 3 comes back as 3.0."""
    span = dilation * (kernel_size - 1) + 1
    reach = _fits(input_size, span, padding, stride)
    return reach / stride + 1


@_mistake("conv_output_size", "dilation counted as gaps (dilation=0 means none)",
          "In PyTorch's convention dilation=1 means no dilation and the kernel spans "
          "dilation * (kernel_size - 1) + 1.")
def conv_output_size_dilation_gaps(input_size, kernel_size, stride=1, padding=0, dilation=0):
    """Counts dilation as the gap between taps: span = k + (k - 1) * dilation."""
    span = kernel_size + (kernel_size - 1) * dilation
    reach = _fits(input_size, span, padding, stride)
    return reach // stride + 1


@_mistake("conv_output_size", "dilated kernel spans d * k",
          "A dilated kernel spans dilation * (kernel_size - 1) + 1, not dilation * "
          "kernel_size: there are k - 1 gaps between k taps.")
def conv_output_size_dilation_times_k(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Uses dilation * kernel_size as the span of the dilated kernel."""
    span = dilation * kernel_size if dilation > 1 else kernel_size
    reach = _fits(input_size, span, padding, stride)
    return reach // stride + 1


@_mistake("conv_output_size", "dilation ignored",
          "A dilated kernel spans dilation * (kernel_size - 1) + 1 input positions.")
def conv_output_size_no_dilation(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Uses kernel_size as the span whatever the dilation."""
    reach = _fits(input_size, kernel_size, padding, stride)
    return reach // stride + 1


@_mistake("conv_output_size", "padding counted once",
          "padding is added on both sides: the padded input is input_size + 2 * padding.")
def conv_output_size_padding_once(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Uses input_size + padding as the padded length."""
    span = dilation * (kernel_size - 1) + 1
    reach = _fits(input_size - padding, span, padding, stride)
    return reach // stride + 1


@_mistake("conv_output_size", "padding ignored",
          "padding is added on both sides: the padded input is input_size + 2 * padding.")
def conv_output_size_no_padding(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Leaves padding out of the formula."""
    span = dilation * (kernel_size - 1) + 1
    reach = _fits(input_size, span, 0, stride)
    return reach // stride + 1


@_mistake("conv_output_size", "stride ignored",
          "With stride s the windows start every s positions: divide the distance the "
          "kernel travels by the stride.")
def conv_output_size_no_stride(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Leaves the stride out of the formula (and never checks it divides)."""
    span = dilation * (kernel_size - 1) + 1
    return _fits(input_size, span, padding, 1) + 1


@_mistake("conv_output_size", "missing + 1",
          "Count the first window too: (input + 2p - span) // stride + 1.")
def conv_output_size_missing_one(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Forgets the + 1 that counts the first window."""
    span = dilation * (kernel_size - 1) + 1
    return _fits(input_size, span, padding, stride) // stride


@_mistake("conv_output_size", "ceil instead of an error (stride does not divide)",
          "When the stride does not divide input + 2p - span, raise ValueError (the last "
          "rows would be skipped); rounding up counts a window that runs off the input.")
def conv_output_size_ceil(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Rounds up when the stride does not divide, instead of raising."""
    span = dilation * (kernel_size - 1) + 1
    reach = _fits(input_size, span, padding, stride, check_remainder=False)
    return -(-reach // stride) + 1


@_mistake("conv_output_size", "floor instead of an error (stride does not divide)",
          "When the stride does not divide input + 2p - span, raise ValueError: the "
          "assignment asks you to refuse it rather than drop the last rows silently.")
def conv_output_size_floor(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Rounds down like PyTorch when the stride does not divide, instead of raising."""
    span = dilation * (kernel_size - 1) + 1
    reach = _fits(input_size, span, padding, stride, check_remainder=False)
    return reach // stride + 1


@_mistake("conv_output_size", "no error when the kernel does not fit",
          "If the (dilated) kernel is longer than the padded input, raise ValueError "
          "instead of returning a size of 0 or less.")
def conv_output_size_no_fit_check(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Never checks that the kernel fits in the padded input."""
    span = dilation * (kernel_size - 1) + 1
    reach = _fits(input_size, span, padding, stride, check_fit=False)
    return reach // stride + 1


# --- conv2d ----------------------------------------------------------------------------

def _conv2d(x, w, b=None, stride=1, padding=0, dilation=1, *, pads=None, out_dtype=None):
    """Cross-correlation layer by shift-and-add over kernel taps; ``pads`` overrides padding."""
    x, w = np.asarray(x), np.asarray(w)
    sh, sw = _two(stride)
    dh, dw = _two(dilation)
    ph, pw = _two(padding) if pads is None else pads
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, C, H, W = xp.shape
    O, _, kh, kw = w.shape
    Ho = (H - dh * (kh - 1) - 1) // sh + 1
    Wo = (W - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, O, Ho, Wo), dtype=np.result_type(x, w) if out_dtype is None else out_dtype)
    for u in range(kh):
        for v in range(kw):
            rows = slice(u * dh, u * dh + sh * (Ho - 1) + 1, sh)
            cols = slice(v * dw, v * dw + sw * (Wo - 1) + 1, sw)
            out += np.einsum("nchw,oc->nohw", xp[:, :, rows, cols], w[:, :, u, v])
    if b is not None:
        out += np.asarray(b)[None, :, None, None]
    return out


@_mistake("conv2d", "x[p:-p] with p = 0",
          "xp[:, :, p:-p, p:-p] selects nothing when p == 0 (-0 is 0); write the end "
          "explicitly: xp[:, :, p:p + H, p:p + W] = x.")
def conv2d_negative_slice_end(x, w, b=None, stride=1, padding=0, dilation=1):
    """Pads by copying x into xp[:, :, p:-p, p:-p], which fails for padding=0."""
    N, C, H, W = x.shape
    p = padding
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=x.dtype)
    xp[:, :, p:-p, p:-p] = x
    return _conv2d(xp, w, b, stride, 0, dilation)


@_mistake("conv2d", "flipped the kernel",
          "A conv layer computes cross-correlation: slide w as it is, without w[..., ::-1, ::-1].")
def conv2d_flipped(x, w, b=None, stride=1, padding=0, dilation=1):
    """Flips each kernel first, computing a true convolution."""
    return _conv2d(x, w[:, :, ::-1, ::-1], b, stride, padding, dilation)


@_mistake("conv2d", "bias ignored",
          "Add b[o] to every position of output channel o: out += b[None, :, None, None].")
def conv2d_no_bias(x, w, b=None, stride=1, padding=0, dilation=1):
    """Never adds the bias."""
    return _conv2d(x, w, None, stride, padding, dilation)


@_mistake("conv2d", "padding on the wrong axis (only H)",
          "Pad both spatial axes: ((0, 0), (0, 0), (p, p), (p, p)).")
def conv2d_pads_height_only(x, w, b=None, stride=1, padding=0, dilation=1):
    """Pads the height only."""
    return _conv2d(x, w, b, stride, dilation=dilation, pads=(padding, 0))


@_mistake("conv2d", "padding on the wrong axis (only W)",
          "Pad both spatial axes: ((0, 0), (0, 0), (p, p), (p, p)).")
def conv2d_pads_width_only(x, w, b=None, stride=1, padding=0, dilation=1):
    """Pads the width only."""
    return _conv2d(x, w, b, stride, dilation=dilation, pads=(0, padding))


@_mistake("conv2d", "padding ignored",
          "Zero-pad x by padding on each side of H and W before sliding the kernel.")
def conv2d_no_padding(x, w, b=None, stride=1, padding=0, dilation=1):
    """Never pads."""
    return _conv2d(x, w, b, stride, 0, dilation)


@_mistake("conv2d", "stride ignored",
          "Move the window by stride: output (i, j) reads x_pad[..., i*s + u*d, j*s + v*d], "
          "and H_out = (H + 2p - d(kH - 1) - 1) // s + 1.")
def conv2d_no_stride(x, w, b=None, stride=1, padding=0, dilation=1):
    """Always uses stride 1."""
    return _conv2d(x, w, b, 1, padding, dilation)


@_mistake("conv2d", "dilation ignored",
          "Space the kernel taps by dilation: tap (u, v) reads x_pad[..., i*s + u*d, "
          "j*s + v*d]; the kernel spans d(k - 1) + 1.")
def conv2d_no_dilation(x, w, b=None, stride=1, padding=0, dilation=1):
    """Always uses dilation 1."""
    return _conv2d(x, w, b, stride, padding, 1)


@_mistake("conv2d", "H and W swapped",
          "Arrays are (N, C, H, W): rows (height) on axis 2, columns (width) on axis 3; "
          "the output is (N, C_out, H_out, W_out).")
def conv2d_h_w_swapped(x, w, b=None, stride=1, padding=0, dilation=1):
    """Fills out[n, o, j, i] instead of out[n, o, i, j]."""
    return _conv2d(x, w, b, stride, padding, dilation).transpose(0, 1, 3, 2)


@_mistake("conv2d", "channels-last (treats x as NHWC)",
          "PyTorch's layout is NCHW: x is (N, C_in, H, W) and the output must be "
          "(N, C_out, H_out, W_out), channels on axis 1.")
def conv2d_channels_last(x, w, b=None, stride=1, padding=0, dilation=1):
    """Lays the output out as (N, H_out, W_out, C_out)."""
    return _conv2d(x, w, b, stride, padding, dilation).transpose(0, 2, 3, 1)


@_mistake("conv2d", "output dtype always float64",
          "Keep the input's float type: allocate the output with dtype=x.dtype (float32 "
          "in, float32 out, as in PyTorch).")
def conv2d_always_float64(x, w, b=None, stride=1, padding=0, dilation=1):
    """Allocates with np.zeros(shape): float64 whatever the inputs."""
    return _conv2d(x, w, b, stride, padding, dilation, out_dtype=np.float64)


# --- pool2d ----------------------------------------------------------------------------

def _pool2d(x, kernel_size, stride, mode):
    """Pooling by combining the k*k strided slices, one per window offset."""
    x = np.asarray(x)
    k, s = kernel_size, stride
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    taps = np.stack([x[:, :, u:u + s * (Ho - 1) + 1:s, v:v + s * (Wo - 1) + 1:s]
                     for u in range(k) for v in range(k)])
    return taps.max(axis=0) if mode == "max" else taps.mean(axis=0)


@_mistake("pool2d", "max vs avg confused",
          "mode='max' takes the largest value of each window, mode='avg' their mean.")
def pool2d_modes_swapped(x, kernel_size, stride=None, mode="max"):
    """Computes the mean for 'max' and the maximum for 'avg'."""
    stride = kernel_size if stride is None else stride
    return _pool2d(x, kernel_size, stride, "avg" if mode == "max" else "max")


@_mistake("pool2d", "average divided by k instead of k * k",
          "A k x k window holds k * k values: divide the sum by k * k (or use .mean()).")
def pool2d_avg_divides_by_k(x, kernel_size, stride=None, mode="max"):
    """Averages with window.sum() / kernel_size."""
    stride = kernel_size if stride is None else stride
    out = _pool2d(x, kernel_size, stride, mode)
    return out * kernel_size if mode == "avg" else out


@_mistake("pool2d", "pool stride defaults to 1 instead of kernel_size",
          "stride=None means stride = kernel_size (the windows tile the input), as in "
          "PyTorch: start with `if stride is None: stride = kernel_size`.")
def pool2d_stride_defaults_to_one(x, kernel_size, stride=1, mode="max"):
    """Declares stride=1 as the default."""
    return _pool2d(x, kernel_size, stride, mode)


@_mistake("pool2d", "stride ignored",
          "Move the window by stride when it is given; only stride=None means kernel_size.")
def pool2d_no_stride(x, kernel_size, stride=None, mode="max"):
    """Always steps by kernel_size."""
    return _pool2d(x, kernel_size, kernel_size, mode)


@_mistake("pool2d", "ceil mode (keeps the partial window)",
          "H_out = (H - k) // stride + 1: windows that would run past the edge are dropped "
          "(PyTorch's ceil_mode=False).")
def pool2d_ceil_mode(x, kernel_size, stride=None, mode="max"):
    """Loops over ceil((H - k) / s) + 1 windows; numpy clips the last ones."""
    k = kernel_size
    s = k if stride is None else stride
    N, C, H, W = x.shape
    Ho, Wo = -(-(H - k) // s) + 1, -(-(W - k) // s) + 1
    # as PyTorch's ceil_mode: a last window must start inside the input
    Ho, Wo = Ho - ((Ho - 1) * s >= H), Wo - ((Wo - 1) * s >= W)
    out = np.zeros((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k]
            out[:, :, i, j] = window.max(axis=(2, 3)) if mode == "max" else window.mean(axis=(2, 3))
    return out


@_mistake("pool2d", "channels-last (treats x as NHWC)",
          "x is (N, C, H, W) as in PyTorch: pool over axes 2 and 3, each channel separately.")
def pool2d_channels_last(x, kernel_size, stride=None, mode="max"):
    """Reads N, H, W, C = x.shape and pools over axes 1 and 2."""
    stride = kernel_size if stride is None else stride
    nchw = np.asarray(x).transpose(0, 3, 1, 2)
    return _pool2d(nchw, kernel_size, stride, mode).transpose(0, 2, 3, 1)


@_mistake("pool2d", "H and W swapped",
          "Arrays are (N, C, H, W): rows (height) on axis 2, columns (width) on axis 3; "
          "the output is (N, C, H_out, W_out).")
def pool2d_h_w_swapped(x, kernel_size, stride=None, mode="max"):
    """Fills out[n, c, j, i] instead of out[n, c, i, j]."""
    stride = kernel_size if stride is None else stride
    return _pool2d(x, kernel_size, stride, mode).transpose(0, 1, 3, 2)


@_mistake("pool2d", "mode ignored (always max)",
          "Use mode: 'max' takes the largest value of each window, 'avg' their mean.")
def pool2d_always_max(x, kernel_size, stride=None, mode="max"):
    """Takes the maximum whatever mode says."""
    stride = kernel_size if stride is None else stride
    return _pool2d(x, kernel_size, stride, "max")


@_mistake("pool2d", "output dtype always float64",
          "Keep the input's float type: allocate the output with dtype=x.dtype (float32 "
          "in, float32 out, as in PyTorch).")
def pool2d_always_float64(x, kernel_size, stride=None, mode="max"):
    """Allocates with np.zeros(shape): float64 whatever x is."""
    stride = kernel_size if stride is None else stride
    return _pool2d(x, kernel_size, stride, mode).astype(np.float64)


# ---------------------------------------------------------------------------------------
# the tasks of the later assignments: every submodule registers its own
# ---------------------------------------------------------------------------------------

def _load_submodules() -> tuple:
    """Import every submodule (each registers its tasks and variants); return all tasks."""
    import importlib
    import pkgutil
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return tuple(MISTAKES)


TASKS = _load_submodules()
