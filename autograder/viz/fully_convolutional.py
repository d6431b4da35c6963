"""Figures for lecture 07: 1x1 convolutions, fully connected layers as convolutions.

* :func:`show_channel_mixing` draws a 1x1 convolution as what it is: one small matrix
  applied to the vector of channels at every pixel.
* :func:`show_head_volumes` draws a classifier head (VGG's 7x7x512 -> 4096 -> 4096 -> 1000)
  twice, as fully connected layers and as the convolutions they equal, with the number of
  parameters of each layer.
* :func:`show_score_map` draws a fully convolutional head slid over a feature map larger
  than the one it was made for: one window of the feature map and the score it gives.
* :func:`show_counts` compares counts (parameters, multiply-accumulates) as labelled bars.
* :func:`show_transposed_step` draws one input pixel of a transposed convolution stamping
  its scaled kernel onto the output.

Like every figure of the course, each is drawn on a :class:`matplotlib.figure.Figure`
(never through pyplot), in the colours of :data:`autograder.viz.PALETTE`, and returned.
"""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Polygon, Rectangle

from autograder._validation import as_array, as_int, as_pair
from autograder.reference.layers import conv_output_size
from autograder.reference.structure import conv_params
from autograder.viz import (MAX_GRID_SIDE, MAX_INPUT_CHANNELS, PALETTE, _CELL_INCH, _STRONG,
                            _TINT, _check_fmt, draw_grid)

__all__ = ["show_channel_mixing", "show_head_volumes", "show_score_map", "show_counts",
           "show_transposed_step"]


def _legend(fig, entries, ncols=None):
    """A legend above the axes: (role, label) pairs; "window" is an outline, "corner" a dot."""
    handles = []
    for role, label in entries:
        if role == "corner":
            handles.append(Line2D([], [], marker="o", linestyle="none", markersize=4,
                                  color=PALETTE["window"], label=label))
        elif role == "window":
            handles.append(Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5,
                                 label=label))
        else:
            handles.append(Patch(facecolor=to_rgba(PALETTE[role], _STRONG), edgecolor="0.35",
                                 label=label))
    fig.legend(handles=handles, loc="outside upper center", ncols=ncols or len(handles),
               frameon=False, fontsize=9)


def _pixel(value, name, shape):
    """Check ``value`` as an index ``(i, j)`` into a grid of ``shape``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (i, j) of ints, got {value!r}")
    index = []
    for k, (v, size) in enumerate(zip(value, shape)):
        v = as_int(v, f"{name}[{k}]", minimum=0)
        if v >= size:
            raise ValueError(f"{name}[{k}] must be < {size}, got {v}")
        index.append(v)
    return tuple(index)


def _vector_text(v, fmt):
    return "[" + ", ".join(fmt.format(a) for a in v) + "]"


# ------------------------------------------------------------------------ channel mixing

def show_channel_mixing(x, w, pixel, *, fmt="{:.3g}"):
    """Draw a 1x1 convolution as one matrix multiplying the channel vector at each pixel.

    One row of panels: every input channel with pixel ``(i, j)`` highlighted, the
    ``C_out x C_in`` matrix of the 1x1 kernels, and every output channel with the same
    pixel highlighted.  The caption writes out ``out[:, i, j] = W @ x[:, i, j]``.

    Parameters
    ----------
    x : array_like, shape (C_in, H, W)
        One input image.
    w : array_like, shape (C_out, C_in, 1, 1) or (C_out, C_in)
        The layer's 1x1 kernels, or the matrix they form.
    pixel : pair of int
        The pixel ``(i, j)`` to explain.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        ``C_in + 1 + C_out`` axes: the input channels, the matrix, the output channels;
        ``fig.legends[0]`` names the roles.

    Raises
    ------
    TypeError
        If an array is not numeric, ``pixel`` is not a pair of ints or ``fmt`` is not a
        string.
    ValueError
        If the shapes do not fit (``w`` not 1x1, channels that differ), there are more
        than :data:`~autograder.viz.MAX_INPUT_CHANNELS` input or output channels, a side
        exceeds :data:`~autograder.viz.MAX_GRID_SIDE`, or ``pixel`` is outside ``x``.

    See Also
    --------
    autograder.reference.conv2d : The layer, with ``w`` of shape (C_out, C_in, 1, 1).
    torch.nn.Conv2d : PyTorch's layer with ``kernel_size=1``.

    Notes
    -----
    With :math:`W = w[:, :, 0, 0]`, a 1x1 convolution (no bias) computes, at every pixel,

    .. math:: \\mathrm{out}[:, i, j] = W\\, x[:, i, j],

    the same matrix everywhere, so the spatial size is unchanged and only the channels mix.

    Examples
    --------
    >>> x = np.arange(8.0).reshape(2, 2, 2)
    >>> fig = show_channel_mixing(x, [[1, 1], [1, -1]], (0, 1))
    >>> [ax.get_title() for ax in fig.axes]
    ['input x[0]', 'input x[1]', 'W = w[:, :, 0, 0]', 'output out[0]', 'output out[1]']
    >>> print(fig.get_supxlabel())
    out[:, 0, 1] = W @ x[:, 0, 1] = W @ [1, 5] = [6, -4]
    """
    x = as_array(x, "x", ndim=3, shape_hint="(C_in, H, W)")
    w = as_array(w, "w", ndim=(2, 4), shape_hint="(C_out, C_in, 1, 1) or (C_out, C_in)")
    if w.ndim == 4:
        if w.shape[2:] != (1, 1):
            raise ValueError(f"w must hold 1x1 kernels, shape (C_out, C_in, 1, 1), got {w.shape}")
        w = w[:, :, 0, 0]
    C_in, H, W = x.shape
    C_out = w.shape[0]
    if w.shape[1] != C_in:
        raise ValueError(f"w must have C_in = x.shape[0] = {C_in} columns, got w of shape "
                         f"{w.shape}")
    if max(C_in, C_out) > MAX_INPUT_CHANNELS:
        raise ValueError(f"x has {C_in} channels and w makes {C_out}; show_channel_mixing "
                         f"draws at most {MAX_INPUT_CHANNELS} of each")
    if max(H, W) > MAX_GRID_SIDE:
        raise ValueError(f"x is {H}x{W}; grids with a side over {MAX_GRID_SIDE} are too large "
                         f"to label")
    i, j = _pixel(pixel, "pixel", (H, W))
    fmt = _check_fmt(fmt)

    out = np.einsum("oc,chw->ohw", w.astype(np.float64), x.astype(np.float64)) + 0.0
    here = np.zeros((H, W), dtype=bool)
    here[i, j] = True
    widths = [W] * C_in + [C_in] + [W] * C_out
    fig = Figure(figsize=(max(6.5, _CELL_INCH * sum(widths) + 0.6 * len(widths)),
                          _CELL_INCH * max(H, C_out) + 2.0), layout="constrained")
    axes = fig.subplots(1, len(widths), width_ratios=widths, squeeze=False)[0]
    for c in range(C_in):
        draw_grid(axes[c], x[c], "input", highlight=here, fmt=fmt, title=f"input x[{c}]")
    draw_grid(axes[C_in], w, "kernel", fmt=fmt, title="W = w[:, :, 0, 0]")
    axes[C_in].set_xlabel("C_in", fontsize=8)
    axes[C_in].set_ylabel("C_out", fontsize=8)
    for o in range(C_out):
        draw_grid(axes[C_in + 1 + o], out[o], "output", highlight=here, fmt=fmt,
                  title=f"output out[{o}]")
    _legend(fig, [("input", "input x"), ("kernel", "1x1 kernels as a matrix W"),
                  ("output", "output out"), ("window", "the pixel (i, j)")])
    fig.supxlabel(f"out[:, {i}, {j}] = W @ x[:, {i}, {j}] = W @ "
                  f"{_vector_text(x[:, i, j], fmt)} = {_vector_text(out[:, i, j], fmt)}",
                  fontsize=10)
    return fig


# --------------------------------------------------------------------------- head volumes

def _grouped(n):
    return f"{n:,}"


def _box(ax, x0, y0, width, height, skew, colour, gid):
    """A cuboid in oblique projection: front face, top face and right face."""
    dx, dy = 0.6 * skew, 0.45 * skew
    faces = [
        [(x0, y0), (x0 + width, y0), (x0 + width, y0 + height), (x0, y0 + height)],
        [(x0, y0 + height), (x0 + width, y0 + height), (x0 + width + dx, y0 + height + dy),
         (x0 + dx, y0 + height + dy)],
        [(x0 + width, y0), (x0 + width + dx, y0 + dy), (x0 + width + dx, y0 + height + dy),
         (x0 + width, y0 + height)],
    ]
    for alpha, face in zip((0.35, 0.55, 0.75), faces):
        ax.add_patch(Polygon(face, closed=True, facecolor=to_rgba(colour, alpha),
                             edgecolor="0.3", linewidth=0.8, gid=gid))
    return x0 + width + dx


def _arrow(ax, x0, x1, y, label):
    ax.add_patch(FancyArrowPatch((x0, y), (x1, y), arrowstyle="-|>", mutation_scale=12,
                                 color="0.25", linewidth=1.0, gid="arrow"))
    ax.text((x0 + x1) / 2, y + 0.15, label, ha="center", va="bottom", fontsize=8)


def show_head_volumes(input_shape=(512, 7, 7), widths=(4096, 4096, 1000)):
    """Draw a classifier head as fully connected layers (top) and as convolutions (bottom).

    The top row flattens the feature volume into a vector and applies one fully connected
    layer per entry of ``widths``.  The bottom row applies the convolutions that
    :func:`~autograder.reference.fc_to_conv` turns them into: a kernel as large as the
    volume for the first layer, 1x1 kernels after it; ``K`` (the number of filters) is the
    number of units.  Each arrow is labelled with the layer and its parameter count, which
    is the same in both rows.  The drawn sizes grow with the logarithm of the channel count,
    so that 512 and 4096 channels fit on one figure.

    Parameters
    ----------
    input_shape : tuple of int, default (512, 7, 7)
        ``(C, H, W)`` of the feature volume the head reads (VGG-16's last pooling output).
    widths : sequence of int, default (4096, 4096, 1000)
        The number of units of each fully connected layer, first to last.

    Returns
    -------
    matplotlib.figure.Figure
        One axes.  Its texts hold the shape of every volume (``"7×7×512"``,
        ``"1×1×4096"``, ...), the length of every vector and one label per layer;
        ``fig.legends[0]`` names input, layers and output.

    Raises
    ------
    TypeError
        If a size is not an int.
    ValueError
        If a size is below 1, ``input_shape`` does not have three entries or ``widths``
        is empty or longer than 5.

    See Also
    --------
    autograder.reference.fc_to_conv : The conversion drawn.
    autograder.reference.conv_params : The parameter counts in the labels.

    Notes
    -----
    A fully connected layer from :math:`n` to :math:`m` units has :math:`n m + m`
    parameters.  The first one reads :math:`n = C H W` numbers; as a convolution it has
    :math:`K = m` kernels of size :math:`C \\times H \\times W`, which is the same count.

    Examples
    --------
    >>> fig = show_head_volumes((8, 7, 7), (16, 16, 10))
    >>> texts = [t.get_text() for t in fig.axes[0].texts]
    >>> "7×7×8" in texts and "1×1×16" in texts and "1×1×10" in texts
    True
    >>> [t for t in texts if t.startswith("conv")]
    ['conv 7×7, K=16\\n6,288 parameters', 'conv 1×1, K=16\\n272 parameters', \
'conv 1×1, K=10\\n170 parameters']
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be a tuple (C, H, W), got {input_shape!r}")
    C, H, W = (as_int(v, f"input_shape[{k}]", minimum=1) for k, v in enumerate(input_shape))
    if isinstance(widths, numbers.Integral) or not hasattr(widths, "__len__") \
            or not 1 <= len(widths) <= 5:
        raise ValueError(f"widths must be a sequence of 1 to 5 layer sizes, got {widths!r}")
    widths = [as_int(m, f"widths[{k}]", minimum=1) for k, m in enumerate(widths)]

    def depth(channels):      # drawn width of a volume
        return 0.2 + 0.1 * np.log2(channels)

    def length(n):            # drawn height of a vector
        return 0.3 + 0.13 * np.log2(n)

    def side(n):              # drawn height of a spatial side
        return 0.3 + 0.44 * (n - 1) ** 0.5

    fig = Figure(figsize=(11.0, 5.8), layout="constrained")
    ax = fig.add_subplot()
    step, top, bottom = 3.3, 3.7, 0.5
    ax.text(-0.2, top + 2.45, "as fully connected layers", fontsize=10, weight="bold")
    ax.text(-0.2, bottom + 2.4, "as convolutions (fully convolutional)", fontsize=10,
            weight="bold")

    # both rows start from the same volume
    for y in (top, bottom):
        end = _box(ax, 0.0, y, depth(C), side(H), side(W), PALETTE["input"], "volume")
        ax.text(end / 2, y - 0.3, f"{H}×{W}×{C}", ha="center", va="top", fontsize=9)
    flat_x = end + 0.7
    centres = [flat_x + 0.2 + (k + 1) * step for k in range(len(widths))]

    # top row: flatten, then one vector per layer
    _arrow(ax, end + 0.1, flat_x - 0.1, top + 0.4, "flatten")
    sizes = [C * H * W] + widths
    lefts = [flat_x] + [c - 0.125 for c in centres]
    for k, (n, x0) in enumerate(zip(sizes, lefts)):
        colour = PALETTE["input"] if k == 0 else (
            PALETTE["output"] if k == len(sizes) - 1 else PALETTE["kernel"])
        ax.add_patch(Rectangle((x0, top), 0.25, length(n), facecolor=to_rgba(colour, 0.55),
                               edgecolor="0.3", gid="vector"))
        ax.text(x0 + 0.125, top - 0.3, _grouped(n), ha="center", va="top", fontsize=9)
        if k:
            count = conv_params(sizes[k - 1], n, 1)
            _arrow(ax, lefts[k - 1] + 0.35, x0 - 0.1, top + 0.4,
                   f"FC {_grouped(sizes[k - 1])}→{_grouped(n)}\n{_grouped(count)} parameters")

    # bottom row: the convolutions they become
    previous_end, channels, kernel = end, C, (H, W)
    for k, (m, centre) in enumerate(zip(widths, centres)):
        width = depth(m)
        x0 = centre - (width + 0.6 * side(1)) / 2
        count = conv_params(channels, m, kernel)
        _arrow(ax, previous_end + 0.1, x0 - 0.1, bottom + 0.4,
               f"conv {kernel[0]}×{kernel[1]}, K={m}\n{_grouped(count)} parameters")
        colour = PALETTE["output"] if k == len(widths) - 1 else PALETTE["kernel"]
        previous_end = _box(ax, x0, bottom, width, side(1), side(1), colour, "volume")
        ax.text(centre, bottom - 0.3, f"1×1×{m}", ha="center", va="top", fontsize=9)
        channels, kernel = m, (1, 1)

    ax.set_xlim(-0.3, centres[-1] + 1.2)
    ax.set_ylim(-0.2, top + 2.8)
    ax.set_aspect("equal")
    ax.axis("off")
    _legend(fig, [("input", "input: feature volume"), ("kernel", "hidden layers (ReLU after)"),
                  ("output", "output: class scores")])
    fig.supxlabel("Same layers, same parameters: a fully connected layer reading an H×W×C "
                  "volume is a convolution with K kernels of size H×W×C; later ones are 1×1 "
                  "convolutions.", fontsize=9)
    return fig


# ------------------------------------------------------------------------------ score map

def show_score_map(feature_shape, window, scores, position, *, channel=0, stride=1,
                   fmt="{:.3g}"):
    """Draw a fully convolutional head slid over a feature map: one window, one score.

    Left, the feature map's ``H x W`` positions with the window that output ``(i, j)``
    reads highlighted and the corners of all other windows marked; right, the score map of
    class ``channel`` with ``(i, j)`` highlighted.

    Parameters
    ----------
    feature_shape : pair of int
        ``(H, W)`` of the feature map the head slides over.
    window : int or pair of int
        The size the head was made for (its first kernel), e.g. 7 for VGG.
    scores : array_like, shape (n_classes, OH, OW)
        The score map the converted head produced.
    position : pair of int
        The output ``(i, j)`` to explain.
    channel : int, default 0
        The class whose map is drawn.
    stride : int or pair of int, default 1
        How far apart neighbouring windows start, in feature-map pixels.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the scores.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the feature map (cells with ``gid`` ``"cell"``, the window's cells with
        ``"highlight"``, window corners with ``"corner"``) and the score map drawn by
        :func:`~autograder.viz.draw_grid`.

    Raises
    ------
    TypeError
        If a size or index is not an int, or ``scores`` is not numeric.
    ValueError
        If ``scores`` does not have the shape the window and stride give on
        ``feature_shape``, ``channel`` or ``position`` is outside it, or a side exceeds
        :data:`~autograder.viz.MAX_GRID_SIDE`.

    See Also
    --------
    autograder.reference.fc_to_conv : Makes the head fully convolutional.
    autograder.reference.conv_output_size : The score map's size.

    Notes
    -----
    With window :math:`k` and stride :math:`S`, the map has
    :math:`\\lfloor (H - k) / S \\rfloor + 1` rows, and score ``(i, j)`` is the original
    head applied to the crop of rows :math:`iS \\ldots iS + k - 1` and columns
    :math:`jS \\ldots jS + k - 1`.

    Examples
    --------
    >>> scores = np.arange(18.0).reshape(2, 3, 3)
    >>> fig = show_score_map((9, 9), 7, scores, (1, 2), channel=1)
    >>> [ax.get_title() for ax in fig.axes]
    ['feature map, 9×9 positions', 'class 1 scores, 3×3']
    >>> print(fig.get_supxlabel())
    scores[1, 1, 2] = the head applied to the 7×7 crop at rows 1–7, columns 2–8 = 14
    """
    H, W = as_pair(feature_shape, "feature_shape", minimum=1)
    kh, kw = as_pair(window, "window", minimum=1)
    sh, sw = as_pair(stride, "stride", minimum=1)
    if kh > H or kw > W:
        raise ValueError(f"window {(kh, kw)} must fit in feature_shape {(H, W)}")
    if max(H, W) > MAX_GRID_SIDE:
        raise ValueError(f"feature_shape {(H, W)} has a side over {MAX_GRID_SIDE}; too large "
                         f"to draw cell by cell")
    scores = as_array(scores, "scores", ndim=3, shape_hint="(n_classes, OH, OW)")
    OH, OW = conv_output_size((H, W), (kh, kw), (sh, sw), allow_remainder=True)
    if scores.shape[1:] != (OH, OW):
        raise ValueError(f"scores must have shape (n_classes, {OH}, {OW}) for a {kh}×{kw} "
                         f"window with stride {(sh, sw)} on {H}×{W}, got {scores.shape}")
    channel = as_int(channel, "channel", minimum=0)
    if channel >= scores.shape[0]:
        raise ValueError(f"channel must be < {scores.shape[0]} (scores.shape[0]), got {channel}")
    i, j = _pixel(position, "position", (OH, OW))
    fmt = _check_fmt(fmt)

    r0, c0 = i * sh, j * sw
    fig = Figure(figsize=(max(6.5, _CELL_INCH * (W + OW) + 2.5), _CELL_INCH * H + 2.2),
                 layout="constrained")
    ax_f, ax_s = fig.subplots(1, 2, width_ratios=[W, max(OW, 4)])
    for r in range(H):
        for c in range(W):
            ax_f.add_patch(Rectangle((c, r), 1, 1, facecolor=to_rgba(PALETTE["input"], _TINT),
                                     edgecolor="0.35", linewidth=0.8, gid="cell"))
            if r0 <= r < r0 + kh and c0 <= c < c0 + kw:
                ax_f.add_patch(Rectangle((c, r), 1, 1,
                                         facecolor=to_rgba(PALETTE["input"], _STRONG),
                                         edgecolor="none", gid="highlight", zorder=2))
    ax_f.add_patch(Rectangle((c0, r0), kw, kh, facecolor="none", edgecolor=PALETTE["window"],
                             linewidth=2.5, gid="window", zorder=3))
    for a in range(OH):
        for b in range(OW):   # where every other window starts
            ax_f.plot(b * sw + 0.5, a * sh + 0.5, marker="o", markersize=4,
                      color=PALETTE["window"], gid="corner", zorder=4)
    ax_f.set_xlim(0, W)
    ax_f.set_ylim(H, 0)
    ax_f.set_aspect("equal")
    ax_f.set_xticks(np.arange(W) + 0.5, range(W), fontsize=7)
    ax_f.set_yticks(np.arange(H) + 0.5, range(H), fontsize=7)
    ax_f.tick_params(length=0)
    for spine in ax_f.spines.values():
        spine.set_visible(False)
    ax_f.set_title(f"feature map, {H}×{W} positions", fontsize=10, color=PALETTE["input"],
                   pad=14)
    target = np.zeros((OH, OW), dtype=bool)
    target[i, j] = True
    draw_grid(ax_s, scores[channel], "output", highlight=target, fmt=fmt,
              title=f"class {channel} scores, {OH}×{OW}")
    _legend(fig, [("input", "feature map (input)"), ("window", "window of output (i, j)"),
                  ("corner", "where each window starts"), ("output", "class scores (output)")],
            ncols=2)
    fig.supxlabel(f"scores[{channel}, {i}, {j}] = the head applied to the {kh}×{kw} crop at "
                  f"rows {r0}–{r0 + kh - 1}, columns {c0}–{c0 + kw - 1} = "
                  f"{fmt.format(scores[channel, i, j])}", fontsize=10)
    return fig


# --------------------------------------------------------------------------------- counts

def show_counts(counts, *, title, caption):
    """Compare named counts (parameters, multiply-accumulates) as horizontal bars.

    Parameters
    ----------
    counts : dict of str to int
        Label -> count, drawn top to bottom in this order, each bar labelled with its
        count and its share of the largest one.
    title : str
        What is counted, e.g. ``"parameters"``.
    caption : str
        A sentence under the figure saying what the options are.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one bar per entry (``gid`` ``"bar"``), in the ``kernel`` colour of
        :data:`~autograder.viz.PALETTE`.

    Raises
    ------
    TypeError
        If ``counts`` is not a dict of str to non-negative numbers, or ``title`` or
        ``caption`` is not a string.
    ValueError
        If ``counts`` is empty or a count is negative.

    See Also
    --------
    matplotlib.axes.Axes.barh : Draws the bars.

    Notes
    -----
    The share printed after each count is :math:`n / \\max_k n_k`.

    Examples
    --------
    >>> fig = show_counts({"full 3x3": 900, "separable": 130}, title="weights",
    ...                   caption="a toy layer")
    >>> [round(p.get_width()) for p in fig.axes[0].patches if p.get_gid() == "bar"]
    [900, 130]
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['900 (100%)', '130 (14.4%)']
    """
    if not isinstance(counts, dict) or not counts:
        raise TypeError(f"counts must be a non-empty dict of label -> count, got {counts!r}")
    for name, text in (("title", title), ("caption", caption)):
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a string, got {text!r}")
    labels, values = [], []
    for label, value in counts.items():
        if not isinstance(label, str):
            raise TypeError(f"counts keys must be strings, got {label!r}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"counts[{label!r}] must be a number, got {value!r}")
        if value < 0:
            raise ValueError(f"counts[{label!r}] must be >= 0, got {value}")
        labels.append(label)
        values.append(value)
    largest = max(values) or 1

    fig = Figure(figsize=(8.0, 0.55 * len(values) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(values))
    for row, value in zip(rows, values):
        ax.add_patch(Rectangle((0, row - 0.35), value, 0.7, gid="bar",
                               facecolor=to_rgba(PALETTE["kernel"], _STRONG), edgecolor="0.3"))
        share = 100 * value / largest
        ax.text(value + largest * 0.01, row, f"{value:,} ({share:.3g}%)", va="center",
                fontsize=9)
    ax.set_xlim(0, largest * 1.3)
    ax.set_ylim(len(values) - 0.5, -0.5)
    ax.set_yticks(rows, labels, fontsize=9)
    ax.set_xticks([])   # every bar carries its number; an axis in units of 1e8 says less
    ax.set_title(title, fontsize=10)
    for spine in ("top", "right", "bottom"):
        ax.spines[spine].set_visible(False)
    fig.supxlabel(caption, fontsize=9)
    return fig


# ------------------------------------------------------------------------ transposed conv

def show_transposed_step(x, w, out, pixel, *, stride=1, padding=0, fmt="{:.3g}"):
    """Draw one input pixel of a transposed convolution stamping its scaled kernel.

    Three panels: the input with pixel ``(i, j)`` highlighted, the kernel, and the output
    with the cells that pixel writes to highlighted (the kernel scaled by ``x[i, j]`` is
    added there; overlapping stamps add up).

    Parameters
    ----------
    x : array_like, shape (H, W)
        One channel of the transposed convolution's input.
    w : array_like, shape (kH, kW)
        The kernel.
    out : array_like, shape (H_out, W_out)
        ``conv_transpose2d(x[None, None], w[None, None], stride=stride,
        padding=padding)[0, 0]``.
    pixel : pair of int
        The input pixel ``(i, j)`` to explain.
    stride, padding : int or pair of int
        As in :func:`~autograder.reference.conv_transpose2d`.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes (input, kernel, output) drawn by :func:`~autograder.viz.draw_grid`.

    Raises
    ------
    TypeError
        If an array is not numeric or a setting is not an int or pair.
    ValueError
        If an array is not 2-D, ``out`` does not have the transposed convolution's size,
        a side exceeds :data:`~autograder.viz.MAX_GRID_SIDE` or ``pixel`` is outside ``x``.

    See Also
    --------
    autograder.reference.conv_transpose2d : Computes ``out``.
    torch.nn.functional.conv_transpose2d : PyTorch's layer.

    Notes
    -----
    Input pixel :math:`(i, j)` adds :math:`x[i, j]\\, w[u, v]` to output
    :math:`(i S + u - P,\\ j S + v - P)` for every tap; the output has
    :math:`(I - 1) S - 2P + K` rows.

    Examples
    --------
    >>> from autograder.reference import conv_transpose2d
    >>> x, w = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, -1.0]])
    >>> out = conv_transpose2d(x[None, None], w[None, None], stride=2)[0, 0]
    >>> fig = show_transposed_step(x, w, out, (0, 1), stride=2)
    >>> sorted((int(p.get_y()), int(p.get_x())) for p in fig.axes[2].patches
    ...        if p.get_gid() == "highlight")
    [(0, 2), (0, 3), (1, 2), (1, 3)]
    >>> print(fig.get_supxlabel())
    x[0, 1] = 2 times the kernel is added at rows 0–1, columns 2–3 of the output (stride 2)
    """
    x = as_array(x, "x", ndim=2, shape_hint="(H, W)")
    w = as_array(w, "w", ndim=2, shape_hint="(kH, kW)")
    out = as_array(out, "out", ndim=2, shape_hint="(H_out, W_out)")
    sh, sw = as_pair(stride, "stride", minimum=1)
    ph, pw = as_pair(padding, "padding", minimum=0)
    fmt = _check_fmt(fmt)
    (H, W), (kh, kw) = x.shape, w.shape
    expected = ((H - 1) * sh - 2 * ph + kh, (W - 1) * sw - 2 * pw + kw)
    if out.shape != expected:
        raise ValueError(f"out must have shape (H_out, W_out) = {expected} for x {x.shape}, "
                         f"w {w.shape}, stride {(sh, sw)}, padding {(ph, pw)}; got {out.shape}")
    if max(*out.shape, H, W, kh, kw) > MAX_GRID_SIDE:
        raise ValueError(f"sides up to {MAX_GRID_SIDE} can be drawn; out is {out.shape}")
    i, j = _pixel(pixel, "pixel", (H, W))

    source = np.zeros((H, W), dtype=bool)
    source[i, j] = True
    stamp = np.zeros(out.shape, dtype=bool)
    rows = np.arange(kh) + i * sh - ph
    cols = np.arange(kw) + j * sw - pw
    rows, cols = rows[(rows >= 0) & (rows < out.shape[0])], cols[(cols >= 0) & (cols < out.shape[1])]
    stamp[rows[:, None], cols[None, :]] = True

    widths = [W, kw, out.shape[1]]
    fig = Figure(figsize=(max(6.5, _CELL_INCH * sum(widths) + 2.0),
                          _CELL_INCH * max(H, kh, out.shape[0]) + 2.0), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=widths)
    draw_grid(axes[0], x, "input", highlight=source, fmt=fmt, title="input x")
    draw_grid(axes[1], w, "kernel", fmt=fmt, title="kernel w")
    draw_grid(axes[2], out, "output", highlight=stamp, fmt=fmt, title="output (transposed conv)")
    _legend(fig, [("input", "input x"), ("kernel", "kernel w"), ("output", "output"),
                  ("window", "this pixel and its stamp")])
    where = (f"rows {rows.min()}–{rows.max()}, columns {cols.min()}–{cols.max()}"
             if rows.size and cols.size else "no cell (cropped by the padding)")
    fig.supxlabel(f"x[{i}, {j}] = {fmt.format(x[i, j])} times the kernel is added at {where} "
                  f"of the output (stride {sh if sh == sw else (sh, sw)})", fontsize=10)
    return fig
