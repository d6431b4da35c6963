"""Tests for autograder.reference.unfold: im2col / col2im against PyTorch's unfold / fold.

Oracles: tests/golden/unfold_fold.npz and conv2d.npz (made by tests/golden/make_golden.py
with PyTorch), a worked example by hand, and the adjoint identity
<im2col(x), y> == <x, col2im(y)>.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.reference.unfold import col2im, im2col

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden"
UNFOLD = np.load(GOLDEN_DIR / "unfold_fold.npz")
CONV = np.load(GOLDEN_DIR / "conv2d.npz")
UNFOLD_CASES = [str(name) for name in UNFOLD["case_names"]]


def _kwargs(params, keys=("kernel_size", "stride", "padding", "dilation")):
    return {key: tuple(params[key]) if isinstance(params[key], list) else params[key]
            for key in keys}


def _tol(dtype):
    return dict(rtol=1e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", UNFOLD_CASES)
def test_im2col_matches_unfold(name):
    """im2col returns torch.nn.functional.unfold's matrix, element for element and in order."""
    params = json.loads(str(UNFOLD[f"{name}/params"]))
    expected = UNFOLD[f"{name}/cols"]
    got = im2col(UNFOLD[f"{name}/x"], **_kwargs(params))
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)  # a pure copy: no rounding at all


@pytest.mark.parametrize("name", UNFOLD_CASES)
def test_col2im_matches_fold(name):
    """col2im returns torch.nn.functional.fold's images, overlaps summed."""
    params = json.loads(str(UNFOLD[f"{name}/params"]))
    expected = UNFOLD[f"{name}/fold_out"]
    got = col2im(UNFOLD[f"{name}/fold_in"], tuple(params["output_size"]), **_kwargs(params))
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **_tol(params["dtype"]))


CONV_CASES = [str(name) for name in CONV["case_names"]
              if json.loads(str(CONV[f"{name}/params"]))["groups"] == 1
              and json.loads(str(CONV[f"{name}/params"]))["padding"] not in ("same", "valid")]


@pytest.mark.parametrize("name", CONV_CASES)
def test_im2col_times_weights_is_pytorch_conv2d(name):
    """w.reshape(C_out, -1) @ im2col(x) is PyTorch's conv2d: the row order matches w's layout."""
    params = json.loads(str(CONV[f"{name}/params"]))
    x, w, expected = CONV[f"{name}/x"], CONV[f"{name}/w"], CONV[f"{name}/out"]
    kwargs = {key: tuple(v) if isinstance(v, list) else v for key, v in params.items()
              if key in ("stride", "padding", "dilation")}
    cols = im2col(x, w.shape[2:], **kwargs)
    got = (w.reshape(w.shape[0], -1) @ cols).reshape(expected.shape)
    if params["bias"]:
        got = got + CONV[f"{name}/b"][:, None, None]
    tol = dict(rtol=1e-5, atol=2e-5) if params["dtype"] == "float32" else _tol("float64")
    np.testing.assert_allclose(got, expected, **tol)


def test_worked_example():
    """A 3x3 image with 2x2 windows gives the four windows as columns, rows in (c, u, v) order."""
    x = np.arange(1, 10).reshape(1, 1, 3, 3)
    cols = im2col(x, 2)
    np.testing.assert_array_equal(cols[0], [[1, 2, 4, 5],
                                            [2, 3, 5, 6],
                                            [4, 5, 7, 8],
                                            [5, 6, 8, 9]])
    assert cols.dtype == x.dtype
    # every pixel's coverage count: the corners are in one window, the centre in four
    np.testing.assert_array_equal(col2im(np.ones_like(cols), (3, 3), 2)[0, 0],
                                  [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


@st.composite
def window_settings(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 5))
                 for k, p, d in zip(kernel, padding, dilation))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + size
    return shape, dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)


@given(window_settings(), st.integers(0, 2**32 - 1))
def test_col2im_is_adjoint_of_im2col(setting, seed):
    """<im2col(x), y> == <x, col2im(y)> for every kernel, stride, padding and dilation."""
    shape, kwargs = setting
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    cols = im2col(x, **kwargs)
    y = rng.standard_normal(cols.shape)
    back = col2im(y, shape[2:], **kwargs)
    assert back.shape == x.shape
    assert np.vdot(cols, y) == pytest.approx(np.vdot(x, back), rel=1e-10, abs=1e-10)


ONES = np.ones((1, 1, 4, 4))
COLS = np.ones((1, 4, 4))

BAD = [
    ("x_3d", im2col, (np.ones((3, 4, 4)), 2), {}, ValueError,
     r"x must be a 4-D array laid out as \(N, C, H, W\)"),
    ("x_string", im2col, ("img", 2), {}, TypeError, "x must be a numeric array"),
    ("kernel_zero", im2col, (ONES, 0), {}, ValueError, "kernel_size must be >= 1"),
    ("kernel_too_large", im2col, (ONES, 5), {}, ValueError,
     "the kernel spans 5 but the padded input is only 4"),
    ("stride_zero", im2col, (ONES, 2), {"stride": 0}, ValueError, "stride must be >= 1"),
    ("padding_same", im2col, (ONES, 2), {"padding": "same"}, TypeError, "padding must be an int"),
    ("dilation_zero", im2col, (ONES, 2), {"dilation": 0}, ValueError, "dilation must be >= 1"),
    ("cols_2d", col2im, (np.ones((1, 4)), (3, 3), 2), {}, ValueError,
     r"cols must be a 3-D array laid out as \(N, C \* kH \* kW, L\)"),
    ("cols_rows", col2im, (np.ones((1, 5, 4)), (3, 3), 2), {}, ValueError,
     r"cols.shape\[1\] must be C \* kH \* kW, a multiple of 2 \* 2 = 4"),
    ("cols_length", col2im, (np.ones((1, 4, 5)), (3, 3), 2), {}, ValueError,
     r"cols must have L = 2 \* 2 = 4 columns"),
    ("output_size_triple", col2im, (COLS, (3, 3, 3), 2), {}, ValueError,
     "output_size must be an int or a pair"),
    ("output_size_zero", col2im, (COLS, 0, 2), {}, ValueError, "output_size must be >= 1"),
    ("cols_bool", col2im, (COLS.astype(bool), (3, 3), 2), {}, TypeError,
     "cols must have a numeric dtype"),
]


@pytest.mark.parametrize("case, func, args, kwargs, error, message", BAD, ids=[c[0] for c in BAD])
def test_bad_arguments(case, func, args, kwargs, error, message):
    """Bad arguments raise errors naming the parameter and what is allowed."""
    with pytest.raises(error, match=message):
        func(*args, **kwargs)
