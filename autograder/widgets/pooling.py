"""The pooling explorer: choose a pooling, its window, stride and padding, and shift the input.

Lecture 05 builds one :class:`PoolingExplorer` in a cell guarded by ``NBGRADER_EXECUTION``.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from autograder._validation import as_array, as_int
from autograder.reference.pooling import pool2d
from autograder.viz.pooling import show_pooling
from autograder.widgets import Explorer

__all__ = ["PoolingExplorer"]


class PoolingExplorer(Explorer):
    """Max, average or L2 pooling of a small feature map, and what a shift of it changes.

    Controls: ``mode`` (max, avg, l2), ``kernel`` (window side), ``stride``, ``padding``
    and ``shift``.  The figure is :func:`autograder.viz.pooling.show_pooling` of the
    input with its content moved ``shift`` columns right, with the outputs that differ
    from the unshifted input's cross-hatched.  The text gives the output size and counts
    how many outputs, and how many input values, the shift changed.

    Parameters
    ----------
    x : array_like, shape (H, W + max_shift), optional
        The scene.  The input seen at shift ``s`` is ``x[:, max_shift - s : W_x - s]``
        (``W_x = x.shape[1]``): a frame of width ``W_x - max_shift`` that the content moves
        through, so no value is invented at the border.  Default: an 8x8 frame on a
        seeded map of whole numbers 0 to 9 that are 0 at about half the positions, like a
        rectified feature map.
    max_shift : int, default 3
        The largest shift the ``shift`` slider offers, at least 1.

    Attributes
    ----------
    input, output : numpy.ndarray
        The input drawn (after the shift) and its pooled output; None when the settings
        cannot be drawn.
    changed : numpy.ndarray of bool or None
        Which outputs differ from those of the unshifted input.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not a 2-D real array at most 20 rows high and with more than
        ``max_shift`` columns, or ``max_shift`` is not an int >= 1.

    See Also
    --------
    autograder.viz.pooling.show_pooling : The figure.
    autograder.viz.pooling.shift_agreement : The same shift measured on a large map.

    Notes
    -----
    The output has :math:`\\lfloor (H + 2P - k) / S \\rfloor + 1` rows and likewise columns.
    Settings ``pool2d`` refuses (padding over half the window, a window larger than the
    padded input) are reported in the text instead of drawn.

    Examples
    --------
    >>> ex = PoolingExplorer()
    >>> ex.set(mode="max", kernel=2, stride=2, padding=0, shift=0).text
    'max pooling, window 2x2, stride 2, padding 0: input 8x8 -> output 4x4 (no shift)'
    >>> ex.set(padding=2).ok
    False
    """

    def __init__(self, x=None, max_shift=3):
        max_shift = as_int(max_shift, "max_shift", minimum=1)
        if x is None:
            rng = np.random.default_rng(5)
            shape = (8, 8 + max_shift)
            x = rng.integers(0, 10, size=shape) * (rng.random(shape) < 0.5)
        x = as_array(x, "x", ndim=2, kinds="biuf", shape_hint="(H, W + max_shift)")
        if x.shape[1] <= max_shift or x.shape[0] > 20 or x.shape[1] - max_shift > 20:
            raise ValueError(f"x must have more than max_shift = {max_shift} columns and a "
                             f"frame of at most 20x20, got shape {x.shape}")
        self.scene, self.max_shift = x, max_shift
        self.input = self.output = self.changed = None
        style = {"description_width": "initial"}
        super().__init__({
            "mode": ipywidgets.Dropdown(options=["max", "avg", "l2"], value="max",
                                        description="pooling"),
            "kernel": ipywidgets.IntSlider(value=2, min=1, max=5, description="window",
                                           style=style),
            "stride": ipywidgets.IntSlider(value=2, min=1, max=4, description="stride"),
            "padding": ipywidgets.IntSlider(value=0, min=0, max=2, description="padding"),
            "shift": ipywidgets.IntSlider(value=0, min=0, max=max_shift,
                                          description="shift right", style=style),
        })

    def frame(self, shift):
        """The input seen at ``shift``: the scene's content moved ``shift`` columns right.

        Parameters
        ----------
        shift : int
            0 to ``max_shift``.

        Returns
        -------
        numpy.ndarray, shape (H, W_x - max_shift)
            ``x[:, max_shift - shift : W_x - shift]``, a view of the scene.

        Examples
        --------
        >>> ex = PoolingExplorer(np.arange(8).reshape(2, 4), max_shift=1)
        >>> ex.frame(0).tolist(), ex.frame(1).tolist()
        ([[1, 2, 3], [5, 6, 7]], [[0, 1, 2], [4, 5, 6]])
        """
        width = self.scene.shape[1] - self.max_shift
        start = self.max_shift - shift
        return self.scene[:, start:start + width]

    def draw(self, mode, kernel, stride, padding, shift):
        """Pool the frame at ``shift`` and at 0; return the figure and the line of text."""
        self.input = self.output = self.changed = None
        shown, still = self.frame(shift), self.frame(0)
        out = pool2d(shown[None, None], kernel, stride, padding, mode)[0, 0]
        ref = pool2d(still[None, None], kernel, stride, padding, mode)[0, 0]
        changed = out != ref
        figure = show_pooling(shown, kernel, stride, padding, mode, marked=changed if shift else None,
                              marked_label=f"changed by the shift of {shift}")
        self.input, self.output, self.changed = shown, out, changed
        H, W = shown.shape
        text = (f"{mode} pooling, window {kernel}x{kernel}, stride {stride}, padding {padding}: "
                f"input {H}x{W} -> output {out.shape[0]}x{out.shape[1]}")
        if shift:
            moved = int(np.count_nonzero(shown != still))
            text += (f"; moving the content {shift} column(s) right changed {changed.sum()} of "
                     f"{changed.size} outputs (and {moved} of {shown.size} input values)")
        else:
            text += " (no shift)"
        return figure, text
