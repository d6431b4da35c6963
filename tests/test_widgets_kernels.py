"""autograder.widgets.kernels: the playgrounds show the image filtered as scipy filters it, and keep dropdown and entries in step.

The oracle is scipy.signal: ``correlate2d``/``convolve2d`` with ``mode="same",
boundary="symm"`` for the grey playground, and a sum over channels of zero-filled
``correlate2d`` for the colour one (a one-filter layer with padding 1).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.images import photo
from autograder.widgets.kernels import (KERNELS, OPERATIONS, ColourFilterPlayground,
                                        KernelPlayground, apply_kernel)

SCIPY = {"cross-correlation": scipy.signal.correlate2d, "convolution": scipy.signal.convolve2d}


def _scipy(image, kernel, operation="cross-correlation"):
    return SCIPY[operation](image, kernel, mode="same", boundary="symm")


def _shown(fig, k):
    """The array drawn in the figure's k-th image axes."""
    return np.asarray(fig.axes[k].images[0].get_array())


@pytest.fixture
def image(rng):
    """A small seeded grey image, quicker to filter than the photo."""
    return rng.random((9, 12))


class Counting(KernelPlayground):
    """A playground that records each draw's kernel name, to count redraws."""

    def draw(self, **values):
        self.calls = getattr(self, "calls", []) + [values["kernel"]]
        return super().draw(**values)


# ----------------------------------------------------------------------------- apply_kernel

# name: (image shape, kernel shape)
CASES = {
    "3x3 kernel": ((6, 7), (3, 3)),
    "1x1 kernel": ((4, 5), (1, 1)),
    "even kernel": ((5, 6), (2, 2)),
    "kernel as large as the input": ((3, 4), (3, 4)),
    "non-square kernel": ((7, 5), (1, 3)),
}


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("shapes", CASES.values(), ids=CASES.keys())
def test_apply_kernel_matches_scipy(shapes, operation, rng):
    """apply_kernel equals scipy's correlate2d/convolve2d in "same" mode with mirrored edges."""
    img, ker = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
    np.testing.assert_allclose(apply_kernel(img, ker, operation=operation),
                               _scipy(img, ker, operation), atol=1e-12)


@given(arrays(np.float64, (3, 3), elements=st.integers(-4, 4).map(float)))
def test_the_two_operations_agree_exactly_when_scipy_says_so(kernel):
    """For any 3x3 kernel, cross-correlation and convolution differ on an image iff scipy's two differ."""
    img = np.random.default_rng(7).random((6, 6))
    ours = np.allclose(apply_kernel(img, kernel), apply_kernel(img, kernel,
                                                               operation="convolution"))
    theirs = np.allclose(_scipy(img, kernel), _scipy(img, kernel, "convolution"))
    assert ours == theirs


@pytest.mark.parametrize("kwargs, error, message", [
    ({"image": np.zeros(3), "kernel": np.ones((1, 1))}, ValueError, "image must be a 2-D"),
    ({"image": np.zeros((3, 3)), "kernel": "sobel"}, TypeError, "kernel must be a numeric"),
    ({"image": np.zeros((3, 3)), "kernel": np.ones((1, 1)), "operation": "conv"}, ValueError,
     "operation must be one of 'cross-correlation', 'convolution', got 'conv'"),
])
def test_apply_kernel_refuses_bad_arguments(kwargs, error, message):
    """Bad arguments raise an error naming the parameter and what is allowed."""
    with pytest.raises(error, match=message):
        apply_kernel(**kwargs)


# ----------------------------------------------------------------------------- KernelPlayground

def test_the_default_shows_the_photo_and_its_sobel_edges():
    """Built without arguments, the playground shows the grey photo and its Sobel x cross-correlation, signed."""
    play = KernelPlayground()
    grey = photo(grey=True)
    expected = _scipy(grey, [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(_shown(play.figure, 0), grey)
    np.testing.assert_allclose(_shown(play.figure, 1), expected, atol=1e-12)
    assert play.figure.axes[1].images[0].get_clim()[0] < 0          # drawn around zero
    assert play.text.startswith("Sobel x kernel [[1, 0, -1], [2, 0, -2], [1, 0, -1]]")
    assert f"output from {expected.min():.3g} to {expected.max():.3g}" in play.text
    assert plt.get_fignums() == []


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("name", list(KERNELS))
def test_every_named_kernel_and_operation_is_drawn_as_scipy_computes_it(name, operation, image):
    """Each named kernel, slid either way, gives scipy's output; zero-sum kernels are drawn signed, others clipped to [0, 1]."""
    play = KernelPlayground(image).set(kernel=name, operation=operation)
    kernel = np.array([[play.controls[f"k{r}{c}"].value for c in range(3)] for r in range(3)])
    np.testing.assert_allclose(kernel, KERNELS[name])
    expected = _scipy(image, KERNELS[name], operation)
    np.testing.assert_allclose(play.output, expected, atol=1e-12)
    if abs(KERNELS[name].sum()) < 1e-12:
        np.testing.assert_allclose(_shown(play.figure, 1), expected, atol=1e-12)
    else:
        np.testing.assert_allclose(_shown(play.figure, 1), np.clip(expected, 0, 1), atol=1e-12)
        assert play.figure.axes[1].images[0].get_clim() == (0.0, 1.0)
    assert play.text.startswith(f"{name} kernel ") and operation in play.text


def test_convolution_text_names_the_turned_kernel_only_when_it_differs(image):
    """The convolution's text gives the 180-degree turned kernel for Sobel x, and says the blur is unchanged."""
    play = KernelPlayground(image, operation="convolution")
    assert play.text.endswith("cross-correlation with the turned kernel "
                              "[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]")
    play.set(kernel="box blur")
    assert play.text.endswith("the turned kernel is the same, so cross-correlation gives the same")


def test_choosing_a_named_kernel_fills_the_entries_with_one_redraw(image):
    """Picking a kernel from the dropdown sets all nine entries and redraws once."""
    play = Counting(image)
    play.controls["kernel"].value = "Laplacian"
    assert play.calls == ["Sobel x", "Laplacian"]
    assert [play.controls[f"k{r}{c}"].value for r in range(3) for c in range(3)] == \
        [0, 1, 0, 1, -4, 1, 0, 1, 0]


def test_editing_an_entry_makes_the_kernel_custom(image):
    """Changing one entry of a named kernel turns the dropdown to "custom", redraws once, and filters with the edited kernel."""
    play = Counting(image, kernel="sharpen")
    play.controls["k11"].value = 9.0
    assert play.calls == ["sharpen", "custom"] and play.values["kernel"] == "custom"
    edited = np.array([[0, -1, 0], [-1, 9, -1], [0, -1, 0]])
    np.testing.assert_allclose(play.output, _scipy(image, edited), atol=1e-12)
    assert play.text.startswith("custom kernel [[0, -1, 0], [-1, 9, -1], [0, -1, 0]], "
                                "entries sum to 5")
    play.controls["kernel"].value = "sharpen"          # back to the named kernel
    assert play.controls["k11"].value == 5.0 and play.text.startswith("sharpen kernel")


def test_typing_a_named_kernels_entries_names_it(image):
    """Entries typed by hand that equal a named kernel are reported under its name."""
    play = KernelPlayground(image).set(kernel="custom", **{f"k{r}{c}": 0.0 for r in range(3)
                                                           for c in range(3)})
    assert play.text.startswith("custom kernel [[0, 0, 0]")
    play.set(k11=1.0)
    assert play.text.startswith("identity kernel")
    np.testing.assert_array_equal(_shown(play.figure, 1), image)


def test_a_non_finite_entry_is_reported(image):
    """An infinite entry leaves no figure and a message naming the entry; a finite one restores it."""
    play = KernelPlayground(image).set(k02=float("inf"))
    assert not play.ok and play.figure is None and play.output is None
    assert play.text == "Cannot draw this: kernel entries must be finite numbers, got k02 = inf"
    play.set(k02=-1.0)
    assert play.ok and play.figure is not None


def test_the_entries_are_laid_out_as_a_three_by_three_grid(image):
    """The displayed widget shows the dropdown and operation, then the nine entries in a 3-column grid."""
    play = KernelPlayground(image)
    top, grid, _label, _output = play.widget.children
    assert list(top.children) == [play.controls["kernel"], play.controls["operation"]]
    assert list(grid.children) == [play.controls[f"k{r}{c}"] for r in range(3) for c in range(3)]
    assert grid.layout.grid_template_columns.startswith("repeat(3,")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"image": np.zeros((2, 3, 4))}, ValueError, "image must be a 2-D array"),
    ({"kernel": "blurry"}, ValueError, "kernel must be one of 'identity', "),
    ({"operation": "flip"}, ValueError, "operation must be one of"),
])
def test_kernel_playground_refuses_bad_arguments(kwargs, error, message):
    """Bad arguments raise an error naming the parameter and the allowed values."""
    with pytest.raises(error, match=message):
        KernelPlayground(**{"image": np.zeros((4, 4)), **kwargs})


# ----------------------------------------------------------------------------- colour

def _colour_oracle(image, weights, spatial, bias):
    """One filter over three channels from scipy: per-channel zero-filled correlation, summed, plus bias."""
    return bias + sum(scipy.signal.correlate2d(image[c], a * KERNELS[spatial], mode="same")
                      for c, a in enumerate(weights))


@pytest.mark.parametrize("weights, spatial, bias", [
    ((0.299, 0.587, 0.114), "identity", 0.0),
    ((1.0, -1.0, 0.0), "identity", 0.0),
    ((0.5, 0.5, -1.0), "Sobel y", 0.25),
    ((0.0, 0.0, 1.0), "Gaussian blur", -0.5),
])
def test_colour_filter_is_a_one_filter_layer(weights, spatial, bias, rng):
    """The colour playground's output is the sum over red, green and blue of each channel filtered by its slice, plus the bias."""
    image = rng.random((3, 5, 6))
    play = ColourFilterPlayground(image).set(red=weights[0], green=weights[1], blue=weights[2],
                                             spatial=spatial, bias=bias)
    expected = _colour_oracle(image, weights, spatial, bias)
    assert play.filter.shape == (1, 3, 3, 3) and play.output.shape == (1, 1, 5, 6)
    np.testing.assert_allclose(play.output[0, 0], expected, atol=1e-12)
    np.testing.assert_allclose(_shown(play.figure, 3), expected, atol=1e-12)
    for c in range(3):
        np.testing.assert_array_equal(_shown(play.figure, c), image[c])
    assert f"output (1, 1, 5, 6), from {expected.min():.3g} to {expected.max():.3g}" in play.text


def test_default_colour_filter_is_the_luminance_of_the_photo():
    """With its default weights the colour playground turns the photo into its grey version."""
    play = ColourFilterPlayground()
    np.testing.assert_allclose(play.output[0, 0], photo(grey=True, step=4), atol=1e-12)
    assert play.text.startswith("filter w (1, 3, 3, 3) = [red 0.299, green 0.587, blue 0.114]")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"image": np.zeros((4, 5))}, ValueError, "image must be a 3-D array"),
    ({"image": np.zeros((1, 4, 5))}, ValueError, "image must have 3 colour channels first"),
    ({"weights": (1.0, 0.0)}, ValueError, "weights must give red, green and blue"),
    ({"spatial": "blur"}, ValueError, "spatial must be one of"),
])
def test_colour_filter_refuses_bad_arguments(kwargs, error, message):
    """Bad arguments raise an error naming the parameter and what is allowed."""
    with pytest.raises(error, match=message):
        ColourFilterPlayground(**{"image": np.zeros((3, 4, 5)), **kwargs})
