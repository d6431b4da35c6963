"""Argument checking shared by every public function of the package.

Every public function validates its arguments through these helpers so that a bad
argument always produces the same kind of message: the parameter's name, the value
that was given, and what is allowed.  ``TypeError`` is raised for a value of the wrong
kind, ``ValueError`` for a value of the right kind that is out of range.
"""

from __future__ import annotations

import numbers
from typing import Iterable, Sequence

import numpy as np

__all__ = [
    "as_array",
    "as_int",
    "as_pair",
    "check_choice",
    "layer_dtype",
]


def _describe(value) -> str:
    """Short, safe description of a value for an error message."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} (type {type(value).__name__})"


def as_array(value, name: str, *, ndim: int | Sequence[int] | None = None,
             kinds: str = "biuf", shape_hint: str | None = None) -> np.ndarray:
    """Convert ``value`` to an ndarray and check its dimensionality and dtype kind.

    Parameters
    ----------
    value : array_like
        The argument to check.
    name : str
        The parameter's name, used in messages.
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    kinds : str
        Allowed ``dtype.kind`` letters (``b`` bool, ``i`` signed, ``u`` unsigned,
        ``f`` floating, ``c`` complex).
    shape_hint : str, optional
        How the shape is laid out, e.g. ``"(N, C_in, H, W)"``, quoted in messages.

    Returns
    -------
    numpy.ndarray
        ``value`` as an array (not copied when it already is one).

    Raises
    ------
    TypeError
        If ``value`` cannot be read as a numeric array or has a dtype kind not allowed.
    ValueError
        If the number of dimensions is not allowed.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a numeric array, got {_describe(value)}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array, got {_describe(value)}: {exc}") from None
    if arr.dtype.kind not in kinds:
        allowed = {"b": "bool", "i": "int", "u": "unsigned int", "f": "float", "c": "complex"}
        names = ", ".join(allowed[k] for k in kinds if k in allowed)
        raise TypeError(f"{name} must have a numeric dtype ({names}), got dtype {arr.dtype}")
    if ndim is not None:
        allowed_ndim = (ndim,) if isinstance(ndim, numbers.Integral) else tuple(ndim)
        if arr.ndim not in allowed_ndim:
            want = " or ".join(str(n) for n in allowed_ndim)
            layout = f" laid out as {shape_hint}" if shape_hint else ""
            raise ValueError(
                f"{name} must be a {want}-D array{layout}, got shape {arr.shape} ({arr.ndim}-D)")
    return arr


def as_int(value, name: str, *, minimum: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool) and at least ``minimum``.

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is below ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def as_pair(value, name: str, *, minimum: int | None = None) -> tuple[int, int]:
    """Read an int or a pair of ints as ``(height, width)``.

    Parameters
    ----------
    value : int or pair of int
        One value for both axes, or ``(value_h, value_w)``.
    name : str
        The parameter's name, used in messages.
    minimum : int, optional
        The smallest allowed value on each axis.

    Returns
    -------
    tuple of int
        ``(value_h, value_w)``.

    Raises
    ------
    TypeError
        If ``value`` is neither an int nor a pair of ints.
    ValueError
        If a pair has the wrong length or a value is below ``minimum``.

    Examples
    --------
    >>> as_pair(3, "stride")
    (3, 3)
    >>> as_pair((1, 2), "stride")
    (1, 2)
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list, np.ndarray)):
        items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
        if len(items) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w), got {_describe(value)}")
        for item in items:
            if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
                raise TypeError(f"{name} must be an int or a pair of ints, got {_describe(value)}")
        pair = (int(items[0]), int(items[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {_describe(value)}")
    if minimum is not None and min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum} on each axis, got {value!r}")
    return pair


def check_choice(value, name: str, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of ``choices``; the error lists them all.

    Examples
    --------
    >>> check_choice("same", "mode", ("full", "same", "valid"))
    'same'
    """
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def layer_dtype(*arrays: np.ndarray) -> np.dtype:
    """The floating dtype a layer computes in: floats keep their precision, ints become float64.

    The usual numpy promotion picks the dtype when any input is floating (float32 with
    float32 stays float32; float32 with int64 is float64).  Integer and bool inputs with no
    float among them compute in float64.  float16 is raised to float32, whose rounding the
    checks can tolerate.  Complex inputs are refused: the layers are real-valued, like
    PyTorch's.

    Examples
    --------
    >>> layer_dtype(np.zeros(2, np.float32), np.zeros(2, np.float32))
    dtype('float32')
    >>> layer_dtype(np.zeros(2, np.int64), np.zeros(2, np.float32))
    dtype('float64')
    >>> layer_dtype(np.zeros(2, np.int8), np.zeros(2, np.uint8))
    dtype('float64')
    """
    dtype = np.result_type(*arrays)
    if dtype.kind == "c":
        raise TypeError(f"complex arrays are not supported by the layers, got dtype {dtype}")
    if dtype.kind != "f":
        return np.dtype(np.float64)
    if dtype.itemsize < 4:
        return np.dtype(np.float32)
    return dtype
