"""autograder.timing.measure: counts its calls, reports what a (fake) clock measured, refuses bad arguments.

No test looks at real durations: the clock is injected, so every expected number below is
worked out by hand from the ticks the fake clock returns.
"""

from __future__ import annotations

import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.timing import Timing, measure


class FakeClock:
    """A clock that returns the given ticks in order and counts how often it was read."""

    def __init__(self, ticks):
        self.ticks = list(ticks)
        self.reads = 0

    def __call__(self):
        value = self.ticks[self.reads]
        self.reads += 1
        return value


def _ticks(durations, gap=1.0):
    """Start/end readings for consecutive samples lasting ``durations`` seconds."""
    ticks, now = [], 0.0
    for d in durations:
        ticks += [now, now + d]
        now += d + gap
    return ticks


class Counter:
    def __init__(self):
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        return "ignored"


@pytest.mark.parametrize("repeats, number, warmup", [
    (1, 1, 0),      # the smallest measurement
    (5, 1, 1),      # the defaults
    (3, 4, 2),      # several calls per sample
    (2, 1, 0),      # an even number of samples
])
def test_calls_fn_warmup_plus_repeats_times_number_with_the_same_args(repeats, number, warmup):
    """fn runs warmup + repeats * number times with the given arguments, and the clock is read twice per sample."""
    fn, clock = Counter(), FakeClock(_ticks([0.25] * repeats))
    measure(fn, 1, "two", repeats=repeats, number=number, warmup=warmup, clock=clock)
    assert fn.calls == [(1, "two")] * (warmup + repeats * number)
    assert clock.reads == 2 * repeats


def test_warmup_calls_happen_before_the_clock_is_read():
    """The warm-up calls are not timed: the clock is first read after all of them."""
    events = []
    ticks = iter(_ticks([1.0, 1.0]))

    def clock():
        events.append("tick")
        return next(ticks)

    measure(lambda: events.append("call"), repeats=2, warmup=3, clock=clock)
    assert events == ["call"] * 3 + ["tick", "call", "tick"] * 2


def test_returns_the_samples_the_fake_clock_measured_and_their_median():
    """Samples are the clock differences in order, and median is the middle one (0.5, 0.2, 0.4 -> 0.4)."""
    result = measure(len, [1], repeats=3, warmup=0, clock=FakeClock([0.0, 0.5, 1.0, 1.2, 2.0, 2.4]))
    assert isinstance(result, Timing)
    assert result.samples == pytest.approx((0.5, 0.2, 0.4))
    assert result.median == pytest.approx(0.4)
    assert result.number == 1


def test_each_sample_is_divided_by_number():
    """With number=4 calls per sample, a sample lasting 2 s is reported as 0.5 s per call."""
    result = measure(len, [1], repeats=2, number=4, clock=FakeClock([10.0, 12.0, 20.0, 21.0]))
    assert result.samples == pytest.approx((0.5, 0.25))
    assert result.median == pytest.approx(0.375)   # the mean of the two middle samples
    assert result.number == 4


def test_one_slow_outlier_does_not_move_the_median():
    """One sample 1000 times slower than the rest leaves the median at the typical value."""
    result = measure(len, [1], repeats=5, clock=FakeClock(_ticks([1.0, 1.0, 1000.0, 1.0, 1.0])))
    assert result.median == pytest.approx(1.0)
    assert max(result.samples) == pytest.approx(1000.0)


@given(st.lists(st.floats(0.0, 1e3, allow_nan=False), min_size=1, max_size=9),
       st.integers(1, 5))
def test_median_matches_the_statistics_module_over_random_durations(durations, number):
    """For any durations the fake clock produces, samples are durations / number and the median is statistics.median of them."""
    result = measure(len, [1], repeats=len(durations), number=number, warmup=0,
                     clock=FakeClock(_ticks(durations)))
    expected = [d / number for d in durations]
    assert result.samples == pytest.approx(expected)
    assert result.median == pytest.approx(statistics.median(expected))


def test_numpy_and_integer_clock_readings_are_accepted():
    """A clock returning ints or numpy floats (e.g. time.perf_counter_ns-like counters) works."""
    result = measure(len, [1], repeats=2, clock=FakeClock([0, 3, np.float64(5), np.float64(6)]))
    assert result.samples == pytest.approx((3.0, 1.0))
    assert all(isinstance(s, float) for s in result.samples)


def test_the_real_clock_gives_non_negative_samples():
    """With the default clock the result has one non-negative sample per repeat (no value is asserted)."""
    result = measure(sorted, [3, 1, 2], repeats=3, number=2)
    assert len(result.samples) == 3 and result.number == 2
    assert all(s >= 0 for s in result.samples)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"repeats": 0}, ValueError, r"repeats must be >= 1, got 0"),
    ({"repeats": 2.5}, TypeError, r"repeats must be an int, got 2.5"),
    ({"repeats": True}, TypeError, r"repeats must be an int"),
    ({"number": 0}, ValueError, r"number must be >= 1, got 0"),
    ({"number": "3"}, TypeError, r"number must be an int, got '3'"),
    ({"warmup": -1}, ValueError, r"warmup must be >= 0, got -1"),
    ({"clock": 0.0}, TypeError, r"clock must be callable"),
])
def test_bad_settings_are_refused_with_the_parameters_name(kwargs, error, match):
    """A count out of range or of the wrong type, or a clock that is not callable, raises naming the parameter and value."""
    fn = Counter()
    with pytest.raises(error, match=match):
        measure(fn, **kwargs)
    assert fn.calls == []  # refused before anything ran


def test_fn_must_be_callable():
    """Passing the result of a call instead of the function raises TypeError naming fn."""
    with pytest.raises(TypeError, match=r"fn must be callable, got 3"):
        measure(3)


@pytest.mark.parametrize("ticks, error, match", [
    ([5.0, 4.0], ValueError, r"clock went backwards"),
    ([0.0, float("nan")], ValueError, r"clock went backwards \(or returned NaN\)"),
    ([0.0, float("inf")], ValueError, r"finite number of seconds, got inf"),
    ([0.0, "later"], TypeError, r"clock must return a number of seconds, got 'later'"),
    ([None, 1.0], TypeError, r"got None"),
    ([False, True], TypeError, r"got False"),
])
def test_a_broken_clock_is_reported(ticks, error, match):
    """A clock that runs backwards, returns NaN, infinity or a non-number raises instead of producing a time."""
    with pytest.raises(error, match=match):
        measure(len, [1], repeats=1, warmup=0, clock=FakeClock(ticks))


def test_an_exception_from_fn_propagates():
    """measure does not swallow fn's errors: a failing function fails the measurement."""
    with pytest.raises(ZeroDivisionError):
        measure(lambda: 1 / 0, warmup=0, clock=FakeClock([0.0, 1.0]))
