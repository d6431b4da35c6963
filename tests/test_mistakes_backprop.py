"""Tests for autograder.mistakes.backprop: the wrong variants of the backpropagation assignment."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograder.checks.backprop  # noqa: F401  (registers the tasks whose cases are used here)
import autograder.mistakes.backprop as backprop
import autograder.reference as reference
from autograder.checks import cases
from autograder.checks.backprop import _identify_parts, _same_parts
from autograder.mistakes import MISTAKES, TASKS, identify, same_outcome

SIGNATURES = {
    "pool2d_backward": ["dout", "x", "kernel_size", "stride", "mode"],
    "conv2d_backward": ["dout", "x", "w", "stride", "padding"],
    "numerical_gradient": ["f", "x", "h"],
}
L2_POOL = [m for m in MISTAKES["pool2d"] if m.fn.__module__ == backprop.__name__]
ALL = [m for task in SIGNATURES for m in MISTAKES[task]] + L2_POOL


def _ids(m) -> str:
    return f"{m.task}-{m.fn.__name__}"


def _central(case):
    f, x = case.args
    return f.central(np.asarray(x, dtype=np.float64), case.kwargs.get("h", 1e-5))


# Oracles: the reference for the layers (tested against PyTorch in its own tests) and the
# closed-form central differences for numerical_gradient; the code under test is the library.
ORACLES = {
    "pool2d": lambda case: reference.pool2d(*case.args, **case.kwargs),
    "pool2d_backward": lambda case: reference.pool2d_backward(*case.args, **case.kwargs),
    "conv2d_backward": lambda case: reference.conv2d_backward(*case.args, **case.kwargs),
    "numerical_gradient": _central,
}


def _run(fn, case):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in case.args]
    kwargs = dict(case.kwargs)
    try:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs), args
    except Exception as exc:  # an exception is an outcome like any other
        return exc, args


def test_tasks_are_registered():
    """The three new tasks are in MISTAKES and TASKS, and pool2d has its L2 variants."""
    assert set(SIGNATURES) <= set(TASKS) == set(MISTAKES)
    assert all(MISTAKES[task] for task in SIGNATURES)
    assert len(L2_POOL) == 4


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_mistake_is_well_formed(mistake):
    """Each entry has a short name, a hint sentence, a docstring and the task's parameters."""
    assert 3 <= len(mistake.name) <= 60 and "\n" not in mistake.name
    assert len(mistake.hint) > 20 and mistake.hint.endswith(".")
    assert mistake.fn.__doc__
    want = SIGNATURES.get(mistake.task, ["x", "kernel_size", "stride", "mode"])
    assert list(inspect.signature(mistake.fn).parameters) == want


REQUIRED = {
    "pool2d": ["L2 pooling without the square root", "mode 'l2' computed as the average",
               "L2 pooling as a root mean square (divided by k * k)"],
    "pool2d_backward": ["max gradient to every tied maximum", "max gradient to the last maximum",
                        "max gradient to the whole window", "avg gradient not divided by k * k",
                        "overlapping windows overwrite (= instead of +=)", "stride ignored",
                        "l2 gradient not divided by the norm"],
    "conv2d_backward": ["dx with the kernel not flipped", "dw not summed over the batch",
                        "db not summed over H and W", "stride ignored",
                        "padding not cropped from dx", "x[p:-p] with p = 0"],
    "numerical_gradient": ["forward difference instead of central", "divided by h instead of 2h",
                           "mutated the input", "h ignored (fixed step)"],
}


@pytest.mark.parametrize("task", sorted(REQUIRED))
def test_library_has_the_required_mistakes(task):
    """Every mistake the assignment promises to recognise is in the library under its task."""
    assert set(REQUIRED[task]) <= {m.name for m in MISTAKES[task]}


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_every_variant_is_really_wrong(mistake):
    """Each variant disagrees with an independent oracle on some case, or (mutation) changes its input."""
    wrong = False
    for case in cases(mistake.task):
        expected = ORACLES[mistake.task](case)
        got, given = _run(mistake.fn, case)
        changed = any(isinstance(a, np.ndarray) and not np.array_equal(a, b)
                      for a, b in zip(case.args, given))
        if mistake.name == "mutated the input":
            wrong |= changed
        else:
            assert not changed, f"{mistake.fn.__name__} wrote into its input on {case.name}"
            wrong |= not _same_parts(got, expected)
    assert wrong


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_identify_names_a_variant_from_its_own_outputs(mistake):
    """Given a variant's outcomes on every case of its task, identification names that mistake."""
    observations = [(c.args, c.kwargs, _run(mistake.fn, c)[0]) for c in cases(mistake.task)]
    if mistake.task == "conv2d_backward":
        found = _identify_parts(mistake.task, observations, 0)
    else:
        found = identify(mistake.task, observations, failing=0)
    assert found is not None and found.name == mistake.name


X_TIES = np.array([[4., 4., 1., 7.],
                   [1., 2., 7., 0.]]).reshape(1, 1, 2, 4)


def test_tie_variants_on_a_hand_example():
    """With the tie [[4, 4], [1, 2]] and [[1, 7], [7, 0]]: every tie, split, last and first differ as named."""
    dout = np.array([[[[1.0, 2.0]]]])
    every = backprop.pool2d_backward_every_tie(dout, X_TIES, 2)[0, 0]
    split = backprop.pool2d_backward_split_ties(dout, X_TIES, 2)[0, 0]
    last = backprop.pool2d_backward_last_tie(dout, X_TIES, 2)[0, 0]
    first = reference.pool2d_backward(dout, X_TIES, 2)[0, 0]
    np.testing.assert_array_equal(every, [[1, 1, 0, 2], [0, 0, 2, 0]])
    np.testing.assert_array_equal(split, [[0.5, 0.5, 0, 1], [0, 0, 1, 0]])
    np.testing.assert_array_equal(last, [[0, 1, 0, 0], [0, 0, 2, 0]])
    np.testing.assert_array_equal(first, [[1, 0, 0, 2], [0, 0, 0, 0]])


def test_overwrite_differs_only_where_windows_overlap():
    """`=` instead of `+=` changes dx only on cells shared by two windows; without overlap it is right."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 1, 5, 5))
    dout = rng.standard_normal((1, 1, 3, 3))
    bad = backprop.pool2d_backward_overwrites(dout, x, 3, stride=1, mode="avg")
    good = reference.pool2d_backward(dout, x, 3, stride=1, mode="avg")
    assert not np.allclose(bad[0, 0, 2, 2], good[0, 0, 2, 2])  # the centre is in all 9 windows
    np.testing.assert_allclose(bad[0, 0, 0, 0], good[0, 0, 0, 0])  # a corner is in one
    tiles = rng.standard_normal((1, 1, 4, 4))
    d = rng.standard_normal((1, 1, 2, 2))
    np.testing.assert_allclose(backprop.pool2d_backward_overwrites(d, tiles, 2, mode="avg"),
                               reference.pool2d_backward(d, tiles, 2, mode="avg"))


def test_unflipped_dx_is_the_full_correlation_with_the_kernel_as_is():
    """The 'kernel not flipped' dx equals the full cross-correlation of dout with w (scipy's, the oracle)."""
    import scipy.signal
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((1, 1, 5, 6)), rng.standard_normal((1, 1, 2, 3))
    dout = rng.standard_normal((1, 1, 4, 4))
    dx = backprop.conv2d_backward_dx_unflipped(dout, x, w)[0]
    np.testing.assert_allclose(dx[0, 0], scipy.signal.correlate2d(dout[0, 0], w[0, 0], "full"))
    right = reference.conv2d_backward(dout, x, w)[0]
    np.testing.assert_allclose(right[0, 0], scipy.signal.convolve2d(dout[0, 0], w[0, 0], "full"))


def test_forward_difference_error_is_first_order():
    """The forward-difference variant's error halves when h halves; the central difference's falls by four."""
    f = lambda v: float(np.sum(np.sin(v)))  # noqa: E731
    x = np.array([0.3, -1.1, 2.0])
    exact = np.cos(x)
    errors = [np.max(np.abs(backprop.numerical_gradient_forward_difference(f, x, h) - exact))
              for h in (1e-2, 5e-3)]
    assert errors[1] / errors[0] == pytest.approx(0.5, rel=0.05)
    central = [np.max(np.abs(reference.numerical_gradient(f, x, h=h) - exact)) for h in (1e-2, 5e-3)]
    assert central[1] / central[0] == pytest.approx(0.25, rel=0.05)


def test_mutating_variant_leaves_x_shifted_by_minus_h():
    """numerical_gradient_mutates returns a fair gradient but leaves every element of x at x - h."""
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    backprop.numerical_gradient_mutates(lambda v: float(np.sum(v ** 2)), x, h=1e-3)
    np.testing.assert_allclose(x, before - 1e-3)


def test_l2_pool_variants_agree_with_their_formulas():
    """Each L2 variant computes the formula its name says, on one hand-checked window."""
    x = np.array([[-3.0, 4.0], [0.0, 0.0]]).reshape(1, 1, 2, 2)
    assert backprop.pool2d_l2_no_sqrt(x, 2, mode="l2").item() == 25.0
    assert backprop.pool2d_l2_rms(x, 2, mode="l2").item() == 2.5
    assert backprop.pool2d_l2_square_of_sum(x, 2, mode="l2").item() == 1.0
    assert backprop.pool2d_l2_is_avg(x, 2, mode="l2").item() == 0.25
    assert same_outcome(backprop.pool2d_l2_is_avg(x, 2, mode="max"), reference.pool2d(x, 2))
