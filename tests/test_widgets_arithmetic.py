"""autograder.widgets.arithmetic: the explorer reports the brute-force count of window positions, draws them, and judges a student's output-size function."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from autograder.reference import conv_output_size, conv_transpose2d
from autograder.widgets.arithmetic import ArithmeticExplorer


def brute_count(I, K, S, P, D):
    """Window positions along one side, by trying every start on the padded input."""
    length = I + 2 * P
    return sum(1 for s in range(length) if s % S == 0 and s + D * (K - 1) < length)


def reported(text):
    """The int after "output size:", as a browser test would read it."""
    match = re.match(r"output size: (\d+)\b", text)
    assert match, f"text does not start with 'output size: N': {text!r}"
    return int(match.group(1))


SETTINGS = [dict(input_size=I, kernel_size=K, stride=S, padding=P, dilation=D)
            for I, K, S, P, D in [(5, 3, 1, 0, 1), (5, 3, 1, 1, 1), (5, 3, 2, 1, 1),
                                  (10, 3, 2, 0, 1), (4, 4, 3, 0, 1), (7, 3, 1, 0, 2),
                                  (8, 2, 3, 1, 1), (1, 1, 1, 0, 1), (12, 5, 3, 4, 3),
                                  (6, 2, 2, 0, 1)]]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "I{input_size}-K{kernel_size}-"
                         "S{stride}-P{padding}-D{dilation}".format(**s))
def test_reported_size_and_figure_follow_the_sliders(settings):
    """After set(...), the text's output size and the drawn start dots equal the brute-force count of window positions."""
    ex = ArithmeticExplorer().set(**settings)
    n = brute_count(settings["input_size"], settings["kernel_size"], settings["stride"],
                    settings["padding"], settings["dilation"])
    assert ex.ok and reported(ex.text) == n == ex.counted == ex.output_size
    assert isinstance(ex.figure, Figure)
    assert len(ex.figure.axes[0].lines[0].get_xdata()) == n * n
    out_cells = [p for p in ex.figure.axes[1].patches if p.get_gid() == "output"]
    assert len(out_cells) == n * n


def test_configuration_that_does_not_fit_names_the_unread_rows():
    """Input 10, kernel 3, stride 2: floor gives 4, and the text says input row and column 9 are never read."""
    ex = ArithmeticExplorer(input_size=10, kernel_size=3, stride=2)
    assert reported(ex.text) == brute_count(10, 3, 2, 0, 1) == 4
    assert "does not fit" in ex.text and "input row 9 and input column 9 are never read" in ex.text
    assert "does not fit" not in ex.set(input_size=11).text


def test_a_whole_input_kernel_has_one_position_whatever_the_stride():
    """When the kernel is as large as the input, every stride reports output size 1."""
    ex = ArithmeticExplorer(input_size=4, kernel_size=4)
    for stride in (1, 2, 3):
        assert reported(ex.set(stride=stride).text) == 1


def forgot_plus_one(input_size, kernel_size, stride, padding, dilation):
    """A typical wrong answer: the formula without its + 1."""
    return (input_size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride


def forgot_dilation(input_size, kernel_size, stride, padding, dilation):
    """Another: dilation ignored."""
    return (input_size + 2 * padding - kernel_size) // stride + 1


def true_division(input_size, kernel_size, stride, padding, dilation):
    """Another: (I + 2P - K) / S + 1 without flooring."""
    return (input_size + 2 * padding - kernel_size) / stride + 1


def always_raises(input_size, kernel_size, stride, padding, dilation):
    raise ZeroDivisionError("oops")


def test_a_wrong_student_function_is_reported_and_flagged():
    """A function missing the + 1 has its value reported, and the text says it disagrees with the count."""
    ex = ArithmeticExplorer(input_size=5, kernel_size=3, output_size=forgot_plus_one)
    assert reported(ex.text) == 2 and ex.counted == brute_count(5, 3, 1, 0, 1) == 3
    assert ex.agrees is False and "disagrees" in ex.text and "gives 3" in ex.text


def test_dilation_mistake_shows_only_when_dilation_is_used():
    """Ignoring dilation agrees at dilation 1 and is flagged at dilation 2."""
    ex = ArithmeticExplorer(input_size=7, kernel_size=3, output_size=forgot_dilation)
    assert ex.agrees and "matching" in ex.text and "disagrees" not in ex.text
    ex.set(dilation=2)
    assert not ex.agrees and reported(ex.text) == 5 and ex.counted == brute_count(7, 3, 1, 0, 2)


def test_a_non_integer_answer_is_named():
    """(I + 2P - K) / S + 1 giving 2.5 is named as not a whole number, and the counted size is reported."""
    ex = ArithmeticExplorer(input_size=6, kernel_size=3, stride=2, output_size=true_division)
    assert reported(ex.text) == brute_count(6, 3, 2, 0, 1) == 2
    assert "returned 2.5, which is not a whole number" in ex.text and ex.agrees is False


def test_a_raising_student_function_is_reported():
    """A function that raises is named with its exception, and the counted size is reported."""
    ex = ArithmeticExplorer(input_size=5, kernel_size=3, output_size=always_raises)
    assert ex.ok and reported(ex.text) == 3
    assert "raised ZeroDivisionError: oops" in ex.text and ex.agrees is False


def test_refusing_a_configuration_that_does_not_fit_is_fair():
    """The reference conv_output_size raises on input 10, kernel 3, stride 2; the explorer prints its message and calls refusing fair."""
    ex = ArithmeticExplorer(input_size=10, kernel_size=3, stride=2, output_size=conv_output_size)
    assert reported(ex.text) == 4 and "raised ValueError" in ex.text
    assert "does not fit" in ex.text and "refusing it is a fair answer" in ex.text
    ex.set(input_size=9)
    assert ex.agrees and "matching the 4 window positions" in ex.text


def test_transposed_mode_counts_the_transposed_output():
    """With the checkbox on, the size is conv_transpose2d's output side and the student's direct formula is not used."""
    ex = ArithmeticExplorer(input_size=3, kernel_size=3, stride=2, padding=1,
                            output_size=forgot_plus_one).set(transposed=True)
    side = conv_transpose2d(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), stride=2,
                            padding=1).shape[-1]
    assert reported(ex.text) == side and ex.agrees is None and "not used" in ex.text
    assert isinstance(ex.figure, Figure)


def test_a_grid_too_large_still_reports_the_size():
    """A transposed grid too big to draw leaves no figure but the text still gives the output size."""
    ex = ArithmeticExplorer(input_size=12, kernel_size=3, stride=3, transposed=True)
    side = conv_transpose2d(np.zeros((1, 1, 12, 12)), np.zeros((1, 1, 3, 3)), stride=3).shape[-1]
    assert ex.figure is None and reported(ex.text) == side and "too large to draw" in ex.text


def test_a_kernel_that_does_not_fit_is_explained():
    """A kernel longer than the padded input cannot be drawn; the text says why and what the student's function said."""
    ex = ArithmeticExplorer(input_size=2, kernel_size=5, output_size=forgot_plus_one)
    assert not ex.ok and ex.figure is None and ex.text.startswith("Cannot draw this:")
    assert "kernel spans 5" in ex.text and "returned -3" in ex.text
    ex.set(padding=2)
    assert ex.ok and ex.counted == brute_count(2, 5, 1, 2, 1) == 2 and reported(ex.text) == 1


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(output_size=3), TypeError, "output_size must be a function"),
    (dict(stride=0), ValueError, "stride must be an int from 1 to 3"),
    (dict(input_size=2.5), ValueError, "input_size"),
    (dict(transposed=1), TypeError, "transposed"),
])
def test_bad_constructor_arguments(kwargs, error, match):
    """Bad initial values raise with the parameter's name and what is allowed."""
    with pytest.raises(error, match=match):
        ArithmeticExplorer(**kwargs)


def test_every_slider_combination_agrees_with_brute_force():
    """Over a grid of slider settings, the reported size equals the brute-force count (or the kernel does not fit)."""
    ex = ArithmeticExplorer()
    for I, K, S, P, D in itertools.product((2, 7), (1, 3), (1, 2, 3), (0, 2), (1, 2)):
        ex.set(input_size=I, kernel_size=K, stride=S, padding=P, dilation=D)
        fits = D * (K - 1) + 1 <= I + 2 * P
        assert ex.ok == fits
        if fits:
            assert reported(ex.text) == brute_count(I, K, S, P, D)
