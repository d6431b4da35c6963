"""Figures for the pooling lecture: the windows a pooling layer reads, where each maximum
comes from, and how much of a pooled map survives a one-pixel shift of its input.

Like every figure of the course these draw on a :class:`matplotlib.figure.Figure` of their
own (never through :mod:`matplotlib.pyplot`) in the colours of :data:`autograder.viz.PALETTE`,
and return it.  The pooled values come from :func:`autograder.reference.pool2d`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Patch, Rectangle

from autograder._validation import as_array, as_pair, check_choice
from autograder.reference.pooling import pool2d
from autograder.viz import MAX_GRID_SIDE, PALETTE, _check_fmt, draw_grid

__all__ = ["pool_winners", "show_pooling", "shift_agreement", "show_shift_invariance"]

_MODES = ("max", "avg", "l2")
_NAMES = {"max": "max pooling", "avg": "average pooling", "l2": "L2 pooling"}
_CELL_INCH = 0.42


def _feature_map(x, name="x"):
    """Check a single feature map: a real 2-D array."""
    return as_array(x, name, ndim=2, kinds="biuf", shape_hint="(H, W)")


def _pooled(x, kernel_size, stride, padding, mode):
    """pool2d of one 2-D map, with the settings normalised to pairs."""
    out = pool2d(x[None, None], kernel_size, stride, padding, mode)[0, 0]
    kernel = as_pair(kernel_size, "kernel_size")
    step = kernel if stride is None else as_pair(stride, "stride")
    return out, kernel, step, as_pair(padding, "padding")


def pool_winners(x, kernel_size, stride=None, padding=0):
    """Where the maximum of each max-pooling window comes from.

    Parameters
    ----------
    x : array_like, shape (H, W)
        One feature map.
    kernel_size, stride, padding : int or pair of int
        As in :func:`autograder.reference.pool2d` (``stride=None`` means the window size).

    Returns
    -------
    numpy.ndarray of int, shape (OH, OW, 2)
        ``[i, j] = (r, c)``: output ``(i, j)`` of max pooling is ``x[r, c]``.  When
        several positions of a window hold the maximum, the first in row-major order is
        given, the one PyTorch's ``max_pool2d(..., return_indices=True)`` reports.
        Padding never wins: it is ``-inf``.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a 2-D real array, or as :func:`autograder.reference.pool2d`.

    See Also
    --------
    torch.nn.functional.max_pool2d : With ``return_indices=True`` it gives ``r * W + c``.

    Notes
    -----
    Output :math:`(i, j)` reads the padded input at rows :math:`i s_H + u` and columns
    :math:`j s_W + v`, :math:`0 \\le u < k_H`, :math:`0 \\le v < k_W`; the winner is the
    first :math:`(u, v)` with the largest value, moved back by the padding.

    Examples
    --------
    >>> x = np.array([[1, 2, 5, 0],
    ...               [3, 4, 1, 1]])
    >>> pool_winners(x, 2).tolist()
    [[[1, 1], [0, 2]]]
    """
    x = _feature_map(x)
    out, (kh, kw), (sh, sw), (ph, pw) = _pooled(x, kernel_size, stride, padding, "max")
    padded = np.pad(x.astype(float), ((ph, ph), (pw, pw)), constant_values=-np.inf)
    winners = np.empty(out.shape + (2,), dtype=int)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = padded[i * sh:i * sh + kh, j * sw:j * sw + kw]
            u, v = np.unravel_index(np.argmax(window), window.shape)  # first maximum
            winners[i, j] = (i * sh + u - ph, j * sw + v - pw)
    return winners


def _caption_for(window, mode, i, j, value, fmt, winner):
    """The sum, mean or maximum of one window, written out term by term."""
    terms = [fmt.format(v) for v in window.ravel()]
    if mode == "max":
        where = f", from x[{winner[0]}, {winner[1]}]"
        return f"y[{i}, {j}] = max({', '.join(terms)}) = {fmt.format(value)}{where}"
    if mode == "avg":
        return f"y[{i}, {j}] = ({' + '.join(terms)}) / {window.size} = {fmt.format(value)}"
    squares = " + ".join(f"{t}²" if not t.startswith("-") else f"({t})²" for t in terms)
    return f"y[{i}, {j}] = √({squares}) = {fmt.format(value)}"


def show_pooling(x, kernel_size, stride=None, padding=0, mode="max", *, position=None,
                 marked=None, marked_label="marked", fmt="{:.3g}"):
    """Draw a pooling layer on one feature map: the input with every window, and the output.

    The input (padded if ``padding`` is set) is drawn with each pooling window outlined
    by a dashed line; the output is drawn beside it.  For max pooling a dot marks, in the
    input, every cell that is the maximum of some window.  With ``position`` one window
    is highlighted, with its output cell, and the caption writes out that output by hand.

    Parameters
    ----------
    x : array_like, shape (H, W)
        One feature map (one channel of one image).
    kernel_size, stride, padding, mode
        As in :func:`autograder.reference.pool2d`.
    position : pair of int, optional
        ``(i, j)``: the output whose window is highlighted and worked out in the caption.
    marked : array_like of bool, shape (OH, OW), optional
        Output cells to cross-hatch, e.g. those a shift of the input changed.
    marked_label : str, default "marked"
        The legend's name for the cross-hatched cells.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (input, output) drawn by :func:`autograder.viz.draw_grid`.  Window
        outlines have ``gid`` ``"window"`` (row-major, one per output), the dots of
        the maxima ``"winner"``, the hatching of ``marked`` cells ``"marked"``;
        ``fig.legends[0]`` names the roles and ``fig.get_supxlabel()`` is the caption.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        As :func:`autograder.reference.pool2d`, or if the padded input or the output has a
        side over :data:`autograder.viz.MAX_GRID_SIDE`, ``position`` is outside the output,
        or ``marked`` is not shaped like the output.

    See Also
    --------
    autograder.reference.pool2d : Computes the output drawn.
    torch.nn.MaxPool2d, torch.nn.AvgPool2d, torch.nn.LPPool2d : PyTorch's layers.
    autograder.viz.show_conv_step : The same picture for a convolutional layer.

    Notes
    -----
    Output :math:`(i, j)` is the maximum, the mean or the 2-norm of the padded input over
    rows :math:`i s_H \\ldots i s_H + k_H - 1` and columns :math:`j s_W \\ldots j s_W + k_W - 1`;
    padding is ``-inf`` for max pooling and ``0`` otherwise, as in ``pool2d``.

    Examples
    --------
    >>> x = np.array([[1, 2, 5, 0],
    ...               [3, 4, 1, 1],
    ...               [0, 1, 2, 2],
    ...               [6, 0, 2, 3]])
    >>> fig = show_pooling(x, 2, position=(0, 1))
    >>> [ax.get_title() for ax in fig.axes]
    ['input x', 'output y: max pooling']
    >>> sum(p.get_gid() == "window" for p in fig.axes[0].patches)
    4
    >>> print(fig.get_supxlabel())
    max pooling, window (2, 2), stride (2, 2), padding (0, 0): input 4x4 -> output 2x2
    y[0, 1] = max(5, 0, 1, 1) = 5, from x[0, 2]
    """
    x = _feature_map(x)
    mode = check_choice(mode, "mode", _MODES)
    fmt = _check_fmt(fmt)
    if not isinstance(marked_label, str):
        raise TypeError(f"marked_label must be a string, got {marked_label!r}")
    out, (kh, kw), (sh, sw), (ph, pw) = _pooled(x, kernel_size, stride, padding, mode)
    H, W = x.shape
    OH, OW = out.shape
    if max(H + 2 * ph, W + 2 * pw) > MAX_GRID_SIDE:
        raise ValueError(f"the padded input is {H + 2 * ph}x{W + 2 * pw}; show_pooling draws "
                         f"sides up to {MAX_GRID_SIDE}: draw a crop of x")
    if position is not None:
        pair = as_pair(position, "position", minimum=0)
        if pair[0] >= OH or pair[1] >= OW:
            raise ValueError(f"position must index the {OH}x{OW} output, got {position!r}")
        position = pair
    if marked is not None:
        marked = as_array(marked, "marked", ndim=2, kinds="b", shape_hint="(OH, OW)")
        if marked.shape != out.shape:
            raise ValueError(f"marked must have the output's shape {out.shape}, "
                             f"got {marked.shape}")

    fill = -np.inf if mode == "max" else 0.0
    padded = np.pad(x.astype(float), ((ph, ph), (pw, pw)), constant_values=fill)
    is_pad = np.ones(padded.shape, dtype=bool)
    is_pad[ph:ph + H, pw:pw + W] = False
    taps = np.zeros(padded.shape, dtype=bool)
    target = np.zeros(out.shape, dtype=bool)
    if position is not None:
        i, j = position
        taps[i * sh:i * sh + kh, j * sw:j * sw + kw] = True
        target[i, j] = True

    widths = [W + 2 * pw, OW]
    fig = Figure(figsize=(max(6.5, _CELL_INCH * sum(widths) + 1.6),
                          _CELL_INCH * max(H + 2 * ph, OH) + 2.2), layout="constrained")
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=widths)
    draw_grid(ax_in, padded, "input", highlight=taps, padded=is_pad, origin=(-ph, -pw),
              fmt=fmt, title="input x" + (", padded" if ph or pw else ""))
    draw_grid(ax_out, out, "output", highlight=target, fmt=fmt, title=f"output y: {_NAMES[mode]}")

    for i in range(OH):
        for j in range(OW):
            inset = 0.07 + 0.08 * ((i + j) % 2)  # neighbours that overlap stay apart
            ax_in.add_patch(Rectangle((j * sw + inset, i * sh + inset), kw - 2 * inset,
                                      kh - 2 * inset, facecolor="none", linestyle="--",
                                      edgecolor=PALETTE["window"], linewidth=1.1, gid="window",
                                      zorder=4))
    winners = pool_winners(x, (kh, kw), (sh, sw), (ph, pw)) if mode == "max" else None
    if winners is not None:
        for r, c in sorted({tuple(w) for w in winners.reshape(-1, 2).tolist()}):
            ax_in.add_patch(Circle((c + pw + 0.8, r + ph + 0.2), 0.11, gid="winner", zorder=5,
                                   facecolor=PALETTE["output"], edgecolor="black", linewidth=0.5))
    if marked is not None:
        for i, j in zip(*np.nonzero(marked)):
            ax_out.add_patch(Rectangle((j, i), 1, 1, facecolor="none", hatch="xx", linewidth=0,
                                       edgecolor=to_rgba(PALETTE["window"], 0.55), gid="marked",
                                       zorder=2.5))

    handles = [Patch(facecolor=to_rgba(PALETTE["input"], 0.6), edgecolor="0.35", label="input x"),
               Patch(facecolor=to_rgba(PALETTE["output"], 0.6), edgecolor="0.35", label="output y"),
               Patch(facecolor="none", edgecolor=PALETTE["window"], linestyle="--",
                     label=f"window {kh}x{kw}")]
    if position is not None:
        handles.append(Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5,
                             label="current window"))
    if winners is not None:
        handles.append(Patch(facecolor=PALETTE["output"], edgecolor="black",
                             label="a window's max"))
    if ph or pw:
        handles.append(Patch(facecolor=to_rgba(PALETTE["padding"], 0.22),
                             edgecolor=PALETTE["padding"], hatch="///",
                             label="padding: -inf" if mode == "max" else "padding: 0"))
    if marked is not None:
        handles.append(Patch(facecolor="none", edgecolor=PALETTE["window"], hatch="xx",
                             label=marked_label))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 4),
               frameon=False, fontsize=9)

    caption = (f"{_NAMES[mode]}, window {(kh, kw)}, stride {(sh, sw)}, padding {(ph, pw)}: "
               f"input {H}x{W} -> output {OH}x{OW}")
    if position is not None:
        i, j = position
        window = padded[i * sh:i * sh + kh, j * sw:j * sw + kw]
        winner = winners[i, j] if winners is not None else None
        caption += "\n" + _caption_for(window, mode, i, j, out[i, j], fmt, winner)
    fig.supxlabel(caption, fontsize=10)
    return fig


def _shift_pair(feature, shift):
    """The map seen through a fixed frame, before and after its content moves by ``shift``."""
    dy, dx = as_pair(shift, "shift", minimum=0)
    H, W = feature.shape
    if dy >= H or dx >= W:
        raise ValueError(f"shift must be smaller than the map {H}x{W} on each axis, "
                         f"got {shift!r}")
    before = feature[dy:, dx:]
    after = feature[:H - dy, :W - dx]  # after[r + dy, c + dx] == before[r, c]
    return before, after, (dy, dx)


def _agreement(before, after, where):
    """The share of positions equal before and after; "active" skips those zero in both."""
    same = before == after
    if where == "active":
        active = (before != 0) | (after != 0)
        return float(np.mean(same[active])) if active.any() else 1.0
    return float(np.mean(same))


def shift_agreement(feature, kernel_size, stride=None, shift=(0, 1), mode="max", *,
                    where="all"):
    """How much of a feature map, and of its pooled map, stays equal when the content moves.

    The map is seen through a fixed frame; its content then moves ``shift = (dy, dx)``
    pixels down and right (the frame is cropped so that no value is invented).  The
    fractions count the positions whose value is exactly the same before and after.

    Parameters
    ----------
    feature : array_like, shape (H, W)
        A feature map, e.g. a rectified edge map of a photograph.
    kernel_size, stride : int or pair of int
        The pooling window and step (``stride=None`` means the window size), no padding.
    shift : int or pair of int, default (0, 1)
        ``(dy, dx)``, each at least 0 and smaller than the map.
    mode : {"max", "avg", "l2"}, default "max"
        The pooling.
    where : {"all", "active"}, default "all"
        Which positions are counted: all of them, or only the *active* ones, whose value
        is nonzero before or after the shift.  In a rectified map (after a ReLU) many
        positions are zero before and after, equal for a reason that has nothing to do
        with pooling; "active" leaves them out.

    Returns
    -------
    raw : float
        The fraction of the feature map's (active) positions whose value did not change.
    pooled : float
        The fraction of the pooled map's (active) outputs that did not change.  A map
        with no active position gives 1.0.

    Raises
    ------
    TypeError, ValueError
        If ``feature`` is not a 2-D real array, ``shift`` is out of range, or as
        :func:`autograder.reference.pool2d`.

    See Also
    --------
    show_shift_invariance : Draws where the changes are.

    Notes
    -----
    With ``before = f[dy:, dx:]`` and ``after = f[:H - dy, :W - dx]`` (so that
    ``after[r + dy, c + dx] == before[r, c]``):
    ``raw = mean(before == after)`` and
    ``pooled = mean(pool(before) == pool(after))``, the means taken over the active
    positions only with ``where="active"``.

    Examples
    --------
    A single bright pixel moves one column right, inside its 2x2 window:

    >>> f = np.zeros((4, 5)); f[1, 1] = 1.0
    >>> shift_agreement(f, 2)
    (0.875, 1.0)

    Only two positions of the map are active (the pixel before and after), and both
    changed; one pooled output is active, and it did not change:

    >>> shift_agreement(f, 2, where="active")
    (0.0, 1.0)
    """
    feature = _feature_map(feature, "feature")
    before, after, _ = _shift_pair(feature, shift)
    where = check_choice(where, "where", ("all", "active"))
    pooled_before = _pooled(before, kernel_size, stride, 0, mode)[0]
    pooled_after = _pooled(after, kernel_size, stride, 0, mode)[0]
    return _agreement(before, after, where), _agreement(pooled_before, pooled_after, where)


def show_shift_invariance(feature, kernel_size, stride=None, shift=(0, 1), mode="max", *,
                          where="all"):
    """Draw which values of a feature map, and of its pooled map, a small shift changes.

    Three panels: the feature map; the positions of the map whose value changes when its
    content moves by ``shift``; the same for the pooled map.  Changed positions are
    vermillion, unchanged ones green (:data:`autograder.viz.PALETTE`'s window and
    output colours); with ``where="active"`` positions that are zero before and after
    are white and left out of the fractions the titles give.

    Parameters
    ----------
    feature : array_like, shape (H, W)
        The feature map.
    kernel_size, stride, shift, mode, where
        As in :func:`shift_agreement`.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes, each with one image: the map before the shift, the changed mask of
        the map, the changed mask of the pooled map (1 where changed, 0 where unchanged,
        masked where inactive).

    Raises
    ------
    TypeError, ValueError
        As :func:`shift_agreement`.

    See Also
    --------
    shift_agreement : The fractions in the titles.

    Notes
    -----
    The masks are ``before != after`` and ``pool(before) != pool(after)``, with
    ``before`` and ``after`` as in :func:`shift_agreement`.

    Examples
    --------
    >>> f = np.zeros((4, 5)); f[1, 1] = 1.0
    >>> fig = show_shift_invariance(f, 2)
    >>> [ax.get_title() for ax in fig.axes]
    ['input: feature map', 'feature map:\\n88% unchanged', 'after 2x2 max pooling:\\n100% unchanged']
    >>> fig = show_shift_invariance(f, 2, where="active")
    >>> fig.axes[1].get_title()
    'feature map:\\n0% of active positions unchanged'
    """
    feature = _feature_map(feature, "feature")
    before, after, (dy, dx) = _shift_pair(feature, shift)
    mode = check_choice(mode, "mode", _MODES)
    where = check_choice(where, "where", ("all", "active"))
    pooled_before, (kh, kw), (sh, sw), _ = _pooled(before, kernel_size, stride, 0, mode)
    pooled_after = _pooled(after, kernel_size, stride, 0, mode)[0]

    changes = ListedColormap([PALETTE["output"], PALETTE["window"]]).with_extremes(bad="white")
    fig = Figure(figsize=(10.0, 3.9), layout="constrained")
    axes = fig.subplots(1, 3)
    axes[0].imshow(before, cmap="gray")
    axes[0].set_title("input: feature map", fontsize=10)  # one line: the others have two
    name = {"max": "max", "avg": "average", "l2": "L2"}[mode]
    of = " of active positions" if where == "active" else ""
    for ax, a, b, label in ((axes[1], before, after, "feature map"),
                            (axes[2], pooled_before, pooled_after,
                             f"after {kh}x{kw} {name} pooling")):
        mask = (a != b).astype(float)
        if where == "active":
            mask = np.ma.masked_where((a == 0) & (b == 0), mask)
        ax.imshow(mask, cmap=changes, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{label}:\n{_agreement(a, b, where):.0%}{of} unchanged", fontsize=10)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    handles = [Patch(facecolor=PALETTE["output"], label="unchanged by the shift"),
               Patch(facecolor=PALETTE["window"], label="changed")]
    if where == "active":
        handles.append(Patch(facecolor="white", edgecolor="0.35", label="zero before and after"))
    fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), frameon=False,
               fontsize=9)
    fig.supxlabel(f"content moved by {dy} row(s) down and {dx} column(s) right; "
                  f"pooling window {kh}x{kw}, stride {(sh, sw)}", fontsize=10)
    return fig
