"""Figures for fast convolution: the im2col matrix product, and timings of the methods.

:func:`show_im2col` draws a convolution layer as the matrix product that im2col turns it
into: the kernels flattened into the rows of ``W_row``, the input's windows copied into
the columns of ``cols``, and ``out = W_row @ cols``.  Every input cell is marked with the
number of columns that hold a copy of it, which is where im2col's memory goes.
:func:`plot_timings` draws measured times against input size on log-log axes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from autograder._validation import as_array, as_int, as_pair, _describe
from autograder.reference.layers import conv_output_size, pad2d
from autograder.reference.unfold import col2im, im2col
from autograder.viz import (_STRONG, _TINT, MAX_GRID_SIDE, MAX_INPUT_CHANNELS, PALETTE,
                            _check_fmt, draw_grid)

__all__ = ["show_im2col", "plot_timings", "MARKERS"]

#: One marker per line of :func:`plot_timings`, so the lines differ without colour too.
MARKERS = ("o", "s", "^", "D", "v")

_CELL_INCH = 0.36


def _read_layer(x, w):
    """``x`` as (C, H, W) and ``w`` as (C_out, C, kH, kW), with shapes checked."""
    x = as_array(x, "x", ndim=(2, 3), shape_hint="(H, W) or (C, H, W)")
    w = as_array(w, "w", ndim=(2, 4), shape_hint="(kH, kW) or (C_out, C, kH, kW)")
    if x.ndim == 2:
        x = x[None]
    if w.ndim == 2:
        w = w[None, None]
    if w.shape[1] != x.shape[0]:
        raise ValueError(f"w must have C = {x.shape[0]} input channels (x has shape "
                         f"{x.shape}), got w.shape {w.shape}; a 2-D kernel needs a 2-D x")
    if x.shape[0] > MAX_INPUT_CHANNELS:
        raise ValueError(f"x has C = {x.shape[0]} channels; show_im2col draws at most "
                         f"{MAX_INPUT_CHANNELS} side by side")
    return x, w


def _read_pixel(pixel, x_shape):
    """``pixel`` as ``(c, r, q)``: ``(r, q)`` is allowed for one channel."""
    C, H, W = x_shape
    if not isinstance(pixel, (tuple, list)):
        raise TypeError(f"pixel must be a tuple (c, row, col), or (row, col) for one "
                        f"channel, got {_describe(pixel)}")
    if len(pixel) == 2 and C == 1:
        pixel = (0, *pixel)
    if len(pixel) != 3:
        raise ValueError(f"pixel must be (c, row, col){' or (row, col)' if C == 1 else ''} "
                         f"for x of shape {x_shape}, got {pixel!r}")
    index = []
    for value, name, size in zip(pixel, ("c", "row", "col"), x_shape):
        value = as_int(value, f"pixel's {name}", minimum=0)
        if value >= size:
            raise ValueError(f"pixel's {name} must be < {size} for x of shape {x_shape}, "
                             f"got {value}")
        index.append(value)
    return tuple(index)


def show_im2col(x, w, *, stride=1, padding=0, column=None, pixel=None, fmt="{:.3g}"):
    """Draw one image's convolution as a matrix product: ``out = W_row @ im2col(x)``.

    Panels, left to right: each input channel (padded if ``padding`` is set), each cell
    marked "×n" with the number of columns of ``cols`` holding a copy of it; the weight
    matrix ``W_row`` (one flattened kernel per row); the column matrix ``cols`` (one
    window per column); and ``out = W_row @ cols`` (one output map per row, flattened).
    The rows of ``cols`` and the columns of ``W_row`` are labelled with the kernel tap
    ``(c, u, v)`` they belong to; the columns of ``cols`` and ``out`` with the output
    position ``(i, j)``.

    Parameters
    ----------
    x : array_like, shape (C, H, W) or (H, W)
        One input image.
    w : array_like, shape (C_out, C, kH, kW), or (kH, kW) when ``x`` is 2-D
        The layer's kernels.
    stride, padding : int or pair of int
        As in :func:`autograder.reference.conv2d` (no dilation; ``padding`` adds zeros
        on each side).
    column : int, optional
        Highlight column ``column`` of ``cols`` and ``out`` and the window of the input
        it was copied from.
    pixel : tuple of int, optional
        ``(c, row, col)`` (or ``(row, col)`` for one channel), indexing the unpadded
        input: highlight that input cell, every entry of ``cols`` that is a copy of it,
        and the outputs that read it.  At most one of ``column`` and ``pixel``.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Axes: the ``C`` input channels, ``W_row``, ``cols``, ``out``, drawn by
        :func:`autograder.viz.draw_grid` (highlighted cells carry ``gid="highlight"``);
        the "×n" labels are texts with ``gid="copies"``; ``fig.legends[0]`` names input,
        kernel and output.

    Raises
    ------
    TypeError
        If an array is not numeric, a setting is not an int or pair, ``pixel`` is not a
        tuple, or ``fmt`` is not a string.
    ValueError
        If the shapes do not fit together, the kernel does not fit the padded input, a
        matrix or the padded input has a side over
        :data:`autograder.viz.MAX_GRID_SIDE`, ``x`` has more than
        :data:`autograder.viz.MAX_INPUT_CHANNELS` channels, ``column`` or ``pixel`` is
        out of range, or both are given.

    See Also
    --------
    autograder.reference.im2col : Builds ``cols``.
    torch.nn.functional.unfold : PyTorch's im2col (same layout).

    Notes
    -----
    With stride :math:`S` and the padded input :math:`x_p`, row ``(c kH + u) kW + v``
    and column ``i W_out + j`` of ``cols`` hold :math:`x_p[c, i S_h + u, j S_w + v]`,
    and

    .. math:: \\mathrm{out}[o, i W_{out} + j] = \\sum_{c, u, v} w[o, c, u, v]\\,
              x_p[c, i S_h + u, j S_w + v],

    the layer's cross-correlation.  A pixel is copied once for every window containing
    it: up to :math:`k_H k_W` times with stride 1.

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> fig = show_im2col(x, np.ones((3, 3)), column=1)
    >>> [ax.get_title().split("\\n")[0] for ax in fig.axes]
    ['input x[0]', 'kernels W_row', 'cols = im2col(x)', 'out = W_row @ cols']
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "copies"][:4]
    ['×1', '×2', '×2', '×1']
    >>> sum(p.get_gid() == "highlight" for p in fig.axes[2].patches)   # column 1 of cols
    9
    """
    x, w = _read_layer(x, w)
    C, H, W = x.shape
    O, _, kh, kw = w.shape
    sh, sw = as_pair(stride, "stride", minimum=1)
    if isinstance(padding, str):
        raise TypeError(f"padding must be an int or a pair of ints, got {padding!r}")
    ph, pw = as_pair(padding, "padding", minimum=0)
    fmt = _check_fmt(fmt)
    ho, wo = conv_output_size((H, W), (kh, kw), (sh, sw), (ph, pw), allow_remainder=True)
    K, L = C * kh * kw, ho * wo
    sizes = {"the padded input's height": H + 2 * ph, "the padded input's width": W + 2 * pw,
             "cols' rows C*kH*kW": K, "cols' columns H_out*W_out": L, "W_row's rows C_out": O}
    for what, size in sizes.items():
        if size > MAX_GRID_SIDE:
            raise ValueError(f"{what} is {size}; show_im2col draws sides up to "
                             f"{MAX_GRID_SIDE} (use a smaller image, kernel or fewer channels)")
    if column is not None and pixel is not None:
        raise ValueError(f"give column or pixel, not both (got column={column!r}, "
                         f"pixel={pixel!r})")

    cols = im2col(x[None], (kh, kw), (sh, sw), (ph, pw))[0]            # (K, L)
    wrow = w.reshape(O, K)
    out = wrow @ cols                                                    # (O, L)
    copies = col2im(np.ones((1, K, L), dtype=int), (H, W), (kh, kw), (sh, sw), (ph, pw))[0]
    xp = pad2d(x, (ph, pw))
    is_pad = np.ones(xp.shape, dtype=bool)
    is_pad[:, ph:ph + H, pw:pw + W] = False

    in_mark = np.zeros(xp.shape, dtype=bool)
    cols_mark = np.zeros((K, L), dtype=bool)
    out_mark = np.zeros((O, L), dtype=bool)
    if column is not None:
        column = as_int(column, "column", minimum=0)
        if column >= L:
            raise ValueError(f"column must be < L = H_out * W_out = {L}, got {column}")
        i, j = divmod(column, wo)
        in_mark[:, i * sh:i * sh + kh, j * sw:j * sw + kw] = True
        cols_mark[:, column] = True
        out_mark[:, column] = True
        mark_label = f"column {column}: the window of output ({i}, {j})"
    elif pixel is not None:
        c, r, q = _read_pixel(pixel, x.shape)
        one_hot = np.zeros((1, C, H, W))
        one_hot[0, c, r, q] = 1.0
        cols_mark = im2col(one_hot, (kh, kw), (sh, sw), (ph, pw))[0] != 0
        in_mark[c, r + ph, q + pw] = True
        out_mark[:, cols_mark.any(axis=0)] = True
        mark_label = f"pixel x[{c}, {r}, {q}] and its {int(cols_mark.sum())} copies"

    widths = [W + 2 * pw] * C + [K, L, L]
    tallest = max(H + 2 * ph, K, O)
    fig = Figure(figsize=(max(7.0, _CELL_INCH * sum(widths) + 0.7 * len(widths)),
                          _CELL_INCH * tallest + 2.4), layout="constrained")
    axes = fig.subplots(1, len(widths), width_ratios=widths, squeeze=False)[0]
    suffix = ", padded" if ph or pw else ""
    for c in range(C):
        ax = axes[c]
        draw_grid(ax, xp[c], "input", highlight=in_mark[c], padded=is_pad[c],
                  origin=(-ph, -pw), fmt=fmt, title=f"input x[{c}]{suffix}\n×n: copies in cols")
        for r in range(H):
            for q in range(W):
                ax.text(q + pw + 0.96, r + ph + 0.96, f"×{copies[c, r, q]}", ha="right",
                        va="bottom", fontsize=6, color="0.25", gid="copies", zorder=4)
    taps = [f"{c},{u},{v}" if C > 1 else f"{u},{v}"
            for c in range(C) for u in range(kh) for v in range(kw)]
    positions = [f"{i},{j}" for i in range(ho) for j in range(wo)]
    ax_w, ax_cols, ax_out = axes[C:]
    draw_grid(ax_w, wrow, "kernel", fmt=fmt,
              title=f"kernels W_row\n(C_out × K) = ({O} × {K})")
    draw_grid(ax_cols, cols, "input", highlight=cols_mark, fmt=fmt,
              title=f"cols = im2col(x)\n(K × L) = ({K} × {L})")
    draw_grid(ax_out, out, "output", highlight=out_mark, fmt=fmt,
              title=f"out = W_row @ cols\n(C_out × L) = ({O} × {L})")
    tap_name = "tap (c,u,v)" if C > 1 else "tap (u,v)"
    ax_w.set_xticks(np.arange(K) + 0.5, taps, fontsize=6, rotation=90)
    ax_w.set_ylabel("output channel o", fontsize=8)
    ax_cols.set_yticks(np.arange(K) + 0.5, taps, fontsize=6)
    ax_cols.set_ylabel(tap_name, fontsize=8)
    for ax in (ax_cols, ax_out):
        ax.set_xticks(np.arange(L) + 0.5, positions, fontsize=6, rotation=90)
    ax_out.set_xlabel("output position (i, j)", fontsize=8)

    handles = [Patch(facecolor=to_rgba(PALETTE[role], _STRONG), edgecolor="0.35", label=label)
               for role, label in (("input", "input x, and its copies in cols"),
                                   ("kernel", "kernels w, one per row"),
                                   ("output", "output out"))]
    if column is not None or pixel is not None:
        handles.append(Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5,
                             label=mark_label))
    if ph or pw:
        handles.append(Patch(facecolor=to_rgba(PALETTE["padding"], _TINT),
                             edgecolor=PALETTE["padding"], hatch="///", label="zero padding"))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(3, len(handles)),
               frameon=False, fontsize=9)
    fig.supxlabel(
        f"im2col copies each {kh}×{kw} window{' (all channels)' if C > 1 else ''} into one "
        f"column: K = C·kH·kW = {K} taps per window, L = H_out·W_out = {L} windows.\n"
        f"cols holds {K * L} numbers for the input's {C * H * W}. out = W_row @ cols; row o "
        f"of out, reshaped to {ho}×{wo}, is output map o.",
        fontsize=9)
    return fig


def _read_times(times, n):
    """``times`` as a list of (label, float array of length n)."""
    if not isinstance(times, dict) or not times:
        raise TypeError(f"times must be a non-empty dict mapping a label to one time per "
                        f"size, got {_describe(times)}")
    if len(times) > len(MARKERS):
        raise ValueError(f"times has {len(times)} series; plot_timings draws at most "
                         f"{len(MARKERS)} (one palette colour and marker each)")
    series = []
    for label, values in times.items():
        if not isinstance(label, str):
            raise TypeError(f"times' keys must be labels (str), got {label!r}")
        values = as_array(values, f"times[{label!r}]", ndim=1, kinds="iuf",
                          shape_hint="(len(sizes),)").astype(float)
        if values.shape != (n,):
            raise ValueError(f"times[{label!r}] must have one entry per size ({n}), "
                             f"got {values.shape[0]}")
        if np.any(values <= 0) or np.any(np.isinf(values)):
            raise ValueError(f"times[{label!r}] must hold positive seconds (NaN for not "
                             f"measured), got {values.tolist()}")
        if np.all(np.isnan(values)):
            raise ValueError(f"times[{label!r}] has no measured value (all NaN)")
        series.append((label, values))
    return series


def plot_timings(sizes, times, *, xlabel="input size", ylabel="seconds per call (median)",
                 title=None, caption=None):
    """Plot measured times against size on log-log axes, one line per method.

    Parameters
    ----------
    sizes : array_like, shape (S,)
        Positive sizes, e.g. the side ``n`` of an ``n × n`` input.
    times : dict of str to array_like, each shape (S,)
        For each method (the label in the legend), its time at each size, in seconds;
        NaN where it was not measured (the point is left out).  At most
        ``len(MARKERS)`` methods.
    xlabel, ylabel : str
        The axis labels.
    title, caption : str, optional
        The axes title, and a caption under the figure (say which input, kernel and
        output were timed).

    Returns
    -------
    matplotlib.figure.Figure
        One axes with log scales; ``ax.lines[k]`` is method ``k``, holding only its
        measured points, in a palette colour with marker ``MARKERS[k]``; the legend
        lists the labels in order.

    Raises
    ------
    TypeError
        If ``sizes`` or a series is not numeric, ``times`` is not a non-empty dict, a
        label or text argument is not a string.
    ValueError
        If ``sizes`` is not 1-D and positive, a series has another length, a time is
        zero, negative or infinite, a series has no measured value, or there are more
        series than markers.

    See Also
    --------
    autograder.timing.measure : Produces the times.
    matplotlib.axes.Axes.loglog : The plot used.

    Notes
    -----
    On log-log axes a time growing like :math:`t = a\\, n^p` is a straight line of slope
    :math:`p`, and the vertical distance between two lines is their speed ratio, the
    same at every height.

    Examples
    --------
    >>> fig = plot_timings([8, 16, 32], {"loops": [1e-3, 4e-3, np.nan],
    ...                                  "matmul": [1e-4, 2e-4, 5e-4]}, xlabel="n")
    >>> ax = fig.axes[0]
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    >>> [line.get_xdata().tolist() for line in ax.lines]
    [[8.0, 16.0], [8.0, 16.0, 32.0]]
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['loops', 'matmul']
    """
    sizes = as_array(sizes, "sizes", ndim=1, kinds="iuf", shape_hint="(S,)").astype(float)
    if sizes.size == 0 or not np.all(np.isfinite(sizes)) or np.any(sizes <= 0):
        raise ValueError(f"sizes must be positive finite numbers (log axes), got "
                         f"{sizes.tolist()}")
    series = _read_times(times, sizes.size)
    for name, text in (("xlabel", xlabel), ("ylabel", ylabel), ("title", title),
                       ("caption", caption)):
        if text is not None and not isinstance(text, str):
            raise TypeError(f"{name} must be a string, got {_describe(text)}")

    colours = list(PALETTE.values())
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for k, (label, values) in enumerate(series):
        measured = ~np.isnan(values)
        ax.loglog(sizes[measured], values[measured], marker=MARKERS[k], color=colours[k],
                  label=label, linewidth=1.6, markersize=6)
    ax.set_xticks(sizes, [f"{s:g}" for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    if title is not None:
        ax.set_title(title, fontsize=10)
    if caption is not None:
        fig.supxlabel(caption, fontsize=9)
    return fig

