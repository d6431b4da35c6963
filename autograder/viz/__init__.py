"""Figures the lectures share: numbers on grids, with the window a convolution is reading.

Every function draws on a :class:`matplotlib.figure.Figure` it creates itself (never
through :mod:`matplotlib.pyplot`), and returns it without showing it: the figures work
with any backend, Agg included, leave nothing open in pyplot, and a notebook displays one
by making it the value of a cell (after ``%matplotlib inline``).

One colour-blind-safe palette, :data:`PALETTE`, is used for every figure of the course:
the Okabe-Ito colours, with each role (input, kernel, output, the current window) always
in the same colour.  Cells are also told apart without colour: padding is hatched and
the current window has a thick outline.
"""

from __future__ import annotations

import types

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from autograder._validation import as_array, as_int, as_pair, check_choice
from autograder.reference.layers import conv_output_size, pad2d

__all__ = ["PALETTE", "ROLES", "MAX_GRID_SIDE", "MAX_INPUT_CHANNELS", "draw_grid", "show_conv_step"]

#: The course's palette (Okabe & Ito, "Color Universal Design", 2008), one colour per role.
#: ``padding`` is a neutral grey: zeros that are not part of the data.
PALETTE = types.MappingProxyType({
    "input": "#0072B2",    # blue
    "kernel": "#E69F00",   # orange
    "output": "#009E73",   # bluish green
    "window": "#D55E00",   # vermillion: the cells being read or written right now
    "padding": "#999999",  # grey
})

#: The roles a grid can be drawn in (the keys of :data:`PALETTE` that hold data).
ROLES = ("input", "kernel", "output")

#: Largest grid side drawn: every cell carries its number, so bigger grids are unreadable.
MAX_GRID_SIDE = 20

#: Most input channels :func:`show_conv_step` draws side by side.
MAX_INPUT_CHANNELS = 4

_CELL_INCH = 0.42   # side of one cell in the figure
_TINT = 0.22        # opacity of an ordinary cell's colour; text stays readable on it
_STRONG = 0.6       # opacity of a highlighted cell


def _check_fmt(fmt):
    """Check that ``fmt`` is a ``str.format`` pattern for one number."""
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format string such as '{{:.3g}}', got {fmt!r}")
    try:
        fmt.format(1.5)
    except (IndexError, KeyError, ValueError) as exc:
        raise ValueError(f"fmt must format one number, like '{{:.3g}}', got {fmt!r}: {exc}") \
            from None
    return fmt


def _mask(value, name, shape):
    """A boolean mask of ``shape``, or all False for None."""
    if value is None:
        return np.zeros(shape, dtype=bool)
    mask = as_array(value, name, ndim=2, kinds="b", shape_hint="like values")
    if mask.shape != shape:
        raise ValueError(f"{name} must have the shape of values {shape}, got {mask.shape}")
    return mask


def draw_grid(ax, values, role, *, highlight=None, padded=None, origin=(0, 0),
              fmt="{:.3g}", title=None):
    """Draw a 2-D array as a grid of cells, each showing its number.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.  Its limits are set so that cell ``(r, c)`` is the unit square
        with top-left corner ``(c, r)``; the row axis points down, as in the array.
    values : array_like, shape (H, W)
        The numbers to show.
    role : {"input", "kernel", "output"}
        The palette colour the cells are tinted with.
    highlight : array_like of bool, shape (H, W), optional
        Cells to mark as part of the current window: a stronger tint and a thick
        outline in ``PALETTE["window"]``.
    padded : array_like of bool, shape (H, W), optional
        Cells that are zero padding rather than data: grey and hatched.
    origin : int or pair of int, default (0, 0)
        Index of the top-left cell, used for the tick labels: ``(-p, -p)`` labels an
        input padded by ``p`` with the indices of the unpadded array.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for each number.
    title : str, optional
        The axes title.

    Returns
    -------
    list of matplotlib.patches.Rectangle
        The ``H * W`` cells in row-major order.  Their ``gid`` is ``"cell"`` for data
        and ``"padding"`` for padding; each highlighted cell gets one more rectangle
        on top, with ``gid`` ``"highlight"``.

    Raises
    ------
    TypeError
        If ``values`` is not numeric, a mask is not boolean, or ``fmt`` is not a string.
    ValueError
        If ``values`` is not 2-D or too large to label (a side over
        :data:`MAX_GRID_SIDE`), a mask has another shape, or ``role`` is unknown.

    See Also
    --------
    matplotlib.axes.Axes.matshow : A colour map of an array, without its numbers.
    show_conv_step : Grids of input, kernel and output for one step of a convolution.

    Notes
    -----
    Cell ``(r, c)`` occupies :math:`[c, c + 1] \\times [r, r + 1]` in data coordinates,
    so patch positions can be read back as array indices.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> cells = draw_grid(ax, [[1, 2, 3], [4, 5, 6]], "input",
    ...                   highlight=[[False, True, True], [False, True, True]])
    >>> len(cells), cells[5].get_xy()
    (6, (2, 1))
    >>> sum(p.get_gid() == "highlight" for p in ax.patches)
    4
    >>> [t.get_text() for t in ax.texts]
    ['1', '2', '3', '4', '5', '6']
    """
    values = as_array(values, "values", ndim=2, shape_hint="(H, W)")
    role = check_choice(role, "role", ROLES)
    H, W = values.shape
    if max(H, W) > MAX_GRID_SIDE:
        raise ValueError(f"values is {H}x{W}; grids with a side over {MAX_GRID_SIDE} are too "
                         f"large to label, draw a crop of the array instead")
    highlight = _mask(highlight, "highlight", values.shape)
    padded = _mask(padded, "padded", values.shape)
    row0, col0 = as_pair(origin, "origin")
    fmt = _check_fmt(fmt)
    colour = PALETTE[role]

    cells = []
    for r in range(H):
        for c in range(W):
            if padded[r, c]:
                cell = Rectangle((c, r), 1, 1, facecolor=to_rgba(PALETTE["padding"], _TINT),
                                 edgecolor=PALETTE["padding"], hatch="///", linewidth=0.8,
                                 gid="padding")
            else:
                cell = Rectangle((c, r), 1, 1, facecolor=to_rgba(colour, _TINT),
                                 edgecolor="0.35", linewidth=0.8, gid="cell")
            ax.add_patch(cell)
            cells.append(cell)
            if highlight[r, c]:
                ax.add_patch(Rectangle((c, r), 1, 1, facecolor=to_rgba(colour, _STRONG),
                                       edgecolor=PALETTE["window"], linewidth=2.5,
                                       gid="highlight", zorder=2))
            ax.text(c + 0.5, r + 0.5, fmt.format(values[r, c]), ha="center", va="center",
                    fontsize=9, color="0.35" if padded[r, c] else "black", zorder=3)

    ax.set_xlim(0, W)
    ax.set_ylim(H, 0)  # row 0 at the top, as the array prints
    ax.set_aspect("equal")
    ax.set_xticks(np.arange(W) + 0.5, [str(col0 + c) for c in range(W)], fontsize=7)
    ax.set_yticks(np.arange(H) + 0.5, [str(row0 + r) for r in range(H)], fontsize=7)
    ax.xaxis.tick_top()
    ax.tick_params(length=0, pad=2)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is not None:
        ax.set_title(title, fontsize=10, color=colour, pad=14)
    return cells


def _position(position, out_shape):
    """Check ``position`` as an index ``(n, o, i, j)`` into an array of ``out_shape``."""
    names = ("n", "o", "i", "j")
    if not isinstance(position, (tuple, list)):
        raise TypeError(f"position must be a tuple (n, o, i, j) indexing out, got {position!r}")
    if len(position) != 4:
        raise ValueError(f"position must be a tuple (n, o, i, j) of 4 ints indexing out, "
                         f"got {position!r}")
    index = []
    for k, (value, name, size) in enumerate(zip(position, names, out_shape)):
        value = as_int(value, f"position[{k}] ({name})", minimum=0)
        if value >= size:
            raise ValueError(f"position[{k}] ({name}) must be < {size} (out.shape[{k}]), "
                             f"got {value}")
        index.append(value)
    return tuple(index)


def show_conv_step(x, w, out, position, *, b=None, stride=1, padding=0, dilation=1,
                   fmt="{:.3g}"):
    """Draw one step of a convolution layer: the input window, the kernel, the output cell.

    For ``position = (n, o, i, j)`` the figure shows, from left to right, each input
    channel ``x[n, c]`` (zero padded if ``padding`` is set) with the cells the kernel
    reads highlighted, each kernel channel ``w[o, c]``, and the output map ``out[n, o]``
    with cell ``(i, j)`` highlighted.  A legend names input, kernel and output, and a
    caption gives the sum that produces ``out[n, o, i, j]``.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        The layer's input.
    w : array_like, shape (C_out, C_in, kH, kW)
        The layer's kernels, one per output channel.
    out : array_like, shape (N, C_out, H_out, W_out)
        The layer's output, e.g. ``conv2d(x, w, b, stride, padding, dilation)``.
    position : tuple of int
        ``(n, o, i, j)``: the output value to explain.
    b : array_like, shape (C_out,), optional
        The bias ``out`` was computed with; None for none.
    stride, padding, dilation : int or pair of int
        As in :func:`autograder.reference.conv2d`; ``padding`` adds zeros on each side
        and ``dilation=1`` means no dilation.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers in the cells and the caption.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes are the input channels, the kernel channels and the output, in that
        order, drawn by :func:`draw_grid`; ``fig.legends[0]`` names the roles.

    Raises
    ------
    TypeError
        If an array is not numeric, or ``position``, ``stride``, ``padding``,
        ``dilation`` or ``fmt`` has the wrong type (``padding="same"`` is not accepted:
        give the number).
    ValueError
        If the shapes do not fit together as in a convolution layer with these settings,
        ``position`` is outside ``out``, ``x`` has more than
        :data:`MAX_INPUT_CHANNELS` channels or a (padded) side over
        :data:`MAX_GRID_SIDE`, or ``out[position]`` is not the value the window, the
        kernel and the bias give (the arrays do not belong together).

    See Also
    --------
    autograder.reference.conv2d : Computes ``out``.
    torch.nn.functional.conv2d : PyTorch's layer, with the same layout.

    Notes
    -----
    With stride :math:`S`, padding :math:`P` and dilation :math:`D`, output
    ``(i, j)`` reads the padded input at rows :math:`i S_h + u D_h` and columns
    :math:`j S_w + v D_w` for every kernel tap ``(u, v)``:

    .. math:: \\mathrm{out}[n, o, i, j] = b[o] + \\sum_{c} \\sum_{u, v}
              x_{\\mathrm{pad}}[n, c, i S_h + u D_h, j S_w + v D_w]\\, w[o, c, u, v].

    No flip: this is the cross-correlation deep-learning libraries call convolution.

    Examples
    --------
    >>> from autograder.reference import conv2d
    >>> x = np.arange(12.0).reshape(1, 1, 3, 4)
    >>> w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    >>> out = conv2d(x, w, b=[2.0])
    >>> fig = show_conv_step(x, w, out, (0, 0, 1, 2), b=[2.0])
    >>> [ax.get_title() for ax in fig.axes]
    ['input x[0, 0]', 'kernel w[0, 0]', 'output out[0, 0]']
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['input x', 'kernel w', 'output out', 'current window']
    >>> print(fig.get_supxlabel())
    out[0, 0, 1, 2] = sum of window × kernel + b[0] = -5 + 2 = -3
    """
    x = as_array(x, "x", ndim=4, shape_hint="(N, C_in, H, W)")
    w = as_array(w, "w", ndim=4, shape_hint="(C_out, C_in, kH, kW)")
    out = as_array(out, "out", ndim=4, shape_hint="(N, C_out, H_out, W_out)")
    N, C_in, H, W = x.shape
    C_out, C_w, kH, kW = w.shape
    if C_w != C_in:
        raise ValueError(f"w must have C_in = x.shape[1] = {C_in} channels on axis 1, "
                         f"got w.shape {w.shape}")
    if C_in > MAX_INPUT_CHANNELS:
        raise ValueError(f"x has C_in = {C_in} channels; show_conv_step draws at most "
                         f"{MAX_INPUT_CHANNELS} side by side")
    if b is not None:
        b = as_array(b, "b", ndim=1, shape_hint="(C_out,)")
        if b.shape != (C_out,):
            raise ValueError(f"b must have shape (C_out,) = ({C_out},), got {b.shape}")
    sh, sw = as_pair(stride, "stride", minimum=1)
    ph, pw = as_pair(padding, "padding", minimum=0)
    dh, dw = as_pair(dilation, "dilation", minimum=1)
    fmt = _check_fmt(fmt)
    if max(H + 2 * ph, W + 2 * pw, kH, kW) > MAX_GRID_SIDE:
        raise ValueError(f"the padded input is {H + 2 * ph}x{W + 2 * pw} and the kernel "
                         f"{kH}x{kW}; show_conv_step draws sides up to {MAX_GRID_SIDE}")
    H_out, W_out = conv_output_size((H, W), (kH, kW), (sh, sw), (ph, pw), (dh, dw),
                                    allow_remainder=True)
    if out.shape != (N, C_out, H_out, W_out):
        raise ValueError(f"out must have shape (N, C_out, H_out, W_out) = "
                         f"{(N, C_out, H_out, W_out)} for x {x.shape}, w {w.shape}, "
                         f"stride {(sh, sw)}, padding {(ph, pw)}, dilation {(dh, dw)}; "
                         f"got {out.shape}")
    n, o, i, j = _position(position, out.shape)

    xp = pad2d(x[n], (ph, pw))                   # (C_in, H + 2ph, W + 2pw)
    rows = i * sh + dh * np.arange(kH)           # padded rows the taps read
    cols = j * sw + dw * np.arange(kW)
    window = xp[:, rows[:, None], cols[None, :]]  # (C_in, kH, kW)
    products = window.astype(np.float64) * w[o]
    total = float(products.sum())
    bias = float(b[o]) if b is not None else 0.0
    value = float(out[n, o, i, j])
    scale = max(1.0, float(np.abs(products).sum()) + abs(bias))
    if not np.isclose(value, total + bias, rtol=1e-5, atol=1e-6 * scale):
        plus_bias = f" plus b[{o}]" if b is not None else ""
        raise ValueError(
            f"out[{n}, {o}, {i}, {j}] is {value:g}, but the window times the kernel{plus_bias} "
            f"is {total + bias:g}: pass the x, w and b that out was computed with, and the same "
            f"stride, padding and dilation")

    is_pad = np.ones(xp.shape[1:], dtype=bool)
    is_pad[ph:ph + H, pw:pw + W] = False
    taps = np.zeros(xp.shape[1:], dtype=bool)
    taps[rows[:, None], cols[None, :]] = True
    target = np.zeros((H_out, W_out), dtype=bool)
    target[i, j] = True

    widths = [W + 2 * pw] * C_in + [kW] * C_in + [W_out]
    tallest = max(H + 2 * ph, kH, H_out)
    fig = Figure(figsize=(max(6.5, _CELL_INCH * sum(widths) + 0.6 * len(widths)),
                          _CELL_INCH * tallest + 2.0),
                 layout="constrained")
    axes = fig.subplots(1, len(widths), width_ratios=widths, squeeze=False)[0]
    suffix = ", padded" if ph or pw else ""
    for c in range(C_in):
        draw_grid(axes[c], xp[c], "input", highlight=taps, padded=is_pad, origin=(-ph, -pw),
                  fmt=fmt, title=f"input x[{n}, {c}]{suffix}")
        draw_grid(axes[C_in + c], w[o, c], "kernel", fmt=fmt, title=f"kernel w[{o}, {c}]")
    draw_grid(axes[-1], out[n, o], "output", highlight=target, fmt=fmt,
              title=f"output out[{n}, {o}]")

    handles = [Patch(facecolor=to_rgba(PALETTE[role], _STRONG), edgecolor="0.35",
                     label=label)
               for role, label in (("input", "input x"), ("kernel", "kernel w"),
                                   ("output", "output out"))]
    handles.append(Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5,
                         label="current window"))
    if ph or pw:
        handles.append(Patch(facecolor=to_rgba(PALETTE["padding"], _TINT),
                             edgecolor=PALETTE["padding"], hatch="///", label="zero padding"))
    fig.legend(handles=handles, loc="outside upper center", ncols=len(handles),
               frameon=False, fontsize=9)

    terms = f"{fmt.format(total)} + {fmt.format(bias)}" if b is not None else ""
    caption = (f"out[{n}, {o}, {i}, {j}] = sum of window × kernel"
               + (f" + b[{o}] = {terms}" if b is not None else "")
               + f" = {fmt.format(value)}")
    if (sh, sw, ph, pw, dh, dw) != (1, 1, 0, 0, 1, 1):
        # the tick labels count from the unpadded corner, so say where the window starts in them
        caption += (f"\nstride {(sh, sw)}, padding {(ph, pw)}, dilation {(dh, dw)}: the window "
                    f"starts at row {i * sh - ph}, column {j * sw - pw} of x")
    fig.supxlabel(caption, fontsize=10)
    return fig


__all__.append("show_slide_1d")


def show_slide_1d(signal, kernel, i, *, flip=False, fmt="{:.3g}"):
    """Draw one step of a 1-D cross-correlation (or, with ``flip``, convolution), valid mode.

    Three rows, top to bottom: the signal with the window of output ``i`` highlighted;
    the kernel as it is laid on that window (reversed if ``flip``), drawn right under
    the window with its original indices as tick labels; and the output with sample
    ``i`` highlighted.  A legend names signal, kernel and output; the caption gives the
    sum of products.

    Parameters
    ----------
    signal : array_like, shape (N,)
        The input signal.
    kernel : array_like, shape (K,)
        The kernel, ``K <= N``.
    i : int
        The output sample to explain, ``0 <= i <= N - K``.
    flip : bool, default False
        False draws the cross-correlation ``correlate(signal, kernel, "valid")``; True
        the convolution ``convolve(signal, kernel, "valid")``, which lays the kernel on
        the window back to front.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes (signal, kernel, output) drawn by :func:`draw_grid`;
        ``fig.legends[0]`` names the roles.

    Raises
    ------
    TypeError
        If an array is not numeric, ``i`` is not an int, ``flip`` is not a bool or
        ``fmt`` is not a string.
    ValueError
        If an array is not 1-D, the kernel is longer than the signal, the signal is longer
        than :data:`MAX_GRID_SIDE`, or ``i`` is outside the output.

    See Also
    --------
    autograder.reference.correlate, autograder.reference.convolve : The two operations.
    numpy.correlate, numpy.convolve : numpy's versions.
    show_conv_step : The same picture for a 2-D convolution layer.

    Notes
    -----
    Cross-correlation: :math:`y[i] = \\sum_u x[i + u]\\, k[u]`.  Convolution, in the
    same valid window: :math:`y[i] = \\sum_u x[i + u]\\, k[K - 1 - u]`.

    Examples
    --------
    >>> fig = show_slide_1d([1, 2, 3, 4, 5], [1, 0, -1], 1, flip=True)
    >>> [ax.get_title() for ax in fig.axes]
    ['signal x', 'kernel k, flipped', 'output y = convolve(x, k, "valid")']
    >>> [t.get_text() for t in fig.axes[1].get_xticklabels()]
    ['k[2]', 'k[1]', 'k[0]']
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['signal x', 'kernel k', 'output y', 'current window']
    >>> print(fig.get_supxlabel())
    y[1] = 2×(-1) + 3×0 + 4×1 = 2
    """
    x = as_array(signal, "signal", ndim=1, shape_hint="(N,)")
    k = as_array(kernel, "kernel", ndim=1, shape_hint="(K,)")
    N, K = x.shape[0], k.shape[0]
    if K > N:
        raise ValueError(f"kernel must not be longer than signal ({N}), got length {K}")
    if N > MAX_GRID_SIDE:
        raise ValueError(f"signal has {N} samples; show_slide_1d draws at most {MAX_GRID_SIDE}")
    if not isinstance(flip, (bool, np.bool_)):
        raise TypeError(f"flip must be True or False, got {flip!r}")
    i = as_int(i, "i", minimum=0)
    if i > N - K:
        raise ValueError(f"i must be <= N - K = {N - K} (the last valid output), got {i}")
    fmt = _check_fmt(fmt)

    order = np.arange(K)[::-1] if flip else np.arange(K)   # which k[u] sits under x[i + c]
    laid = k[order]
    y = np.array([float(np.dot(x[s:s + K].astype(np.float64), laid)) for s in range(N - K + 1)])
    y = y + 0.0   # turns -0.0 into 0.0, which would otherwise print as "-0"
    window = np.zeros((1, N), dtype=bool)
    window[0, i:i + K] = True
    target = np.zeros((1, N - K + 1), dtype=bool)
    target[0, i] = True

    fig = Figure(figsize=(max(5.0, _CELL_INCH * N + 1.5), 3.6), layout="constrained")
    ax_x, ax_k, ax_y = fig.subplots(3, 1)
    draw_grid(ax_x, x[None, :], "input", highlight=window, fmt=fmt, title="signal x")
    draw_grid(ax_k, laid[None, :], "kernel", highlight=np.ones((1, K), dtype=bool), fmt=fmt,
              title="kernel k, flipped" if flip else "kernel k, as it is")
    ax_k.set_xticks(np.arange(K) + 0.5, [f"k[{u}]" for u in order], fontsize=7)
    ax_k.set_xlim(-i, N - i)   # put the kernel right under the window it reads
    name = "convolve" if flip else "correlate"
    draw_grid(ax_y, y[None, :], "output", highlight=target, fmt=fmt,
              title=f'output y = {name}(x, k, "valid")')
    ax_y.set_xlim(-(K // 2), N - K // 2)   # each output under its window's middle
    for ax in (ax_x, ax_k, ax_y):
        ax.set_yticks([])

    handles = [Patch(facecolor=to_rgba(PALETTE[role], _STRONG), edgecolor="0.35", label=label)
               for role, label in (("input", "signal x"), ("kernel", "kernel k"),
                                   ("output", "output y"))]
    handles.append(Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5,
                         label="current window"))
    fig.legend(handles=handles, loc="outside upper center", ncols=4, frameon=False, fontsize=9)
    terms = " + ".join(f"{fmt.format(a)}×{fmt.format(b) if b >= 0 else '(' + fmt.format(b) + ')'}"
                       for a, b in zip(x[i:i + K], laid))
    fig.supxlabel(f"y[{i}] = {terms} = {fmt.format(y[i])}", fontsize=10)
    return fig


__all__.append("show_images")


def show_images(images, titles, *, signed=None):
    """Show greyscale images side by side, e.g. a photograph before and after filtering.

    Parameters
    ----------
    images : sequence of array_like, each shape (H, W)
        The images, drawn left to right.
    titles : sequence of str
        One title per image (say which is the input and which kernel made each output).
    signed : sequence of bool, optional
        For each image, True draws it with a diverging colour map centred on zero (for
        an edge map, whose sign matters) with a colour bar; False draws it in grey from
        its minimum to its maximum.  Default: True for images with negative values.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image, in order (colour bars add axes after them).

    Raises
    ------
    TypeError
        If an image is not numeric or a title is not a string.
    ValueError
        If an image is not 2-D, or ``titles`` or ``signed`` has another length than
        ``images``.

    See Also
    --------
    matplotlib.axes.Axes.imshow : Draws each image.

    Notes
    -----
    A signed image ``z`` is drawn with the colour map's limits at
    :math:`\\pm \\max |z|`, so zero is always the middle colour and equal magnitudes of
    opposite sign get opposite colours.

    Examples
    --------
    >>> x = np.arange(12.0).reshape(3, 4)
    >>> fig = show_images([x, x - 6], ["input", "input - 6"])
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['input', 'input - 6']
    >>> fig.axes[1].images[0].get_clim()
    (-6.0, 6.0)
    """
    images = [as_array(im, f"images[{n}]", ndim=2, shape_hint="(H, W)")
              for n, im in enumerate(images)]
    titles = list(titles)
    if len(titles) != len(images):
        raise ValueError(f"titles must have one entry per image ({len(images)}), "
                         f"got {len(titles)}")
    for n, title in enumerate(titles):
        if not isinstance(title, str):
            raise TypeError(f"titles[{n}] must be a string, got {title!r}")
    if signed is None:
        signed = [bool(im.min() < 0) for im in images]
    signed = list(signed)
    if len(signed) != len(images):
        raise ValueError(f"signed must have one entry per image ({len(images)}), "
                         f"got {len(signed)}")

    fig = Figure(figsize=(3.2 * len(images), 3.6), layout="constrained")
    axes = fig.subplots(1, len(images), squeeze=False)[0]
    for ax, im, title, sign in zip(axes, images, titles, signed):
        if sign:
            top = float(np.abs(im).max()) or 1.0
            shown = ax.imshow(im, cmap="PuOr_r", vmin=-top, vmax=top)
            fig.colorbar(shown, ax=ax, shrink=0.7)
        else:
            ax.imshow(im, cmap="gray")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
