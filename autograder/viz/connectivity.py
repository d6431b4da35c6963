"""Figures for lecture 04: who is connected to whom in a convolution layer, and with which weight.

* :func:`tap_matrix` and :func:`show_conv_matrix`: the layer as a matrix, each nonzero
  entry labelled by the kernel weight (the *tap*) it holds, so weight sharing shows as
  the same tap repeating along diagonals.
* :func:`show_connections`: a fully connected layer beside a convolution layer, as
  units joined by lines, shared weights in the same colour.
* :func:`show_stacked_connections`: stacked 1-D convolutions, with the paths that reach
  one top unit highlighted (its receptive field grows with depth).
* :func:`translate` and :func:`show_equivariance`: shift an input and compare the
  layer's outputs (equivariance to translation, and what breaks it).
* :func:`trace_receptive_field` and :func:`show_receptive_field`: the cells of every
  layer of a 2-D stack that one output unit depends on.

Kernel taps need more distinguishable colours than :data:`autograder.viz.PALETTE` has
roles, so taps are coloured from matplotlib's ``viridis`` colour map, which is designed
to stay distinguishable with colour-vision deficiencies; every tap is also labelled
with text, so no information is carried by colour alone.  The roles (input, kernel,
output, the highlighted window) keep their :data:`~autograder.viz.PALETTE` colours.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Rectangle

from autograder._validation import as_array, as_int, as_pair
from autograder.reference.layers import conv2d, conv_output_size
from autograder.reference.structure import conv_matrix
from autograder.viz import PALETTE, draw_grid

__all__ = ["tap_colours", "tap_matrix", "show_conv_matrix", "show_connections",
           "show_stacked_connections", "translate", "show_equivariance", "FieldTrace",
           "trace_receptive_field", "show_receptive_field"]

#: Colour map the kernel taps are coloured from (see the module's docstring).
TAP_CMAP = "viridis"

#: Largest matrix :func:`show_conv_matrix` draws (rows or columns); its entries are cells.
MAX_MATRIX_SIDE = 64

#: Most units per layer the connection diagrams draw.
MAX_UNITS = 12

_TINT = 0.22
_STRONG = 0.6


def tap_colours(n_taps):
    """One colour per kernel tap, evenly spaced along :data:`TAP_CMAP`.

    Parameters
    ----------
    n_taps : int
        Number of taps (``kH * kW``), at least 1.

    Returns
    -------
    list of tuple
        ``n_taps`` RGBA colours; tap ``t`` (row-major ``t = u * kW + v``) gets entry ``t``.

    Raises
    ------
    TypeError
        If ``n_taps`` is not an int.
    ValueError
        If ``n_taps`` is below 1.

    See Also
    --------
    matplotlib.colormaps : Where ``viridis`` comes from.

    Notes
    -----
    Tap ``t`` of ``T`` takes the colour map at :math:`0.1 + 0.85\\, t / (T - 1)`
    (the middle of that range, 0.525, for one tap): the darkest end is left out, where
    the colours are hard to tell apart.

    Examples
    --------
    >>> len(tap_colours(9)), tap_colours(1)[0] == tap_colours(3)[1]
    (9, True)
    """
    n_taps = as_int(n_taps, "n_taps", minimum=1)
    cmap = matplotlib.colormaps[TAP_CMAP]
    where = [0.525] if n_taps == 1 else list(0.1 + 0.85 * np.arange(n_taps) / (n_taps - 1))
    return [tuple(float(c) for c in cmap(p)) for p in where]


def tap_matrix(kernel_size, input_shape, stride=1, padding=0, dilation=1):
    """Which kernel tap each entry of a one-channel convolution's matrix holds.

    Parameters
    ----------
    kernel_size : int or pair of int
        ``(kH, kW)``.
    input_shape : tuple of int
        ``(H, W)``.
    stride, padding, dilation : int or pair of int
        As in :func:`autograder.reference.conv2d`.

    Returns
    -------
    numpy.ndarray of int, shape (OH * OW, H * W)
        Entry ``(row, col)`` is the tap number ``t = u * kW + v`` of the weight
        ``w[u, v]`` that ``conv_matrix(w, input_shape, ...)`` puts there, or -1 where the
        matrix is zero whatever the kernel.

    Raises
    ------
    TypeError, ValueError
        As :func:`autograder.reference.conv_matrix`.

    See Also
    --------
    autograder.reference.conv_matrix : The matrix itself.
    scipy.linalg.convolution_matrix : A 1-D (true convolution) counterpart.

    Notes
    -----
    Built from the matrix of the kernel whose tap ``t`` holds the number ``t + 1``:
    :math:`T = \\mathrm{conv\\_matrix}(K) - 1` with :math:`K[u, v] = u k_W + v + 1`, so a
    learned kernel's matrix is ``w.ravel()[T]`` where ``T >= 0`` and 0 elsewhere.

    Examples
    --------
    A kernel of 3 taps on 5 inputs, one zero on each side: every row holds the taps
    0, 1, 2 shifted one column to the right (a band, with the edge taps cut off).

    >>> tap_matrix((1, 3), (1, 5), padding=(0, 1))
    array([[ 1,  2, -1, -1, -1],
           [ 0,  1,  2, -1, -1],
           [-1,  0,  1,  2, -1],
           [-1, -1,  0,  1,  2],
           [-1, -1, -1,  0,  1]])
    """
    kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
    ids = np.arange(1, kh * kw + 1, dtype=np.float64).reshape(kh, kw)
    return conv_matrix(ids, input_shape, stride, padding, dilation).astype(np.int64) - 1


def _text_colour(rgba):
    """Black or white, whichever reads better on ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.45 else "white"


def show_conv_matrix(kernel, input_shape, *, stride=1, padding=0, dilation=1, fmt="{:.3g}"):
    """Draw a one-channel convolution as its matrix, each nonzero coloured by its kernel tap.

    Left, the kernel with each tap in its own colour; right, the matrix ``M`` with
    ``M @ x.ravel() == conv2d(x, kernel).ravel()``: a white cell is a zero that no kernel
    can change (sparse connectivity), a coloured one holds the tap of its colour (weight
    sharing: the same few weights repeat along diagonals).

    Parameters
    ----------
    kernel : array_like, shape (kH, kW)
        The kernel (one input and one output channel).
    input_shape : tuple of int
        ``(H, W)`` of the input.
    stride, padding, dilation : int or pair of int
        As in :func:`autograder.reference.conv2d`.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers written in the cells (written only when the
        matrix has at most 30 columns).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, the kernel and the matrix.  Each nonzero cell of the matrix is a
        :class:`~matplotlib.patches.Rectangle` with top-left corner ``(col, row)`` and
        ``gid`` ``"tap t"``; ``fig.legends[0]`` names the taps; the caption counts
        entries, nonzeros and distinct weights.

    Raises
    ------
    TypeError
        If ``kernel`` is not numeric or a setting is not an int or pair.
    ValueError
        If ``kernel`` is not 2-D, a setting is out of range, the kernel does not fit, or
        the matrix has a side over :data:`MAX_MATRIX_SIDE`.

    See Also
    --------
    autograder.reference.conv_matrix : The matrix drawn.
    tap_matrix : Which tap each entry holds.

    Notes
    -----
    Row ``(i, j)`` of ``M`` holds tap ``(u, v)`` in column
    ``(i s_H + u d_H - p_H) W + (j s_W + v d_W - p_W)``; with one channel, stride 1 and
    no dilation ``M`` is block Toeplitz with Toeplitz blocks.

    Examples
    --------
    >>> fig = show_conv_matrix([[1, 2], [3, 4]], (3, 3))
    >>> [ax.get_title() for ax in fig.axes]
    ['kernel w', 'matrix M of the layer (4 × 9)']
    >>> sorted(p.get_xy() for p in fig.axes[1].patches if p.get_gid() == "tap 0")
    [(0, 0), (1, 1), (3, 2), (4, 3)]
    >>> print(fig.get_supxlabel())
    M has 36 entries, 16 nonzero (44%), holding only 4 distinct weights: each tap repeats 4 times
    """
    w = as_array(kernel, "kernel", ndim=2, shape_hint="(kH, kW)")
    kh, kw = w.shape
    taps = tap_matrix((kh, kw), input_shape, stride, padding, dilation)
    rows, cols = taps.shape
    if max(rows, cols) > MAX_MATRIX_SIDE:
        raise ValueError(f"the matrix is {rows} x {cols}; show_conv_matrix draws sides up to "
                         f"{MAX_MATRIX_SIDE}: use a smaller input_shape")
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as '{{:.3g}}', got {fmt!r}")
    colours = tap_colours(kh * kw)
    values = w.ravel()

    side = min(0.32, 9.0 / max(cols, 1))
    fig = Figure(figsize=(max(6.0, side * cols + 2.5), max(2.6, side * rows + 1.6)),
                 layout="constrained")
    ax_k, ax_m = fig.subplots(1, 2, width_ratios=[kw + 1, cols])
    cells = draw_grid(ax_k, w, "kernel", fmt=fmt, title="kernel w")
    for t, (cell, label) in enumerate(zip(cells, ax_k.texts)):   # row-major, like the taps
        cell.set_facecolor(colours[t])
        label.set_color(_text_colour(colours[t]))

    ax_m.add_patch(Rectangle((0, 0), cols, rows, facecolor="white", edgecolor="0.35", lw=1))
    write = cols <= 30
    for r, c in zip(*np.nonzero(taps >= 0)):
        t = int(taps[r, c])
        ax_m.add_patch(Rectangle((int(c), int(r)), 1, 1, facecolor=colours[t],
                                 edgecolor="white", lw=0.5, gid=f"tap {t}"))
        if write:
            ax_m.text(c + 0.5, r + 0.5, fmt.format(values[t]), ha="center", va="center",
                      fontsize=6 if cols > 16 else 8, color=_text_colour(colours[t]))
    ax_m.set_xlim(0, cols)
    ax_m.set_ylim(rows, 0)
    ax_m.set_aspect("equal")
    ax_m.set_xlabel("column: input pixel (r, s), flattened", fontsize=8)
    ax_m.set_ylabel("row: output (i, j)", fontsize=8)
    ax_m.tick_params(labelsize=7)
    ax_m.set_title(f"matrix M of the layer ({rows} × {cols})", fontsize=10)

    handles = [Patch(facecolor=colours[t], edgecolor="0.35",
                     label=f"w[{t // kw}, {t % kw}]") for t in range(kh * kw)]
    handles.append(Patch(facecolor="white", edgecolor="0.35", label="always 0"))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 10),
               frameon=False, fontsize=8)
    nonzero = int((taps >= 0).sum())
    counts = np.bincount(taps[taps >= 0], minlength=kh * kw)
    repeat = (f"each tap repeats {counts[0]} times" if np.all(counts == counts[0])
              else f"a tap repeats {counts.min()} to {counts.max()} times")
    fig.supxlabel(f"M has {rows * cols} entries, {nonzero} nonzero "
                  f"({100 * nonzero / (rows * cols):.0f}%), holding only {kh * kw} distinct "
                  f"weights: {repeat}", fontsize=9)
    return fig


# ------------------------------------------------------------------ connection diagrams

def _check_units(n_units, kernel_size):
    n = as_int(n_units, "n_units", minimum=1)
    k = as_int(kernel_size, "kernel_size", minimum=1)
    if n > MAX_UNITS:
        raise ValueError(f"n_units must be <= {MAX_UNITS} to stay readable, got {n}")
    if k > n:
        raise ValueError(f"kernel_size must be <= n_units = {n}, got {k}")
    return n, k


def _sources(n, k):
    """For a 1-D 'same' convolution (odd or even k): (output, input, tap) of every connection."""
    pad = (k - 1) // 2
    n_out = n + 2 * pad - k + 1
    return [(i, i + u - pad, u) for i in range(n_out) for u in range(k)
            if 0 <= i + u - pad < n], n_out


def _draw_units(ax, xs, y, name, role, highlight=()):
    for m, x in enumerate(xs):
        strong = m in highlight
        ax.add_patch(Circle((x, y), 0.28, facecolor=to_rgba(PALETTE[role], _STRONG if strong
                                                            else _TINT),
                            edgecolor=PALETTE["window"] if strong else "0.35",
                            lw=2.2 if strong else 1, zorder=3, gid=f"{name}{m + 1}"))
        ax.text(x, y, f"{name}{m + 1}", ha="center", va="center", fontsize=8, zorder=4)


def _frame(ax, n, height, title):
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(-0.5, height + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def show_connections(n_units=5, kernel_size=3, *, unit=None):
    """Draw a fully connected layer beside a 1-D convolution layer, as units and lines.

    Inputs ``x1 .. xn`` at the bottom, outputs ``s1 ..`` at the top.  Left, every input
    joins every output, each line its own weight (grey).  Right, a convolution with
    ``kernel_size`` taps and zero padding ``(kernel_size - 1) // 2`` on each side: each
    output joins only the inputs under its window, and lines of the same colour carry
    the same (shared) weight.

    Parameters
    ----------
    n_units : int, default 5
        Inputs per layer, at most :data:`MAX_UNITS`.
    kernel_size : int, default 3
        Taps of the convolution, at most ``n_units``.
    unit : int, optional
        An output (1-based, like the labels) whose connections are drawn thicker, in
        both panels.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, fully connected then convolutional.  Every connection is a
        :class:`~matplotlib.lines.Line2D` with ``gid`` ``"x{in}-s{out}"`` (1-based); the
        convolution's lines have label ``"w{u}"`` (1-based tap).  ``fig.legends[0]``
        names the taps; the axes titles count the weights.

    Raises
    ------
    TypeError
        If a value is not an int.
    ValueError
        If a value is out of range.

    See Also
    --------
    autograder.reference.conv_params : Counts the weights of either layer.
    show_conv_matrix : The same sharing, as a matrix.

    Notes
    -----
    With padding :math:`p = \\lfloor (k - 1)/2 \\rfloor`, output :math:`s_i` (1-based)
    sums :math:`w_u\\, x_{i + u - p - 1}` over taps :math:`u = 1..k` whose input exists:
    :math:`n^2` weights fully connected, :math:`k` for the convolution.

    Examples
    --------
    >>> fig = show_connections(5, 3, unit=3)
    >>> [ax.get_title() for ax in fig.axes]
    ['fully connected: 25 weights', 'convolution: 13 connections, 3 weights']
    >>> len(fig.axes[0].lines), len(fig.axes[1].lines)
    (25, 13)
    >>> sorted(l.get_gid() for l in fig.axes[1].lines if l.get_linewidth() > 2)
    ['x2-s3', 'x3-s3', 'x4-s3']
    """
    n, k = _check_units(n_units, kernel_size)
    links, n_out = _sources(n, k)
    if unit is not None:
        unit = as_int(unit, "unit", minimum=1)
        if unit > n_out:
            raise ValueError(f"unit must be between 1 and {n_out} (the outputs), got {unit}")
    colours = tap_colours(k)
    fig = Figure(figsize=(max(6.5, 1.3 * n), 3.0), layout="constrained")
    ax_fc, ax_cv = fig.subplots(1, 2)
    x_out = np.arange(n_out) + (n - n_out) / 2
    chosen = () if unit is None else (unit - 1,)
    for o in range(n):
        for i in range(n):
            thick = unit is not None and o == unit - 1
            ax_fc.add_line(Line2D([i, o], [0, 1.6], color="0.2" if thick else "0.6",
                                  lw=2.4 if thick else 0.8, gid=f"x{i + 1}-s{o + 1}"))
    for o, i, u in links:
        thick = unit is not None and o == unit - 1
        ax_cv.add_line(Line2D([i, x_out[o]], [0, 1.6], color=colours[u],
                              lw=3.2 if thick else 1.6, label=f"w{u + 1}",
                              gid=f"x{i + 1}-s{o + 1}"))
    for ax, xs in ((ax_fc, np.arange(n)), (ax_cv, x_out)):
        _draw_units(ax, range(n), 0, "x", "input")
        _draw_units(ax, xs, 1.6, "s", "output", chosen)
    _frame(ax_fc, n, 1.6, f"fully connected: {n * n} weights")
    _frame(ax_cv, n, 1.6, f"convolution: {len(links)} connections, {k} weights")
    handles = [Line2D([], [], color=colours[u], lw=2.5, label=f"shared weight w{u + 1}")
               for u in range(k)]
    handles.append(Line2D([], [], color="0.6", lw=1, label="a weight of its own"))
    fig.legend(handles=handles, loc="outside upper center", ncols=len(handles),
               frameon=False, fontsize=8)
    return fig


def show_stacked_connections(n_units=5, kernel_size=3, layers=2, *, unit=None):
    """Draw stacked 1-D convolutions and the paths that carry the input to one top unit.

    Every layer has ``n_units`` units (zero padding keeps the size for odd kernels); the
    bottom row is the input ``x``, the top row the last layer ``y``, the rows between are
    ``h``, then ``g``, then ``f``.  The units the chosen top unit depends on, in every layer, and the
    lines between them are highlighted: its receptive field grows by ``kernel_size - 1``
    per layer.

    Parameters
    ----------
    n_units : int, default 5
        Units per layer, at most :data:`MAX_UNITS`.
    kernel_size : int, default 3
        Taps of every convolution: odd, at most ``n_units``.
    layers : int, default 2
        Number of convolution layers, 1 to 4.
    unit : int, optional
        The top unit to follow (1-based); default the middle one.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.  Units are circles with ``gid`` such as ``"x1"`` or ``"h3"`` (the
        first hidden layer's third unit); highlighted ones have a thick outline.  Lines have ``gid``
        ``"<lower>-<upper>"``; highlighted ones are drawn in ``PALETTE["window"]``.  The
        caption names the inputs the unit sees.

    Raises
    ------
    TypeError
        If a value is not an int.
    ValueError
        If a value is out of range or ``kernel_size`` is even.

    See Also
    --------
    autograder.reference.receptive_field : The size, from the layers' settings.
    show_receptive_field : The same in 2-D.

    Notes
    -----
    With stride 1, :math:`L` layers of kernel :math:`k` give a receptive field of
    :math:`1 + L (k - 1)` inputs (cut at the ends of the input).

    Examples
    --------
    >>> fig = show_stacked_connections(5, 3, 2, unit=3)
    >>> print(fig.get_supxlabel())
    y3 depends on x1, x2, x3, x4, x5 (5 inputs), though each layer looks at only 3 units
    """
    n, k = _check_units(n_units, kernel_size)
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd so that every layer keeps {n} units, got {k}")
    depth = as_int(layers, "layers", minimum=1)
    if depth > 4:
        raise ValueError(f"layers must be between 1 and 4, got {depth}")
    unit = (n + 1) // 2 if unit is None else as_int(unit, "unit", minimum=1)
    if unit > n:
        raise ValueError(f"unit must be between 1 and {n_units}, got {unit}")
    names = ["x"] + ["h", "g", "f"][:depth - 1] + ["y"]
    links, _ = _sources(n, k)
    # walk down from the chosen unit: which units of each layer reach it
    reach = [set() for _ in range(depth + 1)]
    reach[depth] = {unit - 1}
    for level in range(depth, 0, -1):
        reach[level - 1] = {i for o, i, _ in links if o in reach[level]}

    fig = Figure(figsize=(max(5.0, 0.9 * n + 1.5), 1.3 * depth + 1.4), layout="constrained")
    ax = fig.subplots()
    for level in range(1, depth + 1):
        for o, i, _ in links:
            on = o in reach[level] and i in reach[level - 1]
            ax.add_line(Line2D([i, o], [level - 1, level],
                               color=PALETTE["window"] if on else "0.75",
                               lw=2.2 if on else 0.8, zorder=2 if on else 1,
                               gid=f"{names[level - 1]}{i + 1}-{names[level]}{o + 1}"))
    for level in range(depth + 1):
        role = "input" if level == 0 else "output"
        _draw_units(ax, range(n), level, names[level], role, reach[level])
        label = "input x" if level == 0 else f"layer {level}: {names[level]}"
        ax.text(-0.9, level, label, ha="right", va="center", fontsize=9)
    _frame(ax, n, depth, f"{depth} stacked convolutions, kernel {k}")
    ax.set_xlim(-2.2, n - 0.4)
    seen = sorted(reach[0])
    fig.supxlabel(f"y{unit} depends on {', '.join(f'x{i + 1}' for i in seen)} ({len(seen)} "
                  f"inputs), though each layer looks at only {k} units", fontsize=9)
    return fig


# ------------------------------------------------------------------------- equivariance

def translate(x, shift):
    """Move an array's content along its last axes, filling with zeros (no wrap-around).

    Parameters
    ----------
    x : array_like, shape (..., L) or (..., H, W)
        The input.
    shift : int or tuple of int
        An int moves along the last axis; a tuple ``(dh, dw)`` along the last two.
        Positive moves towards higher indices (right, down).

    Returns
    -------
    numpy.ndarray, same shape and dtype as ``x``
        ``out[..., n] = x[..., n - shift]`` where ``n - shift`` is a valid index, else 0.

    Raises
    ------
    TypeError
        If ``x`` is not numeric or ``shift`` is not an int or a tuple of ints.
    ValueError
        If ``shift`` has more entries than ``x`` has axes.

    See Also
    --------
    numpy.roll : The same with wrap-around, which brings the far edge in instead of zeros.
    scipy.ndimage.shift : Shifts by fractions too, with interpolation.

    Notes
    -----
    A convolution layer (stride 1) is equivariant to this shift away from the borders:
    ``conv2d(translate(x, s)) == translate(conv2d(x), s)`` at every output whose window
    reads none of the zeros that came in.

    Examples
    --------
    >>> translate(np.array([1, 2, 3, 4]), 1)
    array([0, 1, 2, 3])
    >>> translate(np.arange(1, 7).reshape(2, 3), (1, -1))
    array([[0, 0, 0],
           [2, 3, 0]])
    """
    x = as_array(x, "x")
    if isinstance(shift, tuple):
        shifts = tuple(as_int(s, f"shift[{m}]") for m, s in enumerate(shift))
    else:
        shifts = (as_int(shift, "shift"),)
    if len(shifts) > x.ndim:
        raise ValueError(f"shift has {len(shifts)} entries but x has only {x.ndim} axes")
    out = np.zeros_like(x)
    src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for axis, s in zip(range(x.ndim - len(shifts), x.ndim), shifts):
        size = x.shape[axis]
        if abs(s) >= size:
            return out
        src[axis] = slice(max(0, -s), size - max(0, s))
        dst[axis] = slice(max(0, s), size - max(0, -s))
    out[tuple(dst)] = x[tuple(src)]
    return out


def show_equivariance(signal, kernel, shift, *, stride=1, fmt="{:.3g}"):
    """Draw a 1-D layer's output before and after the input is shifted.

    Four rows of numbered cells: the signal ``x``; ``x`` shifted right by ``shift``
    (zeros come in on the left); the layer's output ``y`` (a cross-correlation with
    ``kernel``, valid, with ``stride``); and the output for the shifted signal.  In the
    last row the cells that equal ``y`` moved by ``shift / stride`` outputs are
    highlighted: all but the first ones when the stride divides the shift
    (equivariance), none in general when it does not.

    Parameters
    ----------
    signal : array_like, shape (L,)
        The input, at most :data:`autograder.viz.MAX_GRID_SIDE` samples.
    kernel : array_like, shape (K,)
        The kernel, ``K <= L``.
    shift : int
        How far the input moves to the right, ``0 <= shift < L``.
    stride : int, default 1
        The layer's stride.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Four axes drawn by :func:`autograder.viz.draw_grid`; in the last one the matching
        cells carry a ``"highlight"`` patch.  ``fig.legends[0]`` names input, output and
        the highlight; the caption says what matched.

    Raises
    ------
    TypeError
        If an array is not numeric or a value is not an int.
    ValueError
        If an array is not 1-D, the kernel is longer than the signal, the signal is too
        long to draw, or ``shift`` is out of range.

    See Also
    --------
    translate : The shift.
    autograder.reference.conv2d : The layer (used here with one row).

    Notes
    -----
    With stride :math:`S` and the dense (stride 1) output :math:`y_1`, the layer gives
    :math:`y[i] = y_1[iS]` and, for the shifted input,
    :math:`y'[i] = y_1[iS - s]`: that is :math:`y[i - s/S]` when :math:`S` divides
    :math:`s`, and samples :math:`y` never had otherwise.

    Examples
    --------
    >>> x = [0, 0, 1, 3, 1, 0, 0, 0, 2, 0]
    >>> print(show_equivariance(x, [1, -1, 2], 2).get_supxlabel())
    conv(shift(x)) equals y moved 2 outputs right at all 6 outputs
    whose window reads no zero that came in
    >>> print(show_equivariance(x, [1, -1, 2], 1, stride=2).get_supxlabel())
    shift 1 is not a multiple of stride 2:
    conv(shift(x)) samples the dense output at other positions, so it is not y moved
    """
    x = as_array(signal, "signal", ndim=1, shape_hint="(L,)").astype(np.float64)
    k = as_array(kernel, "kernel", ndim=1, shape_hint="(K,)").astype(np.float64)
    n, kk = x.shape[0], k.shape[0]
    if kk > n:
        raise ValueError(f"kernel must not be longer than signal ({n}), got length {kk}")
    if n > 20:
        raise ValueError(f"signal has {n} samples; show_equivariance draws at most 20")
    shift = as_int(shift, "shift", minimum=0)
    if shift >= n:
        raise ValueError(f"shift must be below the signal's length {n}, got {shift}")
    stride = as_int(stride, "stride", minimum=1)
    moved = translate(x, shift)
    y = conv2d(x[None, None, None], k[None, None, None], stride=(1, stride))[0, 0, 0]
    y2 = conv2d(moved[None, None, None], k[None, None, None], stride=(1, stride))[0, 0, 0]
    match = np.zeros(y2.shape, dtype=bool)
    if shift % stride == 0:
        step = shift // stride
        match[step:] = np.isclose(y2[step:], y[:y.shape[0] - step])
        first = -(-shift // stride)        # outputs whose window starts at or after `shift`
        clean = y2.shape[0] - first
        caption = (f"conv(shift(x)) equals y moved {step} output{'s' * (step != 1)} right at "
                   f"all {clean} outputs\nwhose window reads no zero that came in"
                   if match[first:].all() else
                   f"conv(shift(x)) equals y moved {step} outputs right at "
                   f"{int(match.sum())} of {y2.shape[0]} outputs")
    else:
        caption = (f"shift {shift} is not a multiple of stride {stride}:\nconv(shift(x)) samples "
                   f"the dense output at other positions, so it is not y moved")

    fig = Figure(figsize=(max(7.0, 0.42 * n + 1.5), 4.6), layout="constrained")
    axes = fig.subplots(4, 1)
    name = f"conv(·), kernel {[float(v) for v in k]}, stride {stride}"
    draw_grid(axes[0], x[None], "input", fmt=fmt, title="input x")
    draw_grid(axes[1], moved[None], "input", fmt=fmt,
              title=f"shift(x): x moved {shift} to the right, zeros in")
    draw_grid(axes[2], (y + 0.0)[None], "output", fmt=fmt, title=f"output y = {name}")
    draw_grid(axes[3], (y2 + 0.0)[None], "output", highlight=match[None], fmt=fmt,
              title="output conv(shift(x))")
    for ax in axes:
        ax.set_xlim(0, n)
        ax.set_yticks([])
    handles = [Patch(facecolor=to_rgba(PALETTE["input"], _STRONG), edgecolor="0.35",
                     label="input"),
               Patch(facecolor=to_rgba(PALETTE["output"], _STRONG), edgecolor="0.35",
                     label="output"),
               Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5,
                     label="equals y, moved")]
    fig.legend(handles=handles, loc="outside upper center", ncols=3, frameon=False, fontsize=9)
    fig.supxlabel(caption, fontsize=9)
    return fig


# ---------------------------------------------------------------------- receptive field

class FieldTrace(NamedTuple):
    """What one output unit of a stack of layers depends on.

    ``masks[l]`` is a boolean array of layer ``l``'s map (``masks[0]`` the input, the
    last the output, holding only the unit), True where a value reaches the unit.
    ``rows`` and ``cols`` are the first and last input row and column of the unit's
    receptive field, counting padding: they may lie outside the input.
    """

    masks: list
    rows: tuple
    cols: tuple


_KEYS = ("kernel_size", "stride", "dilation", "padding")


def _layers(layers):
    """Read layer specs as ((kH, kW), (sH, sW), (dH, dW), (pH, pW))."""
    if isinstance(layers, (dict, str)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a sequence of dicts or tuples, got {layers!r}")
    out = []
    for m, layer in enumerate(layers):
        if isinstance(layer, dict):
            if set(layer) - set(_KEYS) or "kernel_size" not in layer:
                raise ValueError(f"layers[{m}] must be a dict with 'kernel_size' and optionally "
                                 f"'stride', 'dilation', 'padding', got keys {sorted(layer)}")
            values = [layer.get(key, 0 if key == "padding" else 1) for key in _KEYS]
        elif isinstance(layer, (tuple, list)) and len(layer) in (2, 3):
            values = list(layer) + [1] * (3 - len(layer)) + [0]
        else:
            raise TypeError(f"layers[{m}] must be a dict or a tuple (kernel_size, stride"
                            f"[, dilation]), got {layer!r}")
        out.append(tuple(as_pair(v, f"layers[{m}] {key}", minimum=0 if key == "padding" else 1)
                         for v, key in zip(values, _KEYS)))
    return out


def trace_receptive_field(layers, input_size, unit):
    """Follow one output unit of a stack of layers back to the input, layer by layer.

    Parameters
    ----------
    layers : sequence of dict or tuple
        As in :func:`autograder.reference.receptive_field`, with ``padding`` (default 0)
        now used to place the maps: a dict ``kernel_size``, ``stride``, ``dilation``,
        ``padding``, or a tuple ``(kernel_size, stride[, dilation])``.  A pooling layer
        is given like a convolution with its window as the kernel.
    input_size : int or pair of int
        ``(H, W)`` of the input.
    unit : pair of int
        ``(row, col)`` of the unit in the last layer's map.

    Returns
    -------
    FieldTrace
        Named tuple ``(masks, rows, cols)``; see :class:`FieldTrace`.

    Raises
    ------
    TypeError
        If a layer or value has the wrong type.
    ValueError
        If a setting is out of range, a kernel does not fit its input, or ``unit`` lies
        outside the last map.

    See Also
    --------
    autograder.reference.receptive_field : The field's size from a formula.
    show_receptive_field : Draws the masks.

    Notes
    -----
    Unit ``i`` of a layer reads rows :math:`i s + u d - p`, :math:`u = 0..k-1`, of the
    layer below; the masks mark those that exist (not padding), layer by layer.  The
    field's first and last rows follow
    :math:`a \\mapsto a s - p` and :math:`b \\mapsto b s - p + d (k - 1)`.

    Examples
    --------
    Two 3x3 convolutions on a 7x7 input: the centre output sees the whole input.

    >>> t = trace_receptive_field([(3, 1), (3, 1)], 7, (1, 1))
    >>> [m.shape for m in t.masks], t.rows, int(t.masks[0].sum())
    ([(7, 7), (5, 5), (3, 3)], (1, 5), 25)
    """
    specs = _layers(layers)
    h, w = as_pair(input_size, "input_size", minimum=1)
    shapes = [(h, w)]
    for m, (kernel, stride, dilation, pad) in enumerate(specs):
        try:
            shapes.append(conv_output_size(shapes[-1], kernel, stride, pad, dilation,
                                           allow_remainder=True))
        except ValueError as exc:
            raise ValueError(f"layers[{m}] does not fit its {shapes[-1][0]}x{shapes[-1][1]} "
                             f"input: {exc}") from None
    if not isinstance(unit, (tuple, list)) or len(unit) != 2:
        raise TypeError(f"unit must be a pair (row, col), got {unit!r}")
    r, c = as_int(unit[0], "unit[0]", minimum=0), as_int(unit[1], "unit[1]", minimum=0)
    oh, ow = shapes[-1]
    if r >= oh or c >= ow:
        raise ValueError(f"unit must lie in the last map, which is {oh}x{ow}, got {(r, c)}")
    masks = [np.zeros(s, dtype=bool) for s in shapes]
    masks[-1][r, c] = True
    span = [[r, r], [c, c]]
    for level in range(len(specs), 0, -1):
        kernel, stride, dilation, pad = specs[level - 1]
        below = masks[level - 1]
        ii, jj = np.nonzero(masks[level])
        rows = ii[:, None] * stride[0] + np.arange(kernel[0]) * dilation[0] - pad[0]
        cols = jj[:, None] * stride[1] + np.arange(kernel[1]) * dilation[1] - pad[1]
        rr = np.broadcast_to(rows[:, :, None], (len(ii), kernel[0], kernel[1]))
        cc = np.broadcast_to(cols[:, None, :], (len(ii), kernel[0], kernel[1]))
        inside = (rr >= 0) & (rr < below.shape[0]) & (cc >= 0) & (cc < below.shape[1])
        below[rr[inside], cc[inside]] = True
        for axis in range(2):
            span[axis] = [span[axis][0] * stride[axis] - pad[axis],
                          span[axis][1] * stride[axis] - pad[axis]
                          + dilation[axis] * (kernel[axis] - 1)]
    return FieldTrace(masks, tuple(span[0]), tuple(span[1]))


def show_receptive_field(layers, input_size, unit, *, names=None):
    """Draw every map of a stack of layers with the cells that reach one output unit.

    Parameters
    ----------
    layers, input_size, unit
        As in :func:`trace_receptive_field`.
    names : sequence of str, optional
        A title for each layer (e.g. ``"conv 3x3"``, ``"max pool 2x2"``); default
        ``"layer 1"``, ``"layer 2"``, ...

    Returns
    -------
    matplotlib.figure.Figure
        One axes per map, input first.  Each shows its map as an image (``ax.images[0]``)
        whose cells are tinted in the role's colour (input, or output for the layers)
        and drawn in ``PALETTE["window"]`` where they reach the unit.  The caption gives
        the receptive field's rows and columns in the input.

    Raises
    ------
    TypeError, ValueError
        As :func:`trace_receptive_field`, and if ``names`` does not have one string per
        layer.

    See Also
    --------
    trace_receptive_field : The masks drawn.
    autograder.reference.receptive_field : The size from a formula.

    Notes
    -----
    The field spans :math:`r_L` rows, with :math:`r_l = r_{l-1} + d_l (k_l - 1) j_{l-1}`
    and :math:`j_l = j_{l-1} s_l`; cells in the padding are not drawn.

    Examples
    --------
    >>> fig = show_receptive_field([(3, 1), (3, 1)], 7, (1, 1))
    >>> [ax.get_title() for ax in fig.axes]
    ['input 7×7', 'layer 1: 5×5', 'layer 2: 3×3']
    >>> print(fig.get_supxlabel())
    unit (1, 1) of layer 2 sees input rows 1–5, columns 1–5: a 5×5 receptive field
    """
    trace = trace_receptive_field(layers, input_size, unit)
    depth = len(trace.masks) - 1
    if names is None:
        names = [f"layer {m}" for m in range(1, depth + 1)]
    names = list(names)
    if len(names) != depth or not all(isinstance(s, str) for s in names):
        raise ValueError(f"names must hold one string per layer ({depth}), got {names!r}")
    widths = [m.shape[1] for m in trace.masks]
    inch = 2.4 / max(m.shape[0] for m in trace.masks)   # the tallest map is 2.4 inches high
    fig = Figure(figsize=(min(16.0, max(6.0, inch * sum(widths) + 0.7 * len(widths))), 3.6),
                 layout="constrained")
    axes = fig.subplots(1, depth + 1, width_ratios=widths, squeeze=False)[0]
    hot = np.array(to_rgba(PALETTE["window"]))
    for level, (ax, mask) in enumerate(zip(axes, trace.masks)):
        role = "input" if level == 0 else "output"
        image = np.empty(mask.shape + (4,))
        image[...] = to_rgba(PALETTE[role], _TINT)
        image[mask] = hot
        ax.imshow(image, interpolation="nearest")
        hh, ww = mask.shape
        ax.set_xticks(np.arange(-0.5, ww, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, hh, 1), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.5 if max(hh, ww) > 12 else 1)
        ax.tick_params(which="both", length=0, labelsize=7)
        ax.set_title(f"input {hh}×{ww}" if level == 0
                     else f"{names[level - 1]}: {hh}×{ww}", fontsize=9)
    handles = [Patch(facecolor=to_rgba(PALETTE["input"], _STRONG), label="input"),
               Patch(facecolor=to_rgba(PALETTE["output"], _STRONG), label="layer outputs"),
               Patch(facecolor=PALETTE["window"], label="reaches the chosen unit")]
    fig.legend(handles=handles, loc="outside upper center", ncols=3, frameon=False, fontsize=9)
    (r0, r1), (c0, c1) = trace.rows, trace.cols
    caption = (f"unit {tuple(int(v) for v in unit)} of layer {depth} sees input rows "
               f"{r0}–{r1}, columns {c0}–{c1}: a {r1 - r0 + 1}×{c1 - c0 + 1} receptive field")
    h, w = trace.masks[0].shape
    if r0 < 0 or c0 < 0 or r1 >= h or c1 >= w:
        caption += f" (partly on padding: {int(trace.masks[0].sum())} input pixels inside)"
    fig.supxlabel(caption, fontsize=9)
    return fig
