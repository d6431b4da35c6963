"""Trusted grading: the student's code runs in a sandboxed process, the tests run here.

Stock nbgrader runs the tests in the student's kernel, where an answer cell can patch
``numpy.testing``, the checks or ``sys.modules`` and so forge its own grade.  Here the
submitted notebook is read as data:

1. :func:`answer_code` takes the student's answer cells (matched to the instructor's
   answer cells by grade id, or by what they define when the metadata was stripped).
2. :class:`StudentSession` runs them, after the instructor's setup cells, in a fresh
   interpreter (``autograder/_worker.py``) inside :class:`autograder.sandbox.Sandbox`:
   an empty directory, an unprivileged user, resource limits, this package and every
   installed package except numpy hidden.  In there only numpy and a few pure standard
   modules can be imported.  The student's functions come back as proxies: calling one
   sends the arguments over a pipe (JSON headers and ``.npy`` payloads, never pickle) and
   returns the result, or raises the student's exception.  Arrays the function changed
   in place are changed here too, so the checks still see "mutated the input".
3. :func:`grade_test_cells` executes every autograded test cell of the *source* notebook
   (hidden tests included, never the student's copy) in this process, in a fresh
   namespace holding numpy, the setup cells' names and the proxies.  numpy and
   :mod:`autograder.checks` here were never touched by student code, so the comparisons
   cannot be forged.

A student function that hangs, exhausts memory or kills its process fails the test cell
that called it ("your correlate2d did not return within 10 s", "the graded code's process
died: ..."); the process is restarted for the next cell.

See Also
--------
autograder.sandbox : The operating-system sandbox, the real security boundary.
autograder.checks : The checks the hidden tests call; they work on the proxies unchanged.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import itertools
import linecache
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np

from autograder import _worker as wire
from autograder._validation import _describe, as_int

__all__ = [
    "CALL_TIMEOUT",
    "GradingError",
    "StudentError",
    "StudentFunction",
    "StudentSession",
    "TestResult",
    "WorkerLost",
    "answer_code",
    "default_hidden",
    "grade_test_cells",
    "setup_code",
    "test_code",
]

#: Seconds one call of a student's function (or one answer cell) may take.
CALL_TIMEOUT = 10.0
#: Seconds the worker may take to start (sandbox, interpreter, numpy).
START_TIMEOUT = 60.0
#: Largest frame, in bytes, sent to or accepted from the worker.
MAX_FRAME = 64 << 20
#: How often one session may start a worker before it gives up.
MAX_STARTS = 8
#: Longest failure message kept in a :class:`TestResult`.
MAX_MESSAGE = 6000

WORKER_SOURCE = Path(__file__).with_name("_worker.py")
# One BLAS thread: the worker must stay within the process limit and one core.
_WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
                           re.M | re.S)
_MAGIC_LINE = re.compile(r"^([ \t]*)[%!].*$", re.M)
_session_numbers = itertools.count(1)


class GradingError(RuntimeError):
    """The grader itself could not run (no sandbox, the worker never started)."""


class StudentError(Exception):
    """An exception of the student's code that is not a builtin or numpy exception type.

    Re-raised here as a class with the student's type name that derives from this one and,
    when the student's type had one, from the nearest builtin base (so a student's
    ``class ShapeError(ValueError)`` still counts as a ValueError).
    """


class WorkerLost(BaseException):
    """The graded code's process timed out or died; the test cell that saw it fails.

    Derived from BaseException so that ``except Exception`` in a check or a test does not
    swallow it: the cell stops at once.
    """


@dataclass(frozen=True)
class TestResult:
    """The outcome of one autograded test cell.

    Attributes
    ----------
    grade_id : str
        The test cell's grade id.
    passed : bool
        The cell ran without an exception.
    points, max_points : float
        ``max_points`` when passed, else 0; ``max_points`` from the source notebook.
    message : str
        Failed: the exception's message (a check's full multi-line message), prefixed with
        the exception type unless it is an AssertionError.  Passed: what the cell printed
        (e.g. ``check_correlate2d: all 27 cases passed``), possibly empty.
    """

    __test__ = False  # not a pytest test class, despite its name

    grade_id: str
    passed: bool
    points: float
    max_points: float
    message: str


# ---------------------------------------------------------------------------------------
# reading notebooks as data
# ---------------------------------------------------------------------------------------

def _as_notebook(nb):
    """A notebook given as a NotebookNode, a dict or a path, as nbformat 4."""
    if isinstance(nb, (str, os.PathLike)):
        nb = nbformat.read(os.fspath(nb), as_version=4)
    elif not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.from_dict(nb)
    if nb.get("nbformat", 4) < 4:
        nb = nbformat.convert(nb, 4)
    return nb


def _meta(cell) -> dict:
    """A cell's nbgrader metadata; ``{}`` when missing or malformed."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    found = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else {}


def _source(cell) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(source) if isinstance(source, list) else str(source)


def _code_cells(nb) -> list:
    return [c for c in nb.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"]


def _is_answer(meta: dict) -> bool:
    return bool(meta.get("solution")) and not meta.get("grade")


def _is_test(meta: dict) -> bool:
    return bool(meta.get("grade")) and not meta.get("solution")


def _normalized(source: str) -> str:
    """Source without hidden tests or blank lines: how a locked cell looks in any copy."""
    source = _HIDDEN_BLOCK.sub("", source)
    return "\n".join(line.rstrip() for line in source.splitlines() if line.strip())


def _defined_names(source: str) -> set:
    """Top-level names a cell binds with ``def``, ``class`` or ``=``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(re.findall(r"^(?:def|class)\s+([A-Za-z_]\w*)", source, re.M))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _runnable(code: str) -> str:
    """``code`` with IPython magics and shell escapes made ``pass``, if it needs that to compile.

    Line numbers are kept, so messages still point at the student's lines.

    Examples
    --------
    >>> print(_runnable("%timeit f()\\ndef f():\\n    !ls\\n    return 1"))
    pass  # IPython magic or shell command: not run when grading
    def f():
        pass  # IPython magic or shell command: not run when grading
        return 1
    """
    try:
        compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        return code
    except SyntaxError:
        return _MAGIC_LINE.sub(
            r"\1pass  # IPython magic or shell command: not run when grading", code)
    except ValueError:  # null bytes: let the worker report it
        return code


def answer_code(submitted_nb, source_nb) -> list[tuple[str, str]]:
    """The student's answer cells, read from the submitted notebook as data.

    Parameters
    ----------
    submitted_nb : nbformat.NotebookNode, dict, str or os.PathLike
        The student's notebook (it is not executed here).
    source_nb : nbformat.NotebookNode, dict, str or os.PathLike
        The instructor's notebook: which cells are answer cells comes from here.

    Returns
    -------
    list of (str, str)
        ``(grade_id, code)`` in the submitted notebook's order; a grade id the student
        duplicated appears once per copy (every copy would run in a notebook).

    Notes
    -----
    Each code answer cell of the source notebook is matched, in this order, to

    1. the submitted code cells with the same grade id;
    2. when none has it (metadata stripped or edited), the submitted code cells without
       a grade id of the source that bind at top level a name the source cell binds
       (``def correlate2d``);
    3. failing that, the unclaimed code cells between the locked cells (setup and
       tests, recognised by their text) that surround the answer cell in the source.

    Cells the student added elsewhere are not run: graded definitions belong in the
    answer cells.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> answer = {"nbgrader": {"solution": True, "grade": False, "grade_id": "f"}}
    >>> source = new_notebook(cells=[new_code_cell("def f():\\n    return 1", metadata=answer)])
    >>> stripped = new_notebook(cells=[new_code_cell("print('hi')"),
    ...                                new_code_cell("def f():\\n    return 2")])
    >>> answer_code(stripped, source)
    [('f', 'def f():\\n    return 2')]
    """
    source, submitted = _as_notebook(source_nb), _as_notebook(submitted_nb)
    source_cells = _code_cells(source)
    cells = _code_cells(submitted)
    known_ids = {_meta(c).get("grade_id") for c in source_cells} - {None}
    locked = {}
    for c in source_cells:
        if not _is_answer(_meta(c)) and _normalized(_source(c)):
            locked.setdefault(_normalized(_source(c)), _meta(c).get("grade_id"))
    anchors = {i: locked[_normalized(_source(c))] for i, c in enumerate(cells)
               if _normalized(_source(c)) in locked}
    claimed: dict[int, str] = {}
    unmatched = []
    for position, cell in enumerate(source_cells):
        meta = _meta(cell)
        if not _is_answer(meta) or not meta.get("grade_id"):
            continue
        gid = meta["grade_id"]
        found = [i for i, c in enumerate(cells) if _meta(c).get("grade_id") == gid]
        if found:
            claimed.update((i, gid) for i in found)
        else:
            unmatched.append((position, gid, _defined_names(_source(cell))))

    def free(i):
        return (i not in claimed and i not in anchors
                and _meta(cells[i]).get("grade_id") not in known_ids)

    for position, gid, names in unmatched:
        found = [i for i in range(len(cells))
                 if free(i) and names & _defined_names(_source(cells[i]))]
        if not found:
            found = _between_anchors(position, source_cells, anchors, free, len(cells))
        claimed.update((i, gid) for i in found)
    return [(claimed[i], _source(cells[i])) for i in sorted(claimed)]


def _between_anchors(position, source_cells, anchors, free, n_cells) -> list[int]:
    """Free submitted cells between the locked cells that surround source cell ``position``."""
    ids_before = [_meta(c).get("grade_id") for c in source_cells[:position]]
    ids_after = [_meta(c).get("grade_id") for c in source_cells[position + 1:]]
    lower = max((i for i, gid in anchors.items() if gid in ids_before), default=-1)
    upper = min((i for i, gid in anchors.items() if gid in ids_after), default=n_cells)
    if lower == -1 and upper == n_cells:
        return []  # nothing to steer by: guessing would run arbitrary cells
    return [i for i in range(lower + 1, upper) if free(i)]


def setup_code(source_nb) -> list[tuple[str, str]]:
    """The instructor's setup cells: locked code cells that are neither answers nor tests.

    They run before the answers in the worker (so ``np`` exists there) and before every
    test cell here.

    Returns
    -------
    list of (str, str)
        ``(grade_id, code)`` in notebook order.
    """
    found = []
    for cell in _code_cells(_as_notebook(source_nb)):
        meta = _meta(cell)
        if meta.get("locked") and not meta.get("solution") and not meta.get("grade"):
            found.append((str(meta.get("grade_id", "setup")), _source(cell)))
    return found


def test_code(source_nb) -> list[tuple[str, str, float]]:
    """The autograded test cells of the source notebook: ``(grade_id, code, points)``.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 2}}
    >>> test_code(new_notebook(cells=[new_code_cell("assert True", metadata=meta)]))
    [('t', 'assert True', 2.0)]
    """
    found = []
    for cell in _code_cells(_as_notebook(source_nb)):
        meta = _meta(cell)
        if _is_test(meta) and meta.get("grade_id"):
            found.append((meta["grade_id"], _source(cell), float(meta.get("points", 0) or 0)))
    return found


test_code.__test__ = False  # a function about tests, not a test


# ---------------------------------------------------------------------------------------
# the pipe to the worker
# ---------------------------------------------------------------------------------------

class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


class _Channel:
    """Frames to and from the worker over its stdin and stdout, with deadlines."""

    def __init__(self, proc, max_frame: int):
        self.proc = proc
        self.max_frame = max_frame
        self.rfd, self.wfd = proc.stdout.fileno(), proc.stdin.fileno()
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self.buffer = bytearray()

    def _wait(self, fd, event, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout
        poller = select.poll()
        poller.register(fd, event)
        if not poller.poll(remaining * 1000):
            raise _Timeout

    def send(self, frame: bytes, deadline: float) -> None:
        view = memoryview(frame)
        while view:
            try:
                written = os.write(self.wfd, view[:1 << 16])
            except BlockingIOError:
                self._wait(self.wfd, select.POLLOUT, deadline)
                continue
            except (BrokenPipeError, OSError):
                raise _Died from None
            view = view[written:]

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buffer) < n:
            try:
                chunk = os.read(self.rfd, max(n - len(self.buffer), 1 << 16))
            except BlockingIOError:
                self._wait(self.rfd, select.POLLIN, deadline)
                continue
            if not chunk:
                raise _Died
            self.buffer += chunk
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    def receive(self, deadline: float):
        return wire.read_frame(lambda n: self._read_exact(n, deadline), self.max_frame)


# ---------------------------------------------------------------------------------------
# exceptions and values coming back
# ---------------------------------------------------------------------------------------

_student_classes: dict = {}


def _exception_class(name: str, module: str, bases: list):
    """The class to re-raise a student's exception as."""
    if module == "builtins":
        found = getattr(builtins, name, None)
        if isinstance(found, type) and issubclass(found, Exception):
            return found
    if module.startswith("numpy"):
        for home in (getattr(np, "exceptions", None), np.linalg):
            found = getattr(home, name, None)
            if isinstance(found, type) and issubclass(found, Exception):
                return found
    base = next((getattr(builtins, b) for b in bases
                 if b not in ("Exception", "BaseException", "object")
                 and isinstance(getattr(builtins, b, None), type)
                 and issubclass(getattr(builtins, b), Exception)), None)
    key = (name, base)
    if key not in _student_classes:
        namespace = {"__module__": "student", "__qualname__": name}
        try:
            cls = type(name, (StudentError, base) if base else (StudentError,), namespace)
        except TypeError:  # bases whose layouts clash
            cls = type(name, (StudentError,), namespace)
        _student_classes[key] = cls
    return _student_classes[key]


def _opaque_class(type_name: str):
    """A placeholder class named like the student's type, for a value that cannot be sent."""
    key = ("opaque", type_name)
    if key not in _student_classes:
        _student_classes[key] = type(type_name, (_Opaque,), {"__module__": "student"})
    return _student_classes[key]


class _Opaque:
    """Stands for a student's value the grader cannot receive (a dict, a generator, ...)."""

    def __init__(self, type_name: str, why: str):
        self.type_name, self.why = type_name, why

    def __repr__(self):
        return f"<{self.type_name} that cannot be passed to the grader: {self.why}>"


_SAME = object()


def _assign(original, after):
    """Copy ``after`` into the array ``original`` in place, as the student's call did."""
    if not isinstance(original, np.ndarray) or not isinstance(after, np.ndarray):
        return
    with contextlib.suppress(Exception):  # a change that cannot be mirrored is left out
        if original.dtype != after.dtype and original.nbytes == after.nbytes:
            original.dtype = after.dtype
        if original.shape != after.shape and original.size == after.size:
            original.shape = after.shape
        if original.shape == after.shape and original.dtype == after.dtype:
            if not original.flags.writeable:
                return
            np.copyto(original, after, casting="no")


def _write_back(original, after) -> None:
    """Mirror the changes the call made to an argument (``after`` as decoded)."""
    if after is _SAME:
        return
    if isinstance(original, np.ndarray):
        _assign(original, after)
    elif isinstance(original, list) and isinstance(after, list):
        if len(original) != len(after):  # appended or removed: sent whole
            original[:] = after
            return
        for i, item in enumerate(after):
            old = original[i]
            if item is _SAME:
                continue
            if isinstance(old, np.ndarray) and isinstance(item, np.ndarray) \
                    and old.shape == item.shape and old.dtype == item.dtype:
                _assign(old, item)
            elif isinstance(old, (list, tuple)) and type(item) is type(old):
                _write_back(old, item)
            else:
                original[i] = item
    elif isinstance(original, tuple) and isinstance(after, tuple) and len(original) == len(after):
        for item, changed in zip(original, after):
            _write_back(item, changed)


# ---------------------------------------------------------------------------------------
# the session
# ---------------------------------------------------------------------------------------

def _make_sandbox(limits, hide, readable):
    """A :class:`autograder.sandbox.Sandbox`; tests may replace this factory."""
    from autograder.sandbox import Sandbox

    return Sandbox(limits, hide=hide, readable=readable)


def _default_limits():
    from autograder.sandbox import Limits

    return Limits()


_HIDDEN: tuple | None = None


def _numpy_paths() -> tuple[str, ...]:
    """numpy's package directory and its bundled libraries: what the worker must read."""
    home = Path(np.__file__).resolve().parent
    return tuple(str(p) for p in (home, home.with_name("numpy.libs")) if p.is_dir())


def default_hidden() -> tuple[str, ...]:
    """Paths the graded code must not see, besides those the caller names.

    * The folder holding this package (the course repository when the package is
      installed from it): the reference solutions, named mistakes and checks, and the
      course's own files (``source_notebooks/``, a gradebook) if the course lives there.
    * Every package installed next to numpy except numpy itself, so code that escapes
      the import guard still cannot import scipy, torch or this package.

    The interpreter's own directories and numpy stay readable (the sandbox keeps them
    visible inside hidden folders).

    Returns
    -------
    tuple of str
        Absolute paths of directories (``*.dist-info`` metadata is left visible).
    """
    global _HIDDEN
    if _HIDDEN is None:
        package = Path(__file__).resolve().parent
        hidden = {str(package), str(package.parent)}
        site = Path(np.__file__).resolve().parent.parent
        for entry in site.iterdir():
            if (entry.is_dir() and not entry.name.startswith("numpy")
                    and not entry.name.endswith(".dist-info")
                    and entry.name != "__pycache__"):
                hidden.add(str(entry))
        readable = set(_numpy_paths())
        _HIDDEN = tuple(sorted(hidden - readable))
    return _HIDDEN


class StudentFunction:
    """A student's function living in the worker; calling it calls the original there.

    Arguments may be arrays, numpy scalars, Python scalars, strings, None and tuples or
    lists of these.  The result comes back the same way; a value the grader cannot
    receive (a dict, an object array) comes back as a placeholder named after its type.
    In-place changes to array and list arguments are copied back into the caller's
    objects, and a result that *is* an argument comes back as that very object.
    """

    def __init__(self, session: "StudentSession", name: str):
        self._session = session
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args, **kwargs):
        return self._session.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<student function {self.__name__}>"


class StudentSession:
    """The student's answer cells loaded in a sandboxed worker process.

    Parameters
    ----------
    cells : sequence of (str, str)
        ``(grade_id, code)`` of the answer cells, e.g. from :func:`answer_code`.
    setup : sequence of (str, str), optional
        The instructor's setup cells, run first (:func:`setup_code`); the names they bind
        are not offered as the student's.
    limits : autograder.sandbox.Limits, optional
        Resource limits of the sandbox (default ``Limits()``); ``wall_seconds`` is also
        the time one test cell may spend in calls (see :meth:`budget`).
    call_timeout : float
        Seconds one call, or one answer cell, may run.
    hide : sequence of path, optional
        More paths to hide from the graded code (course files), on top of
        :func:`default_hidden`.
    max_frame : int
        Largest message, in bytes, in either direction.

    Raises
    ------
    GradingError
        On entering, if the worker cannot be started at all.
    TypeError, ValueError
        For a bad argument, naming it.

    Examples
    --------
    >>> with StudentSession([("f", "def f(a):\\n    a += 1\\n    return a.sum()")]) as s:
    ...     f = s.namespace()["f"]
    ...     x = np.zeros(3)
    ...     f(x), x
    (np.float64(3.0), array([1., 1., 1.]))
    """

    def __init__(self, cells, *, setup=(), limits=None, call_timeout: float = CALL_TIMEOUT,
                 hide=(), max_frame: int = MAX_FRAME):
        self._cells = self._check_cells(cells, "cells", setup=False)
        self._cells = [(gid, _runnable(code), is_setup) for gid, code, is_setup in
                       self._check_cells(setup, "setup", setup=True) + self._cells]
        if isinstance(call_timeout, bool) or not isinstance(call_timeout, (int, float)):
            raise TypeError(f"call_timeout must be a number of seconds, "
                            f"got {_describe(call_timeout)}")
        if not call_timeout > 0:
            raise ValueError(f"call_timeout must be a positive number of seconds, "
                             f"got {_describe(call_timeout)}")
        self.call_timeout = float(call_timeout)
        self.max_frame = as_int(max_frame, "max_frame", minimum=1 << 16)
        self.limits = limits
        try:
            self._hide = tuple(os.fspath(p) for p in hide)
        except TypeError:
            raise TypeError(f"hide must be a sequence of paths, got {_describe(hide)}") from None
        self._number = next(_session_numbers)
        self._sandbox = None
        self._proc = None
        self._channel = None
        self._lost: str | None = None  # why the current worker is gone
        self._starts = 0
        self._skipped: set = set()
        self.cell_errors: dict[str, str] = {}
        self._functions: dict[str, StudentFunction] = {}
        self._deadline: float | None = None
        self._budget = None
        self._labels = self._label_cells()
        self._files = {label: f"<answer cell {label} #{self._number}>" for label in self._labels}

    @staticmethod
    def _check_cells(cells, name, *, setup):
        try:
            items = [(gid, code) for gid, code in cells]
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a sequence of (grade_id, code) pairs, "
                            f"got {_describe(cells)}") from None
        for gid, code in items:
            if not isinstance(gid, str) or not isinstance(code, str):
                raise TypeError(f"{name} must hold (str, str) pairs, got "
                                f"{_describe((gid, code))}")
        return [(gid, code, setup) for gid, code in items]

    def _label_cells(self) -> list[str]:
        """A unique label per cell: its grade id, numbered when repeated."""
        labels, seen = [], {}
        for gid, _, setup in self._cells:
            seen[gid] = seen.get(gid, 0) + 1
            labels.append(gid if seen[gid] == 1 else f"{gid} (copy {seen[gid]})")
        return labels

    # -- life cycle -------------------------------------------------------------------

    def __enter__(self):
        if self.limits is None:
            self.limits = _default_limits()
        for label, (gid, code, _) in zip(self._labels, self._cells):
            lines = code.splitlines(keepends=True)
            linecache.cache[self._files[label]] = (len(code), None, lines, self._files[label])
        try:
            hide = tuple(dict.fromkeys(default_hidden() + self._hide))
            self._sandbox = _make_sandbox(self.limits, hide, _numpy_paths())
            self._sandbox.__enter__()
        except Exception as exc:
            self._forget_lines()
            raise GradingError(f"could not create the sandbox: {type(exc).__name__}: "
                               f"{exc}") from exc
        try:
            self._start(first=True)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self) -> None:
        """Stop the worker and remove the sandbox."""
        self._stop()
        if self._sandbox is not None:
            sandbox, self._sandbox = self._sandbox, None
            with contextlib.suppress(Exception):
                sandbox.__exit__(None, None, None)
        self._forget_lines()

    def _forget_lines(self):
        for filename in self._files.values():
            linecache.cache.pop(filename, None)

    def _stop(self) -> None:
        proc, self._proc, self._channel = self._proc, None, None
        if proc is None:
            return
        # everything the worker started goes too, even when the worker itself is gone
        with contextlib.suppress(Exception):
            self._sandbox.kill_all()
        if proc.poll() is None:
            with contextlib.suppress(Exception):
                proc.kill()
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(Exception):
                stream.close()

    def _install_worker(self) -> Path:
        """A fresh, read-only folder in the workdir with the worker and a link to numpy.

        ``mkdtemp`` never reuses a name, so links the graded code left in the workdir
        cannot redirect what is written here.
        """
        folder = Path(tempfile.mkdtemp(prefix="grader-", dir=self._sandbox.workdir))
        shutil.copyfile(WORKER_SOURCE, folder / "_worker.py")
        (folder / "lib").mkdir()
        os.symlink(Path(np.__file__).resolve().parent, folder / "lib" / "numpy")
        for path, mode in ((folder / "_worker.py", 0o444), (folder / "lib", 0o555),
                           (folder, 0o555)):
            os.chmod(path, mode)
        return folder

    def _start(self, first: bool = False) -> None:
        """Start a worker and load the cells; a cell that hangs or kills it is skipped."""
        while True:
            self._stop()
            self._starts += 1
            if self._starts > MAX_STARTS:
                self._lost = (f"the graded code's process was restarted {MAX_STARTS} times; "
                              f"no more tests are run")
                raise WorkerLost(self._lost)
            try:
                folder = self._install_worker()
                argv = [sys.executable, "-I", "-S", str(folder / "_worker.py"),
                        str(folder / "lib"), str(self.max_frame)]
                self._proc = self._sandbox.popen(argv, env=dict(_WORKER_ENV))
                self._channel = _Channel(self._proc, self.max_frame)
                hello, _ = self._channel.receive(time.monotonic() + START_TIMEOUT)
                if not hello.get("ready"):
                    raise wire.ProtocolError(f"unexpected first message {hello!r}")
            except Exception as exc:
                why = self._death() if isinstance(exc, _Died) else (
                    f"no answer within {START_TIMEOUT:g} s" if isinstance(exc, _Timeout)
                    else f"{type(exc).__name__}: {exc}")
                self._stop()
                if first:
                    raise GradingError(f"the grading worker could not start: {why}") from None
                self._lost = f"the graded code's process could not be restarted: {why}"
                raise WorkerLost(self._lost) from None
            self._lost = None
            if self._load_cells():
                return

    def _load_cells(self) -> bool:
        """Run every cell not skipped; False when one hung or killed the worker."""
        for index, (label, (gid, code, setup)) in enumerate(zip(self._labels, self._cells)):
            if index in self._skipped:
                continue
            header = {"op": "exec", "cell": label, "source": code, "setup": setup}
            try:
                reply, _ = self._request(header, (), self.call_timeout)
            except (_Timeout, _Died, wire.ProtocolError) as exc:
                self._skipped.add(index)
                what = f"cell {label!r}" if setup else f"your answer cell {label!r}"
                self.cell_errors.setdefault(label, f"{what} {self._failure(exc)}")
                return False
            error = reply.get("error")
            if isinstance(error, dict) and not setup:
                self.cell_errors.setdefault(label, self._load_error_text(label, error))
        return True

    def _load_error_text(self, label, error) -> str:
        where = ""
        if type(error.get("line")) is int:
            text = f": {str(error['text'])[:300]}" if error.get("text") else ""
            where = f" at line {error['line']}{text}"
        return (f"your answer cell {label!r} raised {str(error.get('type'))[:100]}{where}: "
                f"{str(error.get('message'))[:wire.MAX_TEXT]}")

    def _failure(self, exc) -> str:
        """What happened to the worker, as the end of a sentence."""
        if isinstance(exc, _Timeout):
            return f"did not finish within {self.call_timeout:g} s"
        if isinstance(exc, _Died):
            return f"made the graded code's process die: {self._death()}"
        return f"broke the grading protocol: {exc}"

    def _death(self) -> str:
        """Why the worker process ended, in words."""
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                return "it stopped answering"
        if code is None:
            return "it ended"
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128
            try:
                signame = signal.Signals(number).name
            except ValueError:
                signame = f"signal {number}"
            reasons = {
                "SIGKILL": "it was killed (SIGKILL), most likely for using too much memory",
                "SIGXCPU": f"it used more than its {self._limit('cpu_seconds')} s of CPU time",
                "SIGSEGV": "it crashed (segmentation fault)",
                "SIGXFSZ": "it wrote a file larger than the limit",
                "SIGABRT": "it aborted",
            }
            return reasons.get(signame, f"it was ended by {signame}")
        return f"it exited with status {code} (graded code must not end its process)"

    def _limit(self, name):
        value = getattr(self.limits, name, None)
        return "?" if value is None else f"{value:g}"

    def _request(self, header, blobs, timeout, frame=None, callbacks=None):
        """Send one request and wait for its reply, at most ``timeout`` seconds.

        While it waits, the graded code may call back the grader's own functions that
        were passed to it (``callbacks``: id -> function, for this request only); each
        callback request is served here and the wait goes on.  Time spent in callbacks
        counts against ``timeout``.
        """
        deadline = time.monotonic() + timeout
        if frame is None:
            frame = wire.pack_frame(header, blobs, self.max_frame)
        self._channel.send(frame, deadline)
        while True:
            reply, reply_blobs = self._channel.receive(deadline)
            if reply.get("protocol"):
                raise wire.ProtocolError(str(reply["protocol"]))
            if reply.get("op") != "callback":
                return reply, reply_blobs
            answer, answer_blobs = self._serve_callback(reply, reply_blobs, callbacks or {})
            self._channel.send(wire.pack_frame(answer, answer_blobs, self.max_frame), deadline)

    def _serve_callback(self, request, blobs, callbacks):
        """Run one of the grader's functions on the arguments the graded code sent."""
        fn = callbacks.get(request.get("id")) if type(request.get("id")) is int else None
        if fn is None:
            return {"ok": False, "raised": {"type": "RuntimeError", "message":
                    "this function was passed to an earlier call and can no longer be "
                    "called"}}, []
        cache = {}
        args = wire.decode(request.get("args", {"$": "tuple", "items": []}), blobs, cache)
        kwargs_node = request.get("kwargs", {})
        if not isinstance(args, tuple) or not isinstance(kwargs_node, dict):
            raise wire.ProtocolError("a callback needs a tuple of args and an object of kwargs")
        kwargs = {str(k): wire.decode(v, blobs, cache) for k, v in kwargs_node.items()}
        try:
            result = fn(*args, **kwargs)
            out = []
            return {"ok": True, "result": wire.encode(result, out)}, out
        except Exception as exc:  # the function refused the student's arguments
            return {"ok": False, "raised": {"type": type(exc).__name__,
                                            "message": str(exc)[:wire.MAX_TEXT]}}, []

    def _lose(self, message: str):
        """The worker timed out or died: stop it, remember why, end the test cell."""
        self._lost = message
        self._stop()
        raise WorkerLost(message)

    def revive(self) -> None:
        """Start a new worker if the last one was lost (a new test cell begins).

        Raises
        ------
        WorkerLost
            If it cannot be restarted (it was restarted too often).
        """
        if self._proc is None:
            if self._starts >= MAX_STARTS:
                raise WorkerLost(self._lost or "the graded code's process is gone")
            self._start()

    @contextlib.contextmanager
    def budget(self, seconds: float):
        """Within the block, all calls together may take at most ``seconds``."""
        self._deadline, self._budget = time.monotonic() + seconds, seconds
        try:
            yield self
        finally:
            self._deadline = self._budget = None

    # -- what the answer cells defined ------------------------------------------------

    def namespace(self) -> dict:
        """The names the answer cells bound: proxies for callables, values for the rest.

        Values are read when this is called: numbers, strings, None, arrays, numpy
        scalars and tuples or lists of these; anything else is a placeholder whose repr
        names its type.  Names bound only by setup cells are left out.

        Raises
        ------
        WorkerLost
            If the worker is gone or does not answer.
        """
        if self._proc is None:
            raise WorkerLost(self._lost or "the graded code's process is gone")
        reply, blobs = self._ask({"op": "list"}, (), "listing your definitions")
        names = reply.get("names")
        if not isinstance(names, dict):
            self._lose("the graded code's process broke the grading protocol "
                       "(a malformed list of names)")
        found = {}
        cache = {}
        for name, entry in names.items():
            if not isinstance(entry, dict) or not name.isidentifier():
                continue
            if entry.get("kind") == "callable":
                found[name] = self._functions.setdefault(name, StudentFunction(self, name))
            elif entry.get("kind") == "value":
                found[name] = self._decode(entry.get("value"), blobs, cache)
        return found

    def _ask(self, header, blobs, doing: str):
        """A request whose failure loses the worker with a message about ``doing``."""
        timeout = self._timeout()
        try:
            return self._request(header, blobs, timeout)
        except _Timeout:
            self._lose(f"the graded code's process did not answer within {timeout:g} s "
                       f"while {doing}")
        except _Died:
            self._lose(f"the graded code's process died while {doing}: {self._death()}")
        except wire.ProtocolError as exc:
            self._lose(f"the graded code's process broke the grading protocol while "
                       f"{doing}: {exc}")

    def _timeout(self) -> float:
        if self._deadline is None:
            return self.call_timeout
        return max(min(self.call_timeout, self._deadline - time.monotonic()), 0.001)

    def _decode(self, node, blobs, cache, *, root=None, same=False):
        """Decode a reply's value; ``root`` is ``(args, kwargs)`` of the call, if any."""
        def resolve(tagged):
            tag = tagged.get("$")
            if tag == "opaque":
                type_name = str(tagged.get("type", "object"))
                return _opaque_class(type_name)(type_name, str(tagged.get("why", "")))
            if tag == "same" and same:
                return _SAME
            if tag == "arg" and root is not None:
                return _follow(root, tagged.get("path"))
            raise wire.ProtocolError(f"unexpected value tag {tag!r}")

        try:
            return wire.decode(node, blobs, cache, resolve=resolve)
        except (wire.ProtocolError, ValueError, TypeError, IndexError, KeyError) as exc:
            self._lose(f"the graded code's process broke the grading protocol: {exc}")

    # -- calls ------------------------------------------------------------------------

    def call(self, name: str, args: tuple, kwargs: dict):
        """Call the student's function ``name``; see :class:`StudentFunction`.

        Raises
        ------
        TypeError
            If an argument cannot be sent (the message names its type).
        WorkerLost
            If the call did not return in time or the worker died.
        Exception
            The student's exception, as its builtin or numpy type when it is one, else
            as a :class:`StudentError` subclass with the student's type name.
        """
        if self._proc is None:
            raise WorkerLost(self._lost or "the graded code's process is gone")
        blobs, memo, callbacks = [], {}, {}

        def node(value):
            # a function of the grader's (a check's f for a student's gradient checker)
            # stays here: the graded code gets a stub that calls back with data only
            if isinstance(value, StudentFunction):
                raise wire.Unsendable("the graded code's own function (call it directly)")
            if callable(value) and not isinstance(value, (np.ndarray, np.generic, type)):
                callbacks[len(callbacks)] = value
                return {"$": "callback", "id": len(callbacks) - 1}
            return wire.encode(value, blobs, memo)

        try:
            header = {"op": "call", "name": name,
                      "args": {"$": "tuple", "items": [node(a) for a in args]},
                      "kwargs": {str(k): node(v) for k, v in kwargs.items()}}
            frame = wire.pack_frame(header, blobs, self.max_frame)
        except wire.Unsendable as exc:
            raise TypeError(f"cannot pass {exc} to the student's {name}: only arrays, "
                            f"numbers, strings, None, tuples or lists of these, and "
                            f"functions (called back here) can be sent to the graded "
                            f"code") from None
        except wire.ProtocolError as exc:
            raise ValueError(f"the arguments for {name} are too large to send: {exc}") from None
        timeout = self._timeout()
        if self._deadline is not None and timeout < self.call_timeout:
            within = f"within the {self._budget:g} s a test cell may take"
        else:
            within = f"within {timeout:g} s"
        try:
            reply, reply_blobs = self._request(header, blobs, timeout, frame, callbacks)
        except _Timeout:
            self._lose(f"your {name} did not return {within}; it was stopped "
                       f"(later tests run in a fresh process)")
        except _Died:
            self._lose(f"the graded code's process died while running your {name}: "
                       f"{self._death()}")
        except wire.ProtocolError as exc:
            self._lose(f"the graded code's process broke the grading protocol while running "
                       f"your {name}: {exc}")
        try:
            kind, value = self._interpret(name, reply, reply_blobs, args, kwargs)
        except WorkerLost:
            raise
        except Exception as exc:  # whatever the reply holds, it must not break the grader
            self._lose(f"the graded code's process broke the grading protocol while running "
                       f"your {name}: {type(exc).__name__}: {exc}")
        if kind == "raise":
            exc, filename, line = value
            if filename is not None:
                # raised from a line of the cell's file, so tracebacks (and the checks'
                # "at line N" note) point at the student's own line
                code = compile("\n" * (line - 1) + "raise __student_exception__", filename,
                               "exec")
                exec(code, {"__builtins__": {}, "__student_exception__": exc})
            raise exc
        return value

    def _interpret(self, name, reply, blobs, args, kwargs):
        """A call's reply as ``("return", value)`` or ``("raise", (exc, file, line))``."""
        if not reply.get("ok"):
            if "missing" in reply:
                return "raise", (NameError(f"name {name!r} is not defined in the graded code"),
                                 None, None)
            if "too_large" in reply:
                error = _exception_class("ResultTooLarge", "student", ["MemoryError"])(
                    f"your {name} returned more than the grader accepts "
                    f"({self.max_frame} bytes)")
                return "raise", (error, None, None)
            raise wire.ProtocolError(f"an unexpected reply {reply!r:.200}")
        cache = {}
        after_args = self._decode(reply.get("args"), blobs, cache, same=True)
        after_kwargs = reply.get("kwargs")
        if not isinstance(after_args, tuple) or not isinstance(after_kwargs, dict):
            raise wire.ProtocolError("a malformed reply")
        _write_back(args, after_args)
        for key, node in after_kwargs.items():
            if key in kwargs:
                _write_back(kwargs[key], self._decode(node, blobs, cache, same=True))
        if "raised" in reply:
            return "raise", self._rebuild(reply["raised"])
        return "return", self._decode(reply.get("result"), blobs, cache, root=(args, kwargs))

    def _rebuild(self, info):
        """The student's exception, and the cell file and line it was raised at, if known."""
        if not isinstance(info, dict):
            raise wire.ProtocolError("a malformed exception")
        name = str(info.get("type") or "Exception")[:100]
        message = str(info.get("message", ""))[:wire.MAX_TEXT]
        bases = info.get("bases")
        bases = [b for b in bases if isinstance(b, str)] if isinstance(bases, list) else []
        cls = _exception_class(name, str(info.get("module", "")), bases)
        args = info.get("args")
        try:
            exc = cls(*args) if isinstance(args, list) and not issubclass(cls, StudentError) \
                else cls(message)
        except Exception:  # a type whose constructor wants more (UnicodeDecodeError)
            exc = _exception_class(name, "student", [])(message)
        label, line = info.get("cell"), info.get("line")
        if isinstance(label, str) and label in self._files and type(line) is int and line > 0:
            gid = self._cells[self._labels.index(label)][0]
            text = f": {str(info['text'])[:300]}" if info.get("text") else ""
            exc.student_where = f"answer cell {gid!r}, line {line}{text}"
            return exc, self._files[label], line
        return exc, None, None


def _follow(root, path):
    """The argument at ``path`` (``["a", 0]``: the first positional one) of ``root``."""
    if not isinstance(path, list) or not path or path[0] not in ("a", "k"):
        raise wire.ProtocolError(f"a bad argument path {path!r}")
    args, kwargs = root
    value = args if path[0] == "a" else kwargs
    for step in path[1:]:
        value = value[step]
    return value


# ---------------------------------------------------------------------------------------
# grading
# ---------------------------------------------------------------------------------------

def _hidden_lines(source: str) -> set:
    """Line numbers (1-based) inside hidden-test blocks."""
    hidden, inside = set(), False
    for number, line in enumerate(source.splitlines(), 1):
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        if inside:
            hidden.add(number)
        if "### END HIDDEN TESTS" in line:
            inside = False
    return hidden


def _failure_message(exc, filename, source, session) -> str:
    """A failed test cell's message: the exception's text, never a traceback."""
    if isinstance(exc, WorkerLost):
        return str(exc)
    text = str(exc).strip()
    if isinstance(exc, AssertionError):
        if not text:  # a bare assert: quote it, unless it is a hidden test
            line = None
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == filename:
                    line = tb.tb_lineno
                tb = tb.tb_next
            if line is not None and line not in _hidden_lines(source):
                text = f"assertion failed: {source.splitlines()[line - 1].strip()}"
            else:
                text = "a hidden test failed"
    else:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    where = getattr(exc, "student_where", None)
    if where:
        text += f"\n(raised by your code: {where})"
    if isinstance(exc, NameError) and session is not None and session.cell_errors:
        text += "\n" + "\n".join(session.cell_errors.values())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + "..."


def _run_setup(setup) -> dict:
    """The instructor's setup cells run here, once: the base of every test namespace."""
    namespace = {"__builtins__": builtins, "__name__": "__main__", "np": np}
    for gid, code in setup:
        with contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(compile(code, f"<setup cell {gid}>", "exec", dont_inherit=True), namespace)
            except Exception:  # the worker runs it too; its failure shows there
                pass
    return namespace


def grade_test_cells(submitted_nb, source_nb, limits=None, *, call_timeout: float = CALL_TIMEOUT,
                     hide=()) -> list[TestResult]:
    """Grade a submission's autograded test cells outside the student's kernel.

    Parameters
    ----------
    submitted_nb : nbformat.NotebookNode, dict, str or os.PathLike
        The student's notebook, read as data; only its answer cells are used.
    source_nb : nbformat.NotebookNode, dict, str or os.PathLike
        The instructor's notebook (``source_notebooks/<assignment>/<nb>.ipynb`` or the
        gradebook's copy): the answer cells, setup cells and test cells, hidden tests
        included, are found here.
    limits : autograder.sandbox.Limits, optional
        Limits of the worker's sandbox; ``wall_seconds`` also bounds the time one test
        cell may spend in the student's functions.
    call_timeout : float
        Seconds one call of a student's function may take.
    hide : sequence of path
        Course files to hide from the graded code (gradebook, source notebooks, ...).

    Returns
    -------
    list of TestResult
        One per autograded test cell of the source notebook, in notebook order.

    Raises
    ------
    GradingError
        If the sandbox or the worker cannot be started at all (nothing is graded).

    Notes
    -----
    Each test cell runs here, in the grader's own process, in a fresh namespace: the
    setup cells' names (``np``), then the student's proxies and values.  One worker
    serves all cells in order; when a call times out or the worker dies, that cell
    fails with a message saying so, and the next cell gets a new worker with the answer
    cells loaded again.  What a test prints or warns is kept out of the grade.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> answer = {"nbgrader": {"solution": True, "grade": False, "grade_id": "double"}}
    >>> test = {"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}}
    >>> source = new_notebook(cells=[new_code_cell("def double(x):\\n    return 2 * x",
    ...                                            metadata=answer),
    ...                              new_code_cell("assert double(2) == 4, 'double(2)'",
    ...                                            metadata=test)])
    >>> student = new_notebook(cells=[new_code_cell("def double(x):\\n    return x + 1",
    ...                                             metadata=answer)])
    >>> grade_test_cells(student, source)
    [TestResult(grade_id='t', passed=False, points=0.0, max_points=1.0, message='double(2)')]
    """
    source = _as_notebook(source_nb)
    tests, setup = test_code(source), setup_code(source)
    if not tests:
        return []
    try:
        answers = answer_code(submitted_nb, source)
        unreadable = None
    except Exception as exc:  # a notebook nbformat cannot read: nothing of the student's runs
        answers, unreadable = [], f"the submitted notebook cannot be read: {exc}"
    limits = limits if limits is not None else _default_limits()
    cell_seconds = float(getattr(limits, "wall_seconds", 60.0))
    base = _run_setup(setup)
    results = []
    with StudentSession(answers, setup=setup, limits=limits, call_timeout=call_timeout,
                        hide=hide) as session:
        if unreadable:
            session.cell_errors["notebook"] = unreadable
        for gid, code, points in tests:
            filename = f"<test cell {gid}>"
            output = io.StringIO()
            try:
                session.revive()
                namespace = dict(base)
                namespace.update(session.namespace())
                compiled = compile(code, filename, "exec", dont_inherit=True)
                with session.budget(cell_seconds), contextlib.redirect_stdout(output), \
                        contextlib.redirect_stderr(output), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exec(compiled, namespace)
            except (Exception, WorkerLost, SystemExit) as exc:
                message = _failure_message(exc, filename, code, session)
                results.append(TestResult(gid, False, 0.0, points, message))
            else:
                printed = output.getvalue().strip()
                if len(printed) > MAX_MESSAGE:
                    printed = printed[:MAX_MESSAGE - 3] + "..."
                results.append(TestResult(gid, True, points, points, printed))
    return results
