"""Figures for lecture 06: how gradients flow back through convolution, pooling and ReLU.

Each function draws small arrays as numbered grids (:func:`autograder.viz.draw_grid`) on a
:class:`matplotlib.figure.Figure` it creates and returns, never through pyplot.  The
colours follow the course's one palette: the *output* colour marks what lives on the
output side of a layer (its upstream gradient ``dout``), the *input* colour what lives on
the input side (``x`` and the gradient ``dx`` sent back to it), the *kernel* colour the
weights and their gradient.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import ConnectionPatch, Patch, Rectangle
from matplotlib.ticker import FuncFormatter, NullLocator

from autograder._validation import as_array, as_int, as_pair, check_choice
from autograder.viz import MAX_GRID_SIDE, PALETTE, _check_fmt, draw_grid

__all__ = [
    "show_full_correlation",
    "show_pool_routing",
    "show_relu_gate",
    "show_weight_contributions",
    "show_gradcheck_curve",
]

_CELL_INCH = 0.42
_STRONG = 0.6
_TINT = 0.22

#: Most output positions :func:`show_weight_contributions` draws one panel for.
MAX_CONTRIBUTIONS = 16


def _swatch(role, label):
    return Patch(facecolor=to_rgba(PALETTE[role], _STRONG), edgecolor="0.35", label=label)


def _window_swatch(label="current window"):
    return Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5, label=label)


def _zeros_swatch(label):
    return Patch(facecolor=to_rgba(PALETTE["padding"], _TINT), edgecolor=PALETTE["padding"],
                 hatch="///", label=label)


def _term(a, b, fmt):
    """``a×b`` with a negative factor in brackets."""
    def show(v):
        return fmt.format(v) if v >= 0 else "(" + fmt.format(v) + ")"
    return f"{show(a)}×{show(b)}"


def _check_side(shape, name):
    if max(shape) > MAX_GRID_SIDE:
        raise ValueError(f"{name} has shape {shape}; grids with a side over {MAX_GRID_SIDE} "
                         f"are too large to label, draw a smaller example")


# ----------------------------------------------------------------------- dx, full correlation

def show_full_correlation(dout, kernel, position, *, stride=1, fmt="{:.3g}"):
    """Draw one entry of ``dx`` as a full cross-correlation of ``dout`` with the flipped kernel.

    For a layer ``out = correlate(x, kernel, "valid")`` (1-D) or
    ``correlate2d(x, kernel, "valid")`` (2-D), taken with ``stride``, the gradient with
    respect to ``x`` is computed in three steps that the figure shows: the upstream
    gradient ``dout`` gets ``stride - 1`` zeros between its entries and ``k - 1`` zeros
    around it; the kernel is turned round (reversed, in 2-D along both axes); the turned
    kernel slides over the padded gradient, and its window at ``position`` gives
    ``dx[position]``.

    Parameters
    ----------
    dout : array_like, shape (OW,) or (OH, OW)
        The gradient of the loss with respect to the layer's output.
    kernel : array_like, shape (K,) or (kH, kW)
        The layer's kernel, as the forward pass used it (not flipped); same number of
        dimensions as ``dout``.
    position : int or pair of int
        The entry of ``dx`` to explain: an int for 1-D, ``(r, c)`` for 2-D.
    stride : int or pair of int, default 1
        The forward pass's stride; an int in 1-D.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes drawn by :func:`autograder.viz.draw_grid`: the padded (and, with a
        stride, dilated) upstream gradient with the window highlighted, the flipped
        kernel, and ``dx`` with ``position`` highlighted.  Stacked vertically in 1-D,
        side by side in 2-D.  ``fig.legends[0]`` names the roles; the caption
        (``fig.get_supxlabel()``) lists the products that make ``dx[position]``.

    Raises
    ------
    TypeError
        If an array is not numeric, or ``position``, ``stride`` or ``fmt`` has the wrong
        type.
    ValueError
        If ``dout`` and ``kernel`` are not both 1-D or both 2-D, a grid would have a side
        over :data:`autograder.viz.MAX_GRID_SIDE`, or ``position`` is outside ``dx``.

    See Also
    --------
    autograder.reference.conv2d_backward : Computes ``dx`` for a whole layer.
    autograder.reference.convolve2d : ``dx = convolve2d(dout, kernel, "full")`` at stride 1.
    torch.nn.grad.conv2d_input : PyTorch's input gradient.

    Notes
    -----
    With :math:`\\tilde d` the upstream gradient dilated by the stride and padded by
    :math:`k - 1` zeros on each side, and :math:`\\bar w[u] = w[k - 1 - u]`,

    .. math:: dx[m] = \\sum_u \\tilde d[m + u]\\, \\bar w[u] = \\sum_u d_1[m - u]\\, w[u],

    where :math:`d_1` is ``dout`` with the stride's zeros inserted: a full
    cross-correlation with the flipped kernel, i.e. a full convolution with the kernel.
    ``dx`` covers the input positions some window reached; with a stride that does not
    divide, the input's last rows or columns are not reached and get zero gradient.

    Examples
    --------
    >>> fig = show_full_correlation([1.0, 2.0], [1.0, 10.0, 100.0], 1)
    >>> [t.get_text() for t in fig.axes[2].texts]   # convolve([1, 2], [1, 10, 100])
    ['1', '12', '120', '200']
    >>> print(fig.get_supxlabel())
    dx[1] = 1×10 + 2×1 = 12
    """
    d = as_array(dout, "dout", ndim=(1, 2), shape_hint="(OW,) or (OH, OW)")
    k = as_array(kernel, "kernel", ndim=(1, 2), shape_hint="(K,) or (kH, kW)")
    if d.ndim != k.ndim:
        raise ValueError(f"dout and kernel must both be 1-D or both 2-D, got dout shape "
                         f"{d.shape} and kernel shape {k.shape}")
    one_d = d.ndim == 1
    if one_d:
        s = as_int(stride, "stride", minimum=1)
        sh, sw = 1, s
        if isinstance(position, (tuple, list)):
            raise TypeError(f"position must be an int for 1-D arrays, got {position!r}")
        pos = (0, as_int(position, "position", minimum=0))
        d, k = d[None, :], k[None, :]
    else:
        sh, sw = as_pair(stride, "stride", minimum=1)
        if not isinstance(position, (tuple, list)) or len(position) != 2:
            raise TypeError(f"position must be a pair (r, c) for 2-D arrays, got {position!r}")
        pos = (as_int(position[0], "position[0]", minimum=0),
               as_int(position[1], "position[1]", minimum=0))
    fmt = _check_fmt(fmt)
    d = d.astype(np.float64)
    k = k.astype(np.float64)
    (OH, OW), (kH, kW) = d.shape, k.shape

    dil = np.zeros(((OH - 1) * sh + 1, (OW - 1) * sw + 1))
    dil[::sh, ::sw] = d
    real = np.zeros(dil.shape, dtype=bool)
    real[::sh, ::sw] = True
    padded = np.pad(dil, ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    real = np.pad(real, ((kH - 1, kH - 1), (kW - 1, kW - 1)))
    _check_side(padded.shape, "the padded upstream gradient")
    flipped = k[::-1, ::-1]
    dxH, dxW = padded.shape[0] - kH + 1, padded.shape[1] - kW + 1
    dx = np.array([[float((padded[r:r + kH, c:c + kW] * flipped).sum()) for c in range(dxW)]
                   for r in range(dxH)]) + 0.0
    r, c = pos
    if r >= dxH or c >= dxW:
        where = f"{c}" if one_d else f"({r}, {c})"
        size = f"{dxW}" if one_d else f"{(dxH, dxW)}"
        raise ValueError(f"position must index dx, whose shape is {size}, got {where}")

    window = np.zeros(padded.shape, dtype=bool)
    window[r:r + kH, c:c + kW] = True
    target = np.zeros(dx.shape, dtype=bool)
    target[r, c] = True
    strided = " dilated," if (sh, sw) != (1, 1) else ""

    if one_d:
        width = max(7.0, _CELL_INCH * padded.shape[1] + 1.5)
        fig = Figure(figsize=(width, 3.8), layout="constrained")
        ax_d, ax_k, ax_x = fig.subplots(3, 1)
    else:
        widths = [padded.shape[1], kW, dxW]
        fig = Figure(figsize=(max(7.0, _CELL_INCH * sum(widths) + 2.0),
                              _CELL_INCH * max(padded.shape[0], kH, dxH) + 2.0),
                     layout="constrained")
        ax_d, ax_k, ax_x = fig.subplots(1, 3, width_ratios=widths)
    draw_grid(ax_d, padded, "output", highlight=window, padded=~real, fmt=fmt,
              origin=(-(kH - 1), -(kW - 1)),
              title=f"upstream gradient dout,{strided} padded by k - 1")
    draw_grid(ax_k, flipped, "kernel", highlight=np.ones(k.shape, dtype=bool), fmt=fmt,
              title="kernel w, flipped")
    draw_grid(ax_x, dx, "input", highlight=target, fmt=fmt, title="dx = gradient for the input")
    if one_d:
        ax_k.set_xticks(np.arange(kW) + 0.5, [f"w[{u}]" for u in range(kW - 1, -1, -1)],
                        fontsize=7)
        ax_k.set_xlim(-c, padded.shape[1] - c)   # under the window it is laid on
        ax_x.set_xlim(-(kW - 1) / 2, dxW + (kW - 1) / 2)
        for ax in (ax_d, ax_k, ax_x):
            ax.set_yticks([])
    else:
        ax_k.set_xticks(np.arange(kW) + 0.5, [str(v) for v in range(kW - 1, -1, -1)], fontsize=7)
        ax_k.set_yticks(np.arange(kH) + 0.5, [str(u) for u in range(kH - 1, -1, -1)], fontsize=7)

    handles = [_swatch("output", "upstream gradient dout"), _swatch("kernel", "kernel w (flipped)"),
               _swatch("input", "dx"), _window_swatch(),
               _zeros_swatch("zeros (padding" + (", stride)" if strided else ")"))]
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 3),
               frameon=False, fontsize=9)
    terms = [_term(padded[r + u, c + v], flipped[u, v], fmt)
             for u in range(kH) for v in range(kW) if real[r + u, c + v]]
    name = f"dx[{c}]" if one_d else f"dx[{r}, {c}]"
    fig.supxlabel(f"{name} = {' + '.join(terms) if terms else '0'} = {fmt.format(dx[r, c])}",
                  fontsize=10)
    return fig


# ----------------------------------------------------------------------- pooling

def _pool_geometry(x, dout, kernel_size, stride):
    kH, kW = as_pair(kernel_size, "kernel_size", minimum=1)
    sH, sW = (kH, kW) if stride is None else as_pair(stride, "stride", minimum=1)
    H, W = x.shape
    if kH > H or kW > W:
        raise ValueError(f"kernel_size {(kH, kW)} must fit in x of shape {x.shape}")
    OH, OW = (H - kH) // sH + 1, (W - kW) // sW + 1
    if dout.shape != (OH, OW):
        raise ValueError(f"dout must have the pooled shape (OH, OW) = {(OH, OW)} for x "
                         f"{x.shape}, kernel_size {(kH, kW)}, stride {(sH, sW)}; got {dout.shape}")
    return (kH, kW), (sH, sW), (OH, OW)


def show_pool_routing(x, dout, kernel_size, *, stride=None, mode="max", fmt="{:.3g}"):
    """Draw where each upstream gradient value goes when it passes back through pooling.

    Three grids side by side: the pooling layer's input ``x`` (the cells that receive
    gradient highlighted), the upstream gradient ``dout`` (one value per window) and the
    gradient ``dx`` sent back to the input.  An arrow runs from each ``dout`` cell to
    every ``dx`` cell it feeds: for max pooling the one cell holding the window's maximum,
    for average pooling every cell of the window.

    Parameters
    ----------
    x : array_like, shape (H, W)
        One channel of the pooling layer's input.
    dout : array_like, shape (OH, OW)
        The gradient of the loss with respect to the pooled output.
    kernel_size : int or pair of int
        Window size ``(kH, kW)``.
    stride : int or pair of int, optional
        Step between windows; None means ``kernel_size`` (windows that tile the input).
    mode : {"max", "avg"}, default "max"
        The pooling.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Axes ``x``, ``dout``, ``dx`` (in that order); the arrows are in ``fig.artists``
        with ``gid`` ``"route"``, one per (window, receiving cell) pair.
        ``fig.legends[0]`` names the roles.

    Raises
    ------
    TypeError
        If an array is not numeric, or a size or ``fmt`` has the wrong type.
    ValueError
        If ``x`` or ``dout`` is not 2-D, the window does not fit, ``dout`` is not shaped
        like the pooled output, a side is over :data:`autograder.viz.MAX_GRID_SIDE`, or
        ``mode`` is not "max" or "avg".

    See Also
    --------
    autograder.reference.pool2d_backward : The same gradient for a whole batch.
    torch.nn.functional.max_pool2d : PyTorch's layer (with autograd).

    Notes
    -----
    Max pooling: :math:`dx[p] = \\sum_{(i,j):\\, p = \\arg\\max W_{ij}} dout[i, j]`,
    the argmax taken as the first maximum in row-major order when several cells tie.
    Average pooling: every cell :math:`p` of window :math:`W_{ij}` receives
    :math:`dout[i, j] / (k_H k_W)`.  Overlapping windows add up.

    Examples
    --------
    >>> x = [[1, 5, 0, 2], [3, 2, 4, 4], [0, 1, 7, 1], [6, 0, 1, 2]]
    >>> fig = show_pool_routing(x, [[10, 20], [30, 40]], 2)
    >>> [t.get_text() for t in fig.axes[2].texts][:8]
    ['0', '10', '0', '0', '0', '0', '20', '0']
    >>> sum(a.get_gid() == "route" for a in fig.artists)
    4
    """
    x = as_array(x, "x", ndim=2, kinds="biuf", shape_hint="(H, W)").astype(np.float64)
    dout = as_array(dout, "dout", ndim=2, kinds="biuf", shape_hint="(OH, OW)").astype(np.float64)
    mode = check_choice(mode, "mode", ("max", "avg"))
    fmt = _check_fmt(fmt)
    (kH, kW), (sH, sW), (OH, OW) = _pool_geometry(x, dout, kernel_size, stride)
    _check_side(x.shape, "x")

    routes = []          # (i, j, r, c, share)
    for i in range(OH):
        for j in range(OW):
            win = x[i * sH:i * sH + kH, j * sW:j * sW + kW]
            if mode == "max":
                u, v = divmod(int(np.argmax(win)), kW)   # np.argmax: the first maximum
                routes.append((i, j, i * sH + u, j * sW + v, dout[i, j]))
            else:
                share = dout[i, j] / (kH * kW)
                routes += [(i, j, i * sH + u, j * sW + v, share)
                           for u in range(kH) for v in range(kW)]
    dx = np.zeros_like(x)
    for _, _, r, c, share in routes:
        dx[r, c] += share
    dx = dx + 0.0
    hit = np.zeros(x.shape, dtype=bool)
    for _, _, r, c, _ in routes:
        hit[r, c] = True

    H, W = x.shape
    widths = [W, OW, W]
    fig = Figure(figsize=(max(8.5, _CELL_INCH * sum(widths) + 3.5), _CELL_INCH * H + 2.4),
                 layout="constrained")
    ax_x, ax_d, ax_dx = fig.subplots(1, 3, width_ratios=widths)
    word = "max" if mode == "max" else "average"
    draw_grid(ax_x, x, "input", highlight=hit if mode == "max" else None, fmt=fmt,
              title=f"input x of the {word} pooling")
    draw_grid(ax_d, dout, "output", fmt=fmt, title="upstream gradient dout")
    draw_grid(ax_dx, dx, "input", highlight=hit if mode == "max" else None, fmt=fmt,
              title="dx, sent back to x")
    if (sH, sW) == (kH, kW):
        # windows tile the input: outline them so each dout cell's window is visible
        for ax in (ax_x, ax_dx):
            for i in range(OH):
                for j in range(OW):
                    ax.add_patch(Rectangle((j * sW, i * sH), kW, kH, facecolor="none",
                                           edgecolor="black", linewidth=1.6, zorder=4,
                                           gid="window"))
    for i, j, r, c, _ in routes:
        arrow = ConnectionPatch(xyA=(j + 0.5, i + 0.5), coordsA=ax_d.transData,
                                xyB=(c + 0.5, r + 0.5), coordsB=ax_dx.transData,
                                arrowstyle="->", color=PALETTE["window"],
                                linewidth=1.4 if mode == "max" else 0.7,
                                alpha=0.9 if mode == "max" else 0.5, shrinkA=4, shrinkB=4)
        arrow.set_gid("route")
        fig.add_artist(arrow)

    handles = [_swatch("input", "input x and dx"), _swatch("output", "upstream gradient dout")]
    if mode == "max":
        handles.append(_window_swatch("window maximum (receives the gradient)"))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 3),
               frameon=False, fontsize=9)
    if mode == "max":
        caption = ("each dout value goes to the maximum of its window (the first one, row by "
                   "row, if several tie); every other cell of x gets 0")
    else:
        caption = (f"each cell of a window gets dout / (kH kW) = dout / {kH * kW} "
                   f"of its window's upstream value")
    if (sH, sW) != (kH, kW):
        caption += "; where windows overlap the shares add up"
    fig.supxlabel(textwrap.fill(caption, 95), fontsize=10)
    return fig


def show_relu_gate(x, dout, *, fmt="{:.3g}"):
    """Draw how ReLU passes the upstream gradient back: only where its input was positive.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The ReLU's input (the pre-activation).
    dout : array_like, shape (H, W)
        The gradient of the loss with respect to the ReLU's output.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Axes ``x`` (positive cells highlighted), ``dout`` and ``dx`` (the cells that
        passed highlighted); ``fig.legends[0]`` names the roles.

    Raises
    ------
    TypeError
        If an array is not numeric or ``fmt`` is not a format string.
    ValueError
        If ``x`` is not 2-D, ``dout`` has another shape, or a side is over
        :data:`autograder.viz.MAX_GRID_SIDE`.

    See Also
    --------
    torch.nn.functional.relu : PyTorch's ReLU, whose gradient at 0 is also 0.

    Notes
    -----
    :math:`\\mathrm{relu}(x) = \\max(x, 0)`, so :math:`dx = dout \\cdot [x > 0]`; at
    :math:`x = 0` the function has no derivative and 0 is used, as PyTorch does.

    Examples
    --------
    >>> fig = show_relu_gate([[-1.0, 2.0], [0.0, 3.0]], [[5.0, 6.0], [7.0, 8.0]])
    >>> [t.get_text() for t in fig.axes[2].texts]
    ['0', '6', '0', '8']
    """
    x = as_array(x, "x", ndim=2, kinds="biuf", shape_hint="(H, W)").astype(np.float64)
    dout = as_array(dout, "dout", ndim=2, kinds="biuf", shape_hint="like x").astype(np.float64)
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the shape of x {x.shape}, got {dout.shape}")
    fmt = _check_fmt(fmt)
    _check_side(x.shape, "x")
    gate = x > 0
    dx = np.where(gate, dout, 0.0) + 0.0
    H, W = x.shape
    fig = Figure(figsize=(max(6.5, 3 * _CELL_INCH * W + 2.4), _CELL_INCH * H + 2.0),
                 layout="constrained")
    axes = fig.subplots(1, 3)
    draw_grid(axes[0], x, "input", highlight=gate, fmt=fmt, title="ReLU input x")
    draw_grid(axes[1], dout, "output", fmt=fmt, title="upstream gradient dout")
    draw_grid(axes[2], dx, "input", highlight=gate, fmt=fmt, title="dx = dout where x > 0")
    handles = [_swatch("input", "input x and dx"), _swatch("output", "upstream gradient dout"),
               _window_swatch("x > 0: the gradient passes")]
    fig.legend(handles=handles, loc="outside upper center", ncols=3, frameon=False, fontsize=9)
    fig.supxlabel(f"{int(gate.sum())} of {gate.size} cells pass their gradient; "
                  f"the others (x <= 0) send back 0", fontsize=10)
    return fig


# ----------------------------------------------------------------------- shared weights

def show_weight_contributions(x, dout, *, fmt="{:.3g}"):
    """Draw the weight gradient of a shared kernel as the sum of one term per position.

    For a stride-1 layer ``out = correlate2d(x, w, "valid")``, output position
    ``(i, j)`` used the same kernel ``w`` on the window of ``x`` at ``(i, j)``, so it
    contributes ``dout[i, j] * window`` to the kernel's gradient; the figure draws each
    contribution as a kernel-sized grid and, on the right, their sum ``dw``.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The layer's input.
    dout : array_like, shape (OH, OW)
        The upstream gradient; the kernel is ``(H - OH + 1) x (W - OW + 1)``.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        ``OH * OW`` axes, one contribution each in row-major order of ``(i, j)``, then one
        for ``dw``; ``fig.legends[0]`` names the roles.

    Raises
    ------
    TypeError
        If an array is not numeric or ``fmt`` is not a format string.
    ValueError
        If an array is not 2-D, ``dout`` is larger than ``x``, or there are more than
        :data:`MAX_CONTRIBUTIONS` output positions.

    See Also
    --------
    autograder.reference.conv2d_backward : Returns ``dw`` for a whole layer.
    torch.nn.grad.conv2d_weight : PyTorch's weight gradient.

    Notes
    -----
    .. math:: dw[u, v] = \\sum_{i, j} dout[i, j]\\, x[i + u, j + v],

    one term per position: ``correlate2d(x, dout, "valid")``.

    Examples
    --------
    >>> fig = show_weight_contributions([[1.0, 2.0, 3.0]], [[1.0, 10.0]])
    >>> [ax.get_title() for ax in fig.axes]
    ['dout[0, 0] = 1 × window (0, 0)', 'dout[0, 1] = 10 × window (0, 1)', 'dw = sum of the 2']
    >>> [t.get_text() for t in fig.axes[2].texts]
    ['21', '32']
    """
    x = as_array(x, "x", ndim=2, kinds="biuf", shape_hint="(H, W)").astype(np.float64)
    dout = as_array(dout, "dout", ndim=2, kinds="biuf", shape_hint="(OH, OW)").astype(np.float64)
    fmt = _check_fmt(fmt)
    (H, W), (OH, OW) = x.shape, dout.shape
    if OH > H or OW > W:
        raise ValueError(f"dout {dout.shape} must not be larger than x {x.shape}")
    if OH * OW > MAX_CONTRIBUTIONS:
        raise ValueError(f"dout has {OH * OW} positions; show_weight_contributions draws at "
                         f"most {MAX_CONTRIBUTIONS}, use a smaller example")
    kH, kW = H - OH + 1, W - OW + 1
    _check_side((kH, kW), "the kernel")
    parts = [dout[i, j] * x[i:i + kH, j:j + kW] + 0.0 for i in range(OH) for j in range(OW)]
    dw = sum(parts) + 0.0

    fig = Figure(figsize=(max(6.5, (OW + 1.3) * (_CELL_INCH * kW + 0.9)),
                          OH * (_CELL_INCH * kH + 0.8) + 1.2), layout="constrained")
    grid = fig.add_gridspec(OH, OW + 1, width_ratios=[1] * OW + [1.3])
    for n, part in enumerate(parts):
        i, j = divmod(n, OW)
        ax = fig.add_subplot(grid[i, j])
        draw_grid(ax, part, "kernel", fmt=fmt)
        ax.set_title(f"dout[{i}, {j}] = {fmt.format(dout[i, j] + 0.0)} × window ({i}, {j})",
                     fontsize=8, pad=12)
    ax = fig.add_subplot(grid[:, OW])
    draw_grid(ax, dw, "kernel", highlight=np.ones(dw.shape, dtype=bool), fmt=fmt)
    ax.set_title(f"dw = sum of the {OH * OW}", fontsize=10, color=PALETTE["kernel"], pad=12)
    handles = [_swatch("kernel", "one position's contribution to dw"),
               _window_swatch("dw: the shared kernel's gradient")]
    fig.legend(handles=handles, loc="outside upper center", ncols=2, frameon=False, fontsize=9)
    fig.supxlabel("the kernel is one set of weights used at every position: its gradient "
                  "adds the contributions of all positions", fontsize=10)
    return fig


# ----------------------------------------------------------------------- gradient check

def show_gradcheck_curve(steps, errors, *, order=2, title=None):
    """Plot a gradient check's relative error against the finite-difference step ``h``.

    Parameters
    ----------
    steps : array_like, shape (M,)
        The steps ``h`` (positive).
    errors : array_like, shape (M,)
        The relative error between the numerical and the analytic gradient at each step
        (positive; a zero error cannot be drawn on a log scale).
    order : int, default 2
        The power of a reference line :math:`\\propto h^{\\mathrm{order}}`, drawn through
        the point with the largest ``h``.
    title : str, optional
        The axes title (say what was differentiated).

    Returns
    -------
    matplotlib.figure.Figure
        One log-log axes with two lines: the measured errors (``gid`` ``"measured"``)
        and the reference slope (``gid`` ``"reference"``).

    Raises
    ------
    TypeError
        If an array is not numeric, ``order`` is not an int or ``title`` not a string.
    ValueError
        If the arrays are not 1-D of the same length (at least 2), or a value is not
        positive.

    See Also
    --------
    autograder.reference.numerical_gradient : Central differences, error :math:`O(h^2)`.
    torch.autograd.gradcheck : PyTorch's gradient check.

    Notes
    -----
    Central differences err by about :math:`h^2 f''' / 6` (truncation, falls with
    ``h``) plus :math:`\\varepsilon |f| / h` (rounding, grows as ``h`` shrinks), so the
    curve is a V with its right branch of slope 2.

    Examples
    --------
    >>> h = np.array([1e-1, 1e-2, 1e-3])
    >>> fig = show_gradcheck_curve(h, 3 * h ** 2)
    >>> [line.get_gid() for line in fig.axes[0].lines]
    ['measured', 'reference']
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_yscale()
    ('log', 'log')
    """
    h = as_array(steps, "steps", ndim=1, kinds="iuf", shape_hint="(M,)").astype(np.float64)
    e = as_array(errors, "errors", ndim=1, kinds="iuf", shape_hint="(M,)").astype(np.float64)
    order = as_int(order, "order", minimum=1)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, got {title!r}")
    if h.shape != e.shape or h.size < 2:
        raise ValueError(f"steps and errors must have the same length, at least 2; got "
                         f"{h.size} and {e.size}")
    for name, arr in (("steps", h), ("errors", e)):
        if not np.all(np.isfinite(arr) & (arr > 0)):
            raise ValueError(f"{name} must all be positive and finite (log scale), got {arr}")
    fig = Figure(figsize=(6.0, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.loglog(h, e, "o-", color=PALETTE["input"], gid="measured",
              label="relative error: numerical vs analytic gradient")
    top = int(np.argmax(h))
    ref = e[top] * (h / h[top]) ** order
    ax.loglog(h, ref, "--", color=PALETTE["kernel"], gid="reference",
              label=f"slope {order}: error ∝ h^{order}")
    for axis in (ax.xaxis, ax.yaxis):
        # plain "1e-05" labels: the default mathtext ones are slow to draw
        axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0e}"))
        axis.set_minor_locator(NullLocator())
    ax.set_xlabel("finite-difference step h")
    ax.set_ylabel("relative error")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    if title is not None:
        ax.set_title(title, fontsize=10)
    return fig
