"""Known-wrong variants of assignment 5's tasks: ``im2col`` and ``conv2d_im2col``.

The students' signatures (settings are ints, ``kernel_size`` an int or ``(kH, kW)``):

* ``im2col(x, kernel_size, stride=1, padding=0)``: ``(N, C, H, W)`` to
  ``(N, C * kH * kW, H_out * W_out)``, row ``(c * kH + u) * kW + v`` holding channel ``c``
  and kernel offset ``(u, v)``, column ``i * W_out + j`` the window whose top-left corner
  is output position ``(i, j)``; the dtype of ``x`` is kept.
* ``conv2d_im2col(x, w, b=None, stride=1, padding=0)``: the layer as one matrix product,
  ``w.reshape(C_out, -1) @ im2col(x, ...)`` plus the bias, reshaped to
  ``(N, C_out, H_out, W_out)``.

Every variant is written the way a student would write it, with numpy only; none calls
:mod:`autograder.reference`.

Examples
--------
>>> x = np.arange(9.0).reshape(1, 1, 3, 3)
>>> im2col_windows_transposed(x, 2)[0]
array([[0., 3., 1., 4.],
       [1., 4., 2., 5.],
       [3., 6., 4., 7.],
       [4., 7., 5., 8.]])
>>> identify("im2col", [((x, 2), {}, im2col_windows_transposed(x, 2))]).name
'windows in column-major order'
"""

from __future__ import annotations

import numpy as np

from autograder.mistakes import _mistake, identify, register_task  # noqa: F401 (doctest)

__all__ = [
    "im2col_kernel_major",
    "im2col_windows_transposed",
    "im2col_window_read_by_columns",
    "im2col_no_stride",
    "im2col_no_padding",
    "im2col_negative_slice_end",
    "im2col_square_kernel",
    "im2col_batch_in_columns",
    "im2col_always_float64",
    "conv2d_im2col_weights_kernel_major",
    "conv2d_im2col_n_and_c_out_swapped",
    "conv2d_im2col_bias_per_column",
    "conv2d_im2col_no_bias",
    "conv2d_im2col_no_stride",
    "conv2d_im2col_no_padding",
    "conv2d_im2col_flipped",
    "conv2d_im2col_h_w_swapped",
    "conv2d_im2col_always_float64",
]

IM2COL = register_task("im2col")
CONV2D_IM2COL = register_task("conv2d_im2col")


# --- shared pieces, written as a student would ------------------------------------------

def _kernel(kernel_size):
    """``(kH, kW)`` from an int or a pair."""
    if np.ndim(kernel_size) == 0:
        return int(kernel_size), int(kernel_size)
    kh, kw = kernel_size
    return int(kh), int(kw)


def _windows(x, kh, kw, stride, padding, dtype=None):
    """``(N, C, kH, kW, H_out, W_out)``: tap ``(u, v)`` of every window, one slice per tap."""
    x = np.asarray(x)
    p, s = padding, stride
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    N, C, H, W = xp.shape
    ho, wo = (H - kh) // s + 1, (W - kw) // s + 1
    taps = np.empty((N, C, kh, kw, ho, wo), dtype=x.dtype if dtype is None else dtype)
    for u in range(kh):
        for v in range(kw):
            taps[:, :, u, v] = xp[:, :, u:u + s * (ho - 1) + 1:s, v:v + s * (wo - 1) + 1:s]
    return taps


def _im2col(x, kernel_size, stride=1, padding=0, *, dtype=None):
    kh, kw = _kernel(kernel_size)
    taps = _windows(x, kh, kw, stride, padding, dtype)
    N, C, _, _, ho, wo = taps.shape
    return taps.reshape(N, C * kh * kw, ho * wo)


def _conv(x, w, b=None, stride=1, padding=0, *, cols_fn=_im2col, out_dtype=None):
    """The layer as ``w_row @ cols``; ``cols_fn`` builds the columns."""
    x, w = np.asarray(x), np.asarray(w)
    N = x.shape[0]
    O, _, kh, kw = w.shape
    cols = cols_fn(x, (kh, kw), stride, padding)
    ho = (x.shape[2] + 2 * padding - kh) // stride + 1
    wo = (x.shape[3] + 2 * padding - kw) // stride + 1
    out = w.reshape(O, -1) @ cols
    if b is not None:
        out = out + np.asarray(b)[:, None]
    out = out.reshape(N, O, ho, wo)
    return out if out_dtype is None else out.astype(out_dtype)


# --- im2col ------------------------------------------------------------------------------

@_mistake("im2col", "rows in kernel-major order (offset before channel)",
          "Row (c * kH + u) * kW + v holds channel c at kernel offset (u, v): the channel "
          "varies slowest, so that the rows line up with w.reshape(C_out, -1). Stack the "
          "taps as (N, C, kH, kW, L), not (N, kH, kW, C, L).")
def im2col_kernel_major(x, kernel_size, stride=1, padding=0):
    """Orders the rows (u, v, c): all channels of one offset together."""
    kh, kw = _kernel(kernel_size)
    taps = _windows(x, kh, kw, stride, padding)
    N, C, _, _, ho, wo = taps.shape
    return taps.transpose(0, 2, 3, 1, 4, 5).reshape(N, C * kh * kw, ho * wo)


@_mistake("im2col", "windows in column-major order",
          "Column i * W_out + j is the window at output position (i, j): go along a row of "
          "windows first (j fastest), as the output (N, C_out, H_out, W_out) is read.")
def im2col_windows_transposed(x, kernel_size, stride=1, padding=0):
    """Numbers the windows j * H_out + i (down the columns first)."""
    kh, kw = _kernel(kernel_size)
    taps = _windows(x, kh, kw, stride, padding)
    N, C, _, _, ho, wo = taps.shape
    return taps.transpose(0, 1, 2, 3, 5, 4).reshape(N, C * kh * kw, ho * wo)


@_mistake("im2col", "each window read column by column",
          "Read each window row by row, as w[o, c] is flattened: offset (u, v) goes to row "
          "(c * kH + u) * kW + v, so v varies fastest.")
def im2col_window_read_by_columns(x, kernel_size, stride=1, padding=0):
    """Flattens every window in the order (c, v, u)."""
    kh, kw = _kernel(kernel_size)
    taps = _windows(x, kh, kw, stride, padding)
    N, C, _, _, ho, wo = taps.shape
    return taps.transpose(0, 1, 3, 2, 4, 5).reshape(N, C * kh * kw, ho * wo)


@_mistake("im2col", "stride ignored",
          "Windows start every `stride` pixels: window (i, j) begins at (i * stride, "
          "j * stride), and H_out = (H + 2p - kH) // stride + 1.")
def im2col_no_stride(x, kernel_size, stride=1, padding=0):
    """Takes every window, as with stride 1."""
    return _im2col(x, kernel_size, 1, padding)


@_mistake("im2col", "padding ignored",
          "Pad x with `padding` zeros on each side of H and W first (np.pad on axes 2 and 3 "
          "only), then take the windows of the padded image.")
def im2col_no_padding(x, kernel_size, stride=1, padding=0):
    """Never pads."""
    return _im2col(x, kernel_size, stride, 0)


@_mistake("im2col", "x[p:-p] with p = 0",
          "xp[:, :, p:-p, p:-p] selects nothing when p == 0 (-0 is 0); write the end "
          "explicitly: xp[:, :, p:p + H, p:p + W] = x.")
def im2col_negative_slice_end(x, kernel_size, stride=1, padding=0):
    """Pads by copying x into xp[:, :, p:-p, p:-p], which fails for padding=0."""
    x = np.asarray(x)
    N, C, H, W = x.shape
    p = padding
    xp = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=x.dtype)
    xp[:, :, p:-p, p:-p] = x
    return _im2col(xp, kernel_size, stride, 0)


@_mistake("im2col", "non-square kernel read as square",
          "kernel_size may be a pair (kH, kW): use kH for the rows and kW for the columns of "
          "each window.")
def im2col_square_kernel(x, kernel_size, stride=1, padding=0):
    """Uses kH for both sides of the window."""
    kh, _ = _kernel(kernel_size)
    return _im2col(x, kh, stride, padding)


@_mistake("im2col", "batch folded into the columns",
          "Keep the batch axis first: the result is (N, C * kH * kW, H_out * W_out), one "
          "column matrix per image, not one (C * kH * kW, N * L) matrix.")
def im2col_batch_in_columns(x, kernel_size, stride=1, padding=0):
    """Returns one matrix with the windows of every image side by side."""
    cols = _im2col(x, kernel_size, stride, padding)
    N, K, L = cols.shape
    return cols.transpose(1, 0, 2).reshape(K, N * L)


@_mistake("im2col", "output dtype always float64",
          "Allocate the columns with dtype=x.dtype: im2col copies numbers, it does not "
          "change their type (float32 in, float32 out).")
def im2col_always_float64(x, kernel_size, stride=1, padding=0):
    """Allocates with np.zeros(shape): float64 whatever x is."""
    return _im2col(x, kernel_size, stride, padding, dtype=np.float64)


# --- conv2d_im2col -----------------------------------------------------------------------

@_mistake("conv2d_im2col", "weights flattened in another order than the columns",
          "Flatten each filter in the order of the rows of im2col: w.reshape(C_out, -1) "
          "gives (c, u, v) with v fastest, the same order as the columns' rows.")
def conv2d_im2col_weights_kernel_major(x, w, b=None, stride=1, padding=0):
    """Flattens the filters as (u, v, c) while the columns are (c, u, v)."""
    w = np.asarray(w)
    reordered = w.transpose(0, 2, 3, 1).reshape(w.shape)
    return _conv(x, reordered, b, stride, padding)


@_mistake("conv2d_im2col", "N and C_out swapped in the reshape",
          "w_row @ cols of the whole batch is (C_out, N * L): move the batch axis first "
          "(transpose to (N, C_out, L)) before reshaping to (N, C_out, H_out, W_out).")
def conv2d_im2col_n_and_c_out_swapped(x, w, b=None, stride=1, padding=0):
    """Multiplies one (K, N * L) column matrix and reshapes the (C_out, N * L) product directly."""
    x, w = np.asarray(x), np.asarray(w)
    N = x.shape[0]
    O, _, kh, kw = w.shape
    cols = _im2col(x, (kh, kw), stride, padding)
    K, L = cols.shape[1:]
    out = w.reshape(O, -1) @ cols.transpose(1, 0, 2).reshape(K, N * L)
    if b is not None:
        out = out + np.asarray(b)[:, None]
    ho = (x.shape[2] + 2 * padding - kh) // stride + 1
    wo = (x.shape[3] + 2 * padding - kw) // stride + 1
    return out.reshape(N, O, ho, wo)


@_mistake("conv2d_im2col", "bias added per column",
          "The product is (N, C_out, L): one row per filter. Add b[o] to every column of row "
          "o, i.e. b[:, None] (or b[None, :, None]), not b along the last axis.")
def conv2d_im2col_bias_per_column(x, w, b=None, stride=1, padding=0):
    """Adds b along the last axis of the (N, C_out, L) product (numpy broadcasting)."""
    x, w = np.asarray(x), np.asarray(w)
    N = x.shape[0]
    O, _, kh, kw = w.shape
    cols = _im2col(x, (kh, kw), stride, padding)
    out = w.reshape(O, -1) @ cols
    if b is not None:
        out = out + np.asarray(b)
    ho = (x.shape[2] + 2 * padding - kh) // stride + 1
    wo = (x.shape[3] + 2 * padding - kw) // stride + 1
    return out.reshape(N, O, ho, wo)


@_mistake("conv2d_im2col", "bias ignored",
          "Add b[o] to every position of output channel o: out + b[:, None] on the "
          "(N, C_out, L) product.")
def conv2d_im2col_no_bias(x, w, b=None, stride=1, padding=0):
    """Never adds the bias."""
    return _conv(x, w, None, stride, padding)


@_mistake("conv2d_im2col", "stride ignored",
          "Pass stride to im2col and use it in H_out = (H + 2p - kH) // stride + 1.")
def conv2d_im2col_no_stride(x, w, b=None, stride=1, padding=0):
    """Always uses stride 1."""
    return _conv(x, w, b, 1, padding)


@_mistake("conv2d_im2col", "padding ignored",
          "Pass padding to im2col and use it in H_out = (H + 2p - kH) // stride + 1.")
def conv2d_im2col_no_padding(x, w, b=None, stride=1, padding=0):
    """Never pads."""
    return _conv(x, w, b, stride, 0)


@_mistake("conv2d_im2col", "flipped the kernel",
          "A conv layer computes cross-correlation: w.reshape(C_out, -1) as it is, without "
          "w[..., ::-1, ::-1].")
def conv2d_im2col_flipped(x, w, b=None, stride=1, padding=0):
    """Flips every kernel first (a true convolution)."""
    return _conv(x, np.asarray(w)[:, :, ::-1, ::-1], b, stride, padding)


@_mistake("conv2d_im2col", "H_out and W_out swapped in the reshape",
          "Column i * W_out + j is output (i, j): reshape the product to (N, C_out, H_out, "
          "W_out), height first.")
def conv2d_im2col_h_w_swapped(x, w, b=None, stride=1, padding=0):
    """Reshapes to (N, C_out, W_out, H_out) and transposes the last two axes."""
    out = _conv(x, w, b, stride, padding)
    N, O, ho, wo = out.shape
    return out.reshape(N, O, wo, ho).transpose(0, 1, 3, 2)


@_mistake("conv2d_im2col", "output dtype always float64",
          "Keep the input's float type (float32 in, float32 out, as in PyTorch): do not "
          "allocate or cast the result as float64.")
def conv2d_im2col_always_float64(x, w, b=None, stride=1, padding=0):
    """Casts the result to float64."""
    return _conv(x, w, b, stride, padding, out_dtype=np.float64)
