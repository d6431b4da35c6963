"""What every check shares: cases, the guarded call, the comparison and the message.

A :class:`Task` describes one graded function (its name, the reference it is compared
with, how to build its cases).  :func:`run_check` runs a student's function on every
case and raises ``AssertionError`` with a message for the first case it fails.
"""

from __future__ import annotations

import importlib.util
import numbers
import os
import sys
import threading
import traceback
import types
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from autograder import mistakes as _mistakes

__all__ = [
    "Case",
    "Task",
    "FORBIDDEN_MODULES",
    "register",
    "get_task",
    "cases",
    "run_check",
    "call_guarded",
    "diagnose",
]

# Captured at import: a notebook that later replaces np.allclose, np.asarray or
# numpy.testing cannot change how the checks compare.  The comparisons themselves use
# only operators and ndarray methods, which live on the C type and cannot be patched.
_ndarray = np.ndarray
_generic = np.generic
_close_mask = _mistakes.close_mask
_same_outcome = _mistakes.same_outcome
_copy = _mistakes._copy
_getprofile, _setprofile = sys.getprofile, sys.setprofile
_thread_getprofile, _thread_setprofile = threading.getprofile, threading.setprofile

FORBIDDEN_MODULES = (
    "autograder.reference",
    "autograder.mistakes",  # its student-style helpers compute right answers too
    "autograder.nn",        # the capstone's layers and training loop
    "autograder.datasets",
    "sklearn",              # ready-made models and the digits the training check tests on
    "scipy.signal",
    "scipy.ndimage",
    "torch",
    "tensorflow",
    "keras",
    "jax",
    "jaxlib",
)
"""Modules a student's function may not call: each already computes the answer."""


# ---------------------------------------------------------------------------------------
# cases and tasks
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One call of the graded function: a name a student can read, and its arguments.

    Attributes
    ----------
    name : str
        What the case tests, e.g. ``"even 2x2 kernel, mode='same'"``.
    args : tuple
        Positional arguments (arrays are copied before every call).
    kwargs : dict
        Keyword arguments.
    reason : str
        For a case the function must refuse: why, in the student's terms.
    """

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    reason: str = ""

    def call_text(self, fn_name: str, arg_names: tuple[str, ...] = ()) -> str:
        """The call as text, arrays shown by dtype and shape.

        Examples
        --------
        >>> Case("demo", (np.zeros((2, 3)), 1), {"mode": "same"}).call_text("f", ("a", "b"))
        "f(a: float64 (2, 3), b: 1, mode='same')"
        """
        parts = []
        for i, value in enumerate(self.args):
            label = arg_names[i] if i < len(arg_names) else f"arg{i}"
            parts.append(f"{label}: {_short(value)}")
        parts += [f"{key}={_short(value)}" for key, value in self.kwargs.items()]
        return f"{fn_name}({', '.join(parts)})"


@dataclass(frozen=True)
class Task:
    """A graded function and how to check it.

    Attributes
    ----------
    name : str
        The function students write, e.g. ``"correlate2d"``; also its key in
        :data:`autograder.mistakes.MISTAKES`.
    reference : str
        The name of the reference function in :mod:`autograder.reference`.
    make_cases : callable
        Builds the list of :class:`Case` afresh (with fixed seeds) on every call.
    arg_names : tuple of str
        Names of the positional arguments, for messages.
    dtype_rule : str
        Which output dtype is expected, quoted when the dtype is wrong.
    refuses : bool
        Some cases must be refused: where the reference raises ``ValueError`` the
        student's function must raise it too.
    expected_fn : callable, optional
        Computes the expected outcome from a case's arguments, for a task with no
        function of that name in :mod:`autograder.reference` (``reference`` then only
        names what it is built on).
    diagnose : callable, optional
        ``diagnose(expected, got, fn, reason) -> (kind, text) or None`` in place of
        :func:`diagnose`, for outcomes it does not compare (tuples of arrays, floats to a
        tolerance).
    identify : callable, optional
        ``identify(task_name, observations, failing) -> Mistake or None`` in place of
        :func:`autograder.mistakes.identify`, comparing such outcomes.
    """

    name: str
    reference: str
    make_cases: Callable[[], list]
    arg_names: tuple = ()
    dtype_rule: str = ""
    refuses: bool = False
    expected_fn: Callable | None = None
    diagnose: Callable | None = None
    identify: Callable | None = None

    @property
    def check_name(self) -> str:
        return f"check_{self.name}"


_TASKS: dict[str, Task] = {}


def register(task: Task) -> Task:
    """Add ``task`` to the tasks :func:`cases` and :func:`get_task` know about."""
    _TASKS[task.name] = task
    return task


def get_task(name: str) -> Task:
    """The registered :class:`Task` called ``name``.

    Raises
    ------
    ValueError
        If no task has that name; the message lists the known ones.

    Examples
    --------
    >>> import autograder.checks
    >>> get_task("pool2d").check_name
    'check_pool2d'
    """
    try:
        return _TASKS[name]
    except KeyError:
        listed = ", ".join(repr(t) for t in sorted(_TASKS))
        raise ValueError(f"task must be one of {listed}, got {name!r}") from None


def cases(task: str) -> list[Case]:
    """The cases a check runs, in order, so a student can rebuild a failing one.

    Parameters
    ----------
    task : str
        A graded function's name, e.g. ``"convolve2d"``.

    Returns
    -------
    list of Case
        Fresh arrays on every call; the same values every time (fixed seeds).

    Raises
    ------
    ValueError
        If ``task`` is not a graded function's name.

    Examples
    --------
    >>> import autograder.checks
    >>> case = cases("convolve2d")[0]
    >>> case.name, case.kwargs
    ('3x3 kernel on a 6x7 image, mode=full', {'mode': 'full'})
    """
    return get_task(task).make_cases()


# ---------------------------------------------------------------------------------------
# forbidden calls
# ---------------------------------------------------------------------------------------

_ROOTS: tuple[str, ...] | None = None


def _module_dirs(name: str) -> list[str]:
    """Directories holding package ``name`` (or the file of a plain module), not imported."""
    module = sys.modules.get(name)
    if module is not None:
        paths = list(getattr(module, "__path__", None) or [])
        if not paths and getattr(module, "__file__", None):
            paths = [module.__file__]  # a single-file module: only that file
        return paths
    top, _, rest = name.partition(".")
    top_module = sys.modules.get(top)
    if top_module is not None:
        locations = list(getattr(top_module, "__path__", None) or [])
    else:
        try:
            spec = importlib.util.find_spec(top)  # a top-level spec does not import it
        except (ImportError, ValueError):
            spec = None
        locations = list(spec.submodule_search_locations or []) if spec else []
    return [os.path.join(loc, *rest.split(".")) if rest else loc for loc in locations]


def _forbidden_roots() -> tuple[str, ...]:
    """``dir + os.sep`` for every forbidden package (the path itself for a file), as given
    and with symlinks resolved: the prefixes of the code a student may not run."""
    global _ROOTS
    if _ROOTS is None:
        roots = set()
        for name in FORBIDDEN_MODULES:
            for path in _module_dirs(name):
                for form in (os.path.abspath(path), os.path.realpath(path)):
                    roots.add(form if form.endswith(".py") else form.rstrip(os.sep) + os.sep)
        _ROOTS = tuple(sorted(roots))
    return _ROOTS


def _is_forbidden_module(module) -> bool:
    return isinstance(module, str) and any(
        module == name or module.startswith(name + ".") for name in FORBIDDEN_MODULES)


def _c_function_module(fn):
    """The module a built-in (C) function belongs to, or None."""
    module = getattr(fn, "__module__", None)
    if isinstance(module, str):
        return module
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, types.ModuleType):
        return owner.__name__
    if owner is not None:
        return type(owner).__module__
    return None


def _is_library_variant(fn) -> bool:
    return any(m.fn is fn for variants in _mistakes.MISTAKES.values() for m in variants)


class _Guard:
    """A profile hook that records calls into the forbidden packages.

    Python-level calls are recognised by where their code lives (``co_filename``), so
    an alias (``from scipy.signal import correlate2d as c``) cannot hide them; C-level
    calls by the module of the function called.
    """

    def __init__(self, previous, fn):
        roots = _forbidden_roots()
        if _is_library_variant(fn):
            # a registered wrong variant stands in for a student and may use the
            # library's own helpers; a student's function calling them may not
            library = os.path.dirname(os.path.realpath(_mistakes.__file__)) + os.sep
            roots = tuple(r for r in roots if os.path.realpath(r).rstrip(os.sep) + os.sep
                          != library)
        self.roots = roots
        self.previous = previous
        self.calls: list[tuple[str, str, object]] = []

    def hook(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code.co_filename.startswith(self.roots) and len(self.calls) < 20:
                module = frame.f_globals.get("__name__", "?")
                self.calls.append((module, getattr(code, "co_qualname", code.co_name), code))
        elif event == "c_call" and len(self.calls) < 20:
            module = _c_function_module(arg)
            if _is_forbidden_module(module):
                name = getattr(arg, "__name__", None) or "?"
                self.calls.append((module, name, None))
        if self.previous is not None:
            self.previous(frame, event, arg)

    def culprit(self) -> str | None:
        """The forbidden function to name: the first public one called, else the first."""
        if not self.calls:
            return None
        public = [c for c in self.calls if not c[1].rsplit(".", 1)[-1].startswith(("_", "<"))]
        module, name, code = (public or self.calls)[0]
        if name == "<module>":
            return f"import of {module}"
        return _public_path(module, name, code)


def _public_path(module: str, name: str, code) -> str:
    """``scipy.signal.correlate2d`` rather than ``scipy.signal._signaltools.correlate2d``."""
    parts = module.split(".")
    if code is not None and "." not in name:
        for i in range(1, len(parts) + 1):
            parent = sys.modules.get(".".join(parts[:i]))
            candidate = vars(parent).get(name) if parent is not None else None
            if getattr(candidate, "__code__", None) is code:
                return f"{'.'.join(parts[:i])}.{name}"
    return f"{module}.{name}"


def call_guarded(fn, args: tuple, kwargs: dict, *, forbid: bool = True):
    """Call ``fn(*args, **kwargs)``, catching exceptions and watching for forbidden calls.

    Parameters
    ----------
    fn : callable
        The student's function.
    args, kwargs
        Passed as they are (the caller makes the copies).
    forbid : bool, default True
        Watch for calls into :data:`FORBIDDEN_MODULES` while ``fn`` runs.

    Returns
    -------
    outcome : object
        What ``fn`` returned, or the ``Exception`` it raised.
    culprit : str or None
        The forbidden function it called, e.g. ``"scipy.signal.correlate2d"``.

    Notes
    -----
    The hook is installed with ``sys.setprofile`` (and ``threading.setprofile`` for
    threads started meanwhile) only around the call, chains to any profiler already
    installed, and the previous profilers are restored even if ``fn`` raises.

    Examples
    --------
    >>> call_guarded(lambda a: a + 1, (1,), {})
    (2, None)
    """
    previous, previous_thread = _getprofile(), _thread_getprofile()
    guard = _Guard(previous, fn) if forbid else None
    try:
        if guard is not None:
            _thread_setprofile(guard.hook)
            _setprofile(guard.hook)
        try:
            outcome = fn(*args, **kwargs)
        except Exception as exc:  # the student's exception is an outcome to report
            outcome = exc
    finally:
        _setprofile(previous)
        _thread_setprofile(previous_thread)
    return outcome, (guard.culprit() if guard is not None else None)


# ---------------------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------------------

def _short(value) -> str:
    """A value for a message: arrays by dtype and shape, the rest by a short repr."""
    if isinstance(value, _ndarray):
        return f"{value.dtype} {value.shape}"
    nested = (list, tuple, _ndarray)
    if isinstance(value, (list, tuple)) and any(isinstance(v, nested) for v in value):
        return f"a {type(value).__name__} of {len(value)} items"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value) -> str:
    value = value.item() if isinstance(value, _generic) else value
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def _exception_text(exc: BaseException) -> str:
    """``TypeName: message``, the message cut to its first line and 200 characters."""
    lines = str(exc).strip().splitlines()
    message = lines[0] if lines else ""
    if len(message) > 200 or len(lines) > 1:
        message = message[:197].rstrip() + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _where(exc: BaseException, fn) -> str:
    """`` (line 7: out[i] = ...)``: the last line of the student's own code that ran."""
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if f.filename == filename] or frames[-1:]
    if not mine:
        return ""
    line = (mine[-1].line or "").strip()
    return f" (at line {mine[-1].lineno}: {line})" if line else f" (at line {mine[-1].lineno})"


def _index_text(flat: int, shape: tuple) -> tuple:
    index = []
    for size in reversed(shape):
        flat, rem = divmod(flat, size)
        index.append(rem)
    return tuple(reversed(index))


def diagnose(expected, got, *, dtype_rule: str = "", fn=None,
             reason: str = "") -> tuple[str, str] | None:
    """What is wrong with ``got``, checked in the order type, shape, dtype, values.

    Parameters
    ----------
    expected : ndarray, int or Exception
        The reference outcome; an exception means the call must raise that type.
    got : object
        The student's outcome: a returned value or the exception raised.
    dtype_rule : str
        Which dtype is expected, quoted when the dtype is wrong.
    fn : callable, optional
        The student's function, used to point at the line that raised.
    reason : str, optional
        Why the call must raise, when ``expected`` is an exception; default its message.

    Returns
    -------
    (kind, text) or None
        None when ``got`` is acceptable; otherwise ``kind`` is one of ``"raised"``,
        ``"not-raised"``, ``"none"``, ``"type"``, ``"shape"``, ``"dtype"``, ``"values"``
        and ``text`` says what is wrong.

    Examples
    --------
    >>> print(diagnose(np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 7.0]))[1])
    wrong values: 2 of 3 elements differ, max abs error 4;
    first wrong element at index (1,): expected 2, got 5
    >>> diagnose(np.zeros((2, 2)), [[0.0, 0.0], [0.0, 0.0]])[1]
    'returned a list; return a numpy array (e.g. np.array(result))'
    """
    if isinstance(expected, BaseException):
        wanted = type(expected).__name__
        why = reason or str(expected)
        if isinstance(got, type(expected)):
            return None
        if isinstance(got, BaseException):
            return ("raised", f"raised {_exception_text(got)}{_where(got, fn)}; expected "
                              f"{wanted} because {why}")
        return ("not-raised", f"returned {_short(got)}, but should raise {wanted}: {why}")
    if isinstance(got, BaseException):
        return ("raised", f"raised {_exception_text(got)}{_where(got, fn)}")
    if got is None:
        return ("none", "returned None: did you forget the `return` statement?")
    if isinstance(expected, _ndarray):
        if not isinstance(got, _ndarray):
            if isinstance(got, (list, tuple)):
                return ("type", f"returned a {type(got).__name__}; return a numpy array "
                                f"(e.g. np.array(result))")
            return ("type", f"returned {type(got).__name__} {_short(got)}; expected a numpy "
                            f"array of shape {expected.shape}")
        if got.shape != expected.shape:
            return ("shape", f"wrong shape: expected {expected.shape}, got {got.shape}")
        if got.dtype != expected.dtype:
            rule = f" ({dtype_rule})" if dtype_rule else ""
            return ("dtype", f"wrong dtype: expected {expected.dtype}, got {got.dtype}{rule}")
        if got.dtype.kind not in "biufc":
            return ("dtype", f"wrong dtype: expected {expected.dtype}, got {got.dtype}")
        ok, error = _close_mask(expected, got)
        if ok.all():
            return None
        bad = ~ok
        first = int(bad.ravel().argmax())  # argmax returns the first True: row-major order
        index = _index_text(first, expected.shape)
        worst = error.max()
        return ("values", f"wrong values: {int(bad.sum())} of {expected.size} elements differ, "
                          f"max abs error {_number(worst)}; first wrong element at index {index}: "
                          f"expected {_number(expected.ravel()[first])}, "
                          f"got {_number(got.ravel()[first])}")
    if isinstance(expected, numbers.Integral):
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, numbers.Integral):
            return ("type", f"returned {type(got).__name__} {_short(got)}; expected an int")
        if int(got) != int(expected):
            return ("values", f"wrong value: expected {int(expected)}, got {int(got)}")
        return None
    if not _same_outcome(expected, got):
        return ("values", f"expected {_short(expected)}, got {_short(got)}")
    return None


def _mutation(case: Case, given_args: tuple, given_kwargs: dict, names: tuple) -> str | None:
    """Which array argument the student's function changed, and where, or None."""
    pairs = [(names[i] if i < len(names) else f"argument {i}", before, after)
             for i, (before, after) in enumerate(zip(case.args, given_args))]
    pairs += [(key, case.kwargs[key], given_kwargs.get(key)) for key in case.kwargs]
    for label, before, after in pairs:
        if not isinstance(before, _ndarray):
            continue
        if (not isinstance(after, _ndarray) or after.shape != before.shape
                or after.dtype != before.dtype):
            return f"changed its argument {label} (shape or dtype)"
        changed = before != after
        if changed.any():
            first = int(changed.ravel().argmax())
            index = _index_text(first, before.shape)
            return (f"changed its argument {label}: at index {index} it was "
                    f"{_number(before.ravel()[first])}, now {_number(after.ravel()[first])}")
    return None


# ---------------------------------------------------------------------------------------
# running a check
# ---------------------------------------------------------------------------------------

def _reference(task: Task):
    if task.expected_fn is not None:
        return task.expected_fn
    import autograder.reference as reference
    return getattr(reference, task.reference)


def _keep(outcome):
    """A copy of an outcome to compare variants with later (the student may reuse arrays)."""
    if isinstance(outcome, _ndarray):
        return outcome.copy()
    if isinstance(outcome, (tuple, list)):
        return type(outcome)(_keep(v) for v in outcome)
    return outcome


def _mistake_named(task: str, name: str):
    return next((m for m in _mistakes.MISTAKES.get(task, []) if m.name == name), None)


def _fail(text: str, cause=None):
    error = AssertionError(text)
    error.__cause__ = cause
    error.__suppress_context__ = True
    raise error


def run_check(task: Task | str, student_fn, *, forbid: bool = True, verbose: bool = True) -> None:
    """Run every case of ``task`` on ``student_fn``; raise AssertionError on the first failure.

    Parameters
    ----------
    task : Task or str
        The task, or its name.
    student_fn : callable
        The student's function, called as the task's signature says.
    forbid : bool, default True
        Fail a function that calls :data:`FORBIDDEN_MODULES`.  Switched off only to
        run the reference itself through a check.
    verbose : bool, default True
        Print one line when every case passes.

    Raises
    ------
    AssertionError
        Naming the check and the case (with its arguments), what is wrong and, when a
        known mistake reproduces the student's outputs, ``Likely mistake: <name>.
        Hint: <hint>``.

    Notes
    -----
    Every case is run even after a failure, so that :func:`autograder.mistakes.identify`
    can require a named mistake to reproduce all of the student's outcomes; the message
    reports the first failing case.

    Examples
    --------
    >>> import autograder.checks
    >>> from autograder.mistakes import conv_output_size_missing_one
    >>> run_check("conv_output_size", conv_output_size_missing_one)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: check_conv_output_size failed on case 1 of 26, "input 5, kernel 3":
      conv_output_size(input_size: 5, kernel_size: 3)
      wrong value: expected 3, got 2
      Likely mistake: missing + 1. Hint: Count the first window too: ...
    """
    task = get_task(task) if isinstance(task, str) else task
    header = task.check_name
    if not callable(student_fn):
        _fail(f"{header}: expected your function {task.name}, got {_short(student_fn)} "
              f"(pass the function itself, without calling it)")
    reference = _reference(task)
    all_cases = task.make_cases()
    total = len(all_cases)
    observations = []
    first = None  # the first failure: (index, case, (kind, text), outcome, where, call)
    failures = 0
    for index, case in enumerate(all_cases):
        expected = _outcome(reference, case, task.refuses)
        given_args, given_kwargs = _copy(case.args), _copy(case.kwargs)
        outcome, culprit = call_guarded(student_fn, given_args, given_kwargs, forbid=forbid)
        where = f'case {index + 1} of {total}, "{case.name}"'
        call = case.call_text(task.name, task.arg_names)
        if culprit is not None:
            _fail(f"{header}: your {task.name} called {culprit} ({where}). Write it yourself "
                  f"with numpy: calling scipy.signal, scipy.ndimage, torch or the course's own "
                  f"code (autograder.reference, autograder.mistakes) is not allowed.")
        if isinstance(outcome, NotImplementedError) and first is None:
            _fail(f"{header}: {task.name} is not implemented yet (it raised "
                  f"NotImplementedError). Replace `raise NotImplementedError` with your code.")
        if isinstance(outcome, _ndarray) and type(outcome) is not _ndarray:
            # A subclass can redefine ==, < or abs(); grade the plain array it holds.
            outcome = _ndarray.view(outcome, _ndarray)
        if task.diagnose is not None:
            problem = task.diagnose(expected, outcome, student_fn, case.reason)
        else:
            problem = diagnose(expected, outcome, dtype_rule=task.dtype_rule, fn=student_fn,
                               reason=case.reason)
        if problem is None:
            changed = _mutation(case, given_args, given_kwargs, task.arg_names)
            if changed is not None:
                problem = ("mutated", f"your function {changed}")
        observations.append((case.args, case.kwargs, _keep(outcome), problem is None))
        if problem is not None:
            failures += 1
            if first is None:
                first = (index, case, problem, outcome, where, call)
    if first is None:
        if verbose:
            print(f"{header}: all {total} cases passed")
        return None
    index, case, (kind, text), outcome, where, call = first
    lines = [f"{header} failed on {where}:", f"  {call}", f"  {text}"]
    mistake = None
    if kind == "mutated":
        mistake = _mistake_named(task.name, "mutated the input") or _mistakes.Mistake(
            "mutated the input", task.name, "Work on copies: never assign into the arguments.",
            None)
    elif kind not in ("none",):
        mistake = (task.identify or _mistakes.identify)(task.name, observations, index)
        if mistake is None and kind != "type":
            lines.append("  No known mistake reproduces this result; check this case by hand.")
    if mistake is not None:
        lines.append(f"  Likely mistake: {mistake.name}. Hint: {mistake.hint}")
    lines.append(f"  ({failures} of {total} cases failed; rebuild this one with "
                 f"autograder.checks.cases({task.name!r})[{index}])")
    _fail("\n".join(lines), cause=outcome if isinstance(outcome, BaseException) else None)


def _outcome(fn, case: Case, refuses: bool):
    """The reference's outcome on fresh copies of the case's arguments."""
    try:
        return fn(*_copy(case.args), **_copy(case.kwargs))
    except ValueError as exc:
        if not refuses:  # a case the reference refuses is a bug in the case list
            raise
        return exc
