"""Tests for autograder.reference.structure.

Oracles: scipy.signal.correlate2d (the convolution a conv matrix must reproduce),
numerical gradients (its transpose), brute force (perturb one input pixel and watch the
outputs; count distinct shared weights and nonzero matrix entries), hand-computed
numbers from published networks, and conv2d from autograder.reference.layers.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from autograder.reference.gradcheck import numerical_gradient
from autograder.reference.layers import conv2d, conv2d_backward
from autograder.reference.structure import (ConvCost, ReceptiveField, conv_flops, conv_matrix,
                                            conv_params, fc_to_conv, receptive_field)


def _pair(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


def _scipy_conv(x, w, stride=1, padding=0, dilation=1):
    """conv2d of one image (C_in, H, W) with w (C_out, C_in, kH, kW), built from scipy.

    Stride 1 cross-correlation of the zero-padded input with the zero-stuffed (dilated)
    kernel, subsampled by the stride.
    """
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    c_out, c_in, kh, kw = w.shape
    stuffed = np.zeros((c_out, c_in, dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    stuffed[:, :, ::dh, ::dw] = w
    out = np.array([sum(scipy.signal.correlate2d(xp[c], stuffed[o, c], mode="valid")
                        for c in range(c_in)) for o in range(c_out)])
    return out[:, ::sh, ::sw]


# ------------------------------------------------------------------------ conv_matrix

# (name, C_out, C_in, (H, W), kernel, stride, padding, dilation)
MATRIX_CASES = [
    ("kernel_1x1", 2, 3, (4, 5), (1, 1), 1, 0, 1),
    ("kernel_as_large_as_input", 2, 2, (3, 4), (3, 4), 1, 0, 1),
    ("even_kernel", 1, 2, (5, 5), (2, 2), 1, 0, 1),
    ("non_square_input", 2, 1, (4, 7), (3, 3), 1, 1, 1),
    ("stride_does_not_divide", 2, 2, (7, 6), (3, 2), (2, 3), 0, 1),
    ("padding_0", 3, 2, (5, 5), (3, 3), 2, 0, 1),
    ("padding_and_stride", 2, 2, (6, 5), (3, 3), 2, (1, 2), 1),
    ("dilation", 2, 1, (7, 8), (2, 3), 1, 1, (2, 3)),
    ("C_1", 1, 1, (5, 4), (2, 3), (1, 2), (1, 0), 1),
]
MATRIX_IDS = [case[0] for case in MATRIX_CASES]


def test_conv_matrix_worked_example():
    """A 2x2 kernel on a 3x3 input gives the 4x9 doubly block Toeplitz matrix written by hand."""
    expected = np.array([[1, 2, 0, 3, 4, 0, 0, 0, 0],
                         [0, 1, 2, 0, 3, 4, 0, 0, 0],
                         [0, 0, 0, 1, 2, 0, 3, 4, 0],
                         [0, 0, 0, 0, 1, 2, 0, 3, 4]], dtype=float)
    np.testing.assert_array_equal(conv_matrix(np.array([[1, 2], [3, 4]]), (3, 3)), expected)


@pytest.mark.parametrize("name, c_out, c_in, hw, kernel, stride, padding, dilation",
                         MATRIX_CASES, ids=MATRIX_IDS)
def test_conv_matrix_times_input_is_the_convolution(name, c_out, c_in, hw, kernel, stride,
                                                    padding, dilation, rng):
    """M @ x.ravel() equals scipy's cross-correlation and conv2d, for every edge case."""
    w = rng.normal(size=(c_out, c_in) + kernel)
    x = rng.normal(size=(c_in,) + hw)
    matrix = conv_matrix(w, x.shape, stride, padding, dilation)
    expected = _scipy_conv(x, w, stride, padding, dilation)
    assert matrix.shape == (expected.size, x.size)
    np.testing.assert_allclose(matrix @ x.ravel(), expected.ravel(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(matrix @ x.ravel(),
                               conv2d(x[None], w, None, stride, padding, dilation).ravel(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, c_out, c_in, hw, kernel, stride, padding, dilation",
                         MATRIX_CASES, ids=MATRIX_IDS)
def test_conv_matrix_transpose_is_the_input_gradient(name, c_out, c_in, hw, kernel, stride,
                                                     padding, dilation, rng):
    """M.T @ dout.ravel() is the numerical gradient of the convolution, and conv2d_backward's dx."""
    w = rng.normal(size=(c_out, c_in) + kernel)
    x = rng.normal(size=(c_in,) + hw)
    dout = rng.normal(size=_scipy_conv(x, w, stride, padding, dilation).shape)
    got = conv_matrix(w, x.shape, stride, padding, dilation).T @ dout.ravel()
    expected = numerical_gradient(lambda v: _scipy_conv(v, w, stride, padding, dilation),
                                  x, dout)
    np.testing.assert_allclose(got, expected.ravel(), rtol=1e-6, atol=1e-8)
    dx, _, _ = conv2d_backward(dout[None], x[None], w, stride, padding, dilation)
    np.testing.assert_allclose(got, dx.ravel(), rtol=1e-10, atol=1e-12)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 2), st.integers(1, 2), st.integers(0, 6), st.integers(0, 6),
       st.integers(0, 2**32 - 1))
def test_conv_matrix_single_kernel_rows(kh, kw, sh, sw, pad, dil, extra_h, extra_w, seed):
    """Each row of a 2-D conv matrix is the kernel placed at its window, cropped to the input."""
    height = max(1, dil * (kh - 1) + 1 - 2 * pad) + extra_h
    width = max(1, dil * (kw - 1) + 1 - 2 * pad) + extra_w
    w = np.random.default_rng(seed).integers(1, 10, (kh, kw)).astype(float)
    matrix = conv_matrix(w, (height, width), (sh, sw), pad, dil)
    oh = (height + 2 * pad - dil * (kh - 1) - 1) // sh + 1
    ow = (width + 2 * pad - dil * (kw - 1) - 1) // sw + 1
    assert matrix.shape == (oh * ow, height * width)
    for i in range(oh):
        for j in range(ow):
            canvas = np.zeros((height + 2 * pad, width + 2 * pad))
            rows = slice(i * sh, i * sh + dil * (kh - 1) + 1, dil)
            cols = slice(j * sw, j * sw + dil * (kw - 1) + 1, dil)
            canvas[rows, cols] = w
            expected = canvas[pad:pad + height, pad:pad + width]
            np.testing.assert_array_equal(matrix[i * ow + j].reshape(height, width), expected)


def test_conv_matrix_is_doubly_block_toeplitz(rng):
    """Stride 1, no padding: block (i, r) depends only on r - i, and each block is Toeplitz."""
    kh, kw, height, width = 3, 2, 6, 5
    oh, ow = height - kh + 1, width - kw + 1
    matrix = conv_matrix(rng.normal(size=(kh, kw)), (height, width))
    blocks = matrix.reshape(oh, ow, height, width)
    for i in range(oh):
        for r in range(height):
            block = blocks[i, :, r, :]  # (OW, W): output row i against input row r
            if 0 <= r - i < kh:
                np.testing.assert_array_equal(block, blocks[0, :, r - i, :])
                for j in range(ow):
                    for s in range(width):
                        expected = blocks[0, 0, r - i, s - j] if 0 <= s - j < kw else 0.0
                        assert block[j, s] == expected
            else:
                assert not block.any()


def test_conv_matrix_dtype():
    """A float32 kernel gives a float32 matrix, an integer kernel a float64 one."""
    assert conv_matrix(np.ones((2, 2), np.float32), (3, 3)).dtype == np.float32
    assert conv_matrix(np.ones((2, 2), np.int64), (3, 3)).dtype == np.float64


@pytest.mark.parametrize("w, shape, kwargs, error, words", [
    (np.ones((1, 2, 2)), (3, 3), {}, ValueError, ["w", "2 or 4-D", "(kH, kW)"]),
    (np.ones((2, 2)), (1, 3, 3), {}, ValueError, ["input_shape", "(H, W)"]),
    (np.ones((1, 2, 2, 2)), (3, 3), {}, ValueError, ["input_shape", "(C_in, H, W)"]),
    (np.ones((1, 2, 2, 2)), (3, 3, 3), {}, ValueError, ["C_in = 3", "has 2"]),
    (np.ones((2, 2)), (3, 0), {}, ValueError, ["input_shape[1]", ">= 1"]),
    (np.ones((2, 2)), (3, 3.0), {}, TypeError, ["input_shape[1]", "int"]),
    (np.ones((4, 4)), (3, 3), {}, ValueError, ["kernel spans 4", "only 3"]),
    (np.ones((2, 2)), (3, 3), dict(stride=0), ValueError, ["stride", ">= 1"]),
    (np.ones((2, 2)), (3, 3), dict(padding=-1), ValueError, ["padding", ">= 0"]),
    (np.ones((2, 2)), (3, 3), dict(dilation=0), ValueError, ["dilation", ">= 1"]),
    ("kernel", (3, 3), {}, TypeError, ["w"]),
])
def test_conv_matrix_bad_arguments(w, shape, kwargs, error, words):
    """Bad kernels, shapes and settings raise errors naming the parameter and the rule."""
    with pytest.raises(error) as info:
        conv_matrix(w, shape, **kwargs)
    for word in words:
        assert word in str(info.value)


# -------------------------------------------------------------------- receptive_field

def _impulse_responses_1d(layers, length):
    """Row p: the output of a stack of all-ones 1-D convolutions fed a unit impulse at p."""
    signal = np.eye(length)
    for kernel, stride, dilation in layers:
        span = dilation * (kernel - 1) + 1
        n_out = (signal.shape[1] - span) // stride + 1
        if n_out < 2:
            return None
        signal = sum(signal[:, u * dilation:u * dilation + stride * (n_out - 1) + 1:stride]
                     for u in range(kernel))
    return signal


def _brute_force_1d(layers):
    """Receptive field (extent) and jump found by perturbing each input pixel.

    The input grows until the stack has two outputs; the pixels that change output 0
    form its field, and output 1's field starts ``jump`` pixels later.
    """
    length = 2
    while (responses := _impulse_responses_1d(layers, length)) is None:
        length += 1
    first = np.flatnonzero(responses[:, 0])
    second = np.flatnonzero(responses[:, 1])
    return first.max() - first.min() + 1, second.min() - first.min()


def test_receptive_field_vgg_stacks():
    """Two stacked 3x3 convolutions see 5x5 and three see 7x7, as the VGG paper says."""
    assert receptive_field([(3, 1)] * 2) == ReceptiveField(5, 1)
    assert receptive_field([(3, 1)] * 3) == ReceptiveField(7, 1)
    assert receptive_field([dict(kernel_size=3, padding=1)] * 3).size == 7


def test_receptive_field_published_networks():
    """AlexNet (v2) and VGG-16 up to their last pooling layer see 195 and 212 pixels.

    The numbers are those of Araujo, Norris and Sim, "Computing Receptive Fields of
    Convolutional Neural Networks", Distill (2019), Table 1.
    """
    alexnet = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]
    assert receptive_field(alexnet) == ReceptiveField(195, 32)
    conv, pool = dict(kernel_size=3, padding=1), dict(kernel_size=2, stride=2)
    vgg16 = [conv] * 2 + [pool] + [conv] * 2 + [pool] + ([conv] * 3 + [pool]) * 3
    assert receptive_field(vgg16) == ReceptiveField(212, 32)


def test_receptive_field_arithmetic_guide_example():
    """Two 3x3 convolutions with stride 2 and padding 1: field 3 then 7, jump 2 then 4."""
    layer = dict(kernel_size=3, stride=2, padding=1)
    assert receptive_field([layer]) == ReceptiveField(3, 2)
    assert receptive_field([layer, layer]) == ReceptiveField(7, 4)


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
                min_size=1, max_size=4))
def test_receptive_field_matches_brute_force_1d(layers):
    """Over random stacks, size and jump equal what perturbing single input pixels shows."""
    assert tuple(receptive_field(layers)) == _brute_force_1d(layers)


@pytest.mark.parametrize("layers", [
    [dict(kernel_size=(3, 1), stride=(1, 2)), dict(kernel_size=(2, 3), dilation=(2, 1))],
    [((1, 3), 1), ((3, 3), (2, 1), (1, 2)), (2, 2)],
])
def test_receptive_field_pairs_match_brute_force_2d(layers):
    """With per-axis settings the result is per axis and matches 2-D single-pixel perturbation."""
    result = receptive_field(layers)
    assert isinstance(result.size, tuple) and isinstance(result.jump, tuple)
    # the 2-D stack of all-ones kernels, fed one impulse per input pixel
    height, width = 24, 24
    signal = np.eye(height * width).reshape(-1, height, width)
    for layer in layers:
        if isinstance(layer, dict):
            kernel = _pair(layer["kernel_size"])
            stride = _pair(layer.get("stride", 1))
            dilation = _pair(layer.get("dilation", 1))
        else:
            kernel, stride = _pair(layer[0]), _pair(layer[1])
            dilation = _pair(layer[2]) if len(layer) == 3 else (1, 1)
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        oh = (signal.shape[1] - dh * (kh - 1) - 1) // sh + 1
        ow = (signal.shape[2] - dw * (kw - 1) - 1) // sw + 1
        signal = sum(signal[:, u * dh:u * dh + sh * (oh - 1) + 1:sh,
                            v * dw:v * dw + sw * (ow - 1) + 1:sw]
                     for u in range(kh) for v in range(kw))
    field = np.argwhere(signal[:, 0, 0].reshape(height, width))
    below = np.argwhere(signal[:, 1, 0].reshape(height, width))
    right = np.argwhere(signal[:, 0, 1].reshape(height, width))
    size = tuple(field.max(axis=0) - field.min(axis=0) + 1)
    jump = (below[:, 0].min() - field[:, 0].min(), right[:, 1].min() - field[:, 1].min())
    assert result == ReceptiveField(size, jump)


def test_receptive_field_forms_agree():
    """Dicts and tuples describe the same layers; an empty stack is a single pixel."""
    as_dicts = [dict(kernel_size=5, stride=2), dict(kernel_size=3, stride=1, dilation=2)]
    assert receptive_field(as_dicts) == receptive_field([(5, 2), (3, 1, 2)])
    assert receptive_field([]) == ReceptiveField(1, 1)
    assert receptive_field(iter([(3, 1)])) == ReceptiveField(3, 1)


@pytest.mark.parametrize("layers, error, words", [
    ([dict(kernel=3)], ValueError, ["layers[0]", "kernel_size", "['kernel']"]),
    ([dict(kernel_size=3, strides=2)], ValueError, ["layers[0]", "'strides'"]),
    ([(3, 1), (0, 1)], ValueError, ["layers[1]", "kernel_size", ">= 1"]),
    ([(3, 0)], ValueError, ["layers[0]", "stride", ">= 1"]),
    ([(3, 1, 0)], ValueError, ["layers[0]", "dilation", ">= 1"]),
    ([(3,)], TypeError, ["layers[0]", "tuple"]),
    ([3], TypeError, ["layers[0]", "dict"]),
    ([(3.0, 1)], TypeError, ["layers[0]", "kernel_size", "int"]),
    ([dict(kernel_size=3, padding=-1)], ValueError, ["padding", ">= 0"]),
    (dict(kernel_size=3), TypeError, ["layers", "sequence"]),
    (3, TypeError, ["layers", "sequence"]),
])
def test_receptive_field_bad_arguments(layers, error, words):
    """Malformed layers raise errors naming the layer, the setting and what is allowed."""
    with pytest.raises(error) as info:
        receptive_field(layers)
    for word in words:
        assert word in str(info.value)


# ------------------------------------------------------------------------ conv_params

def test_conv_params_published_numbers():
    """AlexNet conv1 has 34,944 parameters, VGG-16's first FC layer 102,764,544."""
    assert conv_params(3, 96, 11) == 34_944  # 96 * (11 * 11 * 3) + 96
    assert conv_params(7 * 7 * 512, 4096, 1) == 102_764_544  # as a fully connected layer
    assert conv_params(512, 4096, 7) == 102_764_544  # the same layer as a 7x7 convolution


def test_conv_params_five_units():
    """Five units to five: a fully connected layer has 25 weights, a size-3 convolution 3."""
    assert conv_params(5, 5, 1, bias=False) == 25
    assert conv_params(1, 1, (1, 3), bias=False) == 3
    assert conv_params(5, 5, 1) == 30 and conv_params(1, 1, (1, 3)) == 4


@pytest.mark.parametrize("c_in, c_out, kernel", [(1, 1, 1), (2, 3, 3), (3, 2, (2, 4)),
                                                 (4, 1, (3, 1))])
def test_conv_params_counts_distinct_shared_weights(c_in, c_out, kernel):
    """conv_params without bias is the number of distinct weights in the layer's conv matrix."""
    kh, kw = _pair(kernel)
    count = conv_params(c_in, c_out, kernel, bias=False)
    w = np.arange(1, c_out * c_in * kh * kw + 1, dtype=float).reshape(c_out, c_in, kh, kw)
    matrix = conv_matrix(w, (c_in, kh + 2, kw + 3))
    values = np.unique(matrix[matrix != 0])
    assert values.size == count
    assert conv_params(c_in, c_out, kernel) == count + c_out


@pytest.mark.parametrize("c_in, c_out, groups", [(4, 6, 2), (6, 6, 6), (8, 4, 4), (3, 3, 1)])
def test_conv_params_groups_brute_force(c_in, c_out, groups):
    """With groups, only connections within a group count: brute-force count of channel pairs."""
    kh, kw = 3, 2
    pairs = sum(1 for o in range(c_out) for c in range(c_in)
                if o // (c_out // groups) == c // (c_in // groups))
    assert conv_params(c_in, c_out, (kh, kw), groups=groups, bias=False) == pairs * kh * kw
    assert conv_params(c_in, c_out, (kh, kw), groups=groups) == pairs * kh * kw + c_out


@pytest.mark.parametrize("args, kwargs, error, words", [
    ((0, 4, 3), {}, ValueError, ["in_channels", ">= 1"]),
    ((4, 0, 3), {}, ValueError, ["out_channels", ">= 1"]),
    ((4, 6, 3), dict(groups=4), ValueError, ["groups = 4", "divide"]),
    ((4, 6, 0), {}, ValueError, ["kernel_size", ">= 1"]),
    ((4.0, 6, 3), {}, TypeError, ["in_channels", "int"]),
    ((4, 6, 3), dict(bias=1), TypeError, ["bias", "True or False"]),
    ((4, 6, 3), dict(groups=0), ValueError, ["groups", ">= 1"]),
])
def test_conv_params_bad_arguments(args, kwargs, error, words):
    """Bad counts raise errors naming the parameter and what is allowed."""
    with pytest.raises(error) as info:
        conv_params(*args, **kwargs)
    for word in words:
        assert word in str(info.value)


# ------------------------------------------------------------------------- conv_flops

def test_conv_flops_published_layers():
    """AlexNet conv1 does 55*55*96 * 363 MACs; VGG-16 conv1_1 does 224*224*64 * 27."""
    alexnet = conv_flops((3, 227, 227), 96, 11, stride=4)
    assert alexnet == ConvCost(macs=55 * 55 * 96 * 363, flops=2 * 55 * 55 * 96 * 363)
    assert alexnet.macs == 105_415_200
    assert conv_flops((1, 3, 224, 224), 64, 3, padding=1).macs == 86_704_128


def test_conv_flops_mobilenet_reduction():
    """Depthwise-separable over full 3x3 cost is 1/N + 1/9, the MobileNet paper's formula."""
    m, n, size = 32, 64, 14
    full = conv_flops((m, size, size), n, 3, padding=1).macs
    depthwise = conv_flops((m, size, size), m, 3, padding=1, groups=m).macs
    pointwise = conv_flops((m, size, size), n, 1).macs
    assert (depthwise + pointwise) * n * 9 == full * (9 + n)  # exact form of 1/N + 1/9


@pytest.mark.parametrize("shape, c_out, kernel, stride, padding, dilation", [
    ((2, 3, 7, 6), 4, 3, 1, 0, 1),
    ((1, 2, 8, 9), 3, (2, 3), (2, 1), (1, 2), 1),
    ((3, 1, 9, 9), 2, 3, 2, 1, 2),
    ((1, 4, 5, 5), 1, 5, 1, 0, 1),
    ((2, 2, 6, 7), 2, 1, 3, 0, 1),
])
def test_conv_flops_brute_force(shape, c_out, kernel, stride, padding, dilation):
    """MACs = N * nonzeros of the conv matrix on the padded input, and every op counted by loop."""
    n_images, c_in, height, width = shape
    (kh, kw), (ph, pw) = _pair(kernel), _pair(padding)
    padded = (c_in, height + 2 * ph, width + 2 * pw)
    matrix = conv_matrix(np.ones((c_out, c_in, kh, kw)), padded, stride, 0, dilation)
    cost = conv_flops(shape, c_out, kernel, stride, padding, dilation)
    assert cost.macs == n_images * np.count_nonzero(matrix)
    # count the operations of the direct computation, one output at a time
    products = additions = 0
    for _ in range(n_images * matrix.shape[0]):
        terms = c_in * kh * kw
        products += terms
        additions += terms - 1
    assert cost.flops == products + additions + n_images * matrix.shape[0]  # + bias adds
    assert conv_flops(shape, c_out, kernel, stride, padding, dilation, bias=False).flops == (
        products + additions)


def test_conv_flops_batch_and_groups():
    """The batch multiplies the cost, (C, H, W) is one image, and groups divide it."""
    one = conv_flops((6, 10, 10), 8, 3)
    assert conv_flops((1, 6, 10, 10), 8, 3) == one
    assert conv_flops((5, 6, 10, 10), 8, 3) == ConvCost(5 * one.macs, 5 * one.flops)
    assert conv_flops((6, 10, 10), 8, 3, groups=2).macs == one.macs // 2
    assert one.flops == 2 * one.macs


@pytest.mark.parametrize("args, kwargs, error, words", [
    (((3, 8, 8, 8, 8), 4, 3), {}, ValueError, ["input_shape", "(N, C_in, H, W)"]),
    (((3, 8), 4, 3), {}, ValueError, ["input_shape", "3 or 4"]),
    (((3, 0, 8), 4, 3), {}, ValueError, ["input_shape[1]", ">= 1"]),
    (((3, 8, 8), 4, 9), {}, ValueError, ["kernel spans 9", "only 8"]),
    (((3, 8, 8), 4, 3), dict(groups=2), ValueError, ["groups = 2", "divide"]),
    (((3, 8, 8), 4, 3), dict(bias=None), TypeError, ["bias"]),
    (((3, 8, 8), 4, 3, 0), {}, ValueError, ["stride", ">= 1"]),
    (("3x8x8", 4, 3), {}, ValueError, ["input_shape"]),
])
def test_conv_flops_bad_arguments(args, kwargs, error, words):
    """Bad shapes and settings raise errors naming the parameter and what is allowed."""
    with pytest.raises(error) as info:
        conv_flops(*args, **kwargs)
    for word in words:
        assert word in str(info.value)


# ------------------------------------------------------------------------- fc_to_conv

@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 1, 1), (6, 1, 1), (2, 3, 1)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_fc_to_conv_equals_the_fully_connected_layer(shape, with_bias, rng):
    """FC on the flattened input equals conv2d with the converted kernels, with or without bias."""
    n_out = 4
    weight = rng.normal(size=(n_out, int(np.prod(shape))))
    bias = rng.normal(size=n_out) if with_bias else None
    x = rng.normal(size=(3,) + shape)
    fc = x.reshape(3, -1) @ weight.T + (bias if with_bias else 0.0)
    w, b = fc_to_conv(weight, bias, shape)
    assert w.shape == (n_out,) + shape
    assert (b is None) == (not with_bias)
    np.testing.assert_allclose(conv2d(x, w, b).reshape(3, n_out), fc, rtol=1e-10)
    # independent of conv2d: one kernel as large as the input is a full dot product
    np.testing.assert_allclose(np.einsum("nchw,ochw->no", x, w) + (b if with_bias else 0.0),
                               fc, rtol=1e-10)


def test_fc_to_conv_slides_into_a_score_map(rng):
    """On a larger input the converted conv gives a score map: entry (i, j) is FC on crop (i, j)."""
    shape, n_out = (2, 3, 4), 5
    weight, bias = rng.normal(size=(n_out, 24)), rng.normal(size=n_out)
    w, b = fc_to_conv(weight, bias, shape)
    big = rng.normal(size=(1, 2, 6, 7))
    scores = conv2d(big, w, b)
    assert scores.shape == (1, n_out, 4, 4)
    crop = big[:, :, :3, :4]
    np.testing.assert_allclose(scores[0, :, 0, 0], (crop.reshape(1, -1) @ weight.T + bias)[0],
                               rtol=1e-10)
    for i in range(4):
        for j in range(4):
            crop = big[0, :, i:i + 3, j:j + 4].reshape(-1)
            np.testing.assert_allclose(scores[0, :, i, j], weight @ crop + bias, rtol=1e-10)


def test_fc_to_conv_vgg_head_stand_in(rng):
    """A VGG-like head (7x7xC -> 16 -> 16 -> 10, ReLUs) becomes convs giving the same scores."""
    channels = 4
    layers = [(rng.normal(size=(16, channels * 49)), rng.normal(size=16), (channels, 7, 7)),
              (rng.normal(size=(16, 16)), rng.normal(size=16), (16, 1, 1)),
              (rng.normal(size=(10, 16)), rng.normal(size=10), (16, 1, 1))]
    x = rng.normal(size=(2, channels, 9, 8))
    # FC head on the top-left 7x7 crop
    h = x[:, :, :7, :7].reshape(2, -1)
    for k, (weight, bias, _) in enumerate(layers):
        h = h @ weight.T + bias
        h = np.maximum(h, 0) if k < 2 else h
    # the converted head slides over the whole input: a 3x2 map of class scores
    y = x
    for k, (weight, bias, shape) in enumerate(layers):
        w, b = fc_to_conv(weight, bias, shape)
        y = conv2d(y, w, b)
        y = np.maximum(y, 0) if k < 2 else y
    assert y.shape == (2, 10, 3, 2)
    np.testing.assert_allclose(y[:, :, 0, 0], h, rtol=1e-10)


def test_fc_to_conv_dtype_and_copy():
    """float32 stays float32, and the result does not share memory with the inputs."""
    weight, bias = np.ones((2, 12), np.float32), np.zeros(2, np.float32)
    w, b = fc_to_conv(weight, bias, (3, 2, 2))
    assert w.dtype == np.float32 and b.dtype == np.float32
    w[...] = 5
    b[...] = 5
    assert weight.max() == 1 and bias.max() == 0


@pytest.mark.parametrize("weight, bias, shape, error, words", [
    (np.ones((2, 12)), None, (3, 2, 3), ValueError, ["12", "C * H * W = 18", "(2, 12)"]),
    (np.ones((2, 12)), np.ones(3), (3, 2, 2), ValueError, ["bias", "2", "(3,)"]),
    (np.ones(12), None, (3, 2, 2), ValueError, ["weight", "2-D"]),
    (np.ones((2, 12)), None, (12,), ValueError, ["input_shape", "(C, H, W)"]),
    (np.ones((2, 12)), "b", (3, 2, 2), TypeError, ["bias"]),
    (np.ones((2, 12), complex), None, (3, 2, 2), TypeError, ["complex"]),
])
def test_fc_to_conv_bad_arguments(weight, bias, shape, error, words):
    """Mismatched shapes raise errors naming the parameter and both sizes."""
    with pytest.raises(error) as info:
        fc_to_conv(weight, bias, shape)
    for word in words:
        assert word in str(info.value)
