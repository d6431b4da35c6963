"""autograder.viz.backprop: the backward-pass figures draw the gradients the chain rule gives.

Oracles: scipy.signal (convolve, convolve2d, correlate2d) for the input and weight
gradients of a convolution, central differences (numerical_gradient) of the forward
operation for pooling, ReLU and strided layers, and hand-worked arrays for ties.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgb

from autograder.reference import numerical_gradient, pool2d
from autograder.viz import MAX_GRID_SIDE, PALETTE
from autograder.viz.backprop import (MAX_CONTRIBUTIONS, show_full_correlation,
                                     show_gradcheck_curve, show_pool_routing, show_relu_gate,
                                     show_weight_contributions)


def _numbers(ax):
    return np.array([float(t.get_text()) for t in ax.texts])


def _corners(ax, gid):
    return sorted((int(p.get_y()), int(p.get_x())) for p in ax.patches if p.get_gid() == gid)


def _dilate(d, sh, sw):
    out = np.zeros(((d.shape[0] - 1) * sh + 1, (d.shape[1] - 1) * sw + 1))
    out[::sh, ::sw] = d
    return out


# ----------------------------------------------------------------------- show_full_correlation

# name: (dout shape, kernel shape, stride, position)
FULL_2D = {
    "3x3 kernel": ((2, 3), (3, 3), 1, (2, 3)),
    "1x1 kernel": ((3, 3), (1, 1), 1, (1, 2)),
    "kernel as large as the input (dout 1x1)": ((1, 1), (3, 4), 1, (2, 1)),
    "even kernel": ((3, 3), (2, 2), 1, (0, 0)),
    "non-square": ((2, 4), (2, 3), 1, (1, 5)),
    "stride 2": ((2, 2), (3, 3), 2, (2, 2)),
    "stride (1, 2)": ((3, 2), (2, 3), (1, 2), (3, 4)),
}


@pytest.mark.parametrize("case", FULL_2D, ids=list(FULL_2D))
def test_full_correlation_2d_draws_the_full_convolution_of_the_dilated_gradient(case, rng):
    """The dx panel is scipy's full convolution of the stride-dilated dout with the kernel, and the window sits at position in the padded gradient."""
    ds, ks, stride, (r, c) = FULL_2D[case]
    dout = rng.integers(-3, 4, size=ds).astype(float)
    k = rng.integers(-3, 4, size=ks).astype(float)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    oracle = scipy.signal.convolve2d(_dilate(dout, sh, sw), k, mode="full")
    fig = show_full_correlation(dout, k, (r, c), stride=stride)
    ax_d, ax_k, ax_x = fig.axes
    assert _numbers(ax_x) == pytest.approx(oracle.ravel())
    assert _numbers(ax_k) == pytest.approx(k[::-1, ::-1].ravel())
    kH, kW = ks
    assert _corners(ax_d, "highlight") == [(r + u, c + v) for u in range(kH) for v in range(kW)]
    assert _corners(ax_x, "highlight") == [(r, c)]
    # every drawn cell that is not padding holds an entry of dout, in order
    real = [p for p in ax_d.patches if p.get_gid() == "cell"]
    assert len(real) == dout.size
    assert fig.get_supxlabel().endswith(f"= {oracle[r, c] + 0.0:.3g}")
    assert [t.get_text() for t in fig.legends[0].get_texts()][:3] == \
        ["upstream gradient dout", "kernel w (flipped)", "dx"]


@pytest.mark.parametrize("stride", [1, 2, 3], ids=["stride 1", "stride 2", "stride 3"])
def test_full_correlation_1d_is_the_numerical_input_gradient_of_a_strided_layer(stride, rng):
    """In 1-D the dx row is the central-difference gradient of sum(correlate(x, k)[::stride] * dout)."""
    k = rng.normal(size=3)
    dout = rng.normal(size=4)
    n = (dout.size - 1) * stride + k.size          # the input the windows exactly cover
    x = rng.normal(size=n)
    numeric = numerical_gradient(
        lambda v: np.correlate(v, k, "valid")[::stride], x, dout=dout)
    fig = show_full_correlation(dout, k, 2, stride=stride, fmt="{:.10g}")
    assert _numbers(fig.axes[2]) == pytest.approx(numeric, abs=1e-6)
    assert _corners(fig.axes[0], "highlight") == [(0, 2), (0, 3), (0, 4)]
    # the kernel row sits under the window and is labelled with its original taps reversed
    assert fig.axes[1].get_xlim() == (-2, (dout.size - 1) * stride + 1 + 4 - 2)
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["w[2]", "w[1]", "w[0]"]


def test_full_correlation_caption_lists_only_real_gradient_entries():
    """The caption's products are the dout entries under the window times the flipped taps, zeros left out."""
    fig = show_full_correlation([1.0, 2.0], [1.0, 10.0, 100.0], 0)
    assert fig.get_supxlabel() == "dx[0] = 1×1 = 1"
    fig = show_full_correlation([1.0, -2.0], [1.0, 10.0, 100.0], 2)
    assert fig.get_supxlabel() == "dx[2] = 1×100 + (-2)×10 = 80"
    fig = show_full_correlation([1.0, 2.0], [3.0], 1, stride=2)   # a stride's zero
    assert fig.get_supxlabel() == "dx[1] = 0 = 0"


@settings(max_examples=25)  # each example draws a figure
@given(st.data())
def test_full_correlation_matches_scipy_over_shapes(data):
    """For any small dout, kernel, stride and position, the dx panel equals scipy's full convolution."""
    OH, OW = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    kH, kW = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    sh, sw = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    dout = rng.integers(-4, 5, size=(OH, OW)).astype(float)
    k = rng.integers(-4, 5, size=(kH, kW)).astype(float)
    oracle = scipy.signal.convolve2d(_dilate(dout, sh, sw), k, mode="full")
    r = data.draw(st.integers(0, oracle.shape[0] - 1))
    c = data.draw(st.integers(0, oracle.shape[1] - 1))
    fig = show_full_correlation(dout, k, (r, c), stride=(sh, sw))
    assert _numbers(fig.axes[2]) == pytest.approx(oracle.ravel())
    assert _corners(fig.axes[2], "highlight") == [(r, c)]


FULL_BAD = {
    "dout 3-D": ((np.ones((1, 2, 2)), np.ones((2, 2)), (0, 0)), {}, ValueError, "dout"),
    "mixed dims": ((np.ones(3), np.ones((2, 2)), 0), {}, ValueError, "1-D or both 2-D"),
    "position pair in 1-D": ((np.ones(3), np.ones(2), (0, 1)), {}, TypeError, "position"),
    "position int in 2-D": ((np.ones((2, 2)), np.ones((2, 2)), 1), {}, TypeError, "position"),
    "position outside dx": ((np.ones(3), np.ones(2), 4), {}, ValueError, "shape is 4"),
    "negative position": ((np.ones((2, 2)), np.ones((2, 2)), (0, -1)), {}, ValueError,
                          r"position\[1\]"),
    "stride 0": ((np.ones(3), np.ones(2), 0), {"stride": 0}, ValueError, "stride"),
    "stride pair in 1-D": ((np.ones(3), np.ones(2), 0), {"stride": (1, 2)}, TypeError, "stride"),
    "too large": ((np.ones((19, 2)), np.ones((3, 3)), (0, 0)), {}, ValueError,
                  str(MAX_GRID_SIDE)),
    "strings": ((["a"], [1.0], 0), {}, TypeError, "dout"),
    "bad fmt": ((np.ones(3), np.ones(2), 0), {"fmt": "{:q}"}, ValueError, "fmt"),
}


@pytest.mark.parametrize("args, kwargs, error, match", FULL_BAD.values(), ids=FULL_BAD.keys())
def test_full_correlation_refuses_bad_arguments(args, kwargs, error, match):
    """Each bad argument raises the documented error naming the parameter."""
    with pytest.raises(error, match=match):
        show_full_correlation(*args, **kwargs)


# ----------------------------------------------------------------------- show_pool_routing

def _first_argmax(window):
    """Row-major first position of the maximum, found by scanning (the PyTorch tie rule)."""
    best, where = -np.inf, None
    for u in range(window.shape[0]):
        for v in range(window.shape[1]):
            if window[u, v] > best:
                best, where = window[u, v], (u, v)
    return where


def _route_ends(fig):
    """(dout cell, dx cell) of every arrow, as (row, col) pairs read back from data coordinates."""
    ends = []
    for a in fig.artists:
        if a.get_gid() == "route":
            (xa, ya), (xb, yb) = a.xy1, a.xy2
            ends.append(((int(ya), int(xa)), (int(yb), int(xb))))
    return sorted(ends)


# name: (x shape, kernel_size, stride)
POOL_CASES = {
    "2x2 tiles": ((4, 4), 2, None),
    "1x1 kernel": ((2, 3), 1, None),
    "kernel as large as the input": ((3, 4), (3, 4), None),
    "overlapping 3x3 stride 1": ((4, 5), 3, 1),
    "stride that does not divide": ((5, 5), 2, 2),
    "non-square kernel": ((4, 6), (2, 3), None),
}


@pytest.mark.parametrize("case", POOL_CASES, ids=list(POOL_CASES))
def test_max_pool_routing_sends_each_value_to_its_windows_maximum(case, rng):
    """One arrow per window, from its dout cell to the first maximum found by scanning, and dx equals the numerical gradient of max pooling."""
    shape, k, s = POOL_CASES[case]
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(float)   # no ties
    kH, kW = (k, k) if isinstance(k, int) else k
    sH, sW = (kH, kW) if s is None else (s, s)
    OH, OW = (shape[0] - kH) // sH + 1, (shape[1] - kW) // sW + 1
    dout = rng.integers(1, 9, size=(OH, OW)).astype(float)
    fig = show_pool_routing(x, dout, k, stride=s)
    expected = []
    for i in range(OH):
        for j in range(OW):
            u, v = _first_argmax(x[i * sH:i * sH + kH, j * sW:j * sW + kW])
            expected.append(((i, j), (i * sH + u, j * sW + v)))
    assert _route_ends(fig) == sorted(expected)
    numeric = numerical_gradient(
        lambda v: pool2d(v[None, None], k, stride=s)[0, 0], x, dout=dout, h=1e-3)
    assert _numbers(fig.axes[2]) == pytest.approx(numeric.ravel(), abs=1e-6)
    assert _numbers(fig.axes[0]) == pytest.approx(x.ravel())
    assert _numbers(fig.axes[1]) == pytest.approx(dout.ravel())
    tiles = (sH, sW) == (kH, kW)
    assert (len(_corners(fig.axes[0], "window")) == OH * OW) == tiles


def test_max_pool_routing_breaks_ties_to_the_first_maximum():
    """With tied maxima the whole upstream value goes to the first tied cell in row-major order."""
    x = np.array([[3.0, 3.0, 0.0, 1.0],
                  [3.0, 1.0, 1.0, 1.0]])
    fig = show_pool_routing(x, [[5.0, 7.0]], 2)
    assert _numbers(fig.axes[2]).reshape(2, 4).tolist() == [[5, 0, 0, 7], [0, 0, 0, 0]]
    assert _route_ends(fig) == [((0, 0), (0, 0)), ((0, 1), (0, 3))]
    assert "first" in fig.get_supxlabel()


@pytest.mark.parametrize("case", POOL_CASES, ids=list(POOL_CASES))
def test_avg_pool_routing_spreads_each_value_over_its_window(case, rng):
    """Average pooling draws an arrow to every cell of every window and dx equals the numerical gradient."""
    shape, k, s = POOL_CASES[case]
    x = rng.normal(size=shape)
    kH, kW = (k, k) if isinstance(k, int) else k
    sH, sW = (kH, kW) if s is None else (s, s)
    OH, OW = (shape[0] - kH) // sH + 1, (shape[1] - kW) // sW + 1
    dout = rng.integers(1, 9, size=(OH, OW)).astype(float)
    fig = show_pool_routing(x, dout, k, stride=s, mode="avg", fmt="{:.8g}")
    expected = sorted(((i, j), (i * sH + u, j * sW + v)) for i in range(OH) for j in range(OW)
                      for u in range(kH) for v in range(kW))
    assert _route_ends(fig) == expected
    numeric = numerical_gradient(
        lambda v: pool2d(v[None, None], k, stride=s, mode="avg")[0, 0], x, dout=dout)
    assert _numbers(fig.axes[2]) == pytest.approx(numeric.ravel(), abs=1e-6)
    assert f"dout / {kH * kW}" in fig.get_supxlabel()


POOL_BAD = {
    "x 3-D": ((np.ones((1, 4, 4)), np.ones((2, 2)), 2), {}, ValueError, "x"),
    "dout wrong shape": ((np.ones((4, 4)), np.ones((3, 3)), 2), {}, ValueError, r"\(2, 2\)"),
    "kernel too large": ((np.ones((2, 2)), np.ones((1, 1)), 3), {}, ValueError, "kernel_size"),
    "kernel 0": ((np.ones((2, 2)), np.ones((1, 1)), 0), {}, ValueError, "kernel_size"),
    "stride float": ((np.ones((4, 4)), np.ones((2, 2)), 2), {"stride": 1.5}, TypeError,
                     "stride"),
    "mode l2": ((np.ones((4, 4)), np.ones((2, 2)), 2), {"mode": "l2"}, ValueError, "'avg'"),
    "too large": ((np.ones((22, 2)), np.ones((11, 1)), 2), {}, ValueError, str(MAX_GRID_SIDE)),
}


@pytest.mark.parametrize("args, kwargs, error, match", POOL_BAD.values(), ids=POOL_BAD.keys())
def test_pool_routing_refuses_bad_arguments(args, kwargs, error, match):
    """Each bad argument raises the documented error naming the parameter."""
    with pytest.raises(error, match=match):
        show_pool_routing(*args, **kwargs)


# ----------------------------------------------------------------------- show_relu_gate

def test_relu_gate_passes_the_gradient_where_the_input_is_positive(rng):
    """dx equals the numerical gradient of max(x, 0) (no zeros in x), the positive cells are highlighted, and x = 0 sends back 0."""
    x = rng.normal(size=(3, 4))
    dout = rng.normal(size=(3, 4))
    fig = show_relu_gate(x, dout, fmt="{:.8g}")
    numeric = numerical_gradient(lambda v: np.maximum(v, 0.0), x, dout=dout)
    assert _numbers(fig.axes[2]) == pytest.approx(numeric.ravel(), abs=1e-6)
    positive = sorted(tuple(p) for p in np.argwhere(x > 0))
    assert _corners(fig.axes[0], "highlight") == positive == _corners(fig.axes[2], "highlight")
    assert fig.get_supxlabel().startswith(f"{len(positive)} of 12")
    fig = show_relu_gate([[0.0, 1.0]], [[4.0, 4.0]])
    assert _numbers(fig.axes[2]).tolist() == [0.0, 4.0]


@pytest.mark.parametrize("args, error, match", [
    ((np.ones(3), np.ones(3)), ValueError, "x"),
    ((np.ones((2, 2)), np.ones((2, 3))), ValueError, "dout"),
    ((np.ones((2, 2)), "a"), TypeError, "dout"),
], ids=["x 1-D", "dout other shape", "dout a string"])
def test_relu_gate_refuses_bad_arguments(args, error, match):
    """Each bad argument raises the documented error naming the parameter."""
    with pytest.raises(error, match=match):
        show_relu_gate(*args)


# ----------------------------------------------------------------------- contributions

# name: (x shape, dout shape)
CONTRIB_CASES = {
    "3x3 kernel": ((4, 4), (2, 2)),
    "1x1 kernel": ((3, 2), (3, 2)),
    "kernel as large as the input": ((2, 3), (1, 1)),
    "non-square": ((3, 5), (2, 3)),
}


@pytest.mark.parametrize("case", CONTRIB_CASES, ids=list(CONTRIB_CASES))
def test_weight_contributions_sum_to_scipys_weight_gradient(case, rng):
    """Each panel is dout[i, j] times the window at (i, j), and the last one is correlate2d(x, dout, 'valid')."""
    xs, ds = CONTRIB_CASES[case]
    x = rng.integers(-3, 4, size=xs).astype(float)
    dout = rng.integers(-3, 4, size=ds).astype(float)
    fig = show_weight_contributions(x, dout)
    kH, kW = xs[0] - ds[0] + 1, xs[1] - ds[1] + 1
    assert len(fig.axes) == ds[0] * ds[1] + 1
    for n, ax in enumerate(fig.axes[:-1]):
        i, j = divmod(n, ds[1])
        assert _numbers(ax) == pytest.approx((dout[i, j] * x[i:i + kH, j:j + kW]).ravel())
        assert ax.get_title() == f"dout[{i}, {j}] = {dout[i, j] + 0.0:.3g} × window ({i}, {j})"
    oracle = scipy.signal.correlate2d(x, dout, mode="valid")
    assert _numbers(fig.axes[-1]) == pytest.approx(oracle.ravel())
    rgba = [p for p in fig.axes[0].patches if p.get_gid() == "cell"][0].get_facecolor()
    assert rgba[:3] == pytest.approx(to_rgb(PALETTE["kernel"]))


@pytest.mark.parametrize("args, error, match", [
    ((np.ones((2, 2)), np.ones((3, 3))), ValueError, "larger"),
    ((np.ones((9, 9)), np.ones((5, 5))), ValueError, str(MAX_CONTRIBUTIONS)),
    ((np.ones(3), np.ones((1, 1))), ValueError, "x"),
], ids=["dout larger", "too many positions", "x 1-D"])
def test_weight_contributions_refuse_bad_arguments(args, error, match):
    """Each bad argument raises the documented error naming the parameter."""
    with pytest.raises(error, match=match):
        show_weight_contributions(*args)


# ----------------------------------------------------------------------- gradcheck curve

def test_gradcheck_curve_draws_the_errors_and_a_slope_two_reference():
    """The measured line holds the given points and the reference line falls by h**order through the largest step."""
    h = np.array([1e-2, 1e-1, 1e-3])
    e = np.array([2e-6, 3e-4, 5e-8])
    fig = show_gradcheck_curve(h, e, title="conv2d")
    ax = fig.axes[0]
    measured, reference = ax.lines
    assert measured.get_xdata().tolist() == h.tolist()
    assert measured.get_ydata().tolist() == e.tolist()
    assert reference.get_ydata() == pytest.approx([3e-6, 3e-4, 3e-8])
    assert ax.get_title() == "conv2d"
    fig = show_gradcheck_curve(h, e, order=1)
    assert fig.axes[0].lines[1].get_ydata() == pytest.approx([3e-5, 3e-4, 3e-6])


@pytest.mark.parametrize("args, kwargs, error, match", [
    (([1e-1, 1e-2], [1e-3]), {}, ValueError, "same length"),
    (([1e-1], [1e-3]), {}, ValueError, "at least 2"),
    (([1e-1, 0.0], [1e-3, 1e-4]), {}, ValueError, "steps"),
    (([1e-1, 1e-2], [1e-3, 0.0]), {}, ValueError, "errors"),
    (([1e-1, 1e-2], [1e-3, 1e-4]), {"order": 2.0}, TypeError, "order"),
    (([1e-1, 1e-2], [1e-3, 1e-4]), {"title": 3}, TypeError, "title"),
], ids=["lengths differ", "one point", "zero step", "zero error", "float order", "title"])
def test_gradcheck_curve_refuses_bad_arguments(args, kwargs, error, match):
    """Each bad argument raises the documented error naming the parameter."""
    with pytest.raises(error, match=match):
        show_gradcheck_curve(*args, **kwargs)


# ----------------------------------------------------------------------- all figures

def test_figures_stay_out_of_pyplot_and_render_headless():
    """Every figure renders to PNG with the Agg canvas and none is registered with pyplot."""
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    figs = [show_full_correlation([[1.0, 2.0]], [[1.0, -1.0]], (0, 1), stride=2),
            show_pool_routing([[1, 2], [3, 4]], [[1.0]], 2),
            show_relu_gate([[1.0, -1.0]], [[2.0, 2.0]]),
            show_weight_contributions([[1.0, 2.0]], [[1.0]]),
            show_gradcheck_curve([1e-1, 1e-2], [1e-3, 1e-5])]
    for fig in figs:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == before
    assert matplotlib.get_backend()
