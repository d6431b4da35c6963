"""Explorer for lecture 06: which upstream gradients reach one input pixel, and with which taps."""

from __future__ import annotations

import ipywidgets
import numpy as np

from autograder._validation import as_int
from autograder.viz.backprop import show_full_correlation
from autograder.widgets import Explorer

__all__ = ["InputGradientExplorer"]


class InputGradientExplorer(Explorer):
    """Slide the flipped kernel over the upstream gradient and watch one entry of ``dx``.

    A fixed 3x3 upstream gradient ``dout`` and a fixed kernel, both small integers from a
    seeded generator, go back through a layer of the chosen kernel size and stride.  The
    figure is :func:`autograder.viz.backprop.show_full_correlation` for the chosen entry
    ``dx[row, col]``; the text says how many of the forward pass's outputs read that
    input pixel, which is how many real gradient values the flipped kernel meets there.

    Parameters
    ----------
    seed : int, default 0
        Seed of the generator that makes ``dout`` and the kernel.

    Attributes
    ----------
    dout : numpy.ndarray, shape (3, 3)
        The upstream gradient.
    weights : numpy.ndarray, shape (4, 4)
        The kernel of size ``k`` is ``weights[:k, :k]``.

    Raises
    ------
    TypeError
        If ``seed`` is not an int.
    ValueError
        If ``seed`` is negative.

    See Also
    --------
    autograder.reference.conv2d_backward : The input gradient of a whole layer.

    Notes
    -----
    With stride :math:`S` and a :math:`k \\times k` kernel, output :math:`(i, j)` read the
    input pixels :math:`iS \\le r < iS + k`, :math:`jS \\le c < jS + k`, so pixel
    :math:`(r, c)` gets one term of ``dx`` from each such output, and ``dx`` has side
    :math:`2S + k` for a 3x3 ``dout``.

    Examples
    --------
    >>> ex = InputGradientExplorer()
    >>> ex.set(kernel_size=2, stride=2, row=1, col=1).text.split(" (dx")[0]
    'dx[1, 1] = 4: pixel (1, 1) was read by 1 of the 9 outputs'
    >>> ex.set(row=9).ok
    False
    """

    def __init__(self, seed=0):
        seed = as_int(seed, "seed", minimum=0)
        rng = np.random.default_rng(seed)
        self.dout = rng.integers(-3, 4, size=(3, 3)).astype(float)
        self.weights = rng.integers(-2, 3, size=(4, 4)).astype(float)
        slider = dict(continuous_update=False)
        super().__init__({
            "kernel_size": ipywidgets.IntSlider(value=3, min=1, max=4, description="kernel",
                                                **slider),
            "stride": ipywidgets.IntSlider(value=1, min=1, max=3, description="stride", **slider),
            "row": ipywidgets.IntSlider(value=2, min=0, max=9, description="dx row", **slider),
            "col": ipywidgets.IntSlider(value=2, min=0, max=9, description="dx column",
                                        **slider),
        })

    def draw(self, kernel_size, stride, row, col):
        """Return the full-correlation figure for ``dx[row, col]`` and a line on it."""
        k, s = kernel_size, stride
        figure = show_full_correlation(self.dout, self.weights[:k, :k], (row, col), stride=s)
        side = 2 * s + k
        readers = sum(1 for i in range(3) for j in range(3)
                      if i * s <= row < i * s + k and j * s <= col < j * s + k)
        value = figure.axes[2].texts[row * side + col].get_text()
        text = (f"dx[{row}, {col}] = {value}: pixel ({row}, {col}) was read by {readers} of the "
                f"9 outputs (dx is {side}x{side}, kernel {k}x{k}, stride {s})")
        return figure, text
