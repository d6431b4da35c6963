"""autograder.exercises: the exercise checks print the right verdict and compare like a person would."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.exercises import check, matches

# name: (answer, expected, should match)
CASES = {
    "same shape tuple": ((1, 4, 8, 8), (1, 4, 8, 8), True),
    "shape as a list": ([1, 4, 8, 8], (1, 4, 8, 8), True),
    "shape with a wrong item": ((1, 4, 6, 6), (1, 4, 8, 8), False),
    "shape too short": ((4, 8, 8), (1, 4, 8, 8), False),
    "int for a tuple": (8, (8,), False),
    "int equal": (112, 112, True),
    "int off by biases": (108, 112, False),
    "float rounding": (0.1 + 0.2, 0.3, True),
    "sign flipped": (3, -3, False),
    "array equal": ([[1, 2], [3, 4]], np.array([[1, 2], [3, 4]]), True),
    "array other shape": ([1, 2, 3, 4], np.array([[1, 2], [3, 4]]), False),
    "array one value off": ([[1, 2], [3, 5]], np.array([[1, 2], [3, 4]]), False),
    "ragged list": ([[1, 2], [3]], np.array([[1, 2], [3, 4]]), False),
    "string for a number": ("3", 3, False),
    "bool equal": (True, True, True),
    "int for a bool": (1, True, False),
    "nan": (float("nan"), 1.0, False),
}


@pytest.mark.parametrize("answer, expected, ok", CASES.values(), ids=CASES.keys())
def test_matches_named_cases(answer, expected, ok):
    """matches accepts equal values in any reasonable container and rejects everything else."""
    assert matches(answer, expected) is ok


def test_none_prompts(capsys):
    """An unanswered exercise prints only the "Your turn" prompt naming the variable and returns None."""
    assert check(None, 3, why="w", hint="h", name="answer_x") is None
    out = capsys.readouterr().out
    assert out.startswith("Your turn") and "answer_x" in out
    assert "Right" not in out and "Not quite" not in out


def test_right_prints_value_and_why(capsys):
    """A right answer prints "Right", the expected value and the explanation, and returns True."""
    assert check([1, 4], (1, 4), why="because.") is True
    assert capsys.readouterr().out == "Right: (1, 4). because.\n"


def test_wrong_prints_hint(capsys):
    """A wrong answer prints "Not quite" with the hint (or a generic one) and returns False."""
    assert check(2, 3, why="w", hint="try again.") is False
    assert capsys.readouterr().out == "Not quite: try again.\n"
    assert check(2, 3, why="w") is False
    out = capsys.readouterr().out
    assert out.startswith("Not quite: ") and "Right" not in out


def test_array_expected_is_shown_as_list(capsys):
    """An array's expected value is printed as a plain nested list."""
    check(np.array([[1.0, -2.0]]), np.array([[1.0, -2.0]]), why="ok")
    assert capsys.readouterr().out == "Right: [[1.0, -2.0]]. ok\n"


@pytest.mark.parametrize("kwargs", [{"why": 3}, {"why": "w", "hint": ["h"]}, {"why": "w", "name": 1}],
                         ids=["why", "hint", "name"])
def test_non_string_text_is_refused(kwargs):
    """A non-string why, hint or name raises TypeError naming the parameter."""
    label = [k for k in kwargs if not isinstance(kwargs[k], str)][0]
    with pytest.raises(TypeError, match=label):
        check(1, 1, **kwargs)


def test_a_known_wrong_answer_gets_its_own_explanation(capsys):
    """An answer equal to a listed wrong value prints that value's explanation; other wrong answers get the hint."""
    wrong = [(-3, "the flipped kernel gives -3."), (0, "you left out the window.")]
    assert check(-3, 3, why="w", hint="h", wrong=wrong) is False
    assert capsys.readouterr().out == "Not quite: the flipped kernel gives -3.\n"
    assert check(0, 3, why="w", hint="h", wrong=wrong) is False
    assert capsys.readouterr().out == "Not quite: you left out the window.\n"
    assert check(7, 3, why="w", hint="h", wrong=wrong) is False
    assert capsys.readouterr().out == "Not quite: h\n"
    assert check(3, 3, why="w", hint="h", wrong=[(3, "never printed")]) is True
    assert capsys.readouterr().out.startswith("Right: 3.")


@pytest.mark.parametrize("wrong", ["abc", [(1,)], [(1, 2)], [1, 2]])
def test_wrong_must_be_value_explanation_pairs(wrong):
    """A malformed ``wrong`` list raises TypeError naming the parameter."""
    with pytest.raises(TypeError, match="wrong must be"):
        check(1, 1, why="w", wrong=wrong)
