"""Known-wrong variants of assignment 3's tasks: the structure of a convolution layer.

The students' signatures (arrays in PyTorch's layout: ``x`` is ``(N, C_in, H, W)``, ``w``
is ``(C_out, C_in, kH, kW)``; settings are ints, ``kernel_size`` an int or ``(kH, kW)``):

* ``conv_matrix(w, input_shape, stride=1, padding=0)``: the ``(C_out*OH*OW, C_in*H*W)``
  matrix ``M`` with ``M @ x.ravel() == conv(x).ravel()`` for one input of shape
  ``input_shape = (C_in, H, W)``; rows and columns in C order; float32 if ``w`` is.
* ``conv_input_grad_via_matrix(w, input_shape, dout, stride=1, padding=0)``: the input
  gradient ``(M.T @ dout.ravel())`` reshaped to ``input_shape``; ``dout`` is
  ``(C_out, OH, OW)``.
* ``conv_params(in_channels, out_channels, kernel_size, bias=True, groups=1)``: an int.
* ``conv_flops(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1,
  bias=True)``: ``(macs, flops)`` for one image ``(C_in, H, W)``; FLOPs count products
  and additions, the bias included, so ``flops == 2 * macs`` with a bias.
* ``fc_params(in_features, out_features, bias=True)`` and ``fc_flops(in_features,
  out_features, bias=True)``: the same for a fully connected layer and one input vector.
* ``conv1x1(x, w, b=None)``: a convolution with ``(C_out, C_in, 1, 1)`` kernels, as one
  matrix product.
* ``fc_to_conv(W, b, input_shape)``: ``(w, b)``, ``w = W.reshape(out, C, H, W)``.
* ``depthwise_separable_conv2d(x, w_depthwise, w_pointwise, b=None, stride=1,
  padding=0)``: ``w_depthwise`` is ``(C_in, 1, kH, kW)`` (one kernel per channel),
  ``w_pointwise`` ``(C_out, C_in, 1, 1)``, ``b`` ``(C_out,)`` added after the pointwise step.
* ``separable_savings(C_in, C_out, k)``: MACs of the separable block over MACs of the full
  ``k x k`` convolution, ``1 / C_out + 1 / k**2``, a float.

Every variant is written the way a student would write it, with numpy only; none calls
:mod:`autograder.reference`.

Examples
--------
>>> w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
>>> conv_matrix_transposed(w, (1, 3, 3)).shape
(9, 4)
>>> identify("separable_savings", [((64, 128, 3), {}, 9 * 128 / (9 + 128))]).name
'ratio upside down (full / separable)'
"""

from __future__ import annotations

import numpy as np

from autograder.mistakes import _mistake, identify, register_task  # noqa: F401 (doctest)

__all__ = [
    "conv_matrix_transposed",
    "conv_matrix_fortran_order",
    "conv_matrix_rows_channels_last",
    "conv_matrix_flipped",
    "conv_matrix_padded_columns",
    "conv_matrix_no_padding",
    "conv_matrix_no_stride",
    "conv_input_grad_no_transpose",
    "conv_input_grad_pinv",
    "conv_input_grad_flat",
    "conv_input_grad_padded",
    "conv_params_no_input_channels",
    "conv_params_bias_per_input_channel",
    "conv_params_groups_ignored",
    "conv_params_groups_twice",
    "conv_params_square_kernel",
    "conv_params_bias_always",
    "conv_params_no_bias",
    "conv_flops_flops_are_macs",
    "conv_flops_bias_twice",
    "conv_flops_bias_never",
    "conv_flops_bias_always",
    "conv_flops_input_positions",
    "conv_flops_no_padding",
    "conv_flops_no_stride",
    "conv_flops_groups_ignored",
    "conv_flops_no_input_channels",
    "fc_params_bias_per_input",
    "fc_params_bias_always",
    "fc_params_no_bias",
    "fc_flops_flops_are_macs",
    "fc_flops_bias_twice",
    "fc_flops_bias_never",
    "fc_flops_bias_always",
    "conv1x1_no_moveaxis",
    "conv1x1_weights_transposed",
    "conv1x1_bias_on_last_axis",
    "conv1x1_no_bias",
    "conv1x1_always_float64",
    "fc_to_conv_channels_last",
    "fc_to_conv_h_w_swapped",
    "fc_to_conv_weight_transposed",
    "fc_to_conv_flipped",
    "fc_to_conv_bias_dropped",
    "depthwise_mixes_channels",
    "depthwise_pointwise_first",
    "depthwise_one_kernel",
    "depthwise_stride_twice",
    "depthwise_no_padding",
    "depthwise_no_bias",
    "separable_savings_integer_division",
    "separable_savings_inverted",
    "separable_savings_c_in",
    "separable_savings_k_not_squared",
    "separable_savings_no_depthwise",
    "separable_savings_no_pointwise",
]

CONV_MATRIX = register_task("conv_matrix")
CONV_INPUT_GRAD = register_task("conv_input_grad_via_matrix")
CONV_PARAMS = register_task("conv_params")
CONV_FLOPS = register_task("conv_flops")
FC_PARAMS = register_task("fc_params")
FC_FLOPS = register_task("fc_flops")
CONV1X1 = register_task("conv1x1")
FC_TO_CONV = register_task("fc_to_conv")
DEPTHWISE = register_task("depthwise_separable_conv2d")
SEPARABLE_SAVINGS = register_task("separable_savings")


# --- shared pieces, written as a student would ------------------------------------------

def _pair(kernel_size):
    """``(kH, kW)`` from an int or a pair."""
    if np.ndim(kernel_size) == 0:
        return int(kernel_size), int(kernel_size)
    kh, kw = kernel_size
    return int(kh), int(kw)


def _float(*arrays):
    """The dtype a layer computes in: float32 stays float32, everything else float64."""
    dtype = np.result_type(*arrays)
    return dtype if dtype.kind == "f" and dtype.itemsize >= 4 else np.dtype(np.float64)


def _matrix(w, input_shape, stride=1, padding=0, *, flip=False, order="C",
            rows_last=False, keep_padding=False):
    """The conv matrix built entry by entry, with switches for the classic slips.

    ``order="F"`` numbers rows and columns in column-major order, ``rows_last`` orders the
    rows ``(i, j, o)``, ``keep_padding`` keeps a column for every padded pixel.
    """
    w = np.asarray(w)
    if flip:
        w = w[:, :, ::-1, ::-1]
    c_out, c_in, kh, kw = w.shape
    channels, height, width = input_shape
    p, s = padding, stride
    hp, wp = height + 2 * p, width + 2 * p
    oh, ow = (hp - kh) // s + 1, (wp - kw) // s + 1
    if keep_padding:
        cols = channels * hp * wp
    else:
        cols = channels * height * width
    matrix = np.zeros((c_out * oh * ow, cols), dtype=_float(w))
    for o in range(c_out):
        for i in range(oh):
            for j in range(ow):
                if rows_last:
                    row = (i * ow + j) * c_out + o
                elif order == "F":
                    row = o + c_out * (i + oh * j)
                else:
                    row = (o * oh + i) * ow + j
                for c in range(c_in):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * s + u, j * s + v  # in padded coordinates
                            if keep_padding:
                                col = (c * hp + r) * wp + q
                            else:
                                r, q = r - p, q - p
                                if not (0 <= r < height and 0 <= q < width):
                                    continue  # a tap on the padding multiplies a zero
                                if order == "F":
                                    col = c + channels * (r + height * q)
                                else:
                                    col = (c * height + r) * width + q
                            matrix[row, col] = w[o, c, u, v]
    return matrix


def _conv(x, w, b=None, stride=1, padding=0):
    """A plain NCHW cross-correlation: every kernel-sized window, then one einsum."""
    x, w = np.asarray(x), np.asarray(w)
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    kh, kw = w.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    out = np.einsum("ncijuv,ocuv->noij", windows, w).astype(_float(x, w))
    if b is not None:
        out = out + np.asarray(b).reshape(1, -1, 1, 1)
    return out


def _depthwise(x, w_depthwise, stride=1, padding=0):
    """Each channel correlated with its own kernel."""
    x = np.asarray(x)
    return np.concatenate([_conv(x[:, c:c + 1], w_depthwise[c:c + 1], None, stride, padding)
                           for c in range(x.shape[1])], axis=1)


def _out_size(size, k, stride, padding):
    return (size + 2 * padding - k) // stride + 1


# --- conv_matrix ------------------------------------------------------------------------

@_mistake("conv_matrix", "conv matrix transposed",
          "M has one row per output value and one column per input pixel: shape "
          "(C_out * OH * OW, C_in * H * W). You built M.T.")
def conv_matrix_transposed(w, input_shape, stride=1, padding=0):
    """Returns the matrix with inputs as rows and outputs as columns."""
    return _matrix(w, input_shape, stride, padding).T


@_mistake("conv_matrix", "column-major flatten (order='F')",
          "Number rows and columns the way .ravel() does (C order): input pixel (c, r, s) is "
          "column (c * H + r) * W + s, output (o, i, j) is row (o * OH + i) * OW + j.")
def conv_matrix_fortran_order(w, input_shape, stride=1, padding=0):
    """Numbers pixels with the first index fastest, like ravel(order='F')."""
    return _matrix(w, input_shape, stride, padding, order="F")


@_mistake("conv_matrix", "output rows in (i, j, c_out) order (channels last)",
          "conv(x) is (C_out, OH, OW): row (o * OH + i) * OW + j belongs to output channel o "
          "at position (i, j), so all rows of channel 0 come first.")
def conv_matrix_rows_channels_last(w, input_shape, stride=1, padding=0):
    """Puts the output channel fastest in the row number."""
    return _matrix(w, input_shape, stride, padding, rows_last=True)


@_mistake("conv_matrix", "flipped the kernel",
          "A convolution layer computes a cross-correlation: weight w[o, c, u, v] multiplies "
          "the pixel u rows and v columns from the window's top-left corner, unflipped.")
def conv_matrix_flipped(w, input_shape, stride=1, padding=0):
    """Places the kernel rotated by 180 degrees."""
    return _matrix(w, input_shape, stride, padding, flip=True)


@_mistake("conv_matrix", "kept columns for the padding",
          "M multiplies the original input x.ravel(), not the padded one: taps that fall on "
          "the padding multiply zeros, so they get no column at all.")
def conv_matrix_padded_columns(w, input_shape, stride=1, padding=0):
    """Builds the matrix of the padded input."""
    return _matrix(w, input_shape, stride, padding, keep_padding=True)


@_mistake("conv_matrix", "forgot padding",
          "With padding p the windows start p pixels before the image: OH = (H + 2p - kH) "
          "// stride + 1, and taps outside the image are skipped.")
def conv_matrix_no_padding(w, input_shape, stride=1, padding=0):
    """Ignores padding."""
    return _matrix(w, input_shape, stride, 0)


@_mistake("conv_matrix", "forgot stride",
          "Output (i, j) reads the window starting at row i * stride, column j * stride, "
          "and there are (H + 2p - kH) // stride + 1 of them per column.")
def conv_matrix_no_stride(w, input_shape, stride=1, padding=0):
    """Ignores stride."""
    return _matrix(w, input_shape, 1, padding)


# --- conv_input_grad_via_matrix ---------------------------------------------------------

@_mistake("conv_input_grad_via_matrix", "used M instead of M.T",
          "y = M x means dL/dx = M.T @ dL/dy: multiply dout.ravel() by the transpose.")
def conv_input_grad_no_transpose(w, input_shape, dout, stride=1, padding=0):
    """Multiplies by M itself."""
    M = _matrix(w, input_shape, stride, padding)
    return (M @ np.asarray(dout).ravel()).reshape(input_shape)


@_mistake("conv_input_grad_via_matrix", "used the pseudo-inverse instead of the transpose",
          "The gradient goes back through the adjoint M.T, not through an inverse: a "
          "convolution is usually not invertible, and backpropagation never inverts it.")
def conv_input_grad_pinv(w, input_shape, dout, stride=1, padding=0):
    """Solves M x = dout in the least-squares sense."""
    M = _matrix(w, input_shape, stride, padding)
    return (np.linalg.pinv(M) @ np.asarray(dout).ravel()).reshape(input_shape)


@_mistake("conv_input_grad_via_matrix", "returned the flat vector",
          "M.T @ dout.ravel() is flat: reshape it to input_shape (C_in, H, W).")
def conv_input_grad_flat(w, input_shape, dout, stride=1, padding=0):
    """Forgets the reshape."""
    M = _matrix(w, input_shape, stride, padding)
    return M.T @ np.asarray(dout).ravel()


@_mistake("conv_input_grad_via_matrix", "gradient of the padded input",
          "The padding is not part of x: the matrix has one column per pixel of x, so the "
          "gradient has x's shape (C_in, H, W).")
def conv_input_grad_padded(w, input_shape, dout, stride=1, padding=0):
    """Returns the gradient of the padded input, border included."""
    c, h, wd = input_shape
    M = _matrix(w, input_shape, stride, padding, keep_padding=True)
    return (M.T @ np.asarray(dout).ravel()).reshape(c, h + 2 * padding, wd + 2 * padding)


# --- conv_params ------------------------------------------------------------------------

@_mistake("conv_params", "forgot the input channels (kernel depth)",
          "Each filter is as deep as its input: C_in // groups x kH x kW weights.")
def conv_params_no_input_channels(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Counts kH * kW weights per filter."""
    kh, kw = _pair(kernel_size)
    return out_channels * kh * kw + (out_channels if bias else 0)


@_mistake("conv_params", "one bias per input channel",
          "There is one bias per filter, that is per output channel: C_out biases.")
def conv_params_bias_per_input_channel(in_channels, out_channels, kernel_size, bias=True,
                                       groups=1):
    """Adds C_in biases."""
    kh, kw = _pair(kernel_size)
    return out_channels * (in_channels // groups) * kh * kw + (in_channels if bias else 0)


@_mistake("conv_params", "groups ignored",
          "With groups g each filter sees only C_in // g channels: C_out * (C_in // g) * kH * kW "
          "weights (a depthwise layer, g = C_in, has C_out * kH * kW).")
def conv_params_groups_ignored(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Counts full-depth filters whatever groups is."""
    kh, kw = _pair(kernel_size)
    return out_channels * in_channels * kh * kw + (out_channels if bias else 0)


@_mistake("conv_params", "divided by groups twice",
          "Groups shrink each filter's depth to C_in // g, but there are still C_out filters: "
          "do not divide C_out by g too.")
def conv_params_groups_twice(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Divides both channel counts by groups."""
    kh, kw = _pair(kernel_size)
    return (out_channels // groups) * (in_channels // groups) * kh * kw + (
        out_channels if bias else 0)


@_mistake("conv_params", "square kernel assumed",
          "kernel_size may be a pair (kH, kW): the kernel has kH * kW taps.")
def conv_params_square_kernel(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Uses kH * kH taps."""
    kh, _ = _pair(kernel_size)
    return out_channels * (in_channels // groups) * kh * kh + (out_channels if bias else 0)


@_mistake("conv_params", "bias=False ignored",
          "Add the C_out biases only when bias is True.")
def conv_params_bias_always(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Always adds the biases."""
    kh, kw = _pair(kernel_size)
    return out_channels * (in_channels // groups) * kh * kw + out_channels


@_mistake("conv_params", "forgot the bias",
          "A layer with bias=True has one bias per filter: add C_out.")
def conv_params_no_bias(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Counts the weights only."""
    kh, kw = _pair(kernel_size)
    return out_channels * (in_channels // groups) * kh * kw


# --- conv_flops -------------------------------------------------------------------------

def _conv_cost(input_shape, out_channels, kernel_size, stride, padding, groups, *,
               positions=None, depth=None):
    c_in, h, w = input_shape
    kh, kw = _pair(kernel_size)
    if positions is None:
        positions = _out_size(h, kh, stride, padding) * _out_size(w, kw, stride, padding)
    if depth is None:
        depth = c_in // groups
    outputs = out_channels * positions
    return outputs * depth * kh * kw, outputs


@_mistake("conv_flops", "FLOPs = MACs",
          "A MAC is one multiplication and one addition: FLOPs are about twice the MACs "
          "(exactly 2 * MACs with a bias, 2 * MACs - outputs without).")
def conv_flops_flops_are_macs(input_shape, out_channels, kernel_size, stride=1, padding=0,
                              groups=1, bias=True):
    """Reports MACs twice."""
    macs, _ = _conv_cost(input_shape, out_channels, kernel_size, stride, padding, groups)
    return macs, macs


@_mistake("conv_flops", "bias counted twice",
          "2 * MACs already includes one addition per output more than the sums need: that "
          "one is the bias. Do not add the outputs again.")
def conv_flops_bias_twice(input_shape, out_channels, kernel_size, stride=1, padding=0,
                          groups=1, bias=True):
    """Adds one FLOP per output on top of 2 * MACs."""
    macs, outputs = _conv_cost(input_shape, out_channels, kernel_size, stride, padding, groups)
    return macs, 2 * macs + (outputs if bias else 0)


@_mistake("conv_flops", "counted FLOPs without the bias",
          "A sum of K products needs K - 1 additions, and the bias one more: with a bias "
          "FLOPs = 2 * MACs, without one 2 * MACs - outputs.")
def conv_flops_bias_never(input_shape, out_channels, kernel_size, stride=1, padding=0,
                          groups=1, bias=True):
    """Always subtracts one addition per output."""
    macs, outputs = _conv_cost(input_shape, out_channels, kernel_size, stride, padding, groups)
    return macs, 2 * macs - outputs


@_mistake("conv_flops", "bias=False ignored",
          "Without a bias each output needs one addition fewer: FLOPs = 2 * MACs - outputs.")
def conv_flops_bias_always(input_shape, out_channels, kernel_size, stride=1, padding=0,
                           groups=1, bias=True):
    """Always counts the bias."""
    macs, _ = _conv_cost(input_shape, out_channels, kernel_size, stride, padding, groups)
    return macs, 2 * macs


@_mistake("conv_flops", "counted input positions instead of output positions",
          "One dot product per output value: use OH * OW = the output size (with stride and "
          "padding), not H * W.")
def conv_flops_input_positions(input_shape, out_channels, kernel_size, stride=1, padding=0,
                               groups=1, bias=True):
    """Uses H * W positions."""
    _, h, w = input_shape
    macs, outputs = _conv_cost(input_shape, out_channels, kernel_size, stride, padding, groups,
                               positions=h * w)
    return macs, 2 * macs - (0 if bias else outputs)


@_mistake("conv_flops", "forgot padding",
          "The output size is (H + 2 * padding - kH) // stride + 1.")
def conv_flops_no_padding(input_shape, out_channels, kernel_size, stride=1, padding=0,
                          groups=1, bias=True):
    """Computes the output size without padding."""
    macs, outputs = _conv_cost(input_shape, out_channels, kernel_size, stride, 0, groups)
    return macs, 2 * macs - (0 if bias else outputs)


@_mistake("conv_flops", "forgot stride",
          "The output size is (H + 2 * padding - kH) // stride + 1.")
def conv_flops_no_stride(input_shape, out_channels, kernel_size, stride=1, padding=0,
                         groups=1, bias=True):
    """Computes the output size with stride 1."""
    macs, outputs = _conv_cost(input_shape, out_channels, kernel_size, 1, padding, groups)
    return macs, 2 * macs - (0 if bias else outputs)


@_mistake("conv_flops", "groups ignored",
          "With groups g each output reads only C_in // g channels: K = (C_in // g) * kH * kW "
          "MACs per output.")
def conv_flops_groups_ignored(input_shape, out_channels, kernel_size, stride=1, padding=0,
                              groups=1, bias=True):
    """Counts full-depth dot products."""
    macs, outputs = _conv_cost(input_shape, out_channels, kernel_size, stride, padding, 1)
    return macs, 2 * macs - (0 if bias else outputs)


@_mistake("conv_flops", "forgot the input channels",
          "Each output is a dot product over the whole window: (C_in // groups) * kH * kW "
          "products, not kH * kW.")
def conv_flops_no_input_channels(input_shape, out_channels, kernel_size, stride=1, padding=0,
                                 groups=1, bias=True):
    """Counts kH * kW MACs per output."""
    macs, outputs = _conv_cost(input_shape, out_channels, kernel_size, stride, padding, groups,
                               depth=1)
    return macs, 2 * macs - (0 if bias else outputs)


# --- fc_params and fc_flops -------------------------------------------------------------

@_mistake("fc_params", "one bias per input",
          "A fully connected layer has one bias per output unit: out_features biases.")
def fc_params_bias_per_input(in_features, out_features, bias=True):
    """Adds in_features biases."""
    return in_features * out_features + (in_features if bias else 0)


@_mistake("fc_params", "bias=False ignored",
          "Add the out_features biases only when bias is True.")
def fc_params_bias_always(in_features, out_features, bias=True):
    """Always adds the biases."""
    return in_features * out_features + out_features


@_mistake("fc_params", "forgot the bias",
          "Every output unit has a bias as well as in_features weights.")
def fc_params_no_bias(in_features, out_features, bias=True):
    """Counts the weights only."""
    return in_features * out_features


@_mistake("fc_flops", "FLOPs = MACs",
          "A MAC is a multiplication and an addition: FLOPs are 2 * MACs with a bias.")
def fc_flops_flops_are_macs(in_features, out_features, bias=True):
    """Reports MACs twice."""
    macs = in_features * out_features
    return macs, macs


@_mistake("fc_flops", "bias counted twice",
          "2 * MACs already includes the bias addition of every output.")
def fc_flops_bias_twice(in_features, out_features, bias=True):
    """Adds out_features on top of 2 * MACs."""
    macs = in_features * out_features
    return macs, 2 * macs + (out_features if bias else 0)


@_mistake("fc_flops", "counted FLOPs without the bias",
          "in_features products need in_features - 1 additions, the bias one more: "
          "2 * MACs with a bias.")
def fc_flops_bias_never(in_features, out_features, bias=True):
    """Always subtracts one addition per output."""
    macs = in_features * out_features
    return macs, 2 * macs - out_features


@_mistake("fc_flops", "bias=False ignored",
          "Without a bias each output needs one addition fewer: 2 * MACs - out_features.")
def fc_flops_bias_always(in_features, out_features, bias=True):
    """Always counts the bias."""
    macs = in_features * out_features
    return macs, 2 * macs


# --- conv1x1 ----------------------------------------------------------------------------

@_mistake("conv1x1", "reshaped to (N*H*W, C) without moving the channel axis",
          "x is (N, C, H, W): move the channels last (np.moveaxis or transpose) before "
          "reshaping to pixels x channels, or reshape to (N, C, H * W) and multiply W @ it.")
def conv1x1_no_moveaxis(x, w, b=None):
    """Reshapes NCHW memory straight into rows of channels."""
    x = np.asarray(x)
    n, c, h, wd = x.shape
    W = np.asarray(w)[:, :, 0, 0]
    out = (x.reshape(n * h * wd, c) @ W.T).reshape(n, h, wd, -1).transpose(0, 3, 1, 2)
    if b is not None:
        out = out + np.asarray(b).reshape(1, -1, 1, 1)
    return out.astype(_float(x, w))


@_mistake("conv1x1", "weight matrix transposed",
          "W = w[:, :, 0, 0] is (C_out, C_in): out[:, :, i, j] = W @ x[:, :, i, j], so with "
          "pixels as rows multiply by W.T, with pixels as columns by W.")
def conv1x1_weights_transposed(x, w, b=None):
    """Uses W.T where W belongs (only the shapes C_in == C_out let it run)."""
    x = np.asarray(x)
    W = np.asarray(w)[:, :, 0, 0]
    out = np.einsum("co,ncij->noij", W, x)
    if b is not None:
        out = out + np.asarray(b).reshape(1, -1, 1, 1)
    return out.astype(_float(x, w))


@_mistake("conv1x1", "bias broadcast along the last axis (W)",
          "b has one entry per output channel: add b.reshape(1, -1, 1, 1) (or b[:, None, None]) "
          "so it lines up with axis 1.")
def conv1x1_bias_on_last_axis(x, w, b=None):
    """Adds b with plain broadcasting, which lines it up with the width axis."""
    x = np.asarray(x)
    W = np.asarray(w)[:, :, 0, 0]
    out = np.einsum("oc,ncij->noij", W, x)
    if b is not None:
        out = out + np.asarray(b)
    return out.astype(_float(x, w))


@_mistake("conv1x1", "bias ignored",
          "Add b[o] to every pixel of output channel o when b is given.")
def conv1x1_no_bias(x, w, b=None):
    """Never adds the bias."""
    x = np.asarray(x)
    return np.einsum("oc,ncij->noij", np.asarray(w)[:, :, 0, 0], x).astype(_float(x, w))


@_mistake("conv1x1", "output dtype always float64",
          "Keep float32 inputs in float32, as PyTorch does: compute in np.result_type(x, w).")
def conv1x1_always_float64(x, w, b=None):
    """Converts everything to float64 first."""
    x = np.asarray(x, dtype=np.float64)
    out = np.einsum("oc,ncij->noij", np.asarray(w, dtype=np.float64)[:, :, 0, 0], x)
    if b is not None:
        out = out + np.asarray(b, dtype=np.float64).reshape(1, -1, 1, 1)
    return out


# --- fc_to_conv -------------------------------------------------------------------------

def _fc_arrays(W, b):
    """W and a copy of b in the layer's float dtype (b may be None)."""
    dtype = _float(W) if b is None else _float(W, b)
    return np.asarray(W, dtype=dtype), None if b is None else np.array(b, dtype=dtype)

@_mistake("fc_to_conv", "reshaped in HWC order (channels last)",
          "The FC layer read x.reshape(N, -1) of an (N, C, H, W) array: feature (c * H + r) * W "
          "+ s is pixel (r, s) of channel c. So W.reshape(out, C, H, W), with C first.")
def fc_to_conv_channels_last(W, b, input_shape):
    """Reads each row of W as an H x W x C volume."""
    c, h, wd = input_shape
    W, b = _fc_arrays(W, b)
    return W.reshape(len(W), h, wd, c).transpose(0, 3, 1, 2), b


@_mistake("fc_to_conv", "H and W swapped",
          "input_shape is (C, H, W): each kernel is H rows by W columns, W.reshape(out, C, H, W).")
def fc_to_conv_h_w_swapped(W, b, input_shape):
    """Reshapes to (out, C, W, H) and turns it around."""
    c, h, wd = input_shape
    W, b = _fc_arrays(W, b)
    return W.reshape(len(W), c, wd, h).transpose(0, 1, 3, 2), b


@_mistake("fc_to_conv", "reshaped W.T",
          "W has one row per output unit (PyTorch's (out, in) layout): reshape W itself, so "
          "row o becomes kernel o.")
def fc_to_conv_weight_transposed(W, b, input_shape):
    """Reshapes the transposed matrix."""
    W, b = _fc_arrays(W, b)
    return W.T.reshape(len(W), *input_shape), b


@_mistake("fc_to_conv", "flipped the kernels",
          "A convolution layer is a cross-correlation: kernel pixel (r, s) multiplies input "
          "pixel (r, s) of the window, exactly as the FC weight did. No flip.")
def fc_to_conv_flipped(W, b, input_shape):
    """Rotates every kernel by 180 degrees, as if for a true convolution."""
    W, b = _fc_arrays(W, b)
    return W.reshape(len(W), *input_shape)[:, :, ::-1, ::-1], b


@_mistake("fc_to_conv", "bias dropped",
          "The convolution keeps the FC layer's bias unchanged: one bias per unit, that is "
          "per filter. Return it as the second item.")
def fc_to_conv_bias_dropped(W, b, input_shape):
    """Returns None for the bias."""
    W, _ = _fc_arrays(W, b)
    return W.reshape(len(W), *input_shape), None


# --- depthwise_separable_conv2d ---------------------------------------------------------

@_mistake("depthwise_separable_conv2d", "depthwise step mixed the channels",
          "The depthwise step convolves each channel with its own kernel only: channel c of "
          "its output reads channel c of x, nothing else (groups = C_in).")
def depthwise_mixes_channels(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Sums over input channels in the depthwise step, like a full convolution."""
    x = np.asarray(x)
    c_in = x.shape[1]
    wide = np.repeat(np.asarray(w_depthwise), c_in, axis=1)  # (C_in, C_in, kH, kW)
    return _conv(_conv(x, wide, None, stride, padding), w_pointwise, b)


@_mistake("depthwise_separable_conv2d", "pointwise before depthwise",
          "Depthwise first (spatial filtering per channel), then the 1x1 pointwise "
          "convolution that mixes the channels.")
def depthwise_pointwise_first(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Mixes the channels first, then filters each mixture (works only if C_out == C_in)."""
    mixed = _conv(x, w_pointwise, None)
    return _depthwise(mixed, np.asarray(w_depthwise), stride, padding) + (
        0 if b is None else np.asarray(b).reshape(1, -1, 1, 1))


@_mistake("depthwise_separable_conv2d", "one depthwise kernel for every channel",
          "w_depthwise[c, 0] is channel c's own kernel: there are C_in different ones.")
def depthwise_one_kernel(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Uses the first channel's kernel everywhere."""
    wd = np.asarray(w_depthwise)
    shared = np.repeat(wd[:1], wd.shape[0], axis=0)
    return _conv(_depthwise(x, shared, stride, padding), w_pointwise, b)


@_mistake("depthwise_separable_conv2d", "stride applied in both steps",
          "The stride belongs to the depthwise (spatial) step; the 1x1 pointwise step keeps "
          "the size.")
def depthwise_stride_twice(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Strides the pointwise step too."""
    return _conv(_depthwise(x, np.asarray(w_depthwise), stride, padding), w_pointwise, b,
                 stride=stride)


@_mistake("depthwise_separable_conv2d", "forgot padding",
          "Pad the input of the depthwise step by padding pixels on each side.")
def depthwise_no_padding(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Ignores padding."""
    return _conv(_depthwise(x, np.asarray(w_depthwise), stride, 0), w_pointwise, b)


@_mistake("depthwise_separable_conv2d", "bias ignored",
          "Add b[o] to output channel o after the pointwise step when b is given.")
def depthwise_no_bias(x, w_depthwise, w_pointwise, b=None, stride=1, padding=0):
    """Never adds the bias."""
    return _conv(_depthwise(x, np.asarray(w_depthwise), stride, padding), w_pointwise, None)


# --- separable_savings ------------------------------------------------------------------

@_mistake("separable_savings", "integer division",
          "1 // C_out is 0: use true division, 1 / C_out + 1 / k ** 2, and return a float.")
def separable_savings_integer_division(C_in, C_out, k):
    """Divides with //."""
    return 1 // C_out + 1 // k ** 2


@_mistake("separable_savings", "ratio upside down (full / separable)",
          "The ratio is separable cost over full cost, a number below 1 for usual sizes: "
          "(C_in k^2 + C_in C_out) / (C_in C_out k^2) = 1 / C_out + 1 / k^2.")
def separable_savings_inverted(C_in, C_out, k):
    """Returns full / separable."""
    return 1 / (1 / C_out + 1 / k ** 2)


@_mistake("separable_savings", "used C_in instead of C_out",
          "The depthwise step costs C_in k^2 per position and the full convolution "
          "C_in C_out k^2: C_in cancels and 1 / C_out is left.")
def separable_savings_c_in(C_in, C_out, k):
    """Divides by the input channels."""
    return 1 / C_in + 1 / k ** 2


@_mistake("separable_savings", "k instead of k squared",
          "The kernel has k x k taps: the pointwise step saves a factor k^2, 1 / k**2.")
def separable_savings_k_not_squared(C_in, C_out, k):
    """Uses 1 / k."""
    return 1 / C_out + 1 / k


@_mistake("separable_savings", "forgot the depthwise cost",
          "The separable block costs the depthwise step (C_in k^2 per position) plus the "
          "pointwise step (C_in C_out): the depthwise part gives 1 / C_out.")
def separable_savings_no_depthwise(C_in, C_out, k):
    """Counts only the pointwise step."""
    return 1 / k ** 2


@_mistake("separable_savings", "forgot the pointwise cost",
          "The separable block costs the depthwise step plus the pointwise step "
          "(C_in C_out per position): the pointwise part gives 1 / k^2.")
def separable_savings_no_pointwise(C_in, C_out, k):
    """Counts only the depthwise step."""
    return 1 / C_out
