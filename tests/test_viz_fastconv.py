"""autograder.viz.fastconv: the im2col figure draws the right matrices, copies and highlights; the timing plot draws what it is given.

The oracles are independent of the package: the column matrix and the copy counts are
built here by enumerating the windows one by one, and the output comes from
scipy.signal.correlate2d, so a figure that agrees with them shows im2col and the
convolution layer as PyTorch defines them.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex

from autograder.viz import PALETTE
from autograder.viz.fastconv import MARKERS, plot_timings, show_im2col


def _windows(x, kh, kw, stride, padding):
    """Brute force: for each window (i, j) in row-major order, the list of (c, r, q) it reads, in tap order (c, u, v)."""
    C, H, W = x.shape
    (sh, sw), (ph, pw) = stride, padding
    ho = (H + 2 * ph - kh) // sh + 1
    wo = (W + 2 * pw - kw) // sw + 1
    windows = []
    for i in range(ho):
        for j in range(wo):
            windows.append([(c, i * sh + u - ph, j * sw + v - pw)
                            for c in range(C) for u in range(kh) for v in range(kw)])
    return windows, (ho, wo)


def _cols(x, windows):
    """The column matrix from the enumerated windows; reads outside the image are zeros."""
    C, H, W = x.shape
    cols = np.zeros((len(windows[0]), len(windows)))
    for col, window in enumerate(windows):
        for row, (c, r, q) in enumerate(window):
            if 0 <= r < H and 0 <= q < W:
                cols[row, col] = x[c, r, q]
    return cols


def _scipy_out(x, w, stride, padding):
    """Each output map, flattened: sum over channels of scipy's valid correlate2d of the zero-padded input, subsampled."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x.astype(float), ((0, 0), (ph, ph), (pw, pw)))
    maps = [sum(scipy.signal.correlate2d(xp[c], w[o, c], mode="valid") for c in range(x.shape[0]))
            for o in range(w.shape[0])]
    return np.array([m[::sh, ::sw].ravel() for m in maps])


def _values(ax):
    """The numbers draw_grid wrote, as a row-major array (the ×n labels are left out)."""
    H = round(abs(ax.get_ylim()[0] - ax.get_ylim()[1]))
    numbers = [float(t.get_text()) for t in ax.texts if t.get_gid() is None]
    return np.array(numbers).reshape(H, -1)


def _highlighted(ax):
    return sorted((int(p.get_y()), int(p.get_x())) for p in ax.patches
                  if p.get_gid() == "highlight")


def _copies(ax):
    """The ×n labels as {(row, col) of the drawn grid: n}."""
    return {(int(t.get_position()[1]), int(t.get_position()[0])): int(t.get_text()[1:])
            for t in ax.texts if t.get_gid() == "copies"}


# name: (x shape (C, H, W), kernel (kH, kW), C_out, stride, padding)
CASES = {
    "3x3 kernel, stride 1, padding 0": ((1, 4, 4), (3, 3), 2, (1, 1), (0, 0)),
    "1x1 kernel": ((1, 3, 4), (1, 1), 1, (1, 1), (0, 0)),
    "kernel as large as the input": ((1, 3, 4), (3, 4), 2, (1, 1), (0, 0)),
    "even kernel, non-square input": ((1, 4, 6), (2, 2), 1, (1, 1), (0, 0)),
    "stride that does not divide": ((1, 5, 5), (2, 2), 1, (2, 2), (0, 0)),
    "padding 1, C=2": ((2, 3, 3), (2, 2), 2, (1, 1), (1, 1)),
    "unequal stride and padding": ((1, 4, 5), (3, 2), 1, (1, 2), (1, 0)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_matrices_and_copy_counts_match_the_enumerated_windows(case, rng):
    """W_row, cols and out hold the flattened kernels, every window as a column and scipy's output, and each input cell is labelled with how many windows read it."""
    shape, (kh, kw), O, stride, padding = case
    x = rng.integers(-4, 5, size=shape)
    w = rng.integers(-2, 3, size=(O, shape[0], kh, kw))
    fig = show_im2col(x, w, stride=stride, padding=padding)
    C = shape[0]
    ax_w, ax_cols, ax_out = fig.axes[C:C + 3]
    windows, _ = _windows(x, kh, kw, stride, padding)
    np.testing.assert_array_equal(_values(ax_w), w.reshape(O, -1))
    np.testing.assert_array_equal(_values(ax_cols), _cols(x, windows))
    np.testing.assert_array_equal(_values(ax_out), _scipy_out(x, w, stride, padding))
    ph, pw = padding
    for c in range(C):
        np.testing.assert_array_equal(_values(fig.axes[c]), np.pad(x[c], ((ph, ph), (pw, pw))))
        expected = {(r + ph, q + pw): sum(win.count((c, r, q)) for win in windows)
                    for r in range(shape[1]) for q in range(shape[2])}
        assert _copies(fig.axes[c]) == expected


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_column_highlights_its_window_its_column_and_its_outputs(case, rng):
    """column=k highlights the input cells window k reads (in padded coordinates), column k of cols and column k of out."""
    shape, (kh, kw), O, stride, padding = case
    x = rng.integers(0, 5, size=shape)
    w = rng.integers(-2, 3, size=(O, shape[0], kh, kw))
    windows, _ = _windows(x, kh, kw, stride, padding)
    k = len(windows) - 1   # the last window: where a stride that does not divide stops
    fig = show_im2col(x, w, stride=stride, padding=padding, column=k)
    C, (ph, pw) = shape[0], padding
    for c in range(C):
        expected = sorted((r + ph, q + pw) for (cc, r, q) in windows[k] if cc == c)
        assert _highlighted(fig.axes[c]) == expected
    K = C * kh * kw
    assert _highlighted(fig.axes[C + 1]) == [(row, k) for row in range(K)]
    assert _highlighted(fig.axes[C + 2]) == [(o, k) for o in range(O)]
    assert _highlighted(fig.axes[C]) == []   # the kernels are not highlighted
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(label.startswith(f"column {k}: ") for label in labels), labels


@settings(max_examples=25)   # each example draws a figure
@given(H=st.integers(1, 6), W=st.integers(1, 6), kh=st.integers(1, 3), kw=st.integers(1, 3),
       s=st.integers(1, 3), p=st.integers(0, 1), data=st.data())
def test_pixel_highlights_every_copy_over_random_layers(H, W, kh, kw, s, p, data):
    """pixel=(r, q) highlights exactly the entries of cols that enumerated windows read from it, and the outputs of those windows."""
    if kh > H + 2 * p or kw > W + 2 * p:
        return
    r = data.draw(st.integers(0, H - 1))
    q = data.draw(st.integers(0, W - 1))
    x = np.arange(H * W).reshape(1, H, W)
    windows, _ = _windows(x, kh, kw, (s, s), (p, p))
    fig = show_im2col(x[0], np.ones((kh, kw)), stride=s, padding=p, pixel=(r, q))
    copies = sorted((row, col) for col, win in enumerate(windows)
                    for row, tap in enumerate(win) if tap == (0, r, q))
    assert _highlighted(fig.axes[2]) == copies
    assert _highlighted(fig.axes[3]) == sorted({(0, col) for _, col in copies})
    assert _highlighted(fig.axes[0]) == [(r + p, q + p)]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert f"pixel x[0, {r}, {q}] and its {len(copies)} copies" in labels


def test_legend_titles_and_caption_name_input_kernel_output_and_the_sizes():
    """The legend names input, kernels and output; the titles give the matrix shapes; the caption counts cols' numbers against the input's."""
    fig = show_im2col(np.arange(16).reshape(4, 4), np.ones((2, 1, 3, 3)))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["input x, and its copies in cols", "kernels w, one per row", "output out"]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[1:] == ["kernels W_row\n(C_out × K) = (2 × 9)", "cols = im2col(x)\n(K × L) = (9 × 4)",
                          "out = W_row @ cols\n(C_out × L) = (2 × 4)"]
    caption = fig.get_supxlabel()
    assert "cols holds 36 numbers for the input's 16" in caption
    assert "reshaped to 2×2" in caption


def test_highlights_use_the_palettes_window_colour_and_padding_is_named():
    """Highlighted cells are outlined in PALETTE['window'], and padding adds a 'zero padding' legend entry."""
    fig = show_im2col(np.ones((3, 3)), np.ones((2, 2)), padding=1, column=0)
    edges = {to_hex(p.get_edgecolor()) for ax in fig.axes for p in ax.patches
             if p.get_gid() == "highlight"}
    assert edges == {PALETTE["window"].lower()}
    assert "zero padding" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_figures_stay_out_of_pyplot_and_render_headless():
    """Neither figure is registered with pyplot, and both render to PNG with the Agg canvas."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figs = [show_im2col(np.ones((4, 4)), np.ones((3, 3)), pixel=(1, 1)),
            plot_timings([1, 2], {"a": [1.0, 2.0]})]
    assert plt.get_fignums() == before
    for fig in figs:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.get_backend()  # any backend: the figures never touch pyplot


@pytest.mark.parametrize("args, kwargs, error, match", [
    (("abc", np.ones((2, 2))), {}, TypeError, r"x must be a numeric array"),
    ((np.ones(4), np.ones((2, 2))), {}, ValueError, r"x must be a 2 or 3-D array"),
    ((np.ones((2, 4, 4)), np.ones((2, 2))), {}, ValueError, r"w must have C = 2 input channels"),
    ((np.ones((5, 4, 4)), np.ones((1, 5, 2, 2))), {}, ValueError, r"at most 4"),
    ((np.ones((4, 4)), np.ones((5, 5))), {}, ValueError, r"the kernel spans 5"),
    ((np.ones((4, 25)), np.ones((2, 2))), {}, ValueError, r"width is 25; show_im2col draws sides up to 20"),
    ((np.ones((9, 9)), np.ones((3, 3))), {}, ValueError, r"cols' columns H_out\*W_out is 49"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"stride": 0}, ValueError, r"stride must be >= 1"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"padding": "same"}, TypeError, r"padding must be an int"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"column": 4}, ValueError, r"column must be < L = H_out \* W_out = 4, got 4"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"column": 1.0}, TypeError, r"column must be an int"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"column": 0, "pixel": (0, 0)}, ValueError, r"not both"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"pixel": 3}, TypeError, r"pixel must be a tuple"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"pixel": (0, 4)}, ValueError, r"pixel's col must be < 4"),
    ((np.ones((2, 4, 4)), np.ones((1, 2, 3, 3))), {"pixel": (1, 1)}, ValueError, r"pixel must be \(c, row, col\) for"),
    ((np.ones((4, 4)), np.ones((3, 3))), {"fmt": 3}, TypeError, r"fmt must be a format string"),
])
def test_show_im2col_refuses_bad_arguments(args, kwargs, error, match):
    """Each bad argument raises the right exception naming the parameter and what is allowed."""
    with pytest.raises(error, match=match):
        show_im2col(*args, **kwargs)


# ----------------------------------------------------------------------------- timings

def test_timing_lines_hold_the_measured_points_only_in_order():
    """Each method is one log-log line through its measured (size, time) points, NaNs left out, labelled in the legend in order."""
    sizes = [8, 16, 32, 64]
    times = {"loops": [2e-3, 8e-3, np.nan, np.nan], "im2col": [1e-4, 2e-4, 6e-4, 2e-3],
             "view": [np.nan, 3e-4, 9e-4, 3e-3]}
    fig = plot_timings(sizes, times, xlabel="side n", title="timed", caption="x (1, 8, n, n)")
    (ax,) = fig.axes
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    for line, values in zip(ax.lines, times.values()):
        keep = ~np.isnan(values)
        np.testing.assert_array_equal(line.get_xdata(), np.array(sizes, float)[keep])
        np.testing.assert_array_equal(line.get_ydata(), np.array(values)[keep])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(times)
    assert (ax.get_xlabel(), ax.get_title(), fig.get_supxlabel()) == \
        ("side n", "timed", "x (1, 8, n, n)")


def test_timing_lines_differ_by_palette_colour_and_marker():
    """Up to five methods get distinct colours from PALETTE and distinct markers, so the lines differ without colour too."""
    times = {f"m{k}": [1.0 + k, 2.0 + k] for k in range(len(MARKERS))}
    ax = plot_timings([1, 2], times).axes[0]
    colours = [to_hex(line.get_color()) for line in ax.lines]
    assert len(set(colours)) == len(MARKERS)
    assert set(colours) <= {c.lower() for c in PALETTE.values()}
    assert [line.get_marker() for line in ax.lines] == list(MARKERS)


@pytest.mark.parametrize("args, kwargs, error, match", [
    (([], {"a": []}), {}, ValueError, r"sizes must be positive finite"),
    (([0, 1], {"a": [1.0, 1.0]}), {}, ValueError, r"sizes must be positive"),
    (([[1, 2]], {"a": [1.0, 1.0]}), {}, ValueError, r"sizes must be a 1-D array"),
    (([1, 2], [1.0, 2.0]), {}, TypeError, r"times must be a non-empty dict"),
    (([1, 2], {}), {}, TypeError, r"times must be a non-empty dict"),
    (([1, 2], {"a": [1.0]}), {}, ValueError, r"times\['a'\] must have one entry per size \(2\), got 1"),
    (([1, 2], {"a": [1.0, -1.0]}), {}, ValueError, r"must hold positive seconds"),
    (([1, 2], {"a": [1.0, np.inf]}), {}, ValueError, r"must hold positive seconds"),
    (([1, 2], {"a": [np.nan, np.nan]}), {}, ValueError, r"has no measured value"),
    (([1, 2], {3: [1.0, 2.0]}), {}, TypeError, r"keys must be labels"),
    (([1, 2], {"a": ["x", "y"]}), {}, TypeError, r"times\['a'\] must have a numeric dtype"),
    (([1, 2], {str(k): [1.0, 2.0] for k in range(6)}), {}, ValueError, r"at most 5"),
    (([1, 2], {"a": [1.0, 2.0]}), {"title": 3}, TypeError, r"title must be a string"),
])
def test_plot_timings_refuses_bad_arguments(args, kwargs, error, match):
    """Each bad argument raises the right exception naming the parameter and what is allowed."""
    with pytest.raises(error, match=match):
        plot_timings(*args, **kwargs)
