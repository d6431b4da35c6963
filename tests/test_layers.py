"""Tests for autograder.reference.layers: padding, output sizes, conv2d and its gradients.

Oracles: PyTorch's answers stored in tests/golden/*.npz by tests/golden/make_golden.py,
numerical gradients by central differences, numpy.pad, and a brute-force count of
window positions.  The loop versions and the fast versions are also checked against
each other over the shape space with hypothesis.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.reference.gradcheck import numerical_gradient
from autograder.reference.layers import (
    conv2d,
    conv2d_backward,
    conv2d_backward_loops,
    conv2d_loops,
    conv_output_size,
    conv_transpose2d,
    pad2d,
)

GOLDEN_DIR = pathlib.Path(__file__).parent / "golden"
CONV = np.load(GOLDEN_DIR / "conv2d.npz")
TRANSPOSE = np.load(GOLDEN_DIR / "conv_transpose2d.npz")
CONV_CASES = [str(name) for name in CONV["case_names"]]
TRANSPOSE_CASES = [str(name) for name in TRANSPOSE["case_names"]]

FORWARDS = {"fast": conv2d, "loops": conv2d_loops}
BACKWARDS = {"fast": conv2d_backward, "loops": conv2d_backward_loops}


def _params(archive, name):
    return json.loads(str(archive[f"{name}/params"]))


def _tol(dtype):
    # float64 results differ from torch's only by summation order
    return dict(rtol=1e-5, atol=2e-5) if dtype == "float32" else dict(rtol=1e-11, atol=1e-12)


def _conv_kwargs(params):
    return {key: tuple(value) if isinstance(value, list) else value
            for key, value in params.items()
            if key in ("stride", "padding", "dilation", "groups")}


# -------------------------------------------------------------------------- golden files

def test_golden_files_record_versions():
    """Each golden file names the torch and numpy versions that made it."""
    for archive in (CONV, TRANSPOSE):
        assert str(archive["torch_version"]).startswith("2.")
        assert str(archive["numpy_version"]).count(".") >= 1


@pytest.mark.parametrize("impl", sorted(FORWARDS))
@pytest.mark.parametrize("name", CONV_CASES)
def test_conv2d_matches_pytorch(name, impl):
    """conv2d (fast and loops) gives torch.nn.functional.conv2d's output, dtype included."""
    params = _params(CONV, name)
    b = CONV[f"{name}/b"] if params["bias"] else None
    expected = CONV[f"{name}/out"]
    got = FORWARDS[impl](CONV[f"{name}/x"], CONV[f"{name}/w"], b, **_conv_kwargs(params))
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **_tol(params["dtype"]))


@pytest.mark.parametrize("impl", sorted(BACKWARDS))
@pytest.mark.parametrize("name", CONV_CASES)
def test_conv2d_backward_matches_pytorch(name, impl):
    """conv2d_backward (fast and loops) gives torch autograd's dx, dw and db."""
    params = _params(CONV, name)
    dx, dw, db = BACKWARDS[impl](CONV[f"{name}/dout"], CONV[f"{name}/x"], CONV[f"{name}/w"],
                                 **_conv_kwargs(params))
    for got, key in ((dx, "dx"), (dw, "dw"), (db, "db")):
        expected = CONV[f"{name}/{key}"]
        assert got.dtype == expected.dtype, key
        assert got.shape == expected.shape, key
        np.testing.assert_allclose(got, expected, **_tol(params["dtype"]), err_msg=key)


@pytest.mark.parametrize("name", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_pytorch(name):
    """conv_transpose2d gives torch.nn.functional.conv_transpose2d's output."""
    params = _params(TRANSPOSE, name)
    kwargs = {key: tuple(value) if isinstance(value, list) else value
              for key, value in params.items()
              if key in ("stride", "padding", "output_padding", "groups", "dilation")}
    b = TRANSPOSE[f"{name}/b"] if params["bias"] else None
    expected = TRANSPOSE[f"{name}/out"]
    got = conv_transpose2d(TRANSPOSE[f"{name}/x"], TRANSPOSE[f"{name}/w"], b, **kwargs)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **_tol(params["dtype"]))


def test_golden_covers_the_edge_cases():
    """The conv2d golden file exercises every named edge case the course cares about."""
    shapes = [(CONV[f"{n}/x"].shape, CONV[f"{n}/w"].shape, _params(CONV, n)) for n in CONV_CASES]
    assert any(w[2:] == (1, 1) for _, w, _ in shapes)                        # 1x1 kernel
    assert any(w[2] % 2 == 0 for _, w, _ in shapes)                          # even kernel
    assert any(x[2] != x[3] for x, _, _ in shapes)                           # non-square
    assert any(x[0] == 1 and x[1] == 1 for x, _, _ in shapes)                # N = 1, C = 1
    assert any(p["padding"] == "same" for _, _, p in shapes)
    assert any(p["groups"] > 1 for _, _, p in shapes)
    assert any(CONV[f"{n}/out"].shape[2:] == (1, 1) for n in CONV_CASES)     # kernel = input
    assert any("nodiv" in n for n in CONV_CASES)                             # stride remainder


# ------------------------------------------------------------------ numerical gradients

GRAD_CASES = {
    "basic": ((2, 2, 5, 5), (3, 2, 3, 3), {}),
    "stride_nodiv": ((1, 2, 6, 7), (2, 2, 3, 2), {"stride": 2}),
    "same_even": ((1, 2, 5, 4), (2, 2, 2, 4), {"padding": "same"}),
    "dilation_padding": ((1, 1, 6, 6), (2, 1, 2, 3), {"dilation": (2, 1), "padding": (1, 2)}),
    "groups": ((2, 4, 4, 4), (2, 2, 2, 2), {"groups": 2, "padding": 1}),
    "kernel_1x1": ((2, 3, 3, 2), (2, 3, 1, 1), {}),
    "kernel_equals_input": ((1, 2, 3, 4), (2, 2, 3, 4), {}),
}


@pytest.mark.parametrize("impl", sorted(BACKWARDS))
@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_backward_matches_numerical_gradient(case, impl, rng):
    """dx, dw and db equal central-difference gradients of conv2d's output against dout."""
    x_shape, w_shape, kwargs = GRAD_CASES[case]
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    dout = rng.standard_normal(conv2d(x, w, b, **kwargs).shape)
    dx, dw, db = BACKWARDS[impl](dout, x, w, **kwargs)
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: conv2d(v, w, b, **kwargs), x, dout),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(dw, numerical_gradient(lambda v: conv2d(x, v, b, **kwargs), w, dout),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numerical_gradient(lambda v: conv2d(x, w, v, **kwargs), b, dout),
                               rtol=1e-6, atol=1e-8)


def test_unvisited_rows_get_zero_gradient(rng):
    """With input 10, kernel 3, stride 2 the last row and column are never read: dx is 0 there."""
    x = rng.standard_normal((1, 2, 10, 10))
    w = rng.standard_normal((3, 2, 3, 3))
    dout = rng.standard_normal((1, 3, 4, 4))
    for backward in BACKWARDS.values():
        dx, _, _ = backward(dout, x, w, stride=2)
        assert np.all(dx[..., 9, :] == 0) and np.all(dx[..., :, 9] == 0)
        assert np.any(dx[..., 8, :] != 0)


# ---------------------------------------------------------------------------- adjoint

def _adjoint_gap(x, w, y, stride, padding, dilation, groups):
    """<conv2d(x), y> - <x, conv_transpose2d(y)>, with output_padding picking x's size."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    H, W = x.shape[2:]
    kh, kw = w.shape[2:]
    ho, wo = y.shape[2:]
    # the rows a stride that does not divide leaves over, restored by output_padding
    op = (H + 2 * ph - dh * (kh - 1) - 1 - (ho - 1) * sh,
          W + 2 * pw - dw * (kw - 1) - 1 - (wo - 1) * sw)
    out = conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    left = np.vdot(out, y)
    back = conv_transpose2d(y, w, stride=stride, padding=padding, output_padding=op,
                            groups=groups, dilation=dilation)
    assert back.shape == x.shape
    return left, np.vdot(x, back)


@st.composite
def conv_settings(draw, allow_same=True):
    """A random but valid conv2d configuration: shapes and keyword arguments."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_g = draw(st.integers(1, 3))
    o_g = draw(st.integers(1, 3))
    n = draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    same = allow_same and draw(st.booleans()) and draw(st.booleans())
    if same:
        stride, padding = (1, 1), "same"
        pads = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))
    else:
        stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
        pads = (2 * padding[0], 2 * padding[1])
    # at least the dilated kernel, so the kernel can be as large as the padded input
    spans = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    H = draw(st.integers(max(1, spans[0] - pads[0]), max(1, spans[0] - pads[0]) + 5))
    W = draw(st.integers(max(1, spans[1] - pads[1]), max(1, spans[1] - pads[1]) + 5))
    x_shape = (n, c_g * groups, H, W)
    w_shape = (o_g * groups, c_g, kh, kw)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return x_shape, w_shape, kwargs


@given(conv_settings(allow_same=False), st.integers(0, 2**32 - 1))
def test_conv_transpose2d_is_adjoint_of_conv2d(setting, seed):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> whatever the stride, padding, etc."""
    x_shape, w_shape, kwargs = setting
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    y = rng.standard_normal(conv2d(x, w, **kwargs).shape)
    left, right = _adjoint_gap(x, w, y, **kwargs)
    assert left == pytest.approx(right, rel=1e-10, abs=1e-10)


def test_conv_transpose2d_is_input_gradient(rng):
    """conv_transpose2d(dout, w) equals conv2d_backward's dx when output_padding restores H, W."""
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((6, 2, 3, 2))
    dout = rng.standard_normal(conv2d(x, w, stride=2, padding=1, groups=2).shape)  # (2, 6, 5, 5)
    dx, _, _ = conv2d_backward(dout, x, w, stride=2, padding=1, groups=2)
    # 9 + 2 - 3 = 8 = 4 * 2 exactly; 8 + 2 - 2 = 8 leaves 0 too
    np.testing.assert_allclose(conv_transpose2d(dout, w, stride=2, padding=1, groups=2), dx,
                               rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------- fast == loops

@given(conv_settings(), st.integers(0, 2**32 - 1), st.booleans())
def test_fast_equals_loops(setting, seed, with_bias):
    """Across the shape space the vectorised conv2d and its gradients equal the loop versions."""
    x_shape, w_shape, kwargs = setting
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if with_bias else None
    out = conv2d(x, w, b, **kwargs)
    np.testing.assert_allclose(out, conv2d_loops(x, w, b, **kwargs), rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for fast, slow in zip(conv2d_backward(dout, x, w, **kwargs),
                          conv2d_backward_loops(dout, x, w, **kwargs)):
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


EDGE_SHAPES = {
    "kernel_1x1": ((2, 3, 4, 5), (2, 3, 1, 1), {}),
    "kernel_1x1_groups": ((1, 4, 3, 3), (6, 2, 1, 1), {"groups": 2}),
    "kernel_1x1_stride": ((1, 2, 5, 4), (3, 2, 1, 1), {"stride": (2, 3)}),
    "kernel_as_large_as_input": ((2, 2, 4, 3), (3, 2, 4, 3), {}),
    "kernel_as_large_as_padded": ((1, 2, 2, 3), (3, 2, 4, 5), {"padding": 1}),
    "even_kernel_same": ((1, 2, 5, 6), (2, 2, 4, 2), {"padding": "same"}),
    "non_square": ((2, 1, 3, 9), (2, 1, 2, 3), {"stride": (1, 2)}),
    "stride_nodiv": ((1, 1, 10, 10), (1, 1, 3, 3), {"stride": 2}),
    "padding_0": ((1, 2, 4, 4), (1, 2, 2, 2), {"padding": 0}),
    "padding_valid": ((1, 2, 4, 4), (1, 2, 2, 2), {"padding": "valid"}),
    "n1_c1": ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": 1}),
    "depthwise": ((2, 3, 5, 5), (3, 1, 3, 3), {"groups": 3, "dilation": 2}),
}


@pytest.mark.parametrize("case", sorted(EDGE_SHAPES))
def test_fast_equals_loops_on_edge_cases(case, rng):
    """On each named edge case the vectorised conv2d and gradients equal the loop versions."""
    x_shape, w_shape, kwargs = EDGE_SHAPES[case]
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    out = conv2d(x, w, b, **kwargs)
    np.testing.assert_allclose(out, conv2d_loops(x, w, b, **kwargs), rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for fast, slow in zip(conv2d_backward(dout, x, w, **kwargs),
                          conv2d_backward_loops(dout, x, w, **kwargs)):
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


def test_same_padding_puts_the_extra_row_at_the_bottom():
    """With an even kernel, "same" pads one more row/column at the bottom/right, as PyTorch."""
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = 1.0                              # an impulse in the top-left corner
    w = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)      # [[1, 2], [3, 4]]
    out = conv2d(x, w, padding="same")
    # total padding 1 per axis goes bottom/right: output (0, 0) sees the impulse at tap (0, 0)
    assert out.shape == (1, 1, 4, 4)
    assert out[0, 0, 0, 0] == 1.0 and np.count_nonzero(out) == 1


def test_large_batch_uses_several_chunks(rng, monkeypatch):
    """The fast path gives the same answer when the batch is split into many chunks."""
    import autograder.reference.layers as layers

    x = rng.standard_normal((5, 2, 6, 6))
    w = rng.standard_normal((3, 2, 3, 3))
    dout = rng.standard_normal((5, 3, 4, 4))
    whole = conv2d(x, w), conv2d_backward(dout, x, w)
    monkeypatch.setattr(layers, "_CHUNK_BYTES", 1)   # one image per chunk
    np.testing.assert_allclose(conv2d(x, w), whole[0], rtol=1e-13)
    for got, expected in zip(conv2d_backward(dout, x, w), whole[1]):
        np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_inputs_are_not_modified_and_views_are_accepted(rng):
    """conv2d and its backward leave their inputs alone and accept non-contiguous views."""
    name = "everything"
    params = _params(CONV, name)
    x = np.asfortranarray(CONV[f"{name}/x"])
    w = CONV[f"{name}/w"][..., ::-1][..., ::-1]     # a negatively strided view of the same values
    keep = x.copy(), w.copy()
    out = conv2d(x, w, CONV[f"{name}/b"], **_conv_kwargs(params))
    np.testing.assert_allclose(out, CONV[f"{name}/out"], **_tol("float64"))
    dx, _, _ = conv2d_backward(CONV[f"{name}/dout"], x, w, **_conv_kwargs(params))
    np.testing.assert_allclose(dx, CONV[f"{name}/dx"], **_tol("float64"))
    np.testing.assert_array_equal(x, keep[0])
    np.testing.assert_array_equal(w, keep[1])


# ---------------------------------------------------------------------------- dtypes

@pytest.mark.parametrize("x_dtype, w_dtype, expected", [
    (np.float32, np.float32, np.float32),
    (np.float64, np.float64, np.float64),
    (np.float32, np.float64, np.float64),
    (np.int64, np.int64, np.float64),
    (np.int64, np.float32, np.float64),
])
def test_dtype_rules(x_dtype, w_dtype, expected):
    """float32 stays float32, anything with float64 or int64 computes in float64, everywhere."""
    x = np.arange(2 * 2 * 4 * 4).reshape(2, 2, 4, 4).astype(x_dtype)
    w = np.ones((2, 2, 3, 3), dtype=w_dtype)
    dout = np.ones((2, 2, 2, 2), dtype=x_dtype)
    for forward in FORWARDS.values():
        out = forward(x, w, np.ones(2, dtype=w_dtype))
        assert out.dtype == expected
        np.testing.assert_array_equal(out, conv2d_loops(x.astype(np.float64), w.astype(np.float64),
                                                        np.ones(2)))
    for backward in BACKWARDS.values():
        assert all(g.dtype == expected for g in backward(dout, x, w))
    assert conv_transpose2d(dout, w.transpose(1, 0, 2, 3)).dtype == expected


def test_complex_is_refused():
    """Complex inputs raise TypeError: the layers are real-valued like PyTorch's."""
    with pytest.raises(TypeError, match="complex"):
        conv2d(np.ones((1, 1, 3, 3), complex), np.ones((1, 1, 2, 2)))


# ----------------------------------------------------------------------- bad arguments

X = np.ones((2, 3, 6, 6))
W = np.ones((4, 3, 3, 3))

BAD_CONV = [
    ("x_3d", dict(x=np.ones((3, 6, 6))), ValueError,
     r"x must be a 4-D array laid out as \(N, C_in, H, W\)"),
    ("x_string", dict(x="image"), TypeError, "x must be a numeric array"),
    ("w_3d", dict(w=np.ones((4, 3, 3))), ValueError,
     r"w must be a 4-D array laid out as \(C_out, C_in // groups"),
    ("w_channels", dict(w=np.ones((8, 4, 3, 3))), ValueError,
     r"w must have C_in // groups = 3 input channels to match x's C_in = 3, "
     r"got w.shape = \(8, 4, 3, 3\)"),
    ("groups_c_in", dict(w=np.ones((4, 1, 3, 3)), groups=2), ValueError,
     "groups = 2 must divide x's C_in = 3"),
    ("groups_c_out", dict(x=np.ones((2, 4, 6, 6)), w=np.ones((3, 2, 3, 3)), groups=2), ValueError,
     "groups = 2 must divide C_out = w.shape.0. = 3"),
    ("groups_zero", dict(groups=0), ValueError, "groups must be >= 1, got 0"),
    ("groups_float", dict(groups=1.0), TypeError, "groups must be an int"),
    ("b_length", dict(b=np.ones(3)), ValueError, r"b must have C_out = w.shape\[0\] = 4 entries"),
    ("b_2d", dict(b=np.ones((4, 1))), ValueError, r"b must be a 1-D array laid out as \(C_out,\)"),
    ("stride_zero", dict(stride=0), ValueError, "stride must be >= 1"),
    ("stride_triple", dict(stride=(1, 2, 3)), ValueError,
     r"stride must be an int or a pair \(h, w\)"),
    ("stride_float", dict(stride=1.5), TypeError, "stride must be an int or a pair of ints"),
    ("padding_negative", dict(padding=-1), ValueError, "padding must be >= 0"),
    ("padding_word", dict(padding="full"), ValueError,
     "padding must be one of 'valid', 'same', got 'full'"),
    ("padding_same_strided", dict(padding="same", stride=2), ValueError,
     "padding='same' needs stride=1"),
    ("dilation_zero", dict(dilation=0), ValueError, "dilation must be >= 1"),
    ("kernel_too_large", dict(w=np.ones((4, 3, 7, 3))), ValueError,
     "height: input 6, kernel 7, padding 0: the kernel spans 7 but the padded input is only 6"),
    ("dilated_kernel_too_large", dict(dilation=(1, 3)), ValueError,
     r"width: input 6, kernel 3 with dilation 3 \(spans 7\)"),
]


@pytest.mark.parametrize("impl", sorted(FORWARDS))
@pytest.mark.parametrize("case, changes, error, message", BAD_CONV, ids=[c[0] for c in BAD_CONV])
def test_conv2d_bad_arguments(case, changes, error, message, impl):
    """Each bad argument raises the right error naming the parameter and what is allowed."""
    args = dict(x=X, w=W, b=None, stride=1, padding=0, dilation=1, groups=1)
    args.update(changes)
    with pytest.raises(error, match=message):
        FORWARDS[impl](**args)


BAD_BACKWARD = [c for c in BAD_CONV if not c[0].startswith("b_")] + [
    ("dout_shape", dict(dout=np.ones((2, 4, 3, 3))), ValueError,
     r"dout must have the shape of conv2d's output \(N, C_out, H_out, W_out\) = \(2, 4, 4, 4\), "
     r"got dout.shape = \(2, 4, 3, 3\)"),
    ("dout_3d", dict(dout=np.ones((4, 4, 4))), ValueError, "dout must be a 4-D array"),
    ("dout_string", dict(dout="gradient"), TypeError, "dout must be a numeric array"),
]


@pytest.mark.parametrize("impl", sorted(BACKWARDS))
@pytest.mark.parametrize("case, changes, error, message", BAD_BACKWARD,
                         ids=[c[0] for c in BAD_BACKWARD])
def test_conv2d_backward_bad_arguments(case, changes, error, message, impl):
    """The backward passes check their arguments like conv2d, plus dout's shape."""
    args = dict(dout=np.ones((2, 4, 4, 4)), x=X, w=W, stride=1, padding=0, dilation=1, groups=1)
    args.update(changes)
    if case in ("groups_c_out", "w_channels"):
        args["dout"] = np.ones((2, args["w"].shape[0], 4, 4))
    with pytest.raises(error, match=message):
        BACKWARDS[impl](**args)


BAD_TRANSPOSE = [
    ("w_rows", dict(w=np.ones((4, 2, 3, 3))), ValueError,
     r"w must have C_in = 3 rows \(w.shape\[0\]\) to match x's C_in = 3"),
    ("groups", dict(groups=2), ValueError, "groups = 2 must divide x's C_in = 3"),
    ("output_padding", dict(stride=2, output_padding=2), ValueError,
     "output_padding must be smaller than either stride or dilation"),
    ("output_padding_stride1", dict(output_padding=1), ValueError,
     "output_padding must be smaller than either stride or dilation"),
    ("padding_same", dict(padding="same"), TypeError, "padding must be an int or a pair of ints"),
    ("padding_too_large", dict(padding=5), ValueError, "padding=.5, 5. is too large"),
    ("b_length", dict(b=np.ones(3)), ValueError, r"b must have C_out = w.shape\[1\] \* groups = 2"),
    ("stride_zero", dict(stride=0), ValueError, "stride must be >= 1"),
    ("dilation_zero", dict(dilation=0), ValueError, "dilation must be >= 1"),
]


@pytest.mark.parametrize("case, changes, error, message", BAD_TRANSPOSE,
                         ids=[c[0] for c in BAD_TRANSPOSE])
def test_conv_transpose2d_bad_arguments(case, changes, error, message):
    """conv_transpose2d's bad arguments raise errors naming the parameter, PyTorch's rules."""
    args = dict(x=np.ones((1, 3, 4, 4)), w=np.ones((3, 2, 3, 3)), b=None, stride=1, padding=0,
                output_padding=0, groups=1, dilation=1)
    args.update(changes)
    with pytest.raises(error, match=message):
        conv_transpose2d(**args)


def test_output_padding_below_dilation_is_allowed():
    """PyTorch allows output_padding < dilation even with stride 1: one extra bias-only row."""
    out = conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), b=[5.0],
                           dilation=2, output_padding=1)
    assert out.shape == (1, 1, 6, 6)
    np.testing.assert_array_equal(out[0, 0, 5], 5.0)


# ----------------------------------------------------------------------- output sizes

def test_output_size_refuses_a_stride_that_does_not_divide():
    """Input 10, kernel 3, stride 2 raises by default, explaining the remainder and the fix."""
    with pytest.raises(ValueError) as info:
        conv_output_size(10, 3, stride=2)
    message = str(info.value)
    assert message.startswith("input 10, kernel 3, stride 2, padding 0 does not fit")
    for part in ("(10 + 0 - 3) = 7 is not a multiple of stride 2", "the last 1 row(s)/column(s)",
                 "PyTorch floors to 4", "allow_remainder=True"):
        assert part in message
    assert conv_output_size(10, 3, stride=2, allow_remainder=True) == 4


@pytest.mark.parametrize("args, kwargs, expected", [
    ((5, 5), {}, 1),                                     # kernel as large as the input
    ((4, 6), {"padding": 1}, 1),                         # kernel as large as the padded input
    ((7, 3), {"dilation": 3}, 1),                        # dilated kernel spans the input
    ((32, 3), {"padding": 1}, 32),                       # "same" by hand
    ((9, 3), {"stride": 2}, 4),                          # a stride that divides
    ((6, 1), {}, 6),                                     # 1x1 kernel
    ((7, 1), {"stride": 2}, 4),
    ((1, 1), {}, 1),
    (((28, 21), 5), {"stride": (1, 3), "padding": (0, 1)}, (24, 7)),
    ((8, (3, 2)), {"stride": (1, 2)}, (6, 4)),           # one pair makes a tuple
    (((10, 11), 3), {"stride": 2, "allow_remainder": True}, (4, 5)),
])
def test_output_size_cases(args, kwargs, expected):
    """conv_output_size gives the known sizes, an int for ints and a tuple when a pair is given."""
    got = conv_output_size(*args, **kwargs)
    assert got == expected and type(got) is type(expected)


@given(st.integers(1, 30), st.integers(1, 6), st.integers(1, 4), st.integers(0, 3),
       st.integers(1, 3))
def test_output_size_counts_window_positions(size, kernel, stride, padding, dilation):
    """With allow_remainder the size is the number of window starts that fit, counted one by one."""
    span = dilation * (kernel - 1) + 1
    starts = [s for s in range(0, size + 2 * padding, stride) if s + span <= size + 2 * padding]
    if not starts:
        with pytest.raises(ValueError, match="the kernel spans"):
            conv_output_size(size, kernel, stride, padding, dilation, allow_remainder=True)
        return
    got = conv_output_size(size, kernel, stride, padding, dilation, allow_remainder=True)
    assert got == len(starts)
    fits = (size + 2 * padding - span) % stride == 0
    if fits:
        assert conv_output_size(size, kernel, stride, padding, dilation) == len(starts)
    else:
        with pytest.raises(ValueError, match="does not fit"):
            conv_output_size(size, kernel, stride, padding, dilation)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(input_size=0, kernel_size=1), ValueError, "input_size must be >= 1, got 0"),
    (dict(input_size=5, kernel_size=0), ValueError, "kernel_size must be >= 1, got 0"),
    (dict(input_size=5, kernel_size=3, stride=0), ValueError, "stride must be >= 1"),
    (dict(input_size=5, kernel_size=3, padding=-1), ValueError, "padding must be >= 0"),
    (dict(input_size=5, kernel_size=3, dilation=0), ValueError, "dilation must be >= 1"),
    (dict(input_size=5.0, kernel_size=3), TypeError, "input_size must be an int"),
    (dict(input_size=(5, 5, 5), kernel_size=3), ValueError, "input_size must be an int or a pair"),
    (dict(input_size=5, kernel_size=3, padding="same"), TypeError, "padding must be an int"),
    (dict(input_size=5, kernel_size=3, allow_remainder="yes"), TypeError, "allow_remainder"),
    (dict(input_size=5, kernel_size=6), ValueError,
     "the kernel spans 6 but the padded input is only 5"),
    (dict(input_size=(5, 8), kernel_size=(3, 4), stride=(1, 3)), ValueError,
     r"width: input 8, kernel 4, stride 3, padding 0 does not fit: \(8 \+ 0 - 4\) = 4"),
])
def test_output_size_bad_arguments(kwargs, error, message):
    """Bad sizes and settings raise errors naming the parameter and the allowed range."""
    with pytest.raises(error, match=message):
        conv_output_size(**kwargs)


# ------------------------------------------------------------------------------ pad2d

NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}

PADDINGS = {
    "zero": (0, ((0, 0), (0, 0))),
    "zero_pair": ((0, 0), ((0, 0), (0, 0))),
    "one": (1, ((1, 1), (1, 1))),
    "pair": ((2, 0), ((2, 2), (0, 0))),
    "sides": (((0, 2), (3, 1)), ((0, 2), (3, 1))),
    "sides_zero_end": (((1, 0), (0, 1)), ((1, 0), (0, 1))),
    "widest": (((3, 3), (4, 4)), ((3, 3), (4, 4))),   # reflect's limit on a 4x5 input
}


@pytest.mark.parametrize("mode", sorted(NUMPY_MODE))
@pytest.mark.parametrize("case", sorted(PADDINGS))
@pytest.mark.parametrize("shape", [(4, 5), (2, 4, 5), (2, 3, 4, 5), (1, 2, 1, 4, 5)],
                         ids=["2d", "3d", "4d", "5d"])
def test_pad2d_matches_numpy_pad(mode, case, shape, rng):
    """pad2d pads the last two axes like numpy.pad with the matching mode and leaves x alone."""
    padding, widths = PADDINGS[case]
    x = rng.standard_normal(shape)
    keep = x.copy()
    got = pad2d(x, padding, mode=mode)
    expected = np.pad(x, [(0, 0)] * (x.ndim - 2) + list(widths), mode=NUMPY_MODE[mode])
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == x.dtype
    assert not np.shares_memory(got, x)
    np.testing.assert_array_equal(x, keep)


def test_pad2d_constant_value_and_ints():
    """mode="constant" fills with value and keeps an integer array's dtype."""
    x = np.arange(6).reshape(2, 3)
    got = pad2d(x, ((1, 0), (0, 2)), value=7)
    np.testing.assert_array_equal(got, np.pad(x, ((1, 0), (0, 2)), constant_values=7))
    assert got.dtype == x.dtype


def test_pad2d_circular_may_wrap_a_whole_period():
    """Circular padding as wide as the axis repeats the whole input, like numpy's wrap."""
    x = np.arange(6.0).reshape(1, 2, 3)
    np.testing.assert_array_equal(pad2d(x, (2, 3), mode="circular"),
                                  np.pad(x, ((0, 0), (2, 2), (3, 3)), mode="wrap"))


@pytest.mark.parametrize("args, error, message", [
    ((np.ones(4), 1), ValueError, r"x must have at least 2 dimensions \(..., H, W\)"),
    (("abc", 1), TypeError, "x must be a numeric array"),
    ((np.ones((3, 3)), -1), ValueError, "padding must be >= 0"),
    ((np.ones((3, 3)), ((1, -1), (0, 0))), ValueError,
     r"padding\[0\] \(top, bottom\) must be >= 0"),
    ((np.ones((3, 3)), (1, 2, 3)), ValueError, r"padding must be an int or a pair \(h, w\)"),
    ((np.ones((3, 3)), "same"), TypeError, "padding must be an int, a pair"),
    ((np.ones((3, 3)), 1.5), TypeError, "padding must be an int or a pair of ints"),
    ((np.ones((3, 3)), 1, "symmetric"), ValueError,
     "mode must be one of 'constant', 'reflect', 'replicate', 'circular', got 'symmetric'"),
    ((np.ones((3, 3)), 1, "reflect", 1.0), ValueError, "value is only used with mode='constant'"),
    ((np.ones((3, 3)), 1, "constant", "0"), TypeError, "value must be a real number"),
    ((np.ones((3, 4)), (3, 0), "reflect"), ValueError,
     r"padding \(3, 3\) on the height is too large for mode='reflect'.*"
     r"smaller than the input's height 3"),
    ((np.ones((3, 4)), (0, 5), "circular"), ValueError,
     r"padding \(5, 5\) on the width is too large for mode='circular'"),
])
def test_pad2d_bad_arguments(args, error, message):
    """pad2d's bad arguments raise errors naming the parameter and what is allowed."""
    with pytest.raises(error, match=message):
        pad2d(*args)
