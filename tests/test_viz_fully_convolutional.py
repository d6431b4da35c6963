"""autograder.viz.fully_convolutional: lecture 07's figures draw what they claim, and refuse bad arguments.

The numbers the figures must show are computed here independently: 1x1 convolutions and
transposed convolutions with scipy.signal, parameter counts by hand from the layer sizes,
window positions by brute force.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_rgb

from autograder.viz import PALETTE
from autograder.viz.fully_convolutional import (show_channel_mixing, show_counts,
                                                show_head_volumes, show_score_map,
                                                show_transposed_step)


def _cells(ax, gid):
    """Top-left corners (row, col) of the unit cells with this gid."""
    return sorted((int(p.get_y()), int(p.get_x())) for p in ax.patches if p.get_gid() == gid)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _pointwise_oracle(x, W):
    """A 1x1 convolution from scipy: output o is the sum over c of x[c] correlated with W[o, c]."""
    return np.array([sum(scipy.signal.correlate2d(x[c], [[W[o, c]]], mode="valid")
                         for c in range(x.shape[0])) for o in range(W.shape[0])])


def _transposed_oracle(x, w, stride, padding):
    """A transposed convolution from scipy: insert stride - 1 zeros, full convolution, crop padding."""
    S, P = stride, padding
    H, W = x.shape
    spread = np.zeros(((H - 1) * S + 1, (W - 1) * S + 1))
    spread[::S, ::S] = x
    full = scipy.signal.convolve2d(spread, w, mode="full")
    return full[P:full.shape[0] - P, P:full.shape[1] - P]


# ----------------------------------------------------------------------- channel mixing

# name: (C_in, H, W, C_out, pixel, 4-D weights)
MIXING = {
    "one channel in and out (a scalar)": (1, 3, 3, 1, (1, 1), True),
    "three to two channels": (3, 4, 5, 2, (2, 1), True),
    "matrix given as 2-D": (2, 3, 4, 3, (0, 3), False),
    "non-square input, last pixel": (4, 2, 6, 4, (1, 5), True),
    "1x1 image": (2, 1, 1, 2, (0, 0), True),
}


@pytest.mark.parametrize("case", MIXING, ids=list(MIXING))
def test_channel_mixing_shows_the_pointwise_product_at_every_pixel(case, rng):
    """Each output panel holds scipy's 1x1 convolution, the chosen pixel is outlined in every channel, and the caption multiplies its channel vector."""
    C_in, H, W, C_out, (i, j), four_d = MIXING[case]
    x = rng.integers(-3, 4, size=(C_in, H, W)).astype(float)
    M = rng.integers(-2, 3, size=(C_out, C_in)).astype(float)
    fig = show_channel_mixing(x, M[:, :, None, None] if four_d else M, (i, j), fmt="{:g}")
    expected = _pointwise_oracle(x, M)

    axes = fig.axes
    assert len(axes) == C_in + 1 + C_out
    assert [ax.get_title() for ax in axes[:C_in]] == [f"input x[{c}]" for c in range(C_in)]
    for c in range(C_in):
        assert _texts(axes[c]) == [f"{v:g}" for v in x[c].ravel()]
        assert _cells(axes[c], "highlight") == [(i, j)]
    assert _texts(axes[C_in]) == [f"{v:g}" for v in M.ravel()]
    for o in range(C_out):
        ax = axes[C_in + 1 + o]
        assert _texts(ax) == [f"{v + 0.0:g}" for v in expected[o].ravel()]
        assert _cells(ax, "highlight") == [(i, j)]
    vec = ", ".join(f"{v:g}" for v in x[:, i, j])
    res = ", ".join(f"{v + 0.0:g}" for v in expected[:, i, j])
    assert fig.get_supxlabel() == f"out[:, {i}, {j}] = W @ x[:, {i}, {j}] = W @ [{vec}] = [{res}]"
    assert [t.get_text() for t in fig.legends[0].get_texts()][:3] == \
        ["input x", "1x1 kernels as a matrix W", "output out"]


@given(st.data())
def test_channel_mixing_agrees_with_scipy_over_random_shapes(data):
    """For random channel counts, sizes and pixels, the output panels show scipy's 1x1 convolution."""
    C_in, C_out = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    H, W = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    seed = data.draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(C_in, H, W)).astype(float)
    M = rng.integers(-3, 4, size=(C_out, C_in, 1, 1)).astype(float)
    pixel = (data.draw(st.integers(0, H - 1)), data.draw(st.integers(0, W - 1)))
    fig = show_channel_mixing(x, M, pixel, fmt="{:g}")
    expected = _pointwise_oracle(x, M[:, :, 0, 0])
    for o in range(C_out):
        assert _texts(fig.axes[C_in + 1 + o]) == [f"{v + 0.0:g}" for v in expected[o].ravel()]


@pytest.mark.parametrize("args, error, match", [
    ((np.ones((2, 3, 3)), np.ones((2, 2, 3, 3)), (0, 0)), ValueError, "1x1 kernels"),
    ((np.ones((2, 3, 3)), np.ones((2, 3)), (0, 0)), ValueError, "C_in = x.shape"),
    ((np.ones((5, 3, 3)), np.ones((2, 5)), (0, 0)), ValueError, "at most 4"),
    ((np.ones((2, 21, 3)), np.ones((2, 2)), (0, 0)), ValueError, "too large"),
    ((np.ones((2, 3, 3)), np.ones((2, 2)), (3, 0)), ValueError, r"pixel\[0\] must be < 3"),
    ((np.ones((2, 3, 3)), np.ones((2, 2)), 1), TypeError, "pixel must be a pair"),
    ((np.ones((3, 3)), np.ones((2, 2)), (0, 0)), ValueError, r"x must be a 3-D array"),
    (("x", np.ones((2, 2)), (0, 0)), TypeError, "x must be a numeric array"),
])
def test_channel_mixing_refuses_bad_arguments(args, error, match):
    """Shapes that do not form a 1x1 layer, too many channels and pixels outside the image raise, naming the parameter."""
    with pytest.raises(error, match=match):
        show_channel_mixing(*args)


# ------------------------------------------------------------------------- head volumes

# name: (input_shape (C, H, W), widths)
HEADS = {
    "VGG-16": ((512, 7, 7), (4096, 4096, 1000)),
    "small stand-in": ((8, 7, 7), (16, 16, 10)),
    "one layer straight to the classes": ((512, 7, 7), (1000,)),
    "non-square volume, one channel": ((1, 5, 3), (4, 3)),
}


@pytest.mark.parametrize("case", HEADS, ids=list(HEADS))
def test_head_volumes_label_shapes_and_equal_parameter_counts(case):
    """Both rows name every volume and vector, and each layer's label carries n_in * n_out + n_out parameters, counted by hand."""
    (C, H, W), widths = HEADS[case]
    fig = show_head_volumes((C, H, W), widths)
    texts = _texts(fig.axes[0])

    sizes = [C * H * W, *widths]
    counts = [a * b + b for a, b in zip(sizes, sizes[1:])]
    fc_labels = [t for t in texts if t.startswith("FC ")]
    conv_labels = [t for t in texts if t.startswith("conv ")]
    assert fc_labels == [f"FC {a:,}→{b:,}\n{n:,} parameters"
                         for a, b, n in zip(sizes, sizes[1:], counts)]
    kernels = [f"{H}×{W}"] + ["1×1"] * (len(widths) - 1)
    assert conv_labels == [f"conv {k}, K={m}\n{n:,} parameters"
                           for k, m, n in zip(kernels, widths, counts)]
    assert texts.count(f"{H}×{W}×{C}") == 2
    assert [t for t in texts if t.startswith("1×1×")] == [f"1×1×{m}" for m in widths]
    assert f"{C * H * W:,}" in texts
    patches = fig.axes[0].patches
    assert sum(p.get_gid() == "vector" for p in patches) == len(widths) + 1
    assert sum(p.get_gid() == "volume" for p in patches) == 3 * (2 + len(widths))  # 3 faces a box
    assert [t.get_text() for t in fig.legends[0].get_texts()] == \
        ["input: feature volume", "hidden layers (ReLU after)", "output: class scores"]


def test_head_volumes_colour_input_hidden_and_output_by_role():
    """The input volume is drawn in the input colour, the last layer in the output colour and hidden layers in the kernel colour."""
    fig = show_head_volumes((8, 7, 7), (16, 10))
    vectors = [p for p in fig.axes[0].patches if p.get_gid() == "vector"]
    roles = ["input", "kernel", "output"]
    for patch, role in zip(vectors, roles):
        assert patch.get_facecolor()[:3] == pytest.approx(to_rgb(PALETTE[role]))


@pytest.mark.parametrize("args, error, match", [
    (((512, 7), (10,)), ValueError, "input_shape must be a tuple"),
    (((512, 7, 0), (10,)), ValueError, r"input_shape\[2\] must be >= 1"),
    (((512, 7, 7), ()), ValueError, "widths must be a sequence of 1 to 5"),
    (((512, 7, 7), 10), ValueError, "widths must be a sequence"),
    (((512, 7, 7), (10, 2.5)), TypeError, r"widths\[1\] must be an int"),
    (((512, 7, 7), (1,) * 6), ValueError, "1 to 5"),
])
def test_head_volumes_refuses_bad_arguments(args, error, match):
    """Shapes that are not (C, H, W), and empty, too long or non-integer widths raise, naming the parameter."""
    with pytest.raises(error, match=match):
        show_head_volumes(*args)


# ---------------------------------------------------------------------------- score map

# name: (feature_shape, window, stride, position)
SCORE_MAPS = {
    "9x9 map, 7x7 head": ((9, 9), 7, 1, (1, 2)),
    "window as large as the map": ((7, 7), 7, 1, (0, 0)),
    "1x1 window": ((3, 4), 1, 1, (2, 3)),
    "non-square map and window": ((6, 9), (3, 5), 1, (3, 4)),
    "stride that does not divide": ((8, 8), 3, 2, (2, 1)),
}


@pytest.mark.parametrize("case", SCORE_MAPS, ids=list(SCORE_MAPS))
def test_score_map_highlights_the_window_of_the_chosen_output(case, rng):
    """The highlighted cells are the crop the output reads, one dot marks every window start, found by brute force, and the score panel shows the scores."""
    (H, W), window, stride, (i, j) = SCORE_MAPS[case]
    kh, kw = (window, window) if isinstance(window, int) else window
    starts = [(r, c) for r in range(0, H - kh + 1, stride) for c in range(0, W - kw + 1, stride)]
    OH = len(range(0, H - kh + 1, stride))
    OW = len(range(0, W - kw + 1, stride))
    scores = rng.normal(size=(3, OH, OW))
    fig = show_score_map((H, W), window, scores, (i, j), channel=2, stride=stride)
    ax_f, ax_s = fig.axes

    r0, c0 = starts[i * OW + j]
    crop = sorted((r, c) for r in range(r0, r0 + kh) for c in range(c0, c0 + kw))
    assert _cells(ax_f, "cell") == sorted((r, c) for r in range(H) for c in range(W))
    assert _cells(ax_f, "highlight") == crop
    dots = sorted((int(line.get_ydata()[0] - 0.5), int(line.get_xdata()[0] - 0.5))
                  for line in ax_f.lines if line.get_gid() == "corner")
    assert dots == starts
    assert _texts(ax_s) == [f"{v:.3g}" for v in scores[2].ravel()]
    assert _cells(ax_s, "highlight") == [(i, j)]
    assert fig.get_supxlabel() == (
        f"scores[2, {i}, {j}] = the head applied to the {kh}×{kw} crop at rows {r0}–{r0 + kh - 1}, "
        f"columns {c0}–{c0 + kw - 1} = {scores[2, i, j]:.3g}")
    assert "where each window starts" in [t.get_text() for t in fig.legends[0].get_texts()]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(scores=np.zeros((2, 2, 3))), ValueError, r"scores must have shape \(n_classes, 3, 3\)"),
    (dict(window=10), ValueError, "must fit in feature_shape"),
    (dict(channel=2), ValueError, "channel must be < 2"),
    (dict(position=(0, 3)), ValueError, r"position\[1\] must be < 3"),
    (dict(feature_shape=(21, 21), window=19), ValueError, "too large"),
    (dict(stride=0), ValueError, "stride must be >= 1"),
    (dict(scores="scores"), TypeError, "scores must be a numeric array"),
])
def test_score_map_refuses_bad_arguments(kwargs, error, match):
    """A score map of the wrong size, a window larger than the map, and indices outside the map raise, naming the parameter."""
    args = dict(feature_shape=(9, 9), window=7, scores=np.zeros((2, 3, 3)), position=(0, 0))
    args.update(kwargs)
    with pytest.raises(error, match=match):
        show_score_map(args.pop("feature_shape"), args.pop("window"), args.pop("scores"),
                       args.pop("position"), **args)


# ------------------------------------------------------------------------------- counts

def test_counts_draws_one_bar_per_entry_with_its_number_and_share():
    """Each bar is as long as its count, in the given order, labelled with the count and its share of the largest."""
    counts = {"full": 462_422_016, "depthwise": 903_168, "pointwise": 51_380_224, "zero": 0}
    fig = show_counts(counts, title="MACs", caption="input, kernels, output")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_gid() == "bar"]
    assert [p.get_width() for p in bars] == list(counts.values())
    assert [t.get_text() for t in ax.get_yticklabels()] == list(counts)
    shares = [100 * v / 462_422_016 for v in counts.values()]
    assert _texts(ax) == [f"{v:,} ({s:.3g}%)" for v, s in zip(counts.values(), shares)]
    assert ax.get_title() == "MACs" and fig.get_supxlabel() == "input, kernels, output"


@pytest.mark.parametrize("args, kwargs, error, match", [
    (({},), dict(title="t", caption="c"), TypeError, "non-empty dict"),
    (([1, 2],), dict(title="t", caption="c"), TypeError, "non-empty dict"),
    (({"a": -1},), dict(title="t", caption="c"), ValueError, r"counts\['a'\] must be >= 0"),
    (({"a": "1"},), dict(title="t", caption="c"), TypeError, "must be a number"),
    (({1: 1},), dict(title="t", caption="c"), TypeError, "keys must be strings"),
    (({"a": 1},), dict(title=1, caption="c"), TypeError, "title must be a string"),
])
def test_counts_refuses_bad_arguments(args, kwargs, error, match):
    """Empty or non-dict counts, negative or non-numeric counts and non-string titles raise, naming the parameter."""
    with pytest.raises(error, match=match):
        show_counts(*args, **kwargs)


# ---------------------------------------------------------------------- transposed step

# name: (input shape, kernel shape, stride, padding, pixel)
TRANSPOSED = {
    "2x2 input, 3x3 kernel, stride 2": ((2, 2), (3, 3), 2, 0, (1, 0)),
    "stride 1, overlapping stamps": ((3, 3), (2, 2), 1, 0, (1, 1)),
    "1x1 kernel": ((3, 2), (1, 1), 2, 0, (2, 1)),
    "padding crops the stamp at a corner": ((3, 3), (3, 3), 2, 1, (0, 0)),
    "non-square input and kernel": ((2, 3), (2, 3), 3, 0, (1, 2)),
}


@pytest.mark.parametrize("case", TRANSPOSED, ids=list(TRANSPOSED))
def test_transposed_step_highlights_where_the_pixel_writes(case, rng):
    """The highlighted output cells are exactly those a one-hot input at the pixel reaches in scipy's transposed convolution."""
    xs, ws, S, P, (i, j) = TRANSPOSED[case]
    x = rng.integers(-3, 4, size=xs).astype(float)
    w = rng.integers(1, 4, size=ws).astype(float)
    out = _transposed_oracle(x, w, S, P)
    fig = show_transposed_step(x, w, out, (i, j), stride=S, padding=P, fmt="{:g}")
    one_hot = np.zeros(xs)
    one_hot[i, j] = 1.0
    reached = _transposed_oracle(one_hot, np.ones(ws), S, P) != 0
    assert _cells(fig.axes[2], "highlight") == sorted(map(tuple, np.argwhere(reached).tolist()))
    assert _cells(fig.axes[0], "highlight") == [(i, j)]
    assert _texts(fig.axes[2]) == [f"{v + 0.0:g}" for v in out.ravel()]
    assert fig.get_supxlabel().startswith(f"x[{i}, {j}] = {x[i, j]:g} times the kernel")


def test_transposed_step_says_when_padding_crops_the_whole_stamp():
    """A pixel whose stamp lies entirely in the cropped padding highlights nothing and says so."""
    x, w = np.ones((2, 2)), np.ones((1, 1))
    out = _transposed_oracle(x, w, 3, 1)[:, :]   # 1x1 stamps 3 apart, 1 cropped each side
    assert out.shape == (2, 2)
    fig = show_transposed_step(x, w, out, (0, 0), stride=3, padding=1)
    assert _cells(fig.axes[2], "highlight") == []
    assert "no cell" in fig.get_supxlabel()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(out=np.zeros((4, 4))), ValueError, r"out must have shape \(H_out, W_out\) = \(5, 5\)"),
    (dict(pixel=(2, 0)), ValueError, r"pixel\[0\] must be < 2"),
    (dict(stride=0), ValueError, "stride must be >= 1"),
    (dict(w=np.ones((1, 3, 3))), ValueError, "w must be a 2-D array"),
    (dict(fmt=3), TypeError, "fmt must be a format string"),
])
def test_transposed_step_refuses_bad_arguments(kwargs, error, match):
    """An output of the wrong size, a pixel outside the input and bad settings raise, naming the parameter."""
    args = dict(x=np.ones((2, 2)), w=np.ones((3, 3)), out=np.ones((5, 5)), pixel=(0, 0),
                stride=2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        show_transposed_step(args.pop("x"), args.pop("w"), args.pop("out"), args.pop("pixel"),
                             **args)


# ------------------------------------------------------------------------------ general

def test_figures_stay_out_of_pyplot_and_render_headless():
    """No figure of the module is registered with pyplot, and each renders to PNG with the Agg canvas."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figures = [
        show_channel_mixing(np.ones((2, 2, 2)), np.ones((2, 2)), (0, 0)),
        show_head_volumes(),
        show_score_map((9, 9), 7, np.zeros((2, 3, 3)), (0, 0)),
        show_counts({"a": 1}, title="t", caption="c"),
        show_transposed_step(np.ones((2, 2)), np.ones((3, 3)), _transposed_oracle(
            np.ones((2, 2)), np.ones((3, 3)), 2, 0), (0, 0), stride=2),
    ]
    assert plt.get_fignums() == before
    for fig in figures:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
