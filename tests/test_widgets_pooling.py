"""autograder.widgets.pooling: the pooling explorer shows the output size, the pooled values and the
outputs a shift changes, as an oracle written here computes them, and reports settings it cannot draw.

The oracle cuts the frames out of the scene by index arithmetic and pools them with explicit
loops over window positions; it never calls the package's pool2d.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from traitlets import TraitError

from autograder.widgets.pooling import PoolingExplorer


def _count_positions(size, k, s, p):
    """How many window starts fit: 0, s, 2s, ... while the window stays inside the padded input."""
    return sum(1 for start in range(0, size + 2 * p, s) if start + k <= size + 2 * p)


def _pool(x, k, s, p, mode):
    """Pooling by loops over window positions, padding -inf for max and 0 otherwise."""
    fill = -np.inf if mode == "max" else 0.0
    xp = np.full((x.shape[0] + 2 * p, x.shape[1] + 2 * p), fill)
    xp[p:p + x.shape[0], p:p + x.shape[1]] = x
    rows, cols = _count_positions(x.shape[0], k, s, p), _count_positions(x.shape[1], k, s, p)
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            w = xp[i * s:i * s + k, j * s:j * s + k]
            out[i, j] = {"max": w.max(), "avg": w.sum() / (k * k),
                         "l2": np.sqrt((w * w).sum())}[mode]
    return out


def _frame(scene, max_shift, shift):
    """Columns max_shift - shift ... of the scene, as wide as the scene minus max_shift."""
    width = scene.shape[1] - max_shift
    return scene[:, max_shift - shift:max_shift - shift + width]


SETTINGS = {
    "2x2 stride 2, no shift": ("max", 2, 2, 0, 0),
    "2x2 stride 2, shift 1": ("max", 2, 2, 0, 1),
    "2x2 stride 2, shift 2 (one stride)": ("max", 2, 2, 0, 2),
    "1x1 window": ("max", 1, 1, 0, 1),
    "overlapping 3x3 stride 2": ("max", 3, 2, 0, 1),
    "stride that does not divide": ("avg", 3, 3, 0, 3),
    "padding 1": ("l2", 3, 2, 1, 1),
    "padding 2 with a 5x5 window": ("avg", 5, 2, 2, 2),
    "window as large as the input": ("max", 5, 1, 0, 1),
}


@pytest.mark.parametrize("setting", SETTINGS.values(), ids=SETTINGS.keys())
def test_text_and_figure_follow_the_controls(setting):
    """After set(), the text gives the brute-force output size and change count, and the output grid the oracle's values."""
    mode, k, s, p, shift = setting
    scene = np.random.default_rng(11).integers(0, 5, size=(5, 8)).astype(float)
    ex = PoolingExplorer(scene, max_shift=3).set(mode=mode, kernel=k, stride=s, padding=p,
                                                 shift=shift)
    shown, still = _frame(scene, 3, shift), _frame(scene, 3, 0)
    want = _pool(shown, k, s, p, mode)
    rows, cols = _count_positions(5, k, s, p), _count_positions(5, k, s, p)
    assert ex.ok and want.shape == (rows, cols)
    assert f"input 5x5 -> output {rows}x{cols}" in ex.text
    assert np.array_equal(ex.input, shown)
    assert [t.get_text() for t in ex.figure.axes[1].texts] == [f"{v:.3g}" for v in want.ravel()]
    changed = want != _pool(still, k, s, p, mode)
    if shift:
        moved = np.count_nonzero(shown != still)
        assert (f"changed {changed.sum()} of {changed.size} outputs "
                f"(and {moved} of 25 input values)") in ex.text
        hatched = [(int(r.get_y()), int(r.get_x())) for r in ex.figure.axes[1].patches
                   if r.get_gid() == "marked"]
        assert sorted(hatched) == sorted(zip(*map(list, np.nonzero(changed))))
    else:
        assert ex.text.endswith("(no shift)") and not changed.any()


def test_a_peak_inside_its_window_survives_a_shift_and_one_crossing_the_edge_does_not():
    """Worked by hand: one peak in a zero scene; shifting it within its 2x2 window changes no output, across the edge two."""
    scene = np.zeros((4, 7))
    scene[1, 3] = 9.0   # the frame at shift s is scene[:, 3 - s:7 - s]: the peak is at frame column s
    ex = PoolingExplorer(scene, max_shift=3).set(mode="max", kernel=2, stride=2, padding=0)
    assert "changed 0 of 4 outputs (and 2 of 16 input values)" in ex.set(shift=1).text  # column 1
    assert "changed 2 of 4 outputs (and 2 of 16 input values)" in ex.set(shift=2).text  # window 1
    assert np.array_equal(ex.output, [[0, 9], [0, 0]])


def test_default_scene_is_seeded_and_sparse():
    """Two default explorers show the same 8x8 frame, whose whole values 0-9 are zero at many positions."""
    a, b = PoolingExplorer(), PoolingExplorer()
    assert np.array_equal(a.input, b.input) and a.input.shape == (8, 8)
    assert set(np.unique(a.scene)) <= set(range(10)) and 0.3 < np.mean(a.scene == 0) < 0.8


@pytest.mark.parametrize("settings, match", [
    ({"kernel": 2, "padding": 2}, "padding must be at most half"),
    ({"kernel": 5, "padding": 0}, "larger than the padded input"),
])
def test_impossible_settings_are_explained_not_drawn(settings, match):
    """Padding over half the window, or a window larger than the padded input, gives no figure and says why."""
    ex = PoolingExplorer(np.ones((3, 6)), max_shift=2).set(**settings)
    assert not ex.ok and ex.figure is None and ex.output is None
    assert ex.text.startswith("Cannot draw this") and re.search(match, ex.text)
    assert ex.set(kernel=2, padding=0).ok


def test_controls_offer_the_three_poolings_and_refuse_other_values():
    """The mode control lists max, avg and l2 and rejects anything else; the shift slider ends at max_shift."""
    ex = PoolingExplorer(max_shift=2)
    assert list(ex.controls["mode"].options) == ["max", "avg", "l2"]
    assert ex.controls["shift"].max == 2
    with pytest.raises(TraitError):
        ex.set(mode="median")


@pytest.mark.parametrize("args, error, match", [
    ({"x": np.zeros((4, 3)), "max_shift": 3}, ValueError, "more than max_shift = 3 columns"),
    ({"x": np.zeros((4, 4, 4))}, ValueError, "x must be a 2-D"),
    ({"x": "abc"}, TypeError, "x must be a numeric array"),
    ({"max_shift": 0}, ValueError, "max_shift must be >= 1"),
    ({"max_shift": 1.0}, TypeError, "max_shift must be an int"),
    ({"x": np.zeros((21, 25))}, ValueError, "at most 20x20"),
])
def test_bad_arguments_are_refused(args, error, match):
    """A scene that is not a small 2-D array wider than max_shift, or a bad max_shift, raises naming the parameter."""
    with pytest.raises(error, match=match):
        PoolingExplorer(**args)
