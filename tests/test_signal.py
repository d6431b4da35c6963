"""Tests for autograder.reference.signal, against scipy.signal and published worked examples.

Most data are integer-valued, even in float and complex dtypes: their sums are exact in
any order, so the comparison with scipy can demand equality, dtype included, rather
than closeness.  One test uses general floats and compares with a tolerance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

from autograder.reference.signal import convolve, convolve2d, correlate, correlate2d

MODES = ("full", "same", "valid")
BOUNDARIES = ("fill", "wrap", "symm")
FUNCS_1D = {"correlate": correlate, "convolve": convolve}
FUNCS_2D = {"correlate2d": correlate2d, "convolve2d": convolve2d}


def _sample(rng, shape, dtype):
    """Integer-valued data in ``dtype``; small ints use their whole range, so they overflow."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu" and dtype.itemsize <= 2:
        info = np.iinfo(dtype)
        return rng.integers(info.min, int(info.max) + 1, shape).astype(dtype)
    if dtype == np.float16:  # small enough that every sum is exact in float16
        return rng.integers(-4, 5, shape).astype(dtype)
    values = rng.integers(-9, 10, shape)
    if dtype.kind == "c":
        values = values + 1j * rng.integers(-9, 10, shape)
    return values.astype(dtype)


def _scipy_1d(name, in1, in2, mode):
    """scipy's answer, by the exact ``'direct'`` sums.

    scipy's ``'same'`` mode with ``in2`` the longer refuses bool and float16 ("Unsupported
    type"); there the oracle is scipy on a wider dtype, cast back (a sum of bools is
    their logical or, float16 sums are made in float32 and rounded once).
    """
    func = getattr(scipy.signal, name)
    try:
        return func(in1, in2, mode, method="direct")
    except ValueError:
        dtype = np.result_type(in1, in2)
        if dtype == np.bool_:
            return func(in1.astype(np.int64), in2.astype(np.int64), mode, method="direct") != 0
        if dtype == np.float16:
            wide = func(in1.astype(np.float32), in2.astype(np.float32), mode, method="direct")
            return wide.astype(np.float16)
        raise


def _assert_identical(ours, theirs, context=""):
    """Same dtype, same shape, same values (NaN where NaN)."""
    assert ours.dtype == theirs.dtype, f"{context}: dtype {ours.dtype} != scipy's {theirs.dtype}"
    assert ours.shape == theirs.shape, f"{context}: shape {ours.shape} != scipy's {theirs.shape}"
    np.testing.assert_array_equal(ours, theirs, err_msg=context)


def _assert_matches_scipy_2d(name, in1, in2, mode, boundary, fillvalue):
    """Our 2-D function returns scipy's array, or raises the ValueError scipy raises."""
    context = f"{name}({in1.dtype}{in1.shape}, {in2.dtype}{in2.shape}, {mode!r}, {boundary!r}, {fillvalue!r})"
    try:
        with warnings.catch_warnings():
            # scipy warns on its way to refusing a fillvalue that does not fit the dtype
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            theirs = getattr(scipy.signal, name)(in1, in2, mode, boundary, fillvalue)
    except ValueError:
        with pytest.raises(ValueError):
            FUNCS_2D[name](in1, in2, mode, boundary, fillvalue)
        return
    _assert_identical(FUNCS_2D[name](in1, in2, mode, boundary, fillvalue), theirs, context)


# ---------------------------------------------------------------- named edge cases

CASES_1D = {
    "1-tap kernel": (5, 1),
    "odd kernel": (8, 3),
    "kernel as long as the input": (5, 5),
    "even kernel 2": (6, 2),
    "even kernel 4": (7, 4),
    "in2 longer than in1": (3, 7),
    "in2 longer, even": (2, 5),
    "single samples": (1, 1),
    "single-sample input": (1, 4),
}
DTYPES_1D = {
    "float64": (np.float64, np.float64),
    "float32": (np.float32, np.float32),
    "float16": (np.float16, np.float16),
    "int64": (np.int64, np.int64),
    "uint8 (wraps around)": (np.uint8, np.uint8),
    "uint8 with int64": (np.uint8, np.int64),
    "bool": (np.bool_, np.bool_),
    "float32 with float64": (np.float32, np.float64),
    "complex128": (np.complex128, np.complex128),
    "float64 with complex64": (np.float64, np.complex64),
}


@pytest.mark.parametrize("name", FUNCS_1D)
@pytest.mark.parametrize("dtypes", DTYPES_1D.values(), ids=DTYPES_1D.keys())
@pytest.mark.parametrize("sizes", CASES_1D.values(), ids=CASES_1D.keys())
def test_1d_matches_scipy(name, dtypes, sizes, rng):
    """correlate and convolve return scipy's array, shape and dtype in every mode."""
    in1, in2 = _sample(rng, sizes[0], dtypes[0]), _sample(rng, sizes[1], dtypes[1])
    for mode in MODES:
        ours = FUNCS_1D[name](in1, in2, mode)
        _assert_identical(ours, _scipy_1d(name, in1, in2, mode), f"{name} {mode} {sizes}")


CASES_2D = {
    "1x1 kernel": ((4, 5), (1, 1)),
    "3x3 kernel": ((5, 6), (3, 3)),
    "kernel as large as the input": ((4, 4), (4, 4)),
    "even kernel 2x2": ((5, 5), (2, 2)),
    "even kernel 4x2": ((6, 5), (4, 2)),
    "non-square input and kernel": ((3, 7), (2, 3)),
    "in2 larger than in1": ((2, 3), (4, 5)),
    "in2 larger along one axis only": ((3, 5), (4, 2)),
    "single row": ((1, 8), (1, 3)),
    "single column": ((8, 1), (3, 1)),
    "1x1 input": ((1, 1), (3, 3)),
    "kernel spanning several periods of the input": ((2, 2), (7, 6)),
}
DTYPES_2D = {
    "float64": (np.float64, np.float64),
    "float32": (np.float32, np.float32),
    "int64": (np.int64, np.int64),
    "uint8 (wraps around)": (np.uint8, np.uint8),
    "int8 (wraps around)": (np.int8, np.int8),
    "uint8 image, int64 kernel": (np.uint8, np.int64),
    "uint8 image, bool kernel": (np.uint8, np.bool_),
    "bool image, float64 kernel": (np.bool_, np.float64),
    "float32 with float64": (np.float32, np.float64),
    "longdouble": (np.longdouble, np.float64),
    "complex128": (np.complex128, np.complex128),
    "complex64 with float32": (np.complex64, np.float32),
}


@pytest.mark.parametrize("name", FUNCS_2D)
@pytest.mark.parametrize("dtypes", DTYPES_2D.values(), ids=DTYPES_2D.keys())
@pytest.mark.parametrize("shapes", CASES_2D.values(), ids=CASES_2D.keys())
def test_2d_matches_scipy(name, dtypes, shapes, rng):
    """correlate2d and convolve2d return scipy's array, shape and dtype (or scipy's ValueError)
    for every mode, boundary and a zero or nonzero fillvalue."""
    in1, in2 = _sample(rng, shapes[0], dtypes[0]), _sample(rng, shapes[1], dtypes[1])
    nonzero = 2 - 1j if np.result_type(in1, in2).kind == "c" else 3
    for mode in MODES:
        for boundary in BOUNDARIES:
            for fillvalue in (0, nonzero):
                _assert_matches_scipy_2d(name, in1, in2, mode, boundary, fillvalue)


@pytest.mark.parametrize("boundary", ["pad", "circular", "symmetric"])
def test_boundary_aliases_match_scipy(boundary, rng):
    """scipy's boundary aliases 'pad', 'circular' and 'symmetric' are accepted with scipy's meaning."""
    in1, in2 = _sample(rng, (4, 5), np.int64), _sample(rng, (3, 2), np.int64)
    for name in FUNCS_2D:
        for mode in MODES:
            _assert_matches_scipy_2d(name, in1, in2, mode, boundary, 2)


# ---------------------------------------------------------------- hypothesis over shapes

@given(h=st.integers(1, 7), w=st.integers(1, 7), k_h=st.integers(1, 7), k_w=st.integers(1, 7),
       name=st.sampled_from(sorted(FUNCS_2D)), mode=st.sampled_from(MODES),
       boundary=st.sampled_from(BOUNDARIES), fillvalue=st.integers(-5, 5),
       dtypes=st.sampled_from(sorted(DTYPES_2D.values(), key=str)),
       seed=st.integers(0, 2**32 - 1))
def test_2d_shape_space_matches_scipy(h, w, k_h, k_w, name, mode, boundary, fillvalue,
                                      dtypes, seed):
    """Over random shapes, modes, boundaries and dtypes, the 2-D functions agree with scipy."""
    rng = np.random.default_rng(seed)
    in1, in2 = _sample(rng, (h, w), dtypes[0]), _sample(rng, (k_h, k_w), dtypes[1])
    _assert_matches_scipy_2d(name, in1, in2, mode, boundary, fillvalue)


@given(size=st.integers(1, 12), k_size=st.integers(1, 12), name=st.sampled_from(sorted(FUNCS_1D)),
       mode=st.sampled_from(MODES), dtypes=st.sampled_from(sorted(DTYPES_1D.values(), key=str)),
       seed=st.integers(0, 2**32 - 1))
def test_1d_shape_space_matches_scipy(size, k_size, name, mode, dtypes, seed):
    """Over random lengths, modes and dtypes, the 1-D functions agree with scipy."""
    rng = np.random.default_rng(seed)
    in1, in2 = _sample(rng, size, dtypes[0]), _sample(rng, k_size, dtypes[1])
    _assert_identical(FUNCS_1D[name](in1, in2, mode), _scipy_1d(name, in1, in2, mode),
                      f"{name} {mode} {size} {k_size}")


@given(h=st.integers(1, 9), w=st.integers(1, 9), k_h=st.integers(1, 9), k_w=st.integers(1, 9),
       mode=st.sampled_from(MODES), boundary=st.sampled_from(BOUNDARIES),
       seed=st.integers(0, 2**32 - 1))
def test_general_floats_close_to_scipy(h, w, k_h, k_w, mode, boundary, seed):
    """With non-integer floats, where summation order matters, results agree with scipy to rounding."""
    rng = np.random.default_rng(seed)
    in1, in2 = rng.standard_normal((h, w)), rng.standard_normal((k_h, k_w))
    fillvalue = float(rng.standard_normal())
    for name, func in FUNCS_2D.items():
        try:
            theirs = getattr(scipy.signal, name)(in1, in2, mode, boundary, fillvalue)
        except ValueError:
            continue  # 'valid' with unordered shapes, covered by the exact tests
        np.testing.assert_allclose(func(in1, in2, mode, boundary, fillvalue), theirs,
                                   rtol=1e-12, atol=1e-12 * np.abs(in2).sum())
    for name, func in FUNCS_1D.items():
        theirs = getattr(scipy.signal, name)(in1[0], in2[0], mode)  # scipy's default method
        np.testing.assert_allclose(func(in1[0], in2[0], mode), theirs,
                                   rtol=1e-10, atol=1e-10 * np.abs(in2[0]).sum())


# ---------------------------------------------------------------- relations documented in the module

@pytest.mark.parametrize("shapes", CASES_2D.values(), ids=CASES_2D.keys())
def test_convolve2d_is_correlate2d_of_flipped_kernel(shapes, rng):
    """convolve2d(a, k) equals correlate2d(a, k[::-1, ::-1]) in 'full' and 'valid' mode for any
    kernel, and in 'same' mode for odd kernel sizes."""
    in1, in2 = _sample(rng, shapes[0], np.int64), _sample(rng, shapes[1], np.int64)
    odd = in2.shape[0] % 2 == 1 and in2.shape[1] % 2 == 1
    modes = ["full", "same"] if odd else ["full"]
    if all(a >= b for a, b in zip(*shapes)) or all(a <= b for a, b in zip(*shapes)):
        modes.append("valid")
    for mode in modes:
        for boundary in BOUNDARIES:
            np.testing.assert_array_equal(
                convolve2d(in1, in2, mode, boundary, 4),
                correlate2d(in1, in2[::-1, ::-1], mode, boundary, 4), err_msg=f"{mode} {boundary}")


@pytest.mark.parametrize("k_shape", [(2, 2), (4, 3), (3, 4), (3, 3)])
def test_same_mode_offsets(k_shape, rng):
    """'same' output is scipy's 'full' output cut at (k - 1) // 2, except for correlate2d,
    which cuts at k // 2: the documented difference for even kernels."""
    in1, in2 = _sample(rng, (6, 7), np.int64), _sample(rng, k_shape, np.int64)
    (h, w), (k_h, k_w) = in1.shape, in2.shape
    full = scipy.signal.convolve2d(in1, in2, "full")
    s_h, s_w = (k_h - 1) // 2, (k_w - 1) // 2
    np.testing.assert_array_equal(convolve2d(in1, in2, "same"), full[s_h:s_h + h, s_w:s_w + w])
    full = scipy.signal.correlate2d(in1, in2, "full")
    s_h, s_w = k_h // 2, k_w // 2
    np.testing.assert_array_equal(correlate2d(in1, in2, "same"), full[s_h:s_h + h, s_w:s_w + w])
    for name, func in FUNCS_1D.items():
        full = getattr(scipy.signal, name)(in1[0], in2[0], "full", method="direct")
        s = (k_w - 1) // 2
        np.testing.assert_array_equal(func(in1[0], in2[0], "same"), full[s:s + w])


@pytest.mark.parametrize("sizes", CASES_1D.values(), ids=CASES_1D.keys())
def test_convolve_is_correlate_of_reversed_kernel(sizes, rng):
    """In 1-D, convolve(a, k) equals correlate(a, k[::-1]) in every mode."""
    in1, in2 = _sample(rng, sizes[0], np.int64), _sample(rng, sizes[1], np.int64)
    for mode in MODES:
        np.testing.assert_array_equal(convolve(in1, in2, mode), correlate(in1, in2[::-1], mode))


def test_complex_valid_swap_conjugates_in_2d_only(rng):
    """With in2 larger in 'valid' mode, correlate gives the covered part of 'full', while
    correlate2d gives its complex conjugate, as scipy does."""
    in1 = _sample(rng, (2, 3), np.complex128)
    in2 = _sample(rng, (4, 5), np.complex128)
    full = scipy.signal.correlate2d(in1, in2, "full")
    covered = full[1:4, 2:5]  # where in1 (2x3) lies inside in2 (4x5)
    np.testing.assert_array_equal(correlate2d(in1, in2, "valid"), covered.conj())
    assert np.any(covered.imag != 0)  # the data make the conjugate visible
    full_1d = scipy.signal.correlate(in1[0], in2[0], "full", method="direct")
    np.testing.assert_array_equal(correlate(in1[0], in2[0], "valid"), full_1d[2:5])


def test_integer_overflow_and_promotion():
    """uint8 with uint8 wraps around modulo 256 like scipy; uint8 with int64 gives int64 without wrapping."""
    image = np.full((2, 2), 200, dtype=np.uint8)
    kernel = np.full((1, 1), 2, dtype=np.uint8)
    out = correlate2d(image, kernel)
    assert out.dtype == np.uint8 and out[0, 0] == 144  # 400 mod 256
    _assert_identical(out, scipy.signal.correlate2d(image, kernel))
    out = correlate2d(image, kernel.astype(np.int64))
    assert out.dtype == np.int64 and out[0, 0] == 400
    _assert_identical(out, scipy.signal.correlate2d(image, kernel.astype(np.int64)))


@pytest.mark.parametrize("dtype, fillvalue", [
    (np.int64, 1.5), (np.int64, -1.5), (np.uint8, 255.9), (np.uint8, -0.5), (np.int8, -128.9),
    (np.int64, True), (np.int64, np.float32(2.5)), (np.int64, -2**63), (np.uint64, 2**64 - 1),
    (np.float32, 0.1), (np.float64, [[2.5]]), (np.float64, 2**70), (np.float64, np.nan),
    (np.complex128, 2 - 1j), (np.complex64, np.complex128(0.5j)),
], ids=str)
def test_fillvalue_conversion_matches_scipy(dtype, fillvalue):
    """fillvalue is converted to the output dtype as scipy converts it (floats truncated for ints)."""
    in1 = np.array([[1, 2, 3], [4, 5, 6]], dtype=dtype)
    in2 = np.array([[1, 0], [0, 1]], dtype=dtype)
    for name in FUNCS_2D:
        _assert_matches_scipy_2d(name, in1, in2, "full", "fill", fillvalue)


def test_fillvalue_ignored_unless_fill():
    """Like scipy, fillvalue is not even read when boundary is 'wrap' or 'symm'."""
    in1, in2 = np.arange(6).reshape(2, 3), np.ones((2, 2), dtype=int)
    for boundary in ("wrap", "symm"):
        for name, func in FUNCS_2D.items():
            _assert_identical(func(in1, in2, "same", boundary, "ignored"),
                              getattr(scipy.signal, name)(in1, in2, "same", boundary, "ignored"))


# ---------------------------------------------------------------- published worked examples

def test_numpy_documentation_examples():
    """The 1-D results printed in numpy's documentation of numpy.correlate and numpy.convolve."""
    # numpy.correlate docstring, https://numpy.org/doc/stable/reference/generated/numpy.correlate.html
    np.testing.assert_array_equal(correlate([1, 2, 3], [0, 1, 0.5], "valid"), [3.5])
    np.testing.assert_array_equal(correlate([1, 2, 3], [0, 1, 0.5], "same"), [2.0, 3.5, 3.0])
    np.testing.assert_array_equal(correlate([1, 2, 3], [0, 1, 0.5], "full"),
                                  [0.5, 2.0, 3.5, 3.0, 0.0])
    # the same page: in2 is conjugated, and swapping the inputs reverses and conjugates
    np.testing.assert_array_equal(correlate([1 + 1j, 2, 3 - 1j], [0, 1, 0.5j], "full"),
                                  [0.5 - 0.5j, 1.0 + 0j, 1.5 - 1.5j, 3.0 - 1j, 0j])
    np.testing.assert_array_equal(correlate([0, 1, 0.5j], [1 + 1j, 2, 3 - 1j], "full"),
                                  [0j, 3.0 + 1j, 1.5 + 1.5j, 1.0 + 0j, 0.5 + 0.5j])
    # numpy.convolve docstring, https://numpy.org/doc/stable/reference/generated/numpy.convolve.html
    np.testing.assert_array_equal(convolve([1, 2, 3], [0, 1, 0.5]), [0.0, 1.0, 2.5, 4.0, 1.5])
    np.testing.assert_array_equal(convolve([1, 2, 3], [0, 1, 0.5], "same"), [1.0, 2.5, 4.0])
    np.testing.assert_array_equal(convolve([1, 2, 3], [0, 1, 0.5], "valid"), [2.5])


def test_d2l_cross_correlation_example():
    """The 2-D cross-correlation worked out in Dive into Deep Learning, section 7.2.1."""
    # Zhang, Lipton, Li, Smola, "Dive into Deep Learning", 7.2.1 The Cross-Correlation
    # Operation, https://d2l.ai/chapter_convolutional-neural-networks/conv-layer.html
    # (0*0 + 1*1 + 3*2 + 4*3 = 19, and so on).
    x = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    k = [[0, 1], [2, 3]]
    np.testing.assert_array_equal(correlate2d(x, k, "valid"), [[19, 25], [37, 43]])


def test_songho_convolution_example():
    """The 3x3 'same'-size 2-D convolution worked out on songho.ca, kernel flipped and zero-padded."""
    # Song Ho Ahn, "Example of 2D Convolution",
    # http://www.songho.ca/dsp/convolution/convolution2d_example.html
    x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    h = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    np.testing.assert_array_equal(convolve2d(x, h, "same"),
                                  [[-13, -20, -17], [-18, -24, -18], [13, 20, 17]])


def test_scipy_test_suite_examples():
    """The fixed 'fill' and 'wrap' results written out in scipy's own convolve2d tests."""
    # scipy/signal/tests/test_signaltools.py, TestConvolve2d.test_fillvalue and
    # test_wrap_boundary (https://github.com/scipy/scipy).
    a = [[1, 2, 3], [3, 4, 5]]
    b = [[2, 3, 4], [4, 5, 6]]
    np.testing.assert_array_equal(convolve2d(a, b, "full", "fill", 1),
                                  [[24, 26, 31, 34, 32], [28, 40, 62, 64, 52], [32, 46, 67, 62, 48]])
    np.testing.assert_array_equal(convolve2d(a, b, "full", "wrap"),
                                  [[80, 80, 74, 80, 80], [68, 68, 62, 68, 68], [80, 80, 74, 80, 80]])


# ---------------------------------------------------------------- bad arguments

GOOD_1D = {"in1": [1, 2, 3], "in2": [1, 2], "mode": "full"}
GOOD_2D = {"in1": np.ones((3, 3)), "in2": np.ones((2, 2)), "mode": "full", "boundary": "fill",
           "fillvalue": 0}
BAD_1D = [
    ("in1", "abc", TypeError),
    ("in1", None, TypeError),
    ("in1", [[1, 2], [3]], TypeError),
    ("in1", np.array(["a", "b"]), TypeError),
    ("in2", np.array([object(), object()]), TypeError),
    ("in1", [[1, 2], [3, 4]], ValueError),
    ("in2", 5, ValueError),
    ("in1", [], ValueError),
    ("in2", np.zeros(0), ValueError),
    ("mode", "sam", ValueError),
    ("mode", None, ValueError),
    ("mode", 1, ValueError),
]
BAD_2D = [
    ("in1", "abc", TypeError),
    ("in2", [[1, 2], [3]], TypeError),
    ("in1", [1, 2, 3], ValueError),
    ("in2", np.ones((2, 2, 2)), ValueError),
    ("in1", np.zeros((0, 3)), ValueError),
    ("in2", np.zeros((2, 0)), ValueError),
    ("mode", "Full", ValueError),
    ("boundary", "reflect", ValueError),
    ("boundary", None, ValueError),
    ("fillvalue", [], ValueError),
    ("fillvalue", [1, 2], ValueError),
    ("fillvalue", 1j, ValueError),
    ("fillvalue", 1 + 0j, ValueError),
    ("fillvalue", "a", TypeError),
    ("fillvalue", None, TypeError),
]


@pytest.mark.parametrize("name", FUNCS_1D)
@pytest.mark.parametrize("param, value, error", BAD_1D, ids=lambda v: repr(v)[:20])
def test_1d_bad_arguments(name, param, value, error):
    """Each bad argument of correlate/convolve raises the right error naming the parameter."""
    with pytest.raises(error, match=param):
        FUNCS_1D[name](**{**GOOD_1D, param: value})


@pytest.mark.parametrize("name", FUNCS_2D)
@pytest.mark.parametrize("param, value, error", BAD_2D, ids=lambda v: repr(v)[:20])
def test_2d_bad_arguments(name, param, value, error):
    """Each bad argument of correlate2d/convolve2d raises the right error naming the parameter."""
    with pytest.raises(error, match=param):
        FUNCS_2D[name](**{**GOOD_2D, param: value})


@pytest.mark.parametrize("name", FUNCS_2D)
def test_2d_errors_scipy_also_raises(name):
    """Where scipy raises ValueError (unordered 'valid' shapes, bool or float16 results, an
    integer fillvalue out of range, NaN for an integer output), so does this module,
    naming the parameters."""
    scipy_func, func = getattr(scipy.signal, name), FUNCS_2D[name]
    cases = [
        ((np.ones((3, 5)), np.ones((4, 2)), "valid"), {}, "in1 and in2"),
        ((np.ones((3, 3), bool), np.ones((2, 2), bool)), {}, "in1.*in2"),
        ((np.ones((3, 3), np.float16), np.ones((2, 2), np.uint8)), {}, "in1.*in2"),
        ((np.ones((3, 3), np.uint8), np.ones((2, 2), np.uint8)), {"fillvalue": 256}, "fillvalue"),
        ((np.ones((3, 3), np.uint8), np.ones((2, 2), np.uint8)), {"fillvalue": -1}, "fillvalue"),
        ((np.ones((3, 3), np.int64), np.ones((2, 2), np.int64)), {"fillvalue": np.nan}, "fillvalue"),
    ]
    for args, kwargs, pattern in cases:
        with pytest.raises(ValueError), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns on its way to the error
            scipy_func(*args, **kwargs)
        with pytest.raises(ValueError, match=pattern):
            func(*args, **kwargs)


def test_error_messages_list_accepted_values():
    """A bad mode or boundary is reported with every accepted value and the value given."""
    with pytest.raises(ValueError) as info:
        correlate([1, 2], [1], mode="sam")
    assert str(info.value) == "mode must be one of 'full', 'same', 'valid', got 'sam'"
    with pytest.raises(ValueError) as info:
        convolve2d(np.ones((2, 2)), np.ones((1, 1)), boundary="reflect")
    for accepted in ("'fill'", "'wrap'", "'symm'", "'pad'", "'circular'", "'symmetric'",
                     "got 'reflect'"):
        assert accepted in str(info.value)


# ---------------------------------------------------------------- inputs are left alone

def test_inputs_never_mutated(rng):
    """No function writes into its inputs (read-only, non-contiguous views) or returns a view of them."""
    base1 = _sample(rng, (6, 8), np.float64)
    base2 = _sample(rng, (4, 6), np.float64)
    in1, in2 = base1[::2, ::2], base2[:, ::-2]  # strided views, shapes (3, 4) and (4, 3)
    copies = base1.copy(), base2.copy()
    base1.flags.writeable = base2.flags.writeable = False
    results = []
    for mode in MODES:
        for name, func in FUNCS_2D.items():
            for boundary in BOUNDARIES:
                try:
                    results.append(func(in1, in2, mode, boundary, 5))
                except ValueError:
                    assert mode == "valid"  # (3, 4) against (4, 3) is unordered
        for name, func in FUNCS_1D.items():
            results.append(func(in1[0], in2[0], mode))
            results.append(func(in2[:, 0], in1[:, 0], mode))
    results.append(correlate2d(in1, np.ones((1, 1)), "same"))  # an identity: still a new array
    np.testing.assert_array_equal(base1, copies[0])
    np.testing.assert_array_equal(base2, copies[1])
    for out in results:
        assert not np.shares_memory(out, base1) and not np.shares_memory(out, base2)
        assert out.flags.writeable
