"""Correlation and convolution of signals and images, with ``scipy.signal``'s exact meaning.

What deep-learning libraries call a "convolution" is a cross-correlation: the kernel
slides over the input as it is.  In this module the two words stay exact.
:func:`correlate` and :func:`correlate2d` slide the kernel as it is (and conjugate it
when it is complex); :func:`convolve` and :func:`convolve2d` flip it first, end to end
in 1-D and along both axes in 2-D.

Every function takes the arguments of its ``scipy.signal`` namesake and returns the
same array, with the same shape and dtype, so a test can call scipy with the very
arguments it passes here.  The implementation is plain numpy: the input is extended
once to cover every position the kernel visits, then the output is accumulated one
kernel tap at a time, each tap adding a shifted slice of the extended input.

Where scipy's behaviour is not what one might guess, it is kept and documented:

* ``'same'`` mode keeps the shape of ``in1``.  For an even-sized kernel the output is
  the ``'full'`` output cut at offset ``(k - 1) // 2`` in :func:`correlate`,
  :func:`convolve` and :func:`convolve2d`, but at offset ``k // 2`` in
  :func:`correlate2d`.  So ``convolve2d(a, k, 'same')`` equals
  ``correlate2d(a, k[::-1, ::-1], 'same')`` only for odd kernel sizes; in ``'full'`` and
  ``'valid'`` mode the two always agree.
* ``'valid'`` mode accepts ``in2`` larger than ``in1``: the inputs are swapped.  The
  result is the part of the ``'full'`` output where the smaller input lies inside the
  larger one; only :func:`correlate2d`, for complex inputs, returns the complex
  conjugate of that part.  In 2-D, one input must be at least as large as the other
  along both axes.
* The output dtype is ``numpy.result_type(in1, in2)``; integers stay integers and wrap
  around on overflow, as scipy's do.
"""

from __future__ import annotations

import numpy as np

from autograder._validation import as_array, check_choice

__all__ = ["correlate", "convolve", "correlate2d", "convolve2d"]

_MODES = ("full", "same", "valid")
# scipy's names for the boundary conditions, aliases last; values are the canonical names
_BOUNDARIES = {"fill": "fill", "wrap": "wrap", "symm": "symm",
               "pad": "fill", "circular": "wrap", "symmetric": "symm"}


def _signal(value, name: str, ndim: int) -> np.ndarray:
    """``value`` as a non-empty numeric array with ``ndim`` dimensions."""
    arr = as_array(value, name, ndim=ndim, kinds="biufc")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def _dtype_2d(in1: np.ndarray, in2: np.ndarray, func: str) -> np.dtype:
    """The output dtype of the 2-D functions; bool and float16 are refused, as scipy does."""
    dtype = np.result_type(in1, in2)
    if dtype == np.bool_ or dtype == np.float16:
        raise ValueError(
            f"in1 (dtype {in1.dtype}) and in2 (dtype {in2.dtype}) combine to dtype {dtype}, "
            f"which {func} does not support (nor does scipy.signal.{func}); allowed: "
            f"integer, float32, float64, longdouble and complex results, e.g. cast to float32")
    return dtype


def _fill_value(fillvalue, dtype: np.dtype):
    """``fillvalue`` converted to the output dtype the way scipy converts it.

    Real numbers are accepted for a real output, real or complex ones for a complex
    output.  For an integer output a float is truncated toward zero and must then fit
    in the dtype's range, as in scipy; numpy integer scalars out of range are refused
    here, where scipy would let them wrap around.
    """
    if isinstance(fillvalue, (bool, int, float, complex)):
        value = fillvalue  # Python numbers: kept exact, even ints beyond 64 bits
    else:
        if isinstance(fillvalue, (str, bytes)) or fillvalue is None:
            raise TypeError(f"fillvalue must be a number, got {fillvalue!r} "
                            f"(type {type(fillvalue).__name__})")
        try:
            arr = np.asarray(fillvalue)
        except Exception:  # ragged nested lists and the like
            raise TypeError(f"fillvalue must be a number, got {fillvalue!r}") from None
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"fillvalue must be a number, got {fillvalue!r} (dtype {arr.dtype})")
        if arr.size == 0:
            raise ValueError(f"fillvalue must not be an empty array, got shape {arr.shape}")
        if arr.size != 1:
            raise ValueError(f"fillvalue must be a scalar or an array with one element, "
                             f"got shape {arr.shape}")
        value = arr.reshape(()).item() if arr.dtype.kind != "f" else arr.reshape(())[()]
    if np.iscomplexobj(value) and dtype.kind != "c":
        raise ValueError(f"fillvalue must be real for a {dtype} output (scipy refuses a "
                         f"complex fillvalue here even with a zero imaginary part), "
                         f"got {fillvalue!r}")
    if dtype.kind in "iu":
        if not np.isfinite(value):
            raise ValueError(f"fillvalue must be finite for a {dtype} output, got {fillvalue!r}")
        whole = int(value)  # truncates toward zero, like scipy's cast
        info = np.iinfo(dtype)
        if not info.min <= whole <= info.max:
            raise ValueError(f"fillvalue must fit in the output dtype {dtype} "
                             f"({info.min} to {info.max}) after truncation, got {fillvalue!r}")
        return dtype.type(whole)
    with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf, as in scipy
        return np.array(value, dtype=dtype)[()]


def _extend(image: np.ndarray, rows: np.ndarray, cols: np.ndarray, boundary: str, fill):
    """``image`` read at every (row, col) of the grid ``rows`` x ``cols``, which may fall
    outside it; the boundary condition says what lies outside.

    ``'wrap'`` repeats the image periodically, ``'symm'`` mirrors it about its edges with
    the edge sample repeated (period ``2 * size``), ``'fill'`` puts ``fill`` there.  The
    index maps repeat forever, so a kernel larger than the image is handled like scipy.
    """
    height, width = image.shape
    if boundary == "wrap":
        r, c = rows % height, cols % width
    elif boundary == "symm":
        r, c = rows % (2 * height), cols % (2 * width)
        r = np.where(r < height, r, 2 * height - 1 - r)
        c = np.where(c < width, c, 2 * width - 1 - c)
    else:
        r, c = np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1)
    extended = image[np.ix_(r, c)]  # always a copy: the caller's array is never written
    if boundary == "fill":
        extended[(rows < 0) | (rows >= height), :] = fill
        extended[:, (cols < 0) | (cols >= width)] = fill
    return extended


def _slide(image: np.ndarray, kernel: np.ndarray, start: tuple[int, int],
           out_shape: tuple[int, int], boundary: str = "fill", fill=0) -> np.ndarray:
    """The sliding sum every function here reduces to.

    ``out[i, j] = sum over (m, n) of kernel[m, n] * ext[start[0] + i + m, start[1] + j + n]``,
    where ``ext`` is ``image`` extended by ``boundary``.  Both arrays already have the
    output dtype.  The loop runs over the kernel's taps, each adding one shifted slice
    of the extended image, so the work per tap is vectorised over all output positions.
    """
    k_h, k_w = kernel.shape
    o_h, o_w = out_shape
    rows = np.arange(start[0], start[0] + o_h + k_h - 1)
    cols = np.arange(start[1], start[1] + o_w + k_w - 1)
    extended = _extend(image, rows, cols, boundary, fill)
    out = np.zeros(out_shape, dtype=kernel.dtype)
    term = np.empty_like(out)
    for m in range(k_h):
        for n in range(k_w):
            # integer products wrap around in the output dtype, as in scipy's C loop
            np.multiply(extended[m:m + o_h, n:n + o_w], kernel[m, n], out=term)
            out += term
    return out


def _slide_1d(in1: np.ndarray, kernel: np.ndarray, mode: str, same_shift: int) -> np.ndarray:
    """1-D sliding sum of ``in1`` against ``kernel`` (already conjugated or flipped).

    The ``'full'`` output starts ``len(kernel) - 1`` samples before ``in1``; ``'same'``
    starts ``same_shift`` samples before it; ``'valid'`` keeps the positions where one
    input covers the other, whichever is longer.
    """
    size, k_size = in1.shape[0], kernel.shape[0]
    if mode == "full":
        start, length = -(k_size - 1), size + k_size - 1
    elif mode == "same":
        start, length = -same_shift, size
    else:
        start, length = min(0, size - k_size), abs(size - k_size) + 1
    dtype = np.result_type(in1, kernel)
    # float16 is accumulated in float32 and rounded once, as numpy.correlate does
    work = np.float32 if dtype == np.float16 else dtype
    out = _slide(in1.astype(work, copy=False)[None, :], kernel.astype(work, copy=False)[None, :],
                 (0, start), (1, length))
    return out[0].astype(dtype, copy=False)


def correlate(in1, in2, mode="full"):
    """Cross-correlation of two 1-D signals, as ``scipy.signal.correlate``.

    Slides ``in2`` along ``in1`` without flipping it and sums the products at each lag.

    Parameters
    ----------
    in1 : array_like, shape (M,)
        The signal.  Any of bool, int, unsigned int, float or complex.
    in2 : array_like, shape (N,)
        The kernel (template).  It may be longer than ``in1``.
    mode : {'full', 'same', 'valid'}, default 'full'
        ``'full'``: every lag at which the signals overlap, length ``M + N - 1``.
        ``'same'``: length ``M``, centred on the ``'full'`` output.
        ``'valid'``: the lags at which one signal covers the other, length
        ``abs(M - N) + 1``; ``in2`` may be the longer one.

    Returns
    -------
    numpy.ndarray, shape (M + N - 1,), (M,) or (abs(M - N) + 1,)
        Dtype ``numpy.result_type(in1, in2)``.  Integer results wrap around on overflow;
        bool inputs give bool (a sum of bools is their logical or); float16 is
        accumulated in float32 and rounded once.

    Raises
    ------
    TypeError
        If ``in1`` or ``in2`` is not a numeric array.
    ValueError
        If ``in1`` or ``in2`` is not 1-D or is empty, or ``mode`` is not one of
        ``'full'``, ``'same'``, ``'valid'``.

    See Also
    --------
    scipy.signal.correlate : The N-D original (``method='direct'`` is the exact sum).
    numpy.correlate : The same sums; its ``'same'`` mode has ``max(M, N)`` samples.
    convolve : The same with ``in2`` flipped.
    correlate2d : The 2-D version.

    Notes
    -----
    With ``in1`` taken as zero outside ``0 <= l < M``,

    .. math:: \\mathrm{out}[i] = \\sum_{m=0}^{N-1} \\mathrm{in1}[i + m - s]\\,
              \\overline{\\mathrm{in2}[m]},

    where the shift is :math:`s = N - 1` for ``'full'``, :math:`s = \\lfloor N/2 \\rfloor`
    for ``'same'`` and :math:`s = \\max(0, N - M)` for ``'valid'``.  A complex ``in2`` is
    conjugated, as in scipy and numpy.  Unlike scipy, 0-d inputs are refused, empty
    inputs always raise (scipy returns an empty array in one corner case), and bool or
    float16 inputs work in ``'same'`` mode with ``in2`` the longer, where scipy raises.
    scipy's default ``method='auto'`` may compute float results by FFT, which can differ
    from these sums in the last bits; ``method='direct'`` computes the sums themselves.

    Examples
    --------
    >>> correlate([1, 2, 3], [0, 1, 2])
    array([2, 5, 8, 3, 0])
    >>> correlate([1, 2, 3], [0, 1, 2], mode="same")
    array([5, 8, 3])
    >>> correlate([1, 2, 3, 4], [1, 1], mode="valid")
    array([3, 5, 7])
    >>> correlate([1, 1], [1, 2, 3, 4], mode="valid")  # in2 the longer one
    array([7, 5, 3])
    """
    in1 = _signal(in1, "in1", 1)
    in2 = _signal(in2, "in2", 1)
    mode = check_choice(mode, "mode", _MODES)
    kernel = np.conj(in2) if in2.dtype.kind == "c" else in2
    return _slide_1d(in1, kernel, mode, same_shift=in2.shape[0] // 2)


def convolve(in1, in2, mode="full"):
    """Convolution of two 1-D signals, as ``scipy.signal.convolve``.

    Flips ``in2`` end to end, then slides it along ``in1`` and sums the products.

    Parameters
    ----------
    in1 : array_like, shape (M,)
        The signal.  Any of bool, int, unsigned int, float or complex.
    in2 : array_like, shape (N,)
        The kernel (impulse response).  It may be longer than ``in1``.
    mode : {'full', 'same', 'valid'}, default 'full'
        ``'full'``: length ``M + N - 1``.  ``'same'``: length ``M``, centred on the
        ``'full'`` output.  ``'valid'``: the positions at which one signal covers the
        other, length ``abs(M - N) + 1``; convolution commutes, so either may be longer.

    Returns
    -------
    numpy.ndarray, shape (M + N - 1,), (M,) or (abs(M - N) + 1,)
        Dtype ``numpy.result_type(in1, in2)``, with the same rules as :func:`correlate`.

    Raises
    ------
    TypeError
        If ``in1`` or ``in2`` is not a numeric array.
    ValueError
        If ``in1`` or ``in2`` is not 1-D or is empty, or ``mode`` is not one of
        ``'full'``, ``'same'``, ``'valid'``.

    See Also
    --------
    scipy.signal.convolve : The N-D original.
    numpy.convolve : The same sums; its ``'same'`` mode has ``max(M, N)`` samples.
    correlate : The same without the flip.
    convolve2d : The 2-D version.

    Notes
    -----
    With ``in1`` taken as zero outside ``0 <= l < M``,

    .. math:: \\mathrm{out}[i] = \\sum_{m=0}^{N-1} \\mathrm{in1}[i + t - m]\\,\\mathrm{in2}[m],

    where :math:`t = 0` for ``'full'``, :math:`t = \\lfloor (N-1)/2 \\rfloor` for
    ``'same'`` and :math:`t = \\min(M, N) - 1` for ``'valid'``.  Nothing is conjugated.
    ``convolve(a, k, mode)`` equals ``correlate(a, k[::-1], mode)`` for real ``k`` in
    every mode.

    Examples
    --------
    >>> convolve([1, 2, 3], [0, 1, 2])
    array([0, 1, 4, 7, 6])
    >>> convolve([1, 2, 3], [0, 1, 2], mode="same")
    array([1, 4, 7])
    >>> convolve([1, 2, 3, 4], [1, -1], mode="valid")
    array([1, 1, 1])
    """
    in1 = _signal(in1, "in1", 1)
    in2 = _signal(in2, "in2", 1)
    mode = check_choice(mode, "mode", _MODES)
    return _slide_1d(in1, in2[::-1], mode, same_shift=in2.shape[0] // 2)


def _prepare_2d(in1, in2, mode, boundary, fillvalue, func):
    """Validate the 2-D arguments; return arrays, dtype, canonical boundary, fill, swap."""
    in1 = _signal(in1, "in1", 2)
    in2 = _signal(in2, "in2", 2)
    mode = check_choice(mode, "mode", _MODES)
    boundary = _BOUNDARIES[check_choice(boundary, "boundary", tuple(_BOUNDARIES))]
    dtype = _dtype_2d(in1, in2, func)
    swap = False
    if mode == "valid":
        in1_larger = in1.shape[0] >= in2.shape[0] and in1.shape[1] >= in2.shape[1]
        in2_larger = in2.shape[0] >= in1.shape[0] and in2.shape[1] >= in1.shape[1]
        if not (in1_larger or in2_larger):
            raise ValueError(
                f"in1 and in2 must be ordered in 'valid' mode: one must be at least as large "
                f"as the other along both axes, got in1 shape {in1.shape} and in2 shape "
                f"{in2.shape}")
        swap = not in1_larger
    # scipy converts fillvalue only for boundary 'fill' and ignores it otherwise
    fill = _fill_value(fillvalue, dtype) if boundary == "fill" else dtype.type(0)
    return in1.astype(dtype, copy=False), in2.astype(dtype, copy=False), boundary, fill, swap


def _out_shape(image_shape, kernel_shape, mode):
    (h, w), (k_h, k_w) = image_shape, kernel_shape
    if mode == "full":
        return h + k_h - 1, w + k_w - 1
    if mode == "same":
        return h, w
    return h - k_h + 1, w - k_w + 1


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Cross-correlation of two 2-D arrays, as ``scipy.signal.correlate2d``.

    Slides ``in2`` over ``in1`` without flipping it and sums the products at each offset;
    this is what a deep-learning "convolution" layer computes for one channel.

    Parameters
    ----------
    in1 : array_like, shape (H, W)
        The image.  Integer, float or complex; see Returns for the dtypes refused.
    in2 : array_like, shape (kH, kW)
        The kernel (template).  It may be larger than ``in1``.
    mode : {'full', 'same', 'valid'}, default 'full'
        ``'full'``: every offset at which the arrays overlap, shape
        ``(H + kH - 1, W + kW - 1)``.  ``'same'``: shape ``(H, W)``; output pixel
        ``(i, j)`` has kernel element ``((kH - 1) // 2, (kW - 1) // 2)`` over ``in1[i, j]``.
        ``'valid'``: the offsets at which one array covers the other, shape
        ``(abs(H - kH) + 1, abs(W - kW) + 1)``; one array must be at least as large as the
        other along both axes.
    boundary : {'fill', 'wrap', 'symm'}, default 'fill'
        What lies outside ``in1``: ``'fill'`` pads with ``fillvalue``, ``'wrap'`` repeats
        ``in1`` periodically, ``'symm'`` mirrors it about its edges, the edge sample
        repeated.  scipy's aliases ``'pad'``, ``'circular'`` and ``'symmetric'`` are
        accepted.  Irrelevant in ``'valid'`` mode.
    fillvalue : scalar, default 0
        The padding value for ``boundary='fill'``, converted to the output dtype (a float
        is truncated toward zero for an integer output); ignored for other boundaries.

    Returns
    -------
    numpy.ndarray
        Shaped as described under ``mode``, with dtype ``numpy.result_type(in1, in2)``:
        a uint8 image with an int64 kernel gives int64, integers wrap around on
        overflow.  Results of dtype bool or float16 are refused, as scipy refuses them.

    Raises
    ------
    TypeError
        If ``in1`` or ``in2`` is not a numeric array, or ``fillvalue`` is not a number.
    ValueError
        If ``in1`` or ``in2`` is not 2-D or is empty; ``mode`` or ``boundary`` is not
        one of the accepted values; in ``'valid'`` mode, neither input is at least as
        large as the other along both axes (scipy raises ``ValueError`` too); the inputs
        combine to bool or float16; ``fillvalue`` is empty, has more than one element, is
        complex for a real output, or does not fit in an integer output.

    See Also
    --------
    scipy.signal.correlate2d : The original.
    convolve2d : The same with the kernel flipped along both axes.
    correlate : The 1-D version.
    torch.nn.functional.conv2d : The deep-learning layer, a cross-correlation.

    Notes
    -----
    With ``in1`` extended beyond its edges as ``boundary`` says,

    .. math:: \\mathrm{out}[i, j] = \\sum_{m=0}^{kH-1} \\sum_{n=0}^{kW-1}
              \\mathrm{in1}[i + m - s_H,\\ j + n - s_W]\\,\\overline{\\mathrm{in2}[m, n]},

    where :math:`s = k - 1` for ``'full'``, :math:`s = \\lfloor (k-1)/2 \\rfloor` for
    ``'same'`` and :math:`s = 0` for ``'valid'`` (per axis, :math:`k` the kernel size).
    For an even kernel, ``'same'`` is cut from the ``'full'`` output at offset ``k // 2``,
    one more than :func:`correlate` and :func:`convolve2d` use: scipy does this.

    When ``in2`` is the larger input in ``'valid'`` mode, scipy swaps the inputs and
    flips the result: the output is ``correlate2d(in2, in1, 'valid')[::-1, ::-1]``.  For
    real inputs that is the part of the ``'full'`` output where ``in1`` lies inside
    ``in2``; for complex inputs it is that part's complex conjugate.

    ``fillvalue`` follows scipy's conversion for Python numbers; unlike scipy, a numpy
    integer scalar that does not fit an integer output is refused rather than wrapped
    around, and ``None`` is refused rather than read as NaN.

    Examples
    --------
    >>> image = np.array([[1, 2, 3],
    ...                   [4, 5, 6],
    ...                   [7, 8, 9]])
    >>> kernel = np.array([[1, 0],
    ...                    [0, -1]])
    >>> correlate2d(image, kernel, mode="valid")
    array([[-4, -4],
           [-4, -4]])
    >>> correlate2d(image, kernel)
    array([[-1, -2, -3,  0],
           [-4, -4, -4,  3],
           [-7, -4, -4,  6],
           [ 0,  7,  8,  9]])
    >>> correlate2d(image, kernel, mode="same", boundary="wrap")
    array([[-4, -4, -1],
           [-4, -4, -1],
           [ 5,  5,  8]])
    """
    in1, in2, boundary, fill, swap = _prepare_2d(in1, in2, mode, boundary, fillvalue,
                                                 "correlate2d")
    image, kernel = (in2, in1) if swap else (in1, in2)
    if kernel.dtype.kind == "c":
        kernel = np.conj(kernel)
    k_h, k_w = kernel.shape
    start = {"full": (1 - k_h, 1 - k_w),
             "same": (-((k_h - 1) // 2), -((k_w - 1) // 2)),
             "valid": (0, 0)}[mode]
    out = _slide(image, kernel, start, _out_shape(image.shape, kernel.shape, mode), boundary, fill)
    return out[::-1, ::-1].copy() if swap else out


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0):
    """Convolution of two 2-D arrays, as ``scipy.signal.convolve2d``.

    Flips ``in2`` along both axes, then slides it over ``in1`` and sums the products.

    Parameters
    ----------
    in1 : array_like, shape (H, W)
        The image.  Integer, float or complex; see Returns for the dtypes refused.
    in2 : array_like, shape (kH, kW)
        The kernel (impulse response).  It may be larger than ``in1``.
    mode : {'full', 'same', 'valid'}, default 'full'
        ``'full'``: shape ``(H + kH - 1, W + kW - 1)``.  ``'same'``: shape ``(H, W)``,
        centred on the ``'full'`` output, cut at offset ``((kH - 1) // 2, (kW - 1) // 2)``.
        ``'valid'``: shape ``(abs(H - kH) + 1, abs(W - kW) + 1)``; one array must be at
        least as large as the other along both axes, and convolution commutes, so either
        may be the larger.
    boundary : {'fill', 'wrap', 'symm'}, default 'fill'
        As in :func:`correlate2d`, aliases ``'pad'``, ``'circular'``, ``'symmetric'``
        included.
    fillvalue : scalar, default 0
        As in :func:`correlate2d`.

    Returns
    -------
    numpy.ndarray
        Shaped as described under ``mode``, with dtype ``numpy.result_type(in1, in2)``;
        the same dtype rules as :func:`correlate2d`.

    Raises
    ------
    TypeError
        If ``in1`` or ``in2`` is not a numeric array, or ``fillvalue`` is not a number.
    ValueError
        In the cases listed for :func:`correlate2d`.

    See Also
    --------
    scipy.signal.convolve2d : The original.
    correlate2d : The same without the flip.
    convolve : The 1-D version.

    Notes
    -----
    With ``in1`` extended beyond its edges as ``boundary`` says,

    .. math:: \\mathrm{out}[i, j] = \\sum_{m=0}^{kH-1} \\sum_{n=0}^{kW-1}
              \\mathrm{in1}[i + t_H - m,\\ j + t_W - n]\\,\\mathrm{in2}[m, n],

    where :math:`t = 0` for ``'full'``, :math:`t = \\lfloor (k-1)/2 \\rfloor` for
    ``'same'`` and :math:`t = k - 1` for ``'valid'`` (per axis, :math:`k` the kernel
    size).  Nothing is conjugated.  ``convolve2d(a, k, mode)`` equals
    ``correlate2d(a, k[::-1, ::-1], mode)`` for real ``k`` in ``'full'`` and ``'valid'``
    mode, and in ``'same'`` mode when both kernel sizes are odd.

    Examples
    --------
    >>> image = np.array([[1, 2, 3],
    ...                   [4, 5, 6],
    ...                   [7, 8, 9]])
    >>> kernel = np.array([[1, 0],
    ...                    [0, -1]])
    >>> convolve2d(image, kernel, mode="valid")
    array([[4, 4],
           [4, 4]])
    >>> convolve2d(image, kernel, mode="same", boundary="symm")
    array([[0, 1, 1],
           [3, 4, 4],
           [3, 4, 4]])
    >>> convolve2d(image, np.ones((1, 1), dtype=int), fillvalue=7)  # a 1x1 kernel copies
    array([[1, 2, 3],
           [4, 5, 6],
           [7, 8, 9]])
    """
    in1, in2, boundary, fill, swap = _prepare_2d(in1, in2, mode, boundary, fillvalue,
                                                 "convolve2d")
    image, kernel = (in2, in1) if swap else (in1, in2)
    k_h, k_w = kernel.shape
    # a flipped kernel slid as in correlate2d; only the 'same' start differs
    start = {"full": (1 - k_h, 1 - k_w),
             "same": (-(k_h // 2), -(k_w // 2)),
             "valid": (0, 0)}[mode]
    return _slide(image, kernel[::-1, ::-1], start,
                  _out_shape(image.shape, kernel.shape, mode), boundary, fill)
