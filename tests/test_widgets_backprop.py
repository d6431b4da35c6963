"""autograder.widgets.backprop: the input-gradient explorer shows the dx entry and reader count scipy and brute force give."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.signal
from matplotlib.figure import Figure

from autograder.widgets.backprop import InputGradientExplorer


def _dilate(d, s):
    out = np.zeros(((d.shape[0] - 1) * s + 1, (d.shape[1] - 1) * s + 1))
    out[::s, ::s] = d
    return out


def _readers(k, s, r, c):
    """How many forward windows of a 3x3 output cover input pixel (r, c), by scanning the input each window reads."""
    count = 0
    for i in range(3):
        for j in range(3):
            pixels = {(i * s + u, j * s + v) for u in range(k) for v in range(k)}
            count += (r, c) in pixels
    return count


# name: (kernel_size, stride, row, col)
SETTINGS = {
    "1x1 kernel": (1, 1, 1, 2),
    "3x3 centre, stride 1": (3, 1, 2, 2),
    "3x3 corner": (3, 1, 0, 0),
    "even kernel, stride 2": (2, 2, 1, 1),
    "kernel larger than stride": (3, 2, 2, 4),
    "stride larger than kernel (pixel nobody read)": (1, 3, 1, 1),
    "4x4, stride 3, last pixel": (4, 3, 9, 9),
}


@pytest.mark.parametrize("setting", SETTINGS, ids=list(SETTINGS))
def test_explorer_shows_scipys_dx_and_the_number_of_outputs_that_read_the_pixel(setting):
    """After set(), the dx panel is scipy's full convolution of the dilated dout, and the text gives dx[row, col] and the brute-force reader count."""
    k, s, r, c = SETTINGS[setting]
    ex = InputGradientExplorer(seed=3).set(kernel_size=k, stride=s, row=r, col=c)
    assert ex.ok and isinstance(ex.figure, Figure)
    full = scipy.signal.convolve2d(_dilate(ex.dout, s), ex.weights[:k, :k], mode="full")
    drawn = np.array([float(t.get_text()) for t in ex.figure.axes[2].texts])
    assert drawn == pytest.approx(full.ravel())
    m = re.match(r"dx\[(\d+), (\d+)\] = (\S+): pixel \(\d+, \d+\) was read by (\d+) of the 9",
                 ex.text)
    assert m, ex.text
    assert (int(m[1]), int(m[2])) == (r, c)
    assert float(m[3]) == pytest.approx(full[r, c] + 0.0)
    assert int(m[4]) == _readers(k, s, r, c)
    assert f"dx is {full.shape[0]}x{full.shape[1]}" in ex.text


def test_moving_a_control_changes_figure_and_text():
    """Moving the stride slider redraws: a new figure, and a dx of the new size in the text."""
    ex = InputGradientExplorer()
    before_fig, before_text = ex.figure, ex.text
    ex.controls["stride"].value = 2
    assert ex.figure is not before_fig and ex.text != before_text
    assert "dx is 7x7" in ex.text and "dx is 5x5" in before_text


def test_a_position_outside_dx_is_reported():
    """A row past the end of dx gives no figure and a text naming dx's shape; a valid row restores the figure."""
    ex = InputGradientExplorer().set(kernel_size=1, stride=1, row=5)
    assert not ex.ok and ex.figure is None
    assert ex.text.startswith("Cannot draw this") and "(3, 3)" in ex.text
    assert ex.set(row=2).ok


def test_the_seed_picks_the_data_and_is_checked():
    """Two seeds give different data; a negative or non-integer seed is refused naming seed."""
    assert not np.array_equal(InputGradientExplorer(seed=0).dout,
                              InputGradientExplorer(seed=1).dout)
    with pytest.raises(ValueError, match="seed"):
        InputGradientExplorer(seed=-1)
    with pytest.raises(TypeError, match="seed"):
        InputGradientExplorer(seed=1.5)
