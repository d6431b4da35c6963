"""Read, write and inspect nbgrader notebooks, and run nbgrader itself.

Shared by :mod:`autograder.release` (which makes ``release/``) and :mod:`autograder.demo`
(which grades the demo classes).  nbgrader always runs as a subprocess, ``python -m nbgrader``
with the interpreter running this code, from a course directory that holds an
``nbgrader_config.py``: the same thing an instructor types, so nothing here depends on
nbgrader's Python API staying stable.

The nbgrader metadata of a cell lives in ``cell.metadata.nbgrader``: ``grade_id`` names the
cell, ``solution`` marks an answer cell the student edits, ``grade`` marks a cell that earns
``points`` (a test cell, or a hand-graded answer when ``solution`` is also set) and ``locked``
marks a cell nbgrader restores from the gradebook before grading.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

__all__ = [
    "NbgraderError",
    "answer_cells",
    "assignment_ids",
    "cell_failed",
    "cells_by_grade_id",
    "error_messages",
    "grade_cells",
    "grade_id",
    "nbgrader_metadata",
    "read_notebook",
    "run_answer_cells",
    "run_nbgrader",
    "run_test_cells",
    "graded_sources",
    "scratch_course",
    "write_notebook",
]

#: Files and folders never copied into a scratch course (editor and Python caches).
IGNORED = (".ipynb_checkpoints", "__pycache__", "*.pyc", ".DS_Store")


class NbgraderError(RuntimeError):
    """``nbgrader`` exited with an error; the message holds its command and output."""

    def __init__(self, args, returncode: int, output: str):
        self.args_list = list(args)
        self.returncode = returncode
        self.output = output
        tail = "\n".join(output.strip().splitlines()[-25:])
        super().__init__(f"nbgrader {' '.join(map(str, args))} exited with status "
                         f"{returncode}; last lines of its output:\n{tail}")


def read_notebook(path) -> nbformat.NotebookNode:
    """Read a notebook file as nbformat version 4.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.ipynb`` file.

    Returns
    -------
    nbformat.NotebookNode
        The notebook; cells are in ``nb.cells``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    nbformat.reader.NotJSONError
        If the file is not valid JSON.

    See Also
    --------
    nbformat.read : What this calls, with ``as_version=4``.
    """
    return nbformat.read(os.fspath(path), as_version=4)


def write_notebook(nb: nbformat.NotebookNode, path) -> Path:
    """Write ``nb`` to ``path`` in nbformat's standard layout, creating folders as needed.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook to write; it is validated first.
    path : str or os.PathLike
        Where to write it.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    nbformat.ValidationError
        If ``nb`` does not satisfy the notebook schema.

    See Also
    --------
    nbformat.write : What this calls.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(nb)
    nbformat.write(nb, os.fspath(path))
    return path


def nbgrader_metadata(cell) -> dict:
    """The nbgrader metadata of ``cell``, or an empty dict for an ordinary cell.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell
    >>> nbgrader_metadata(new_code_cell("x = 1"))
    {}
    >>> meta = {"nbgrader": {"grade": True, "grade_id": "t1"}}
    >>> cell = new_code_cell("assert True", metadata=meta)
    >>> nbgrader_metadata(cell)["grade_id"]
    't1'
    """
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def grade_id(cell) -> str | None:
    """The ``grade_id`` of ``cell``, or None when it has none.

    Examples
    --------
    >>> from nbformat.v4 import new_markdown_cell
    >>> grade_id(new_markdown_cell("text")) is None
    True
    """
    return nbgrader_metadata(cell).get("grade_id")


def grade_cells(nb) -> list:
    """The cells that earn points, in notebook order: test cells and hand-graded answers.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> answer = {"nbgrader": {"solution": True, "grade_id": "f"}}
    >>> nb = new_notebook(cells=[
    ...     new_code_cell("def f(): pass", metadata=answer),
    ...     new_code_cell("assert f() is None",
    ...                   metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}})])
    >>> [grade_id(c) for c in grade_cells(nb)]
    ['t']
    """
    return [cell for cell in nb.cells if nbgrader_metadata(cell).get("grade")]


def answer_cells(nb) -> list:
    """The code cells the student writes (solution cells that are not graded themselves).

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> answer = {"nbgrader": {"solution": True, "grade_id": "f"}}
    >>> nb = new_notebook(cells=[new_code_cell("import numpy as np"),
    ...                          new_code_cell("def f(): pass", metadata=answer)])
    >>> [grade_id(c) for c in answer_cells(nb)]
    ['f']
    """
    return [cell for cell in nb.cells
            if cell.cell_type == "code"
            and nbgrader_metadata(cell).get("solution")
            and not nbgrader_metadata(cell).get("grade")]


def graded_sources(nb) -> dict:
    """The autograded test cells' sources by grade id, in notebook order.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> nb = new_notebook(cells=[new_code_cell(
    ...     "assert True", metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1}})])
    >>> graded_sources(nb)
    {'t': 'assert True'}
    """
    return {grade_id(cell): cell.source for cell in grade_cells(nb) if cell.cell_type == "code"}


def run_answer_cells(nb) -> dict:
    """Run a notebook's nbgrader code cells that are not tests (setup, answers), in this process.

    For tests of an assignment's own content: the model solution of a source notebook, in
    order, in a fresh namespace.  Never use it on student work (that runs in the sandbox,
    :mod:`autograder.trusted`).

    Returns
    -------
    dict
        The namespace the cells ran in.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> answer = {"nbgrader": {"solution": True, "grade_id": "f"}}
    >>> nb = new_notebook(cells=[new_code_cell("def f(): return 2", metadata=answer)])
    >>> run_answer_cells(nb)["f"]()
    2
    """
    namespace: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = nbgrader_metadata(cell)
        if cell.cell_type == "code" and meta and not meta.get("grade"):
            exec(compile(cell.source, grade_id(cell) or "setup", "exec"), namespace)
    return namespace


def run_test_cells(sources: dict, namespace: dict) -> dict:
    """Run each test cell's source on its own copy of ``namespace``, as nbgrader grades it.

    Parameters
    ----------
    sources : dict of str to str
        Test cell sources by grade id (see :func:`graded_sources`).
    namespace : dict
        The functions under test (and whatever else the cells read); ``np`` is numpy
        unless the namespace says otherwise.

    Returns
    -------
    dict of str to Exception or None
        For each grade id, the exception the cell raised (any error fails a test cell
        under nbgrader), or None if it passed.  Floating-point warnings are silenced.

    Examples
    --------
    >>> outcome = run_test_cells({"ok": "assert f() == 2", "bad": "assert f() == 3"},
    ...                          {"f": lambda: 2})
    >>> outcome["ok"], type(outcome["bad"]).__name__
    (None, 'AssertionError')
    """
    import numpy as np

    outcome = {}
    for gid, source in sources.items():
        scope = {"np": np, **namespace}
        try:
            with np.errstate(all="ignore"):
                exec(compile(source, gid, "exec"), scope)
        except Exception as exc:  # any error fails a test cell under nbgrader
            outcome[gid] = exc
        else:
            outcome[gid] = None
    return outcome


def cells_by_grade_id(nb) -> dict:
    """Map ``grade_id`` to cell for every cell that has one, in notebook order.

    Raises
    ------
    ValueError
        If two cells share a ``grade_id`` (nbgrader would refuse the notebook).

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> nb = new_notebook(cells=[new_code_cell("1", metadata={"nbgrader": {"grade_id": "a"}})])
    >>> list(cells_by_grade_id(nb))
    ['a']
    """
    found: dict = {}
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid in found:
            raise ValueError(f"nb has two cells with grade_id {gid!r}; grade ids must be unique")
        found[gid] = cell
    return found


def error_messages(cell) -> list[str]:
    """The errors a code cell raised when it ran, as ``"Name: message"`` strings.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_output
    >>> cell = new_code_cell("assert False, 'no'", outputs=[
    ...     new_output("error", ename="AssertionError", evalue="no", traceback=[])])
    >>> error_messages(cell)
    ['AssertionError: no']
    """
    return [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def cell_failed(cell) -> bool:
    """Whether an executed code cell failed by nbgrader's rule: an error or any stderr output.

    nbgrader gives a test cell no points when it raised or wrote to stderr (a warning counts),
    and all its points otherwise.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_output
    >>> cell_failed(new_code_cell("pass"))
    False
    >>> cell_failed(new_code_cell("x", outputs=[new_output("stream", name="stderr", text="w")]))
    True
    """
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return True
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            return True
    return False


def assignment_ids(course_root) -> list[str]:
    """The assignments of a course: folders of ``source_notebooks/`` that hold a notebook.

    Parameters
    ----------
    course_root : str or os.PathLike
        A folder holding ``nbgrader_config.py`` and ``source_notebooks/``.

    Returns
    -------
    list of str
        Sorted assignment ids (folder names).

    Raises
    ------
    ValueError
        If ``course_root`` has no ``source_notebooks`` folder.
    """
    source = Path(course_root) / "source_notebooks"
    if not source.is_dir():
        raise ValueError(f"course_root must hold a source_notebooks/ folder, "
                         f"got {str(course_root)!r}")
    return sorted(p.name for p in source.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb")))


def scratch_course(course_root, dest) -> Path:
    """Copy a course's nbgrader configuration and source assignments into a fresh folder.

    nbgrader writes a gradebook and several folders next to its config; doing that in a
    scratch copy keeps the real course folder clean.

    Parameters
    ----------
    course_root : str or os.PathLike
        The course: ``nbgrader_config.py`` and ``source_notebooks/``.
    dest : str or os.PathLike
        The scratch folder; it must not exist or be empty.

    Returns
    -------
    pathlib.Path
        ``dest``, now holding ``nbgrader_config.py`` and ``source_notebooks/``.

    Raises
    ------
    ValueError
        If ``course_root`` lacks either of those, or ``dest`` is a non-empty folder.
    """
    root = Path(course_root)
    dest = Path(dest)
    config = root / "nbgrader_config.py"
    if not config.is_file() or not (root / "source_notebooks").is_dir():
        raise ValueError("course_root must hold nbgrader_config.py and source_notebooks/, "
                         f"got {str(course_root)!r}")
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(f"dest must be a missing or empty folder, got {str(dest)!r} (not empty)")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(config, dest / "nbgrader_config.py")
    shutil.copytree(root / "source_notebooks", dest / "source_notebooks",
                    ignore=shutil.ignore_patterns(*IGNORED))
    return dest


def run_nbgrader(args, cwd, *, timeout: float = 600, check: bool = True,
                 python: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in the course folder ``cwd``.

    Parameters
    ----------
    args : sequence of str
        The nbgrader command line after ``nbgrader``, e.g. ``["autograde", "ps1"]``.
    cwd : str or os.PathLike
        The course folder; nbgrader reads ``nbgrader_config.py`` from it.
    timeout : float
        Seconds before the subprocess is killed (``subprocess.TimeoutExpired``).
    check : bool
        Raise :class:`NbgraderError` when nbgrader exits with a non-zero status.
    python : str, optional
        The interpreter; by default the one running this code.

    Returns
    -------
    subprocess.CompletedProcess
        With ``stdout`` holding nbgrader's combined output and log as text.

    Raises
    ------
    NbgraderError
        If ``check`` and nbgrader failed.
    """
    python = python or sys.executable
    command = [python, "-m", "nbgrader", *map(str, args)]
    env = dict(os.environ)
    # nbgrader calls the `alembic` script of its own environment by name when it opens a
    # gradebook, so that environment's bin folder must be on PATH even if it is not activated.
    env["PATH"] = os.pathsep.join([os.path.dirname(python), env.get("PATH", "")])
    env.setdefault("PYTHONUNBUFFERED", "1")
    # Kernels nbgrader starts must not pick up a stray matplotlib GUI backend.
    env.setdefault("MPLBACKEND", "Agg")
    result = subprocess.run(command, cwd=os.fspath(cwd), env=env, timeout=timeout,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and result.returncode != 0:
        raise NbgraderError(args, result.returncode, result.stdout)
    return result
