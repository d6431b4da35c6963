"""Tests for autograder.mistakes: the library of named wrong implementations and identify()."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import autograder.checks  # noqa: F401  (registers the tasks whose cases are used here)
import autograder.reference as reference
from autograder import mistakes
from autograder.checks import cases
from autograder.mistakes import MISTAKES, TASKS, Mistake, identify, same_outcome, tolerance

SIGNATURES = {
    "correlate2d": ["in1", "in2", "mode"],
    "convolve2d": ["in1", "in2", "mode"],
    "pad2d": ["x", "padding"],
    "conv_output_size": ["input_size", "kernel_size", "stride", "padding", "dilation"],
    "conv2d": ["x", "w", "b", "stride", "padding", "dilation"],
    "pool2d": ["x", "kernel_size", "stride", "mode"],
}

# Independent oracles: scipy for the signal level, the reference for the layers (the
# code under test here is the library of mistakes, not the reference).
ORACLES = {
    "correlate2d": scipy.signal.correlate2d,
    "convolve2d": scipy.signal.convolve2d,
    "pad2d": reference.pad2d,
    "conv_output_size": reference.conv_output_size,
    "conv2d": reference.conv2d,
    "pool2d": reference.pool2d,
}

ALL = [m for task in SIGNATURES for m in MISTAKES[task]]


def _ids(m: Mistake) -> str:
    return f"{m.task}-{m.fn.__name__}"


def _run(fn, case):
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in case.args]
    kwargs = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in case.kwargs.items()}
    try:
        return fn(*args, **kwargs), args
    except Exception as exc:  # an exception is an outcome like any other
        return exc, args


def test_registry_has_every_task():
    """MISTAKES has one non-empty list per graded task; the six tasks tested here are among them."""
    assert set(SIGNATURES) <= set(MISTAKES) == set(TASKS)
    assert all(MISTAKES[task] for task in TASKS)


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_mistake_is_well_formed(mistake):
    """Each entry has its task, a short name, a hint sentence and a function with the task's parameters."""
    assert mistake in MISTAKES[mistake.task]
    assert 3 <= len(mistake.name) <= 60 and "\n" not in mistake.name
    assert len(mistake.hint) > 20 and mistake.hint.endswith(".")
    params = list(inspect.signature(mistake.fn).parameters)
    assert params == SIGNATURES[mistake.task]
    assert mistake.fn.__doc__


REQUIRED = {
    "convolve2d": ["forgot the flip", "flipped only one axis", "transposed the kernel instead of flipping",
                   "valid output one too small", "valid output one too large",
                   "'same' window off by one for even kernels", "mode ignored (always full)",
                   "mode ignored (always valid)", "H and W swapped", "mutated the input",
                   "integer overflow", "x[p:-p] with p = 0"],
    "correlate2d": ["flipped when correlating", "flipped only one axis", "valid output one too small",
                    "valid output one too large", "'same' window off by one for even kernels",
                    "mode ignored (always full)", "mode ignored (always valid)", "H and W swapped",
                    "mutated the input", "integer overflow", "x[p:-p] with p = 0"],
    "pad2d": ["padding ignored", "padding on the wrong axis (only H)", "padding on the wrong axis (only W)",
              "channels-last (treats x as NHWC)", "H and W swapped", "x[p:-p] with p = 0"],
    "conv_output_size": ["floor instead of an error (stride does not divide)",
                         "ceil instead of an error (stride does not divide)",
                         "no error when the kernel does not fit", "dilation ignored",
                         "padding ignored", "stride ignored"],
    "conv2d": ["padding ignored", "padding on the wrong axis (only H)", "stride ignored", "bias ignored",
               "channels-last (treats x as NHWC)", "dilation ignored", "H and W swapped",
               "x[p:-p] with p = 0", "flipped the kernel"],
    "pool2d": ["max vs avg confused", "pool stride defaults to 1 instead of kernel_size",
               "channels-last (treats x as NHWC)", "stride ignored"],
}


@pytest.mark.parametrize("task", sorted(REQUIRED))
def test_library_has_the_required_mistakes(task):
    """Every mistake the course promises to recognise is in the library under its task."""
    names = {m.name for m in MISTAKES[task]}
    assert set(REQUIRED[task]) <= names


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_every_variant_is_really_wrong(mistake):
    """Each variant disagrees with an independent oracle on some case, or (the mutation mistakes) changes its input."""
    oracle = ORACLES[mistake.task]
    wrong = False
    for case in cases(mistake.task):
        expected, _ = _run(oracle, case)
        got, given_args = _run(mistake.fn, case)
        changed = any(isinstance(a, np.ndarray) and not np.array_equal(a, b)
                      for a, b in zip(case.args, given_args))
        if mistake.name == "mutated the input":
            assert same_outcome(got, expected) or isinstance(expected, Exception)
            wrong |= changed
        else:
            assert not changed, f"{mistake.fn.__name__} wrote into its input on {case.name}"
            if isinstance(expected, Exception):
                wrong |= not isinstance(got, type(expected))
            else:
                wrong |= not same_outcome(got, expected)
    assert wrong


@pytest.mark.parametrize("mistake", ALL, ids=_ids)
def test_identify_names_a_variant_from_its_own_outputs(mistake):
    """Given a variant's outcomes on every case of its task, identify() names that mistake."""
    observations = [(c.args, c.kwargs, _run(mistake.fn, c)[0]) for c in cases(mistake.task)]
    found = identify(mistake.task, observations, failing=0)
    assert found is not None and found.name == mistake.name


def test_identify_returns_none_when_no_variant_matches():
    """An output that no known mistake produces is not given a name."""
    case = cases("convolve2d")[0]
    odd = scipy.signal.convolve2d(*case.args, **case.kwargs) * 3.0
    assert identify("convolve2d", [(case.args, case.kwargs, odd)]) is None


def test_identify_falls_back_to_the_cases_up_to_the_failure():
    """A student with a second, unknown mistake later on is still named from the cases up to the first failure."""
    first, second = cases("convolve2d")[:2]
    flip = mistakes.forgot_the_flip
    observations = [(first.args, first.kwargs, flip(*first.args, **first.kwargs)),
                    (second.args, second.kwargs, np.zeros(3))]
    assert identify("convolve2d", observations, failing=0).name == "forgot the flip"
    assert identify("convolve2d", observations, failing=1) is None


def test_identify_prefers_the_earlier_entry_when_several_match():
    """With a kernel whose row flip equals its column flip, both one-axis variants match and the first listed wins."""
    in1 = np.arange(20.0).reshape(4, 5)
    in2 = np.array([[1.0, 2.0], [2.0, 1.0]])
    got = mistakes.convolve2d_flips_columns_only(in1, in2, mode="full")
    matching = [m for m in MISTAKES["convolve2d"]
                if same_outcome(m.fn(in1.copy(), in2.copy(), mode="full"), got)]
    assert len(matching) >= 2
    assert identify("convolve2d", [((in1, in2), {"mode": "full"}, got)]) is matching[0]


def test_identify_matches_expected_refusals_by_type_on_passed_cases():
    """On a case the student passed by raising ValueError, a variant raising ValueError with another message still agrees."""
    refused = next(c for c in cases("conv_output_size") if "kernel larger" in c.name)
    plain = cases("conv_output_size")[0]
    observations = [(refused.args, refused.kwargs, ValueError("my own words"), True),
                    (plain.args, plain.kwargs, 3.0)]
    assert identify("conv_output_size", observations, failing=1).name == "true division (returns a float)"


def test_identify_rejects_bad_arguments():
    """Unknown tasks and out-of-range failing indices raise ValueError naming the parameter."""
    with pytest.raises(ValueError, match="task must be one of"):
        identify("conv3d", [((), {}, None)])
    with pytest.raises(ValueError, match="failing must index"):
        identify("pad2d", [((), {}, None)], failing=3)


def test_same_outcome_rules():
    """Arrays need equal shape and dtype and close values; exceptions equal type and message; numbers their kind."""
    a = np.arange(4.0)
    assert same_outcome(a, a + 1e-9)
    assert not same_outcome(a, a + 1e-2)
    assert not same_outcome(a, a.astype(np.float32))
    assert not same_outcome(a, a.reshape(2, 2))
    assert not same_outcome(a, a.tolist())
    assert same_outcome(ValueError("x"), ValueError("x"))
    assert not same_outcome(ValueError("x"), ValueError("y"))
    assert not same_outcome(ValueError("x"), TypeError("x"))
    assert same_outcome(np.int64(4), 4) and not same_outcome(4, 4.0)
    assert same_outcome(None, None) and not same_outcome(None, 0)


def test_tolerance_per_dtype():
    """Integers compare exactly; float32 is looser than float64; atol grows with the values' scale."""
    assert tolerance(np.uint8) == (0.0, 0.0)
    r32, a32 = tolerance(np.float32)
    r64, a64 = tolerance(np.float64)
    assert r32 > r64 > 0 and a32 > a64 > 0
    assert tolerance(np.float64, 1000.0)[1] == pytest.approx(1000 * a64)


@given(H=st.integers(1, 7), W=st.integers(1, 7), kh=st.integers(1, 7), kw=st.integers(1, 7),
       mode=st.sampled_from(["full", "same", "valid"]), seed=st.integers(0, 2**16))
def test_student_style_building_blocks_match_scipy(H, W, kh, kw, mode, seed):
    """The correct helpers every signal variant is built from equal scipy.signal, so each variant differs only by its own mistake."""
    kh, kw = min(kh, H), min(kw, W)
    rng = np.random.default_rng(seed)
    in1, in2 = rng.standard_normal((H, W)), rng.standard_normal((kh, kw))
    np.testing.assert_allclose(mistakes._correlate(in1, in2, mode),
                               scipy.signal.correlate2d(in1, in2, mode), atol=1e-12)
    np.testing.assert_allclose(mistakes._convolve(in1, in2, mode),
                               scipy.signal.convolve2d(in1, in2, mode), atol=1e-12)


def test_register_task_refuses_a_second_registration_and_bad_names():
    """A task can be registered once only, under a function name; MISTAKES is unchanged by the refusals."""
    from autograder.mistakes import register_task
    before = dict(MISTAKES)
    with pytest.raises(ValueError, match="already registered"):
        register_task("conv2d")
    with pytest.raises(ValueError, match="function name"):
        register_task("not a name")
    assert MISTAKES == before


def test_tasks_lists_every_registered_task_in_order():
    """TASKS starts with the six tasks of the first assignments and names every list in MISTAKES."""
    assert TASKS[:6] == ("correlate2d", "convolve2d", "pad2d", "conv_output_size", "conv2d",
                         "pool2d")
    assert TASKS == tuple(MISTAKES)
