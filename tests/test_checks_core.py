"""Tests for autograder.checks.core: the guarded call, the comparison order, the messages."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

import autograder.checks  # noqa: F401  (registers every task)
from autograder.checks import core
from autograder.checks.core import Case, call_guarded, cases, diagnose, run_check


def _correlate2d_numpy(in1, in2, mode="full"):
    """A correct correlate2d that uses numpy only (a window sum per output element)."""
    (H, W), (kh, kw) = in1.shape, in2.shape
    padded = np.pad(in1, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    full = np.zeros((H + kh - 1, W + kw - 1), dtype=np.result_type(in1, in2))
    for i in range(full.shape[0]):
        for j in range(full.shape[1]):
            full[i, j] = np.sum(padded[i:i + kh, j:j + kw] * in2)
    if mode == "same":
        return full[kh // 2:kh // 2 + H, kw // 2:kw // 2 + W]
    if mode == "valid":
        return full[kh - 1:H, kw - 1:W]
    return full


def _message(task, fn, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        run_check(task, fn, **kwargs)
    return str(info.value)


# ---------------------------------------------------------------------------------------
# comparison order
# ---------------------------------------------------------------------------------------

def test_wrong_type_is_reported_as_type():
    """A list where an array is expected is reported as a type problem, even with right values."""
    expected = np.arange(6.0).reshape(2, 3)
    kind, text = diagnose(expected, expected.tolist())
    assert kind == "type" and "returned a list" in text


def test_wrong_shape_is_reported_before_values():
    """An array of the wrong shape and wrong values is reported as a shape problem."""
    kind, text = diagnose(np.zeros((2, 3)), np.ones((3, 2)))
    assert kind == "shape"
    assert "expected (2, 3), got (3, 2)" in text


def test_wrong_dtype_is_reported_before_values():
    """The right shape in the wrong dtype with wrong values is reported as a dtype problem."""
    kind, text = diagnose(np.zeros((2, 2), np.int64), np.ones((2, 2), np.uint8),
                          dtype_rule="the rule")
    assert kind == "dtype"
    assert "expected int64, got uint8 (the rule)" in text


def test_values_report_the_first_bad_index_in_row_major_order():
    """Several wrong elements: the message gives the first one in row-major order, with expected and got."""
    expected = np.arange(12.0).reshape(3, 4)
    got = expected.copy()
    got[2, 0] = 100.0   # later in row-major order, larger error
    got[1, 3] = 7.5     # the first bad element
    kind, text = diagnose(expected, got)
    assert kind == "values"
    assert "2 of 12 elements differ" in text
    assert "max abs error 92" in text
    assert "first wrong element at index (1, 3): expected 7, got 7.5" in text


@given(hnp.arrays(np.bool_, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5)))
def test_first_bad_index_matches_argwhere(mask):
    """For any pattern of wrong elements the reported index is the first of np.argwhere (row-major)."""
    expected = np.zeros(mask.shape)
    got = np.where(mask, 1.0, 0.0)
    result = diagnose(expected, got)
    if not mask.any():
        assert result is None
    else:
        first = tuple(int(i) for i in np.argwhere(mask)[0])
        assert f"first wrong element at index {first}:" in result[1]


def test_float_tolerance_accepts_rounding_and_rejects_real_errors():
    """A float64 result off by summation rounding passes; one off by 1e-6 relative does not."""
    expected = np.linspace(-3.0, 3.0, 7)
    assert diagnose(expected, expected * (1 + 1e-13)) is None
    assert diagnose(expected, expected + 1e-5)[0] == "values"
    f32 = expected.astype(np.float32)
    assert diagnose(f32, f32 * np.float32(1 + 1e-6)) is None


def test_nan_in_the_output_is_wrong():
    """A NaN where a number is expected is a wrong value, not silently equal."""
    expected = np.ones(3)
    got = np.array([1.0, np.nan, 1.0])
    kind, text = diagnose(expected, got)
    assert kind == "values" and "index (1,)" in text and "got nan" in text


def test_integer_values_compare_exactly():
    """Integer outputs must match exactly: off by one is wrong."""
    expected = np.array([[300, -2]], dtype=np.int64)
    assert diagnose(expected, expected + 1)[0] == "values"
    assert diagnose(expected, expected.copy()) is None


def test_expected_exception_must_be_raised():
    """Where the reference refuses the arguments, returning a value fails and raising the same type passes."""
    refusal = ValueError("kernel does not fit")
    kind, text = diagnose(refusal, 3)
    assert kind == "not-raised" and "should raise ValueError: kernel does not fit" in text
    assert diagnose(refusal, ValueError("any message")) is None
    assert diagnose(refusal, TypeError("oops"))[0] == "raised"


def test_int_results_must_be_ints():
    """A float where an int is expected is a type problem; a bool is not an int."""
    assert diagnose(3, 3.0)[0] == "type"
    assert diagnose(1, True)[0] == "type"
    assert diagnose(3, np.int64(3)) is None


# ---------------------------------------------------------------------------------------
# failures of the student's function
# ---------------------------------------------------------------------------------------

def test_student_exception_is_shown_with_type_message_and_line():
    """A function that raises is reported with the exception type, its message and the failing line."""
    def correlate2d(in1, in2, mode="full"):
        return in1[100, 100]

    text = _message("correlate2d", correlate2d)
    assert "case 1 of" in text
    assert "raised IndexError: index 100 is out of bounds" in text
    assert "return in1[100, 100]" in text


def test_not_implemented_says_so():
    """A function still raising NotImplementedError is reported as not implemented yet."""
    def correlate2d(in1, in2, mode="full"):
        raise NotImplementedError()

    text = _message("correlate2d", correlate2d)
    assert "correlate2d is not implemented yet" in text


def test_returning_none_suggests_a_missing_return():
    """A function that returns None is told it probably forgot to return."""
    def correlate2d(in1, in2, mode="full"):
        _correlate2d_numpy(in1, in2, mode)

    text = _message("correlate2d", correlate2d)
    assert "returned None" in text and "`return`" in text
    assert "Likely mistake" not in text


def test_returning_a_list_is_a_type_failure():
    """A function returning a nested list (right values) fails on the type."""
    def correlate2d(in1, in2, mode="full"):
        return _correlate2d_numpy(in1, in2, mode).tolist()

    text = _message("correlate2d", correlate2d)
    assert "returned a list; return a numpy array" in text


def test_mutating_the_input_is_named():
    """A right answer computed by writing into an argument fails as 'mutated the input', naming it."""
    def correlate2d(in1, in2, mode="full"):
        result = _correlate2d_numpy(in1, in2, mode)
        in1 *= 2
        return result

    text = _message("correlate2d", correlate2d)
    assert "changed its argument in1" in text
    assert "Likely mistake: mutated the input." in text


def test_not_a_function_is_reported():
    """Passing the result of a call instead of the function fails with a clear message."""
    text = _message("correlate2d", np.zeros(3))
    assert "expected your function correlate2d" in text


def test_unknown_output_is_not_guessed():
    """A wrong output that no known mistake reproduces is reported as such, without a guess."""
    def correlate2d(in1, in2, mode="full"):
        return _correlate2d_numpy(in1, in2, mode) + 0.5

    text = _message("correlate2d", correlate2d)
    assert "No known mistake reproduces this result" in text
    assert "Likely mistake" not in text


def test_message_names_the_case_and_its_arguments():
    """The message gives the check, the case number and name, and the call with dtypes and shapes."""
    def correlate2d(in1, in2, mode="full"):
        return _correlate2d_numpy(in1, in2, "full")

    text = _message("correlate2d", correlate2d)
    first_line, call_line = text.splitlines()[:2]
    assert first_line.startswith("check_correlate2d failed on case 2 of ")
    assert "3x3 kernel on a 6x7 image, mode=same" in first_line
    assert call_line.strip() == "correlate2d(in1: float64 (6, 7), in2: float64 (3, 3), mode='same')"
    assert "autograder.checks.cases('correlate2d')[1]" in text


def test_success_prints_one_line_and_returns_none(capsys):
    """A correct function makes the check return None after printing how many cases passed."""
    assert run_check("correlate2d", _correlate2d_numpy) is None
    out = capsys.readouterr().out
    assert out == f"check_correlate2d: all {len(cases('correlate2d'))} cases passed\n"


def test_checks_ignore_a_monkeypatched_numpy(monkeypatch):
    """Replacing np.allclose, np.array_equal and numpy.testing with always-true fakes does not make a wrong answer pass."""
    def correlate2d(in1, in2, mode="full"):
        return _correlate2d_numpy(in1, in2, mode) + 1.0

    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "array_equal", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, *r, **k: np.ones(np.shape(a), bool))
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(np.testing, "assert_array_equal", lambda *a, **k: None)
    text = _message("correlate2d", correlate2d)
    assert "wrong values" in text


# ---------------------------------------------------------------------------------------
# determinism
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("task", ["correlate2d", "convolve2d", "pad2d", "conv_output_size",
                                  "conv2d", "pool2d"])
def test_cases_are_the_same_every_time(task):
    """Building a task's cases twice gives the same names and the same argument values."""
    first, second = cases(task), cases(task)
    assert [c.name for c in first] == [c.name for c in second]
    for a, b in zip(first, second):
        assert list(a.kwargs) == list(b.kwargs)
        values = list(zip(a.args, b.args)) + [(a.kwargs[k], b.kwargs[k]) for k in a.kwargs]
        for x, y in values:
            if isinstance(x, np.ndarray):
                assert x.dtype == y.dtype and np.array_equal(x, y) and x is not y
            else:
                assert x == y


def test_a_failure_gives_the_same_message_twice():
    """Two runs of a check on the same wrong function fail with identical messages."""
    def correlate2d(in1, in2, mode="full"):
        return _correlate2d_numpy(in1, in2[::-1, ::-1], mode)

    assert _message("correlate2d", correlate2d) == _message("correlate2d", correlate2d)


def test_unknown_task_lists_the_known_ones():
    """Asking for the cases of a task that does not exist raises ValueError listing the tasks."""
    with pytest.raises(ValueError, match="task must be one of .*'conv2d'.*got 'conv3d'"):
        cases("conv3d")


def test_call_text_shows_arrays_by_dtype_and_shape():
    """Case.call_text writes arrays as dtype and shape and keeps small values as they are."""
    case = Case("demo", (np.zeros((2, 3), np.uint8), (1, 2)), {"mode": "valid"})
    assert case.call_text("f", ("x", "padding")) == "f(x: uint8 (2, 3), padding: (1, 2), mode='valid')"


# ---------------------------------------------------------------------------------------
# forbidden calls
# ---------------------------------------------------------------------------------------

def test_scipy_through_an_alias_is_rejected_and_named():
    """A function calling scipy.signal.correlate2d under another name fails, naming scipy's function."""
    from scipy.signal import correlate2d as helper

    def correlate2d(in1, in2, mode="full"):
        return helper(in1, in2, mode=mode)

    text = _message("correlate2d", correlate2d)
    assert "your correlate2d called scipy.signal.correlate2d" in text
    assert "not allowed" in text


def test_reference_through_an_alias_is_rejected_and_named():
    """A function calling the course's reference under an alias fails, naming the reference function."""
    from autograder.reference.signal import convolve2d as c

    def convolve2d(in1, in2, mode="full"):
        return c(in1, in2, mode=mode)

    text = _message("convolve2d", convolve2d)
    assert "called autograder.reference" in text and "convolve2d" in text.splitlines()[0]


def test_the_reference_itself_is_rejected():
    """Handing in the reference function itself is a forbidden call too."""
    import autograder.reference as reference

    text = _message("correlate2d", reference.correlate2d)
    assert "called autograder.reference.correlate2d" in text


def test_scipy_ndimage_is_rejected():
    """scipy.ndimage computes correlations too and is refused."""
    from scipy import ndimage

    def correlate2d(in1, in2, mode="full"):
        ndimage.correlate(in1, in2, mode="constant")
        return _correlate2d_numpy(in1, in2, mode)

    assert "called scipy.ndimage" in _message("correlate2d", correlate2d)


def test_numpy_only_function_passes_with_the_guard_on():
    """A numpy-only solution passes; the reference the check itself calls is not held against it."""
    run_check("correlate2d", _correlate2d_numpy, verbose=False)


def test_profilers_are_restored_after_success_failure_and_exception():
    """Whatever profiler was installed before a check is back afterwards, in this thread and for new threads."""
    events = []

    def previous(frame, event, arg):
        events.append(event)

    def raises(in1, in2, mode="full"):
        raise RuntimeError("boom")

    from scipy.signal import correlate2d as helper

    def forbidden(in1, in2, mode="full"):
        return helper(in1, in2, mode=mode)

    old_thread = threading.getprofile()
    sys.setprofile(previous)
    threading.setprofile(previous)
    try:
        run_check("correlate2d", _correlate2d_numpy, verbose=False)
        assert sys.getprofile() is previous and threading.getprofile() is previous
        for fn in (raises, forbidden):
            with pytest.raises(AssertionError):
                run_check("correlate2d", fn)
            assert sys.getprofile() is previous and threading.getprofile() is previous
    finally:
        sys.setprofile(None)
        threading.setprofile(old_thread)
    assert "call" in events  # the previous profiler kept seeing events (it is chained)


def test_call_guarded_restores_on_keyboard_interrupt():
    """Even an exception the guard does not catch leaves the previous profiler installed."""
    def interrupted():
        raise KeyboardInterrupt

    assert sys.getprofile() is None
    with pytest.raises(KeyboardInterrupt):
        call_guarded(interrupted, (), {})
    assert sys.getprofile() is None


def test_forbidden_call_in_a_thread_is_caught():
    """A forbidden call made from a thread the student's function starts is flagged too."""
    from scipy.signal import correlate2d as helper

    def threaded(a, b):
        box = []
        worker = threading.Thread(target=lambda: box.append(helper(a, b)))
        worker.start()
        worker.join()
        return box[0]

    outcome, culprit = call_guarded(threaded, (np.ones((2, 2)), np.ones((1, 1))), {})
    assert culprit == "scipy.signal.correlate2d"


def test_guard_off_lets_the_reference_through():
    """With forbid=False the guard is not installed, so the reference itself passes its own check."""
    import autograder.reference as reference

    outcome, culprit = call_guarded(reference.correlate2d, (np.ones((2, 2)), np.ones((1, 1))), {},
                                    forbid=False)
    assert culprit is None and outcome.shape == (2, 2)


def test_forbidden_packages_are_located_without_importing_them():
    """Finding torch's and tensorflow's directories does not import them."""
    absent = [name for name in ("torch", "tensorflow", "jax") if name not in sys.modules]
    core._ROOTS = None  # force the lookup again
    roots = core._forbidden_roots()
    assert any(root.rstrip("/\\").endswith("reference") for root in roots)
    for name in absent:
        assert name not in sys.modules


def test_library_helpers_are_forbidden_to_students_but_not_to_the_library():
    """A student's function using the mistakes library's correct helpers is refused; the library's own variants are graded normally."""
    from autograder import mistakes

    def correlate2d(in1, in2, mode="full"):
        return mistakes._correlate(in1, in2, mode)

    text = _message("correlate2d", correlate2d)
    assert "called autograder.mistakes._correlate" in text
    assert "Likely mistake: forgot the flip." in _message("convolve2d", mistakes.forgot_the_flip)


def test_grading_needs_neither_scipy_nor_torch():
    """With scipy and torch made unimportable, a check still passes a right answer and names a wrong one."""
    code = (
        "import sys\n"
        "sys.modules['scipy'] = None\n"
        "sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from autograder.checks import check_correlate2d, check_conv2d\n"
        "from autograder.mistakes import conv2d_no_bias\n"
        "def correlate2d(in1, in2, mode='full'):\n"
        "    (H, W), (kh, kw) = in1.shape, in2.shape\n"
        "    p = np.pad(in1, ((kh - 1, kh - 1), (kw - 1, kw - 1)))\n"
        "    f = np.zeros((H + kh - 1, W + kw - 1), np.result_type(in1, in2))\n"
        "    for i in range(f.shape[0]):\n"
        "        for j in range(f.shape[1]):\n"
        "            f[i, j] = np.sum(p[i:i + kh, j:j + kw] * in2)\n"
        "    if mode == 'same':\n"
        "        return f[kh // 2:kh // 2 + H, kw // 2:kw // 2 + W]\n"
        "    return f[kh - 1:H, kw - 1:W] if mode == 'valid' else f\n"
        "check_correlate2d(correlate2d)\n"
        "try:\n"
        "    check_conv2d(conv2d_no_bias)\n"
        "except AssertionError as e:\n"
        "    assert 'Likely mistake: bias ignored.' in str(e), str(e)\n"
        "else:\n"
        "    raise SystemExit('the wrong conv2d passed')\n"
    )
    import subprocess
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "check_correlate2d: all 27 cases passed" in result.stdout


def test_an_ndarray_subclass_that_always_compares_equal_is_graded_as_a_plain_array():
    """A result whose class redefines == (and friends) to hide wrong values still fails the check."""
    from autograder.checks import check_correlate2d

    class AlwaysEqual(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, dtype=bool)

        def __sub__(self, other):
            return np.zeros(self.shape)

        __rsub__ = __sub__

    def zeros(in1, in2, mode="full"):
        in1, in2 = np.asarray(in1), np.asarray(in2)
        shape = {"full": (in1.shape[0] + in2.shape[0] - 1, in1.shape[1] + in2.shape[1] - 1),
                 "same": in1.shape,
                 "valid": (in1.shape[0] - in2.shape[0] + 1, in1.shape[1] - in2.shape[1] + 1)}[mode]
        return np.zeros(shape, dtype=np.result_type(in1, in2)).view(AlwaysEqual)

    with pytest.raises(AssertionError, match="wrong values"):
        check_correlate2d(zeros)
