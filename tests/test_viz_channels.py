"""autograder.viz.channels: the filter-bank figure draws every channel, filter, bias and map, highlights the right cells, and its sums are scipy's.

The layer outputs and the per-channel sums are computed here with
scipy.signal.correlate2d (the oracle) on zero-padded channels, not with the package's
conv2d.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.viz.channels import MAX_FILTERS, channel_sums, show_filter_bank


def _per_channel(x, w, stride=1, padding=0):
    """(N, C_out, C_in, H_out, W_out): each input channel's correlation with each filter channel, from scipy."""
    xp = np.pad(x.astype(float), ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return np.array([[[scipy.signal.correlate2d(xp[n, c], w[o, c], mode="valid")[::stride, ::stride]
                       for c in range(x.shape[1])] for o in range(w.shape[0])]
                     for n in range(x.shape[0])])


def _oracle(x, w, b=None, stride=1, padding=0):
    out = _per_channel(x, w, stride, padding).sum(axis=2)
    return out if b is None else out + np.asarray(b)[None, :, None, None]


def _patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def _corners(patches):
    return sorted((int(p.get_y()), int(p.get_x())) for p in patches)


# name: (x shape, w shape, stride, padding, position, with bias)
CASES = {
    "RGB input, two 3x3x3 filters": ((1, 3, 5, 5), (2, 3, 3, 3), 1, 0, (0, 1, 1, 2), True),
    "C=1, one filter, no bias": ((1, 1, 4, 4), (1, 1, 3, 3), 1, 0, (0, 0, 1, 0), False),
    "1x1 kernel": ((1, 3, 3, 4), (2, 3, 1, 1), 1, 0, (0, 1, 2, 3), True),
    "kernel as large as the input": ((1, 2, 3, 4), (3, 2, 3, 4), 1, 0, (0, 2, 0, 0), True),
    "even kernel, non-square input": ((1, 2, 4, 6), (2, 2, 2, 2), 1, 0, (0, 0, 2, 4), True),
    "stride that does not divide": ((1, 2, 6, 6), (2, 2, 3, 3), 2, 0, (0, 1, 1, 1), True),
    "padding 1, stride 2 (the CS231n demo)": ((1, 3, 5, 5), (2, 3, 3, 3), 2, 1, (0, 0, 2, 0), True),
    "N=2, four channels, four filters": ((2, 4, 4, 4), (4, 4, 2, 2), 1, 0, (1, 3, 2, 1), True),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_channel_filter_and_map_is_drawn_with_the_right_cells_highlighted(case, rng):
    """Each panel shows its array's numbers; the window is highlighted in every input channel, all of filter o, and only cell (i, j) of map o."""
    xs, ws, S, P, position, with_bias = case
    x = rng.integers(-3, 4, size=xs).astype(float)
    w = rng.integers(-2, 3, size=ws).astype(float)
    b = rng.integers(-2, 3, size=ws[0]).astype(float) if with_bias else None
    out = _oracle(x, w, b, S, P)
    fig = show_filter_bank(x, w, out, position, b=b, stride=S, padding=P)
    n, o, i, j = position
    C_out, C_in, kH, kW = ws
    per_filter = C_in + with_bias
    assert len(fig.axes) == C_in + C_out * per_filter + C_out

    xp = np.pad(x[n], ((0, 0), (P, P), (P, P)))
    window = sorted((i * S + u, j * S + v) for u in range(kH) for v in range(kW))
    for c in range(C_in):
        ax = fig.axes[c]
        assert [t.get_text() for t in ax.texts] == [f"{v:.3g}" for v in xp[c].ravel()]
        assert _corners(_patches(ax, "highlight")) == window
        assert len(_patches(ax, "padding")) == xp[c].size - xs[2] * xs[3]
    for f in range(C_out):
        axes = fig.axes[C_in + f * per_filter:C_in + (f + 1) * per_filter]
        for c in range(C_in):
            assert axes[c].get_title() == f"filter w[{f}, {c}]"
            assert [t.get_text() for t in axes[c].texts] == [f"{v:.3g}" for v in w[f, c].ravel()]
            assert len(_patches(axes[c], "highlight")) == (kH * kW if f == o else 0)
        if with_bias:
            assert axes[-1].get_title() == f"bias b[{f}]"
            assert [t.get_text() for t in axes[-1].texts] == [f"{b[f]:.3g}"]
    for f in range(C_out):
        ax = fig.axes[-C_out + f]
        assert ax.get_title() == f"output out[{n}, {f}]"
        assert [t.get_text() for t in ax.texts] == [f"{v:.3g}" for v in out[n, f].ravel()]
        assert _corners(_patches(ax, "highlight")) == ([(i, j)] if f == o else [])
    assert plt.get_fignums() == []


def test_caption_adds_the_channel_sums_and_the_bias():
    """The caption lists each channel's sum, as scipy computes it, then the bias, then the value."""
    x = np.arange(3 * 4 * 4.0).reshape(1, 3, 4, 4) - 20
    w = np.ones((2, 3, 3, 3))
    w[1, 1] = -1
    b = np.array([0.0, -2.0])
    out = _oracle(x, w, b)
    fig = show_filter_bank(x, w, out, (0, 1, 0, 1), b=b)
    # by hand: channel 0's window holds -19..-17, -15..-13, -11..-9 (sum -126); channel 1's
    # is 16 higher per cell (-126 + 144 = 18, times -1); channel 2's 32 higher (162)
    s = _per_channel(x, w)[0, 1, :, 0, 1]
    assert s.tolist() == [-126.0, -18.0, 162.0]
    assert fig.get_supxlabel() == ("out[0, 1, 0, 1] = (-126) (channel 0) + (-18) (channel 1) "
                                   "+ 162 (channel 2) + (-2) (bias b[1]) = 16")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["input x", "filters w and biases b", "output out",
                      "current window and filter"]


def test_padding_is_hatched_and_named():
    """With padding the input panels say "padded", count rows from -P, and the legend adds zero padding."""
    x = np.ones((1, 2, 3, 3))
    w = np.ones((1, 2, 3, 3))
    fig = show_filter_bank(x, w, _oracle(x, w, padding=1), (0, 0, 0, 0), padding=1)
    assert fig.axes[0].get_title() == "input x[0, 0], padded"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["-1", "0", "1", "2", "3"]
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "zero padding"


@settings(max_examples=40)
@given(data=st.data())
def test_channel_sums_are_scipys_per_channel_correlations(data):
    """Over random layers, channel_sums gives each channel's window-times-filter sum, and they add up to the layer's output minus the bias."""
    C_in, C_out = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3))
    kH, kW = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    S, P = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2))
    H = data.draw(st.integers(max(1, kH - 2 * P), 6))
    W = data.draw(st.integers(max(1, kW - 2 * P), 6))
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(2, C_in, H, W)).astype(float)
    w = rng.integers(-3, 4, size=(C_out, C_in, kH, kW)).astype(float)
    per = _per_channel(x, w, S, P)
    n, o = data.draw(st.integers(0, 1)), data.draw(st.integers(0, C_out - 1))
    i, j = data.draw(st.integers(0, per.shape[3] - 1)), data.draw(st.integers(0, per.shape[4] - 1))
    sums = channel_sums(x, w, (n, o, i, j), stride=S, padding=P)
    np.testing.assert_array_equal(sums, per[n, o, :, i, j])


@pytest.mark.parametrize("change, error, message", [
    ({"w": np.ones((2, 2, 3, 3))}, ValueError,
     r"w must have C_in = x.shape\[1\] = 3 channels on axis 1 "
     r"\(a filter is as deep as the input\)"),
    ({"b": np.zeros(3)}, ValueError, r"b must have one bias per filter, shape \(C_out,\) = \(2,\)"),
    ({"out": np.zeros((1, 2, 4, 4))}, ValueError, r"out must have shape .* = \(1, 2, 3, 3\)"),
    ({"position": (0, 2, 0, 0)}, ValueError, r"position\[1\] \(o\) must be < 2"),
    ({"out_plus": 1.0}, ValueError, "but the channel sums plus the bias give"),
    ({"w": np.ones((MAX_FILTERS + 1, 3, 3, 3))}, ValueError,
     "at most 4 input channels and 4 filters"),
    ({"x": np.ones((1, 3, 21, 5))}, ValueError, "draws sides up to 20"),
    ({"fmt": 3}, TypeError, "fmt must be a format string"),
])
def test_show_filter_bank_refuses_arrays_that_are_not_a_layer(change, error, message):
    """A filter of the wrong depth, a bias count that is not one per filter, a mismatched output or a bad setting raises, saying what fits."""
    x = np.ones((1, 3, 5, 5))
    w = np.ones((2, 3, 3, 3))
    b = np.zeros(2)
    args = {"x": x, "w": w, "b": b, "position": (0, 0, 0, 0), "fmt": "{:.3g}"}
    plus = change.pop("out_plus", 0.0)
    args.update(change)
    if "out" not in args:
        try:
            args["out"] = _oracle(args["x"], args["w"]) + plus
        except (ValueError, IndexError):   # shapes scipy cannot combine: any out will do
            args["out"] = np.zeros((1, 2, 3, 3))
    with pytest.raises(error, match=message):
        show_filter_bank(args["x"], args["w"], args["out"], args["position"], b=args["b"],
                         fmt=args["fmt"])
