"""Tests for autograder.reference.pooling.

Oracles: hand-worked examples, numerical gradients, a per-window ``np.argmax`` for the
tie rule, the golden file made from PyTorch, and the loop versions against the fast path
(the two share only argument checking).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.reference.gradcheck import numerical_gradient
from autograder.reference.pooling import (pool2d, pool2d_backward, pool2d_backward_loops,
                                          pool2d_loops)

MODES = ("max", "avg", "l2")
GOLDEN = np.load(pathlib.Path(__file__).parent / "golden" / "pool2d.npz")
GOLDEN_CASES = [str(name) for name in GOLDEN["case_names"]]

# (name, x shape, kernel_size, stride, padding)
EDGE_CASES = [
    ("kernel_1x1", (2, 3, 4, 5), 1, 1, 0),
    ("kernel_as_large_as_input", (2, 2, 4, 5), (4, 5), None, 0),
    ("even_kernel", (1, 2, 6, 6), 2, None, 0),
    ("non_square_input", (2, 1, 5, 9), 3, 2, 1),
    ("stride_does_not_divide", (1, 2, 7, 8), 3, 3, 0),
    ("overlapping_windows", (2, 2, 6, 5), 3, 1, 1),
    ("padding_0", (1, 1, 6, 6), 3, 2, 0),
    ("non_square_kernel_stride_padding", (2, 2, 7, 6), (3, 2), (2, 1), (1, 1)),
    ("stride_larger_than_kernel", (1, 2, 9, 9), 2, 3, 1),
    ("N_1_C_1", (1, 1, 5, 5), 2, 1, 1),
]
EDGE_IDS = [case[0] for case in EDGE_CASES]


def _pair(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


def _max_backward_by_argmax(dout, x, kernel, stride, padding):
    """Max-pool input gradient from ``np.argmax`` on each window (an independent oracle).

    ``np.argmax`` returns the first maximum of the flattened window, which is row-major
    order; padded positions hold -inf.
    """
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    dx = np.zeros_like(xp)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(oh):
                for j in range(ow):
                    window = xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    u, v = divmod(int(np.argmax(window)), kw)
                    dx[n, c, i * sh + u, j * sw + v] += dout[n, c, i, j]
    return dx[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]


def _distinct(rng, shape):
    """Random values, all different and far apart, so max pooling has no ties."""
    return rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64) * 0.1 - 3.0


# --------------------------------------------------------------------- worked examples

def test_max_pool_worked_example():
    """The 2x2, stride 2 max-pooling example of the CS231n notes gives 6, 8, 3, 4."""
    x = np.array([[1, 1, 2, 4],
                  [5, 6, 7, 8],
                  [3, 2, 1, 0],
                  [1, 2, 3, 4]], dtype=float).reshape(1, 1, 4, 4)
    expected = np.array([[6.0, 8.0], [3.0, 4.0]])
    np.testing.assert_array_equal(pool2d(x, 2, 2)[0, 0], expected)
    np.testing.assert_array_equal(pool2d_loops(x, 2, 2)[0, 0], expected)


def test_avg_pool_counts_padded_zeros():
    """With padding 1, a 3x3 average of ones is 4/9 at corners, 6/9 on edges, 1 inside."""
    x = np.ones((1, 1, 3, 4))
    expected = np.array([[4, 6, 6, 4], [6, 9, 9, 6], [4, 6, 6, 4]]) / 9
    for func in (pool2d, pool2d_loops):
        np.testing.assert_allclose(func(x, 3, 1, 1, "avg")[0, 0], expected, rtol=1e-12)


def test_max_pool_padding_never_wins():
    """Max pooling pads with -inf: an all-negative input never yields a padded 0."""
    x = -np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    expected = np.array([[-1.0, -2.0], [-3.0, -4.0]])  # each window holds one real pixel
    for func in (pool2d, pool2d_loops):
        np.testing.assert_array_equal(func(x, 2, 2, 1)[0, 0], expected)


def test_l2_pool_is_the_window_norm():
    """L2 pooling of the 3-4 window is 5, and zero padding adds nothing to the norm."""
    x = np.array([[3.0, 4.0]]).reshape(1, 1, 1, 2)
    for func in (pool2d, pool2d_loops):
        assert func(x, (1, 2), mode="l2")[0, 0, 0, 0] == pytest.approx(5.0)
        # padding 1 on W with a (1, 2) kernel: windows [0, 3], [4, 0]
        np.testing.assert_allclose(func(x, (1, 2), (1, 2), (0, 1), "l2")[0, 0], [[3.0, 4.0]])


def test_global_average_pooling():
    """A window as large as the input is global average pooling: the mean of each channel."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 4, 5, 7))
    out = pool2d(x, (5, 7), mode="avg")
    assert out.shape == (3, 4, 1, 1)
    np.testing.assert_allclose(out[:, :, 0, 0], x.mean(axis=(2, 3)), rtol=1e-12)
    grad = pool2d_backward(np.ones((3, 4, 1, 1)), x, (5, 7), mode="avg")
    np.testing.assert_allclose(grad, np.full(x.shape, 1 / 35), rtol=1e-12)


@pytest.mark.parametrize("size, kernel, stride, padding, expected", [
    (5, 2, 2, 0, 2),   # the 5th row is dropped (ceil_mode=False)
    (7, 3, 2, 1, 4),
    (6, 3, 3, 1, 2),
    (4, 4, None, 0, 1),
    (3, 1, 2, 0, 2),
])
def test_output_size_floors(size, kernel, stride, padding, expected):
    """The output has floor((H + 2p - k) / s) + 1 rows, PyTorch's ceil_mode=False."""
    x = np.zeros((1, 1, size, size))
    for func in (pool2d, pool2d_loops):
        assert func(x, kernel, stride, padding).shape == (1, 1, expected, expected)


def test_stride_defaults_to_kernel():
    """stride=None tiles the input with non-overlapping windows, as in PyTorch."""
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    np.testing.assert_array_equal(pool2d(x, (2, 3)), pool2d(x, (2, 3), (2, 3)))
    assert pool2d(x, (2, 3)).shape == (1, 1, 3, 2)


def test_nan_propagates_through_max_pool():
    """A NaN in a window makes that max-pool output NaN and leaves the others alone."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = np.nan
    for func in (pool2d, pool2d_loops):
        out = func(x, 2)[0, 0]
        assert np.isnan(out[0, 0])
        np.testing.assert_array_equal(out.ravel()[1:], [7.0, 13.0, 15.0])


# ---------------------------------------------------------------------- PyTorch golden

def test_golden_file_records_torch():
    """The golden file says which PyTorch made it, and covers every mode."""
    assert str(GOLDEN["torch_version"]).startswith("2.")
    modes = {json.loads(str(GOLDEN[f"{name}/params"]))["mode"] for name in GOLDEN_CASES}
    assert modes == set(MODES)


@pytest.mark.parametrize("name", GOLDEN_CASES)
def test_matches_pytorch_golden(name):
    """Forward and backward, fast and loops, equal PyTorch's max/avg/lp pooling and autograd."""
    params = json.loads(str(GOLDEN[f"{name}/params"]))
    kwargs = {key: tuple(value) if isinstance(value, list) else value
              for key, value in params.items()
              if key in ("kernel_size", "stride", "padding", "mode")}
    x, dout = GOLDEN[f"{name}/x"], GOLDEN[f"{name}/dout"]
    out, dx = GOLDEN[f"{name}/out"], GOLDEN[f"{name}/dx"]
    tol = dict(rtol=1e-5, atol=1e-6) if params["dtype"] == "float32" else dict(rtol=1e-12,
                                                                             atol=1e-12)
    for forward, backward in ((pool2d, pool2d_backward), (pool2d_loops, pool2d_backward_loops)):
        got = forward(x, **kwargs)
        assert got.dtype == out.dtype
        np.testing.assert_allclose(got, out, **tol)
        got = backward(dout, x, **kwargs)
        assert got.dtype == dx.dtype
        np.testing.assert_allclose(got, dx, **tol)


# ---------------------------------------------------------------------------- max ties

def test_tie_sends_gradient_to_first_maximum():
    """In a window of equal maxima, the first one in row-major order gets the gradient."""
    x = np.array([[1, 7, 7, 2],
                  [7, 0, 3, 7],
                  [5, 5, 4, 4],
                  [5, 5, 4, 4]], dtype=float).reshape(1, 1, 4, 4)
    dout = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)
    expected = np.array([[0, 1, 2, 0],
                         [0, 0, 0, 0],
                         [3, 0, 4, 0],
                         [0, 0, 0, 0]], dtype=float)
    for func in (pool2d_backward, pool2d_backward_loops):
        np.testing.assert_array_equal(func(dout, x, 2)[0, 0], expected)


def test_tie_first_maximum_in_later_row():
    """Row-major order: a maximum in an earlier row wins over one further left in a later row."""
    x = np.array([[0, 0, 9],
                  [9, 0, 0],
                  [0, 0, 0]], dtype=float).reshape(1, 1, 3, 3)
    for func in (pool2d_backward, pool2d_backward_loops):
        grad = func(np.ones((1, 1, 1, 1)), x, 3)[0, 0]
        assert grad[0, 2] == 1.0 and grad.sum() == 1.0


def test_constant_input_overlapping_windows_accumulate():
    """On a constant input every window's gradient goes to its top-left pixel, and overlaps add."""
    x = np.full((1, 1, 3, 3), 2.0)
    dout = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    # 3x3 windows, stride 1, padding 1: window (i, j) starts at input (i - 1, j - 1), whose
    # first position inside the input is (max(i - 1, 0), max(j - 1, 0)) in row-major order
    expected = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            expected[max(i - 1, 0), max(j - 1, 0)] += dout[0, 0, i, j]
    for func in (pool2d_backward, pool2d_backward_loops):
        np.testing.assert_array_equal(func(dout, x, 3, 1, 1)[0, 0], expected)


@pytest.mark.parametrize("name, shape, kernel, stride, padding", EDGE_CASES, ids=EDGE_IDS)
def test_max_backward_matches_first_argmax_oracle(name, shape, kernel, stride, padding, rng):
    """With many ties, max-pool gradients match np.argmax's first maximum in every window."""
    x = rng.integers(0, 3, shape).astype(np.float64)  # three values: ties everywhere
    kernel2 = _pair(kernel)
    stride2 = kernel2 if stride is None else _pair(stride)
    padding2 = _pair(padding)
    out_shape = pool2d(x, kernel, stride, padding).shape
    dout = rng.normal(size=out_shape)
    expected = _max_backward_by_argmax(dout, x, kernel2, stride2, padding2)
    np.testing.assert_allclose(pool2d_backward(dout, x, kernel, stride, padding), expected,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pool2d_backward_loops(dout, x, kernel, stride, padding),
                               expected, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------- numerical gradients

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name, shape, kernel, stride, padding", EDGE_CASES, ids=EDGE_IDS)
def test_backward_matches_numerical_gradient(name, shape, kernel, stride, padding, mode, rng):
    """pool2d_backward and its loop version equal the numerical gradient of pool2d."""
    # distinct values keep max pooling differentiable (no ties within h)
    x = _distinct(rng, shape)
    dout = rng.normal(size=pool2d(x, kernel, stride, padding, mode).shape)
    expected = numerical_gradient(lambda v: pool2d(v, kernel, stride, padding, mode), x, dout)
    np.testing.assert_allclose(pool2d_backward(dout, x, kernel, stride, padding, mode),
                               expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(pool2d_backward_loops(dout, x, kernel, stride, padding, mode),
                               expected, rtol=1e-6, atol=1e-7)


def test_l2_gradient_is_zero_on_an_all_zero_window():
    """Where a window is all zeros the l2 norm has no derivative; the gradient is 0, not NaN."""
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = [[1.0, 2.0], [2.0, 4.0]]
    dout = np.ones((1, 1, 2, 2))
    expected = np.zeros((4, 4))
    expected[2:, 2:] = np.array([[1.0, 2.0], [2.0, 4.0]]) / 5.0
    for func in (pool2d_backward, pool2d_backward_loops):
        np.testing.assert_allclose(func(dout, x, 2, mode="l2")[0, 0], expected, rtol=1e-12)


def test_avg_backward_spreads_evenly():
    """Average pooling sends dout / (kH kW) to every pixel of the window."""
    x = np.zeros((1, 1, 4, 6))
    dout = np.array([[6.0, 12.0]]).reshape(1, 1, 1, 2)
    expected = np.zeros((4, 6))
    expected[:, :3], expected[:, 3:] = 6.0 / 12, 12.0 / 12
    for func in (pool2d_backward, pool2d_backward_loops):
        np.testing.assert_allclose(func(dout, x, (4, 3), mode="avg")[0, 0], expected)


# ------------------------------------------------------------------- fast == loops

@st.composite
def _pool_settings(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    height = draw(st.integers(max(1, kh - 2 * ph), 8))
    width = draw(st.integers(max(1, kw - 2 * pw), 8))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 4), st.integers(1, 4))))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), height, width)
    mode = draw(st.sampled_from(MODES))
    seed = draw(st.integers(0, 2**32 - 1))
    return shape, (kh, kw), stride, (ph, pw), mode, seed


@given(_pool_settings())
def test_fast_equals_loops(settings):
    """Over random shapes, strides and paddings, the fast path equals the loops, ties included."""
    shape, kernel, stride, padding, mode, seed = settings
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape).astype(np.float64)  # ties and all-zero windows
    out = pool2d(x, kernel, stride, padding, mode)
    np.testing.assert_allclose(out, pool2d_loops(x, kernel, stride, padding, mode),
                               rtol=1e-12, atol=1e-12)
    dout = rng.normal(size=out.shape)
    np.testing.assert_allclose(pool2d_backward(dout, x, kernel, stride, padding, mode),
                               pool2d_backward_loops(dout, x, kernel, stride, padding, mode),
                               rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- dtypes

@pytest.mark.parametrize("mode", MODES)
def test_float32_stays_float32(mode):
    """float32 in gives float32 out, forward and backward, fast and loops."""
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    dout = np.ones((1, 2, 2, 2), np.float32)
    assert pool2d(x, 2, mode=mode).dtype == np.float32
    assert pool2d_loops(x, 2, mode=mode).dtype == np.float32
    assert pool2d_backward(dout, x, 2, mode=mode).dtype == np.float32
    assert pool2d_backward_loops(dout, x, 2, mode=mode).dtype == np.float32


def test_integer_input_computes_in_float64():
    """Integer input is pooled in float64, so an average is not truncated."""
    x = np.array([[1, 2], [3, 5]]).reshape(1, 1, 2, 2)
    out = pool2d(x, 2, mode="avg")
    assert out.dtype == np.float64 and out[0, 0, 0, 0] == 2.75


def test_inputs_are_not_modified():
    """pool2d and pool2d_backward leave x and dout as they were."""
    rng = np.random.default_rng(2)
    x, dout = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(2, 2, 3, 3))
    x0, dout0 = x.copy(), dout.copy()
    for mode in MODES:
        pool2d(x, 3, 2, 1, mode)
        pool2d_backward(dout, x, 3, 2, 1, mode)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, dout0)


# ------------------------------------------------------------------- bad arguments

@pytest.mark.parametrize("kwargs, error, words", [
    (dict(x=np.zeros((4, 4))), ValueError, ["x", "4-D", "(N, C, H, W)"]),
    (dict(x="image"), TypeError, ["x"]),
    (dict(x=np.zeros((1, 1, 4, 4), complex)), TypeError, ["x", "complex"]),
    (dict(kernel_size=0), ValueError, ["kernel_size", ">= 1"]),
    (dict(kernel_size=2.0), TypeError, ["kernel_size", "int"]),
    (dict(kernel_size=(2, 2, 2)), ValueError, ["kernel_size", "pair"]),
    (dict(stride=0), ValueError, ["stride", ">= 1"]),
    (dict(padding=-1), ValueError, ["padding", ">= 0"]),
    (dict(kernel_size=3, padding=2), ValueError, ["padding", "half", "kernel_size=3"]),
    (dict(kernel_size=(2, 4), padding=(1, 3)), ValueError, ["padding", "half"]),
    (dict(kernel_size=5), ValueError, ["kernel_size=5", "larger", "(4, 4)"]),
    (dict(mode="mean"), ValueError, ["mode", "'max'", "'avg'", "'l2'", "'mean'"]),
])
def test_bad_arguments_are_named(kwargs, error, words):
    """Each bad argument raises the right error naming the parameter, the value and the rule."""
    args = dict(x=np.zeros((1, 1, 4, 4)), kernel_size=2)
    args.update(kwargs)
    for func in (pool2d, pool2d_loops):
        with pytest.raises(error) as info:
            func(**args)
        for word in words:
            assert word in str(info.value)


def test_bad_dout_is_named():
    """A dout that is not shaped like the output is refused with both shapes in the message."""
    x = np.zeros((2, 3, 4, 4))
    for func in (pool2d_backward, pool2d_backward_loops):
        with pytest.raises(ValueError, match=r"dout.*\(2, 3, 2, 2\).*\(2, 3, 3, 3\)"):
            func(np.zeros((2, 3, 3, 3)), x, 2)
        with pytest.raises(ValueError, match="dout"):
            func(np.zeros((3, 2, 2)), x, 2)
        with pytest.raises(TypeError, match="dout"):
            func(None, x, 2)
