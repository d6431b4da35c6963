"""autograder.viz.animation: one frame per output position, each frame showing that position's window, checked by brute force."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from matplotlib.animation import FuncAnimation
from matplotlib.colors import to_rgba

from autograder.reference import conv_transpose2d
from autograder.viz import PALETTE
from autograder.viz.animation import MAX_FRAMES, animate_conv


def brute_axis(length, kernel, stride, dilation):
    """Per output index along one axis, the padded-grid cells its taps read, found by trying every start."""
    return [[s + dilation * u for u in range(kernel)] for s in range(length)
            if s % stride == 0 and s + dilation * (kernel - 1) < length]


def brute_frames(size, kernel, stride, padding, dilation):
    """Every window as a sorted list of (row, col) grid cells, in row-major output order."""
    rows = brute_axis(size[0] + 2 * padding, kernel[0], stride, dilation)
    cols = brute_axis(size[1] + 2 * padding, kernel[1], stride, dilation)
    return [sorted(itertools.product(r, c)) for r, c in itertools.product(rows, cols)], len(cols)


def frame_cells(anim):
    """(row, col) of the kernel-window rectangles as currently drawn."""
    return sorted((int(t.get_xy()[1]), int(t.get_xy()[0])) for t in anim.taps)


CASES = {
    "5x5 input, 3x3 kernel": ((5, 5), (3, 3), 1, 0, 1),
    "1x1 kernel": ((3, 3), (1, 1), 1, 0, 1),
    "kernel as large as the input, stride 2": ((4, 4), (4, 4), 2, 0, 1),
    "even kernel": ((4, 4), (2, 2), 1, 0, 1),
    "non-square input and kernel": ((3, 6), (2, 3), 1, 1, 1),
    "stride that does not divide": ((6, 6), (3, 3), 2, 0, 1),
    "padding and stride": ((5, 5), (3, 3), 2, 1, 1),
    "dilation 2": ((6, 5), (2, 2), 1, 0, 2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_frame_per_output_position_showing_its_window(name):
    """The animation has as many frames as brute-force window positions, and frame k highlights exactly window k."""
    size, kernel, stride, padding, dilation = CASES[name]
    anim = animate_conv(size, kernel, padding=padding, stride=stride, dilation=dilation)
    windows, n_cols = brute_frames(size, kernel, stride, padding, dilation)
    assert isinstance(anim, FuncAnimation)
    assert len(list(anim.new_frame_seq())) == len(windows)
    done = to_rgba(PALETTE["output"], 0.75)
    for k, window in enumerate(windows):
        anim.show_frame(k)
        assert frame_cells(anim) == window
        current = [p for p in anim.figure.axes[1].patches if p.get_gid() == "current"][0]
        assert tuple(current.get_xy()) == (k % n_cols, k // n_cols)
        filled = [n for n, c in enumerate(anim.output_cells) if c.get_facecolor() == done]
        assert filled == list(range(k + 1))


def test_padding_cells_are_drawn_around_the_input():
    """With padding 1 on a 3x4 input, the grid holds 12 input cells and a ring of 18 padding cells."""
    anim = animate_conv((3, 4), 3, padding=1)
    ax = anim.figure.axes[0]
    counts = {c.get_gid(): len(c.get_paths()) for c in ax.collections}
    assert counts == {"input": 12, "padding": 18}


@pytest.mark.parametrize("size, K, S, P, D", [(2, 3, 2, 0, 1), (3, 3, 2, 1, 1), (2, 2, 1, 0, 1),
                                              (3, 2, 3, 1, 1), (2, 2, 2, 0, 2)])
def test_transposed_frames_cover_the_inputs_that_reach_each_output(size, K, S, P, D):
    """For a transposed convolution, frame k's window covers exactly the input cells conv_transpose2d adds into output k."""
    anim = animate_conv(size, K, padding=P, stride=S, dilation=D, transposed=True)
    a = anim.arithmetic
    Ho, Wo = conv_transpose2d(np.zeros((1, 1, size, size)), np.ones((1, 1, K, K)), stride=S,
                              padding=P, dilation=D).shape[2:]
    assert len(list(anim.new_frame_seq())) == Ho * Wo
    # oracle: stamp each input cell alone and see which outputs it reaches
    reaches = {}
    for r, c in itertools.product(range(size), repeat=2):
        x = np.zeros((1, 1, size, size))
        x[0, 0, r, c] = 1.0
        out = conv_transpose2d(x, np.ones((1, 1, K, K)), stride=S, padding=P, dilation=D)[0, 0]
        for i, j in zip(*np.nonzero(out)):
            reaches.setdefault((int(i), int(j)), set()).add((r, c))
    grid_rows, grid_cols = np.nonzero(a.is_input)
    where = {(int(gr), int(gc)): divmod(n, size) for n, (gr, gc) in
             enumerate(zip(grid_rows, grid_cols))}
    for k in range(Ho * Wo):
        anim.show_frame(k)
        covered = {where[cell] for cell in frame_cells(anim) if cell in where}
        assert covered == reaches.get(divmod(k, Wo), set())


def test_legend_names_input_kernel_and_output():
    """The figure's legend names the input, the padding, the kernel window and the output (and inserted zeros when transposed)."""
    labels = [t.get_text() for t in animate_conv(4, 2).figure.legends[0].get_texts()]
    assert labels == ["input", "padding (zeros)", "kernel window", "output"]
    labels = [t.get_text() for t in
              animate_conv(2, 2, stride=2, transposed=True).figure.legends[0].get_texts()]
    assert "inserted zeros" in labels


def test_to_jshtml_embeds_every_frame_without_pyplot():
    """to_jshtml writes one image per output position, and nothing is left registered in pyplot."""
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    html = animate_conv(3, 2).to_jshtml()
    assert len(set(re.findall(r"frames\[(\d+)\]", html))) == 4
    assert plt.get_fignums() == before


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(interval=0), ValueError, "interval"),
    (dict(interval="fast"), ValueError, "interval"),
    (dict(stride=0), ValueError, "stride"),
    (dict(padding=30), ValueError, "sides up to"),
    (dict(transposed="yes"), TypeError, "transposed"),
])
def test_bad_arguments_raise(kwargs, error, match):
    """Bad settings raise an error naming the parameter or the limit."""
    with pytest.raises(error, match=match):
        animate_conv(5, 3, **kwargs)


def test_frame_limits():
    """Asking for too many frames, or a frame past the last, is refused."""
    with pytest.raises(ValueError, match=str(MAX_FRAMES)):
        animate_conv(22, 1)
    anim = animate_conv(3, 2)
    with pytest.raises(ValueError, match="k must be < 4"):
        anim.show_frame(4)
