"""Animations of a convolution's window sliding over its input, in the style of Dumoulin & Visin.

:func:`animate_conv` returns a :class:`matplotlib.animation.FuncAnimation` built on a
:class:`matplotlib.figure.Figure` (not pyplot): one frame per output position, the kernel
window moving over the (padded) input while the output fills in.  A notebook shows it
with ``IPython.display.HTML(anim.to_jshtml())``.  Pooling and transposed convolution use
the same function: the geometry comes from :func:`autograder.viz.arithmetic.conv_arithmetic`.
"""

from __future__ import annotations

import numbers

from matplotlib.animation import FuncAnimation
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from autograder._validation import as_int
from autograder.viz import PALETTE
from autograder.viz.arithmetic import (_CELL_INCH, _STRONG, _TINT, _draw_input, _draw_output,
                                       _place_taps, _tap_patches, conv_arithmetic,
                                       legend_handles)

__all__ = ["ConvAnimation", "animate_conv", "MAX_FRAMES"]

#: Most frames (output positions) one animation may have; more would be slow to render.
MAX_FRAMES = 400

#: Largest grid side animated (the padded or zero-inserted input).
MAX_SIDE = 24

_DPI = 60   # small frames: a 5x5-input animation renders in well under a second


class ConvAnimation(FuncAnimation):
    """A :class:`~matplotlib.animation.FuncAnimation` that also keeps its geometry.

    Made by :func:`animate_conv`; not meant to be built directly.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure drawn on: the input grid's axes, then the output's, and a legend.
    arithmetic : autograder.viz.arithmetic.Arithmetic
        The windows the animation shows, frame ``k`` being output position
        ``arithmetic.position(k)``.
    taps : list of matplotlib.patches.Rectangle
        The kernel-window cells on the input axes (``gid == "tap"``), moved every frame.
    output_cells : list of matplotlib.patches.Rectangle
        The output cells in row-major order (``gid == "output"``).
    """

    def show_frame(self, k):
        """Draw frame ``k`` (no file written) and return the artists it changed."""
        k = as_int(k, "k", minimum=0)
        if k >= self.arithmetic.n_positions:
            raise ValueError(f"k must be < {self.arithmetic.n_positions} (the number of "
                             f"frames), got {k}")
        self._draw_was_started = True   # matplotlib's flag: this animation has been drawn
        return self._func(k)


def animate_conv(input_size, kernel_size, *, padding=0, stride=1, dilation=1, transposed=False,
                 interval=600):
    """Animate a convolution's kernel window sliding over its input, one frame per output.

    Frame ``k`` shows the window of output position ``(i, j) = divmod(k, W_out)``:
    the cells it reads on the input (orange, with padding hatched grey) and, on the
    output, every position computed so far, ``(i, j)`` outlined.

    Parameters
    ----------
    input_size, kernel_size : int or pair of int
        ``(H, W)`` of the input and ``(kH, kW)`` of the kernel (or pooling window).
    padding : int, pair of int, or {"valid", "same"}, default 0
        Zeros on each side (``"same"``: stride 1 only, the odd zero bottom/right as in
        PyTorch).  For ``transposed=True``: the ``padding`` of ``conv_transpose2d``.
    stride : int or pair of int, default 1
        Step between windows; for ``transposed=True``, ``stride - 1`` zeros are inserted
        between input cells and the window moves by 1.
    dilation : int or pair of int, default 1
        Spacing between kernel taps; 1 means no dilation.
    transposed : bool, default False
        Animate a transposed convolution as the equivalent direct convolution on the
        zero-inserted, padded input (Dumoulin & Visin, section 4).
    interval : int, default 600
        Milliseconds between frames.

    Returns
    -------
    ConvAnimation
        A :class:`matplotlib.animation.FuncAnimation` with ``H_out * W_out`` frames, on a
        figure whose axes are the input grid then the output grid, with a legend naming
        input, padding, kernel window and output.  ``show_frame(k)`` draws frame ``k``.

    Raises
    ------
    TypeError
        If a setting is not an int or a pair of ints, or ``transposed`` is not a bool.
    ValueError
        If a setting is out of range or the kernel does not fit (see
        :func:`autograder.viz.arithmetic.conv_arithmetic`), the grid has a side over
        :data:`MAX_SIDE`, or there would be more than :data:`MAX_FRAMES` frames.

    See Also
    --------
    autograder.viz.arithmetic.show_arithmetic : One frame as a static figure.
    matplotlib.animation.FuncAnimation : What is returned.

    Notes
    -----
    Output ``(i, j)`` reads grid cells :math:`(iS + uD,\\; jS + vD)` for the taps
    ``(u, v)``; the unpadded input index is :math:`iS + uD - P`.  When the stride does
    not divide :math:`I + 2P - D(K - 1) - 1`, the output is floored as in PyTorch and the
    last rows/columns are never covered.

    Examples
    --------
    >>> anim = animate_conv(5, 3, padding=1, stride=2)
    >>> len(list(anim.new_frame_seq()))
    9
    >>> taps = anim.show_frame(4)
    >>> sorted({tuple(t.get_xy()) for t in anim.taps})[:3]
    [(2, 2), (2, 3), (2, 4)]
    >>> [t.get_text() for t in anim.figure.legends[0].get_texts()]
    ['input', 'padding (zeros)', 'kernel window', 'output']
    """
    if isinstance(interval, bool) or not isinstance(interval, numbers.Real) or interval <= 0:
        raise ValueError(f"interval must be a positive number of milliseconds, got {interval!r}")
    a = conv_arithmetic(input_size, kernel_size, padding=padding, stride=stride,
                        dilation=dilation, transposed=transposed)
    if max(a.grid_shape) > MAX_SIDE:
        raise ValueError(f"the grid is {a.grid_shape[0]}x{a.grid_shape[1]}; animate_conv draws "
                         f"sides up to {MAX_SIDE}: use a smaller input, padding or stride")
    if a.n_positions > MAX_FRAMES:
        raise ValueError(f"{a.n_positions} output positions; animate_conv makes at most "
                         f"{MAX_FRAMES} frames")

    H, W = a.grid_shape
    Ho, Wo = a.output_shape
    fig = Figure(figsize=(max(3.6, _CELL_INCH * (W + Wo) + 1.2), _CELL_INCH * max(H, Ho) + 1.3),
                 dpi=_DPI, layout="constrained")
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[W, max(Wo, 1)])
    _draw_input(ax_in, a)
    taps = _tap_patches(ax_in, a)
    cells = _draw_output(ax_out, a)
    current = Rectangle((0, 0), 1, 1, facecolor="none", edgecolor=PALETTE["window"],
                        linewidth=2.0, gid="current", zorder=3)
    ax_out.add_patch(current)
    fig.legend(handles=legend_handles(a), loc="outside lower center", ncols=3, frameon=False,
               fontsize=8)
    caption = fig.suptitle("", fontsize=9)
    done, todo = to_rgba(PALETTE["output"], _STRONG), to_rgba(PALETTE["output"], _TINT)

    def update(k):
        i, j = a.position(k)
        _place_taps(taps, a, i, j)
        for n, cell in enumerate(cells):
            cell.set_facecolor(done if n <= k else todo)
        current.set_xy((j, i))
        caption.set_text(f"output ({i}, {j}): position {k + 1} of {a.n_positions}")
        return [*taps, *cells, current, caption]

    anim = ConvAnimation(fig, update, frames=a.n_positions, interval=interval, blit=False)
    anim.figure, anim.arithmetic, anim.taps, anim.output_cells = fig, a, taps, cells
    update(0)   # the figure shows the first position before the animation is played
    # lay the figure out once: constrained layout on every frame would double the render time
    fig.draw_without_rendering()
    fig.set_layout_engine(None)
    return anim
