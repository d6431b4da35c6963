"""Pooling layers: max, average and L2 pooling over each channel, forward and backward.

Layout follows PyTorch: ``x`` is ``(N, C, H, W)``; ``kernel_size``, ``stride`` and
``padding`` take an int or a pair ``(h, w)``; ``stride=None`` means "as large as the
kernel", so windows tile the input without overlapping.  Every channel is pooled on its
own: pooling has no weights and never mixes channels.

Two implementations of each function compute the same thing:

* :func:`pool2d` and :func:`pool2d_backward`, the fast path, loop over kernel offsets
  only (about ``kH + kW`` of them, rows and columns separately) and work on the whole
  batch at once;
* :func:`pool2d_loops` and :func:`pool2d_backward_loops` loop over every output element
  and every window position, one line of code per term of the formula.
"""

from __future__ import annotations

import math

import numpy as np

from autograder._validation import as_array, as_pair, check_choice, layer_dtype

__all__ = ["pool2d", "pool2d_loops", "pool2d_backward", "pool2d_backward_loops"]

_MODES = ("max", "avg", "l2")


# --------------------------------------------------------------------------- arguments

def _setup(x, kernel_size, stride, padding, mode):
    """Check the arguments shared by all four functions; return them normalised."""
    x = as_array(x, "x", ndim=4, kinds="biuf", shape_hint="(N, C, H, W)")
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    sh, sw = (kh, kw) if stride is None else as_pair(stride, "stride", minimum=1)
    ph, pw = as_pair(padding, "padding", minimum=0)
    mode = check_choice(mode, "mode", _MODES)
    # PyTorch's rule; it also guarantees every window overlaps the input.
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(
            f"padding must be at most half the kernel size on each axis (PyTorch's rule), "
            f"got padding={padding!r} with kernel_size={kernel_size!r}")
    height, width = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    if kh > height or kw > width:
        raise ValueError(
            f"kernel_size={kernel_size!r} is larger than the padded input "
            f"({height}, {width}) of x with shape {x.shape} and padding={padding!r}")
    oh = (height - kh) // sh + 1  # floor, as PyTorch's ceil_mode=False
    ow = (width - kw) // sw + 1
    return x, (kh, kw), (sh, sw), (ph, pw), mode, (oh, ow)


def _check_dout(dout, x, out_shape):
    dout = as_array(dout, "dout", ndim=4, kinds="biuf", shape_hint="(N, C, OH, OW)")
    want = x.shape[:2] + tuple(out_shape)
    if dout.shape != want:
        raise ValueError(f"dout must have the output's shape {want}, got {dout.shape}")
    return dout


# ----------------------------------------------------------------- fast path internals
#
# Why the code has this shape.  Slicing the input at one kernel offset with step
# ``stride`` gives a strided view made of short rows (OW elements each), and numpy pays
# a fixed cost per row: elementwise work on such views ran about 5 times slower than on
# contiguous arrays.  So the input is first cut once into its stride phases, "planes":
# plane (a, b) holds the padded input's pixels at rows a, a + sH, a + 2 sH, ... and
# columns b, b + sW, ..., stored contiguously on a grid of Hq x Wq cells, flattened.
# Window offset (u, v) of output (i, j) is the padded pixel (i sH + u, j sW + v), which
# is cell (i + u // sH, j + v // sW) of plane (u % sH, v % sW): a fixed shift of the
# flattened grid, i.e. a plain 1-D slice.  Grid cells past the last output (i >= OH or
# j >= OW) compute garbage that is cropped away, and get zero gradient.
#
# Window reductions that separate (max, sum) run in two passes, first along W (giving
# one value per plane row and output column), then along H: kH + kW operations instead
# of kH * kW.  Every step is branch-free (no boolean-mask assignment), which keeps it
# fast on random data.

class _Planes:
    """The stride-phase planes of a padded input, and where each window offset reads."""

    def __init__(self, x_shape, kernel, stride, padding, out_shape):
        (self.kh, self.kw), (self.sh, self.sw) = kernel, stride
        (self.ph, self.pw), (self.oh, self.ow) = padding, out_shape
        self.batch = tuple(x_shape[:2])
        self.x_shape = tuple(x_shape)
        # phases at or beyond the kernel size are never read (stride > kernel)
        self.phases = (min(self.sh, self.kh), min(self.sw, self.kw))
        self.hq = self.oh + (self.kh - 1) // self.sh
        self.wq = self.ow + (self.kw - 1) // self.sw
        self.cells = self.batch[0] * self.batch[1] * self.hq * self.wq
        # pass 1 also produces the rows that pass 2 reads shifted down
        self.rows_len = self.cells + (self.kh - 1) // self.sh * self.wq
        self.total = self.rows_len + (self.kw - 1) // self.sw

    def _grid(self, flat):
        return flat[:self.cells].reshape(self.batch + (self.hq, self.wq))

    def _placement(self, a, b):
        """The input pixels of plane (a, b): the input slices and the first grid cell."""
        r0 = max(0, -((a - self.ph) // self.sh))  # first cell whose row is inside x
        c0 = max(0, -((b - self.pw) // self.sw))
        rows = slice(a + r0 * self.sh - self.ph, None, self.sh)
        cols = slice(b + c0 * self.sw - self.pw, None, self.sw)
        return r0, c0, rows, cols

    def split(self, x, fill):
        """Planes of ``x`` padded with ``fill``, shape ``phases + (total,)``."""
        planes = np.full(self.phases + (self.total,), fill, x.dtype)
        for a in range(self.phases[0]):
            for b in range(self.phases[1]):
                r0, c0, rows, cols = self._placement(a, b)
                src = x[:, :, rows, cols][:, :, :max(0, self.hq - r0), :max(0, self.wq - c0)]
                grid = self._grid(planes[a, b])
                grid[:, :, r0:r0 + src.shape[2], c0:c0 + src.shape[3]] = src
        return planes

    def merge(self, planes):
        """Adjoint of :meth:`split`: each input pixel takes its cell's value (padding dropped)."""
        x = np.zeros(self.x_shape, planes.dtype)
        for a in range(self.phases[0]):
            for b in range(self.phases[1]):
                r0, c0, rows, cols = self._placement(a, b)
                dst = x[:, :, rows, cols][:, :, :max(0, self.hq - r0), :max(0, self.wq - c0)]
                dst[...] = self._grid(planes[a, b])[:, :, r0:r0 + dst.shape[2],
                                                    c0:c0 + dst.shape[3]]
        return x

    def column(self, v):
        """Pass 1 reads window column ``v`` as ``planes[a, b, cut]``: returns ``(b, cut)``."""
        shift = v // self.sw
        return v % self.sw, slice(shift, shift + self.rows_len)

    def row(self, u):
        """Pass 2 reads window row ``u`` as ``rows[a, cut]``: returns ``(a, cut)``."""
        shift = u // self.sh * self.wq
        return u % self.sh, slice(shift, shift + self.cells)

    def crop(self, flat):
        """Grid values of the outputs, shape (N, C, OH, OW)."""
        return self._grid(flat)[:, :, :self.oh, :self.ow]

    def embed(self, out):
        """Inverse of :meth:`crop`, with zeros in the cells past the outputs."""
        flat = np.zeros(self.cells, out.dtype)
        self._grid(flat)[:, :, :self.oh, :self.ow] = out
        return flat


def _reduce(planes, geo, ufunc):
    """Combine every window with ``ufunc`` (``np.maximum`` or ``np.add``); flat grid out."""
    rows = np.empty((geo.phases[0], geo.rows_len), planes.dtype)
    for a in range(geo.phases[0]):
        for v in range(geo.kw):
            b, cut = geo.column(v)
            if v == 0:
                rows[a] = planes[a, b, cut]
            else:
                ufunc(rows[a], planes[a, b, cut], out=rows[a])
    a, cut = geo.row(0)
    out = rows[a, cut].copy()
    for u in range(1, geo.kh):
        a, cut = geo.row(u)
        ufunc(out, rows[a, cut], out=out)
    return out


def _reduce_sum_adjoint(grad_out, geo):
    """Transpose of ``_reduce(..., np.add)``: every window position gets its output's gradient."""
    rows = np.zeros((geo.phases[0], geo.rows_len), grad_out.dtype)
    for u in range(geo.kh):
        a, cut = geo.row(u)
        rows[a, cut] += grad_out  # overlapping windows accumulate
    planes = np.zeros(geo.phases + (geo.total,), grad_out.dtype)
    for a in range(geo.phases[0]):
        for v in range(geo.kw):
            b, cut = geo.column(v)
            planes[a, b, cut] += rows[a]
    return planes


def _reduce_argmax_adjoint(grad_out, planes, geo):
    """Send each output's gradient to the first maximum, in row-major order, of its window.

    The first maximum of a window in row-major order lies in the first window row whose
    maximum is the window's maximum, at that row's first maximum.  So pass 1 records, per
    plane row and output column, the first column offset holding the row's maximum
    (``col``), and pass 2, per output, the first row offset whose row maximum is the
    largest (``row``).  Offsets only grow during a pass, so "take the new offset where
    the value is strictly larger" is ``offset = max(offset, larger * offset_now)``.
    The gradient then flows back through the two passes in reverse order.

    ``planes`` is overwritten (it becomes the result): fewer fresh arrays per call means
    fewer page faults, which cost more than the arithmetic at realistic sizes.
    """
    index = np.min_scalar_type(max(geo.kh, geo.kw))  # uint8 for any kernel up to 255
    best_rows = np.empty((geo.phases[0], geo.rows_len), planes.dtype)
    col = np.zeros(best_rows.shape, index)
    larger = np.empty(geo.rows_len, bool)
    step = np.empty(geo.rows_len, index)
    scratch = np.empty(geo.rows_len, planes.dtype)
    for a in range(geo.phases[0]):
        for v in range(geo.kw):
            b, cut = geo.column(v)
            value = planes[a, b, cut]
            if v == 0:
                best_rows[a] = value
                continue
            np.greater(value, best_rows[a], out=larger)  # strict: a tie keeps the earlier
            np.maximum(best_rows[a], value, out=best_rows[a])
            np.multiply(larger, index.type(v), out=step)
            np.maximum(col[a], step, out=col[a])
    a, cut = geo.row(0)
    best = scratch[:geo.cells]
    best[...] = best_rows[a, cut]
    row = np.zeros(geo.cells, index)
    larger_out, step_out = larger[:geo.cells], step[:geo.cells]
    for u in range(1, geo.kh):
        a, cut = geo.row(u)
        np.greater(best_rows[a, cut], best, out=larger_out)
        np.maximum(best, best_rows[a, cut], out=best)
        np.multiply(larger_out, index.type(u), out=step_out)
        np.maximum(row, step_out, out=row)

    # back through pass 2: each output's gradient goes to its winning row
    grad_rows = best_rows  # the row maxima are no longer needed
    grad_rows[...] = 0
    part = scratch[:geo.cells]
    for u in range(geo.kh):
        a, cut = geo.row(u)
        np.equal(row, u, out=larger_out)
        np.multiply(grad_out, larger_out, out=part)
        grad_rows[a, cut] += part  # overlapping windows accumulate
    # back through pass 1: each row's gradient goes to that row's winning column
    grad = planes  # nor are the input values
    grad[...] = 0
    for a in range(geo.phases[0]):
        for v in range(geo.kw):
            b, cut = geo.column(v)
            np.equal(col[a], v, out=larger)
            np.multiply(grad_rows[a], larger, out=scratch)
            grad[a, b, cut] += scratch
    return grad


# ------------------------------------------------------------------------ public: fast

def pool2d(x, kernel_size, stride=None, padding=0, mode="max"):
    """Max, average or L2 pooling of every channel of a batch of images.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input batch.  Integer input is computed in float64, float32 stays float32.
    kernel_size : int or pair of int
        Window size ``(kH, kW)``, each >= 1.
    stride : int or pair of int, optional
        Step between windows ``(sH, sW)``, each >= 1.  ``None`` (the default) means
        ``kernel_size``, as in PyTorch: the windows tile the input.
    padding : int or pair of int, default 0
        Rows ``pH`` added above and below, columns ``pW`` left and right; at most half
        the kernel size on each axis (``pH <= kH // 2``), PyTorch's rule.  The padding
        value depends on ``mode`` (see Notes).
    mode : {"max", "avg", "l2"}, default "max"
        The reduction over each window.

    Returns
    -------
    numpy.ndarray, shape (N, C, OH, OW)
        ``OH = floor((H + 2 pH - kH) / sH) + 1`` and likewise ``OW``: windows that would
        run past the padded input are dropped (PyTorch's ``ceil_mode=False``).

    Raises
    ------
    TypeError
        If ``x`` is not a real numeric array or a size is not an int or a pair of ints.
    ValueError
        If ``x`` is not 4-D, a size is out of range, ``padding`` exceeds half the kernel,
        the kernel does not fit in the padded input, or ``mode`` is unknown.

    See Also
    --------
    torch.nn.functional.max_pool2d : ``mode="max"``.
    torch.nn.functional.avg_pool2d : ``mode="avg"`` (with ``count_include_pad=True``).
    torch.nn.functional.lp_pool2d : ``mode="l2"`` is ``norm_type=2`` (without padding).
    pool2d_backward : The gradient with respect to ``x``.
    pool2d_loops : The same computation written as plain loops.

    Notes
    -----
    With :math:`\\tilde x` the padded input and the window of output :math:`(i, j)` the
    positions :math:`(i s_H + u,\\; j s_W + v)`, :math:`0 \\le u < k_H,\\ 0 \\le v < k_W`:

    .. math::

        y^{\\max}_{ij} = \\max_{u,v} \\tilde x_{i s_H + u,\\, j s_W + v}, \\qquad
        y^{\\mathrm{avg}}_{ij} = \\frac{1}{k_H k_W} \\sum_{u,v} \\tilde x_{\\ldots}, \\qquad
        y^{\\mathrm{l2}}_{ij} = \\Big(\\sum_{u,v} \\tilde x_{\\ldots}^2\\Big)^{1/2}.

    Padding is ``-inf`` for max pooling, so a padded position never wins, and ``0`` for
    average pooling, where padded zeros count in the divisor :math:`k_H k_W` (PyTorch's
    default ``count_include_pad=True``).  For L2 pooling padding is also ``0``, which
    adds nothing to the sum of squares: a window at the border gives the 2-norm of its
    part inside the input.  PyTorch's ``lp_pool2d`` has no padding argument; this equals
    ``lp_pool2d(F.pad(x, (pW, pW, pH, pH)), 2, kernel_size, stride)``.  Its own
    definition, ``(k_H k_W * avg_pool2d(x ** 2)) ** (1 / 2)``, is the same sum.

    A NaN in a max-pooling window makes that output NaN, as in PyTorch.

    The windows are never copied out.  The input is cut once into its ``sH * sW``
    stride phases (every ``sH``-th row and ``sW``-th column from each starting offset),
    each stored contiguously; every kernel offset then reads one phase shifted by a
    whole number of cells, a contiguous slice, and the slices are combined elementwise,
    first along W, then along H.  Measured on a (32, 32, 32, 32) float32 input with 3x3
    windows and stride 2: the forward pass is about 25 times faster than reducing a
    ``sliding_window_view`` over its window axes; forward plus backward is about 5 times
    faster than an argmax over copied windows followed by an ``np.add.at`` or
    ``np.bincount`` scatter, and about 1.3 times faster than the same two passes run on
    strided slices of the input.

    Examples
    --------
    >>> x = np.array([[1., 2., 5., 0.],
    ...               [3., 4., 1., 1.],
    ...               [0., 1., 2., 2.],
    ...               [6., 0., 2., 3.]]).reshape(1, 1, 4, 4)
    >>> pool2d(x, 2)[0, 0]
    array([[4., 5.],
           [6., 3.]])
    >>> pool2d(x, 2, mode="avg")[0, 0]
    array([[2.5 , 1.75],
           [1.75, 2.25]])
    >>> pool2d(x, 2, mode="l2")[0, 0]
    array([[5.47722558, 5.19615242],
           [6.08276253, 4.58257569]])

    Global average pooling is a window as large as the input:

    >>> pool2d(x, (4, 4), mode="avg").ravel()
    array([2.0625])

    Padding 1 with a 3x3 window and stride 2 keeps the corners in play:

    >>> pool2d(x, 3, stride=2, padding=1)[0, 0]
    array([[4., 5.],
           [6., 3.]])
    """
    x, kernel, stride, padding, mode, out_shape = _setup(x, kernel_size, stride, padding, mode)
    dtype = layer_dtype(x)
    x = x.astype(dtype, copy=False)
    geo = _Planes(x.shape, kernel, stride, padding, out_shape)
    if mode == "max":
        out = _reduce(geo.split(x, -np.inf), geo, np.maximum)
    elif mode == "avg":
        out = _reduce(geo.split(x, 0), geo, np.add)
        out /= dtype.type(kernel[0] * kernel[1])
    else:
        planes = geo.split(x, 0)
        out = _reduce(np.square(planes, out=planes), geo, np.add)
        np.sqrt(out, out=out)
    return np.ascontiguousarray(geo.crop(out))


def pool2d_backward(dout, x, kernel_size, stride=None, padding=0, mode="max"):
    """Gradient of :func:`pool2d` with respect to its input.

    Parameters
    ----------
    dout : array_like, shape (N, C, OH, OW)
        Upstream gradient, shaped like ``pool2d(x, ...)``.
    x : array_like, shape (N, C, H, W)
        The input the forward pass saw.
    kernel_size, stride, padding, mode
        As in :func:`pool2d`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        ``dx``, in the dtype ``x`` and ``dout`` compute in (float32 if both are).

    Raises
    ------
    TypeError
        As in :func:`pool2d`, also for ``dout``.
    ValueError
        As in :func:`pool2d`, or if ``dout`` is not shaped like the output.

    See Also
    --------
    torch.nn.functional.max_pool2d : With autograd, the reference for ``mode="max"``.
    pool2d : The forward pass.
    pool2d_backward_loops : The same computation written as plain loops.

    Notes
    -----
    Each output sends its gradient to the positions of its window; windows that overlap
    (stride smaller than the kernel) add up at the positions they share, and gradient
    reaching the padding is dropped.

    * max: all of :math:`\\mathrm{dout}_{ij}` goes to the window's maximum.  When several
      positions tie, it goes to the **first** of them in row-major order (top row first,
      left to right), which is what PyTorch does.  Which position receives it in a
      window holding NaN is unspecified, and a window whose values are all ``-inf``
      sends it to its first position even if that is padding (PyTorch: to its first
      position inside the input).
    * avg: every position of the window receives :math:`\\mathrm{dout}_{ij} / (k_H k_W)`.
    * l2: :math:`\\partial y_{ij} / \\partial x_p = x_p / y_{ij}`, so position ``p``
      receives :math:`\\mathrm{dout}_{ij}\\, x_p / y_{ij}`; where :math:`y_{ij} = 0` the
      whole window is zero and the gradient is taken as 0 (the function has no
      derivative there; PyTorch's ``lp_pool2d`` documents the same choice).

    Examples
    --------
    A tie: both 5s are maxima of the top-left window; the first one gets the gradient.

    >>> x = np.array([[5., 5.], [1., 2.]]).reshape(1, 1, 2, 2)
    >>> pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)[0, 0]
    array([[1., 0.],
           [0., 0.]])
    >>> pool2d_backward(np.ones((1, 1, 1, 1)), x, 2, mode="avg")[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])

    Overlapping windows (3x3, stride 1) share the centre maximum and add up:

    >>> x = np.zeros((1, 1, 3, 4)); x[0, 0, 1, 1] = 9.0
    >>> pool2d_backward(np.ones((1, 1, 1, 2)), x, 3, stride=1)[0, 0]
    array([[0., 0., 0., 0.],
           [0., 2., 0., 0.],
           [0., 0., 0., 0.]])
    """
    x, kernel, stride, padding, mode, out_shape = _setup(x, kernel_size, stride, padding, mode)
    dout = _check_dout(dout, x, out_shape)
    dtype = layer_dtype(x, dout)
    x = x.astype(dtype, copy=False)
    geo = _Planes(x.shape, kernel, stride, padding, out_shape)
    grad_out = geo.embed(dout.astype(dtype, copy=False))  # zeros in the garbage cells
    if mode == "max":
        grad = _reduce_argmax_adjoint(grad_out, geo.split(x, -np.inf), geo)
    elif mode == "avg":
        grad_out /= dtype.type(kernel[0] * kernel[1])
        grad = _reduce_sum_adjoint(grad_out, geo)
    else:
        planes = geo.split(x, 0)
        norm = np.sqrt(_reduce(np.square(planes), geo, np.add))
        # dout / norm, taken as 0 where the norm is 0 (the window is all zeros there)
        ratio = np.divide(grad_out, norm, out=np.zeros_like(norm), where=norm != 0)
        grad = _reduce_sum_adjoint(ratio, geo)
        grad *= planes
    return geo.merge(grad)


# ----------------------------------------------------------------------- public: loops

def pool2d_loops(x, kernel_size, stride=None, padding=0, mode="max"):
    """:func:`pool2d` written as loops over every output and every window position.

    Slow; meant to be read next to the formula, and to test :func:`pool2d` against.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size, stride, padding, mode
        As in :func:`pool2d`.

    Returns
    -------
    numpy.ndarray, shape (N, C, OH, OW)
        Sums are accumulated in Python floats (float64) and stored in the dtype
        :func:`pool2d` returns.

    Raises
    ------
    TypeError, ValueError
        As in :func:`pool2d`.

    See Also
    --------
    pool2d : The fast path.

    Notes
    -----
    The padding is never built: a window position outside the input reads the padding
    value instead (``-inf`` for max, ``0`` for avg and l2).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> pool2d_loops(x, 2, mode="avg")[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, (kh, kw), (sh, sw), (ph, pw), mode, (oh, ow) = _setup(
        x, kernel_size, stride, padding, mode)
    n_images, n_channels, height, width = x.shape
    pad_value = -math.inf if mode == "max" else 0.0
    out = np.empty((n_images, n_channels, oh, ow), layer_dtype(x))
    for n in range(n_images):
        for c in range(n_channels):
            for i in range(oh):
                for j in range(ow):
                    best, total = -math.inf, 0.0
                    for u in range(kh):
                        for v in range(kw):
                            r, s = i * sh + u - ph, j * sw + v - pw  # input row and column
                            inside = 0 <= r < height and 0 <= s < width
                            value = float(x[n, c, r, s]) if inside else pad_value
                            if value > best or math.isnan(value):  # NaN sticks, as in PyTorch
                                best = value
                            total += value * value if mode == "l2" else value
                    if mode == "max":
                        out[n, c, i, j] = best
                    elif mode == "avg":
                        out[n, c, i, j] = total / (kh * kw)
                    else:
                        out[n, c, i, j] = math.sqrt(total)
    return out


def pool2d_backward_loops(dout, x, kernel_size, stride=None, padding=0, mode="max"):
    """:func:`pool2d_backward` written as loops over every output and window position.

    Parameters
    ----------
    dout : array_like, shape (N, C, OH, OW)
    x : array_like, shape (N, C, H, W)
    kernel_size, stride, padding, mode
        As in :func:`pool2d`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        ``dx``, accumulated in Python floats, stored in the dtype
        :func:`pool2d_backward` returns.

    Raises
    ------
    TypeError, ValueError
        As in :func:`pool2d_backward`.

    See Also
    --------
    pool2d_backward : The fast path.

    Notes
    -----
    For max pooling the window is scanned in row-major order and a position replaces
    the current best only if it is strictly larger, so the first maximum keeps the
    gradient.  Positions in the padding may be visited but never receive gradient.

    Examples
    --------
    >>> x = np.array([[1., 3.], [3., 2.]]).reshape(1, 1, 2, 2)
    >>> pool2d_backward_loops(np.full((1, 1, 1, 1), 2.0), x, 2)[0, 0]
    array([[0., 2.],
           [0., 0.]])
    """
    x, (kh, kw), (sh, sw), (ph, pw), mode, (oh, ow) = _setup(
        x, kernel_size, stride, padding, mode)
    dout = _check_dout(dout, x, (oh, ow))
    n_images, n_channels, height, width = x.shape
    pad_value = -math.inf if mode == "max" else 0.0
    dx = np.zeros(x.shape, np.float64)
    for n in range(n_images):
        for c in range(n_channels):
            for i in range(oh):
                for j in range(ow):
                    g = float(dout[n, c, i, j])
                    window = []  # (row, column, value) in row-major order
                    for u in range(kh):
                        for v in range(kw):
                            r, s = i * sh + u - ph, j * sw + v - pw
                            inside = 0 <= r < height and 0 <= s < width
                            window.append((r, s, float(x[n, c, r, s]) if inside else pad_value))
                    if mode == "max":
                        best_r, best_s, best = window[0]
                        for r, s, value in window[1:]:
                            if value > best:  # strictly larger: ties keep the first
                                best_r, best_s, best = r, s, value
                        targets = [(best_r, best_s, g)]
                    elif mode == "avg":
                        targets = [(r, s, g / (kh * kw)) for r, s, _ in window]
                    else:
                        norm = math.sqrt(sum(value * value for _, _, value in window))
                        targets = [(r, s, g * value / norm if norm != 0 else 0.0)
                                   for r, s, value in window]
                    for r, s, share in targets:
                        if 0 <= r < height and 0 <= s < width:  # padding takes no gradient
                            dx[n, c, r, s] += share
    return dx.astype(layer_dtype(x, dout))
