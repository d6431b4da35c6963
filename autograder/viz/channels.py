"""Figures for lecture 02: a whole layer at once, every input channel, every filter, every output map.

:func:`show_filter_bank` draws a convolutional layer the way the CS231n convolution demo
lays one out: a column with the input's channels, one column per filter (its channels,
as deep as the input, and its bias below them) and a column with the output maps, one per
filter.  One output value is explained: its window is highlighted in every input channel,
the filter that makes it in every one of its channels, and the caption adds the sums of
the channels one by one and then the bias.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from autograder._validation import as_array, as_pair
from autograder.reference.layers import conv_output_size, pad2d
from autograder.viz import (_CELL_INCH, _STRONG, _TINT, MAX_GRID_SIDE, MAX_INPUT_CHANNELS,
                            PALETTE, _check_fmt, _position, draw_grid)

__all__ = ["MAX_FILTERS", "channel_sums", "show_filter_bank"]

#: Most filters :func:`show_filter_bank` draws side by side.
MAX_FILTERS = 4

_BIAS_ROW = 1.6   # height of a row of biases, in cells


def channel_sums(x, w, position, *, stride=1, padding=0):
    """What each input channel adds to one output value of a convolutional layer (bias not included).

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        The layer's input.
    w : array_like, shape (C_out, C_in, kH, kW)
        The layer's filters.
    position : tuple of int
        ``(n, o, i, j)``: the output value, image ``n``, filter ``o``, row ``i``,
        column ``j``.
    stride, padding : int or pair of int, default 1 and 0
        As in :func:`autograder.reference.conv2d` (``padding`` zeros on each side).

    Returns
    -------
    numpy.ndarray, shape (C_in,)
        Entry ``c`` is the sum of the window of channel ``c`` times channel ``c`` of
        filter ``o``; their total plus ``b[o]`` is ``out[n, o, i, j]``.

    Raises
    ------
    TypeError
        If an array is not numeric or a setting is not an int or a pair.
    ValueError
        If the shapes do not fit together or ``position`` is outside the output.

    See Also
    --------
    autograder.reference.conv2d : The whole layer.
    torch.nn.functional.conv2d : PyTorch's layer, with the same layout.

    Notes
    -----
    .. math:: s_c = \\sum_{u, v} x_{\\mathrm{pad}}[n, c, i S_h + u, j S_w + v]\\,
              w[o, c, u, v], \\qquad
              \\mathrm{out}[n, o, i, j] = b[o] + \\sum_c s_c.

    Examples
    --------
    >>> x = np.ones((1, 3, 4, 4)) * np.array([1.0, 2.0, 3.0])[:, None, None]
    >>> w = np.ones((2, 3, 3, 3))
    >>> channel_sums(x, w, (0, 1, 0, 1))
    array([ 9., 18., 27.])
    """
    x, w, (sh, sw), (ph, pw), out_shape = _check_layer(x, w, stride, padding)
    n, o, i, j = _position(position, out_shape)
    kH, kW = w.shape[2:]
    window = pad2d(x[n], (ph, pw))[:, i * sh:i * sh + kH, j * sw:j * sw + kW]
    return (window.astype(np.float64) * w[o]).sum(axis=(1, 2))


def _check_layer(x, w, stride, padding):
    """Check a layer's input, filters and settings; return them with the output's shape."""
    x = as_array(x, "x", ndim=4, shape_hint="(N, C_in, H, W)")
    w = as_array(w, "w", ndim=4, shape_hint="(C_out, C_in, kH, kW)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w must have C_in = x.shape[1] = {x.shape[1]} channels on axis 1 "
                         f"(a filter is as deep as the input), got w.shape {w.shape}")
    stride = as_pair(stride, "stride", minimum=1)
    padding = as_pair(padding, "padding", minimum=0)
    H_out, W_out = conv_output_size(x.shape[2:], w.shape[2:], stride, padding,
                                    allow_remainder=True)
    return x, w, stride, padding, (x.shape[0], w.shape[0], H_out, W_out)


def _term(value, fmt):
    """A number for a sum in a caption: negative ones in brackets."""
    text = fmt.format(value + 0.0)   # + 0.0 turns -0.0 into 0.0
    return f"({text})" if value < 0 else text


def show_filter_bank(x, w, out, position=(0, 0, 0, 0), *, b=None, stride=1, padding=0,
                     fmt="{:.3g}"):
    """Draw a whole convolutional layer: input channels, every filter with its bias, every output map.

    Columns, left to right: the channels of image ``n`` stacked top to bottom (zero
    padded if ``padding`` is set); one column per filter ``o`` with its ``C_in`` channels
    and, under them, its bias; the output maps ``out[n, o]``, one per filter.  For
    ``position = (n, o, i, j)`` the window read in every input channel, the filter ``o``
    and the output cell are highlighted, and the caption gives ``out[n, o, i, j]`` as
    the sum over channels of each channel's sum, plus the bias.

    Parameters
    ----------
    x : array_like, shape (N, C_in, H, W)
        The layer's input.
    w : array_like, shape (C_out, C_in, kH, kW)
        The filters, as deep as the input.
    out : array_like, shape (N, C_out, H_out, W_out)
        The layer's output, e.g. ``conv2d(x, w, b, stride, padding)``.
    position : tuple of int, default (0, 0, 0, 0)
        ``(n, o, i, j)``: the output value to explain.
    b : array_like, shape (C_out,), optional
        The biases ``out`` was computed with, one per filter; None for none.
    stride, padding : int or pair of int, default 1 and 0
        As in :func:`autograder.reference.conv2d`.
    fmt : str, default "{:.3g}"
        ``str.format`` pattern for the numbers.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes, in order: the ``C_in`` input channels; for each filter its ``C_in``
        channels and (with ``b``) its bias as a 1x1 grid; the ``C_out`` output maps.
        ``fig.legends[0]`` names input, filter, output and the current window.

    Raises
    ------
    TypeError
        If an array is not numeric or a setting has the wrong type.
    ValueError
        If the shapes do not fit together as a layer with these settings (a filter whose
        depth is not the input's, a bias per filter missing), ``position`` is outside
        ``out``, there are more than :data:`autograder.viz.MAX_INPUT_CHANNELS` channels
        or :data:`MAX_FILTERS` filters, a side over :data:`autograder.viz.MAX_GRID_SIDE`,
        or ``out[position]`` is not what ``x``, ``w`` and ``b`` give.

    See Also
    --------
    autograder.viz.show_conv_step : One filter at a time, channels side by side.
    channel_sums : The numbers in the caption.
    torch.nn.Conv2d : The layer drawn.

    Notes
    -----
    .. math:: \\mathrm{out}[n, o, i, j] = b[o] + \\sum_{c=0}^{C_\\mathrm{in} - 1}
              \\sum_{u, v} x_{\\mathrm{pad}}[n, c, i S_h + u, j S_w + v]\\, w[o, c, u, v]

    No flip: the layer computes a cross-correlation.

    Examples
    --------
    >>> from autograder.reference import conv2d
    >>> x = np.arange(2 * 3 * 3.0).reshape(1, 2, 3, 3)
    >>> w = np.ones((2, 2, 2, 2)); w[1] = -1
    >>> b = np.array([0.5, 1.0])
    >>> fig = show_filter_bank(x, w, conv2d(x, w, b), (0, 1, 1, 0), b=b)
    >>> [ax.get_title() for ax in fig.axes]  # doctest: +NORMALIZE_WHITESPACE
    ['input x[0, 0]', 'input x[0, 1]', 'filter w[0, 0]', 'filter w[0, 1]', 'bias b[0]',
     'filter w[1, 0]', 'filter w[1, 1]', 'bias b[1]', 'output out[0, 0]', 'output out[0, 1]']
    >>> print(fig.get_supxlabel())
    out[0, 1, 1, 0] = (-20) (channel 0) + (-56) (channel 1) + 1 (bias b[1]) = -75
    """
    x, w, (sh, sw), (ph, pw), out_shape = _check_layer(x, w, stride, padding)
    out = as_array(out, "out", ndim=4, shape_hint="(N, C_out, H_out, W_out)")
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    if C_in > MAX_INPUT_CHANNELS or C_out > MAX_FILTERS:
        raise ValueError(f"show_filter_bank draws at most {MAX_INPUT_CHANNELS} input channels "
                         f"and {MAX_FILTERS} filters, got C_in = {C_in}, C_out = {C_out}")
    if max(H + 2 * ph, W + 2 * pw, kH, kW) > MAX_GRID_SIDE:
        raise ValueError(f"the padded input is {H + 2 * ph}x{W + 2 * pw}; show_filter_bank "
                         f"draws sides up to {MAX_GRID_SIDE}")
    if out.shape != out_shape:
        raise ValueError(f"out must have shape (N, C_out, H_out, W_out) = {out_shape} for x "
                         f"{x.shape}, w {w.shape}, stride {(sh, sw)}, padding {(ph, pw)}; "
                         f"got {out.shape}")
    if b is not None:
        b = as_array(b, "b", ndim=1, shape_hint="(C_out,)")
        if b.shape != (C_out,):
            raise ValueError(f"b must have one bias per filter, shape (C_out,) = ({C_out},), "
                             f"got {b.shape}")
    fmt = _check_fmt(fmt)
    n, o, i, j = _position(position, out.shape)
    sums = channel_sums(x, w, (n, o, i, j), stride=(sh, sw), padding=(ph, pw))
    bias = float(b[o]) if b is not None else 0.0
    value = float(out[n, o, i, j])
    scale = max(1.0, float(np.abs(sums).sum()) + abs(bias))
    if not np.isclose(value, sums.sum() + bias, rtol=1e-5, atol=1e-6 * scale):
        raise ValueError(f"out[{n}, {o}, {i}, {j}] is {value:g}, but the channel sums plus the "
                         f"bias give {sums.sum() + bias:g}: pass the x, w and b that out was "
                         f"computed with, and the same stride and padding")

    xp = pad2d(x[n], (ph, pw))
    is_pad = np.ones(xp.shape[1:], dtype=bool)
    is_pad[ph:ph + H, pw:pw + W] = False
    window = np.zeros(xp.shape[1:], dtype=bool)
    window[i * sh:i * sh + kH, j * sw:j * sw + kW] = True
    target = np.zeros(out.shape[2:], dtype=bool)
    target[i, j] = True

    rows = max(C_in + (b is not None), C_out)
    widths = [W + 2 * pw] + [kW] * C_out + [out.shape[3]]
    tallest = max(H + 2 * ph, kH, out.shape[2])
    # a row holding only the biases needs room for one cell, not for a whole grid
    heights = [tallest if r < max(C_in, C_out) else _BIAS_ROW for r in range(rows)]
    fig = Figure(figsize=(max(6.5, _CELL_INCH * sum(widths) + 0.9 * len(widths)),
                          _CELL_INCH * sum(heights) + 0.5 * rows + 1.4), layout="constrained")
    grid = fig.add_gridspec(rows, len(widths), width_ratios=widths, height_ratios=heights)
    suffix = ", padded" if ph or pw else ""
    for c in range(C_in):
        draw_grid(fig.add_subplot(grid[c, 0]), xp[c], "input", highlight=window, padded=is_pad,
                  origin=(-ph, -pw), fmt=fmt, title=f"input x[{n}, {c}]{suffix}")
    for f in range(C_out):
        every = np.full((kH, kW), f == o)
        for c in range(C_in):
            draw_grid(fig.add_subplot(grid[c, 1 + f]), w[f, c], "kernel", highlight=every,
                      fmt=fmt, title=f"filter w[{f}, {c}]")
        if b is not None:
            ax = fig.add_subplot(grid[C_in, 1 + f])
            draw_grid(ax, [[b[f]]], "kernel", highlight=[[f == o]], fmt=fmt,
                      title=f"bias b[{f}]")
            # one cell the size of a filter's cell, not stretched over the filter's width
            ax.set_xlim(-(kW - 1) / 2, (kW + 1) / 2)
            ax.set_ylim((1 + _BIAS_ROW) / 2, (1 - _BIAS_ROW) / 2)
            ax.set_xticks([])
            ax.set_yticks([])
    for f in range(C_out):
        draw_grid(fig.add_subplot(grid[f, -1]), out[n, f], "output",
                  highlight=target if f == o else None, fmt=fmt, title=f"output out[{n}, {f}]")

    handles = [Patch(facecolor=to_rgba(PALETTE[role], _STRONG), edgecolor="0.35", label=label)
               for role, label in (("input", "input x"), ("kernel", "filters w and biases b"),
                                   ("output", "output out"))]
    handles.append(Patch(facecolor="none", edgecolor=PALETTE["window"], linewidth=2.5,
                         label="current window and filter"))
    if ph or pw:
        handles.append(Patch(facecolor=to_rgba(PALETTE["padding"], _TINT),
                             edgecolor=PALETTE["padding"], hatch="///", label="zero padding"))
    fig.legend(handles=handles, loc="outside upper center", ncols=len(handles),
               frameon=False, fontsize=9)
    terms = " + ".join(f"{_term(s, fmt)} (channel {c})" for c, s in enumerate(sums))
    if b is not None:
        terms += f" + {_term(bias, fmt)} (bias b[{o}])"
    fig.supxlabel(f"out[{n}, {o}, {i}, {j}] = {terms} = {fmt.format(value)}", fontsize=10)
    return fig
