"""autograder.viz.arithmetic: window geometry checked by brute-force enumeration and by the reference layers, and the figures drawn from it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograder.reference import conv2d, conv_transpose2d
from autograder.viz import PALETTE
from autograder.viz.arithmetic import (conv_arithmetic, legend_handles, show_all_positions,
                                       show_arithmetic, show_coverage)


# ------------------------------------------------------------------ brute-force oracles
def brute_starts(length, kernel, stride, dilation):
    """Every first tap, on a padded axis of ``length``, where a window with these settings lies wholly inside."""
    return [s for s in range(length) if s % stride == 0 and s + dilation * (kernel - 1) < length]


def brute_windows(grid_len, kernel, step, dilation):
    """Per output index, the list of grid cells its taps read along one axis."""
    return [[s + dilation * u for u in range(kernel)]
            for s in brute_starts(grid_len, kernel, step, dilation)]


def brute_unread(grid_len, windows):
    """Grid cells after the last cell any window reads."""
    last = max(max(w) for w in windows)
    return tuple(range(last + 1, grid_len))


def tap_cells(ax):
    """(row, col) of every kernel-window rectangle drawn on ``ax``."""
    return sorted((int(p.get_xy()[1]), int(p.get_xy()[0])) for p in ax.patches
                  if p.get_gid() == "tap")


CASES = {
    # name: (input (H, W), kernel (kH, kW), stride, padding, dilation)
    "1x1 kernel": ((4, 4), (1, 1), 1, 0, 1),
    "kernel as large as the input": ((5, 5), (5, 5), 1, 0, 1),
    "kernel as large as the input, stride 3": ((5, 5), (5, 5), 3, 0, 1),
    "even kernel": ((6, 6), (2, 2), 1, 0, 1),
    "non-square input": ((4, 7), (3, 3), 1, 1, 1),
    "stride that does not divide": ((10, 10), (3, 3), 2, 0, 1),
    "padding 0, stride 2 divides": ((9, 9), (3, 3), 2, 0, 1),
    "same padding, odd kernel": ((5, 5), (3, 3), 1, 1, 1),
    "dilation 2": ((7, 7), (3, 3), 1, 0, 2),
    "dilation 2, stride 2": ((7, 8), (3, 2), (2, 3), (0, 1), (2, 1)),
    "stride larger than kernel": ((8, 8), (2, 2), 3, 0, 1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_windows_match_brute_force(name):
    """The output shape, every window's taps and the unread rows/columns equal those enumerated one by one on the padded grid."""
    size, kernel, stride, padding, dilation = CASES[name]
    a = conv_arithmetic(size, kernel, padding=padding, stride=stride, dilation=dilation)
    pair = lambda v: (v, v) if isinstance(v, int) else v
    S, P, D = pair(stride), pair(padding), pair(dilation)
    rows = brute_windows(size[0] + 2 * P[0], kernel[0], S[0], D[0])
    cols = brute_windows(size[1] + 2 * P[1], kernel[1], S[1], D[1])
    assert a.output_shape == (len(rows), len(cols))
    assert a.rows.tolist() == rows and a.cols.tolist() == cols
    assert a.unread_rows == brute_unread(size[0] + 2 * P[0], rows)
    assert a.unread_cols == brute_unread(size[1] + 2 * P[1], cols)
    assert a.fits == (not a.unread_rows and not a.unread_cols)
    for k in range(a.n_positions):
        i, j = a.position(k)
        assert (i, j) == (k // len(cols), k % len(cols))
        expected = sorted(itertools.product(rows[i], cols[j]))
        assert sorted(map(tuple, a.window(i, j).tolist())) == expected
        assert sorted(zip(*np.nonzero(a.window_mask(i, j)))) == expected


def test_stride_three_over_a_whole_input_kernel_gives_one_position():
    """A kernel as large as the input has exactly one position whatever the stride: there is nowhere to jump."""
    for stride in (1, 2, 5):
        assert conv_arithmetic(6, 6, stride=stride).output_shape == (1, 1)


def _window_conv(x, w, a):
    """out[i, j] = sum of the padded input at window (i, j) times the kernel, using only a's taps."""
    grid = np.zeros(a.grid_shape)
    grid[a.is_input] = x.ravel()
    out = np.empty(a.output_shape)
    for i, j in np.ndindex(*a.output_shape):
        out[i, j] = np.sum(grid[a.rows[i][:, None], a.cols[j][None, :]] * w)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_windows_reproduce_conv2d(name, rng):
    """Summing the padded input under each window times the kernel gives conv2d's output: the windows are the layer's."""
    size, kernel, stride, padding, dilation = CASES[name]
    x = rng.standard_normal(size)
    w = rng.standard_normal(kernel)
    a = conv_arithmetic(size, kernel, padding=padding, stride=stride, dilation=dilation)
    expected = conv2d(x[None, None], w[None, None], stride=stride, padding=padding,
                      dilation=dilation)[0, 0]
    np.testing.assert_allclose(_window_conv(x, w, a), expected, atol=1e-12)


@pytest.mark.parametrize("size, kernel, dilation", [((4, 4), (2, 2), 1), ((5, 6), (4, 3), 1),
                                                    ((6, 5), (2, 3), 2), ((3, 3), (1, 1), 1)])
def test_same_padding_matches_conv2d_same_and_puts_the_odd_zero_last(size, kernel, dilation, rng):
    """padding="same" keeps the size, matches conv2d(padding="same"), and an even kernel's extra zero goes bottom/right."""
    a = conv_arithmetic(size, kernel, padding="same", dilation=dilation)
    assert a.output_shape == size
    for (before, after), k in zip(a.padding, kernel):
        total = dilation * (k - 1)
        assert before + after == total and after - before == total % 2
    x, w = rng.standard_normal(size), rng.standard_normal(kernel)
    expected = conv2d(x[None, None], w[None, None], padding="same", dilation=dilation)[0, 0]
    np.testing.assert_allclose(_window_conv(x, w, a), expected, atol=1e-12)


@given(I=st.integers(1, 8), J=st.integers(1, 8), K=st.integers(1, 4), S=st.integers(1, 3),
       P=st.integers(0, 3), D=st.integers(1, 3))
def test_transposed_windows_reproduce_conv_transpose2d(I, J, K, S, P, D):
    """The direct convolution, stride 1, of the flipped kernel over the zero-inserted padded grid equals conv_transpose2d."""
    assume(P <= D * (K - 1) and (min(I, J) - 1) * S - 2 * P + D * (K - 1) + 1 > 0)
    rng = np.random.default_rng(I * 1000 + J * 100 + K * 10 + S)
    x, w = rng.standard_normal((I, J)), rng.standard_normal((K, K))
    a = conv_arithmetic((I, J), K, padding=P, stride=S, dilation=D, transposed=True)
    expected = conv_transpose2d(x[None, None], w[None, None], stride=S, padding=P,
                                dilation=D)[0, 0]
    assert a.output_shape == expected.shape
    assert a.grid_stride == (1, 1) and a.is_input.sum() == I * J
    assert not (a.is_input & a.is_padding).any() and not (a.is_inserted & a.is_padding).any()
    np.testing.assert_allclose(_window_conv(x, w[::-1, ::-1], a), expected, atol=1e-12)


@given(I=st.integers(1, 12), K=st.integers(1, 5), S=st.integers(1, 4), P=st.integers(0, 3),
       D=st.integers(1, 3))
def test_output_size_is_the_number_of_positions(I, K, S, P, D):
    """Over the shape space, the output size is the brute-force count of window positions, and the coverage counts add up."""
    assume(D * (K - 1) + 1 <= I + 2 * P)
    a = conv_arithmetic(I, K, padding=P, stride=S, dilation=D)
    count = len(brute_starts(I + 2 * P, K, S, D))
    assert a.output_shape == (count, count)
    assert a.coverage().sum() == count * count * K * K


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(input_size=5, kernel_size=3, stride=0), ValueError, "stride"),
    (dict(input_size=5, kernel_size=3, dilation=0), ValueError, "dilation"),
    (dict(input_size=5, kernel_size=3, padding=-1), ValueError, "padding"),
    (dict(input_size=5, kernel_size=3, padding="full"), ValueError, "padding"),
    (dict(input_size=5, kernel_size=3, padding="same", stride=2), ValueError, "stride=1"),
    (dict(input_size=2, kernel_size=3), ValueError, "kernel spans 3"),
    (dict(input_size=5, kernel_size=3, dilation=3), ValueError, "kernel spans 7"),
    (dict(input_size=5, kernel_size=3, padding=3, transposed=True), ValueError, "negative"),
    (dict(input_size=5, kernel_size=3, transposed=1), TypeError, "transposed"),
    (dict(input_size=1, kernel_size=2, padding=1, transposed=True), ValueError, "empty"),
    (dict(input_size=5.0, kernel_size=3), TypeError, "input_size"),
])
def test_bad_settings_raise_naming_the_parameter(kwargs, error, match):
    """A bad setting raises TypeError/ValueError whose message names what is wrong."""
    with pytest.raises(error, match=match):
        conv_arithmetic(**kwargs)


# ------------------------------------------------------------------ figures
@pytest.mark.parametrize("name", ["stride that does not divide", "non-square input",
                                  "dilation 2", "even kernel"])
def test_show_arithmetic_draws_the_window_of_the_position(name):
    """The orange cells are the brute-force window of the chosen position, the output cell is marked, and unread rows are hatched."""
    size, kernel, stride, padding, dilation = CASES[name]
    pair = lambda v: (v, v) if isinstance(v, int) else v
    S, P, D = pair(stride), pair(padding), pair(dilation)
    rows = brute_windows(size[0] + 2 * P[0], kernel[0], S[0], D[0])
    cols = brute_windows(size[1] + 2 * P[1], kernel[1], S[1], D[1])
    i, j = len(rows) - 1, len(cols) // 2
    fig = show_arithmetic(size, kernel, position=(i, j), padding=padding, stride=stride,
                          dilation=dilation)
    ax_in, ax_out = fig.axes
    assert tap_cells(ax_in) == sorted(itertools.product(rows[i], cols[j]))
    marked = [p for p in ax_out.patches if p.get_linewidth() == 2.0]
    assert [tuple(p.get_xy()) for p in marked] == [(j, i)]
    unread = brute_unread(size[0] + 2 * P[0], rows) + brute_unread(size[1] + 2 * P[1], cols)
    assert sum(p.get_gid() == "unread" for p in ax_in.patches) == len(unread)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"input", "padding (zeros)", "kernel window", "output"} <= set(labels)
    assert ("never read" in fig.get_supxlabel()) == bool(unread)


def test_show_arithmetic_names_the_never_read_input_column():
    """Input 10, kernel 3, stride 2: the caption names input row and column 9 as never read."""
    caption = show_arithmetic(10, 3, stride=2).get_supxlabel()
    assert "input row 9 and input column 9 are never read" in caption


def test_show_all_positions_has_one_panel_per_window():
    """Small multiples: one panel per brute-force window position, each showing that window relative to its corner."""
    fig = show_all_positions((5, 4), 3, padding=1, stride=2)
    rows, cols = brute_windows(7, 3, 2, 1), brute_windows(6, 3, 2, 1)
    ax = fig.axes[0]
    titles = [t.get_text() for t in ax.texts]
    assert len(titles) == len(rows) * len(cols)
    for k, title in enumerate(titles):
        i, j = divmod(k, len(cols))
        assert title == f"({i}, {j})"
        corner = [p.get_xy() for p in ax.patches if p.get_gid() == f"panel {i},{j}"]
        assert len(corner) == 1
        x0, y0 = corner[0]
        taps = sorted((int(p.get_xy()[1] - y0), int(p.get_xy()[0] - x0)) for p in ax.patches
                      if p.get_gid() == f"tap {i},{j}")
        assert taps == sorted(itertools.product(rows[i], cols[j]))
    with pytest.raises(ValueError, match="at most 36"):
        show_all_positions(12, 1)


def test_show_coverage_counts_reads_per_cell():
    """Each cell's number is how many brute-force windows read it, and there is one start dot per window."""
    fig = show_coverage(7, 3, padding=1, stride=2, dilation=2)
    windows = brute_windows(9, 3, 2, 2)
    count = np.zeros((9, 9), dtype=int)
    for rw in windows:
        for cw in windows:
            for r in rw:
                for c in cw:
                    count[r, c] += 1
    ax = fig.axes[0]
    assert [int(t.get_text()) for t in ax.texts] == count.ravel().tolist()
    assert len(ax.lines[0].get_xdata()) == len(windows) ** 2
    assert "window positions" in fig.get_supxlabel()


def test_legend_uses_the_course_palette():
    """The legend's input, kernel-window and output entries take their colour from PALETTE, and transposed adds inserted zeros."""
    from matplotlib.colors import to_rgb
    handles = {h.get_label(): h for h in legend_handles()}
    assert to_rgb(handles["input"].get_facecolor()) == to_rgb(PALETTE["input"])
    assert to_rgb(handles["kernel window"].get_facecolor()) == to_rgb(PALETTE["kernel"])
    assert to_rgb(handles["output"].get_facecolor()) == to_rgb(PALETTE["output"])
    t = conv_arithmetic(2, 3, stride=2, transposed=True)
    assert "inserted zeros" in [h.get_label() for h in legend_handles(t)]


def test_figures_stay_out_of_pyplot():
    """The figures are not registered with pyplot and render headless."""
    import io

    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    for fig in (show_arithmetic(3, 3, stride=2, padding=1, transposed=True, position=(2, 1)),
                show_all_positions(4, 2, padding="same"), show_coverage(6, 2, stride=3)):
        fig.savefig(io.BytesIO(), format="png", dpi=40)
    assert plt.get_fignums() == before


@pytest.mark.parametrize("call, match", [
    (lambda: show_arithmetic(5, 3, position=(3, 0)), "inside the 3x3 output"),
    (lambda: show_arithmetic(20, 3, padding=2), "sides up to 20"),
    (lambda: show_coverage(5, 3, arithmetic="grid"), "arithmetic"),
])
def test_figure_arguments_are_checked(call, match):
    """Positions outside the output, grids too large to draw and a wrong geometry object are refused with a message."""
    with pytest.raises((TypeError, ValueError), match=match):
        call()
