"""Convolution arithmetic: where every window of a convolution layer sits, and pictures of it.

The figures follow the style of Dumoulin & Visin, "A guide to convolution arithmetic for
deep learning" (2016): the input is a grid of cells (blue), padding cells are grey and
hatched, the kernel window is a set of orange cells, and the output is a grid of its own
(green).  They show geometry only, not numbers: which cells a window reads, for every
output position.

:func:`conv_arithmetic` computes that geometry once; the figures here, the animation in
:mod:`autograder.viz.animation` and the explorer in :mod:`autograder.widgets.arithmetic`
all draw from it.  A transposed convolution is drawn the way Dumoulin & Visin (section 4)
explain it: as the direct convolution, stride 1, over the input with ``stride - 1`` zeros
inserted between its cells and ``dilation * (kernel - 1) - padding`` zeros around it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from autograder._validation import as_pair
from autograder.viz import MAX_GRID_SIDE, PALETTE
from autograder.reference.layers import _conv_padding

__all__ = ["Arithmetic", "conv_arithmetic", "show_arithmetic", "show_all_positions",
           "show_coverage", "legend_handles", "MAX_PANELS"]

#: Most window positions :func:`show_all_positions` draws as small multiples.
MAX_PANELS = 36

_TINT = 0.25     # opacity of an ordinary cell
_STRONG = 0.75   # opacity of a window tap or a computed output cell
_CELL_INCH = 0.3
_PANEL_GAP = 1    # cells between two panels of show_all_positions


# padding as ((top, bottom), (left, right)), read exactly as the reference conv2d reads it
_read_padding = _conv_padding


@dataclasses.dataclass(frozen=True)
class Arithmetic:
    """The geometry of one convolution layer's windows along both axes.

    Coordinates are rows and columns of the *grid*: the input with its padding (and, for
    a transposed convolution, with the inserted zeros), so grid cell ``(0, 0)`` is the
    top-left padding cell when there is padding.

    Attributes
    ----------
    input_size, kernel_size, stride, dilation : tuple of int
        ``(h, w)`` of each setting, as given.
    padding : tuple of tuple of int
        ``((top, bottom), (left, right))`` zeros of the convolution as given (for a
        transposed convolution: the ``padding`` argument of ``conv_transpose2d``).
    transposed : bool
        Whether this is a transposed convolution.
    grid_shape : tuple of int
        ``(rows, columns)`` of the grid the window slides over.
    grid_padding : tuple of tuple of int
        ``((top, bottom), (left, right))`` zero cells around the data in the grid.
    grid_stride : tuple of int
        Step of the window on the grid (1 for a transposed convolution).
    is_input : numpy.ndarray of bool, shape grid_shape
        True where a grid cell holds an input value.
    is_padding : numpy.ndarray of bool, shape grid_shape
        True for the zero cells around the data.
    is_inserted : numpy.ndarray of bool, shape grid_shape
        True for the zeros a transposed convolution inserts between input cells.
    output_shape : tuple of int
        ``(H_out, W_out)``, floored like PyTorch when the stride does not divide.
    rows, cols : numpy.ndarray of int, shape (H_out, kH) and (W_out, kW)
        ``rows[i]`` are the grid rows output row ``i`` reads, one per kernel tap;
        ``cols[j]`` likewise for columns.
    unread_rows, unread_cols : tuple of int
        Grid rows / columns after the last window that no window reads (a stride that
        does not divide the distance the window travels).
    """

    input_size: tuple
    kernel_size: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    transposed: bool
    grid_shape: tuple
    grid_padding: tuple
    grid_stride: tuple
    is_input: np.ndarray
    is_padding: np.ndarray
    is_inserted: np.ndarray
    output_shape: tuple
    rows: np.ndarray
    cols: np.ndarray
    unread_rows: tuple
    unread_cols: tuple

    @property
    def n_positions(self) -> int:
        """Number of window positions, ``H_out * W_out``."""
        return self.output_shape[0] * self.output_shape[1]

    @property
    def fits(self) -> bool:
        """True when every grid row and column is reached by the last window."""
        return not self.unread_rows and not self.unread_cols

    def position(self, k):
        """Output index ``(i, j)`` of the ``k``-th window, in row-major order."""
        return divmod(int(k), self.output_shape[1])

    def window(self, i, j):
        """Grid cells ``(row, col)`` output ``(i, j)`` reads: an int array of shape (kH*kW, 2)."""
        r, c = np.meshgrid(self.rows[i], self.cols[j], indexing="ij")
        return np.stack([r.ravel(), c.ravel()], axis=1)

    def window_mask(self, i, j):
        """Boolean mask of ``grid_shape``: True at the cells output ``(i, j)`` reads."""
        mask = np.zeros(self.grid_shape, dtype=bool)
        mask[self.rows[i][:, None], self.cols[j][None, :]] = True
        return mask

    def coverage(self):
        """How many windows read each grid cell, an int array of ``grid_shape``."""
        per_row = np.zeros(self.grid_shape[0], dtype=int)
        per_col = np.zeros(self.grid_shape[1], dtype=int)
        np.add.at(per_row, self.rows.ravel(), 1)
        np.add.at(per_col, self.cols.ravel(), 1)
        return per_row[:, None] * per_col[None, :]

    def describe(self):
        """The settings in one line, e.g. ``'input 5x5, kernel 3x3, stride 1, padding 0, ...'``."""
        def show(pair):
            return str(pair[0]) if pair[0] == pair[1] else f"{pair}"
        (pt, pb), (pl, pr) = self.padding
        pad = str(pt) if pt == pb == pl == pr else f"{self.padding}"
        kind = "transposed convolution: " if self.transposed else ""
        return (f"{kind}input {self.input_size[0]}x{self.input_size[1]}, kernel "
                f"{self.kernel_size[0]}x{self.kernel_size[1]}, stride {show(self.stride)}, "
                f"padding {pad}, dilation {show(self.dilation)}")


def _axis(size, kernel, stride, pad, dilation, transposed, name):
    """One axis of the grid: (length, data offsets, grid pad, step, out, taps, unread)."""
    span = dilation * (kernel - 1) + 1
    if transposed:
        before, after = pad
        if max(before, after) > span - 1:
            raise ValueError(
                f"padding {max(before, after)} is larger than dilation * (kernel_size - 1) = "
                f"{span - 1} on the {name} axis: the equivalent direct convolution would need "
                f"negative padding; use padding <= {span - 1}")
        grid_pad = (span - 1 - before, span - 1 - after)
        data = grid_pad[0] + stride * np.arange(size)
        length = grid_pad[0] + stride * (size - 1) + 1 + grid_pad[1]
        step = 1
    else:
        grid_pad = pad
        data = pad[0] + np.arange(size)
        length = size + pad[0] + pad[1]
        step = stride
    if span > length and transposed:
        raise ValueError(
            f"the transposed convolution's output would be empty on the {name} axis: "
            f"({size} - 1) * {stride} - 2 * {pad[0]} + {dilation} * ({kernel} - 1) + 1 = "
            f"{length - span + 1}; use less padding")
    if span > length:
        raise ValueError(
            f"the kernel spans {span} (kernel {kernel}, dilation {dilation}) but the padded "
            f"input is only {length} long on the {name} axis; use a smaller kernel or "
            f"dilation, or more padding")
    out = (length - span) // step + 1
    taps = step * np.arange(out)[:, None] + dilation * np.arange(kernel)[None, :]
    last = int(taps[-1, -1])
    return length, data, grid_pad, step, out, taps, tuple(range(last + 1, length))


def conv_arithmetic(input_size, kernel_size, *, padding=0, stride=1, dilation=1,
                    transposed=False):
    """Where every window of a convolution (or transposed convolution) layer reads.

    Parameters
    ----------
    input_size, kernel_size : int or pair of int
        ``(H, W)`` of the input and ``(kH, kW)`` of the kernel, each at least 1.
    padding : int, pair of int, or {"valid", "same"}, default 0
        Zeros on each side.  ``"same"`` (stride 1 only) pads ``D(K - 1)`` in total, the
        odd zero on the bottom/right as PyTorch does.  For ``transposed=True``: the
        ``padding`` of ``conv_transpose2d`` (rows/columns cropped from its output).
    stride : int or pair of int, default 1
        Step between windows (for ``transposed=True``: between stamped input cells).
    dilation : int or pair of int, default 1
        Spacing between kernel taps; 1 means no dilation.
    transposed : bool, default False
        Describe a transposed convolution as a direct convolution on the zero-inserted,
        padded input.

    Returns
    -------
    Arithmetic
        The grid, its cell types, the output shape and the taps of every window.

    Raises
    ------
    TypeError
        If a setting is not an int or a pair of ints, or ``transposed`` is not a bool.
    ValueError
        If a setting is out of range, the dilated kernel is longer than the padded input,
        ``padding="same"`` is asked with a stride, or a transposed convolution's padding
        is larger than ``dilation * (kernel - 1)`` or leaves an empty output.

    See Also
    --------
    autograder.reference.conv_output_size : The output size by formula.
    torch.nn.Conv2d, torch.nn.ConvTranspose2d : The layers described.

    Notes
    -----
    A direct convolution's output ``(i, j)`` reads grid row :math:`iS + uD` and column
    :math:`jS + vD` for each tap ``(u, v)``, i.e. input row :math:`iS + uD - P`; there are

    .. math:: O = \\left\\lfloor \\frac{I + 2P - D(K - 1) - 1}{S} \\right\\rfloor + 1

    positions.  A transposed convolution's grid has :math:`S - 1` zeros between input
    cells and :math:`D(K - 1) - P` around them; it is read with stride 1, giving
    :math:`O = (I - 1)S - 2P + D(K - 1) + 1` (``output_padding`` is not modelled).

    Examples
    --------
    >>> a = conv_arithmetic(10, 3, stride=2)
    >>> a.output_shape, a.unread_cols
    ((4, 4), (9,))
    >>> a.window(0, 1)[:3].tolist()
    [[0, 2], [0, 3], [0, 4]]
    >>> conv_arithmetic(4, 2, padding="same").padding
    ((0, 1), (0, 1))
    >>> t = conv_arithmetic(3, 3, stride=2, transposed=True)
    >>> t.grid_shape, t.output_shape
    ((9, 9), (7, 7))
    """
    if not isinstance(transposed, (bool, np.bool_)):
        raise TypeError(f"transposed must be True or False, got {transposed!r}")
    size = as_pair(input_size, "input_size", minimum=1)
    kernel = as_pair(kernel_size, "kernel_size", minimum=1)
    step = as_pair(stride, "stride", minimum=1)
    dil = as_pair(dilation, "dilation", minimum=1)
    if transposed and isinstance(padding, str):
        raise TypeError(f"padding must be an int or a pair of ints for a transposed "
                        f"convolution, got {padding!r}")
    pads = _read_padding(padding, kernel, dil, step)
    axes = [_axis(size[k], kernel[k], step[k], pads[k], dil[k], bool(transposed),
                  ("height", "width")[k]) for k in range(2)]
    (H, rdata, rpad, rstep, Ho, rows, runread), (W, cdata, cpad, cstep, Wo, cols, cunread) = axes
    is_input = np.zeros((H, W), dtype=bool)
    is_input[rdata[:, None], cdata[None, :]] = True
    is_padding = np.ones((H, W), dtype=bool)
    is_padding[rpad[0]:H - rpad[1], cpad[0]:W - cpad[1]] = False
    is_inserted = ~is_input & ~is_padding
    return Arithmetic(size, kernel, step, pads, dil, bool(transposed), (H, W), (rpad, cpad),
                      (rstep, cstep), is_input, is_padding, is_inserted, (Ho, Wo), rows, cols,
                      runread, cunread)


# ---------------------------------------------------------------------------------------
# drawing, shared with autograder.viz.animation
# ---------------------------------------------------------------------------------------

def _style_axes(ax, shape, title, colour):
    """Limits, aspect and title for a grid of ``shape``; cell (r, c) is [c, c+1] x [r, r+1]."""
    H, W = shape
    ax.set_xlim(-0.1, W + 0.1)
    ax.set_ylim(H + 0.1, -0.1)   # row 0 at the top, as the array prints
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=9, color=colour)


def _draw_input(ax, a, title=None, offset=None):
    """Draw the grid of ``a``: input cells blue, padding grey hatched, inserted zeros grey dotted.

    With ``offset = (x, y)`` the grid is drawn shifted by it and the axes are left alone
    (several grids share one axes).
    """
    dx, dy = offset or (0, 0)
    kinds = ((a.is_input, "input", dict(facecolor=to_rgba(PALETTE["input"], _TINT),
                                        edgecolor="0.3")),
             (a.is_padding, "padding", dict(facecolor=to_rgba(PALETTE["padding"], _TINT),
                                            edgecolor=PALETTE["padding"], hatch="///")),
             (a.is_inserted, "inserted", dict(facecolor="white", edgecolor=PALETTE["padding"],
                                              hatch="..")))
    for mask, gid, style in kinds:
        # one collection per kind of cell draws much faster than a patch per cell
        cells = [Rectangle((c + dx, r + dy), 1, 1) for r, c in zip(*np.nonzero(mask))]
        if cells:
            ax.add_collection(PatchCollection(cells, linewidth=0.6, gid=gid, **style))
    if offset is not None:
        return
    if title is None:
        title = ("zero-inserted, padded input" if a.transposed else
                 "input" + (" with padding" if a.is_padding.any() else ""))
    _style_axes(ax, a.grid_shape, title, PALETTE["input"])


def _tap_patches(ax, a):
    """One orange rectangle per kernel tap (gid "tap"), to be moved with ``set_xy``."""
    kh, kw = a.kernel_size
    taps = []
    for _ in range(kh * kw):
        tap = Rectangle((0, 0), 1, 1, facecolor=to_rgba(PALETTE["kernel"], _STRONG),
                        edgecolor=PALETTE["window"], linewidth=1.6, gid="tap", zorder=3)
        ax.add_patch(tap)
        taps.append(tap)
    return taps


def _place_taps(taps, a, i, j, offset=(0, 0)):
    for tap, (r, c) in zip(taps, a.window(i, j)):
        tap.set_xy((int(c) + offset[0], int(r) + offset[1]))


def _draw_output(ax, a, title="output"):
    """Draw the output grid; return its cells (gid "output") in row-major order."""
    Ho, Wo = a.output_shape
    cells = []
    for r in range(Ho):
        for c in range(Wo):
            cell = Rectangle((c, r), 1, 1, facecolor=to_rgba(PALETTE["output"], _TINT),
                             edgecolor="0.3", linewidth=0.6, gid="output")
            ax.add_patch(cell)
            cells.append(cell)
    _style_axes(ax, a.output_shape, title, PALETTE["output"])
    return cells


def legend_handles(a=None):
    """Legend entries naming input, padding, (inserted zeros,) kernel window and output.

    Parameters
    ----------
    a : Arithmetic, optional
        The geometry drawn; the "inserted zeros" entry is added for a transposed
        convolution.

    Returns
    -------
    list of matplotlib.patches.Patch
        In the order input, padding, inserted zeros (transposed only), kernel window,
        output.

    See Also
    --------
    matplotlib.figure.Figure.legend : Takes these as ``handles``.

    Notes
    -----
    The colours are :data:`autograder.viz.PALETTE`'s ``input``, ``padding``,
    ``kernel`` (edged with ``window``) and ``output``.

    Examples
    --------
    >>> [h.get_label() for h in legend_handles()]
    ['input', 'padding (zeros)', 'kernel window', 'output']
    """
    handles = [Patch(facecolor=to_rgba(PALETTE["input"], _TINT), edgecolor="0.3", label="input"),
               Patch(facecolor=to_rgba(PALETTE["padding"], _TINT), edgecolor=PALETTE["padding"],
                     hatch="///", label="padding (zeros)")]
    if a is not None and a.transposed:
        handles.append(Patch(facecolor="white", edgecolor=PALETTE["padding"], hatch="..",
                             label="inserted zeros"))
    handles += [Patch(facecolor=to_rgba(PALETTE["kernel"], _STRONG), edgecolor=PALETTE["window"],
                      linewidth=1.6, label="kernel window"),
                Patch(facecolor=to_rgba(PALETTE["output"], _STRONG), edgecolor="0.3",
                      label="output")]
    return handles


def _never_read(ax, a, offset=(0, 0)):
    """Cover the grid rows/columns no window reads with a vermillion cross-hatch (gid "unread")."""
    H, W = a.grid_shape
    dx, dy = offset
    style = dict(facecolor="none", edgecolor=PALETTE["window"], hatch="xx", linewidth=0,
                 zorder=2, gid="unread")
    for r in a.unread_rows:
        ax.add_patch(Rectangle((dx, r + dy), W, 1, **style))
    for c in a.unread_cols:
        ax.add_patch(Rectangle((c + dx, dy), 1, H, **style))


def _unread_text(a):
    """A short sentence naming the rows/columns no window reads, or "" when all are read."""
    parts = []
    for name, cells, pads, size in (("row", a.unread_rows, a.grid_padding[0], a.input_size[0]),
                                    ("column", a.unread_cols, a.grid_padding[1],
                                     a.input_size[1])):
        if not cells:
            continue
        if a.transposed:
            parts.append(f"grid {name}s {', '.join(map(str, cells))}")
            continue
        # name them by input index; indices past the input are padding
        index = [c - pads[0] for c in cells]
        data = [str(n) for n in index if n < size]
        padded = [str(n) for n in index if n >= size]
        if data:
            parts.append(f"input {name}{'s' if len(data) > 1 else ''} {', '.join(data)}")
        if padded:
            parts.append(f"padding {name}{'s' if len(padded) > 1 else ''} {', '.join(padded)}")
    if not parts:
        return ""
    return "does not fit: " + " and ".join(parts) + " are never read (PyTorch floors the size)"


def _unread_handle():
    return Patch(facecolor="none", edgecolor=PALETTE["window"], hatch="xx", label="never read")


def _check_settings(input_size, kernel_size, padding, stride, dilation, transposed, limit):
    a = conv_arithmetic(input_size, kernel_size, padding=padding, stride=stride,
                        dilation=dilation, transposed=transposed)
    if max(a.grid_shape) > limit:
        raise ValueError(f"the grid is {a.grid_shape[0]}x{a.grid_shape[1]}; this figure draws "
                         f"sides up to {limit}: use a smaller input, padding or stride")
    return a


def _window_rows_text(a, i, j):
    """Which input rows and columns output (i, j) reads, in unpadded indices."""
    rows = [int(r) - a.grid_padding[0][0] for r in a.rows[i]]
    cols = [int(c) - a.grid_padding[1][0] for c in a.cols[j]]
    return f"output ({i}, {j}) reads input rows {rows} and columns {cols}"


def show_arithmetic(input_size, kernel_size, *, position=(0, 0), padding=0, stride=1,
                    dilation=1, transposed=False):
    """Draw one window position of a convolution: the input grid with the window, and the output.

    Parameters
    ----------
    input_size, kernel_size : int or pair of int
        ``(H, W)`` of the input and ``(kH, kW)`` of the kernel.
    position : pair of int, default (0, 0)
        The output position ``(i, j)`` whose window is drawn.
    padding, stride, dilation, transposed
        As in :func:`conv_arithmetic`.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, the (padded) input and the output; ``fig.legends[0]`` names input,
        padding, kernel window and output; the caption (``fig.get_supxlabel()``) gives
        the settings, the output size and which input rows and columns the window reads.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_arithmetic`; ValueError also if ``position`` is outside the
        output or the grid has a side over :data:`autograder.viz.MAX_GRID_SIDE`.

    See Also
    --------
    show_all_positions : Every window position at once.
    autograder.viz.show_conv_step : The same step with numbers.

    Notes
    -----
    Output :math:`(i, j)` reads input row :math:`iS + uD - P` and column
    :math:`jS + vD - P` for each tap :math:`(u, v)`; negative rows and rows past the
    end are padding.

    Examples
    --------
    >>> fig = show_arithmetic(5, 3, position=(1, 1), padding=1, stride=2)
    >>> print(fig.get_supxlabel())
    input 5x5, kernel 3x3, stride 2, padding 1, dilation 1
    output size 3x3
    output (1, 1) reads input rows [1, 2, 3] and columns [1, 2, 3]
    >>> sorted(tuple(p.get_xy()) for p in fig.axes[0].patches if p.get_gid() == "tap")[0]
    (2, 2)
    """
    a = _check_settings(input_size, kernel_size, padding, stride, dilation, transposed,
                        MAX_GRID_SIDE)
    i, j = as_pair(position, "position", minimum=0)
    Ho, Wo = a.output_shape
    if i >= Ho or j >= Wo:
        raise ValueError(f"position must be inside the {Ho}x{Wo} output, got {(i, j)}")
    H, W = a.grid_shape
    fig = Figure(figsize=(max(6.0, _CELL_INCH * (W + Wo) + 1.5), _CELL_INCH * max(H, Ho) + 2.0),
                 layout="constrained")
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[W, max(Wo, 2)])
    _draw_input(ax_in, a)
    _never_read(ax_in, a)
    _place_taps(_tap_patches(ax_in, a), a, i, j)
    cells = _draw_output(ax_out, a)
    cells[i * Wo + j].set_facecolor(to_rgba(PALETTE["output"], _STRONG))
    cells[i * Wo + j].set_edgecolor(PALETTE["window"])
    cells[i * Wo + j].set_linewidth(2.0)
    handles = legend_handles(a) + ([] if a.fits else [_unread_handle()])
    fig.legend(handles=handles, loc="outside upper center", ncols=3, frameon=False, fontsize=8)
    lines = [a.describe(), f"output size {Ho}x{Wo}"]
    if not a.transposed:
        lines.append(_window_rows_text(a, i, j))
    if not a.fits:
        lines.append(_unread_text(a))
    fig.supxlabel("\n".join(lines), fontsize=9)
    return fig


def show_all_positions(input_size, kernel_size, *, padding=0, stride=1, dilation=1,
                       transposed=False):
    """Draw every window position as small multiples, laid out like the output grid.

    Panel ``(i, j)`` shows the (padded) input with the window of output ``(i, j)``, so
    the panels form the output grid: their number of rows and columns is the output
    size.

    Parameters
    ----------
    input_size, kernel_size : int or pair of int
        ``(H, W)`` of the input and ``(kH, kW)`` of the kernel.
    padding, stride, dilation, transposed
        As in :func:`conv_arithmetic`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes holding the ``H_out * W_out`` panels.  Panel ``(i, j)`` has an invisible
        rectangle with gid ``"panel i,j"`` at its top-left corner (its grid cell
        ``(r, c)`` is drawn at that corner plus ``(c, r)``), its kernel-window cells have
        gid ``"tap i,j"``, and its title "(i, j)" is one of the axes' texts, in row-major
        order.  ``fig.legends[0]`` names input, padding, kernel window and output
        position.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_arithmetic`; ValueError also if there are more than
        :data:`MAX_PANELS` positions or the grid has a side over 12.

    See Also
    --------
    show_coverage : Every position on one grid, for larger settings.
    animate_conv : The same positions, one per frame.

    Notes
    -----
    There are :math:`O_h \\times O_w` panels with
    :math:`O = \\lfloor (I + 2P - D(K - 1) - 1) / S \\rfloor + 1` along each axis.

    Examples
    --------
    >>> fig = show_all_positions(4, 3, padding="same")
    >>> titles = [t.get_text() for t in fig.axes[0].texts]
    >>> len(titles), titles[5]
    (16, '(1, 1)')
    """
    a = _check_settings(input_size, kernel_size, padding, stride, dilation, transposed, 12)
    Ho, Wo = a.output_shape
    if a.n_positions > MAX_PANELS:
        raise ValueError(f"{a.n_positions} window positions; show_all_positions draws at most "
                         f"{MAX_PANELS}: use show_coverage")
    H, W = a.grid_shape
    # all panels on one axes: far faster to build and lay out than one axes per panel
    step_x, step_y = W + _PANEL_GAP, H + _PANEL_GAP + 1
    side = min(1.6, max(0.8, 0.16 * max(H, W)))
    fig = Figure(figsize=(max(5.5, side * Wo + 0.4), side * Ho + 1.5), layout="constrained")
    ax = fig.add_subplot()
    for i in range(Ho):
        for j in range(Wo):
            origin = (j * step_x, i * step_y + 1)
            _draw_input(ax, a, offset=origin)
            ax.add_patch(Rectangle(origin, W, H, facecolor="none", edgecolor="none",
                                   gid=f"panel {i},{j}"))
            _never_read(ax, a, offset=origin)
            taps = _tap_patches(ax, a)
            for tap in taps:
                tap.set_gid(f"tap {i},{j}")
            _place_taps(taps, a, i, j, offset=origin)
            ax.text(origin[0] + W / 2, origin[1] - 0.15, f"({i}, {j})", ha="center",
                    va="bottom", fontsize=8, color=PALETTE["output"])
    _style_axes(ax, (Ho * step_y - _PANEL_GAP, Wo * step_x - _PANEL_GAP), "",
                PALETTE["output"])
    handles = legend_handles(a)
    handles[-1].set_label("output position (i, j)")
    if not a.fits:
        handles.append(_unread_handle())
    fig.legend(handles=handles, loc="outside upper center", ncols=3, frameon=False, fontsize=8)
    caption = f"{a.describe()}\n{Ho}x{Wo} window positions, so a {Ho}x{Wo} output"
    if not a.fits:
        caption += "\n" + _unread_text(a)
    fig.supxlabel(caption, fontsize=9)
    return fig


def show_coverage(input_size, kernel_size, *, padding=0, stride=1, dilation=1,
                  transposed=False, arithmetic=None):
    """Draw every window position on one grid: reads per cell, and where each window starts.

    Each input cell shows the number of window positions that read it; a dot marks the
    first tap of every window (one dot per output position); the first window is
    outlined; rows and columns no window reads are cross-hatched.  The output grid is
    drawn beside it.

    Parameters
    ----------
    input_size, kernel_size : int or pair of int
        ``(H, W)`` of the input and ``(kH, kW)`` of the kernel.
    padding, stride, dilation, transposed
        As in :func:`conv_arithmetic`.
    arithmetic : Arithmetic, optional
        The geometry, if already computed (then the other settings are ignored).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, the grid and the output.  The grid's texts are the counts in row-major
        order; its dots (``ax.lines[0]``) are the windows' first taps.

    Raises
    ------
    TypeError, ValueError
        As :func:`conv_arithmetic`; ValueError also if the grid has a side over
        :data:`autograder.viz.MAX_GRID_SIDE`.

    See Also
    --------
    show_all_positions : One panel per window position.

    Notes
    -----
    A cell is read by as many windows as there are pairs (output index, tap) landing on
    it; with stride :math:`S > D` and no overlap, interior cells are read once.

    Examples
    --------
    >>> fig = show_coverage(10, 3, stride=2)
    >>> [t.get_text() for t in fig.axes[0].texts][:10]
    ['1', '1', '2', '1', '2', '1', '2', '1', '1', '0']
    >>> len(fig.axes[0].lines[0].get_xdata())
    16
    """
    a = arithmetic if arithmetic is not None else conv_arithmetic(
        input_size, kernel_size, padding=padding, stride=stride, dilation=dilation,
        transposed=transposed)
    if not isinstance(a, Arithmetic):
        raise TypeError(f"arithmetic must be an Arithmetic from conv_arithmetic, got {a!r}")
    if max(a.grid_shape) > MAX_GRID_SIDE:
        raise ValueError(f"the grid is {a.grid_shape[0]}x{a.grid_shape[1]}; show_coverage "
                         f"draws sides up to {MAX_GRID_SIDE}")
    H, W = a.grid_shape
    Ho, Wo = a.output_shape
    cell = 0.36
    fig = Figure(figsize=(max(6.0, cell * (W + Wo) + 1.5), cell * max(H, Ho) + 2.0),
                 layout="constrained")
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[W, max(Wo, 2)])
    _draw_input(ax_in, a, title="reads per cell" + (" (padded input)" if a.is_padding.any()
                                                      else ""))
    _never_read(ax_in, a)
    count = a.coverage()
    for r in range(H):
        for c in range(W):
            ax_in.text(c + 0.5, r + 0.5, str(count[r, c]), ha="center", va="center",
                       fontsize=7, color="black" if count[r, c] else PALETTE["window"])
    first = Rectangle((a.cols[0][0], a.rows[0][0]), a.cols[0][-1] + 1 - a.cols[0][0],
                      a.rows[0][-1] + 1 - a.rows[0][0], facecolor="none",
                      edgecolor=PALETTE["kernel"], linewidth=2.5, zorder=3, gid="first")
    ax_in.add_patch(first)
    starts_r, starts_c = np.meshgrid(a.rows[:, 0], a.cols[:, 0], indexing="ij")
    ax_in.plot(starts_c.ravel() + 0.2, starts_r.ravel() + 0.2, linestyle="none", marker="o",
               markersize=4, color=PALETTE["window"], zorder=4)
    _draw_output(ax_out, a, title=f"output {Ho}x{Wo}")
    for r in range(Ho):
        for c in range(Wo):
            ax_out.text(c + 0.5, r + 0.5, f"{r},{c}", ha="center", va="center", fontsize=6)
    handles = legend_handles(a)
    handles[-2].set_label("first window")
    handles[-2].set_facecolor("none")
    handles[-2].set_edgecolor(PALETTE["kernel"])
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=4,
                          color=PALETTE["window"], label="where a window starts"))
    if not a.fits:
        handles.append(_unread_handle())
    fig.legend(handles=handles, loc="outside upper center", ncols=3, frameon=False, fontsize=8)
    caption = f"{a.describe()}\n{a.n_positions} window positions, output {Ho}x{Wo}"
    if not a.fits:
        caption += "\n" + _unread_text(a)
    fig.supxlabel(caption, fontsize=9)
    return fig
