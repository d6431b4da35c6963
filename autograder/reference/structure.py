"""The structure of a convolution layer: its matrix, receptive field, parameters and cost.

* :func:`conv_matrix` writes a convolution layer as the matrix it multiplies the
  flattened input by: sparse (local connectivity) and made of repeated copies of the
  kernel (weight sharing).
* :func:`receptive_field` follows a stack of layers back to the input.
* :func:`conv_params` and :func:`conv_flops` count what a layer stores and computes,
  and :func:`fc_to_conv` turns a fully connected layer into the convolution it equals.

As everywhere in this package, a "convolution" layer computes a cross-correlation (the
kernel is not flipped), with PyTorch's layout: ``w`` is ``(C_out, C_in // groups, kH, kW)``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from autograder._validation import as_array, as_int, as_pair, layer_dtype
from autograder.reference.layers import conv_output_size

__all__ = ["conv_matrix", "receptive_field", "conv_params", "conv_flops", "fc_to_conv",
           "ReceptiveField", "ConvCost"]


def _shape(value, name, length, what):
    """Read a shape tuple of ``length`` positive ints."""
    if not isinstance(value, (tuple, list)) or len(value) not in (
            (length,) if isinstance(length, int) else length):
        lengths = (length,) if isinstance(length, int) else length
        raise ValueError(
            f"{name} must be a tuple of {' or '.join(map(str, lengths))} ints laid out as "
            f"{what}, got {value!r}")
    return tuple(as_int(v, f"{name}[{k}]", minimum=1) for k, v in enumerate(value))


# --------------------------------------------------------------------------- conv_matrix

def conv_matrix(w, input_shape, stride=1, padding=0, dilation=1):
    """The matrix of a convolution layer for one input size (a doubly block Toeplitz matrix).

    Parameters
    ----------
    w : array_like, shape (kH, kW) or (C_out, C_in, kH, kW)
        One kernel, or a layer's kernels in PyTorch's layout.
    input_shape : tuple of int
        ``(H, W)`` for a 2-D ``w``, ``(C_in, H, W)`` for a 4-D one.
    stride, padding, dilation : int or pair of int
        As in :func:`~autograder.reference.conv2d` (``padding`` adds zeros on each side).

    Returns
    -------
    numpy.ndarray, shape (OH * OW, H * W) or (C_out * OH * OW, C_in * H * W)
        Dense matrix ``M`` with ``M @ x.ravel() == conv2d(x[None], w).ravel()`` for an
        input ``x`` of shape ``input_shape`` (no bias).  Rows follow the output's C-order
        ``(c_out, i, j)``, columns the input's ``(c_in, r, s)``.  float32 if ``w`` is.

    Raises
    ------
    TypeError
        If ``w`` is not a real numeric array or a setting is not an int or pair.
    ValueError
        If ``w`` is not 2-D or 4-D, ``input_shape`` does not match it, a setting is out
        of range, or the dilated kernel is larger than the padded input.

    See Also
    --------
    scipy.linalg.convolution_matrix : The 1-D (true convolution) counterpart.
    autograder.reference.conv2d : The layer this matrix represents.

    Notes
    -----
    Row ``(o, i, j)`` holds the kernel ``w[o, c]`` at the columns of the input pixels
    its window covers:

    .. math:: M[(o, i, j),\\, (c, i s_H + u d_H - p_H,\\, j s_W + v d_W - p_W)] = w[o, c, u, v],

    for every tap ``(u, v)`` whose pixel lies inside the input; taps on padding have no
    column (they multiply zeros) and every other entry is 0.  For one channel, stride 1
    and no dilation, the matrix is block Toeplitz with Toeplitz blocks: the block at
    block-row ``i``, block-column ``r`` depends only on ``r - i``.

    The transpose maps an output gradient back to the input: ``M.T @ dout.ravel()`` is
    ``dx.ravel()``, which is also the transposed convolution of ``dout``.

    The matrix has ``(C_out OH OW) x (C_in H W)`` entries, almost all zero: build it for
    small inputs only.

    Examples
    --------
    A 2x2 kernel on a 3x3 input: four rows, one per output, each holding the kernel
    at its window's pixels.

    >>> conv_matrix(np.array([[1, 2], [3, 4]]), (3, 3))
    array([[1., 2., 0., 3., 4., 0., 0., 0., 0.],
           [0., 1., 2., 0., 3., 4., 0., 0., 0.],
           [0., 0., 0., 1., 2., 0., 3., 4., 0.],
           [0., 0., 0., 0., 1., 2., 0., 3., 4.]])

    It multiplies the flattened input exactly as the layer does:

    >>> from autograder.reference import conv2d
    >>> rng = np.random.default_rng(0)
    >>> w, x = rng.normal(size=(4, 2, 3, 3)), rng.normal(size=(2, 6, 5))
    >>> M = conv_matrix(w, x.shape, stride=2, padding=1)
    >>> M.shape
    (36, 60)
    >>> np.allclose(M @ x.ravel(), conv2d(x[None], w, stride=2, padding=1).ravel())
    True
    """
    w = as_array(w, "w", ndim=(2, 4), kinds="biuf", shape_hint="(kH, kW) or (C_out, C_in, kH, kW)")
    if w.ndim == 2:
        height, width = _shape(input_shape, "input_shape", 2, "(H, W) for a 2-D w")
        kernels, channels = w[None, None], 1
    else:
        channels, height, width = _shape(input_shape, "input_shape", 3,
                                         "(C_in, H, W) for a 4-D w")
        if w.shape[1] != channels:
            raise ValueError(f"input_shape {tuple(input_shape)} has C_in = {channels} channels "
                             f"but w (C_out, C_in, kH, kW) has {w.shape[1]}: w.shape = {w.shape}")
        kernels = w
    n_out, _, kh, kw = kernels.shape
    if kh < 1 or kw < 1:
        raise ValueError(f"w must have a kernel of at least 1x1, got w.shape = {w.shape}")
    sh, sw = as_pair(stride, "stride", minimum=1)
    ph, pw = as_pair(padding, "padding", minimum=0)
    dh, dw = as_pair(dilation, "dilation", minimum=1)
    oh, ow = conv_output_size((height, width), (kh, kw), (sh, sw), (ph, pw), (dh, dw),
                              allow_remainder=True)

    # Index grids broadcast over (o, i, j, c, u, v): one entry per (output, tap) pair.
    o = np.arange(n_out)[:, None, None, None, None, None]
    i = np.arange(oh)[:, None, None, None, None]
    j = np.arange(ow)[:, None, None, None]
    c = np.arange(channels)[:, None, None]
    u = np.arange(kh)[:, None]
    v = np.arange(kw)
    r = i * sh + u * dh - ph  # input row of each tap
    s = j * sw + v * dw - pw  # input column of each tap
    row = (o * oh + i) * ow + j
    col = (c * height + r) * width + s
    inside = (r >= 0) & (r < height) & (s >= 0) & (s < width)
    full = (n_out, oh, ow, channels, kh, kw)
    row, col, inside = (np.broadcast_to(a, full) for a in (row, col, inside))
    values = np.broadcast_to(kernels[:, None, None], full)

    matrix = np.zeros((n_out * oh * ow, channels * height * width), layer_dtype(w))
    # each (output, input pixel) pair is reached by at most one tap, so assigning is exact
    matrix[row[inside], col[inside]] = values[inside]
    return matrix


# ----------------------------------------------------------------------- receptive_field

class ReceptiveField(NamedTuple):
    """Receptive field of a stack of layers, in input pixels.

    ``size`` is how many input pixels (per axis) one output unit's field spans, from its
    first pixel to its last (with dilation some pixels inside may not be read); ``jump``
    is how far apart, in input pixels, the fields of two neighbouring output units start.
    Each is an int, or a pair ``(h, w)`` when a layer was given with pairs.
    """

    size: int | tuple[int, int]
    jump: int | tuple[int, int]


_LAYER_KEYS = ("kernel_size", "stride", "dilation", "padding")


def _read_layer(layer, k):
    """One layer as ((kH, kW), (sH, sW), (dH, dW)) and whether it used pairs."""
    where = f"layers[{k}]"
    if isinstance(layer, dict):
        unknown = sorted(set(layer) - set(_LAYER_KEYS))
        if unknown or "kernel_size" not in layer:
            raise ValueError(
                f"{where} must be a dict with key 'kernel_size' and optionally 'stride', "
                f"'dilation', 'padding', got keys {sorted(layer)}")
        values = [layer["kernel_size"], layer.get("stride", 1), layer.get("dilation", 1)]
        if "padding" in layer:  # accepted so conv settings can be passed as they are
            as_pair(layer["padding"], f"{where}['padding']", minimum=0)
    elif isinstance(layer, (tuple, list)) and len(layer) in (2, 3):
        values = list(layer) + [1] * (3 - len(layer))
    else:
        raise TypeError(
            f"{where} must be a dict (kernel_size, stride=1, dilation=1) or a tuple "
            f"(kernel_size, stride[, dilation]), got {layer!r}")
    names = ("kernel_size", "stride", "dilation")
    pairs = [as_pair(v, f"{where} {n}", minimum=1) for v, n in zip(values, names)]
    used_pairs = any(not isinstance(v, numbers.Integral) for v in values)
    return pairs, used_pairs


def receptive_field(layers):
    """Receptive field size and jump of a stack of convolution or pooling layers.

    Parameters
    ----------
    layers : sequence of dict or tuple
        The layers from input to output.  Each is a dict with ``kernel_size`` and
        optionally ``stride`` (default 1), ``dilation`` (default 1) and ``padding``
        (accepted, but it moves the field without changing its size), or a tuple
        ``(kernel_size, stride)`` or ``(kernel_size, stride, dilation)``.  Each value is
        an int or a pair ``(h, w)``.  A pooling layer counts like a convolution with
        its window as the kernel.

    Returns
    -------
    ReceptiveField
        Named tuple ``(size, jump)``: ints, or pairs ``(h, w)`` if any layer used a pair.
        An empty stack gives ``(1, 1)``.

    Raises
    ------
    TypeError
        If a layer is neither a dict nor a tuple, or a value is not an int or a pair.
    ValueError
        If a dict has unknown keys or no ``kernel_size``, or a value is below 1.

    See Also
    --------
    conv_output_size : How many outputs each layer produces.

    Notes
    -----
    Along one axis, with layer ``l`` having kernel :math:`k_l`, stride :math:`s_l` and
    dilation :math:`d_l`, the dilated kernel spans :math:`d_l (k_l - 1) + 1` pixels of
    layer ``l``'s input, and neighbouring pixels of that input lie :math:`j_{l-1}`
    pixels apart in the original image.  Starting from the image itself
    (:math:`r_0 = 1,\\ j_0 = 1`):

    .. math::

        r_l = r_{l-1} + d_l (k_l - 1)\\, j_{l-1}, \\qquad j_l = j_{l-1}\\, s_l .

    So stacking layers grows the field linearly, and each stride multiplies how fast
    later layers grow it.

    Examples
    --------
    Two 3x3 convolutions see 5x5, three see 7x7 (the VGG argument):

    >>> receptive_field([(3, 1), (3, 1)])
    ReceptiveField(size=5, jump=1)
    >>> receptive_field([dict(kernel_size=3, padding=1)] * 3)
    ReceptiveField(size=7, jump=1)

    A 2x2 max pool with stride 2 after them doubles the jump:

    >>> receptive_field([(3, 1), (3, 1), (2, 2), (3, 1)])
    ReceptiveField(size=10, jump=2)
    >>> receptive_field([dict(kernel_size=(1, 7)), dict(kernel_size=3, dilation=(2, 1))])
    ReceptiveField(size=(5, 9), jump=(1, 1))
    """
    if isinstance(layers, (dict, str)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a sequence of dicts or tuples, got {layers!r}")
    size, jump, any_pairs = [1, 1], [1, 1], False
    for k, layer in enumerate(layers):
        (kernel, stride, dilation), used_pairs = _read_layer(layer, k)
        any_pairs = any_pairs or used_pairs
        for axis in range(2):
            size[axis] += dilation[axis] * (kernel[axis] - 1) * jump[axis]
            jump[axis] *= stride[axis]
    if any_pairs:
        return ReceptiveField(tuple(size), tuple(jump))
    return ReceptiveField(size[0], jump[0])


# ----------------------------------------------------------------------------- counting

def _channels(in_channels, out_channels, groups):
    c_in = as_int(in_channels, "in_channels", minimum=1)
    c_out = as_int(out_channels, "out_channels", minimum=1)
    groups = as_int(groups, "groups", minimum=1)
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups = {groups} must divide in_channels = {c_in} and "
                         f"out_channels = {c_out}")
    return c_in, c_out, groups


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def conv_params(in_channels, out_channels, kernel_size, *, bias=True, groups=1):
    """Number of learnable parameters of a convolution layer.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C_in`` and ``C_out``, each >= 1 and divisible by ``groups``.
    kernel_size : int or pair of int
        ``(kH, kW)``, each >= 1.
    bias : bool, default True
        Whether the layer has one bias per output channel.
    groups : int, default 1
        As in ``torch.nn.Conv2d``: each output channel sees ``C_in // groups`` channels.

    Returns
    -------
    int
        ``C_out * (C_in // groups) * kH * kW`` weights, plus ``C_out`` biases.

    Raises
    ------
    TypeError
        If a count is not an int or ``bias`` not a bool.
    ValueError
        If a count is below 1 or ``groups`` does not divide the channels.

    See Also
    --------
    torch.nn.Conv2d : Its ``weight`` and ``bias`` have these sizes.

    Notes
    -----
    .. math:: P = C_{out} \\cdot \\frac{C_{in}}{g} \\cdot k_H k_W + C_{out}\\,[\\mathrm{bias}]

    It does not depend on the input size: the same kernels slide over every position
    (weight sharing).  A fully connected layer from ``n`` to ``m`` units is a 1x1
    convolution on ``n`` channels of a 1x1 image, so ``conv_params(n, m, 1)`` counts
    its ``n * m`` weights and ``m`` biases.

    Examples
    --------
    AlexNet's first layer, 96 filters of 11x11x3:

    >>> conv_params(3, 96, 11)
    34944

    Five inputs to five outputs: a fully connected layer needs 25 weights, a
    convolution with a kernel of 3 (as a 1x3 kernel on one channel) shares just 3.

    >>> conv_params(5, 5, 1, bias=False), conv_params(1, 1, (1, 3), bias=False)
    (25, 3)

    VGG16's first fully connected layer, from 7x7x512 features to 4096 units:

    >>> conv_params(7 * 7 * 512, 4096, 1) == conv_params(512, 4096, 7) == 102_764_544
    True
    """
    c_in, c_out, groups = _channels(in_channels, out_channels, groups)
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    return c_out * (c_in // groups) * kh * kw + (c_out if _flag(bias, "bias") else 0)


class ConvCost(NamedTuple):
    """Arithmetic of a convolution layer's forward pass.

    ``macs`` counts multiply-accumulates (one product of an input and a weight, added to
    a sum); ``flops`` counts floating-point multiplications and additions separately.
    """

    macs: int
    flops: int


def conv_flops(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1, *,
               groups=1, bias=True):
    """Multiply-accumulates and floating-point operations of a convolution's forward pass.

    Parameters
    ----------
    input_shape : tuple of int
        ``(N, C_in, H, W)`` or ``(C_in, H, W)`` (one image).
    out_channels : int
        ``C_out``, divisible by ``groups``.
    kernel_size, stride, padding, dilation : int or pair of int
        As in :func:`~autograder.reference.conv2d`; the output size floors like PyTorch.
    groups : int, default 1
        Each output channel sees ``C_in // groups`` input channels.
    bias : bool, default True
        Whether a bias is added to every output.

    Returns
    -------
    ConvCost
        Named tuple ``(macs, flops)`` of ints, for the whole batch.

    Raises
    ------
    TypeError
        If a value is not an int (or pair) or ``bias`` not a bool.
    ValueError
        If ``input_shape`` has the wrong length, a value is out of range, ``groups``
        does not divide the channels, or the kernel does not fit the padded input.

    See Also
    --------
    conv_params : What the layer stores, rather than computes.

    Notes
    -----
    Each of the :math:`N C_{out} O_H O_W` outputs is a dot product of length
    :math:`K = (C_{in}/g)\\, k_H k_W`:

    .. math::

        \\mathrm{MACs} = N\\, C_{out}\\, O_H O_W \\cdot \\frac{C_{in}}{g} k_H k_W .

    FLOPs count every multiplication and addition of the direct computation: ``K``
    products and ``K - 1`` additions per output, plus one more addition for the bias.
    With a bias (the default) that is exactly **FLOPs = 2 * MACs**; without one,
    FLOPs = 2 * MACs - N C_out OH OW.  Products with padded zeros are counted, as a
    direct implementation computes them.  Papers and tools often report MACs under the
    name FLOPs: check which one a quoted number is.

    Examples
    --------
    AlexNet's first layer on a 227x227x3 image: 55x55x96 outputs, 363 MACs each.

    >>> conv_flops((3, 227, 227), 96, 11, stride=4)
    ConvCost(macs=105415200, flops=210830400)

    A depthwise-separable block costs far less than the full 3x3 convolution it
    replaces (MobileNet): depthwise 3x3, then pointwise 1x1.

    >>> full = conv_flops((64, 56, 56), 128, 3, padding=1).macs
    >>> separable = (conv_flops((64, 56, 56), 64, 3, padding=1, groups=64).macs
    ...              + conv_flops((64, 56, 56), 128, 1).macs)
    >>> full, separable, round(full / separable, 1)
    (231211008, 27496448, 8.4)
    """
    shape = _shape(input_shape, "input_shape", (3, 4), "(N, C_in, H, W) or (C_in, H, W)")
    n_images, c_in, height, width = shape if len(shape) == 4 else (1, *shape)
    c_in, c_out, groups = _channels(c_in, out_channels, groups)
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    oh, ow = conv_output_size((height, width), (kh, kw), stride, padding, dilation,
                              allow_remainder=True)
    outputs = n_images * c_out * oh * ow
    macs = outputs * (c_in // groups) * kh * kw
    flops = 2 * macs - (0 if _flag(bias, "bias") else outputs)
    return ConvCost(macs, flops)


# ----------------------------------------------------------------------------- fc_to_conv

def fc_to_conv(weight, bias, input_shape):
    """Rewrite a fully connected layer as the convolution it equals.

    Parameters
    ----------
    weight : array_like, shape (out, C * H * W)
        The layer's weight in ``torch.nn.Linear``'s layout, applied to
        ``x.reshape(N, -1)`` of an input ``x`` of shape ``(N, C, H, W)``.
    bias : array_like, shape (out,), or None
        The layer's bias.
    input_shape : tuple of int
        ``(C, H, W)``, the shape of one input before flattening.

    Returns
    -------
    w : numpy.ndarray, shape (out, C, H, W)
        Convolution kernels: one ``H x W`` kernel per output unit, as large as the input.
    b : numpy.ndarray, shape (out,), or None
        A copy of ``bias``.

    Raises
    ------
    TypeError
        If ``weight`` or ``bias`` is not a real numeric array.
    ValueError
        If ``weight`` is not 2-D, its second axis is not ``C * H * W`` for
        ``input_shape``, or ``bias`` does not have ``out`` entries.

    See Also
    --------
    torch.nn.Linear : The layout of ``weight``.

    Notes
    -----
    Flattening in C order puts input pixel ``(c, r, s)`` at index ``(c H + r) W + s``,
    so

    .. math:: y_o = b_o + \\sum_{c, r, s} W_{o,\\, (c H + r) W + s}\\; x_{c, r, s}
                  = b_o + \\sum_{c, r, s} w_{o, c, r, s}\\; x_{c, r, s},

    which is a convolution (cross-correlation) with kernel ``w = W.reshape(out, C, H,
    W)`` and a single output position.  On a larger input the same kernels slide, and
    output ``(i, j)`` is the fully connected layer applied to the crop at ``(i, j)``:
    a classifier becomes a dense map of scores in one pass ("fully convolutional").
    For a layer that follows another fully connected layer, ``input_shape=(C, 1, 1)``
    gives a 1x1 convolution.

    Examples
    --------
    VGG's head maps 7x7x512 features to 4096, 4096 and 1000 units.  The same head with
    small stand-in sizes (7x7x8 features to 16, 16 and 10 units):

    >>> rng = np.random.default_rng(0)
    >>> fc6 = rng.normal(size=(16, 8 * 7 * 7)), rng.normal(size=16)
    >>> fc7 = rng.normal(size=(16, 16)), rng.normal(size=16)
    >>> fc8 = rng.normal(size=(10, 16)), rng.normal(size=10)
    >>> conv6 = fc_to_conv(*fc6, (8, 7, 7))
    >>> conv7 = fc_to_conv(*fc7, (16, 1, 1))
    >>> conv8 = fc_to_conv(*fc8, (16, 1, 1))
    >>> conv6[0].shape, conv7[0].shape, conv8[0].shape
    ((16, 8, 7, 7), (16, 16, 1, 1), (10, 16, 1, 1))

    On a 7x7 input the convolution gives the fully connected layer's output:

    >>> from autograder.reference import conv2d
    >>> x = rng.normal(size=(2, 8, 7, 7))
    >>> fc_out = x.reshape(2, -1) @ fc6[0].T + fc6[1]
    >>> np.allclose(conv2d(x, *conv6).reshape(2, -1), fc_out)
    True
    """
    channels, height, width = _shape(input_shape, "input_shape", 3, "(C, H, W)")
    weight = as_array(weight, "weight", ndim=2, kinds="biuf", shape_hint="(out, C * H * W)")
    n_out, n_in = weight.shape
    if n_in != channels * height * width:
        raise ValueError(
            f"weight has {n_in} input features but input_shape {tuple(input_shape)} "
            f"flattens to C * H * W = {channels * height * width}; weight.shape = {weight.shape}")
    arrays = [weight]
    if bias is not None:
        bias = as_array(bias, "bias", ndim=1, kinds="biuf", shape_hint="(out,)")
        if bias.shape[0] != n_out:
            raise ValueError(f"bias must have out = weight.shape[0] = {n_out} entries, "
                             f"got bias.shape = {bias.shape}")
        arrays.append(bias)
    dtype = layer_dtype(*arrays)
    w = weight.astype(dtype).reshape(n_out, channels, height, width)
    b = None if bias is None else bias.astype(dtype)
    return w, b
