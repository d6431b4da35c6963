"""Tests for autograder.checks.signal: check_correlate2d and check_convolve2d."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import autograder.reference as reference
from autograder.checks import cases, check_convolve2d, check_correlate2d
from autograder.checks.core import run_check
from autograder.mistakes import MISTAKES

CHECKS = {"correlate2d": check_correlate2d, "convolve2d": check_convolve2d}


def _start(mode: str, k: int, flipped: bool) -> int:
    """Index into the full output where the requested mode's output begins."""
    if mode == "full":
        return 0
    if mode == "valid":
        return k - 1
    return (k - 1) // 2 if flipped else k // 2


def correlate2d_loops(in1, in2, mode="full"):
    """Plain Python loops, bounds checked by hand: a differently written correct solution."""
    (H, W), (kh, kw) = in1.shape, in2.shape
    size = {"full": (H + kh - 1, W + kw - 1), "same": (H, W), "valid": (H - kh + 1, W - kw + 1)}[mode]
    top, left = _start(mode, kh, False), _start(mode, kw, False)
    out = np.empty(size, dtype=np.result_type(in1, in2))
    for i in range(size[0]):
        for j in range(size[1]):
            total = 0
            for u in range(kh):
                for v in range(kw):
                    r, c = i + top + u - (kh - 1), j + left + v - (kw - 1)
                    if 0 <= r < H and 0 <= c < W:
                        total += in1[r, c].item() * in2[u, v].item()
            out[i, j] = total
    return out


def convolve2d_loops(in1, in2, mode="full"):
    """Plain loops over z[i, j] = sum x[i - u, j - v] k[u, v]: a differently written correct solution."""
    (H, W), (kh, kw) = in1.shape, in2.shape
    size = {"full": (H + kh - 1, W + kw - 1), "same": (H, W), "valid": (H - kh + 1, W - kw + 1)}[mode]
    top, left = _start(mode, kh, True), _start(mode, kw, True)
    out = np.empty(size, dtype=np.result_type(in1, in2))
    for i in range(size[0]):
        for j in range(size[1]):
            total = 0
            for u in range(kh):
                for v in range(kw):
                    r, c = i + top - u, j + left - v
                    if 0 <= r < H and 0 <= c < W:
                        total += in1[r, c].item() * in2[u, v].item()
            out[i, j] = total
    return out


LOOPS = {"correlate2d": correlate2d_loops, "convolve2d": convolve2d_loops}
SCIPY = {"correlate2d": scipy.signal.correlate2d, "convolve2d": scipy.signal.convolve2d}


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_loop_solution_passes(task, capsys):
    """A correct solution written as plain loops (not like the reference) passes the check."""
    assert CHECKS[task](LOOPS[task]) is None
    assert capsys.readouterr().out == f"check_{task}: all 27 cases passed\n"


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_scipy_and_reference_pass_without_the_guard(task):
    """With forbidden-call detection off, scipy.signal's function and the reference both pass: the cases expect scipy's answers."""
    run_check(task, SCIPY[task], forbid=False, verbose=False)
    run_check(task, getattr(reference, task), forbid=False, verbose=False)


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_loop_solutions_agree_with_scipy_on_every_case(task):
    """The test's own loop solutions equal scipy.signal on every case, dtype included (so they are a fair 'correct student')."""
    for case in cases(task):
        expected = SCIPY[task](*case.args, **case.kwargs)
        got = LOOPS[task](*case.args, **case.kwargs)
        assert got.dtype == expected.dtype
        tol = 1e-5 if expected.dtype == np.float32 else 1e-12  # the loops sum in float64
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize(
    "mistake", [m for task in CHECKS for m in MISTAKES[task]],
    ids=lambda m: f"{m.task}-{m.fn.__name__}")
def test_every_known_mistake_fails_and_is_named(mistake):
    """Each known-wrong variant fails its task's check, and the message names that mistake with its hint."""
    with pytest.raises(AssertionError) as info:
        CHECKS[mistake.task](mistake.fn)
    text = str(info.value)
    assert f"Likely mistake: {mistake.name}. Hint: {mistake.hint}" in text
    assert text.startswith(f"check_{mistake.task} failed on case ")


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_student_is_called_with_in1_in2_and_mode_only(task):
    """The student's function is called with two positional arrays and mode= as the only keyword."""
    calls = []

    def spy(*args, **kwargs):
        calls.append((len(args), sorted(kwargs)))
        return LOOPS[task](*args, **kwargs)

    CHECKS[task](spy)
    assert calls and all(call == (2, ["mode"]) for call in calls)


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_students_get_fresh_copies(task):
    """Every call receives arrays of its own: no two calls' arguments share memory, and they hold the case's values."""
    seen = []

    def keeper(in1, in2, mode="full"):
        seen.extend([in1, in2])
        return LOOPS[task](in1, in2, mode)

    CHECKS[task](keeper)
    expected = [a for case in cases(task) for a in case.args]
    assert len(seen) == len(expected)
    for got, want in zip(seen, expected):
        assert np.array_equal(got, want)
    for i, a in enumerate(seen):
        assert not any(np.shares_memory(a, b) for b in seen[i + 1:])


def test_cases_cover_the_named_edge_cases():
    """The signal cases include every mode on a 1x1, an even, a non-square and an image-sized kernel, and integer inputs."""
    names = [c.name for c in cases("correlate2d")]
    for edge in ("1x1 kernel", "even 2x2 kernel", "non-square", "kernel as large as the image",
                 "uint8 image with an int64 kernel"):
        for mode in ("full", "same", "valid"):
            assert f"{edge}" in " ".join(n for n in names if n.endswith(f"mode={mode}"))
    dtypes = {(c.args[0].dtype, c.args[1].dtype) for c in cases("correlate2d")}
    assert (np.dtype(np.uint8), np.dtype(np.int64)) in dtypes
    assert (np.dtype(np.float32), np.dtype(np.float32)) in dtypes


def test_uint8_case_really_overflows_uint8():
    """The uint8 case produces values outside 0..255, so an output allocated as uint8 cannot pass."""
    case = next(c for c in cases("correlate2d") if c.args[0].dtype == np.uint8)
    result = scipy.signal.correlate2d(*case.args, **case.kwargs)
    assert result.dtype == np.int64
    assert result.max() > 255 and result.min() < 0


def test_forgot_the_flip_message_points_at_the_first_bad_element():
    """For 'forgot the flip' the message's first wrong index is the first element where scipy and the student differ."""
    from autograder.mistakes import forgot_the_flip

    with pytest.raises(AssertionError) as info:
        check_convolve2d(forgot_the_flip)
    case = cases("convolve2d")[0]
    expected = scipy.signal.convolve2d(*case.args, **case.kwargs)
    got = forgot_the_flip(*case.args, **case.kwargs)
    first = tuple(int(i) for i in np.argwhere(~np.isclose(got, expected))[0])
    assert f"first wrong element at index {first}:" in str(info.value)
