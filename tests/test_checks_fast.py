"""Tests for autograder.checks.fast: im2col, conv2d_im2col (values and speed) and the trained CNN."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import autograder.checks.fast as fast
import autograder.reference as reference
from autograder.checks.core import cases, run_check
from autograder.checks.fast import (check_conv2d_im2col, check_conv2d_im2col_speed, check_im2col,
                                    check_train_cnn)


# Correct solutions written the plain way a student might, independent of the reference.

def im2col_windows(x, kernel_size, stride=1, padding=0):
    """One window at a time, each copied into its column."""
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, C, H, W = xp.shape
    ho, wo = (H - kh) // stride + 1, (W - kw) // stride + 1
    cols = np.zeros((N, C * kh * kw, ho * wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            cols[:, :, i * wo + j] = window.reshape(N, -1)
    return cols


def conv2d_view(x, w, b=None, stride=1, padding=0):
    """A window view and einsum: fast, no column matrix, no loop."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwuv,ocuv->nohw", windows, w)
    return out if b is None else out + b[:, None, None]


def fake_clock(student, loops):
    """Clock readings for repeats in which the student's call takes `student` s, the loops `loops` s."""
    now = 0.0
    while True:
        for step in (0.0, student, loops):
            now += step
            yield now


def _clock(student, loops):
    ticks = fake_clock(student, loops)
    return lambda: next(ticks)


@pytest.mark.parametrize("check, student", [(check_im2col, im2col_windows),
                                            (check_conv2d_im2col, conv2d_view)])
def test_plain_correct_solutions_pass(check, student, capsys):
    """A loop-over-windows im2col and a window-view conv pass every case and print one line."""
    check(student)
    assert "cases passed" in capsys.readouterr().out


@pytest.mark.parametrize("task, ref", [("im2col", "im2col"), ("conv2d_im2col", "conv2d")])
def test_reference_passes_without_the_guard(task, ref):
    """The reference itself passes its task's cases (the guard off, since it is forbidden code)."""
    run_check(task, getattr(reference, ref), forbid=False, verbose=False)


@pytest.mark.parametrize("task, needles", [
    ("im2col", ["1x1", "as large as the input", "as large as the padded input", "does not divide",
                "padding=0", "N=1, C=1", "non-square", "float32", "int64", "random"]),
    ("conv2d_im2col", ["1x1", "as large as the input", "as large as the padded input",
                       "does not divide", "padding=0", "N=1, C=1", "non-square", "no bias",
                       "float32", "random"]),
])
def test_cases_cover_the_named_edge_cases(task, needles):
    """Each check has the named edge cases, 19 in all, and fresh equal arrays on every call."""
    found = cases(task)
    names = " | ".join(c.name for c in found)
    assert len(found) == 19
    for needle in needles:
        assert needle in names, needle
    again = cases(task)
    assert all(np.array_equal(a.args[0], b.args[0]) and a.args[0] is not b.args[0]
               for a, b in zip(found, again))


def test_im2col_wrong_dtype_is_reported():
    """An im2col that returns float64 for a float32 batch fails with the dtype rule."""
    def as_float64(x, kernel_size, stride=1, padding=0):
        return im2col_windows(x, kernel_size, stride, padding).astype(np.float64)
    with pytest.raises(AssertionError, match=r"wrong dtype: expected float32, got float64 "
                                             r"\(im2col copies numbers"):
        check_im2col(as_float64)


def test_im2col_returning_a_list_is_a_type_error():
    """Returning a nested list instead of an array fails with a message asking for an array."""
    def as_list(x, kernel_size, stride=1, padding=0):
        return im2col_windows(x, kernel_size, stride, padding).tolist()
    with pytest.raises(AssertionError, match="returned a list; return a numpy array"):
        check_im2col(as_list)


def test_calling_the_reference_is_forbidden():
    """A conv2d_im2col that calls autograder.reference.conv2d fails naming the forbidden function."""
    def cheat(x, w, b=None, stride=1, padding=0):
        return reference.conv2d(x, w, b, stride=stride, padding=padding)
    with pytest.raises(AssertionError, match=r"called autograder\.reference\.conv2d"):
        check_conv2d_im2col(cheat)


def test_not_implemented_is_said_plainly():
    """The release's stub (raise NotImplementedError) is reported as not implemented yet."""
    def stub(x, kernel_size, stride=1, padding=0):
        raise NotImplementedError()
    with pytest.raises(AssertionError, match="im2col is not implemented yet"):
        check_im2col(stub)


# ----------------------------------------------------------------------------- speed

def test_speed_passes_when_the_fake_clock_says_fast(capsys):
    """With a fake clock making the loops 15 times slower, the speed check passes and prints 15."""
    check_conv2d_im2col_speed(conv2d_view, repeats=1, clock=_clock(0.002, 0.030))
    assert capsys.readouterr().out.strip() == (
        "check_conv2d_im2col_speed: 15 times faster than the loop version (at least 5 needed)")


def test_speed_fails_when_the_fake_clock_says_slow():
    """With a fake clock making the loops only 3 times slower, the check fails with both times and a hint."""
    with pytest.raises(AssertionError) as info:
        check_conv2d_im2col_speed(conv2d_view, repeats=1, clock=_clock(0.010, 0.030))
    text = str(info.value)
    assert "only 3.0 times faster" in text and "10.0 ms against 30.0 ms" in text
    assert "at least 5 times faster" in text and "one matrix product" in text


def test_speed_uses_the_median_of_interleaved_runs():
    """One slow student run out of three does not move the verdict: the medians are compared."""
    readings = iter([0.0, 1.0, 1.03,          # an outlier: 1 s for the student
                     2.0, 2.002, 2.032,
                     3.0, 3.002, 3.032])
    check_conv2d_im2col_speed(conv2d_view, repeats=3, clock=lambda: next(readings))


def test_speed_reads_the_clock_three_times_per_repeat():
    """The clock is read before the student's call, between the calls and after the loop call."""
    reads = []
    ticks = fake_clock(0.001, 0.1)

    def clock():
        reads.append(1)
        return next(ticks)
    check_conv2d_im2col_speed(conv2d_view, repeats=2, clock=clock)
    assert len(reads) == 6


def test_speed_refuses_wrong_values_before_timing():
    """A fast but wrong conv fails the speed check on its values, and the clock is never read."""
    def no_bias(x, w, b=None, stride=1, padding=0):
        return conv2d_view(x, w, None, stride, padding)

    def clock():
        raise AssertionError("the clock must not be read")
    with pytest.raises(AssertionError, match="must be right on the timing input"):
        check_conv2d_im2col_speed(no_bias, clock=clock)


@pytest.mark.parametrize("kwargs, error", [
    ({"factor": 0}, ValueError), ({"factor": "5"}, TypeError), ({"repeats": 0}, ValueError),
    ({"repeats": 2.0}, TypeError), ({"clock": 3.0}, TypeError)])
def test_speed_check_refuses_bad_settings(kwargs, error):
    """Bad settings of the speed check raise TypeError or ValueError naming the setting."""
    with pytest.raises(error, match=next(iter(kwargs))):
        check_conv2d_im2col_speed(conv2d_view, **kwargs)


def test_speed_check_refuses_a_clock_going_backwards():
    """A clock that goes backwards is a ValueError, not a verdict."""
    readings = iter([1.0, 0.5, 0.6])
    with pytest.raises(ValueError, match="clock went backwards"):
        check_conv2d_im2col_speed(conv2d_view, repeats=1, clock=lambda: next(readings))


def test_speed_input_is_many_small_windows():
    """The timing input has about 25 thousand windows of 9 numbers: the loops pay per window."""
    x, w, b = fast._speed_input()
    assert x.shape == (1, 1, 160, 160) and w.shape == (2, 1, 3, 3) and b.shape == (2,)


# ----------------------------------------------------------------------------- train_cnn

def _halves(n, seed):
    """Images whose label says which half (top or bottom) holds more ink: an easy task."""
    gen = np.random.default_rng(seed)
    x = gen.random((n, 1, 8, 8)).astype(np.float32)
    y = (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(np.int64)
    return x, y


DATA = _halves(40, 0) + _halves(30, 1)


def train_ok(x_train, y_train, seed=0):
    return [np.zeros(2), np.ones(1)]


def predict_right(params, x):
    return (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(np.int64)


def test_train_cnn_passes_an_accurate_model(capsys):
    """A model that classifies every test image right passes and prints its accuracy."""
    check_train_cnn(train_ok, predict_right, data=DATA)
    assert capsys.readouterr().out.strip() == (
        "check_train_cnn: 30 of 30 test images right (100.0 %, at least 90 % needed)")


def test_train_cnn_low_accuracy_fails_with_the_count():
    """Predicting class 0 for everything fails with how many images were right and the bar."""
    def predict_zero(params, x):
        return np.zeros(len(x), dtype=np.int64)
    right = int((DATA[3] == 0).sum())
    with pytest.raises(AssertionError, match=rf"{right} of 30 test images are classified right"):
        check_train_cnn(train_ok, predict_zero, data=DATA)


def test_train_cnn_too_slow_by_the_fake_clock():
    """Training that takes 12 s by the clock fails the 10 s limit, whatever the accuracy."""
    readings = iter([0.0, 12.0])
    with pytest.raises(AssertionError, match=r"took 12\.0 s; it must finish within 10 s"):
        check_train_cnn(train_ok, predict_right, data=DATA, clock=lambda: next(readings))


@pytest.mark.parametrize("returned, message", [
    ({"w": np.zeros(2)}, "return the trained parameters as a list"),
    (np.zeros(3), "return the trained parameters as a list"),
    ([np.zeros(2), "weights"], "return the trained parameters as a list"),
    (None, "returned None"),
])
def test_train_cnn_must_return_a_list_of_arrays(returned, message):
    """Parameters that cannot cross to the sandboxed code (a dict, a string) or None are refused."""
    with pytest.raises(AssertionError, match=message):
        check_train_cnn(lambda x, y, seed=0: returned, predict_right, data=DATA)


@pytest.mark.parametrize("predict, message", [
    (lambda p, x: predict_right(p, x).astype(float), "return integer labels"),
    (lambda p, x: predict_right(p, x)[:, None], r"returned shape \(30, 1\)"),
    (lambda p, x: predict_right(p, x).tolist(), "return a numpy array of 30 integer labels"),
])
def test_predict_cnn_must_return_integer_labels(predict, message):
    """Scores, a column or a list instead of an int array of labels fail with what to return."""
    with pytest.raises(AssertionError, match=message):
        check_train_cnn(train_ok, predict, data=DATA)


def test_train_cnn_exceptions_are_reported():
    """A stub is 'not implemented yet'; another exception is shown with its type and message."""
    def stub(x, y, seed=0):
        raise NotImplementedError()

    def broken(x, y, seed=0):
        raise ValueError("shapes do not match")
    with pytest.raises(AssertionError, match="train_cnn is not implemented yet"):
        check_train_cnn(stub, predict_right, data=DATA)
    with pytest.raises(AssertionError, match="raised ValueError: shapes do not match"):
        check_train_cnn(broken, predict_right, data=DATA)


def test_train_cnn_forbids_the_reference():
    """A training function that calls autograder.reference fails naming the function."""
    def train(x, y, seed=0):
        reference.conv2d(x[:2], np.ones((1, 1, 3, 3)))
        return [np.zeros(1)]
    with pytest.raises(AssertionError, match=r"called autograder\.reference\.conv2d"):
        check_train_cnn(train, predict_right, data=DATA)


def test_train_cnn_passes_the_seed_and_copies():
    """train_cnn receives seed= and copies of the data (changing them does not change the labels graded)."""
    seen = {}

    def train(x, y, seed=0):
        seen["seed"] = seed
        y[:] = 0
        return [np.zeros(1)]
    check_train_cnn(train, predict_right, data=DATA, seed=7)
    assert seen["seed"] == 7 and DATA[1].any()


def test_default_data_is_another_split_of_the_digits():
    """The grader's digits split is not the shipped seed-0 split, and has 1347 + 450 images."""
    x_train, y_train, x_test, y_test = fast._digits_split()
    assert x_train.shape == (1347, 1, 8, 8) and x_test.shape == (450, 1, 8, 8)
    assert fast.SPLIT_SEED != 0
