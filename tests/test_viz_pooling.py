"""autograder.viz.pooling: the pooling figures draw the windows, values and maxima a pooling layer
really has, and the shift measurements count what really changes.

The oracle is written here: numpy windows cut with explicit loops (or with numpy's
sliding_window_view), reduced with max, mean or the 2-norm. It never calls the package's pool2d.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from autograder.viz import PALETTE
from autograder.viz.pooling import (pool_winners, shift_agreement, show_pooling,
                                    show_shift_invariance)


def _windows(x, k, s, p, mode):
    """Every pooling window of a 2-D map, cut by loops from the padded map: {(i, j): window}."""
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    fill = -np.inf if mode == "max" else 0.0
    xp = np.full((x.shape[0] + 2 * ph, x.shape[1] + 2 * pw), fill)
    xp[ph:ph + x.shape[0], pw:pw + x.shape[1]] = x
    out = {}
    i = 0
    while i * sh + kh <= xp.shape[0]:
        j = 0
        while j * sw + kw <= xp.shape[1]:
            out[i, j] = xp[i * sh:i * sh + kh, j * sw:j * sw + kw]
            j += 1
        i += 1
    return out


def _oracle(x, k, s, p, mode):
    """The pooled map from the windows: max, mean (padding counted) or square root of the sum of squares."""
    wins = _windows(x, k, s, p, mode)
    rows = 1 + max(i for i, _ in wins)
    cols = 1 + max(j for _, j in wins)
    reduce = {"max": np.max, "avg": np.mean, "l2": lambda w: np.sqrt(np.sum(w * w))}[mode]
    return np.array([[reduce(wins[i, j]) for j in range(cols)] for i in range(rows)])


def _first_max(x, k, s, p):
    """For each window, the input position of its first maximum in row-major order (strictly larger wins)."""
    result = {}
    for (i, j), win in _windows(x, k, s, p, "max").items():
        best, where = -np.inf, None
        for u in range(k[0]):
            for v in range(k[1]):
                if where is None or win[u, v] > best:
                    best, where = win[u, v], (i * s[0] + u - p[0], j * s[1] + v - p[1])
        result[i, j] = where
    return result


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _gid(ax, gid):
    return [patch for patch in ax.patches if patch.get_gid() == gid]


# name: (input shape, kernel, stride, padding)
CASES = {
    "2x2 stride 2, tiles the input": ((4, 6), (2, 2), (2, 2), (0, 0)),
    "1x1 window": ((3, 4), (1, 1), (1, 1), (0, 0)),
    "window as large as the input": ((3, 5), (3, 5), (1, 1), (0, 0)),
    "overlapping 3x3 stride 2 (AlexNet)": ((7, 7), (3, 3), (2, 2), (0, 0)),
    "stride that does not divide": ((5, 7), (2, 2), (2, 2), (0, 0)),
    "non-square window and input": ((4, 7), (2, 3), (1, 2), (0, 0)),
    "padding 1 with 3x3 stride 2": ((5, 6), (3, 3), (2, 2), (1, 1)),
    "even window with padding": ((6, 5), (4, 2), (2, 1), (2, 1)),
}


@pytest.mark.parametrize("mode", ["max", "avg", "l2"])
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_show_pooling_draws_the_oracles_output_and_one_outline_per_window(case, mode, rng):
    """The output grid shows the oracle's pooled values, and each window is outlined at its place in the padded input."""
    shape, k, s, p = case
    x = rng.integers(-5, 10, size=shape)
    want = _oracle(x, k, s, p, mode)
    fig = show_pooling(x, k, s, p, mode, fmt="{:.4f}")
    ax_in, ax_out = fig.axes
    assert _texts(ax_out) == [f"{v:.4f}" for v in want.ravel()]
    outlines = _gid(ax_in, "window")
    assert len(outlines) == want.size
    corners = [(int(round(r.get_y())), int(round(r.get_x()))) for r in outlines]
    assert corners == [(i * s[0], j * s[1]) for i in range(want.shape[0])
                       for j in range(want.shape[1])]
    assert all(r.get_width() < k[1] and r.get_height() < k[0] for r in outlines)
    # the input grid holds the padded map, padding included
    assert len(_texts(ax_in)) == (shape[0] + 2 * p[0]) * (shape[1] + 2 * p[1])


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_max_dots_sit_on_the_first_maximum_of_every_window(case, rng):
    """In max mode the dots mark exactly the cells that are some window's first maximum; other modes draw none."""
    shape, k, s, p = case
    x = rng.integers(0, 4, size=shape)   # few values: many ties
    want = {where for where in _first_max(x, k, s, p).values()}
    fig = show_pooling(x, k, s, p, "max")
    dots = _gid(fig.axes[0], "winner")
    drawn = {(int(d.center[1]) - p[0], int(d.center[0]) - p[1]) for d in dots}
    assert drawn == want and len(dots) == len(want)
    assert not _gid(show_pooling(x, k, s, p, "avg").axes[0], "winner")


@given(st.data())
def test_pool_winners_agrees_with_a_row_major_scan(data):
    """pool_winners gives, for random maps and settings, the first maximum of each window in row-major order."""
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    ph, pw = data.draw(st.integers(0, kh // 2)), data.draw(st.integers(0, kw // 2))
    H = data.draw(st.integers(max(1, kh - 2 * ph), 8))
    W = data.draw(st.integers(max(1, kw - 2 * pw), 8))
    sh, sw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    seed = data.draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).integers(-3, 3, size=(H, W)).astype(float)
    got = pool_winners(x, (kh, kw), (sh, sw), (ph, pw))
    want = _first_max(x, (kh, kw), (sh, sw), (ph, pw))
    assert got.shape[:2] == (1 + max(i for i, _ in want), 1 + max(j for _, j in want))
    for (i, j), where in want.items():
        assert tuple(got[i, j]) == where
        assert x[where] == _oracle(x, (kh, kw), (sh, sw), (ph, pw), "max")[i, j]


def test_pool_winners_breaks_ties_by_the_first_position():
    """A window of equal values reports its top-left cell, the one PyTorch's return_indices reports."""
    assert pool_winners(np.ones((2, 4)), 2).tolist() == [[[0, 0], [0, 2]]]


@pytest.mark.parametrize("mode, expected", [
    ("max", "y[1, 0] = max(0, 1, 6, 0) = 6, from x[3, 0]"),
    ("avg", "y[1, 0] = (0 + 1 + 6 + 0) / 4 = 1.75"),
    ("l2", "y[1, 0] = √(0² + 1² + 6² + 0²) = 6.08"),
])
def test_caption_works_one_window_by_hand(mode, expected):
    """The caption writes out the chosen window's max, mean or 2-norm with the numbers of the hand-worked example."""
    x = np.array([[1, 2, 5, 0], [3, 4, 1, 1], [0, 1, 2, 2], [6, 0, 2, 3]])
    fig = show_pooling(x, 2, mode=mode, position=(1, 0))
    assert fig.get_supxlabel().splitlines()[-1] == expected
    highlighted = _gid(fig.axes[0], "highlight")
    assert sorted((int(r.get_y()), int(r.get_x())) for r in highlighted) == \
        [(2, 0), (2, 1), (3, 0), (3, 1)]
    assert [(int(r.get_y()), int(r.get_x())) for r in _gid(fig.axes[1], "highlight")] == [(1, 0)]


def test_padding_is_hatched_and_named_with_its_value():
    """Padding cells are drawn as padding, showing -inf for max pooling and 0 for average pooling, and the legend says so."""
    x = np.arange(9).reshape(3, 3)
    for mode, value in (("max", "-inf"), ("avg", "0")):
        fig = show_pooling(x, 3, 2, 1, mode)
        pads = _gid(fig.axes[0], "padding")
        assert len(pads) == 5 * 5 - 9
        assert _texts(fig.axes[0])[0] == value
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert f"padding: {value}" in labels


def test_marked_outputs_are_cross_hatched_and_named():
    """The marked output cells, and only those, get a hatched patch, and the legend names them."""
    x = np.arange(16).reshape(4, 4)
    marked = np.array([[True, False], [False, True]])
    fig = show_pooling(x, 2, marked=marked, marked_label="changed by the shift")
    assert sorted((int(r.get_y()), int(r.get_x())) for r in _gid(fig.axes[1], "marked")) == \
        [(0, 0), (1, 1)]
    assert "changed by the shift" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_legend_and_titles_name_input_output_and_windows_in_the_palette():
    """Titles and legend name the input, the output and the window, in the palette's colours."""
    fig = show_pooling(np.arange(16).reshape(4, 4), 2, position=(0, 0))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:4] == ["input x", "output y", "window 2x2", "current window"]
    assert fig.axes[0].title.get_color() == PALETTE["input"]
    assert fig.axes[1].title.get_color() == PALETTE["output"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"x": np.zeros((1, 4, 4))}, ValueError, "x must be a 2-D"),
    ({"mode": "min"}, ValueError, "mode must be one of 'max', 'avg', 'l2'"),
    ({"kernel_size": 5}, ValueError, "kernel_size"),
    ({"padding": 2}, ValueError, "padding must be at most half"),
    ({"position": (2, 0)}, ValueError, "position must index the 2x2 output"),
    ({"position": "a"}, TypeError, "position"),
    ({"marked": np.zeros((3, 3), bool)}, ValueError, "marked must have the output's shape"),
    ({"marked": np.zeros((2, 2))}, TypeError, "marked must have a numeric dtype"),
    ({"fmt": 3}, TypeError, "fmt"),
    ({"marked_label": 3}, TypeError, "marked_label"),
    ({"x": np.zeros((21, 4))}, ValueError, "draws sides up to 20"),
])
def test_show_pooling_refuses_bad_arguments(kwargs, error, match):
    """Each bad argument raises the right error, naming the parameter."""
    args = {"x": np.zeros((4, 4)), "kernel_size": 2, "mode": "max"}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        show_pooling(**args)


# ------------------------------------------------------------------------- shifts

def _pool_windows(x, k, s, mode):
    """Pooling without padding by numpy's sliding_window_view, subsampled by the stride."""
    win = sliding_window_view(x, k)[::s[0], ::s[1]]
    if mode == "max":
        return win.max(axis=(-2, -1))
    if mode == "avg":
        return win.mean(axis=(-2, -1))
    return np.sqrt((win ** 2).sum(axis=(-2, -1)))


def test_one_bright_pixel_moves_inside_or_out_of_its_window():
    """Worked by hand: a peak moving within its 2x2 window leaves max pooling unchanged; crossing a window edge changes two outputs."""
    # 4x6 map, shift right by 1: the frame is 4x5, its 2x2 windows cover columns 0-1 and 2-3.
    f = np.zeros((4, 6))
    f[1, 1] = 1.0   # frame column 0 before the shift, column 1 after: the same window
    assert shift_agreement(f, 2, shift=(0, 1)) == pytest.approx((18 / 20, 1.0))
    f = np.zeros((4, 6))
    f[1, 2] = 1.0   # frame column 1 before, column 2 after: it leaves window 0 for window 1
    assert shift_agreement(f, 2, shift=(0, 1)) == pytest.approx((18 / 20, 2 / 4))
    # shift down by 1: the frame is 3x6, one row of windows (rows 0-1); the peak goes from row 0 to 1
    f = np.zeros((4, 6))
    f[1, 1] = 1.0
    assert shift_agreement(f, 2, shift=(1, 0)) == pytest.approx((16 / 18, 1.0))


def _share_equal(a, b, where):
    """Share of equal positions; with "active", among those nonzero before or after."""
    keep = np.ones(a.shape, bool) if where == "all" else (a != 0) | (b != 0)
    return np.count_nonzero((a == b) & keep) / np.count_nonzero(keep)


@pytest.mark.parametrize("where", ["all", "active"])
@pytest.mark.parametrize("mode", ["max", "avg", "l2"])
@pytest.mark.parametrize("k, s, shift", [(2, 2, (0, 1)), (3, 2, (1, 1)), (1, 1, (0, 2)),
                                         ((2, 3), (2, 1), (2, 0)), (4, 4, 0)])
def test_shift_agreement_counts_like_the_oracle(k, s, shift, mode, where, rng):
    """The fractions equal those computed from cropped frames and sliding windows, on a rectified random map."""
    f = np.maximum(rng.normal(size=(13, 15)), 0)
    raw, pooled = shift_agreement(f, k, s, shift, mode, where=where)
    dy, dx = (shift, shift) if isinstance(shift, int) else shift
    kk = (k, k) if isinstance(k, int) else k
    ss = (s, s) if isinstance(s, int) else s
    before, after = f[dy:, dx:], f[:13 - dy, :15 - dx]
    assert raw == pytest.approx(_share_equal(before, after, where))
    assert pooled == pytest.approx(_share_equal(_pool_windows(before, kk, ss, mode),
                                                _pool_windows(after, kk, ss, mode), where))
    if shift == 0:
        assert (raw, pooled) == (1.0, 1.0)


def test_active_share_of_an_all_zero_map_is_one():
    """A map with no active position has nothing that changed: both fractions are 1."""
    assert shift_agreement(np.zeros((5, 5)), 2, where="active") == (1.0, 1.0)


@pytest.mark.parametrize("where", ["all", "active"])
def test_show_shift_invariance_draws_the_changed_masks(where):
    """The mask images are where the map and the pooled map differ after the shift (inactive cells masked), and the titles give the unchanged shares."""
    f = np.maximum(np.random.default_rng(7).normal(size=(20, 24)), 0)
    fig = show_shift_invariance(f, 3, stride=2, shift=(0, 1), where=where)
    before, after = f[:, 1:], f[:, :-1]
    pb, pa = _pool_windows(before, (3, 3), (2, 2), "max"), _pool_windows(after, (3, 3), (2, 2), "max")
    assert np.array_equal(fig.axes[0].images[0].get_array(), before)
    of = " of active positions" if where == "active" else ""
    for ax, a, b in ((fig.axes[1], before, after), (fig.axes[2], pb, pa)):
        shown = ax.images[0].get_array()
        assert np.array_equal(np.asarray(shown), (a != b).astype(float))
        inactive = (a == 0) & (b == 0)
        assert np.array_equal(np.ma.getmaskarray(shown), inactive if where == "active"
                              else np.zeros_like(inactive))
        assert ax.get_title().endswith(f":\n{_share_equal(a, b, where):.0%}{of} unchanged")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["unchanged by the shift", "changed"]
    assert ("zero before and after" in labels) == (where == "active")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"shift": (0, 30)}, ValueError, "shift must be smaller than the map"),
    ({"shift": -1}, ValueError, "shift must be >= 0"),
    ({"shift": 1.5}, TypeError, "shift"),
    ({"feature": np.zeros(5)}, ValueError, "feature must be a 2-D"),
    ({"mode": "median"}, ValueError, "mode must be one of"),
    ({"kernel_size": 0}, ValueError, "kernel_size must be >= 1"),
    ({"where": "nonzero"}, ValueError, "where must be one of 'all', 'active'"),
])
def test_shift_functions_refuse_bad_arguments(kwargs, error, match):
    """shift_agreement and show_shift_invariance raise the same errors, naming the parameter."""
    args = {"feature": np.zeros((6, 6)), "kernel_size": 2}
    args.update(kwargs)
    for function in (shift_agreement, show_shift_invariance):
        with pytest.raises(error, match=match):
            function(**args)


def test_figures_stay_out_of_pyplot_and_render_headless(tmp_path):
    """The figures are not registered with pyplot and render to PNG with the Agg canvas."""
    before = plt.get_fignums()
    figs = [show_pooling(np.arange(25).reshape(5, 5), 3, 2, 1, position=(1, 1)),
            show_shift_invariance(np.eye(8), 2)]
    assert plt.get_fignums() == before
    for n, fig in enumerate(figs):
        fig.savefig(tmp_path / f"{n}.png", dpi=40)
        assert (tmp_path / f"{n}.png").stat().st_size > 0
