"""Tests for autograder.checks.structure: the checks of assignment 3 (the structure of a conv layer)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import scipy.signal

import autograder.checks.structure as structure
from autograder.checks.core import cases
from autograder.checks.structure import (
    REFERENCES,
    check_conv1x1,
    check_conv_flops,
    check_conv_input_grad_via_matrix,
    check_conv_matrix,
    check_conv_params,
    check_depthwise_separable_conv2d,
    check_fc_flops,
    check_fc_params,
    check_fc_to_conv,
    check_separable_savings,
    run_structure_check,
)
from autograder.mistakes import MISTAKES
from autograder.reference.gradcheck import numerical_gradient

CHECKS = {
    "conv_matrix": check_conv_matrix,
    "conv_input_grad_via_matrix": check_conv_input_grad_via_matrix,
    "conv_params": check_conv_params,
    "conv_flops": check_conv_flops,
    "fc_params": check_fc_params,
    "fc_flops": check_fc_flops,
    "conv1x1": check_conv1x1,
    "fc_to_conv": check_fc_to_conv,
    "depthwise_separable_conv2d": check_depthwise_separable_conv2d,
    "separable_savings": check_separable_savings,
}
COUNTS = {"conv_matrix": 16, "conv_input_grad_via_matrix": 16, "conv_params": 14,
          "conv_flops": 15, "fc_params": 9, "fc_flops": 9, "conv1x1": 12, "fc_to_conv": 11,
          "depthwise_separable_conv2d": 13, "separable_savings": 9}


# --- correct solutions written the plain way a student might, independent of the reference

def _layer_dtype(*arrays):
    dtype = np.result_type(*arrays)
    return dtype if dtype.kind == "f" and dtype.itemsize >= 4 else np.dtype(np.float64)


def _correlate_layer(x, w, stride, padding):
    """One image (C_in, H, W) through kernels (C_out, C_in, kH, kW), with scipy.signal per channel."""
    p, s = padding, stride
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    return np.stack([sum(scipy.signal.correlate2d(xp[c], w[o, c], mode="valid")
                         for c in range(x.shape[0]))[::s, ::s] for o in range(w.shape[0])])


def _layer_loops(x, w, stride, padding):
    """The same layer with numpy loops over output pixels (what a student may call)."""
    p, s = padding, stride
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    kh, kw = w.shape[2:]
    rows = range(0, xp.shape[1] - kh + 1, s)
    cols = range(0, xp.shape[2] - kw + 1, s)
    out = np.zeros((w.shape[0], len(rows), len(cols)))
    for o in range(w.shape[0]):
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                out[o, i, j] = np.sum(xp[:, r:r + kh, c:c + kw] * w[o])
    return out


def _impulse_columns(layer, w, input_shape, stride, padding):
    """Column k of M is the layer's response to the k-th unit input."""
    size = int(np.prod(input_shape))
    columns = []
    for k in range(size):
        e = np.zeros(size)
        e[k] = 1.0
        columns.append(layer(e.reshape(input_shape), w.astype(np.float64), stride, padding).ravel())
    return np.stack(columns, axis=1).astype(_layer_dtype(w))


def conv_matrix_columns(w, input_shape, stride=1, padding=0):
    """The matrix read off the layer's impulse responses (numpy loops)."""
    return _impulse_columns(_layer_loops, w, input_shape, stride, padding)


def conv_matrix_scipy(w, input_shape, stride=1, padding=0):
    """The matrix read off impulse responses computed by scipy.signal (an oracle, not a student)."""
    return _impulse_columns(_correlate_layer, w, input_shape, stride, padding)


def conv_input_grad_loops(w, input_shape, dout, stride=1, padding=0):
    """Scatters every output gradient back onto the pixels its window read."""
    _, c_in, kh, kw = w.shape
    _, h, wd = input_shape
    p, s = padding, stride
    dxp = np.zeros((c_in, h + 2 * p, wd + 2 * p), dtype=_layer_dtype(w, dout))
    for o, i, j in itertools.product(*map(range, dout.shape)):
        dxp[:, i * s:i * s + kh, j * s:j * s + kw] += dout[o, i, j] * w[o]
    return dxp[:, p:p + h, p:p + wd]


def _kernel(kernel_size):
    return (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else tuple(kernel_size)


def conv_params_arrays(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Allocates the weight and bias arrays and counts their entries."""
    weight = np.zeros((out_channels, in_channels // groups, *_kernel(kernel_size)))
    return weight.size + (np.zeros(out_channels).size if bias else 0)


def conv_flops_windows(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1,
                       bias=True):
    """Counts the window positions one by one, then the taps of a window."""
    c_in, h, w = input_shape
    kh, kw = _kernel(kernel_size)
    rows = len(range(0, h + 2 * padding - kh + 1, stride))
    cols = len(range(0, w + 2 * padding - kw + 1, stride))
    outputs = out_channels * rows * cols
    taps = np.ones((c_in // groups, kh, kw)).size
    # taps products, taps - 1 additions, and one for the bias
    return outputs * taps, outputs * (2 * taps - 1 + (1 if bias else 0))


def fc_params_plain(in_features, out_features, bias=True):
    return in_features * out_features + (out_features if bias else 0)


def fc_flops_plain(in_features, out_features, bias=True):
    return in_features * out_features, out_features * (2 * in_features - 1 + (1 if bias else 0))


def conv1x1_loops(x, w, b=None):
    """Multiplies each pixel's channel vector by the weight matrix."""
    n, _, h, wd = x.shape
    out = np.zeros((n, w.shape[0], h, wd), dtype=_layer_dtype(x, w))
    for i in range(h):
        for j in range(wd):
            out[:, :, i, j] = x[:, :, i, j] @ w[:, :, 0, 0].T + (0 if b is None else b)
    return out


def fc_to_conv_indices(W, b, input_shape):
    """Places weight W[o, k] at the pixel that flat index k names."""
    dtype = _layer_dtype(W) if b is None else _layer_dtype(W, b)
    w = np.zeros((W.shape[0], *input_shape), dtype=dtype)
    for o in range(W.shape[0]):
        for k in range(W.shape[1]):
            w[(o, *np.unravel_index(k, input_shape))] = W[o, k]
    return w, None if b is None else b.astype(dtype)


def depthwise_scipy(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Depthwise with scipy.signal per channel, then the pointwise sum written out."""
    p, s = padding, stride
    dtype = _layer_dtype(x, w_depthwise, w_pointwise)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    depth = np.array([[scipy.signal.correlate2d(xp[n, c], w_depthwise[c, 0], mode="valid")[::s, ::s]
                       for c in range(x.shape[1])] for n in range(x.shape[0])])
    out = np.einsum("oc,ncij->noij", w_pointwise[:, :, 0, 0], depth)
    if b is not None:
        out = out + b[None, :, None, None]
    return out.astype(dtype)


def depthwise_loops(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Each channel through its own kernel with loops, then a weighted sum of channels."""
    dtype = _layer_dtype(x, w_depthwise, w_pointwise)
    depth = np.stack([np.stack([_layer_loops(x[n, c:c + 1], w_depthwise[c:c + 1], stride, padding)[0]
                                for c in range(x.shape[1])]) for n in range(x.shape[0])])
    out = np.zeros((x.shape[0], w_pointwise.shape[0], *depth.shape[2:]))
    for o in range(w_pointwise.shape[0]):
        for c in range(x.shape[1]):
            out[:, o] += w_pointwise[o, c, 0, 0] * depth[:, c]
        if b is not None:
            out[:, o] += b[o]
    return out.astype(dtype)


def separable_savings_fraction(C_in, C_out, k):
    """The ratio of counted MACs, exactly, then as a float."""
    depthwise = C_in * k * k
    pointwise = C_in * C_out
    return float(Fraction(depthwise + pointwise, C_in * C_out * k * k))


PLAIN = {
    "conv_matrix": conv_matrix_columns,
    "conv_input_grad_via_matrix": conv_input_grad_loops,
    "conv_params": conv_params_arrays,
    "conv_flops": conv_flops_windows,
    "fc_params": fc_params_plain,
    "fc_flops": fc_flops_plain,
    "conv1x1": conv1x1_loops,
    "fc_to_conv": fc_to_conv_indices,
    "depthwise_separable_conv2d": depthwise_loops,
    "separable_savings": separable_savings_fraction,
}
# Oracles for the expected outcomes: scipy.signal where it applies, else the plain solutions.
ORACLES = dict(PLAIN, conv_matrix=conv_matrix_scipy, depthwise_separable_conv2d=depthwise_scipy)


# --- the checks accept correct work and the references are right ------------------------

@pytest.mark.parametrize("task", sorted(CHECKS))
def test_plain_solution_passes(task, capsys):
    """A correct solution written independently of the reference (numpy loops, counting) passes the check."""
    assert CHECKS[task](PLAIN[task]) is None
    assert capsys.readouterr().out == f"check_{task}: all {COUNTS[task]} cases passed\n"


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_references_agree_with_the_independent_solutions(task):
    """On every case, the expected outcome the check uses equals an oracle's (scipy.signal, loops, counts)."""
    for case in cases(task):
        want = ORACLES[task](*case.args, **case.kwargs)
        got = REFERENCES[task](*case.args, **case.kwargs)
        for a, b in zip(want if isinstance(want, tuple) else (want,),
                        got if isinstance(got, tuple) else (got,)):
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape, case.name
                np.testing.assert_allclose(b, a, rtol=1e-4 if a.dtype == np.float32 else 1e-10,
                                           atol=1e-5 if a.dtype == np.float32 else 1e-10)
            else:
                assert a == pytest.approx(b, rel=1e-12) if isinstance(a, float) else a == b


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_reference_passes_without_the_guard(task):
    """With forbidden-call detection off, each check's own expected outcomes pass it."""
    run_structure_check(task, REFERENCES[task], forbid=False, verbose=False)


def test_input_gradient_cases_agree_with_numerical_gradients():
    """The expected input gradient of every case equals a numerical gradient of the scipy-built layer."""
    for case in cases("conv_input_grad_via_matrix"):
        w, input_shape, dout = case.args
        if w.dtype == np.float32:
            continue  # central differences need float64
        stride, padding = case.kwargs.get("stride", 1), case.kwargs.get("padding", 0)
        x = np.zeros(input_shape)
        numerical = numerical_gradient(
            lambda v, w=w, s=stride, p=padding: _correlate_layer(v, w, s, p), x, dout)
        np.testing.assert_allclose(REFERENCES["conv_input_grad_via_matrix"](*case.args, **case.kwargs),
                                   numerical, rtol=1e-6, atol=1e-8)


def test_published_counts():
    """AlexNet's first layer (34,944 parameters, 105,415,200 MACs) and VGG's fc6 (102,764,544) are expected."""
    assert REFERENCES["conv_params"](3, 96, 11) == 34_944
    assert REFERENCES["conv_flops"]((3, 227, 227), 96, 11, stride=4) == (105_415_200, 210_830_400)
    assert REFERENCES["fc_params"](7 * 7 * 512, 4096) == 102_764_544
    assert REFERENCES["separable_savings"](64, 128, 3) == pytest.approx(1 / 128 + 1 / 9)


# --- every known mistake fails and is named -----------------------------------------------

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


@pytest.mark.parametrize("task, needles", [
    ("conv_matrix", ["C=1", "non-square", "padding=1", "stride 2 that does not divide", "1x1 kernel",
                     "kernel as large as the input", "kernel as large as the padded input",
                     "even 2x2 kernel", "padding=0 given explicitly", "float32"]),
    ("conv_input_grad_via_matrix", ["C=1", "stride 2 that does not divide", "1x1 kernel",
                                    "kernel as large as the padded input", "float32"]),
    ("conv_params", ["AlexNet", "bias=False", "1x1 kernel", "non-square kernel", "C_in=1",
                     "groups=C_in", "groups=2"]),
    ("conv_flops", ["AlexNet", "bias=False", "stride 2 that does not divide", "1x1 kernel",
                    "kernel as large as the input", "non-square input", "C_in=1", "depthwise"]),
    ("fc_params", ["fc6", "fc8", "bias=False", "one input, one output"]),
    ("conv1x1", ["as many channels out as in", "no bias", "C_in=1", "C_out=1", "N=1",
                 "non-square", "float32"]),
    ("fc_to_conv", ["fc6", "fc8", "non-square", "C=1", "no bias", "float32"]),
    ("depthwise_separable_conv2d", ["stride 2 that does not divide", "padding=0", "no bias",
                                    "1x1 depthwise kernel", "kernel as large as the input",
                                    "non-square", "N=1, C_in=1", "float32"]),
    ("separable_savings", ["C_in != C_out", "1x1 kernel", "C_in=1"]),
])
def test_cases_cover_the_named_edge_cases(task, needles):
    """Every named edge case the assignment promises appears among the task's cases."""
    names = " | ".join(c.name for c in cases(task))
    for needle in needles:
        assert needle in names


@pytest.mark.parametrize("task", sorted(CHECKS))
def test_cases_are_the_same_on_every_call(task):
    """Cases are rebuilt with fixed seeds: two calls give equal arguments."""
    first, second = cases(task), cases(task)
    assert [c.name for c in first] == [c.name for c in second]
    for a, b in zip(first, second):
        for x, y in zip(a.args, b.args):
            if isinstance(x, np.ndarray):
                np.testing.assert_array_equal(x, y)
            else:
                assert x == y


# --- messages for bad outputs ------------------------------------------------------------

def _fails(check, fn) -> str:
    with pytest.raises(AssertionError) as info:
        check(fn)
    return str(info.value)


def test_wrong_value_reports_the_first_bad_index():
    """One wrong matrix entry is reported with its row-major index, expected and got, and no mistake is guessed."""
    def conv_matrix(w, input_shape, stride=1, padding=0):
        M = conv_matrix_columns(w, input_shape, stride, padding)
        M[2, 5] += 1.0
        return M

    text = _fails(check_conv_matrix, conv_matrix)
    assert "wrong values: 1 of 225 elements differ" in text
    assert "first wrong element at index (2, 5)" in text
    assert "No known mistake reproduces this result" in text


def test_wrong_dtype_names_the_rule():
    """A matrix right in float64 for a float32 kernel fails on the dtype, quoting the rule."""
    def conv_matrix(w, input_shape, stride=1, padding=0):
        return conv_matrix_columns(w.astype(np.float64), input_shape, stride, padding)

    text = _fails(check_conv_matrix, conv_matrix)
    assert "wrong dtype: expected float32, got float64" in text and "float32 stays float32" in text


def test_tuple_items_are_compared_one_by_one():
    """A (macs, flops) with a wrong flops names the item; a list is accepted; a bare int is a type error."""
    def wrong_flops(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1, bias=True):
        macs, flops = conv_flops_windows(input_shape, out_channels, kernel_size, stride, padding,
                                         groups, bias)
        return macs, flops + 1

    assert "flops (item 1 of the returned tuple): wrong value" in _fails(check_conv_flops, wrong_flops)

    def as_list(*args, **kwargs):
        return list(conv_flops_windows(*args, **kwargs))

    check_conv_flops(as_list)

    def macs_only(*args, **kwargs):
        return conv_flops_windows(*args, **kwargs)[0]

    text = _fails(check_conv_flops, macs_only)
    assert "expected a tuple of 2 items (macs, flops)" in text


def test_fc_to_conv_none_bias_must_stay_none():
    """Returning zeros where the bias was None fails with a message saying None was expected."""
    def fc_to_conv(W, b, input_shape):
        w, b = fc_to_conv_indices(W, b, input_shape)
        return w, np.zeros(len(W)) if b is None else b

    text = _fails(check_fc_to_conv, fc_to_conv)
    assert "b (item 1 of the returned tuple): expected None" in text


def test_float_results_allow_rounding_but_not_ints():
    """separable_savings may differ from the expected float by rounding, but an int is a type error."""
    def rounded(C_in, C_out, k):
        return (k * k + C_out) / (C_out * k * k)      # the same number, other rounding

    check_separable_savings(rounded)
    text = _fails(check_separable_savings, lambda C_in, C_out, k: 0)
    assert "returned the int 0; expected a float" in text


def test_not_implemented_none_and_forbidden_calls():
    """A stub, a missing return and a call of the reference each get their own message."""
    def stub(x, w, b=None):
        raise NotImplementedError

    assert "conv1x1 is not implemented yet" in _fails(check_conv1x1, stub)

    def no_return(x, w, b=None):
        conv1x1_loops(x, w, b)

    assert "did you forget the `return` statement?" in _fails(check_conv1x1, no_return)

    def cheat(x, w, b=None):
        from autograder.reference import conv2d
        return conv2d(x, w, b)

    text = _fails(check_conv1x1, cheat)
    assert "your conv1x1 called autograder.reference.conv2d" in text


def test_mutating_an_argument_is_named():
    """Right outputs from a function that scales the caller's weights in place fail as 'mutated the input'."""
    def conv1x1(x, w, b=None):
        out = conv1x1_loops(x, w, b)
        w *= 1.0
        w[0, 0, 0, 0] += 1.0
        return out

    text = _fails(check_conv1x1, conv1x1)
    assert "changed its argument w" in text and "Likely mistake: mutated the input" in text


def test_a_non_function_is_refused():
    """Passing the result instead of the function says so."""
    assert "pass the function itself" in _fails(check_fc_params, 3)


def test_unknown_task_is_refused_by_name():
    """run_structure_check refuses a task that is not one of the module's, listing the allowed ones."""
    with pytest.raises(ValueError, match=r"task must be one of 'conv_matrix', .* got 'pool2d'"):
        run_structure_check("pool2d", conv1x1_loops)


def test_registered_task_names_and_structure_module_exports():
    """Every check is exported, and every task has a reference and a list of known mistakes."""
    assert set(CHECKS) == set(REFERENCES) == set(structure._TASKS)
    for task in CHECKS:
        assert MISTAKES[task]
        assert f"check_{task}" in structure.__all__
