"""Layer-level 2-D convolution in PyTorch's conventions.

What a convolution layer computes is a **cross-correlation**: the kernel slides over the
input as it is, without being flipped.  Everything in this module follows PyTorch's
layout, so its results can be compared with ``torch.nn.functional`` one to one:

* ``x`` is ``(N, C_in, H, W)``: a batch of ``N`` images with ``C_in`` channels;
* ``w`` is ``(C_out, C_in // groups, kH, kW)``: one ``C_in // groups``-channel kernel per
  output channel;
* ``b`` is ``(C_out,)``;
* ``stride``, ``padding`` and ``dilation`` take an int (both axes) or a pair
  ``(h, w)``, and ``dilation=1`` means no dilation (taps are next to each other).

Each layer comes twice: a fast version (:func:`conv2d`, :func:`conv2d_backward`) that
gathers every window into a matrix and does the arithmetic in one matrix product, and
a loop version (:func:`conv2d_loops`, :func:`conv2d_backward_loops`) that walks over the
output positions and reads like the formula.  They compute the same numbers; the loop
versions are for reading, the fast ones for using.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograder._validation import as_array, as_int, as_pair, check_choice, layer_dtype

__all__ = [
    "pad2d",
    "conv_output_size",
    "conv2d",
    "conv2d_loops",
    "conv2d_backward",
    "conv2d_backward_loops",
    "conv_transpose2d",
]

PAD_MODES = ("constant", "reflect", "replicate", "circular")

# The fast paths gather windows a few images at a time so that the window matrix stays
# in the CPU cache between being written and being multiplied, and memory stays bounded.
_CHUNK_BYTES = 8 * 2**20

_AXES = ("height", "width")


# ---------------------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------------------

def _pad_widths(padding, name: str = "padding") -> tuple[tuple[int, int], tuple[int, int]]:
    """Read an int, ``(ph, pw)`` or ``((top, bottom), (left, right))`` as the last form."""
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(
            isinstance(p, (tuple, list, np.ndarray)) for p in padding):
        top, bottom = as_pair(padding[0], f"{name}[0] (top, bottom)", minimum=0)
        left, right = as_pair(padding[1], f"{name}[1] (left, right)", minimum=0)
        return (top, bottom), (left, right)
    if isinstance(padding, str):
        raise TypeError(f"{name} must be an int, a pair (ph, pw) or ((top, bottom), "
                        f"(left, right)), got {padding!r}")
    ph, pw = as_pair(padding, name, minimum=0)
    return (ph, ph), (pw, pw)


def _source_index(n: int, before: int, after: int, mode: str, axis: str) -> np.ndarray:
    """Which input index each padded position along one axis copies from."""
    if mode == "reflect" and max(before, after) >= n:
        raise ValueError(
            f"padding ({before}, {after}) on the {axis} is too large for mode='reflect': "
            f"each side must be smaller than the input's {axis} {n} (as in PyTorch)")
    if mode == "circular" and max(before, after) > n:
        raise ValueError(
            f"padding ({before}, {after}) on the {axis} is too large for mode='circular': "
            f"each side must be at most the input's {axis} {n}, so it wraps around once")
    if mode in ("replicate", "circular") and n == 0 and before + after > 0:
        raise ValueError(f"cannot pad an empty {axis} with mode={mode!r}")
    idx = np.arange(-before, n + after)
    if mode == "reflect":
        # mirror about the first and last element, which are not repeated
        idx = np.abs(idx)
        idx = np.where(idx > n - 1, 2 * (n - 1) - idx, idx)
    elif mode == "replicate":
        idx = np.clip(idx, 0, n - 1)
    else:  # circular
        idx = idx % n
    return idx


def pad2d(x, padding, mode: str = "constant", value: float = 0.0) -> np.ndarray:
    """Pad the last two axes (height, width) of an array.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Any array with at least two dimensions, e.g. ``(N, C, H, W)``.
    padding : int, pair of int, or pair of pairs
        ``p`` pads every side by ``p``; ``(ph, pw)`` pads top and bottom by ``ph`` and
        left and right by ``pw``; ``((top, bottom), (left, right))`` sets each side.
        Zero is allowed and leaves that side as it is.
    mode : {"constant", "reflect", "replicate", "circular"}, default "constant"
        PyTorch's ``padding_mode`` names: fill with ``value``; mirror without repeating
        the edge; repeat the edge; wrap around.
    value : float, default 0.0
        The fill value for ``mode="constant"``.

    Returns
    -------
    numpy.ndarray, shape (..., top + H + bottom, left + W + right)
        A new array of ``x``'s dtype; ``x`` is not modified.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or ``padding`` is not made of ints.
    ValueError
        If ``x`` has fewer than two dimensions, a padding is negative, ``mode`` is
        unknown, ``value`` is set with a mode other than "constant", or a side is too
        wide for its mode (``reflect`` needs each side ``< `` the axis length,
        ``circular`` needs ``<=``, as in PyTorch).

    See Also
    --------
    numpy.pad : The same with modes "constant", "reflect", "edge" and "wrap".
    torch.nn.functional.pad : PyTorch's equivalent.

    Notes
    -----
    Along one axis of length :math:`n`, padded position :math:`i` (counted from
    :math:`-\\text{before}`) copies input index :math:`|i|` mirrored at :math:`n - 1`
    (reflect), :math:`\\min(\\max(i, 0), n - 1)` (replicate) or :math:`i \\bmod n`
    (circular).

    Examples
    --------
    >>> x = np.array([[1, 2, 3], [4, 5, 6]])
    >>> pad2d(x, 1)
    array([[0, 0, 0, 0, 0],
           [0, 1, 2, 3, 0],
           [0, 4, 5, 6, 0],
           [0, 0, 0, 0, 0]])
    >>> pad2d(x, (0, 2), mode="reflect")
    array([[3, 2, 1, 2, 3, 2, 1],
           [6, 5, 4, 5, 6, 5, 4]])
    >>> pad2d(x, ((1, 0), (0, 1)), mode="replicate")
    array([[1, 2, 3, 3],
           [1, 2, 3, 3],
           [4, 5, 6, 6]])
    """
    x = as_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    mode = check_choice(mode, "mode", PAD_MODES)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"value must be a real number, got {value!r}")
    if mode != "constant" and value != 0:
        raise ValueError(f"value is only used with mode='constant', got value={value!r} "
                         f"with mode={mode!r}")
    (top, bottom), (left, right) = _pad_widths(padding)
    H, W = x.shape[-2:]
    if mode == "constant":
        out = np.full(x.shape[:-2] + (top + H + bottom, left + W + right), value, dtype=x.dtype)
        out[..., top:top + H, left:left + W] = x  # explicit ends: correct when a side is 0
        return out
    rows = _source_index(H, top, bottom, mode, "height")
    cols = _source_index(W, left, right, mode, "width")
    return x[..., rows[:, None], cols[None, :]]  # fancy indexing always copies


# ---------------------------------------------------------------------------------------
# output size
# ---------------------------------------------------------------------------------------

def _output_length(size: int, kernel: int, stride: int, pad: tuple[int, int], dilation: int,
                   allow_remainder: bool, axis: str | None = None) -> int:
    """Output length along one axis; ``pad`` is ``(before, after)``."""
    span = dilation * (kernel - 1) + 1
    padded = size + pad[0] + pad[1]
    where = f"{axis}: " if axis else ""
    pad_text = str(pad[0]) if pad[0] == pad[1] else str(pad)
    kernel_text = f"kernel {kernel}" if dilation == 1 else (
        f"kernel {kernel} with dilation {dilation} (spans {span})")
    if span > padded:
        raise ValueError(
            f"{where}input {size}, {kernel_text}, padding {pad_text}: the kernel spans {span} "
            f"but the padded input is only {padded} long; use a smaller kernel or dilation, "
            f"or more padding")
    reach = padded - span
    left_over = reach % stride
    if left_over and not allow_remainder:
        raise ValueError(
            f"{where}input {size}, {kernel_text}, stride {stride}, padding {pad_text} does not "
            f"fit: ({size} + {pad[0] + pad[1]} - {span}) = {reach} is not a multiple of stride "
            f"{stride}; the last {left_over} row(s)/column(s) would never be visited. PyTorch "
            f"floors to {reach // stride + 1}; pass allow_remainder=True to do the same")
    return reach // stride + 1


def _is_pair(value) -> bool:
    return isinstance(value, (tuple, list, np.ndarray))


def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1, *,
                     allow_remainder: bool = False):
    """Output length of a convolution along each axis.

    Parameters
    ----------
    input_size, kernel_size : int or pair of int
        Input length and kernel length (before dilation), each at least 1.
    stride : int or pair of int, default 1
        Step between windows, at least 1.
    padding : int or pair of int, default 0
        Zeros added on *each* side, at least 0.
    dilation : int or pair of int, default 1
        Spacing between kernel taps; 1 means none.
    allow_remainder : bool, default False
        What to do when the stride does not divide the distance the kernel can travel:
        ``False`` raises, ``True`` rounds down like PyTorch.

    Returns
    -------
    int or tuple of int
        An int when every argument is an int, otherwise ``(H_out, W_out)``.

    Raises
    ------
    TypeError
        If an argument is not an int or a pair of ints.
    ValueError
        If an argument is out of range, the dilated kernel is longer than the padded
        input, or (without ``allow_remainder``) the last rows or columns would never be
        visited; the message says which and by how much.

    See Also
    --------
    torch.nn.Conv2d : Its documentation gives the same formula.

    Notes
    -----
    With input :math:`I`, kernel :math:`K`, stride :math:`S`, padding :math:`P` and
    dilation :math:`D`, the dilated kernel spans :math:`D(K - 1) + 1` and

    .. math:: O = \\left\\lfloor \\frac{I + 2P - D(K - 1) - 1}{S} \\right\\rfloor + 1 .

    The division is exact only when :math:`S` divides :math:`I + 2P - D(K - 1) - 1`;
    otherwise the remainder's rows at the end are never covered by a window.

    Examples
    --------
    >>> conv_output_size(32, 3, padding=1)
    32
    >>> conv_output_size((28, 21), 5, stride=(1, 3), padding=(0, 1))
    (24, 7)
    >>> conv_output_size(5, 5)
    1
    >>> conv_output_size(10, 3, stride=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: input 10, kernel 3, stride 2, padding 0 does not fit: (10 + 0 - 3) = 7 is ...
    >>> conv_output_size(10, 3, stride=2, allow_remainder=True)
    4
    """
    if not isinstance(allow_remainder, (bool, np.bool_)):
        raise TypeError(f"allow_remainder must be True or False, got {allow_remainder!r}")
    args = (input_size, kernel_size, stride, padding, dilation)
    names = ("input_size", "kernel_size", "stride", "padding", "dilation")
    minima = (1, 1, 1, 0, 1)
    if any(_is_pair(a) for a in args):
        pairs = [as_pair(a, n, minimum=m) for a, n, m in zip(args, names, minima)]
        return tuple(
            _output_length(pairs[0][k], pairs[1][k], pairs[2][k], (pairs[3][k],) * 2,
                           pairs[4][k], bool(allow_remainder), _AXES[k])
            for k in range(2))
    size, kernel, step, pad, dil = (as_int(a, n, minimum=m) for a, n, m in zip(args, names, minima))
    return _output_length(size, kernel, step, (pad, pad), dil, bool(allow_remainder))


# ---------------------------------------------------------------------------------------
# argument checking shared by the conv layers
# ---------------------------------------------------------------------------------------

def _conv_padding(padding, kernel, dilation, stride):
    """Read conv2d's padding (int, pair, "valid", "same") as ((top, bottom), (left, right))."""
    if isinstance(padding, str):
        check_choice(padding, "padding", ("valid", "same"))
        if padding == "valid":
            return (0, 0), (0, 0)
        if stride != (1, 1):
            raise ValueError(f"padding='same' needs stride=1 (as in PyTorch), got stride={stride}")
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            # the odd one out goes to the bottom/right, as PyTorch does
            pads.append((total // 2, total - total // 2))
        return tuple(pads)
    ph, pw = as_pair(padding, "padding", minimum=0)
    return (ph, ph), (pw, pw)


def _check_conv_args(x, w, b, stride, padding, dilation, groups, *, extra=()):
    """Validate conv2d's arguments; return them cast to one float dtype plus settings."""
    x = as_array(x, "x", ndim=4, kinds="biuf", shape_hint="(N, C_in, H, W)")
    w = as_array(w, "w", ndim=4, kinds="biuf", shape_hint="(C_out, C_in // groups, kH, kW)")
    groups = as_int(groups, "groups", minimum=1)
    stride = as_pair(stride, "stride", minimum=1)
    dilation = as_pair(dilation, "dilation", minimum=1)
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = w.shape
    if C_in % groups:
        raise ValueError(f"groups = {groups} must divide x's C_in = {C_in} (x.shape = {x.shape})")
    if C_out % groups:
        raise ValueError(f"groups = {groups} must divide C_out = w.shape[0] = {C_out} "
                         f"(w.shape = {w.shape})")
    if C_g != C_in // groups:
        raise ValueError(
            f"w must have C_in // groups = {C_in // groups} input channels to match x's "
            f"C_in = {C_in}, got w.shape = {w.shape}; w is laid out as "
            f"(C_out, C_in // groups, kH, kW)")
    if kh < 1 or kw < 1:
        raise ValueError(f"w must have a kernel of at least 1x1, got w.shape = {w.shape}")
    if b is not None:
        b = as_array(b, "b", ndim=1, kinds="biuf", shape_hint="(C_out,)")
        if b.shape[0] != C_out:
            raise ValueError(f"b must have C_out = w.shape[0] = {C_out} entries, "
                             f"got b.shape = {b.shape}")
    pads = _conv_padding(padding, (kh, kw), dilation, stride)
    out_hw = tuple(_output_length(n, k, s, p, d, True, axis)
                   for n, k, s, p, d, axis in zip((H, W), (kh, kw), stride, pads, dilation, _AXES))
    arrays = [a for a in (x, w, b, *extra) if a is not None]
    dtype = layer_dtype(*arrays)
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    if b is not None:
        b = b.astype(dtype, copy=False)
    return x, w, b, stride, pads, dilation, groups, out_hw, dtype


def _check_dout(dout, expected_shape, dtype):
    dout = as_array(dout, "dout", ndim=4, kinds="biuf", shape_hint="(N, C_out, H_out, W_out)")
    if dout.shape != tuple(expected_shape):
        raise ValueError(f"dout must have the shape of conv2d's output (N, C_out, H_out, W_out) "
                         f"= {tuple(expected_shape)}, got dout.shape = {dout.shape}")
    return dout.astype(dtype, copy=False)


# ---------------------------------------------------------------------------------------
# the fast engine: window views, one matrix product, scatter-add
# ---------------------------------------------------------------------------------------

def _window_view(xp, kernel, stride, dilation, out_hw):
    """Read-only view ``v[n, c, u, v, i, j] = xp[n, c, i*S_h + u*D_h, j*S_w + v*D_w]``.

    Shape ``(N, C, kH, kW, H_out, W_out)``: the layout of torch's ``unfold`` before the
    reshape, so that copying it gives rows ``(c, u, v)`` and columns ``(i, j)`` in order.
    """
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out_hw
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = sliding_window_view(xp, span, axis=(2, 3))  # (N, C, Hp-.., Wp-.., span_h, span_w)
    view = view[:, :, :sh * (ho - 1) + 1:sh, :sw * (wo - 1) + 1:sw, ::dh, ::dw]
    return view.transpose(0, 1, 4, 5, 2, 3)


def _scatter_add_windows(dxp, dwin, stride, dilation):
    """Add ``dwin[n, c, u, v, i, j]`` into ``dxp[n, c, i*S_h + u*D_h, j*S_w + v*D_w]``.

    The adjoint of :func:`_window_view`: overlapping windows add up.
    """
    _, _, kh, kw, ho, wo = dwin.shape
    (sh, sw), (dh, dw) = stride, dilation
    for u in range(kh):
        for v in range(kw):
            rows = slice(u * dh, u * dh + sh * (ho - 1) + 1, sh)
            cols = slice(v * dw, v * dw + sw * (wo - 1) + 1, sw)
            dxp[:, :, rows, cols] += dwin[:, :, u, v]


def _chunks(n: int, bytes_per_item: int):
    """Split ``range(n)`` into consecutive (start, stop) runs of about _CHUNK_BYTES."""
    step = max(1, _CHUNK_BYTES // max(1, bytes_per_item))
    return [(s, min(n, s + step)) for s in range(0, n, step)], min(n, step)


def _is_pointwise(w_shape, stride, pads) -> bool:
    return w_shape[2:] == (1, 1) and stride == (1, 1) and pads == ((0, 0), (0, 0))


def _forward(x, w, b, stride, pads, dilation, groups, out_hw, dtype):
    """conv2d on validated arrays of one dtype; ``b`` may be None."""
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    G, Og = groups, O // groups
    ho, wo = out_hw
    L = ho * wo
    out = np.empty((N, O, ho, wo), dtype=dtype)
    if N == 0 or O == 0:
        return out
    if _is_pointwise(w.shape, stride, pads):
        # a 1x1 kernel only mixes channels pixel by pixel: a plain matrix product
        np.matmul(w.reshape(G, Og, Cg), x.reshape(N, G, Cg, H * W),
                  out=out.reshape(N, G, Og, L))
        if b is not None:
            out += b[:, None, None]
        return out
    xp = pad2d(x, pads)
    win = _window_view(xp, (kh, kw), stride, dilation, out_hw)
    wmat = w.reshape(G, Og, Cg * kh * kw)
    runs, step = _chunks(N, C * kh * kw * L * x.itemsize)
    cols = np.empty((step, C, kh, kw, ho, wo), dtype=dtype)
    for s, e in runs:
        m = e - s
        np.copyto(cols[:m], win[s:e])  # im2col for these images, rows (c, u, v)
        np.matmul(wmat, cols[:m].reshape(m, G, Cg * kh * kw, L),
                  out=out[s:e].reshape(m, G, Og, L))
        if b is not None:
            out[s:e] += b[:, None, None]  # while this chunk of the output is still in cache
    return out


def _backward(dout, x, w, x_shape, stride, pads, dilation, groups, dtype):
    """(dx, dw) of a bias-free conv2d; dw is None when ``x`` is None."""
    N, C, H, W = x_shape
    O, Cg, kh, kw = w.shape
    G, Og = groups, O // groups
    _, _, ho, wo = dout.shape
    L = ho * wo
    K = Cg * kh * kw
    d = dout.reshape(N, G, Og, L)
    wt = w.reshape(G, Og, K).transpose(0, 2, 1)  # (G, K, Og): the adjoint of the forward product
    dw = None if x is None else np.zeros((G, Og, K), dtype=dtype)
    if _is_pointwise(w.shape, stride, pads) and (ho, wo) == (H, W):
        dx = np.matmul(wt, d).reshape(N, C, H, W)
        if x is not None:
            xs = x.reshape(N, G, Cg, L)
            dw = np.matmul(d, xs.transpose(0, 1, 3, 2)).sum(axis=0)
        return dx, (None if dw is None else dw.reshape(w.shape))
    (top, bottom), (left, right) = pads
    dxp = np.zeros((N, C, top + H + bottom, left + W + right), dtype=dtype)
    runs, step = _chunks(N, 2 * C * kh * kw * L * np.dtype(dtype).itemsize)
    if x is not None:
        win = _window_view(pad2d(x, pads), (kh, kw), stride, dilation, (ho, wo))
        cols = np.empty((step, C, kh, kw, ho, wo), dtype=dtype)
    dcols = np.empty((step, G, K, L), dtype=dtype)
    for s, e in runs:
        m = e - s
        if x is not None:
            np.copyto(cols[:m], win[s:e])
            c = cols[:m].reshape(m, G, K, L)
            dw += np.matmul(d[s:e], c.transpose(0, 1, 3, 2)).sum(axis=0)
        np.matmul(wt, d[s:e], out=dcols[:m])
        _scatter_add_windows(dxp[s:e], dcols[:m].reshape(m, C, kh, kw, ho, wo), stride, dilation)
    dx = np.ascontiguousarray(dxp[:, :, top:top + H, left:left + W])
    return dx, (None if dw is None else dw.reshape(w.shape))


# ---------------------------------------------------------------------------------------
# public layers
# ---------------------------------------------------------------------------------------

def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """2-D convolution layer (a cross-correlation), like ``torch.nn.functional.conv2d``.

    The fast version: every window is copied into a column of a matrix (im2col) and
    all output channels come out of one (batched) matrix product per chunk of images;
    a 1x1 kernel with stride 1 and no padding skips im2col altogether.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        Input batch.
    w : array_like, shape (C_out, C_in // groups, kH, kW)
        Kernels, one per output channel.
    b : array_like, shape (C_out,), optional
        Bias added to every position of each output channel.
    stride : int or pair of int, default 1
        Step between windows, ``(S_h, S_w)``.
    padding : int, pair of int, "valid" or "same", default 0
        Zeros added on each side; "valid" is 0; "same" (stride 1 only) pads
        ``D * (K - 1)`` in total per axis, ``total // 2`` on the top/left and the rest
        on the bottom/right, so the output has the input's size.
    dilation : int or pair of int, default 1
        Spacing between kernel taps; 1 means none.
    groups : int, default 1
        Split the channels into ``groups`` independent convolutions; must divide
        ``C_in`` and ``C_out``.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)
        float32 if the inputs are float32, float64 if any is float64 or int64 (the
        dtype :func:`autograder._validation.layer_dtype` picks).
        ``H_out`` and ``W_out`` are given by :func:`conv_output_size` with
        ``allow_remainder=True``.

    Raises
    ------
    TypeError
        If an array is not numeric (or complex) or a setting is not an int / pair.
    ValueError
        If a shape does not match the layout, ``groups`` does not divide the channels,
        a setting is out of range, "same" is used with a stride, or the dilated kernel
        is larger than the padded input.

    See Also
    --------
    conv2d_loops : The same computation written as loops over output positions.
    torch.nn.functional.conv2d : PyTorch's equivalent.
    scipy.signal.correlate2d : One channel of one image, without stride or dilation.

    Notes
    -----
    With ``C_g = C_in // groups`` and ``O_g = C_out // groups``, output channel ``o``
    belongs to group ``g = o // O_g`` and

    .. math:: \\mathrm{out}[n, o, i, j] = b[o] + \\sum_{c=0}^{C_g-1}
              \\sum_{u=0}^{k_H-1} \\sum_{v=0}^{k_W-1}
              x_{\\mathrm{pad}}[n, g C_g + c, i S_h + u D_h, j S_w + v D_w]\\, w[o, c, u, v].

    No flip of ``w``: this is cross-correlation, which deep-learning libraries call
    convolution.  Rows or columns that a stride which does not divide never reaches are
    ignored, as in PyTorch.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    >>> conv2d(x, w)
    array([[[[-5., -5., -5.],
             [-5., -5., -5.],
             [-5., -5., -5.]]]])
    >>> conv2d(x, w, b=[10.0], stride=2)
    array([[[[5., 5.],
             [5., 5.]]]])
    >>> conv2d(np.ones((2, 3, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32),
    ...        padding="same").shape
    (2, 4, 5, 5)
    """
    x, w, b, stride, pads, dilation, groups, out_hw, dtype = _check_conv_args(
        x, w, b, stride, padding, dilation, groups)
    return _forward(x, w, b, stride, pads, dilation, groups, out_hw, dtype)


def conv2d_loops(x, w, b=None, stride=1, padding=0, dilation=1, groups=1) -> np.ndarray:
    """2-D convolution layer written as loops over output positions (for reading).

    Same arguments, results and errors as :func:`conv2d`; much slower.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
    w : array_like, shape (C_out, C_in // groups, kH, kW)
    b : array_like, shape (C_out,), optional
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`.

    See Also
    --------
    conv2d : The vectorised version.
    torch.nn.functional.conv2d : PyTorch's equivalent.

    Notes
    -----
    Each output position ``(i, j)`` looks at the window of ``x_pad`` that starts at
    ``(i * S_h, j * S_w)`` and takes every ``D``-th element ``k`` times:

    .. math:: \\mathrm{out}[n, o, i, j] = b[o] + \\sum_{c, u, v}
              x_{\\mathrm{pad}}[n, g C_g + c, i S_h + u D_h, j S_w + v D_w]\\, w[o, c, u, v].

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_loops(x, np.ones((1, 1, 2, 2)), stride=2)
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    x, w, b, stride, pads, dilation, groups, (ho, wo), dtype = _check_conv_args(
        x, w, b, stride, padding, dilation, groups)
    N, C_in, _, _ = x.shape
    C_out, C_g, kh, kw = w.shape
    O_g = C_out // groups
    (sh, sw), (dil_h, dil_w) = stride, dilation
    xp = pad2d(x, pads)
    out = np.zeros((N, C_out, ho, wo), dtype=dtype)
    for g in range(groups):
        in_ch = slice(g * C_g, (g + 1) * C_g)
        out_ch = slice(g * O_g, (g + 1) * O_g)
        for i in range(ho):
            for j in range(wo):
                # the window under output (i, j): kh rows D_h apart, kw columns D_w apart
                rows = slice(i * sh, i * sh + dil_h * (kh - 1) + 1, dil_h)
                cols = slice(j * sw, j * sw + dil_w * (kw - 1) + 1, dil_w)
                window = xp[:, in_ch, rows, cols]                          # (N, C_g, kh, kw)
                out[:, out_ch, i, j] = np.einsum("ncuv,ocuv->no", window, w[out_ch])
    if b is not None:
        out += b[:, None, None]
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of :func:`conv2d` with respect to its input, weights and bias.

    The fast version: the input gradient is the window matrix of gradients
    ``w^T @ dout`` added back into place (col2im); the weight gradient is
    ``dout @ cols^T``.

    Parameters
    ----------
    dout : array_like, shape (N, C_out, H_out, W_out)
        Gradient of the loss with respect to conv2d's output.
    x : array_like, shape (N, C_in, H, W)
        The input conv2d was called with.
    w : array_like, shape (C_out, C_in // groups, kH, kW)
        The weights conv2d was called with.
    stride, padding, dilation, groups
        As in :func:`conv2d` (including "valid" and "same").

    Returns
    -------
    dx : numpy.ndarray, shape (N, C_in, H, W)
    dw : numpy.ndarray, shape (C_out, C_in // groups, kH, kW)
    db : numpy.ndarray, shape (C_out,)
        ``dout`` summed over the batch and positions.  All three in the dtype conv2d
        would use for ``dout``, ``x`` and ``w``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d`, and if ``dout`` does not have conv2d's output shape.

    See Also
    --------
    conv2d_backward_loops : The same gradients as loops over output positions.
    conv_transpose2d : ``dx`` alone, as a layer.
    torch.nn.grad.conv2d_input, torch.nn.grad.conv2d_weight : PyTorch's equivalents.

    Notes
    -----
    Differentiating the formula of :func:`conv2d`:

    .. math::
        \\frac{\\partial L}{\\partial w[o, c, u, v]} = \\sum_{n, i, j}
            \\mathrm{dout}[n, o, i, j]\\,
            x_{\\mathrm{pad}}[n, g C_g + c, i S_h + u D_h, j S_w + v D_w]

        \\frac{\\partial L}{\\partial x_{\\mathrm{pad}}[n, g C_g + c, i S_h + u D_h, j S_w + v D_w]}
            \\mathrel{+}= \\sum_{o \\in g} \\mathrm{dout}[n, o, i, j]\\, w[o, c, u, v]

    and ``dx`` is ``dx_pad`` without its padding.  Input rows that no window covers
    (a stride that does not divide) get zero gradient.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.ones((1, 1, 2, 2))
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dw[0, 0], db
    (array([[ 8., 12.],
           [20., 24.]]), array([4.]))
    """
    x_arr = as_array(x, "x", ndim=4, kinds="biuf", shape_hint="(N, C_in, H, W)")
    dout_arr = as_array(dout, "dout", ndim=4, kinds="biuf",
                        shape_hint="(N, C_out, H_out, W_out)")
    x, w, _, stride, pads, dilation, groups, out_hw, dtype = _check_conv_args(
        x_arr, w, None, stride, padding, dilation, groups, extra=(dout_arr,))
    dout = _check_dout(dout_arr, (x.shape[0], w.shape[0]) + out_hw, dtype)
    dx, dw = _backward(dout, x, w, x.shape, stride, pads, dilation, groups, dtype)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def conv2d_backward_loops(dout, x, w, stride=1, padding=0, dilation=1, groups=1):
    """Gradients of :func:`conv2d` written as loops over output positions (for reading).

    Same arguments, results and errors as :func:`conv2d_backward`; much slower.

    Parameters
    ----------
    dout : array_like, shape (N, C_out, H_out, W_out)
    x : array_like, shape (N, C_in, H, W)
    w : array_like, shape (C_out, C_in // groups, kH, kW)
    stride, padding, dilation, groups
        As in :func:`conv2d`.

    Returns
    -------
    dx, dw, db : numpy.ndarray
        Shaped like ``x``, ``w`` and ``(C_out,)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv2d_backward`.

    See Also
    --------
    conv2d_backward : The vectorised version.

    Notes
    -----
    Each output position ``(i, j)`` used one window of ``x_pad`` and every weight, so
    its gradient ``dout[:, :, i, j]`` flows back to that window (through ``w``) and to
    ``w`` (through the window); contributions from overlapping windows add up.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> dx, dw, db = conv2d_backward_loops(np.ones((1, 1, 1, 1)), x, np.ones((1, 1, 2, 2)),
    ...                                    stride=2)
    >>> dx[0, 0]
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 0.]])
    """
    x_arr = as_array(x, "x", ndim=4, kinds="biuf", shape_hint="(N, C_in, H, W)")
    dout_arr = as_array(dout, "dout", ndim=4, kinds="biuf",
                        shape_hint="(N, C_out, H_out, W_out)")
    x, w, _, stride, pads, dilation, groups, (ho, wo), dtype = _check_conv_args(
        x_arr, w, None, stride, padding, dilation, groups, extra=(dout_arr,))
    N, C_in, H, W = x.shape
    C_out, C_g, kh, kw = w.shape
    dout = _check_dout(dout_arr, (N, C_out, ho, wo), dtype)
    O_g = C_out // groups
    (sh, sw), (dil_h, dil_w) = stride, dilation
    (top, _), (left, _) = pads
    xp = pad2d(x, pads)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for g in range(groups):
        in_ch = slice(g * C_g, (g + 1) * C_g)
        out_ch = slice(g * O_g, (g + 1) * O_g)
        for i in range(ho):
            for j in range(wo):
                rows = slice(i * sh, i * sh + dil_h * (kh - 1) + 1, dil_h)
                cols = slice(j * sw, j * sw + dil_w * (kw - 1) + 1, dil_w)
                g_ij = dout[:, out_ch, i, j]                                  # (N, O_g)
                dw[out_ch] += np.einsum("no,ncuv->ocuv", g_ij, xp[:, in_ch, rows, cols])
                dxp[:, in_ch, rows, cols] += np.einsum("no,ocuv->ncuv", g_ij, w[out_ch])
    dx = dxp[:, :, top:top + H, left:left + W].copy()
    return dx, dw, dout.sum(axis=(0, 2, 3))


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1) -> np.ndarray:
    """Transposed 2-D convolution, like ``torch.nn.functional.conv_transpose2d``.

    The gradient of :func:`conv2d` with respect to its input, used as a layer: each
    input pixel stamps a scaled copy of the kernel onto the output, ``stride`` apart,
    and overlapping stamps add up.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        Input batch.
    w : array_like, shape (C_in, C_out // groups, kH, kW)
        Kernels, laid out as the weight of the conv2d this layer transposes (note: the
        first axis is ``C_in`` here, as in PyTorch).
    b : array_like, shape (C_out,), optional
        Bias.
    stride : int or pair of int, default 1
    padding : int or pair of int, default 0
        Rows/columns removed from each side of the full output (the padding of the
        matching conv2d).
    output_padding : int or pair of int, default 0
        Rows/columns added at the bottom/right, to pick one of the input sizes a strided
        conv2d maps to the same output size; must be smaller than stride or dilation.
    groups : int, default 1
    dilation : int or pair of int, default 1

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)
        With :math:`H_{out} = (H - 1) S_h - 2 P_h + D_h (k_H - 1) + \\mathrm{op}_h + 1`
        (``op`` is ``output_padding``) and the same for the width; dtype as in
        :func:`conv2d`.

    Raises
    ------
    TypeError
        If an array is not numeric or a setting is not an int / pair.
    ValueError
        If a shape does not match the layout, ``groups`` does not divide the channels,
        ``output_padding`` is not smaller than stride or dilation, or the output would
        be empty.

    See Also
    --------
    conv2d_backward : Returns this (without bias) as ``dx``.
    torch.nn.functional.conv_transpose2d : PyTorch's equivalent.

    Notes
    -----
    For every :math:`y` of shape (N, C_out, H_out, W_out),
    :math:`\\langle \\mathrm{conv2d}(y, w), x \\rangle = \\langle y,
    \\mathrm{conv\\_transpose2d}(x, w) \\rangle` with the same stride, padding, dilation
    and groups: the two layers are adjoint linear maps.

    .. math:: \\mathrm{out}_{\\mathrm{pad}}[n, g O_g + o, i S_h + u D_h, j S_w + v D_w]
              \\mathrel{+}= \\sum_{c} x[n, g C_g + c, i, j]\\, w[g C_g + c, o, u, v]

    Examples
    --------
    >>> x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 2, 2)), stride=2)
    array([[[[1., 1., 2., 2.],
             [1., 1., 2., 2.],
             [3., 3., 4., 4.],
             [3., 3., 4., 4.]]]])
    >>> conv_transpose2d(x, np.ones((1, 1, 2, 2)))
    array([[[[ 1.,  3.,  2.],
             [ 4., 10.,  6.],
             [ 3.,  7.,  4.]]]])
    """
    x = as_array(x, "x", ndim=4, kinds="biuf", shape_hint="(N, C_in, H, W)")
    w = as_array(w, "w", ndim=4, kinds="biuf", shape_hint="(C_in, C_out // groups, kH, kW)")
    groups = as_int(groups, "groups", minimum=1)
    stride = as_pair(stride, "stride", minimum=1)
    dilation = as_pair(dilation, "dilation", minimum=1)
    if isinstance(padding, str):
        raise TypeError(f"padding must be an int or a pair of ints for conv_transpose2d, "
                        f"got {padding!r}")
    ph, pw = as_pair(padding, "padding", minimum=0)
    output_padding = as_pair(output_padding, "output_padding", minimum=0)
    N, C_in, H, W = x.shape
    w_in, O_g, kh, kw = w.shape
    if C_in % groups:
        raise ValueError(f"groups = {groups} must divide x's C_in = {C_in} (x.shape = {x.shape})")
    if w_in != C_in:
        raise ValueError(
            f"w must have C_in = {C_in} rows (w.shape[0]) to match x's C_in = {C_in}, got "
            f"w.shape = {w.shape}; w is laid out as (C_in, C_out // groups, kH, kW)")
    if kh < 1 or kw < 1:
        raise ValueError(f"w must have a kernel of at least 1x1, got w.shape = {w.shape}")
    C_out = O_g * groups
    for k, (op, s, d) in enumerate(zip(output_padding, stride, dilation)):
        if op >= s and op >= d:
            raise ValueError(
                f"output_padding must be smaller than either stride or dilation on each axis "
                f"(as in PyTorch), got output_padding={output_padding}, stride={stride}, "
                f"dilation={dilation} ({_AXES[k]})")
    out_hw = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1
                   for n, s, p, d, k, op in zip((H, W), stride, (ph, pw), dilation, (kh, kw),
                                                output_padding))
    if min(out_hw) < 1:
        raise ValueError(f"padding={(ph, pw)} is too large: the output would have size "
                         f"{out_hw} for input size {(H, W)}")
    if b is not None:
        b = as_array(b, "b", ndim=1, kinds="biuf", shape_hint="(C_out,)")
        if b.shape[0] != C_out:
            raise ValueError(f"b must have C_out = w.shape[1] * groups = {C_out} entries, "
                             f"got b.shape = {b.shape}")
    dtype = layer_dtype(*[a for a in (x, w, b) if a is not None])
    x = x.astype(dtype, copy=False)
    w = w.astype(dtype, copy=False)
    # the conv2d this transposes maps (N, C_out, H_out, W_out) -> (N, C_in, H, W) with w
    out, _ = _backward(x, None, w, (N, C_out) + out_hw, stride, ((ph, ph), (pw, pw)),
                       dilation, groups, dtype)
    if b is not None:
        out += b.astype(dtype, copy=False)[:, None, None]
    return out
