"""autograder.widgets.receptive_field: the explorer shows and reports the field a brute-force perturbation finds.

The oracle pushes a batch of one-hot images (one per cell of a map) through the rest of the
stack with autograder.reference.conv2d (all-ones kernels) and pool2d (average, so nothing
cancels): a cell reaches the chosen unit when its image gives the unit a nonzero value.
The explorer itself only follows indices back, so the two are independent.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from autograder.reference import conv2d, pool2d, receptive_field
from autograder.viz import PALETTE
from autograder.widgets.receptive_field import ReceptiveFieldExplorer, build_stack


def _apply(z, layer):
    kind, k, s, d, p = layer
    if kind == "pool":
        return pool2d(z, k, stride=s, mode="avg")
    return conv2d(z, np.ones((1, 1, k, k)), stride=s, padding=p, dilation=d)


def _oracle(values):
    """Per-map masks of the cells reaching the unit, and the stack's layers, by perturbation."""
    k, s, d = values["kernel_size"], values["stride"], values["dilation"]
    p = d * (k - 1) // 2 if values["padding"] == "same" else 0
    layers = []
    for _ in range(values["layers"]):
        layers.append(("conv", k, s, d, p))
        if values["pooling"]:
            layers.append(("pool", 2, 2, 1, 0))
    size = values["input_size"]
    shapes = [(size, size)]
    for layer in layers:
        shapes.append(_apply(np.zeros((1, 1) + shapes[-1]), layer).shape[2:])
    r, c = values["row"], values["col"]
    masks = []
    for level, (h, w) in enumerate(shapes):
        z = np.eye(h * w).reshape(h * w, 1, h, w)     # one image per cell
        for layer in layers[level:]:
            z = _apply(z, layer)
        masks.append((z[:, 0, r, c] > 0).reshape(h, w))
    return masks, layers


def _window_cells(ax):
    image = np.asarray(ax.images[0].get_array())
    return np.all(np.isclose(image, to_rgba(PALETTE["window"])), axis=-1)


# name: settings changed from the defaults (16x16 input, 2 "same" 3x3 layers, unit (7, 7))
CASES = {
    "defaults": {},
    "three valid 3x3 layers": dict(input_size=9, layers=3, padding="valid", row=1, col=1),
    "1x1 kernel": dict(kernel_size=1, layers=3, row=0, col=15),
    "kernel as large as the input": dict(input_size=5, kernel_size=5, layers=1,
                                         padding="valid", row=0, col=0),
    "even kernel": dict(kernel_size=4, padding="valid", input_size=10, row=3, col=2),
    "stride that does not divide": dict(input_size=10, layers=1, stride=2, padding="valid",
                                        row=0, col=3),
    "stride 3, same": dict(stride=3, row=1, col=0),
    "dilation 2": dict(dilation=2, layers=1, row=7, col=7),
    "dilation 3, two layers": dict(dilation=3, padding="valid", input_size=20, row=2, col=3),
    "pooling": dict(pooling=True, row=2, col=1),
    "four layers with pooling": dict(layers=4, pooling=True, input_size=32, row=1, col=0),
    "corner unit on padding": dict(layers=3, kernel_size=5, row=0, col=15),
    "smallest input": dict(input_size=4, layers=1, row=3, col=3),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_explorer_draws_and_reports_the_brute_force_field(case):
    """For each setting, every panel highlights the cells perturbation finds, and the text gives the field's span and receptive_field's size."""
    ex = ReceptiveFieldExplorer().set(**CASES[case])
    assert ex.ok, ex.text
    masks, layers = _oracle(ex.values)
    assert len(ex.figure.axes) == len(masks)
    for ax, want in zip(ex.figure.axes, masks):
        np.testing.assert_array_equal(_window_cells(ax), want)

    numbers = re.search(r"rows (-?\d+)–(-?\d+), columns (-?\d+)–(-?\d+): a (\d+)×(\d+) "
                        r"receptive field\. receptive_field\(layers\) gives size (\d+), "
                        r"jump (\d+)\.", ex.text)
    assert numbers, ex.text
    r0, r1, c0, c1, h, w, size, jump = map(int, numbers.groups())
    rf = receptive_field([dict(kernel_size=k, stride=s, dilation=d)
                          for _, k, s, d, _ in layers])
    assert (size, jump) == (rf.size, rf.jump)
    assert h == w == r1 - r0 + 1 == c1 - c0 + 1 == rf.size
    rows, cols = np.nonzero(masks[0])
    n = ex.values["input_size"]
    # the perturbed pixels are the part of the span inside the image
    assert (rows.min(), rows.max()) == (max(r0, 0), min(r1, n - 1))
    assert (cols.min(), cols.max()) == (max(c0, 0), min(c1, n - 1))
    full = masks[0].sum() == rf.size ** 2
    assert ("Only" in ex.text) == (not full)
    if not full:
        assert f"Only {int(masks[0].sum())} input pixels reach the unit" in ex.text


def test_growing_the_stack_grows_the_field_by_two_per_layer():
    """Adding 3x3 layers one by one redraws with one more panel and a field of 3, 5, 7, 9."""
    ex = ReceptiveFieldExplorer(layers=1)
    seen = []
    for depth in range(1, 5):
        ex.set(layers=depth)
        masks, _ = _oracle(ex.values)
        rows, _ = np.nonzero(masks[0])
        seen.append((len(ex.figure.axes), rows.max() - rows.min() + 1))
        assert f"a {seen[-1][1]}×{seen[-1][1]} receptive field" in ex.text
    assert seen == [(2, 3), (3, 5), (4, 7), (5, 9)]


def test_moving_the_unit_moves_the_highlight():
    """Moving the chosen unit one column right moves the input highlight by the jump (stride 2: two pixels)."""
    ex = ReceptiveFieldExplorer(stride=2, layers=1, padding="valid", row=2, col=2)
    before = _window_cells(ex.figure.axes[0])
    first = ex.figure
    ex.set(col=3)
    assert ex.figure is not first
    after = _window_cells(ex.figure.axes[0])
    np.testing.assert_array_equal(after[:, 2:], before[:, :-2])
    np.testing.assert_array_equal(after, _oracle(ex.values)[0][0])


def test_a_unit_outside_the_map_is_reported_not_drawn():
    """A unit beyond the last map gives no figure and a text naming the map's size; a valid unit restores it."""
    ex = ReceptiveFieldExplorer(input_size=8, layers=2, padding="valid", row=5, col=0)
    assert not ex.ok and ex.figure is None
    assert "unit must lie in the last map, which is 4x4" in ex.text
    ex.set(row=3)
    assert ex.ok and isinstance(ex.figure, Figure)


def test_a_stack_too_deep_for_the_input_is_reported():
    """Pooling that shrinks the map below the next kernel is reported with the layer that does not fit."""
    ex = ReceptiveFieldExplorer(input_size=8, layers=4, pooling=True, row=0, col=0)
    assert not ex.ok and "does not fit" in ex.text


def test_build_stack_lists_the_layers():
    """build_stack gives the convolutions' settings, 'same' padding d(k-1)//2, and a pool after each when asked."""
    specs, names = build_stack(2, 5, stride=2, dilation=3, padding="same", pooling=True)
    assert specs == [dict(kernel_size=5, stride=2, dilation=3, padding=6),
                     dict(kernel_size=2, stride=2, dilation=1, padding=0)] * 2
    assert names == ["conv 5×5, stride 2, dilation 3", "max pool 2×2"] * 2
    assert build_stack(1, 3)[0] == [dict(kernel_size=3, stride=1, dilation=1, padding=0)]


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((0, 3), {}, ValueError, "layers"),
    ((1, 0), {}, ValueError, "kernel_size"),
    ((1, 3), dict(stride=1.5), TypeError, "stride"),
    ((1, 3), dict(padding="half"), ValueError, "padding must be one of 'valid', 'same'"),
    ((1, 3), dict(pooling="yes"), TypeError, "pooling"),
])
def test_build_stack_refuses_bad_arguments(args, kwargs, error, match):
    """Bad arguments raise an error naming the parameter and what is allowed."""
    with pytest.raises(error, match=match):
        build_stack(*args, **kwargs)


def test_controls_and_their_ranges():
    """The explorer offers the nine controls in order, with the documented ranges."""
    ex = ReceptiveFieldExplorer()
    assert list(ex.controls) == ["input_size", "layers", "kernel_size", "stride", "dilation",
                                 "padding", "pooling", "row", "col"]
    ranges = {name: (c.min, c.max) for name, c in ex.controls.items() if hasattr(c, "max")}
    assert ranges == {"input_size": (4, 32), "layers": (1, 4), "kernel_size": (1, 7),
                      "stride": (1, 3), "dilation": (1, 3), "row": (0, 31), "col": (0, 31)}
    assert [v for _, v in ex.controls["padding"].options] == ["valid", "same"]
