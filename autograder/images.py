"""The photograph the lectures filter: Grace Hopper's portrait, bundled with matplotlib.

Every lecture that shows a kernel at work on a real image loads it here, so the same
pixels, the same greyscale conversion and the same downsampling are used everywhere.
The file ships with matplotlib (``matplotlib.cbook.get_sample_data``), so nothing is
downloaded.
"""

from __future__ import annotations

import functools

import matplotlib.image
import numpy as np
from matplotlib import cbook

from autograder._validation import as_array, as_int

__all__ = ["LUMA", "PHOTO_SHAPE", "luminance", "photo"]

#: Weights of red, green and blue in the luminance (ITU-R BT.601, the weights JPEG and
#: PIL's ``convert("L")`` use).  They add up to 1, so a grey pixel keeps its value.
LUMA = (0.299, 0.587, 0.114)

#: Shape of the full-size photograph, ``(H, W, 3)``.
PHOTO_SHAPE = (600, 512, 3)


@functools.lru_cache(maxsize=1)
def _raw() -> np.ndarray:
    """The photograph as stored, uint8 ``(600, 512, 3)``; read once, never handed out."""
    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    rgb = matplotlib.image.imread(path)[..., :3]
    rgb.setflags(write=False)
    return rgb


def luminance(rgb):
    """Turn colour pixels into grey ones with the luminance weights :data:`LUMA`.

    Parameters
    ----------
    rgb : array_like, shape (..., 3)
        Colour pixels, red, green and blue on the last axis (any scale: 0-255 or 0-1).

    Returns
    -------
    numpy.ndarray, shape (...)
        ``0.299 R + 0.587 G + 0.114 B``, in the scale of ``rgb``, as floats.

    Raises
    ------
    TypeError
        If ``rgb`` is not numeric.
    ValueError
        If ``rgb`` has no axis or its last axis does not have length 3.

    See Also
    --------
    PIL.Image.Image.convert : ``convert("L")`` uses the same weights (and rounds to
        integers).

    Notes
    -----
    .. math:: Y = 0.299\\,R + 0.587\\,G + 0.114\\,B

    This is a 1x1 filter with three channels: lecture 02 computes it as a
    convolutional layer.

    Examples
    --------
    >>> luminance([[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 10, 10]]).round(3)
    array([ 76.245, 149.685,  29.07 ,  10.   ])
    """
    rgb = as_array(rgb, "rgb", kinds="biuf", shape_hint="(..., 3)")
    if rgb.ndim == 0 or rgb.shape[-1] != 3:
        raise ValueError(f"rgb must have red, green and blue on its last axis, shape (..., 3); "
                         f"got shape {rgb.shape}")
    return rgb @ np.array(LUMA)


def photo(*, grey=False, step=2, channels_first=False):
    """Grace Hopper's portrait as floats in [0, 1], in colour or grey, downsampled.

    Parameters
    ----------
    grey : bool, default False
        True for one grey channel (:func:`luminance` of the colours), False for red,
        green and blue.
    step : int, default 2
        Keep every ``step``-th row and column (1 is the full 600x512 photograph, 2 halves
        each side and makes filtering four times quicker).
    channels_first : bool, default False
        False gives the usual image layout, ``(H, W, 3)`` or ``(H, W)`` for grey; True
        gives the layout of one image in a convolutional layer, ``(3, H, W)`` or
        ``(1, H, W)`` for grey (add an axis in front for a batch of one).

    Returns
    -------
    numpy.ndarray of float64
        Shape ``(H, W, 3)``, ``(H, W)``, ``(3, H, W)`` or ``(1, H, W)`` as chosen above,
        with ``H = ceil(600 / step)`` and ``W = ceil(512 / step)``.  A fresh array each
        call: changing it does not change the next one.

    Raises
    ------
    TypeError
        If ``grey`` or ``channels_first`` is not a bool, or ``step`` not an int.
    ValueError
        If ``step`` is below 1.

    See Also
    --------
    matplotlib.cbook.get_sample_data : Where the file comes from.
    luminance : The grey conversion.

    Notes
    -----
    The stored pixels are integers 0-255; each is divided by 255.  The grey value is
    :math:`(0.299 R + 0.587 G + 0.114 B) / 255`, computed before downsampling (which
    only picks pixels, so the order does not matter).

    Examples
    --------
    >>> photo().shape, photo(grey=True).shape, photo(step=1, channels_first=True).shape
    ((300, 256, 3), (300, 256), (3, 600, 512))
    >>> g = photo(grey=True, step=4)
    >>> g.dtype, float(g.min()) >= 0.0, float(g.max()) <= 1.0
    (dtype('float64'), True, True)
    """
    for name, flag in (("grey", grey), ("channels_first", channels_first)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    step = as_int(step, "step", minimum=1)
    raw = _raw()
    if grey:
        image = (luminance(raw) / 255.0)[::step, ::step]
        image = image[None] if channels_first else image
    else:
        image = raw[::step, ::step] / 255.0
        image = np.moveaxis(image, -1, 0) if channels_first else image
    return np.ascontiguousarray(image)
