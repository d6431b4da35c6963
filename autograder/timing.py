"""Measure how long a function takes: the median over a few repeats.

One timing of a fast function is noisy: the first call pays for caches and lazy imports,
and any repeat can be slowed down by whatever else the machine is doing.  :func:`measure`
therefore calls the function once or more before timing it (the warm-up), then times
``repeats`` runs of ``number`` calls each and reports the **median** time per call, which
one slow outlier cannot move much.  The lectures use it to compare ways of computing a
convolution; the tests never assert on the times it returns.
"""

from __future__ import annotations

import math
import numbers
import statistics
import time
from typing import Callable, NamedTuple

import numpy as np

from autograder._validation import as_int

__all__ = ["Timing", "measure"]


class Timing(NamedTuple):
    """What :func:`measure` found.

    Attributes
    ----------
    median : float
        Median over the repeats of the seconds per call.
    samples : tuple of float
        Seconds per call in each repeat, in the order they were measured.
    number : int
        Calls timed together in each repeat (each sample is their total divided by it).
    """

    median: float
    samples: tuple
    number: int


def measure(fn: Callable, *args, repeats: int = 5, number: int = 1, warmup: int = 1,
            clock: Callable[[], float] = time.perf_counter) -> Timing:
    """Time ``fn(*args)``: the median over ``repeats`` runs of the seconds per call.

    Parameters
    ----------
    fn : callable
        The function to time.  Keyword arguments are not passed through: wrap them in a
        ``lambda`` or :func:`functools.partial`.
    *args
        Positional arguments for ``fn``, the same in every call.
    repeats : int, default 5
        How many samples to take, at least 1.  The median of an odd number of samples is
        one of them.
    number : int, default 1
        Calls per sample, at least 1; raise it for a function so fast that one call is
        close to the clock's resolution.
    warmup : int, default 1
        Untimed calls made first, at least 0 (the first call of a numpy function often
        pays for allocations and caches that later calls reuse).
    clock : callable, default time.perf_counter
        Returns the current time in seconds; read once before and once after each
        sample.  Tests pass a fake clock.

    Returns
    -------
    Timing
        ``(median, samples, number)``: the median seconds per call, the ``repeats``
        samples (seconds per call each), and ``number``.  ``fn`` was called
        ``warmup + repeats * number`` times; its return values are discarded.

    Raises
    ------
    TypeError
        If ``fn`` or ``clock`` is not callable, a count is not an int, or the clock
        returns something that is not a real number.
    ValueError
        If ``repeats`` or ``number`` is below 1, ``warmup`` below 0, or the clock goes
        backwards, returns NaN or returns infinity.

    See Also
    --------
    timeit.Timer.repeat : The standard library's equivalent; it returns every repeat's
        total and leaves the summary to the caller.

    Notes
    -----
    Sample :math:`r` is :math:`s_r = (t^{\\mathrm{end}}_r - t^{\\mathrm{start}}_r) /
    \\mathrm{number}`, and the result is :math:`\\operatorname{median}(s_1, \\dots,
    s_R)`.  The median, not the mean or the minimum: one repeat slowed down by another
    process changes the mean a lot and the median hardly at all, while the minimum
    rewards a lucky run the function will rarely see again.

    Examples
    --------
    With a fake clock the result is exact: samples last 0.5, 0.2 and 0.4 seconds.

    >>> ticks = iter([0.0, 0.5, 1.0, 1.2, 2.0, 2.4])
    >>> result = measure(print, "hi", repeats=3, warmup=0, clock=lambda: next(ticks))
    hi
    hi
    hi
    >>> result.median, result.samples, result.number
    (0.4, (0.5, 0.2, 0.4), 1)

    With the real clock, only the shape of the result is predictable:

    >>> timing = measure(sorted, [3, 1, 2], repeats=3, number=10)
    >>> len(timing.samples), timing.number, timing.median >= 0
    (3, 10, True)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {fn!r} (type {type(fn).__name__})")
    if not callable(clock):
        raise TypeError(f"clock must be callable and return seconds, got {clock!r} "
                        f"(type {type(clock).__name__})")
    repeats = as_int(repeats, "repeats", minimum=1)
    number = as_int(number, "number", minimum=1)
    warmup = as_int(warmup, "warmup", minimum=0)

    for _ in range(warmup):
        fn(*args)
    samples = []
    for _ in range(repeats):
        start = _read(clock)
        for _ in range(number):
            fn(*args)
        elapsed = _read(clock) - start
        if not elapsed >= 0:  # also catches NaN
            raise ValueError(f"clock went backwards (or returned NaN) during a sample: "
                             f"elapsed {elapsed!r} seconds; pass a monotonic clock such as "
                             f"time.perf_counter")
        samples.append(elapsed / number)
    return Timing(statistics.median(samples), tuple(samples), number)


def _read(clock) -> float:
    """One reading of ``clock`` as a float; a non-number is a TypeError."""
    value = clock()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"clock must return a number of seconds, got {value!r} "
                        f"(type {type(value).__name__})")
    value = float(value)
    if math.isinf(value):
        raise ValueError(f"clock must return a finite number of seconds, got {value!r}")
    return value
