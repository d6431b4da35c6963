"""autograder.viz: the figures draw what they claim, at the right places, and refuse bad arguments.

The output arrays the figures explain are computed here with scipy.signal.correlate2d (the
oracle), not with the package's conv2d, so a figure that agrees with them is drawing the
convolution layer as PyTorch defines it.
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
from matplotlib.figure import Figure

from autograder.viz import MAX_GRID_SIDE, PALETTE, draw_grid, show_conv_step

# The eight Okabe-Ito colours, and the neutral grey used for padding.
OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
             "#CC79A7"}


def _oracle(x, w, b=None, stride=1, padding=0, dilation=1):
    """A conv layer from scipy's correlate2d: pad, dilate the kernel with zeros, subsample."""
    S, P, D = stride, padding, dilation
    N, C_in, H, W = x.shape
    C_out, _, kH, kW = w.shape
    xp = np.pad(x.astype(float), ((0, 0), (0, 0), (P, P), (P, P)))
    dilated = np.zeros((C_out, C_in, D * (kH - 1) + 1, D * (kW - 1) + 1))
    dilated[:, :, ::D, ::D] = w
    out = []
    for n in range(N):
        maps = []
        for o in range(C_out):
            full = sum(scipy.signal.correlate2d(xp[n, c], dilated[o, c], mode="valid")
                       for c in range(C_in))
            maps.append(full[::S, ::S] + (0.0 if b is None else b[o]))
        out.append(maps)
    return np.array(out)


def _patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def _corners(patches):
    """Top-left corners of unit cells as (row, col) pairs."""
    return sorted((int(p.get_y()), int(p.get_x())) for p in patches)


# name: (x shape, w shape, stride, padding, dilation, position)
CASES = {
    "3x3 kernel, stride 1": ((1, 1, 4, 5), (2, 1, 3, 3), 1, 0, 1, (0, 1, 1, 2)),
    "1x1 kernel": ((1, 1, 3, 4), (1, 1, 1, 1), 1, 0, 1, (0, 0, 2, 3)),
    "kernel as large as the input": ((1, 1, 3, 4), (1, 1, 3, 4), 1, 0, 1, (0, 0, 0, 0)),
    "even kernel": ((1, 1, 4, 4), (1, 1, 2, 2), 1, 0, 1, (0, 0, 2, 1)),
    "non-square input and kernel": ((1, 1, 3, 6), (1, 1, 2, 3), 1, 0, 1, (0, 0, 1, 3)),
    "stride that does not divide": ((1, 1, 6, 6), (1, 1, 3, 3), 2, 0, 1, (0, 0, 1, 1)),
    "padding 1 at a corner": ((1, 1, 4, 4), (1, 1, 3, 3), 1, 1, 1, (0, 0, 0, 3)),
    "dilation 2 with padding": ((1, 1, 5, 5), (1, 1, 3, 3), 1, 2, 2, (0, 0, 4, 1)),
    "two input channels, N=2": ((2, 2, 4, 4), (3, 2, 3, 3), 1, 0, 1, (1, 2, 1, 0)),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_show_conv_step_draws_every_cell_and_highlights_the_window(case, rng):
    """Each panel has one cell per array element with its number, and the window, the kernel taps and the output cell are where the formula puts them."""
    xs, ws, S, P, D, position = CASES[case]
    x = rng.integers(-3, 4, size=xs).astype(float)
    w = rng.integers(-2, 3, size=ws).astype(float)
    out = _oracle(x, w, stride=S, padding=P, dilation=D)
    fig = show_conv_step(x, w, out, position, stride=S, padding=P, dilation=D)

    n, o, i, j = position
    C_in, H, W = xs[1:]
    kH, kW = ws[2:]
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 * C_in + 1
    xp = np.pad(x[n], ((0, 0), (P, P), (P, P)))
    taps = sorted((i * S + u * D, j * S + v * D) for u in range(kH) for v in range(kW))
    for c in range(C_in):
        ax = fig.axes[c]
        assert len(_patches(ax, "cell")) == H * W
        assert len(_patches(ax, "padding")) == (H + 2 * P) * (W + 2 * P) - H * W
        assert _corners(_patches(ax, "highlight")) == taps
        assert [t.get_text() for t in ax.texts] == [f"{v:.3g}" for v in xp[c].ravel()]
        kernel_ax = fig.axes[C_in + c]
        assert len(_patches(kernel_ax, "cell")) == kH * kW
        assert not _patches(kernel_ax, "highlight")
        assert [t.get_text() for t in kernel_ax.texts] == [f"{v:.3g}" for v in w[o, c].ravel()]
    out_ax = fig.axes[-1]
    assert len(_patches(out_ax, "cell")) == out.shape[2] * out.shape[3]
    assert _corners(_patches(out_ax, "highlight")) == [(i, j)]
    assert [t.get_text() for t in out_ax.texts] == [f"{v:.3g}" for v in out[n, o].ravel()]


def test_titles_legend_and_caption_name_input_kernel_and_output():
    """Titles index the arrays, the legend names input, kernel, output and window, and the caption states the sum and the bias."""
    x = np.arange(20.0).reshape(1, 1, 4, 5)
    w = np.ones((2, 1, 3, 3))
    b = np.array([0.5, -1.0])
    out = _oracle(x, w, b)
    fig = show_conv_step(x, w, out, (0, 1, 0, 2), b=b)
    assert [ax.get_title() for ax in fig.axes] == ["input x[0, 0]", "kernel w[1, 0]",
                                                    "output out[0, 1]"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["input x", "kernel w", "output out", "current window"]
    window_sum = x[0, 0, 0:3, 2:5].sum()
    assert fig.get_supxlabel() == (f"out[0, 1, 0, 2] = sum of window × kernel + b[1] = "
                                   f"{window_sum:.3g} + -1 = {window_sum - 1:.3g}")


def test_padding_and_stride_are_named_in_legend_caption_and_ticks():
    """With padding the legend adds 'zero padding', the caption gives the settings, and ticks count from the unpadded corner."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 3, 3))
    out = _oracle(x, w, stride=2, padding=1)
    fig = show_conv_step(x, w, out, (0, 0, 1, 0), stride=2, padding=1)
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "zero padding"
    assert fig.axes[0].get_title() == "input x[0, 0], padded"
    assert "stride (2, 2), padding (1, 1), dilation (1, 1)" in fig.get_supxlabel()
    assert "starts at row 1, column -1 of x" in fig.get_supxlabel()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["-1", "0", "1", "2", "3",
                                                                     "4"]


@settings(max_examples=25)
@given(data=st.data())
def test_highlight_follows_the_formula_over_random_layers(data):
    """Over random shapes and settings, the highlighted taps are the padded pixels (iS + uD, jS + vD) and the figure accepts the oracle's output."""
    S, P, D = (data.draw(st.integers(1, 3), label=name) for name in ("stride", "pad", "dil"))
    kH, kW = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    H = data.draw(st.integers(max(1, D * (kH - 1) + 1 - 2 * P), 7))
    W = data.draw(st.integers(max(1, D * (kW - 1) + 1 - 2 * P), 7))
    C_in = data.draw(st.integers(1, 2))
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    gen = np.random.default_rng(seed)
    x = gen.integers(-5, 6, size=(1, C_in, H, W)).astype(float)
    w = gen.integers(-2, 3, size=(2, C_in, kH, kW)).astype(float)
    b = gen.integers(-2, 3, size=2).astype(float)
    out = _oracle(x, w, b, S, P, D)
    i = data.draw(st.integers(0, out.shape[2] - 1))
    j = data.draw(st.integers(0, out.shape[3] - 1))
    fig = show_conv_step(x, w, out, (0, 1, i, j), b=b, stride=S, padding=P, dilation=D)
    taps = sorted((i * S + u * D, j * S + v * D) for u in range(kH) for v in range(kW))
    assert _corners(_patches(fig.axes[0], "highlight")) == taps
    assert _corners(_patches(fig.axes[-1], "highlight")) == [(i, j)]


def test_figures_stay_out_of_pyplot_and_render_headless():
    """A figure is not registered with pyplot (nothing to show or close) and renders to PNG with the Agg canvas."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    x = np.ones((1, 1, 3, 3))
    w = np.ones((1, 1, 2, 2))
    fig = show_conv_step(x, w, _oracle(x, w), (0, 0, 0, 0))
    assert plt.get_fignums() == before
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"


def test_palette_is_okabe_ito_defined_once_and_read_only():
    """Roles have distinct Okabe-Ito colours, cells are tinted with them, and the palette cannot be changed by a caller."""
    data_roles = {role: PALETTE[role] for role in ("input", "kernel", "output", "window")}
    assert set(data_roles.values()) <= OKABE_ITO
    assert len(set(data_roles.values())) == len(data_roles)
    for role in ("input", "kernel", "output"):
        ax = Figure().add_subplot()
        cells = draw_grid(ax, [[1, 2]], role)
        for cell in cells:  # a tint: the role's colour made transparent, not another colour
            assert cell.get_facecolor()[:3] == pytest.approx(to_rgb(PALETTE[role]))
            assert cell.get_facecolor()[3] < 1
    with pytest.raises(TypeError):
        PALETTE["input"] = "red"


def test_draw_grid_marks_padding_highlight_and_origin():
    """draw_grid makes one cell per value, hatches padding, overlays highlights and labels ticks from the origin."""
    ax = Figure().add_subplot()
    values = np.arange(6).reshape(2, 3)
    padded = np.array([[True, False, False], [True, False, False]])
    highlight = np.array([[False, False, True], [False, False, False]])
    cells = draw_grid(ax, values, "output", highlight=highlight, padded=padded, origin=(5, -1),
                      fmt="{:.1f}", title="t")
    assert [c.get_gid() for c in cells] == ["padding", "cell", "cell"] * 2
    assert all(c.get_hatch() for c in cells if c.get_gid() == "padding")
    assert _corners(_patches(ax, "highlight")) == [(0, 2)]
    assert [t.get_text() for t in ax.texts] == ["0.0", "1.0", "2.0", "3.0", "4.0", "5.0"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "6"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-1", "0", "1"]
    assert ax.get_ylim() == (2, 0)  # row 0 at the top, as numpy prints arrays
    assert ax.get_title() == "t"


@pytest.mark.parametrize("kwargs, error, match", [
    ({"values": [1, 2, 3]}, ValueError, "values must be a 2-D array"),
    ({"values": [["a"]]}, TypeError, "values must have a numeric dtype"),
    ({"role": "bias"}, ValueError, "role must be one of 'input', 'kernel', 'output', got 'bias'"),
    ({"highlight": [[1, 0]]}, TypeError, "highlight must have a numeric dtype \\(bool\\)"),
    ({"padded": [[True]]}, ValueError, "padded must have the shape of values \\(1, 2\\)"),
    ({"fmt": 3}, TypeError, "fmt must be a format string"),
    ({"fmt": "{:d}"}, ValueError, "fmt must format one number"),
    ({"values": np.zeros((1, MAX_GRID_SIDE + 1))}, ValueError, "too large to label"),
    ({"origin": (0, 0, 0)}, ValueError, "origin must be an int or a pair"),
])
def test_draw_grid_rejects_bad_arguments(kwargs, error, match):
    """draw_grid raises the right error type with a message naming the parameter and what is allowed."""
    args = {"values": [[1.0, 2.0]], "role": "input", **kwargs}
    with pytest.raises(error, match=match):
        draw_grid(Figure().add_subplot(), args.pop("values"), args.pop("role"), **args)


def _good():
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    w = np.ones((2, 1, 2, 2))
    b = np.array([1.0, 2.0])
    return {"x": x, "w": w, "out": _oracle(x, w, b), "position": (0, 1, 1, 2), "b": b}


BAD = {
    "x not 4-D": ({"x": np.zeros((3, 4))}, ValueError, r"x must be a 4-D array laid out as \(N, C_in, H, W\)"),
    "x not numeric": ({"x": "image"}, TypeError, "x must be a numeric array"),
    "w not 4-D": ({"w": np.ones((2, 2))}, ValueError, r"w must be a 4-D array laid out as \(C_out, C_in, kH, kW\)"),
    "channels differ": ({"w": np.ones((2, 3, 2, 2))}, ValueError, r"w must have C_in = x.shape\[1\] = 1"),
    "out has the wrong shape": ({"out": np.zeros((1, 2, 3, 4))}, ValueError, r"out must have shape \(N, C_out, H_out, W_out\) = \(1, 2, 2, 3\)"),
    "position has 3 entries": ({"position": (0, 1, 1)}, ValueError, r"position must be a tuple \(n, o, i, j\)"),
    "position is an int": ({"position": 3}, TypeError, r"position must be a tuple \(n, o, i, j\)"),
    "position outside out": ({"position": (0, 1, 2, 0)}, ValueError, r"position\[2\] \(i\) must be < 2"),
    "negative position": ({"position": (0, -1, 0, 0)}, ValueError, r"position\[1\] \(o\) must be >= 0"),
    "float position": ({"position": (0, 1, 1.0, 2)}, TypeError, r"position\[2\] \(i\) must be an int"),
    "bias of the wrong length": ({"b": np.ones(3)}, ValueError, r"b must have shape \(C_out,\) = \(2,\)"),
    "bias forgotten": ({"b": None}, ValueError, r"out\[0, 1, 1, 2\] is .* pass the x, w and b"),
    "out from other weights": ({"w": -np.ones((2, 1, 2, 2))}, ValueError, "pass the x, w and b that out was computed with"),
    "stride 0": ({"stride": 0}, ValueError, "stride must be >= 1"),
    "dilation 0": ({"dilation": 0}, ValueError, "dilation must be >= 1"),
    "negative padding": ({"padding": -1}, ValueError, "padding must be >= 0"),
    "padding 'same'": ({"padding": "same"}, TypeError, "padding must be an int or a pair of ints"),
    "kernel larger than the input": ({"w": np.ones((2, 1, 4, 4))}, ValueError, "kernel spans 4"),
    "bad fmt": ({"fmt": "{}{}"}, ValueError, "fmt must format one number"),
    "too many channels": ({"x": np.ones((1, 5, 3, 4)), "w": np.ones((2, 5, 2, 2))}, ValueError, "at most 4"),
    "input too large": ({"x": np.ones((1, 1, 3, MAX_GRID_SIDE + 1))}, ValueError, f"draws sides up to {MAX_GRID_SIDE}"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_show_conv_step_rejects_bad_arguments(case):
    """show_conv_step raises the right error type with a message naming the parameter, the value and what is allowed."""
    changes, error, match = BAD[case]
    args = {**_good(), **changes}
    with pytest.raises(error, match=match):
        show_conv_step(args.pop("x"), args.pop("w"), args.pop("out"), args.pop("position"),
                       **args)


def test_good_arguments_are_accepted():
    """The arguments the bad cases start from are valid, so each bad case fails for its own reason."""
    args = _good()
    fig = show_conv_step(args.pop("x"), args.pop("w"), args.pop("out"), args.pop("position"),
                         **args)
    assert matplotlib.figure.Figure is type(fig)


# ----------------------------------------------------------------------------- show_slide_1d

from autograder.viz import show_slide_1d  # noqa: E402  (added with lecture 01)

# name: (signal length, kernel length, i)
SLIDE_CASES = {
    "kernel of 1": (5, 1, 4),
    "kernel as long as the signal": (4, 4, 0),
    "even kernel": (6, 2, 3),
    "odd kernel, middle": (7, 3, 2),
}


@pytest.mark.parametrize("flip", [False, True], ids=["correlate", "convolve"])
@pytest.mark.parametrize("N, K, i", SLIDE_CASES.values(), ids=SLIDE_CASES.keys())
def test_slide_1d_draws_numpys_output_and_window(N, K, i, flip, rng):
    """The output row holds numpy's correlate/convolve valid result, the window covers x[i:i+K] and the kernel row is reversed for convolution."""
    x = rng.integers(-5, 6, size=N).astype(float)
    k = rng.integers(-3, 4, size=K).astype(float)
    fig = show_slide_1d(x, k, i, flip=flip)
    ax_x, ax_k, ax_y = fig.axes
    oracle = np.convolve(x, k, "valid") if flip else np.correlate(x, k, "valid")
    assert [float(t.get_text()) for t in ax_y.texts] == pytest.approx(list(oracle))
    assert _corners(_patches(ax_x, "highlight")) == [(0, c) for c in range(i, i + K)]
    assert _corners(_patches(ax_y, "highlight")) == [(0, i)]
    laid = k[::-1] if flip else k
    assert [float(t.get_text()) for t in ax_k.texts] == pytest.approx(list(laid))
    # the kernel row is shifted so that its cells sit under the window's columns
    assert ax_k.get_xlim() == (-i, N - i)
    assert fig.get_supxlabel().endswith(f"= {oracle[i]:.3g}")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == \
        ["signal x", "kernel k", "output y", "current window"]


def test_slide_1d_uses_the_palette():
    """Signal, kernel and output cells are tinted with the palette's input, kernel and output colours."""
    fig = show_slide_1d([1, 2, 3], [1, -1], 0)
    for ax, role in zip(fig.axes, ("input", "kernel", "output")):
        rgba = _patches(ax, "cell")[0].get_facecolor()
        assert rgba[:3] == pytest.approx(to_rgb(PALETTE[role]))


SLIDE_BAD = {
    "signal 2-D": (([[1, 2]], [1], 0, False), ValueError, "signal"),
    "kernel longer": (([1, 2], [1, 2, 3], 0, False), ValueError, "kernel"),
    "signal too long": ((np.ones(MAX_GRID_SIDE + 1), [1], 0, False), ValueError, "signal"),
    "i past the end": (([1, 2, 3], [1, 1], 2, False), ValueError, "i must be <= N - K = 1"),
    "i negative": (([1, 2, 3], [1, 1], -1, False), ValueError, "i"),
    "i a float": (([1, 2, 3], [1, 1], 0.5, False), TypeError, "i"),
    "flip not a bool": (([1, 2, 3], [1, 1], 0, "yes"), TypeError, "flip"),
    "signal of strings": ((["a", "b"], [1], 0, False), TypeError, "signal"),
}


@pytest.mark.parametrize("args, error, match", SLIDE_BAD.values(), ids=SLIDE_BAD.keys())
def test_slide_1d_refuses_bad_arguments(args, error, match):
    """Each bad argument raises the documented error naming the parameter."""
    signal, kernel, i, flip = args
    with pytest.raises(error, match=match):
        show_slide_1d(signal, kernel, i, flip=flip)


# ----------------------------------------------------------------------------- show_images

from autograder.viz import show_images  # noqa: E402  (added with lecture 01)


def test_show_images_draws_each_image_with_its_title():
    """Each image is drawn unchanged with its title, grey for unsigned and zero-centred for signed data."""
    a = np.arange(12.0).reshape(3, 4)
    b = np.array([[-2.0, 1.0], [0.5, 0.0]])
    fig = show_images([a, b], ["photo", "edges"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["photo", "edges"]
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), a)
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), b)
    assert fig.axes[0].images[0].get_cmap().name == "gray"
    assert fig.axes[1].images[0].get_clim() == (-2.0, 2.0)
    assert len(fig.axes) == 3   # one colour bar, for the signed image only


def test_show_images_signed_can_be_forced():
    """signed=[True] centres even a non-negative image on zero."""
    fig = show_images([np.ones((2, 2))], ["ones"], signed=[True])
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)


IMAGES_BAD = {
    "1-D image": (([np.ones(3)], ["a"], None), ValueError, r"images\[0\]"),
    "too few titles": (([np.ones((2, 2))] * 2, ["a"], None), ValueError, "titles"),
    "title not a string": (([np.ones((2, 2))], [1], None), TypeError, r"titles\[0\]"),
    "signed wrong length": (([np.ones((2, 2))], ["a"], [True, False]), ValueError, "signed"),
}


@pytest.mark.parametrize("args, error, match", IMAGES_BAD.values(), ids=IMAGES_BAD.keys())
def test_show_images_refuses_bad_arguments(args, error, match):
    """Each bad argument raises the documented error naming the parameter."""
    images, titles, signed = args
    with pytest.raises(error, match=match):
        show_images(images, titles, signed=signed)
