"""Checks for the not-graded exercises at the end of each lecture.

A lecture's "check yourself" cell calls :func:`check` with the learner's answer and the
value the package computes; it prints one line that starts with "Your turn" (no answer
yet), "Right" or "Not quite", which is what ``tests/test_course.py`` looks for.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check", "matches"]


def matches(answer, expected) -> bool:
    """Say whether ``answer`` equals ``expected``, the way an exercise compares them.

    Parameters
    ----------
    answer : object
        The learner's answer: a number, a tuple (e.g. a shape), a nested list or an array.
    expected : object
        The right value, of the same kind.

    Returns
    -------
    bool
        For a tuple ``expected`` (a shape), True if ``answer`` is a sequence with the same
        items; for a bool, True only for the same bool; otherwise True if both are
        numeric arrays of the same shape whose values agree to ``np.allclose``'s default
        tolerance.  Anything that cannot be compared (a string for a number, ragged
        lists) gives False rather than an error.

    See Also
    --------
    numpy.allclose : The numeric comparison used.
    numpy.array_equal : The shape comparison it is combined with.

    Notes
    -----
    ``answer`` matches ``expected`` when ``a.shape == e.shape`` and
    :math:`|a - e| \\le 10^{-8} + 10^{-5} |e|` elementwise.

    Examples
    --------
    >>> matches((1, 4, 8, 8), (1, 4, 8, 8)), matches([1, 4, 8, 8], (1, 4, 8, 8))
    (True, True)
    >>> matches(0.1 + 0.2, 0.3), matches(3, -3)
    (True, False)
    >>> matches([[1, 2]], np.array([1, 2]))   # same numbers, other shape
    False
    >>> matches("three", 3)
    False
    """
    if isinstance(expected, tuple):
        if not isinstance(answer, (tuple, list)) or len(answer) != len(expected):
            return False
        return all(matches(a, e) for a, e in zip(answer, expected))
    if isinstance(expected, (bool, np.bool_)):
        return isinstance(answer, (bool, np.bool_)) and bool(answer) == bool(expected)
    try:
        a = np.asarray(answer)
        e = np.asarray(expected)
    except ValueError:   # ragged nested lists
        return False
    if a.dtype.kind not in "biuf" or e.dtype.kind not in "biuf" or a.shape != e.shape:
        return False
    return bool(np.allclose(a, e))


def check(answer, expected, *, why, hint=None, name="the answer", wrong=()) -> bool | None:
    """Print a verdict on an exercise answer: "Your turn", "Right" or "Not quite".

    Parameters
    ----------
    answer : object or None
        The learner's answer; None means not answered yet.
    expected : object
        The right value, computed by the package (see :func:`matches` for how the two
        are compared).
    why : str
        Why ``expected`` is right; printed after "Right: <expected>.".
    hint : str, optional
        What to reconsider; printed after "Not quite:" (a generic hint if None).
    name : str, default "the answer"
        The answer variable's name, used in the "Your turn" prompt.
    wrong : sequence of (object, str), optional
        Known wrong answers, each with the explanation printed after "Not quite:" when
        the answer matches it (e.g. the value a flipped kernel gives); the first match
        wins, and ``hint`` covers every other wrong answer.

    Returns
    -------
    bool or None
        None when ``answer`` is None, else whether it matched.

    Raises
    ------
    TypeError
        If ``why``, ``hint`` or ``name`` is not a string, or ``wrong`` is not a sequence
        of (value, explanation) pairs.

    See Also
    --------
    matches : The comparison.

    Notes
    -----
    The printed line always starts with one of the three verdicts, so a test can run a
    notebook with right and wrong answers and read the verdict back.

    Examples
    --------
    >>> check(None, 3, why="...", name="answer_value")
    Your turn: set answer_value in the cell above, then run both cells.
    >>> check(3, 3, why="two plus one.")
    Right: 3. two plus one.
    True
    >>> check(4, 3, why="two plus one.", hint="add again.")
    Not quite: add again.
    False
    >>> check(-3, 3, why="...", wrong=[(-3, "that is the flipped kernel's value.")])
    Not quite: that is the flipped kernel's value.
    False
    """
    for label, text in (("why", why), ("hint", hint), ("name", name)):
        if text is not None and not isinstance(text, str):
            raise TypeError(f"{label} must be a string, got {type(text).__name__} {text!r}")
    if isinstance(wrong, (str, bytes)) or not all(
            isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[1], str)
            for pair in wrong):
        raise TypeError(f"wrong must be a sequence of (value, explanation) pairs, got {wrong!r}")
    if answer is None:
        print(f"Your turn: set {name} in the cell above, then run both cells.")
        return None
    if matches(answer, expected):
        print(f"Right: {_show(expected)}. {why}")
        return True
    for value, explanation in wrong:
        if matches(answer, value):
            print(f"Not quite: {explanation}")
            return False
    print(f"Not quite: {hint if hint is not None else 'compare your working with the lecture.'}")
    return False


def _show(value) -> str:
    """A short rendering of ``value`` for the verdict: numbers with ``:g``, arrays as lists."""
    if isinstance(value, (np.ndarray, list)):
        return str(np.asarray(value).tolist())
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)
