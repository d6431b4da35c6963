"""Tests for autograder.checks.backprop: the pool2d_backward, conv2d_backward and numerical_gradient checks."""

from __future__ import annotations

import numpy as np
import pytest

import autograder.reference as reference
from autograder.checks import cases
from autograder.checks.backprop import (CONV2D_BACKWARD,
                                        check_conv2d_backward, check_numerical_gradient,
                                        check_pool2d_backward, known_functions)
from autograder.checks.core import run_check
from autograder.mistakes import MISTAKES

CHECKS = {
    "pool2d_backward": check_pool2d_backward,
    "conv2d_backward": check_conv2d_backward,
    "numerical_gradient": check_numerical_gradient,
}
COUNTS = {"pool2d_backward": 23, "conv2d_backward": 18, "numerical_gradient": 14}


# Correct solutions written the plain way a student might, independent of the reference.

def pool2d_backward_loops(dout, x, kernel_size, stride=None, mode="max"):
    """One output element at a time; the first maximum found by a strict `>` scan."""
    k = kernel_size
    s = k if stride is None else stride
    N, C = x.shape[:2]
    dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
    for n in range(N):
        for c in range(C):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    g = dout[n, c, i, j]
                    cells = [(i * s + u, j * s + v) for u in range(k) for v in range(k)]
                    if mode == "max":
                        best = cells[0]
                        for cell in cells[1:]:
                            if x[n, c][cell] > x[n, c][best]:
                                best = cell
                        dx[n, c][best] += g
                    elif mode == "avg":
                        for cell in cells:
                            dx[n, c][cell] += g / (k * k)
                    else:
                        norm = np.sqrt(sum(x[n, c][cell] ** 2 for cell in cells))
                        for cell in cells:
                            dx[n, c][cell] += g * x[n, c][cell] / norm if norm > 0 else 0.0
    return dx


def conv2d_backward_loops(dout, x, w, stride=1, padding=0):
    """Every term of the forward sum differentiated on its own, seven nested loops."""
    s, p = stride, padding
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    dtype = np.result_type(dout, x, w)
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=dtype)
    xp[:, :, p:p + H, p:p + W] = x
    dxp, dw = np.zeros_like(xp), np.zeros(w.shape, dtype=dtype)
    for n in range(N):
        for o in range(O):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    g = dout[n, o, i, j]
                    for c in range(C):
                        for u in range(kh):
                            for v in range(kw):
                                dw[o, c, u, v] += g * xp[n, c, i * s + u, j * s + v]
                                dxp[n, c, i * s + u, j * s + v] += g * w[o, c, u, v]
    return dxp[:, :, p:p + H, p:p + W], dw, dout.sum(axis=(0, 2, 3)).astype(dtype)


def numerical_gradient_basis(f, x, h=1e-5):
    """Builds each nudge as x + h * e_i with an explicit unit array."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[index] = 1.0
        grad[index] = (f(x + h * e) - f(x - h * e)) / (2 * h)
    return grad


LOOPS = {"pool2d_backward": pool2d_backward_loops, "conv2d_backward": conv2d_backward_loops,
         "numerical_gradient": numerical_gradient_basis}


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_loop_solution_passes(task, capsys):
    """A correct solution written with plain loops (not like the reference) passes the check."""
    assert CHECKS[task](LOOPS[task]) is None
    assert capsys.readouterr().out == f"check_{task}: all {COUNTS[task]} cases passed\n"


@pytest.mark.parametrize("task", ["pool2d_backward", "numerical_gradient"])
def test_reference_passes_without_the_guard(task):
    """With forbidden-call detection off, the reference itself passes its check."""
    run_check(task, getattr(reference, task), forbid=False, verbose=False)


def test_conv2d_backward_reference_passes_without_the_guard():
    """With forbidden-call detection off, reference.conv2d_backward passes the three-part check."""
    run_check(CONV2D_BACKWARD, reference.conv2d_backward, forbid=False, verbose=False)


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


SIGNATURES = {
    "pool2d_backward": (3, {"stride", "mode"}),
    "conv2d_backward": (3, {"stride", "padding"}),
    "numerical_gradient": (2, {"h"}),
}


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_student_is_called_with_the_assignment_signature(task):
    """The positional arguments and keywords of the student signature only; settings are plain ints."""
    calls = []

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return LOOPS[task](*args, **kwargs)

    CHECKS[task](spy)
    positional, keywords = SIGNATURES[task]
    assert len(calls) == COUNTS[task]
    for args, kwargs in calls:
        assert len(args) == positional and set(kwargs) <= keywords
        for key in ("stride", "padding"):
            value = kwargs.get(key)
            assert value is None or (isinstance(value, int) and not isinstance(value, bool))
        assert kwargs.get("mode", "max") in ("max", "avg", "l2")


@pytest.mark.parametrize("task, needles", [
    ("pool2d_backward", ["tied maxima", "overlapping", "does not divide", "larger than the kernel",
                         "kernel as large as the input", "1x1 kernel", "non-square", "N=1, C=1",
                         "mode left out", "stride=None given explicitly", "all-zero window",
                         "float32", "l2", "avg"]),
    ("conv2d_backward", ["stride and padding left out", "padding=0", "padding=1",
                         "stride 2 that does not divide", "larger than the kernel", "1x1 kernel",
                         "kernel as large as the input", "kernel as large as the padded input",
                         "even 2x2 kernel", "non-square", "N=1, C=1", "float32"]),
    ("numerical_gradient", ["h left out", "h=0.1", "integer x", "(N, C, H, W)",
                            "a single element", "quadratic form"]),
])
def test_cases_cover_the_named_edge_cases(task, needles):
    """Every named edge case the assignment promises appears among the task's cases."""
    names = " | ".join(c.name for c in cases(task))
    for needle in needles:
        assert needle in names


def test_cases_are_rebuilt_identically():
    """Two calls of cases() give equal arrays (fixed seeds) but fresh copies."""
    for task in CHECKS:
        first, second = cases(task), cases(task)
        for a, b in zip(first, second):
            for u, v in zip(a.args, b.args):
                if isinstance(u, np.ndarray):
                    assert u is not v
                    np.testing.assert_array_equal(u, v)


def test_tie_cases_really_have_ties():
    """The cases announced as having tied maxima have at least one window whose maximum is repeated."""
    for case in cases("pool2d_backward"):
        if "ties" not in case.name and "tied" not in case.name:
            continue
        _, x, k = case.args
        s = case.kwargs.get("stride") or k
        windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]
        flat = windows.reshape(windows.shape[:4] + (-1,))
        repeats = (flat == flat.max(axis=-1, keepdims=True)).sum(axis=-1)
        assert (repeats > 1).any(), case.name


def test_numerical_gradient_expected_values_are_the_closed_form_central_differences():
    """On every case, the value the check expects equals the closed form of the central difference of the known function."""
    for case in cases("numerical_gradient"):
        f, x = case.args
        h = case.kwargs.get("h", 1e-5)
        expected = reference.numerical_gradient(f, x, h=h)
        exact = f.central(np.asarray(x, dtype=np.float64), h)
        # rounding of f divided by 2h: about 1e-16 * |f| / h
        scale = max(1.0, abs(f(x)))
        np.testing.assert_allclose(expected, exact, rtol=1e-9, atol=1e-10 * scale / h)


def test_large_steps_separate_central_from_forward_differences():
    """On the large-h cases the forward difference misses by far more than the check's tolerance."""
    for case in cases("numerical_gradient"):
        f, x = case.args
        h = case.kwargs.get("h", 1e-5)
        if h < 0.05:
            continue
        x = np.asarray(x, dtype=np.float64)
        forward = np.array([(f(x + h * e) - f(x)) / h
                            for e in np.eye(x.size).reshape((x.size,) + x.shape)]).reshape(x.shape)
        assert np.max(np.abs(forward - f.central(x, h))) > 1e-3


def test_known_functions_match_their_derivatives_as_h_shrinks():
    """Each known function's closed-form central difference tends to its derivative, with an error of order h^2."""
    rng = np.random.default_rng(1)
    for name, f in known_functions(np.random.default_rng(0)).items():
        shape = (1, 2, 3, 3) if name == "weighted" else (4,) if name == "quadratic" else (5,)
        x = rng.standard_normal(shape)
        big, small = f.central(x, 1e-2), f.central(x, 5e-3)
        exact = f.central(x, 1e-9)
        err_big, err_small = np.max(np.abs(big - exact)), np.max(np.abs(small - exact))
        assert err_small <= err_big / 3.9 or err_big < 1e-12, name


def test_conv2d_backward_reports_the_wrong_part():
    """A conv2d_backward whose dw alone is wrong gets a message that starts with 'dw:'."""
    def bad_dw(dout, x, w, stride=1, padding=0):
        dx, dw, db = conv2d_backward_loops(dout, x, w, stride, padding)
        return dx, dw * 2, db

    with pytest.raises(AssertionError) as info:
        check_conv2d_backward(bad_dw)
    text = str(info.value)
    assert "\n  dw: wrong values:" in text
    assert "No known mistake reproduces this result" in text


def test_conv2d_backward_must_return_three_arrays():
    """Returning dx alone is reported as a type problem that asks for the tuple (dx, dw, db)."""
    def dx_only(dout, x, w, stride=1, padding=0):
        return conv2d_backward_loops(dout, x, w, stride, padding)[0]

    with pytest.raises(AssertionError, match=r"return the three gradients as a tuple \(dx, dw, db\)"):
        check_conv2d_backward(dx_only)


def test_conv2d_backward_not_implemented_and_forbidden_calls():
    """NotImplementedError reads 'not implemented yet'; calling the reference is named and refused."""
    def blank(dout, x, w, stride=1, padding=0):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="conv2d_backward is not implemented yet"):
        check_conv2d_backward(blank)

    def cheat(dout, x, w, stride=1, padding=0):
        return reference.conv2d_backward(dout, x, w, stride=stride, padding=padding)

    with pytest.raises(AssertionError, match="called autograder.reference.conv2d_backward"):
        check_conv2d_backward(cheat)


def test_conv2d_backward_mutation_is_named():
    """Correct gradients computed by writing into dout still fail as 'mutated the input'."""
    def scales_dout(dout, x, w, stride=1, padding=0):
        result = conv2d_backward_loops(dout, x, w, stride, padding)
        dout *= 0
        return result

    with pytest.raises(AssertionError) as info:
        check_conv2d_backward(scales_dout)
    assert "changed its argument dout" in str(info.value)
    assert "Likely mistake: mutated the input." in str(info.value)


def test_conv2d_backward_float32_must_stay_float32():
    """float32 gradients computed in float64 fail on the dtype, with the rule quoted."""
    def always_64(dout, x, w, stride=1, padding=0):
        return tuple(a.astype(np.float64) for a in conv2d_backward_loops(dout, x, w, stride, padding))

    with pytest.raises(AssertionError, match="dx: wrong dtype: expected float32, got float64"):
        check_conv2d_backward(always_64)


def test_numerical_gradient_that_restores_x_passes():
    """Nudging the caller's float array in place is accepted when every element is put back."""
    def in_place(f, x, h=1e-5):
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        grad = np.zeros(x.shape)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            plus = f(x)
            x[i] = old - h
            minus = f(x)
            x[i] = old
            grad[i] = (plus - minus) / (2 * h)
        return grad

    check_numerical_gradient(in_place)


def test_pool2d_backward_nan_for_zero_window_is_reported():
    """Dividing by a zero L2 norm gives NaN, which fails on the all-zero-window case, named in the message."""
    def naive_l2(dout, x, kernel_size, stride=None, mode="max"):
        with np.errstate(invalid="ignore", divide="ignore"):
            if mode != "l2":
                return pool2d_backward_loops(dout, x, kernel_size, stride, mode)
            k = kernel_size
            s = k if stride is None else stride
            dx = np.zeros(x.shape, dtype=np.result_type(dout, x))
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[:, :, i * s:i * s + k, j * s:j * s + k]
                    norm = np.sqrt((window ** 2).sum(axis=(2, 3), keepdims=True))
                    dx[:, :, i * s:i * s + k, j * s:j * s + k] += (
                        dout[:, :, i, j][:, :, None, None] * window / norm)
            return dx

    with pytest.raises(AssertionError) as info:
        check_pool2d_backward(naive_l2)
    text = str(info.value)
    assert "l2 with an all-zero window: its gradient is 0, not NaN" in text
    assert "got nan" in text
