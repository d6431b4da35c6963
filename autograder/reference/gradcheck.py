"""Numerical gradients by central differences, the oracle for every backward pass."""

from __future__ import annotations

from typing import Callable

import numpy as np

from autograder._validation import as_array

__all__ = ["numerical_gradient"]


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray], x, dout=None, h: float = 1e-5):
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``, by central differences.

    Each element of ``x`` is nudged by ``+h`` and ``-h`` in turn and ``f`` is evaluated
    twice; ``x`` is restored afterwards, so the caller's array is unchanged.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to an array (or a scalar).
    x : array_like of float
        The point at which to differentiate; any shape.  Computed in float64.
    dout : array_like, optional
        Upstream gradient, shaped like ``f(x)``.  Omitted for a scalar ``f``
        (equivalently, ones).
    h : float, default 1e-5
        Step size.

    Returns
    -------
    numpy.ndarray of float64
        Shaped like ``x``: ``d sum(f(x) * dout) / dx``.

    Raises
    ------
    TypeError
        If ``f`` is not callable or ``x`` is not numeric.
    ValueError
        If ``h`` is not positive or ``dout``'s shape differs from ``f(x)``'s.

    See Also
    --------
    torch.autograd.gradcheck : PyTorch's gradient checker.

    Notes
    -----
    With :math:`L(x) = \\sum_k f_k(x)\\,\\mathrm{dout}_k`,

    .. math:: \\frac{\\partial L}{\\partial x_i} \\approx
              \\frac{L(x + h e_i) - L(x - h e_i)}{2h},

    whose error is :math:`O(h^2)`.  Use float64 inputs: in float32 the rounding error
    of :math:`L` divided by :math:`2h` swamps the result.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> np.round(numerical_gradient(lambda v: (v ** 2).sum(), x), 6)
    array([2., 4., 6.])
    >>> np.round(numerical_gradient(lambda v: 3 * v, x, dout=np.array([1.0, 0.0, -1.0])), 6)
    array([ 3.,  0., -3.])
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, (int, float, np.integer, np.floating)):
        raise TypeError(f"h must be a positive float, got {h!r} (type {type(h).__name__})")
    if not h > 0:
        raise ValueError(f"h must be a positive float, got {h!r}")
    x = as_array(x, "x", kinds="biuf").astype(np.float64)  # a float64 copy: the caller's x is never touched
    out0 = np.asarray(f(x.copy()), dtype=np.float64)
    if dout is None:
        weights = np.ones_like(out0)
    else:
        weights = as_array(dout, "dout", kinds="biuf").astype(np.float64)
        if weights.shape != out0.shape:
            raise ValueError(f"dout must have the shape of f(x), {out0.shape}, got {weights.shape}")
    grad = np.zeros_like(x)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        plus = float(np.sum(np.asarray(f(x.copy()), dtype=np.float64) * weights))
        flat_x[i] = old - h
        minus = float(np.sum(np.asarray(f(x.copy()), dtype=np.float64) * weights))
        flat_x[i] = old
        flat_g[i] = (plus - minus) / (2.0 * h)
    return grad
