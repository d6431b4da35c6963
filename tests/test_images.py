"""autograder.images: the photograph is the bundled file's pixels, scaled, downsampled and greyed as documented.

The oracle for the pixels is the file opened with PIL directly (matplotlib reads JPEGs
through PIL too, so this checks the package's scaling, slicing and layout, not the
decoder); the oracle for the grey conversion is PIL's ``convert("L")``, which uses the
same BT.601 weights but its own integer arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from matplotlib import cbook
from PIL import Image

from autograder.images import LUMA, PHOTO_SHAPE, luminance, photo

PATH = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)


@pytest.fixture(scope="module")
def pil_rgb():
    """The photograph as PIL decodes it, uint8 (H, W, 3)."""
    with Image.open(PATH) as im:
        return np.asarray(im.convert("RGB"))


@pytest.fixture(scope="module")
def pil_grey():
    """PIL's own greyscale version of the photograph, uint8 (H, W)."""
    with Image.open(PATH) as im:
        return np.asarray(im.convert("L"))


def test_full_size_colour_photo_is_the_files_pixels_over_255(pil_rgb):
    """photo(step=1) is the JPEG's pixels divided by 255, as PIL decodes them."""
    assert pil_rgb.shape == PHOTO_SHAPE
    np.testing.assert_array_equal(photo(step=1), pil_rgb / 255.0)


def test_grey_photo_matches_pils_luminance_up_to_its_rounding(pil_grey):
    """photo(grey=True) agrees with PIL's convert("L") to within PIL's rounding to integers."""
    grey = photo(grey=True, step=1)
    assert grey.shape == pil_grey.shape
    assert np.abs(grey * 255 - pil_grey).max() <= 1.0


@pytest.mark.parametrize("step", [1, 2, 3, 7, 600])
def test_step_keeps_every_step_th_row_and_column(step, pil_rgb):
    """step=s keeps rows and columns 0, s, 2s, ...: ceil(600 / s) by ceil(512 / s) pixels."""
    image = photo(step=step)
    assert image.shape == (math.ceil(600 / step), math.ceil(512 / step), 3)
    np.testing.assert_array_equal(image, pil_rgb[::step, ::step] / 255.0)


@pytest.mark.parametrize("grey, shape", [(False, (3, 150, 128)), (True, (1, 150, 128))])
def test_channels_first_moves_the_channels_to_the_front(grey, shape):
    """channels_first=True gives the (C, H, W) layout of a layer's input, with the same numbers."""
    last = photo(grey=grey, step=4)
    first = photo(grey=grey, step=4, channels_first=True)
    assert first.shape == shape and first.flags.c_contiguous
    np.testing.assert_array_equal(first, np.moveaxis(np.atleast_3d(last), -1, 0))


def test_values_are_floats_in_the_unit_interval():
    """Colour and grey photos are float64 with every value in [0, 1] and both ends nearly reached."""
    for image in (photo(), photo(grey=True)):
        assert image.dtype == np.float64
        assert 0.0 <= image.min() < 0.05 and 0.95 < image.max() <= 1.0


def test_each_call_returns_a_fresh_array():
    """Writing into the returned photo does not change what the next call returns."""
    first = photo(step=8)
    expected = first.copy()
    first[:] = -1.0
    np.testing.assert_array_equal(photo(step=8), expected)


@pytest.mark.parametrize("rgb, grey", [
    ([1.0, 0.0, 0.0], LUMA[0]),
    ([0.0, 1.0, 0.0], LUMA[1]),
    ([0.0, 0.0, 1.0], LUMA[2]),
    ([255, 255, 255], 255.0),
    ([[0, 0, 0], [2, 2, 2]], [0.0, 2.0]),
])
def test_luminance_of_named_colours(rgb, grey):
    """Pure red, green and blue give their weights; grey pixels keep their value (the weights add to 1)."""
    np.testing.assert_allclose(luminance(rgb), grey)


@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=4).map(
    lambda s: s + (3,)), elements=st.floats(0, 1)))
def test_luminance_is_the_weighted_sum_over_the_last_axis(rgb):
    """For any shape (..., 3), luminance is 0.299 R + 0.587 G + 0.114 B, pixel by pixel."""
    expected = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    got = luminance(rgb)
    assert got.shape == rgb.shape[:-1]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"step": 0}, ValueError, "step must be >= 1, got 0"),
    ({"step": 1.5}, TypeError, "step must be an int"),
    ({"grey": "yes"}, TypeError, "grey must be True or False, got 'yes'"),
    ({"channels_first": 1}, TypeError, "channels_first must be True or False, got 1"),
])
def test_photo_refuses_bad_arguments(kwargs, error, message):
    """Bad arguments to photo raise an error naming the parameter, the value and what is allowed."""
    with pytest.raises(error, match=message):
        photo(**kwargs)


@pytest.mark.parametrize("rgb, error, message", [
    ([1.0, 2.0], ValueError, r"shape \(\.\.\., 3\); got shape \(2,\)"),
    (5.0, ValueError, r"got shape \(\)"),
    ("red", TypeError, "rgb must be a numeric array"),
])
def test_luminance_refuses_arrays_without_three_colours(rgb, error, message):
    """luminance needs red, green and blue on the last axis and says so."""
    with pytest.raises(error, match=message):
        luminance(rgb)
