"""Assignment 3 (ps3-structure): the model solution, the worked examples and the visible tests are right.

Oracles: scipy.signal for every layer (one channel pair at a time), numerical gradients
(autograder.reference.gradcheck) for the input gradient, counts made by enumerating windows and
taps one by one, and the published AlexNet and VGG numbers. Never the model solution itself.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import autograder.mistakes.structure  # noqa: F401  (the variants of this assignment)
from autograder.mistakes import MISTAKES
from autograder.notebooks import grade_cells, grade_id, graded_sources, read_notebook, run_answer_cells, run_test_cells
from autograder.reference.gradcheck import numerical_gradient

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source_notebooks" / "ps3-structure" / "ps3-structure.ipynb"
RELEASE = ROOT / "release" / "ps3-structure" / "ps3-structure.ipynb"
TASKS = ["conv_matrix", "conv_input_grad_via_matrix", "conv_params", "conv_flops", "fc_params",
         "fc_flops", "conv1x1", "fc_to_conv", "depthwise_separable_conv2d", "separable_savings"]


@pytest.fixture(scope="module")
def model():
    """The model solutions of ps3-structure, with the given conv_layer."""
    return run_answer_cells(read_notebook(SOURCE))


# --- oracles ----------------------------------------------------------------------------

def layer(x, w, b=None, stride=1, padding=0):
    """A batch (N, C_in, H, W) through (C_out, C_in, kH, kW) kernels, scipy.signal per channel pair."""
    p, s = padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.array([[sum(scipy.signal.correlate2d(xp[n, c], w[o, c], mode="valid")
                         for c in range(x.shape[1]))[::s, ::s]
                     for o in range(w.shape[0])] for n in range(x.shape[0])])
    return out if b is None else out + b[None, :, None, None]


def matrix_by_impulses(w, input_shape, stride=1, padding=0):
    """Column k of M is the layer's response to the k-th unit input."""
    size = int(np.prod(input_shape))
    eye = np.eye(size).reshape(size, *input_shape)
    M = layer(eye, w.astype(np.float64), None, stride, padding).reshape(size, -1).T
    return M.astype(np.float32 if w.dtype == np.float32 else np.float64)


def counted_cost(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1, bias=True):
    """(MACs, FLOPs) by walking every output and counting the taps of its window."""
    c_in, h, w = input_shape
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    macs = flops = 0
    for _ in range(out_channels):
        for _ in range(0, h + 2 * padding - kh + 1, stride):
            for _ in range(0, w + 2 * padding - kw + 1, stride):
                taps = (c_in // groups) * kh * kw
                macs += taps
                flops += taps + (taps - 1) + (1 if bias else 0)
    return macs, flops


def counted_params(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Allocates the layer's arrays and counts their entries."""
    kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
    weight = np.zeros((out_channels, in_channels // groups, kh, kw))
    return weight.size + (np.zeros(out_channels).size if bias else 0)


def depthwise_oracle(x, w_dw, w_pw, b=None, stride=1, padding=0):
    depth = np.concatenate([layer(x[:, c:c + 1], w_dw[c:c + 1], None, stride, padding)
                            for c in range(x.shape[1])], axis=1)
    return layer(depth, w_pw, b)


def fc_to_conv_oracle(W, b, input_shape):
    w = np.zeros((W.shape[0], *input_shape))
    for o in range(W.shape[0]):
        for k in range(W.shape[1]):
            w[(o, *np.unravel_index(k, input_shape))] = W[o, k]
    return w, None if b is None else b.copy()


def savings_oracle(C_in, C_out, k):
    depthwise = counted_cost((C_in, k, k), C_in, k, groups=C_in)[0]
    pointwise = counted_cost((C_in, 1, 1), C_out, 1)[0]
    full = counted_cost((C_in, k, k), C_out, k)[0]
    return float(Fraction(depthwise + pointwise, full))


# Each oracle playing the student, with the assignment's signatures.
ORACLE_STUDENT = {
    "conv_matrix": matrix_by_impulses,
    "conv_input_grad_via_matrix": lambda w, input_shape, dout, stride=1, padding=0: numerical_gradient(
        lambda v: layer(v[None], w, None, stride, padding)[0], np.zeros(input_shape), dout),
    "conv_params": counted_params,
    "conv_flops": counted_cost,
    "fc_params": lambda n, m, bias=True: counted_params(n, m, 1, bias),
    "fc_flops": lambda n, m, bias=True: counted_cost((n, 1, 1), m, 1, bias=bias),
    "conv1x1": lambda x, w, b=None: layer(x, w, b).astype(np.result_type(x, w)),
    "fc_to_conv": fc_to_conv_oracle,
    "depthwise_separable_conv2d": depthwise_oracle,
    "separable_savings": savings_oracle,
}


# --- the given helper and the model solution against the oracles ----------------------

EDGE = {  # name: (w shape, input shape, stride, padding)
    "1x1 kernel": ((2, 3, 1, 1), (3, 4, 5), 1, 0),
    "kernel as large as the input": ((2, 2, 3, 4), (2, 3, 4), 1, 0),
    "kernel as large as the padded input": ((1, 1, 5, 5), (1, 3, 3), 1, 1),
    "even kernel": ((2, 1, 2, 2), (1, 5, 5), 1, 1),
    "non-square input": ((1, 2, 2, 3), (2, 4, 7), 1, 0),
    "stride that does not divide": ((2, 2, 3, 3), (2, 8, 7), 2, 0),
    "padding=0": ((3, 2, 3, 3), (2, 5, 5), 1, 0),
    "C=1": ((1, 1, 3, 3), (1, 6, 6), 2, 1),
}


@pytest.mark.parametrize("case", EDGE, ids=list(EDGE))
def test_given_conv_layer_matches_scipy(model, rng, case):
    """The conv_layer the notebook gives students equals scipy.signal on each named edge case."""
    w_shape, shape, stride, padding = EDGE[case]
    x, w, b = rng.normal(size=(2, *shape)), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    np.testing.assert_allclose(model["conv_layer"](x, w, b, stride, padding),
                               layer(x, w, b, stride, padding), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", EDGE, ids=list(EDGE))
def test_model_conv_matrix_and_gradient_on_edge_cases(model, rng, case):
    """The model's M equals the scipy-built matrix, and M.T @ dout equals a numerical gradient."""
    w_shape, shape, stride, padding = EDGE[case]
    w = rng.normal(size=w_shape)
    M = model["conv_matrix"](w, shape, stride=stride, padding=padding)
    np.testing.assert_allclose(M, matrix_by_impulses(w, shape, stride, padding), atol=1e-12)
    dout = rng.normal(size=(M.shape[0],)).reshape(w_shape[0], -1)
    dout = dout.reshape(layer(np.zeros((1, *shape)), w, None, stride, padding)[0].shape)
    numerical = numerical_gradient(lambda v: layer(v[None], w, None, stride, padding)[0],
                                   rng.normal(size=shape), dout)
    got = model["conv_input_grad_via_matrix"](w, shape, dout, stride=stride, padding=padding)
    np.testing.assert_allclose(got, numerical, rtol=1e-6, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_model_conv_matrix_on_random_shapes(model, data):
    """Over random shapes, strides and paddings, M @ x.ravel() is the scipy-built layer's output."""
    c_out, c_in = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    padding, stride = data.draw(st.integers(0, 2)), data.draw(st.integers(1, 3))
    h = data.draw(st.integers(max(1, kh - 2 * padding), 7))
    w_ = data.draw(st.integers(max(1, kw - 2 * padding), 7))
    gen = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    w, x = gen.normal(size=(c_out, c_in, kh, kw)), gen.normal(size=(c_in, h, w_))
    M = model["conv_matrix"](w, x.shape, stride=stride, padding=padding)
    np.testing.assert_allclose(M @ x.ravel(), layer(x[None], w, None, stride, padding).ravel(),
                               rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(c_in=st.integers(1, 6), c_out=st.integers(1, 6), kh=st.integers(1, 4), kw=st.integers(1, 4),
       h=st.integers(4, 9), w=st.integers(4, 9), stride=st.integers(1, 3), padding=st.integers(0, 2),
       depthwise=st.booleans(), bias=st.booleans())
def test_model_counts_equal_brute_force(model, c_in, c_out, kh, kw, h, w, stride, padding,
                                        depthwise, bias):
    """conv_params and conv_flops equal counts made by allocating the arrays and walking the windows."""
    groups = c_in if depthwise else 1
    c_out = c_in if depthwise else c_out
    assert model["conv_params"](c_in, c_out, (kh, kw), bias=bias, groups=groups) == \
        counted_params(c_in, c_out, (kh, kw), bias, groups)
    assert tuple(model["conv_flops"]((c_in, h, w), c_out, (kh, kw), stride=stride,
                                     padding=padding, groups=groups, bias=bias)) == \
        counted_cost((c_in, h, w), c_out, (kh, kw), stride, padding, groups, bias)
    assert model["fc_params"](c_in * h, c_out, bias=bias) == counted_params(c_in * h, c_out, 1, bias)
    assert model["fc_flops"](c_in * h, c_out, bias=bias) == counted_cost((c_in * h, 1, 1), c_out, 1,
                                                                          bias=bias)


def test_model_reproduces_the_published_numbers(model):
    """AlexNet's first layer (34,944 parameters, 105,415,200 MACs) and VGG-16's head counts."""
    assert model["conv_params"](3, 96, 11) == 34_944
    assert model["conv_flops"]((3, 227, 227), 96, 11, stride=4)[0] == 105_415_200
    assert model["fc_params"](7 * 7 * 512, 4096) == 102_764_544
    assert model["conv_params"](4096, 4096, 1) == 16_781_312
    assert model["fc_params"](4096, 1000) == 4_097_000


def test_written_answer_numbers_come_from_the_cell(model):
    """The parameter counts quoted in the model answer to D2 are what the notebook's cell computes."""
    nb = read_notebook(SOURCE)
    answer = next(c.source for c in grade_cells(nb) if grade_id(c) == "written_why_not_straight")
    single = model["conv_params"](512, 1000, 7)
    head = (model["conv_params"](512, 4096, 7) + model["conv_params"](4096, 4096, 1)
            + model["conv_params"](4096, 1000, 1))
    assert f"{single:,}" in answer and f"{head:,}" in answer
    assert round(head / single) == 5 and "five times" in answer


@pytest.mark.parametrize("x_shape, c_out", [((2, 3, 4, 5), 2), ((1, 1, 3, 3), 1), ((2, 4, 1, 6), 4)],
                         ids=["3 to 2 channels", "N=1, C=1", "non-square, C_in = C_out"])
def test_model_conv1x1_and_depthwise_match_scipy(model, rng, x_shape, c_out):
    """conv1x1 and the depthwise-separable layer equal scipy.signal's per-channel sums."""
    x = rng.normal(size=x_shape)
    w, b = rng.normal(size=(c_out, x_shape[1], 1, 1)), rng.normal(size=c_out)
    np.testing.assert_allclose(model["conv1x1"](x, w, b), layer(x, w, b), rtol=1e-12, atol=1e-12)
    w_dw = rng.normal(size=(x_shape[1], 1, 1, 2))
    for stride, padding in [(1, 0), (2, 1)]:
        np.testing.assert_allclose(
            model["depthwise_separable_conv2d"](x, w_dw, w, b, stride=stride, padding=padding),
            depthwise_oracle(x, w_dw, w, b, stride, padding), rtol=1e-12, atol=1e-12)


def test_model_fc_to_conv_slides_the_fc_layer(model, rng):
    """The converted kernels give the FC output on a C x H x W input and the FC of every crop on a larger one."""
    W, b = rng.normal(size=(4, 3 * 2 * 3)), rng.normal(size=4)
    w, c = model["fc_to_conv"](W, b, (3, 2, 3))
    x = rng.normal(size=(1, 3, 4, 5))
    out = layer(x, w, c)
    for i in range(3):
        for j in range(3):
            np.testing.assert_allclose(out[0, :, i, j], x[0, :, i:i + 2, j:j + 3].ravel() @ W.T + b)


@pytest.mark.parametrize("C_in, C_out, k", [(64, 128, 3), (3, 16, 5), (16, 16, 1), (1, 1, 3)])
def test_model_savings_equal_counted_ratio(model, C_in, C_out, k):
    """separable_savings is the ratio of MACs counted window by window."""
    assert model["separable_savings"](C_in, C_out, k) == pytest.approx(
        savings_oracle(C_in, C_out, k), rel=1e-12)


def test_model_leaves_its_arguments_alone(model, rng):
    """No model function changes an array it was given."""
    x, w = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 1, 1))
    w_dw, W = rng.normal(size=(3, 1, 3, 3)), rng.normal(size=(4, 75))
    kept = [a.copy() for a in (x, w, w_dw, W)]
    model["conv1x1"](x, w)
    model["depthwise_separable_conv2d"](x, w_dw, w, padding=1)
    model["fc_to_conv"](W, None, (3, 5, 5))[0][:] = 0
    model["conv_matrix"](w_dw.reshape(3, 1, 3, 3)[:, :, :, :], (1, 5, 5))
    for before, after in zip(kept, (x, w, w_dw, W)):
        np.testing.assert_array_equal(before, after)


# --- the visible tests --------------------------------------------------------------------

def _given(nb) -> dict:
    namespace: dict = {}
    for cell in nb.cells:
        if grade_id(cell) == "setup":
            exec(compile(cell.source, "setup", "exec"), namespace)
    return namespace


def test_worked_examples_agree_with_the_oracles():
    """Every visible test passes when the oracles play the student, so the literal arrays and counts are right."""
    nb = read_notebook(RELEASE)
    outcome = run_test_cells(graded_sources(nb), dict(_given(nb), **ORACLE_STUDENT))
    assert outcome and all(error is None for error in outcome.values()), outcome


def _cells_using(task: str, tests: dict) -> dict:
    return {gid: src for gid, src in tests.items() if f"{task}(" in src}


@pytest.mark.parametrize("mistake", [m for task in TASKS for m in MISTAKES[task]],
                         ids=lambda m: f"{m.task}-{m.fn.__name__}")
def test_visible_tests_catch_every_known_mistake(mistake):
    """With one known mistake in place of the right function, a visible test of that function fails."""
    nb = read_notebook(RELEASE)
    tests = _cells_using(mistake.task, graded_sources(nb))
    assert tests, mistake.task
    right = dict(_given(nb), **ORACLE_STUDENT)
    assert all(error is None for error in run_test_cells(tests, right).values())
    outcome = run_test_cells(tests, dict(right, **{mistake.task: mistake.fn}))
    assert any(error is not None for error in outcome.values()), sorted(tests)
