"""Tests for autograder.checks.layers: pad2d, conv_output_size, conv2d and pool2d checks."""

from __future__ import annotations

import numpy as np
import pytest

import autograder.reference as reference
from autograder.checks import (cases, check_conv2d, check_conv_output_size, check_pad2d,
                               check_pool2d)
from autograder.checks.core import run_check
from autograder.mistakes import MISTAKES

CHECKS = {
    "pad2d": check_pad2d,
    "conv_output_size": check_conv_output_size,
    "conv2d": check_conv2d,
    "pool2d": check_pool2d,
}
COUNTS = {"pad2d": 13, "conv_output_size": 26, "conv2d": 22, "pool2d": 21}


# Correct solutions written the plain way a student might, independent of the reference.

def pad2d_loops(x, padding):
    """Copies every pixel to its shifted place in a zero array."""
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    for i in range(H):
        for j in range(W):
            out[:, :, i + ph, j + pw] = x[:, :, i, j]
    return out


def conv_output_size_loops(input_size, kernel_size, stride=1, padding=0, dilation=1):
    """Counts the window start positions one by one."""
    padded = input_size + 2 * padding
    span = dilation * (kernel_size - 1) + 1
    if span > padded:
        raise ValueError(f"a kernel spanning {span} does not fit in {padded}")
    starts = list(range(0, padded - span + 1, stride))
    if starts[-1] + span != padded:
        raise ValueError(f"stride {stride} leaves {padded - starts[-1] - span} rows unvisited")
    return len(starts)


def conv2d_loops(x, w, b=None, stride=1, padding=0, dilation=1):
    """One window product per output element, padding done by hand."""
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    p, s, d = padding, stride, dilation
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=x.dtype)
    xp[:, :, p:p + H, p:p + W] = x
    Ho = (H + 2 * p - d * (kh - 1) - 1) // s + 1
    Wo = (W + 2 * p - d * (kw - 1) - 1) // s + 1
    out = np.zeros((N, O, Ho, Wo), dtype=np.result_type(x, w))
    for n in range(N):
        for o in range(O):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * s:i * s + d * (kh - 1) + 1:d, j * s:j * s + d * (kw - 1) + 1:d]
                    out[n, o, i, j] = np.sum(window * w[o]) + (0 if b is None else b[o])
    return out


def pool2d_loops(x, kernel_size, stride=None, mode="max"):
    """One window reduction per output element."""
    k = kernel_size
    s = k if stride is None else stride
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = x[:, :, i * s:i * s + k, j * s:j * s + k]
            if mode == "max":
                out[:, :, i, j] = window.max(axis=(2, 3))
            elif mode == "avg":
                out[:, :, i, j] = window.mean(axis=(2, 3))
            else:
                out[:, :, i, j] = np.linalg.norm(window.reshape(N, C, -1), axis=2)
    return out


LOOPS = {"pad2d": pad2d_loops, "conv_output_size": conv_output_size_loops,
         "conv2d": conv2d_loops, "pool2d": pool2d_loops}


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_loop_solution_passes(task, capsys):
    """A correct solution written with plain loops (not like the reference) passes the check."""
    assert CHECKS[task](LOOPS[task]) is None
    assert capsys.readouterr().out == f"check_{task}: all {COUNTS[task]} cases passed\n"


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_reference_passes_without_the_guard(task):
    """With forbidden-call detection off, the reference itself passes its check."""
    run_check(task, getattr(reference, task), forbid=False, verbose=False)


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


ALLOWED_KEYWORDS = {
    "pad2d": set(),
    "conv_output_size": {"stride", "padding", "dilation"},
    "conv2d": {"b", "stride", "padding", "dilation"},
    "pool2d": {"stride", "mode"},
}


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_student_is_called_with_the_assignment_signature(task):
    """Two positional arguments, keywords from the student signature only, and every setting a plain int."""
    calls = []

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return LOOPS[task](*args, **kwargs)

    CHECKS[task](spy)
    assert len(calls) == COUNTS[task]
    for args, kwargs in calls:
        assert len(args) == 2 and set(kwargs) <= ALLOWED_KEYWORDS[task]
        for key, value in kwargs.items():
            if key in ("stride", "padding", "dilation"):
                assert value is None or (isinstance(value, int) and not isinstance(value, bool))
        if task == "pool2d":
            assert kwargs.get("mode", "max") in ("max", "avg", "l2")


@pytest.mark.parametrize("task, needles", [
    ("pad2d", ["padding=0", "N=1, C=1", "non-square", "uint8", "float32", "(2, 0)", "(0, 3)"]),
    ("conv_output_size", ["1x1 kernel", "kernel as large as the input", "even kernel",
                          "stride that does not divide", "padding=0", "dilation 2",
                          "input 10, kernel 3, stride 2", "kernel as large as the padded input"]),
    ("conv2d", ["1x1 kernel", "kernel as large as the input", "even 2x2 kernel", "non-square",
                "stride that does not divide", "padding=0", "N=1, C=1", "no bias", "float32",
                "dilation 2", "kernel as large as the padded input", "1x1 kernel with stride 2"]),
    ("pool2d", ["1x1 kernel", "kernel as large as the input", "non-square",
                "stride 2 that does not divide", "N=1, C=1", "mode left out", "float32",
                "stride=None given explicitly", "l2, stride left out", "float32 input, 2x2 l2"]),
])
def test_cases_cover_the_named_edge_cases(task, needles):
    """Every named edge case the course promises appears among the task's cases."""
    names = " | ".join(c.name for c in cases(task))
    for needle in needles:
        assert needle in names


def test_conv_output_size_refusals_are_exactly_the_announced_cases():
    """The cases named 'must raise ValueError', and only they, are refused by an independent count of windows and carry a reason."""
    for case in cases("conv_output_size"):
        try:
            conv_output_size_loops(*case.args, **case.kwargs)
            refused = False
        except ValueError:
            refused = True
        assert refused == ("must raise ValueError" in case.name), case.name
        assert refused == bool(case.reason), case.name


def test_conv_output_size_wrong_exception_type_is_reported():
    """Raising TypeError where ValueError is required fails and says which exception was expected."""
    def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
        try:
            return conv_output_size_loops(input_size, kernel_size, stride, padding, dilation)
        except ValueError as exc:
            raise TypeError(str(exc)) from None

    with pytest.raises(AssertionError) as info:
        check_conv_output_size(conv_output_size)
    text = str(info.value)
    assert "raised TypeError" in text and "expected ValueError because" in text


def test_conv_output_size_numpy_int_is_accepted():
    """Returning a numpy integer instead of a Python int is fine: it is an int."""
    def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
        return np.int64(conv_output_size_loops(input_size, kernel_size, stride, padding, dilation))

    check_conv_output_size(conv_output_size)


def test_conv2d_float32_output_must_stay_float32():
    """A conv2d that is right in float64 but returns float64 for float32 input fails on the dtype, naming the rule."""
    def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
        return conv2d_loops(x.astype(np.float64), w.astype(np.float64),
                            None if b is None else b.astype(np.float64), stride, padding, dilation)

    with pytest.raises(AssertionError) as info:
        check_conv2d(conv2d)
    text = str(info.value)
    assert "float32 input and weights" in text
    assert "wrong dtype: expected float32, got float64" in text
    assert "Likely mistake: output dtype always float64." in text


def test_pool2d_l2_cases_follow_the_max_and_avg_cases():
    """The 16 max/avg cases keep their numbers and values; the five L2 cases come after them."""
    modes = [c.kwargs.get("mode", "max") for c in cases("pool2d")]
    assert "l2" not in modes[:16] and modes[16:] == ["l2"] * 5
    first = cases("pool2d")[0]
    assert first.name == "2x2 max, stride left out (= kernel_size)"
    rng = np.random.default_rng(20240525)
    np.testing.assert_array_equal(first.args[0], rng.standard_normal((2, 3, 6, 8)))


def test_pool2d_without_l2_is_named_on_the_first_l2_case():
    """A pool2d that averages for every mode but 'max' fails first on the first L2 case, with that mistake named."""
    def max_or_mean(x, kernel_size, stride=None, mode="max"):
        return pool2d_loops(x, kernel_size, stride, "max" if mode == "max" else "avg")

    with pytest.raises(AssertionError) as info:
        check_pool2d(max_or_mean)
    text = str(info.value)
    assert text.startswith('check_pool2d failed on case 17 of 21, "2x2 l2, stride left out"')
    assert "Likely mistake: mode 'l2' computed as the average." in text
