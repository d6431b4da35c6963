"""autograder.viz.connectivity: the figures of lecture 04 show the connections a convolution really has.

Every oracle here is independent of the code under test: tap positions from loops over the
formula, connections and receptive fields by perturbing one input at a time through
scipy.signal.correlate / correlate2d, shifts from numpy slicing.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_rgba

from autograder.reference import receptive_field
from autograder.viz import PALETTE
from autograder.viz.connectivity import (MAX_MATRIX_SIDE, tap_colours, tap_matrix,
                                         show_conv_matrix, show_connections,
                                         show_equivariance, show_receptive_field,
                                         show_stacked_connections, trace_receptive_field,
                                         translate)


# ------------------------------------------------------------------------------ oracles

def _tap_oracle(kernel, shape, stride=1, padding=0, dilation=1):
    """Tap number at each (output, input) entry, from loops over the layer's formula."""
    (kh, kw), (H, W) = kernel, shape
    s, p, d = stride, padding, dilation
    oh = (H + 2 * p - d * (kh - 1) - 1) // s + 1
    ow = (W + 2 * p - d * (kw - 1) - 1) // s + 1
    taps = -np.ones((oh * ow, H * W), dtype=int)
    for i in range(oh):
        for j in range(ow):
            for u in range(kh):
                for v in range(kw):
                    r, c = i * s + u * d - p, j * s + v * d - p
                    if 0 <= r < H and 0 <= c < W:
                        taps[i * ow + j, r * W + c] = u * kw + v
    return taps


def _scipy_layer(x, kernel, stride, padding, dilation):
    """One 2-D layer from scipy: pad, dilate the kernel with zeros, correlate, subsample."""
    kh, kw = kernel.shape
    dilated = np.zeros((dilation * (kh - 1) + 1, dilation * (kw - 1) + 1))
    dilated[::dilation, ::dilation] = kernel
    xp = np.pad(x, padding)
    return scipy.signal.correlate2d(xp, dilated, mode="valid")[::stride, ::stride]


def _conv1d_links(n, k):
    """(input, output, tap) of a 1-D convolution with padding (k - 1) // 2, by perturbation."""
    pad = (k - 1) // 2
    links = set()
    for u in range(k):
        onehot = np.zeros(k)
        onehot[u] = 1.0
        for i in range(n):
            delta = np.zeros(n)
            delta[i] = 1.0
            out = scipy.signal.correlate(np.pad(delta, pad), onehot, mode="valid")
            links |= {(i, int(o), u) for o in np.nonzero(out)[0]}
    return links


def _stack_masks(specs, size, unit):
    """Masks of every map reaching ``unit``, by perturbing each cell through scipy layers of ones."""
    shapes = [size]
    layers = []
    for k, s, d, p in specs:
        layers.append((np.ones((k, k)), s, p, d))
        probe = _scipy_layer(np.zeros(shapes[-1]), np.ones((k, k)), s, p, d)
        shapes.append(probe.shape)
    masks = []
    for level, shape in enumerate(shapes):
        mask = np.zeros(shape, dtype=bool)
        for r in range(shape[0]):
            for c in range(shape[1]):
                z = np.zeros(shape)
                z[r, c] = 1.0
                for kernel, s, p, d in layers[level:]:
                    z = _scipy_layer(z, kernel, s, p, d)
                mask[r, c] = z[unit] > 0
        masks.append(mask)
    return masks


def _highlighted_cells(ax):
    return sorted((int(p.get_y()), int(p.get_x())) for p in ax.patches
                  if p.get_gid() == "highlight")


def _window_cells(ax):
    """Cells of an image drawn in PALETTE['window']."""
    image = np.asarray(ax.images[0].get_array())
    return np.all(np.isclose(image, to_rgba(PALETTE["window"])), axis=-1)


# ---------------------------------------------------------------------------- tap_matrix

# name: (kernel, input shape, stride, padding, dilation)
CASES = {
    "1x1 kernel": ((1, 1), (3, 4), 1, 0, 1),
    "kernel as large as the input": ((3, 4), (3, 4), 1, 0, 1),
    "even kernel": ((2, 2), (4, 4), 1, 0, 1),
    "non-square input and kernel": ((2, 3), (3, 6), 1, 0, 1),
    "stride that does not divide": ((3, 3), (6, 6), 2, 0, 1),
    "padding 1": ((3, 3), (4, 4), 1, 1, 1),
    "dilation 2 with padding 2": ((3, 3), (5, 5), 1, 2, 2),
    "1-D, kernel 3 on 5 units": ((1, 3), (1, 5), 1, 0, 1),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_tap_matrix_matches_the_formula(case):
    """tap_matrix puts tap u * kW + v exactly where the layer's formula says output (i, j) reads pixel (r, c)."""
    kernel, shape, s, p, d = CASES[case]
    np.testing.assert_array_equal(tap_matrix(kernel, shape, s, p, d),
                                  _tap_oracle(kernel, shape, s, p, d))


@given(kh=st.integers(1, 3), kw=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7),
       s=st.integers(1, 3), p=st.integers(0, 2), d=st.integers(1, 2), seed=st.integers(0, 99))
def test_kernel_placed_by_tap_matrix_computes_scipys_correlation(kh, kw, h, w, s, p, d, seed):
    """The kernel's weights placed by the tap pattern form a matrix whose product with the input is scipy's cross-correlation."""
    if d * (kh - 1) + 1 > h + 2 * p or d * (kw - 1) + 1 > w + 2 * p:
        return
    rng = np.random.default_rng(seed)
    kernel, x = rng.normal(size=(kh, kw)), rng.normal(size=(h, w))
    taps = tap_matrix((kh, kw), (h, w), s, p, d)
    M = np.where(taps >= 0, kernel.ravel()[taps], 0.0)
    np.testing.assert_allclose(M @ x.ravel(), _scipy_layer(x, kernel, s, p, d).ravel(),
                               atol=1e-12)


def test_tap_colours_are_distinct_and_refuse_zero():
    """Every tap gets its own colour, and a count below 1 is refused naming n_taps."""
    colours = tap_colours(9)
    assert len(set(colours)) == 9
    with pytest.raises(ValueError, match="n_taps"):
        tap_colours(0)
    with pytest.raises(TypeError, match="n_taps"):
        tap_colours(2.0)


# ---------------------------------------------------------------------- show_conv_matrix

@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_show_conv_matrix_colours_every_nonzero_by_its_tap(case, rng):
    """Each nonzero entry is one cell at (col, row) in its tap's colour, and the caption counts them."""
    kernel_shape, shape, s, p, d = CASES[case]
    kernel = rng.integers(1, 9, size=kernel_shape)
    fig = show_conv_matrix(kernel, shape, stride=s, padding=p, dilation=d)
    oracle = _tap_oracle(kernel_shape, shape, s, p, d)
    colours = tap_colours(kernel.size)
    ax = fig.axes[1]
    for t in range(kernel.size):
        cells = [q for q in ax.patches if q.get_gid() == f"tap {t}"]
        rows, cols = np.nonzero(oracle == t)
        assert sorted((int(q.get_x()), int(q.get_y())) for q in cells) == \
            sorted(zip(cols.tolist(), rows.tolist()))
        assert all(np.allclose(q.get_facecolor(), colours[t]) for q in cells)
    nonzero = int((oracle >= 0).sum())
    assert f"M has {oracle.size} entries, {nonzero} nonzero" in fig.get_supxlabel()
    assert f"only {kernel.size} distinct weights" in fig.get_supxlabel()
    assert len(fig.legends[0].get_texts()) == kernel.size + 1


def test_show_conv_matrix_writes_the_kernel_values_in_the_cells():
    """The numbers in a small matrix's cells are the kernel values of their taps, row by row."""
    fig = show_conv_matrix([[1, 2, 3]], (1, 5), padding=(0, 1))
    assert [t.get_text() for t in fig.axes[1].texts] == \
        ["2", "3", "1", "2", "3", "1", "2", "3", "1", "2", "3", "1", "2"]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(kernel=np.ones((1, 1, 3, 3)), input_shape=(5, 5)), ValueError, "kernel"),
    (dict(kernel="abc", input_shape=(5, 5)), TypeError, "kernel"),
    (dict(kernel=np.ones((3, 3)), input_shape=(MAX_MATRIX_SIDE, 9)), ValueError, "smaller"),
    (dict(kernel=np.ones((3, 3)), input_shape=(5, 5), fmt=3), TypeError, "fmt"),
    (dict(kernel=np.ones((3, 3)), input_shape=(5, 5), stride=0), ValueError, "stride"),
    (dict(kernel=np.ones((6, 6)), input_shape=(5, 5)), ValueError, "kernel"),
])
def test_show_conv_matrix_refuses_bad_arguments(kwargs, error, match):
    """Bad arguments raise an error naming the parameter."""
    with pytest.raises(error, match=match):
        show_conv_matrix(**kwargs)


# ---------------------------------------------------------------------- show_connections

@pytest.mark.parametrize("n, k", [(5, 3), (5, 1), (4, 2), (6, 5), (3, 3), (1, 1)],
                         ids=["the 5-unit example", "1-tap kernel", "even kernel",
                              "wide kernel", "kernel as long as the input", "one unit"])
def test_show_connections_draws_exactly_the_layers_connections(n, k):
    """The fully connected panel has n * n lines; the convolution's lines and their colours are the connections perturbation finds."""
    fig = show_connections(n, k)
    ax_fc, ax_conv = fig.axes
    assert sorted(l.get_gid() for l in ax_fc.lines) == \
        sorted(f"x{i + 1}-s{o + 1}" for i in range(n) for o in range(n))
    links = _conv1d_links(n, k)
    colours = tap_colours(k)
    drawn = {(line.get_gid(), line.get_label()) for line in ax_conv.lines}
    assert drawn == {(f"x{i + 1}-s{o + 1}", f"w{u + 1}") for i, o, u in links}
    for line in ax_conv.lines:
        u = int(line.get_label()[1:]) - 1
        assert np.allclose(to_rgba(line.get_color()), colours[u])
    assert ax_conv.get_title() == f"convolution: {len(links)} connections, {k} weights"
    assert ax_fc.get_title() == f"fully connected: {n * n} weights"


def test_show_connections_thickens_the_chosen_units_lines():
    """With unit=1 the thick lines are exactly those into s1, in both panels."""
    fig = show_connections(5, 3, unit=1)
    thick_fc = {l.get_gid() for l in fig.axes[0].lines if l.get_linewidth() > 2}
    thick_cv = {l.get_gid() for l in fig.axes[1].lines if l.get_linewidth() > 2}
    assert thick_fc == {f"x{i}-s1" for i in range(1, 6)}
    assert thick_cv == {"x1-s1", "x2-s1"}


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_units=0), ValueError, "n_units"),
    (dict(n_units=13), ValueError, "n_units"),
    (dict(n_units=5, kernel_size=6), ValueError, "kernel_size"),
    (dict(n_units=5, kernel_size=3.0), TypeError, "kernel_size"),
    (dict(n_units=5, unit=6), ValueError, "unit"),
])
def test_show_connections_refuses_bad_arguments(kwargs, error, match):
    """Bad arguments raise an error naming the parameter."""
    with pytest.raises(error, match=match):
        show_connections(**kwargs)


# ------------------------------------------------------------- show_stacked_connections

@pytest.mark.parametrize("n, k, layers, unit", [
    (5, 3, 2, 3), (5, 3, 1, 3), (5, 3, 2, 1), (9, 3, 3, 5), (9, 5, 2, 5), (7, 1, 4, 2),
    (11, 3, 4, 6)],
    ids=["y3 of the seed's example", "one layer", "edge unit", "three layers",
         "kernel 5", "1x1 kernels", "four layers"])
def test_stacked_connections_highlight_what_perturbation_reaches(n, k, layers, unit):
    """The highlighted units of every layer are those whose perturbation changes the chosen top unit."""
    fig = show_stacked_connections(n, k, layers, unit=unit)
    ax = fig.axes[0]
    names = ["x"] + ["h", "g", "f"][:layers - 1] + ["y"]
    pad = (k - 1) // 2
    inputs = []
    for level in range(layers + 1):
        reached = set()
        for i in range(n):
            z = np.zeros(n)
            z[i] = 1.0
            for _ in range(layers - level):
                z = scipy.signal.correlate(np.pad(z, pad), np.ones(k), mode="valid")
            if z[unit - 1] > 0:
                reached.add(f"{names[level]}{i + 1}")
        thick = {c.get_gid() for c in ax.patches if c.get_gid()
                 and c.get_gid().startswith(names[level]) and c.get_linewidth() > 2}
        assert thick == reached, names[level]
        if level == 0:
            inputs = sorted(int(g[1:]) for g in reached)
    assert fig.get_supxlabel().startswith(
        f"y{unit} depends on {', '.join(f'x{i}' for i in inputs)} ({len(inputs)} inputs)")


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(kernel_size=2), ValueError, "odd"),
    (dict(layers=5), ValueError, "layers"),
    (dict(layers=0), ValueError, "layers"),
    (dict(unit=6), ValueError, "unit"),
    (dict(unit="3"), TypeError, "unit"),
])
def test_show_stacked_connections_refuses_bad_arguments(kwargs, error, match):
    """Bad arguments raise an error naming the parameter."""
    with pytest.raises(error, match=match):
        show_stacked_connections(**kwargs)


# ----------------------------------------------------------------------------- translate

@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=3),
       shift=st.integers(-7, 7), seed=st.integers(0, 99))
def test_translate_moves_the_last_axis_with_zeros(shape, shift, seed):
    """translate(x, s)[..., n] is x[..., n - s] where that index exists and 0 elsewhere."""
    x = np.random.default_rng(seed).normal(size=shape)
    out = translate(x, shift)
    L = shape[-1]
    for n in range(L):
        want = x[..., n - shift] if 0 <= n - shift < L else np.zeros(shape[:-1])
        np.testing.assert_array_equal(out[..., n], want)


def test_translate_moves_two_axes():
    """A pair moves rows and columns, and a shift past the edge leaves only zeros."""
    x = np.arange(1, 13).reshape(3, 4)
    np.testing.assert_array_equal(translate(x, (1, 2)),
                                  [[0, 0, 0, 0], [0, 0, 1, 2], [0, 0, 5, 6]])
    np.testing.assert_array_equal(translate(x, (0, -5)), np.zeros((3, 4)))


@pytest.mark.parametrize("args, error, match", [
    (([1, 2], 1.5), TypeError, "shift"),
    (([1, 2], (1, 1)), ValueError, "shift"),
    (("ab", 1), TypeError, "x"),
])
def test_translate_refuses_bad_arguments(args, error, match):
    """Bad arguments raise an error naming the parameter."""
    with pytest.raises(error, match=match):
        translate(*args)


# --------------------------------------------------------------------- show_equivariance

@pytest.mark.parametrize("n, k, shift, stride", [
    (12, 3, 2, 1), (12, 3, 0, 1), (10, 1, 3, 1), (12, 3, 2, 2), (12, 3, 4, 2),
    (12, 4, 3, 3), (8, 8, 1, 1)],
    ids=["shift 2", "no shift", "1-tap kernel", "stride divides the shift",
         "stride 2, shift 4", "even kernel, stride 3", "kernel as long as the signal"])
def test_equivariance_highlights_the_outputs_that_moved(n, k, shift, stride, rng):
    """The highlighted outputs of conv(shift(x)) are exactly those equal to y moved by shift / stride, from scipy."""
    x = rng.normal(size=n)
    kernel = rng.normal(size=k)
    fig = show_equivariance(x, kernel, shift, stride=stride)
    y = scipy.signal.correlate(x, kernel, mode="valid")[::stride]
    moved = np.concatenate([np.zeros(shift), x[:n - shift]])
    y2 = scipy.signal.correlate(moved, kernel, mode="valid")[::stride]
    step = shift // stride
    want = [(0, i) for i in range(step, len(y2)) if np.isclose(y2[i], y[i - step])]
    assert _highlighted_cells(fig.axes[3]) == want
    # windows starting at or after the shift read only moved data, so they must all match
    first = -(-shift // stride)
    assert [(0, i) for i in range(first, len(y2))] == [c for c in want if c[1] >= first]
    assert "equals y moved" in fig.get_supxlabel()


def test_equivariance_breaks_when_the_stride_does_not_divide_the_shift(rng):
    """Shift 1 with stride 2 on random data: no output equals y moved, and the caption says why."""
    fig = show_equivariance(rng.normal(size=14), rng.normal(size=3), 1, stride=2)
    assert _highlighted_cells(fig.axes[3]) == []
    assert "not a multiple of stride 2" in fig.get_supxlabel()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(signal=np.ones(5), kernel=np.ones(6), shift=1), ValueError, "kernel"),
    (dict(signal=np.ones(21), kernel=np.ones(3), shift=1), ValueError, "signal"),
    (dict(signal=np.ones(5), kernel=np.ones(3), shift=5), ValueError, "shift"),
    (dict(signal=np.ones(5), kernel=np.ones(3), shift=-1), ValueError, "shift"),
    (dict(signal=np.ones(5), kernel=np.ones(3), shift=1, stride=0), ValueError, "stride"),
    (dict(signal=np.ones((2, 5)), kernel=np.ones(3), shift=1), ValueError, "signal"),
])
def test_show_equivariance_refuses_bad_arguments(kwargs, error, match):
    """Bad arguments raise an error naming the parameter."""
    with pytest.raises(error, match=match):
        show_equivariance(**kwargs)


# ------------------------------------------------------------------------ receptive field

# name: (layers as (k, stride, dilation, padding), input side, unit)
STACKS = {
    "one 3x3": ([(3, 1, 1, 0)], 5, (1, 2)),
    "1x1 kernel": ([(1, 1, 1, 0)], 4, (3, 0)),
    "kernel as large as the input": ([(5, 1, 1, 0)], 5, (0, 0)),
    "two 3x3 (the VGG argument)": ([(3, 1, 1, 0)] * 2, 7, (1, 1)),
    "three 3x3, padded, corner unit": ([(3, 1, 1, 1)] * 3, 8, (0, 7)),
    "even kernel": ([(2, 1, 1, 0), (2, 1, 1, 0)], 6, (2, 3)),
    "stride that does not divide": ([(3, 2, 1, 0), (3, 1, 1, 0)], 10, (1, 0)),
    "pool between convolutions": ([(3, 1, 1, 1), (2, 2, 1, 0), (3, 1, 1, 1)], 8, (2, 1)),
    "dilation 2 (gaps)": ([(3, 1, 2, 0)], 7, (1, 2)),
    "two dilated layers": ([(3, 1, 2, 2), (3, 1, 2, 2)], 9, (4, 4)),
}


def _dicts(specs):
    return [dict(kernel_size=k, stride=s, dilation=d, padding=p) for k, s, d, p in specs]


@pytest.mark.parametrize("case", STACKS, ids=list(STACKS))
def test_trace_receptive_field_matches_perturbation(case):
    """Every map's mask is the set of cells whose perturbation reaches the unit, and the span has receptive_field's size."""
    specs, size, unit = STACKS[case]
    trace = trace_receptive_field(_dicts(specs), size, unit)
    oracle = _stack_masks(specs, (size, size), unit)
    assert len(trace.masks) == len(oracle)
    for got, want in zip(trace.masks, oracle):
        np.testing.assert_array_equal(got, want)
    rf = receptive_field([(k, s, d) for k, s, d, _ in specs])
    assert trace.rows[1] - trace.rows[0] + 1 == rf.size == trace.cols[1] - trace.cols[0] + 1
    rows, cols = np.nonzero(oracle[0])
    assert trace.rows[0] <= rows.min() and rows.max() <= trace.rows[1]
    assert trace.cols[0] <= cols.min() and cols.max() <= trace.cols[1]
    if all(p == 0 for *_, p in specs):   # no padding: the span is the perturbed pixels' extent
        assert (rows.min(), rows.max()) == trace.rows and (cols.min(), cols.max()) == trace.cols


@given(k1=st.integers(1, 3), s1=st.integers(1, 2), d1=st.integers(1, 2), p1=st.integers(0, 1),
       k2=st.integers(1, 3), s2=st.integers(1, 2), size=st.integers(6, 9), data=st.data())
def test_trace_matches_perturbation_across_two_layer_stacks(k1, s1, d1, p1, k2, s2, size, data):
    """For any two-layer stack that fits, the input mask equals the perturbation oracle's."""
    specs = [(k1, s1, d1, p1), (k2, s2, 1, 0)]
    first = (size + 2 * p1 - d1 * (k1 - 1) - 1) // s1 + 1
    if first < k2:
        return
    last = (first - k2) // s2 + 1
    unit = (data.draw(st.integers(0, last - 1)), data.draw(st.integers(0, last - 1)))
    trace = trace_receptive_field(_dicts(specs), size, unit)
    np.testing.assert_array_equal(trace.masks[0], _stack_masks(specs, (size, size), unit)[0])


def test_trace_handles_non_square_pairs():
    """Pairs for kernel and input give a rectangular field of receptive_field's (h, w) size."""
    layers = [dict(kernel_size=(1, 3)), dict(kernel_size=(3, 1), dilation=(2, 1))]
    trace = trace_receptive_field(layers, (9, 6), (2, 2))
    assert trace.masks[0].shape == (9, 6)
    assert (trace.rows, trace.cols) == ((2, 6), (2, 4))
    assert receptive_field(layers).size == (5, 3)


@pytest.mark.parametrize("case", ["pool between convolutions", "three 3x3, padded, corner unit",
                                  "dilation 2 (gaps)"])
def test_show_receptive_field_draws_the_masks(case):
    """Each panel's window-coloured cells are the perturbation oracle's mask; the caption gives the size and says when padding cuts the field."""
    specs, size, unit = STACKS[case]
    fig = show_receptive_field(_dicts(specs), size, unit)
    oracle = _stack_masks(specs, (size, size), unit)
    assert len(fig.axes) == len(oracle)
    for ax, want in zip(fig.axes, oracle):
        np.testing.assert_array_equal(_window_cells(ax), want)
    size_rf = receptive_field([(k, s, d) for k, s, d, _ in specs]).size
    assert f"a {size_rf}×{size_rf} receptive field" in fig.get_supxlabel()
    rows, cols = np.nonzero(oracle[0])
    cut = max(rows.max() - rows.min(), cols.max() - cols.min()) + 1 < size_rf
    assert ("partly on padding" in fig.get_supxlabel()) == cut


@pytest.mark.parametrize("args, kwargs, error, match", [
    (([(3, 1)], 5, (3, 0)), {}, ValueError, "unit"),
    (([(3, 1)], 5, 3), {}, TypeError, "unit"),
    (([(7, 1)], 5, (0, 0)), {}, ValueError, "layers\\[0\\]"),
    (([dict(size=3)], 5, (0, 0)), {}, ValueError, "kernel_size"),
    (([3], 5, (0, 0)), {}, TypeError, "layers\\[0\\]"),
    ((dict(kernel_size=3), 5, (0, 0)), {}, TypeError, "layers"),
    (([dict(kernel_size=3, padding=-1)], 5, (0, 0)), {}, ValueError, "padding"),
    (([(3, 1)], 0, (0, 0)), {}, ValueError, "input_size"),
    (([(3, 1)], 5, (0, 0)), dict(names=["a", "b"]), ValueError, "names"),
])
def test_receptive_field_figures_refuse_bad_arguments(args, kwargs, error, match):
    """Bad arguments raise an error naming the parameter."""
    with pytest.raises(error, match=match):
        show_receptive_field(*args, **kwargs)


def test_figures_leave_nothing_open_in_pyplot():
    """Drawing every figure of the module opens no pyplot figure."""
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    show_conv_matrix(np.ones((2, 2)), (3, 3))
    show_connections()
    show_stacked_connections()
    show_equivariance(np.arange(6.0), [1.0, -1.0], 1)
    show_receptive_field([(3, 1)], 5, (1, 1))
    assert plt.get_fignums() == before
