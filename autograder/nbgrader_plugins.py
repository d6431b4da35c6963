"""nbgrader plugins that make ``nbgrader autograde`` trustworthy: configure them once, in
``nbgrader_config.py``, and every autograde run in that course uses them.

Stock nbgrader 0.9.6 runs a submission's code in the kernel that also runs the tests, as the
instructor, in the course folder; it stops on a notebook it cannot parse and leaves the old
score in the gradebook when a re-grade fails.  The classes here replace or wrap the steps of
its pipeline (``nbgrader.converters.Autograde``)::

    read the file          RobustNotebookExporter      (Autograde.exporter_class)
    before the conversion  find_renamed_notebooks      (Autograde.pre_convert_hook)
    sanitize pass          RepairSubmission, then nbgrader's ClearOutput, DeduplicateIds,
                           OverwriteKernelspec, OverwriteCells, CheckCellMetadata
    autograde pass         SandboxedExecute (replaces Execute), IgnorePattern,
                           ClearMetadataPreprocessor, LimitOutput, TrustedGrades,
                           SaveAutoGrades, FlagForReview, AssignLatePenalties, CheckCellMetadata
    generate_feedback      HideHiddenTests, then nbgrader's GetGrades, CSSHTMLHeaderPreprocessor

:func:`configure` sets all of that on a traitlets config object; the course's
``nbgrader_config.py`` calls it.

What each step does:

* :class:`RobustNotebookExporter` reads a submission without ever raising: invalid JSON, an
  empty, oversized or non-UTF-8 file, an old nbformat (converted), cells that break the schema
  (salvaged one by one).  What cannot be read becomes an empty notebook with a note, graded 0.
  If a preprocessor of the sanitize pass still fails on what the student sent, the notebook is
  graded as the blank assignment and flagged, so one submission never stops the batch.
* :func:`find_renamed_notebooks` lets ``ps1-correlation (1).ipynb`` be graded as
  ``ps1-correlation.ipynb`` when the expected notebook is missing from the student's folder.
* :class:`RepairSubmission` rebuilds the nbgrader metadata of every cell from the instructor's
  source notebook (a student cannot change points, ids or locks), keeps one copy of a
  duplicated grade id, recognises cells whose metadata was stripped by their content and
  position, restores deleted graded and locked cells, and writes what it repaired into a note
  cell at the top of the notebook (seen in the formgrader and in the feedback) and the log.
  It also sets the submission's previous automatic scores to 0 and flags it before grading
  starts, so a re-grade that fails part-way never leaves an old score standing.
* :class:`SandboxedExecute` runs the notebook in :class:`autograder.sandbox.Sandbox` (an empty
  working directory, course files hidden, resource limits, an unprivileged user where
  possible), with the hidden tests removed, and takes back only the outputs of code cells,
  rebuilt field by field and size-capped.  A cell that times out or kills its kernel gets an
  error output and the remaining cells run in a fresh kernel.
* :class:`TrustedGrades` replaces the outputs of every autograded test cell with the result of
  :func:`autograder.trusted.grade_test_cells`, computed outside the student's kernel: a failed
  check is one error output holding the check's message, a passed one a short stdout line, so
  nbgrader's ``SaveAutoGrades`` records exactly the trusted score and a warning printed to
  stderr by honest code costs nothing.
* :class:`FlagForReview` (after ``SaveAutoGrades``) marks the notebook for manual grading, with
  a comment saying why, when grading could not be completed as designed.
* :class:`HideHiddenTests` removes the hidden-test regions of test cells from the feedback;
  unlike nbgrader's ``ClearHiddenTests`` it never touches a student's cell and never raises.

The sandbox and trusted grader are imported only when a notebook is graded, so loading this
module from ``nbgrader_config.py`` costs nothing for other nbgrader commands.

Not covered: a renamed notebook when nbgrader is asked for one notebook by name
(``--notebook``), since nbgrader then never lists the renamed file; and the student's own
markdown cells, which reach the formgrader and the feedback as written (as in stock
nbgrader), HTML included.  Outputs of code cells keep only inert MIME types.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import difflib
import importlib
import inspect
import json
import os
import re
import secrets
import sys
import traceback
import uuid
import warnings
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from traitlets import Any, Bool, Float, Integer, List, validate
from traitlets.config import Configurable

from nbgrader import utils as nbutils
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    ClearSolutions,
    DeduplicateIds,
    Execute,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    NbGraderPreprocessor,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

__all__ = [
    "FlagForReview",
    "HideHiddenTests",
    "RepairSubmission",
    "RobustNotebookExporter",
    "SandboxLimits",
    "SandboxedExecute",
    "TrustedGrades",
    "add_notes",
    "clean_outputs",
    "configure",
    "find_renamed_notebooks",
    "hidden_paths",
    "match_renamed",
    "notes_of",
    "read_submission",
    "repair_cells",
    "strip_hidden_tests",
    "trusted_outputs",
]

#: Key of this module's record in ``nb.metadata`` (and of the note cell's metadata).
META_KEY = "autograder"
#: Heading of the note cell inserted at the top of a notebook that needed repairs.
NOTE_HEADING = "**Note from the autograder**"
#: nbgrader's default delimiters of hidden tests.
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
#: MIME types of outputs kept from the sandbox; active content (HTML, JavaScript, SVG, and
#: markdown, which may embed HTML) would run in the browser of whoever views the feedback.
SAFE_MIMETYPES = ("text/plain", "text/latex", "image/png", "image/jpeg", "image/gif")
#: Comment left on a submission from the moment grading starts until it succeeds.
PENDING_COMMENT = ("Autograding of this notebook started but did not finish, so its automatic "
                   "scores were set to 0 and it was flagged for manual grading; see the "
                   "autograde log.")

# Renamed copies as browsers, Jupyter and file managers make them.
_COPY_SUFFIXES = (re.compile(r"\s*\(\d+\)$"), re.compile(r"[-_ ]?copy\d*$", re.I),
                  re.compile(r"^copy of\s+", re.I), re.compile(r"\s*-\s*kopie\d*$", re.I))

# Expected notebook path -> the file actually submitted, filled by find_renamed_notebooks
# and read by RobustNotebookExporter within the same nbgrader process.
_RENAMED: dict = {}
# Sentences already logged once in this process (missing sandbox defences).
_LOGGED_ONCE: set = set()


# ----------------------------------------------------------------------------- notes

def notes_of(nb) -> dict:
    """The repair notes recorded in ``nb``: ``{"notes": [...], "review": [...], "failed": bool}``.

    ``notes`` are sentences for the student and instructor; ``review`` are the reasons the
    notebook must be looked at by hand (non-empty means :class:`FlagForReview` flags it);
    ``failed`` says grading itself failed, so every automatic score is set to 0.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook
    >>> notes_of(new_notebook())
    {'notes': [], 'review': [], 'failed': False}
    """
    record = nb.get("metadata", {}).get(META_KEY, {})
    return {"notes": list(record.get("notes", [])), "review": list(record.get("review", [])),
            "failed": bool(record.get("failed", False))}


def add_notes(nb, notes=(), review=(), *, failed: bool = False) -> None:
    """Record ``notes`` (and ``review`` reasons) in ``nb`` and show them in its note cell.

    The note cell is a markdown cell at the top of the notebook, without nbgrader metadata,
    so nbgrader neither grades nor overwrites it; it is created on the first note.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Changed in place.
    notes : sequence of str
        Sentences describing what was found or repaired.
    review : sequence of str
        Reasons to grade the notebook by hand; each is also shown as a note.
    failed : bool
        Grading failed: :class:`FlagForReview` sets every automatic score to 0.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook
    >>> nb = new_notebook()
    >>> add_notes(nb, ["The file is empty."])
    >>> print(nb.cells[0].source)
    **Note from the autograder**
    <BLANKLINE>
    - The file is empty.
    """
    notes, review = list(notes), list(review)
    if not notes and not review and not failed:
        return
    record = notes_of(nb)
    for text in notes + review:
        if text not in record["notes"]:
            record["notes"].append(text)
    for text in review:
        if text not in record["review"]:
            record["review"].append(text)
    record["failed"] = record["failed"] or bool(failed)
    nb.metadata[META_KEY] = record
    if not record["notes"]:
        return
    body = "\n".join(f"- {text}" for text in record["notes"])
    source = f"{NOTE_HEADING}\n\n{body}"
    for cell in nb.cells:
        if cell.get("metadata", {}).get(META_KEY, {}).get("note"):
            cell.source = source
            return
    cell = new_markdown_cell(source, metadata={META_KEY: {"note": True}})
    nb.cells.insert(0, cell)
    _unique_cell_ids(nb)


def _drop_foreign_notes(nb) -> None:
    """Remove note cells and note records a submission brought with it (forged or stale)."""
    nb.metadata.pop(META_KEY, None)
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get(META_KEY)]


# ----------------------------------------------------------------------------- reading

def _salvage_cells(raw) -> tuple[list, int]:
    """Cells rebuilt from a notebook-like dict, and how many cells had to be dropped."""
    cells, dropped = [], 0
    raw_cells = raw.get("cells")
    if raw_cells is None and isinstance(raw.get("worksheets"), list):  # nbformat 3 layout
        raw_cells = [c for ws in raw["worksheets"] if isinstance(ws, dict)
                     for c in (ws.get("cells") or [])]
    if not isinstance(raw_cells, list):
        return [], 0
    for item in raw_cells:
        if not isinstance(item, dict):
            dropped += 1
            continue
        source = item.get("source", item.get("input", ""))
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            dropped += 1
            continue
        metadata = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
        try:
            metadata = json.loads(json.dumps(metadata))
        except (TypeError, ValueError):
            metadata = {}
        kind = item.get("cell_type")
        if kind == "code":
            cells.append(new_code_cell(source, metadata=metadata))
        elif kind in ("markdown", "heading"):
            cells.append(new_markdown_cell(source, metadata=metadata))
        elif kind == "raw":
            cells.append(new_raw_cell(source, metadata=metadata))
        else:
            dropped += 1
    return cells, dropped


def read_submission(path, *, max_bytes: int = 64 * 2**20) -> tuple:
    """Read a submitted notebook, never raising for what the file contains.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.ipynb`` file.
    max_bytes : int
        Larger files are not read (they are graded as unreadable).

    Returns
    -------
    nbformat.NotebookNode
        The notebook as nbformat 4 (an empty notebook when nothing could be read).
    list of str
        Notes on what was wrong with the file and what was done about it.
    bool
        Whether the file could be read at all.

    Raises
    ------
    OSError
        Only if the file cannot be opened (it is missing or unreadable to the grader).

    Notes
    -----
    nbformat 3 and older minor versions of 4 are converted by nbformat.  A notebook whose
    JSON parses but breaks the schema is rebuilt cell by cell from each cell's type, source
    and metadata; cells without a usable type or source are dropped and counted in a note.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> _ = p.write_text('{"cells": [')
    >>> nb, notes, readable = read_submission(p)
    >>> readable, len(nb.cells)
    (False, 0)
    >>> notes[0]  # doctest: +ELLIPSIS
    'The file nb.ipynb is not valid JSON (line 1 column 12: Expecting value); nothing...'
    """
    path = Path(path)
    size = path.stat().st_size
    name = path.name
    if size == 0:
        return new_notebook(), [f"The file {name} is empty (0 bytes); there was nothing to "
                                f"grade."], False
    if size > max_bytes:
        return new_notebook(), [f"The file {name} is {size} bytes, more than the {max_bytes} "
                                f"bytes the grader reads; it was not graded."], False
    data = path.read_bytes()
    notes = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        notes.append(f"The file {name} is not valid UTF-8 (byte {exc.start}); undecodable bytes "
                     f"were replaced.")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        where = (f"line {exc.lineno} column {exc.colno}: {exc.msg}" if hasattr(exc, "lineno")
                 else str(exc))
        return new_notebook(), notes + [f"The file {name} is not valid JSON ({where}); nothing "
                                        f"could be read from it, so it was graded as a blank "
                                        f"submission."], False
    if not isinstance(raw, dict):
        return new_notebook(), notes + [f"The file {name} is JSON but not a notebook (it holds "
                                        f"a {type(raw).__name__}); graded as a blank "
                                        f"submission."], False
    major = raw.get("nbformat")
    try:
        with warnings.catch_warnings():  # duplicate cell ids are repaired below, quietly
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(raw), as_version=4, capture_validation_error={})
        _unique_cell_ids(nb)
        nbformat.validate(nb)
    except Exception as exc:  # schema errors, unknown versions, broken cells
        cells, dropped = _salvage_cells(raw)
        if not cells and not isinstance(raw.get("cells", raw.get("worksheets")), list):
            return new_notebook(), notes + [f"The file {name} is not a notebook nbformat can read "
                                            f"({type(exc).__name__}); graded as a blank "
                                            f"submission."], False
        nb = new_notebook(cells=cells)
        _unique_cell_ids(nb)
        note = (f"The file {name} does not follow the notebook format ({type(exc).__name__}); "
                f"its cells were recovered one by one")
        notes.append(note + (f" and {dropped} unusable cell(s) were dropped." if dropped else "."))
        return nb, notes, True
    if isinstance(major, int) and major < 4:
        notes.append(f"The file {name} is in the old notebook format {major}; it was converted "
                     f"to format 4 before grading.")
    return nb, notes, True


def _unique_cell_ids(nb) -> None:
    """Give every cell a unique, valid id (nbformat 4.5), upgrading older 4.x notebooks."""
    if nb.get("nbformat") != 4:
        return
    nb.nbformat_minor = max(int(nb.get("nbformat_minor", 0) or 0), 5)
    seen = set()
    valid = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
    for cell in nb.cells:
        cid = cell.get("id")
        if not isinstance(cid, str) or not valid.match(cid) or cid in seen:
            cid = uuid.uuid4().hex[:12]
            cell["id"] = cid
        seen.add(cid)


class RobustNotebookExporter(NotebookExporter):
    """Notebook exporter for ``Autograde`` that reads any submitted file and survives its repair.

    Configure as ``c.Autograde.exporter_class``.  :meth:`from_filename` reads with
    :func:`read_submission` (an unreadable file becomes an empty notebook with a note, which
    :class:`RepairSubmission` turns into the blank assignment), follows a rename found by
    :func:`find_renamed_notebooks`, and drops any note record a submission brought with it.
    :meth:`_preprocess` catches an exception raised while the sanitize preprocessors process
    the student's notebook and grades the blank assignment instead, flagged for review.
    """

    max_bytes = Integer(64 * 2**20,
                        help="Largest submitted notebook read, in bytes.").tag(config=True)

    def _sanitizing(self) -> bool:
        return bool(getattr(self.parent, "_sanitizing", True))

    def from_filename(self, filename, resources=None, **kw):
        """Read ``filename`` (or the renamed file submitted in its place) and convert it."""
        resources = resources if resources is not None else {}
        resources.setdefault("metadata", {})
        resources["metadata"]["name"] = Path(filename).stem
        resources["metadata"]["path"] = os.path.dirname(filename)
        sanitizing = self._sanitizing()
        # A rename is followed once, and only while the expected file is still missing.
        renamed = _RENAMED.pop(os.path.abspath(filename), None) if sanitizing else None
        actual = renamed if renamed and not os.path.exists(filename) else filename
        try:
            nb, notes, readable = read_submission(actual, max_bytes=self.max_bytes)
        except OSError as exc:
            nb, notes, readable = new_notebook(), [f"The file {Path(actual).name} could not be "
                                                   f"opened ({exc.strerror or exc})."], False
        if sanitizing:
            _drop_foreign_notes(nb)
            if actual != filename:
                notes.insert(0, f"The notebook was submitted as {Path(actual).name!r}; it was "
                                f"graded as {Path(filename).name!r}.")
            review = [] if readable else ["The submitted file could not be read, so this "
                                          "notebook is flagged for the instructor to check by "
                                          "hand."]
            add_notes(nb, notes, review)
            for text in notes:
                self.log.warning("%s: %s", _who(resources), text)
        return self.from_notebook_node(nb, resources, **kw)

    def _preprocess(self, nb, resources):
        try:
            return super()._preprocess(nb, resources)
        except Exception as exc:
            if not self._sanitizing() or _is_infrastructure_error(exc):
                raise
            self.log.error("%s: preparing the submission for grading failed; grading the blank "
                           "assignment instead:\n%s", _who(resources), traceback.format_exc())
            blank = new_notebook()
            add_notes(blank, review=[f"The submitted notebook could not be prepared for grading "
                                     f"({type(exc).__name__}: {_shorten(str(exc), 200)}); the "
                                     f"blank assignment was graded instead (0 points)."])
            return super()._preprocess(blank, resources)


def _is_infrastructure_error(exc) -> bool:
    """Errors that are about the course, not the submission: let nbgrader report them."""
    import sqlalchemy.exc  # nbgrader's gradebook runs on it

    return isinstance(exc, sqlalchemy.exc.SQLAlchemyError)


def _who(resources) -> str:
    info = (resources or {}).get("nbgrader", {})
    return f"{info.get('student', '?')}/{info.get('assignment', '?')}/{info.get('notebook', '?')}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


# ----------------------------------------------------------------------------- renamed files

def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plain_name(stem: str) -> str:
    """A notebook name without the suffixes copies get: ``a (1)`` and ``a-Copy1`` give ``a``."""
    name = stem.strip()
    changed = True
    while changed:
        changed = False
        for pattern in _COPY_SUFFIXES:
            new = pattern.sub("", name).strip()
            if new != name and new:
                name, changed = new, True
    return name


def match_renamed(expected, submitted) -> dict:
    """Pair expected notebook names missing from a folder with the unexpected files in it.

    Parameters
    ----------
    expected : sequence of str
        Notebook names (without ``.ipynb``) the assignment has and the folder lacks.
    submitted : sequence of str
        Names of the folder's notebooks that the assignment does not have.

    Returns
    -------
    dict
        ``{expected name: submitted name}``.  A submitted name is paired when, without a copy
        suffix (`` (1)``, ``-Copy1``, ``Copy of``), it equals an expected name, when it is the
        only candidate for the only missing notebook, or when its name is at least 60 %
        similar to exactly one missing name.  Among several copies of one name the first in
        sorted order wins.

    Examples
    --------
    >>> match_renamed(["ps1-correlation"], ["ps1-correlation (1)", "notes"])
    {'ps1-correlation': 'ps1-correlation (1)'}
    >>> match_renamed(["ps1"], ["homework"])
    {'ps1': 'homework'}
    >>> match_renamed(["a", "b"], ["zzz"])
    {}
    """
    expected, submitted = list(expected), sorted(submitted)
    pairs, used = {}, set()
    for name in expected:
        for cand in submitted:
            if cand not in used and _plain_name(cand) == name:
                pairs[name], _ = cand, used.add(cand)
                break
    left_exp = [n for n in expected if n not in pairs]
    left_sub = [s for s in submitted if s not in used]
    if len(expected) == 1 and left_exp and len(left_sub) == 1:
        return {left_exp[0]: left_sub[0], **pairs}
    for name in left_exp:
        scored = sorted(((_similarity(_plain_name(s), name), s) for s in left_sub if s not in used),
                        reverse=True)
        if scored and scored[0][0] >= 0.6 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            pairs[name] = scored[0][1]
            used.add(scored[0][1])
    return pairs


def _calling_converter():
    """The nbgrader converter that called a hook (hooks are not given it)."""
    from nbgrader.converters.base import BaseConverter

    frame = inspect.currentframe()
    try:
        frame = frame.f_back if frame else None
        for _ in range(6):
            if frame is None:
                return None
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, BaseConverter):
                return candidate
            frame = frame.f_back
        return None
    finally:
        del frame


def find_renamed_notebooks(assignment=None, student=None, notebooks=None, converter=None) -> dict:
    """``Autograde.pre_convert_hook``: grade a renamed notebook as the notebook it replaces.

    nbgrader grades only the notebooks whose file names match the assignment's, and fails a
    submission folder that holds none of them.  This hook runs just before a submission is
    converted: when an expected notebook is missing from the folder and another notebook in it
    matches (see :func:`match_renamed`), it rewrites the converter's list of notebooks in
    place to name the expected file, and records which file to read instead;
    :class:`RobustNotebookExporter` reads that file and says so in the notebook's note.

    Parameters
    ----------
    assignment, student : str
        Passed by nbgrader (the command line's patterns, possibly ``*``); not used.
    notebooks : list of str
        The converter's list of notebook paths for one submission; changed in place.
    converter : nbgrader.converters.Autograde, optional
        The converter; by default found on the call stack (nbgrader does not pass it).

    Returns
    -------
    dict
        ``{expected path: submitted path}`` for the notebooks renamed back.
    """
    if not notebooks:
        return {}
    converter = converter or _calling_converter()
    if converter is None or getattr(converter, "coursedir", None) is None:
        return {}
    coursedir = converter.coursedir
    folder = os.path.dirname(notebooks[0])
    assignment_id = Path(folder).name
    source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment_id))
    expected = sorted(p.stem for p in source.glob("*.ipynb"))
    present = {Path(p).stem: p for p in notebooks}
    missing = [name for name in expected if name not in present
               and not os.path.exists(os.path.join(folder, name + ".ipynb"))]
    unknown = [name for name in present if name not in expected]
    renamed = {}
    for name, cand in match_renamed(missing, unknown).items():
        target = os.path.join(folder, name + ".ipynb")
        actual = present[cand]
        notebooks[notebooks.index(actual)] = target
        _RENAMED[os.path.abspath(target)] = actual
        renamed[target] = actual
        converter.log.warning("Grading %s as %s (the expected notebook is missing)", actual, target)
    return renamed


# ----------------------------------------------------------------------------- hidden tests

def strip_hidden_tests(source: str, begin: str = BEGIN_HIDDEN, end: str = END_HIDDEN) -> tuple:
    """Remove hidden-test regions from a cell's source, tolerating unbalanced delimiters.

    A line containing ``begin`` starts a region and a line containing ``end`` ends it; both
    delimiter lines go too.  A region left open runs to the end of the cell, so an
    instructor's missing END never reveals the hidden tests.

    Parameters
    ----------
    source : str
        The cell's source.
    begin, end : str
        The delimiters (nbgrader's defaults).

    Returns
    -------
    str
        The source without hidden regions.
    bool
        Whether anything was removed.

    Examples
    --------
    >>> text = "a = 1\\n### BEGIN HIDDEN TESTS\\nsecret()\\n### END HIDDEN TESTS\\nb = 2"
    >>> strip_hidden_tests(text)
    ('a = 1\\nb = 2', True)
    >>> strip_hidden_tests("x\\n### BEGIN HIDDEN TESTS\\nsecret()")
    ('x', True)
    """
    kept, inside, removed = [], False, False
    for line in source.split("\n"):
        if begin in line:
            inside = removed = True
        elif end in line:
            removed = removed or inside
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept), removed


def _is_test_cell(cell) -> bool:
    """An autograded test cell: a graded code cell that is not the student's answer."""
    return (cell.get("cell_type") == "code" and nbutils.is_grade(cell)
            and not nbutils.is_solution(cell))


class HideHiddenTests(ClearHiddenTests):
    """Feedback preprocessor: remove hidden tests from test cells, and only from test cells.

    nbgrader's ``ClearHiddenTests`` edits every cell and raises on a delimiter in a student's
    cell (a student can break their own feedback with one comment line); this subclass, which
    takes the same delimiters from ``c.ClearHiddenTests``, changes only autograded test cells,
    tolerates unbalanced delimiters (an open region is hidden to the end of the cell) and
    never raises.  Put it first in ``GenerateFeedback.preprocessors``.
    """

    def preprocess_cell(self, cell, resources, index):
        if _is_test_cell(cell):
            cell.source, _ = strip_hidden_tests(cell.source, self.begin_test_delimeter,
                                                self.end_test_delimeter)
        return cell, resources


# ----------------------------------------------------------------------------- course access

def _coursedir(pp):
    """The CourseDirectory of the converter running preprocessor ``pp`` (or one from config)."""
    obj = pp
    for _ in range(4):
        obj = getattr(obj, "parent", None)
        if obj is None:
            break
        if getattr(obj, "coursedir", None) is not None:
            return obj.coursedir
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=pp.config)


def _source_notebook_path(pp, resources) -> Path:
    info = resources["nbgrader"]
    cd = _coursedir(pp)
    folder = cd.format_path(cd.source_directory, ".", info["assignment"])
    return Path(folder) / f"{info['notebook']}.ipynb"


def _delimiters(pp) -> tuple:
    """The hidden-test delimiters configured for nbgrader's ClearHiddenTests."""
    clear = ClearHiddenTests(parent=pp)
    return clear.begin_test_delimeter, clear.end_test_delimeter


def _template(pp, source_nb):
    """The blank assignment: the source with solutions stubbed and hidden tests removed."""
    nb = copy.deepcopy(source_nb)
    nb, _ = ClearSolutions(parent=pp).preprocess(nb, {})
    begin, end = _delimiters(pp)
    for cell in nb.cells:
        if _is_test_cell(cell):
            cell.source, _ = strip_hidden_tests(cell.source, begin, end)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


# ----------------------------------------------------------------------------- repair

def _norm(source) -> str:
    return "\n".join(line.rstrip() for line in str(source).strip().splitlines())


def _defined_names(source: str) -> set:
    """Top-level names a code cell defines (functions, classes, assignments)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def repair_cells(nb, template) -> list:
    """Make every graded or locked cell of ``template`` appear once in ``nb``, with its metadata.

    The submission's own nbgrader metadata is never trusted: each cell that carries a known
    grade id gets the template's metadata for that id, and other nbgrader metadata is removed.

    1. A grade id used by several cells (a copied cell) stays on the first copy of a locked
       cell and the last copy of an answer cell (the definition that wins when the notebook
       runs top to bottom); the other copies become ordinary cells.
    2. A locked cell (instructions with an id, setup, tests) of the template that no cell
       claims is recognised by its exact source (metadata stripped by an editor or by hand).
    3. An answer cell no cell claims is looked for between the cells matched around it in the
       template: among unclaimed cells of the same type there, the one defining the most of
       the names the template's answer cell defines, ties going to the last one.
    4. What is still missing is restored from the template (a blank answer, or the locked
       cell, which nbgrader then overwrites from the gradebook) after the cell matched to its
       predecessor in the template.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The submission, changed in place.
    template : nbformat.NotebookNode
        The blank assignment (see :class:`RepairSubmission`); not changed.

    Returns
    -------
    list of str
        Notes on what was repaired, for the student and the instructor.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> meta = lambda gid, **kw: {"nbgrader": {"grade_id": gid, "schema_version": 3, **kw}}
    >>> template = new_notebook(cells=[
    ...     new_code_cell("def f():\\n    raise NotImplementedError()",
    ...                   metadata=meta("f", solution=True)),
    ...     new_code_cell("assert f() == 1",
    ...                   metadata=meta("t", grade=True, points=1, locked=True))])
    >>> nb = new_notebook(cells=[new_code_cell("def f():\\n    return 1"),
    ...                          new_code_cell("assert f() == 1")])   # metadata stripped
    >>> notes = repair_cells(nb, template)
    >>> [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
    ['f', 't']
    """
    notes = []
    tmeta = {}
    order = []
    for ti, cell in enumerate(template.cells):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            tmeta[gid] = ti
            order.append(ti)
    is_answer = {gid: bool(template.cells[ti].metadata.nbgrader.get("solution"))
                 for gid, ti in tmeta.items()}

    # 1. claims by metadata; unknown ids and duplicates lose their nbgrader metadata
    claims: dict = {}
    unknown = []
    for si, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {})
        if "nbgrader" not in meta:
            continue
        raw = meta.get("nbgrader")
        gid = raw.get("grade_id") if isinstance(raw, dict) else None
        if isinstance(gid, str) and gid in tmeta:
            claims.setdefault(gid, []).append(si)
        else:
            if isinstance(gid, str) and gid:
                unknown.append(gid)
            del meta["nbgrader"]
    pos: dict = {}  # template index -> submission index
    for gid, indices in claims.items():
        keep = indices[-1] if is_answer[gid] else indices[0]
        for si in indices:
            if si != keep:
                del nb.cells[si].metadata["nbgrader"]
        pos[tmeta[gid]] = keep
        if len(indices) > 1:
            which = "last" if is_answer[gid] else "first"
            notes.append(f"The cell {gid!r} appears {len(indices)} times (a copied cell?); the "
                         f"{which} copy was graded and the others were treated as ordinary cells.")
    if unknown:
        names = ", ".join(sorted(set(unknown)))
        notes.append(f"Cells with grade ids this assignment does not have ({names}) were treated "
                     f"as ordinary cells.")

    # 2. locked cells recognised by content
    claimed = set(pos.values())
    by_content = []
    for ti in order:
        if ti in pos or is_answer[template.cells[ti].metadata.nbgrader["grade_id"]]:
            continue
        want = _norm(template.cells[ti].source)
        for si, cell in enumerate(nb.cells):
            if (si not in claimed and "nbgrader" not in cell.get("metadata", {})
                    and cell.cell_type == template.cells[ti].cell_type
                    and _norm(cell.source) == want):
                pos[ti] = si
                claimed.add(si)
                by_content.append(template.cells[ti].metadata.nbgrader["grade_id"])
                break

    # 3. answer cells between their neighbours; unchanged instruction cells are not answers
    instructions = {_norm(c.source) for c in template.cells
                    if "grade_id" not in c.get("metadata", {}).get("nbgrader", {})}
    for ti in order:
        gid = template.cells[ti].metadata.nbgrader["grade_id"]
        if ti in pos or not is_answer[gid]:
            continue
        lo = max((pos[tk] for tk in pos if tk < ti), default=-1)
        hi = min((pos[tk] for tk in pos if tk > ti), default=len(nb.cells))
        kind = template.cells[ti].cell_type
        cands = [si for si in range(lo + 1, hi) if si not in claimed
                 and "nbgrader" not in nb.cells[si].get("metadata", {})
                 and nb.cells[si].cell_type == kind
                 and _norm(nb.cells[si].source) not in instructions]
        if not cands:
            continue
        want = _defined_names(template.cells[ti].source) if kind == "code" else set()
        best = max(cands, key=lambda si: (len(want & _defined_names(nb.cells[si].source)), si))
        if want and not want & _defined_names(nb.cells[best].source) and len(cands) > 1:
            continue  # several unrelated cells: guessing would grade the wrong one
        pos[ti] = best
        claimed.add(best)
        by_content.append(gid)
    if by_content:
        notes.append(f"{len(by_content)} graded or locked cell(s) had no nbgrader metadata; they "
                     f"were recognised by their content and position: {', '.join(by_content)}.")

    # give every claimed cell the template's metadata
    for ti, si in pos.items():
        nb.cells[si].metadata["nbgrader"] = copy.deepcopy(template.cells[ti].metadata.nbgrader)

    # 4. restore what is missing, each after its template predecessor
    restored = []
    for ti in order:
        if ti in pos:
            continue
        before = [pos[tk] for tk in pos if tk < ti]
        at = max(before) + 1 if before else _first_content_index(nb)
        cell = copy.deepcopy(template.cells[ti])
        cell.pop("id", None)
        nb.cells.insert(at, cell)
        for tk in pos:
            if pos[tk] >= at:
                pos[tk] += 1
        pos[ti] = at
        restored.append(template.cells[ti].metadata.nbgrader["grade_id"])
    if restored:
        answers = [g for g in restored if is_answer[g]]
        others = [g for g in restored if not is_answer[g]]
        parts = []
        if others:
            parts.append(f"restored from the assignment: {', '.join(others)}")
        if answers:
            parts.append(f"answer cell(s) not found, graded as blank: {', '.join(answers)}")
        notes.append(f"{len(restored)} cell(s) were missing from the submission; "
                     + "; ".join(parts) + ".")
    _unique_cell_ids(nb)
    return notes


def _first_content_index(nb) -> int:
    """Index after the leading note cell, if any."""
    return 1 if nb.cells and nb.cells[0].get("metadata", {}).get(META_KEY, {}).get("note") else 0


def _read_source(pp, resources):
    path = _source_notebook_path(pp, resources)
    if not path.is_file():
        raise FileNotFoundError(f"the source notebook {path} of this assignment is missing; "
                                f"grading needs the instructor's notebook")
    return nbformat.read(os.fspath(path), as_version=4)


class RepairSubmission(NbGraderPreprocessor):
    """First sanitize preprocessor: clear the old scores, then make the notebook gradable.

    Before anything else it sets every automatic score of this submission notebook in the
    gradebook to 0, flags it for manual grading and leaves a comment saying grading did not
    finish; ``SaveAutoGrades`` replaces all three when grading succeeds, so a re-grade that
    fails at any later step (or a grader that is killed) never leaves the old score standing.

    Then it compares the notebook with the blank assignment (the instructor's source notebook
    with solutions replaced by nbgrader's stubs and hidden tests removed) and repairs it with
    :func:`repair_cells`: ids, duplicates, stripped metadata, deleted cells.  A notebook with
    no cells, or a file that could not be read, becomes the blank assignment (0 points).  A
    kernel other than the assignment's is noted (the notebook is run with the assignment's).
    Every repair is written to the note cell and logged.
    """

    clear_old_scores = Bool(True, help="Zero and flag the submission's scores before grading "
                                       "it, so a failed re-grade leaves no old score."
                            ).tag(config=True)

    def preprocess(self, nb, resources):
        who = _who(resources)
        if self.clear_old_scores:
            self._clear_old_scores(resources)
        template = _template(self, _read_source(self, resources))
        readable = not notes_of(nb)["review"]
        content = [c for c in nb.cells if not c.get("metadata", {}).get(META_KEY)]
        notes = []
        kernel = nb.metadata.get("kernelspec", {}) or {}
        want = template.metadata.get("kernelspec", {}) or {}
        if content and kernel.get("name") and want.get("name") and kernel["name"] != want["name"]:
            saved = kernel.get("display_name") or kernel["name"]
            used = want.get("display_name") or want["name"]
            notes.append(f"The notebook was saved with the kernel {saved!r}; it was graded with "
                         f"the assignment's kernel {used!r}.")
        repairs = repair_cells(nb, template)
        if not content and readable:
            notes.append("The notebook has no cells; it was graded as the blank assignment "
                         "(0 points).")
        elif content:
            notes.extend(repairs)
        add_notes(nb, notes)
        for text in notes:
            self.log.warning("%s: %s", who, text)
        return nb, resources

    def _clear_old_scores(self, resources) -> None:
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                sub = gb.find_submission_notebook(info["notebook"], info["assignment"],
                                                  info["student"])
            except MissingEntry:
                return
            for grade in sub.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = True
            for comment in sub.comments:
                comment.auto_comment = PENDING_COMMENT
            gb.db.commit()


# ----------------------------------------------------------------------------- limits, paths

class SandboxLimits(Configurable):
    """Resource limits for the sandboxed processes, configurable as ``c.SandboxLimits.<name>``.

    Unset values take :class:`autograder.sandbox.Limits`' defaults.  ``wall_seconds`` is the
    time one trusted test cell may spend in the student's functions; the wall time of a whole
    notebook run is ``SandboxedExecute.wall_seconds``.
    """

    cpu_seconds = Integer(None, allow_none=True, help="CPU seconds per process.").tag(config=True)
    wall_seconds = Float(None, allow_none=True,
                         help="Wall seconds of one trusted test cell.").tag(config=True)
    memory_bytes = Integer(None, allow_none=True,
                           help="Address space per process.").tag(config=True)
    processes = Integer(None, allow_none=True,
                        help="Processes of the sandbox user.").tag(config=True)
    file_bytes = Integer(None, allow_none=True, help="Largest file written.").tag(config=True)
    open_files = Integer(None, allow_none=True, help="Open file descriptors.").tag(config=True)
    output_bytes = Integer(None, allow_none=True,
                           help="stdout and stderr kept per run.").tag(config=True)

    names = ("cpu_seconds", "wall_seconds", "memory_bytes", "processes", "file_bytes",
             "open_files", "output_bytes")

    def limits(self, **defaults):
        """A :class:`autograder.sandbox.Limits` of the configured values, else ``defaults``."""
        from autograder.sandbox import Limits

        values = dict(defaults)
        values.update({n: getattr(self, n) for n in self.names if getattr(self, n) is not None})
        return Limits(**values)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _interpreter_paths() -> list:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable)}
    return sorted({Path(p).resolve() for p in paths})


def hidden_paths(course_root, *, db_url: str | None = None, extra=(), keep=None) -> list:
    """The paths a sandboxed submission must not see.

    Everything in the course folder (gradebook, source, submitted, autograded, feedback and
    release folders, the config, logs, anything else), the source checkout of this package
    when the grader runs from one, the package itself, and a SQLite gradebook kept elsewhere.
    A folder that holds the interpreter (a virtual environment inside the course folder) is
    kept visible, since the sandboxed kernel runs on it.

    Parameters
    ----------
    course_root : str or os.PathLike
        The course folder (nbgrader's ``CourseDirectory.root``).
    db_url : str, optional
        nbgrader's ``CourseDirectory.db_url``; a ``sqlite:///`` file outside the course is hidden.
    extra : sequence of path-like
        More paths to hide.
    keep : sequence of path-like, optional
        Paths that must stay visible (default: the running interpreter's prefixes).

    Returns
    -------
    list of pathlib.Path
        Sorted, resolved, existing paths.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("gradebook.db", "nbgrader_config.py", ".venv"):
    ...     (root / name).touch()
    >>> [p.name for p in hidden_paths(root, keep=[root / ".venv"]) if p.parent == root]
    ['gradebook.db', 'nbgrader_config.py']
    """
    keep = [Path(p).resolve() for p in (keep if keep is not None else _interpreter_paths())]
    package = Path(__file__).resolve().parent
    project = package.parent
    roots = [Path(course_root).resolve()]
    if (project / "nbgrader_config.py").is_file() or (project / "source_notebooks").is_dir():
        roots.append(project)
    found = {package} if not any(_inside(k, package) for k in keep) else set()
    for root in roots:
        if not root.is_dir():
            continue
        if not any(_inside(k, root) for k in keep):
            found.add(root)
            continue
        for entry in root.iterdir():
            entry = entry.resolve()
            if not any(_inside(k, entry) for k in keep):
                found.add(entry)
    if db_url and db_url.startswith("sqlite:///"):
        db = Path(db_url[len("sqlite:///"):])
        db = (Path(course_root) / db) if not db.is_absolute() else db
        if db.exists():
            found.add(db.resolve())
    found.update(Path(p).resolve() for p in extra if Path(p).exists())
    # A path inside another hidden path is hidden with it.
    result = sorted(found)
    return [p for p in result if not any(q != p and _inside(p, q) for q in result)]


def _load(obj):
    """A class or function given as itself or as a dotted name."""
    if isinstance(obj, str):
        module, _, name = obj.rpartition(".")
        return getattr(importlib.import_module(module), name)
    return obj


def _log_missing_once(log, box=None) -> None:
    """Log, once per process, which sandbox defences this machine lacks.

    ``box`` is a live sandbox to ask; without one a default sandbox is opened to ask.
    """
    if "sandbox" in _LOGGED_ONCE:
        return
    _LOGGED_ONCE.add("sandbox")
    try:
        if box is None:
            from autograder.sandbox import Sandbox

            with Sandbox() as probe:
                missing = list(probe.missing())
        else:
            missing = list(box.missing())
    except Exception as exc:  # a sandbox that cannot start or describe itself is reported
        missing = [f"the sandbox could not report its defences ({type(exc).__name__}: {exc})"]
    if missing:
        log.warning("Sandbox defences missing on this machine (submissions are less "
                    "contained than designed):\n%s", "\n".join(f"  - {m}" for m in missing))
    else:
        log.info("Sandbox: every defence is active on this machine")


# ----------------------------------------------------------------------------- outputs

def _text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return None


def _clean_output(item, mimetypes):
    """One output rebuilt from its expected fields only, or None when it is not usable."""
    if not isinstance(item, dict):
        return None
    kind = item.get("output_type")
    if kind == "stream":
        text = _text(item.get("text"))
        if item.get("name") not in ("stdout", "stderr") or text is None:
            return None
        return new_output("stream", name=item["name"], text=text)
    if kind == "error":
        trace = item.get("traceback")
        trace = [t for t in trace if isinstance(t, str)][:200] if isinstance(trace, list) else []
        return new_output("error", ename=_text(item.get("ename")) or "Error",
                          evalue=_text(item.get("evalue")) or "", traceback=trace)
    if kind in ("display_data", "execute_result"):
        data = item.get("data")
        if not isinstance(data, dict):
            return None
        data = {m: _text(v) for m, v in data.items() if m in mimetypes and _text(v) is not None}
        if not data:
            return None
        if kind == "display_data":
            return new_output("display_data", data=data)
        count = item.get("execution_count")
        count = count if _is_int(count) else None
        return new_output("execute_result", data=data, execution_count=count)
    return None


def clean_outputs(raw, *, mimetypes=SAFE_MIMETYPES, max_bytes: int = 256 * 2**10) -> list:
    """Rebuild a cell's outputs from untrusted JSON, keeping safe fields and at most ``max_bytes``.

    Parameters
    ----------
    raw : object
        What the sandboxed run reported for one cell (expected: a list of output dicts).
    mimetypes : sequence of str
        Rich-output types kept; others (HTML, JavaScript, SVG, widgets) are dropped.
    max_bytes : int
        Size budget of the cell's outputs as JSON; outputs past it are replaced by a note.

    Returns
    -------
    list of nbformat.NotebookNode
        Valid nbformat 4 outputs.

    Examples
    --------
    >>> outs = clean_outputs([{"output_type": "stream", "name": "stdout", "text": "hi\\n",
    ...                        "extra": "dropped"},
    ...                       {"output_type": "display_data",
    ...                        "data": {"text/html": "<script>", "text/plain": "x"}},
    ...                       {"output_type": "bogus"}])
    >>> [(o.output_type, o.get("text"), o.get("data")) for o in outs]
    [('stream', 'hi\\n', None), ('display_data', None, {'text/plain': 'x'})]
    """
    outputs, used = [], 0
    if not isinstance(raw, list):
        return outputs
    for item in raw:
        node = _clean_output(item, mimetypes)
        if node is None:
            continue
        size = len(json.dumps(node))
        if used + size > max_bytes:
            outputs.append(new_output("stream", name="stderr",
                                      text=f"[output truncated: this cell printed more than "
                                           f"{max_bytes} bytes]\n"))
            break
        outputs.append(node)
        used += size
    return outputs


_ENAME = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Timeout|Warning)):"
                    r"\s?(.*)$", re.S)


def trusted_outputs(passed: bool, points: float, max_points: float, message: str = "") -> list:
    """The outputs a test cell gets from a trusted result, so nbgrader scores it exactly so.

    nbgrader's ``determine_grade`` gives 0 to a test cell with an error or stderr output, the
    number in an ``execute_result`` when there is one (partial credit), and full points
    otherwise.

    Parameters
    ----------
    passed : bool
        Whether the test passed.
    points, max_points : float
        Points earned and available.
    message : str
        The check's message (for a failed or partly passed test); ``"Name: text"`` keeps
        ``Name`` as the error's name, otherwise it is an ``AssertionError``.

    Returns
    -------
    list of nbformat.NotebookNode
        Passed: one stdout line.  Failed: one error output whose value and traceback are the
        message's lines (no code).  Partial: a stdout line and an ``execute_result`` holding
        the points.

    Examples
    --------
    >>> [o["text"] for o in trusted_outputs(True, 3, 3)]
    ['passed: 3/3 points (graded outside the notebook)\\n']
    >>> err = trusted_outputs(False, 0, 1, "mode='same' is off by one")[0]
    >>> err["ename"], err["evalue"], err["traceback"]
    ('AssertionError', "mode='same' is off by one", ["AssertionError: mode='same' is off by one"])
    """
    max_points = float(max_points)
    points = min(max(float(points), 0.0), max_points)
    message = str(message or "").strip()
    if passed and points >= max_points:
        text = f"passed: {points:g}/{max_points:g} points (graded outside the notebook)\n"
        text += f"{message}\n" if message else ""
        return [new_output("stream", name="stdout", text=text)]
    if points > 0:
        text = f"partial credit: {points:g}/{max_points:g} points (graded outside the notebook)"
        text += f": {message}\n" if message else "\n"
        return [new_output("stream", name="stdout", text=text),
                new_output("execute_result", data={"text/plain": f"{points:g}"},
                           execution_count=None)]
    match = _ENAME.match(message)
    ename, evalue = ((match.group(1), match.group(2).strip()) if match
                     else ("AssertionError", message))
    evalue = evalue or "the test failed"
    return [new_output("error", ename=ename, evalue=evalue,
                       traceback=f"{ename}: {evalue}".splitlines())]


# ----------------------------------------------------------------------------- sandboxed run

# Runs inside the sandbox as `python -I -c _RUNNER` with a JSON request on stdin: executes the
# code cells with nbclient and a fresh python3 kernel (over Unix sockets, so no network is
# needed), one result line per cell on the original stdout, which the kernel cannot inherit.
# Nothing it prints is trusted: the grader rebuilds every output it keeps.
_RUNNER = r'''
import json, os, sys

sys.modules["rfc3987_syntax"] = None  # an optional jsonschema plugin that takes 1.5 s to import

def main():
    result = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the kernel inherits fd 1: point it at stderr, away from the results
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    token, cap = request["token"], request["max_cell_bytes"]

    def emit(record):
        result.write(token + json.dumps(record) + "\n")
        result.flush()

    def error(ename, evalue):
        return {"output_type": "error", "ename": ename, "evalue": evalue,
                "traceback": [ename + ": " + evalue]}

    def capped(outputs):
        kept, used = [], 0
        for out in outputs:
            size = len(json.dumps(out))
            if used + size > cap:
                kept.append({"output_type": "stream", "name": "stderr",
                             "text": "[output truncated: this cell printed more than %d "
                                     "bytes]\n" % cap})
                break
            kept.append(out)
            used += size
        return kept

    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbformat.v4 import new_code_cell, new_notebook
    from traitlets.config import Config

    cells = [new_code_cell(source) for source in request["sources"]]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {
        "name": request["kernel_name"], "display_name": "Python 3", "language": "python"}})
    # Kernel files (connection file, sockets) go in a hidden folder of the working
    # directory, with names short enough for a Unix socket path.
    private = os.path.join(os.getcwd(), ".jr")
    os.makedirs(private, exist_ok=True)
    timeout = request["timeout"]
    pos = kernels = 0
    while pos < len(cells):
        kernels += 1
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(private, "k%d" % kernels)
        config.KernelManager.connection_file = os.path.join(private, "k%d.json" % kernels)
        client = NotebookClient(
            nb, timeout=timeout, startup_timeout=request["startup_timeout"],
            kernel_name=request["kernel_name"], allow_errors=True, interrupt_on_timeout=False,
            extra_arguments=request["extra_arguments"], record_timing=False,
            shutdown_kernel="immediate", resources={"metadata": {"path": os.getcwd()}},
            config=config)
        started = pos
        try:
            with client.setup_kernel():
                while pos < len(cells):
                    cell, fresh = cells[pos], False
                    try:
                        client.execute_cell(cell, pos)
                    except CellTimeoutError:
                        cell.outputs.append(error("CellTimeoutError",
                            "the cell ran for more than %s s and was stopped; the cells after "
                            "it ran in a fresh kernel" % timeout))
                        fresh = True
                    except DeadKernelError:
                        cell.outputs.append(error("DeadKernelError",
                            "the kernel died while running this cell (it exited, crashed or hit "
                            "a resource limit); the cells after it ran in a fresh kernel"))
                        fresh = True
                    except Exception as exc:
                        cell.outputs.append(error("ExecutionError",
                                                  "%s: %s" % (type(exc).__name__, exc)))
                        fresh = True
                    emit({"cell": pos, "outputs": capped(cell.get("outputs", [])),
                          "execution_count": cell.get("execution_count")})
                    pos += 1
                    if fresh:
                        break
        except Exception as exc:
            if pos == started:  # the kernel never ran a cell: it will not start again
                for rest in range(pos, len(cells)):
                    emit({"cell": rest, "execution_count": None, "outputs": [error(
                        "KernelStartError", "the kernel could not be started: %s: %s"
                        % (type(exc).__name__, exc))]})
                break
    emit({"done": True})

main()
'''


def _parse_run(stdout, token: str, n_cells: int) -> tuple:
    """``({cell position: (outputs, execution_count)}, finished)`` from the runner's stdout."""
    if isinstance(stdout, bytes):
        stdout = stdout.decode("utf-8", errors="replace")
    results, done = {}, False
    for line in (stdout or "").splitlines():
        if not line.startswith(token):
            continue
        try:
            record = json.loads(line[len(token):])
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        if record.get("done") is True:
            done = True
            continue
        pos = record.get("cell")
        if _is_int(pos) and 0 <= pos < n_cells and pos not in results:
            results[pos] = (record.get("outputs"), record.get("execution_count"))
    return results, done


def _stop_reason(run, wall) -> str:
    """Why a sandboxed run ended early, in words."""
    reasons = []
    if getattr(run, "timed_out", False):
        reasons.append(f"it ran longer than the wall-time limit of {wall:g} s")
    if getattr(run, "output_truncated", False):
        reasons.append("its output went over the size limit")
    reasons.extend(str(r) for r in (getattr(run, "killed", None) or []))
    if not reasons:
        code = getattr(run, "returncode", None)
        reasons.append(f"the runner exited with status {code}")
    return "; ".join(dict.fromkeys(reasons))


class SandboxedExecute(Execute):
    """Run the notebook in a :class:`autograder.sandbox.Sandbox` instead of nbgrader's kernel.

    Configure it in ``Autograde.autograde_preprocessors`` in place of ``Execute``; being a
    subclass, it follows ``c.ExecutePreprocessor.timeout`` (seconds per cell),
    ``startup_timeout``, ``extra_arguments`` and ``--no-execute``.

    The sandboxed process gets only the code cells' sources, with the hidden-test regions of
    test cells removed (their grades come from :class:`TrustedGrades`), and runs them with
    nbclient and a fresh ``python3`` kernel in the sandbox's empty working directory, with
    the course files hidden (:func:`hidden_paths`) and the limits of :class:`SandboxLimits`.
    Only the code cells' outputs and execution counts come back, rebuilt by
    :func:`clean_outputs`; sources and metadata of the notebook are never taken from the
    sandbox.  A cell that runs too long or kills its kernel gets an error output and the
    cells after it run in a new kernel; if the whole run is stopped (wall time, output size),
    the cell it stopped in says so and the notebook is flagged for review.
    """

    sandbox_class = Any("autograder.sandbox.Sandbox",
                        help="The sandbox class, or its dotted name.").tag(config=True)
    max_cell_output_bytes = Integer(256 * 2**10,
                                    help="Output kept per cell, in bytes.").tag(config=True)
    output_mimetypes = List(list(SAFE_MIMETYPES), help="Rich output types kept.").tag(config=True)
    hide = List([], help="More paths to hide from the sandbox.").tag(config=True)
    wall_seconds = Float(0.0, help="Wall-time limit of a whole notebook run; 0 means the "
                                   "per-cell timeout times the number of code cells plus the "
                                   "kernel's startup time.").tag(config=True)

    @validate("sandbox_class")
    def _check_sandbox_class(self, proposal):
        value = proposal["value"]
        if not isinstance(value, (str, type)):
            from traitlets import TraitError

            raise TraitError(f"SandboxedExecute.sandbox_class must be a class or a dotted "
                             f"name, got {value!r}")
        return value

    def preprocess(self, nb, resources=None, km=None):
        resources = resources if resources is not None else {}
        who = _who(resources)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        for cell in code:
            cell.outputs, cell.execution_count = [], None
        if not code:
            return nb, resources
        begin, end = _delimiters(self)
        sources = [strip_hidden_tests(c.source, begin, end)[0] if _is_test_cell(c) else c.source
                   for c in code]
        timeout = int(self.timeout) if self.timeout and self.timeout > 0 else 30
        startup = int(self.startup_timeout or 60)
        wall = float(timeout * len(code) + startup + 10)
        token = f"@@result-{secrets.token_hex(8)}@@"
        request = {"token": token, "sources": sources, "timeout": timeout,
                   "startup_timeout": startup, "kernel_name": self.kernel_name or "python3",
                   "extra_arguments": list(self.extra_arguments) or
                   ["--HistoryManager.hist_file=:memory:"],
                   "max_cell_bytes": int(self.max_cell_output_bytes)}
        try:
            if self.wall_seconds:
                wall = float(self.wall_seconds)
            limits = dataclasses.replace(SandboxLimits(parent=self).limits(), wall_seconds=wall)
            cd = _coursedir(self)
            hide = hidden_paths(cd.root, db_url=resources.get("nbgrader", {}).get("db_url"),
                                extra=self.hide)
            sandbox = _load(self.sandbox_class)
            with sandbox(limits, hide=hide) as box:
                _log_missing_once(self.log, box)
                env = {"NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "Agg",
                       "PYTHONDONTWRITEBYTECODE": "1", "JUPYTER_PLATFORM_DIRS": "1",
                       "JUPYTER_RUNTIME_DIR": os.fspath(Path(box.workdir) / ".jr"),
                       "IPYTHONDIR": os.fspath(Path(box.workdir) / ".jr" / "ipython"),
                       "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
                run = box.run([sys.executable, "-I", "-c", _RUNNER],
                              input=json.dumps(request).encode("utf-8"), env=env)
        except Exception as exc:
            self.log.error("%s: the notebook could not be run in the sandbox:\n%s", who,
                           traceback.format_exc())
            add_notes(nb, review=[f"The notebook could not be run in the sandbox "
                                  f"({type(exc).__name__}: {_shorten(str(exc), 200)}); its cells "
                                  f"have no outputs. Scores come from the trusted checks."])
            return nb, resources
        results, done = _parse_run(run.stdout, token, len(code))
        for pos, cell in enumerate(code):
            if pos in results:
                outputs, count = results[pos]
                cell.outputs = clean_outputs(outputs, mimetypes=self.output_mimetypes,
                                             max_bytes=self.max_cell_output_bytes)
                cell.execution_count = count if _is_int(count) else None
        if not done:
            stopped = next((p for p in range(len(code)) if p not in results), None)
            reason = _stop_reason(run, wall)
            if stopped is not None:
                code[stopped].outputs.append(new_output(
                    "error", ename="SandboxStopped", evalue=f"the notebook's run was stopped "
                    f"here: {reason}", traceback=[f"SandboxStopped: {reason}"]))
            where = (f"in code cell {stopped + 1} of {len(code)}" if stopped is not None
                     else "at the end")
            text = (f"Running the notebook in the sandbox was stopped {where} ({reason}); later "
                    f"cells have no outputs. Scores come from the trusted checks.")
            self.log.warning("%s: %s", who, text)
            add_notes(nb, review=[text])
        return nb, resources


# ----------------------------------------------------------------------------- trusted grades

class TrustedGrades(NbGraderPreprocessor):
    """Set every autograded test cell's outputs from checks run outside the student's kernel.

    Place it just before ``SaveAutoGrades``.  It calls
    ``grade_function(submitted_nb, source_nb, limits, hide=paths)`` (by default
    :func:`autograder.trusted.grade_test_cells`) with the notebook being graded, the
    instructor's source notebook (hidden tests included), :class:`SandboxLimits` and the
    course files to hide (:func:`hidden_paths`), and
    replaces each test cell's outputs with :func:`trusted_outputs` of its result, so
    ``SaveAutoGrades`` stores exactly the trusted score: nothing the notebook printed, raised
    or patched while it ran counts.  A test with no result fails with a message saying so.  If
    the grade function raises, every test gets 0, the error goes to the log and the notebook
    is flagged as failed (see :class:`FlagForReview`).
    """

    grade_function = Any("autograder.trusted.grade_test_cells",
                         help="Callable (or dotted name) computing the trusted results."
                         ).tag(config=True)

    def preprocess(self, nb, resources):
        who = _who(resources)
        tests = [cell for cell in nb.cells if _is_test_cell(cell)]
        if not tests:
            return nb, resources
        failure = None
        by_id = {}
        try:
            source_nb = _read_source(self, resources)
            _log_missing_once(self.log)
            grade = _load(self.grade_function)
            limits = SandboxLimits(parent=self).limits()
            cd = _coursedir(self)
            hide = hidden_paths(cd.root, db_url=resources["nbgrader"].get("db_url"))
            for result in grade(copy.deepcopy(nb), source_nb, limits, hide=hide):
                by_id[result.grade_id] = result
        except Exception as exc:
            self.log.error("%s: trusted grading failed:\n%s", who, traceback.format_exc())
            failure = f"{type(exc).__name__}: {_shorten(str(exc), 200)}"
            add_notes(nb, review=[f"Grading could not be completed (the trusted grader failed: "
                                  f"{failure}); every autograded test of this notebook was given "
                                  f"0 points."], failed=True)
        for cell in tests:
            meta = cell.metadata.nbgrader
            gid, max_points = meta["grade_id"], float(meta.get("points", 0))
            result = by_id.get(gid)
            if result is None:
                message = (f"grading failed ({failure})" if failure else
                           "this test was not run by the trusted grader")
                cell.outputs = trusted_outputs(False, 0, max_points, message)
                continue
            # Scaled to the gradebook's points, which OverwriteCells took from the gradebook.
            scale = float(getattr(result, "max_points", 0) or 0)
            points = (float(result.points) * max_points / scale if scale > 0
                      else (max_points if result.passed else 0.0))
            cell.outputs = trusted_outputs(bool(result.passed), points, max_points,
                                        getattr(result, "message", "") or "")
        return nb, resources


class FlagForReview(NbGraderPreprocessor):
    """After ``SaveAutoGrades``: flag a notebook whose grading needs a person, saying why.

    When the notebook's notes hold review reasons (unreadable file, a run the sandbox stopped,
    a grading failure), every grade of the submission notebook is marked as needing manual
    grading and every comment gets the reasons as its automatic comment (shown in the
    formgrader and in the feedback).  When grading failed, every automatic score is also set
    to 0.  Without review reasons it does nothing; ``SaveAutoGrades`` has already cleared the
    flags :class:`RepairSubmission` set before grading.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        record = notes_of(nb)
        if not record["review"] and not record["failed"]:
            return nb, resources
        info = resources["nbgrader"]
        text = "Flagged for manual grading: " + " ".join(record["review"])
        with Gradebook(info["db_url"]) as gb:
            sub = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            for grade in sub.grades:
                grade.needs_manual_grade = True
                if record["failed"]:
                    grade.auto_score = 0
            for comment in sub.comments:
                comment.auto_comment = text
            gb.db.commit()
        self.log.warning("%s: %s", _who(resources), text)
        return nb, resources


# ----------------------------------------------------------------------------- configuration

#: Autograde's sanitize pass: the repair first, then nbgrader's own steps.
SANITIZE_PREPROCESSORS = [RepairSubmission, ClearOutput, DeduplicateIds, OverwriteKernelspec,
                          OverwriteCells, CheckCellMetadata]
#: Autograde's grading pass: nbgrader's, with Execute sandboxed and trusted grades saved.
AUTOGRADE_PREPROCESSORS = [SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor,
                           LimitOutput, TrustedGrades, SaveAutoGrades, FlagForReview,
                           AssignLatePenalties, CheckCellMetadata]
#: generate_feedback: hidden tests removed from test cells before nbgrader's steps.
FEEDBACK_PREPROCESSORS = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]


def configure(c):
    """Switch an nbgrader config to trusted grading; call it from ``nbgrader_config.py``.

    Parameters
    ----------
    c : traitlets.config.Config
        The config object nbgrader passes to ``nbgrader_config.py`` (``get_config()``).

    Returns
    -------
    traitlets.config.Config
        ``c``, with the exporter, pre-convert hook and preprocessor lists of ``Autograde``
        and ``GenerateFeedback`` set (see the module docstring).  Calling it twice is harmless.

    Raises
    ------
    TypeError
        If ``c`` is not a traitlets Config.

    Examples
    --------
    >>> from traitlets.config import Config
    >>> c = configure(Config())
    >>> c.Autograde.autograde_preprocessors[0].__name__
    'SandboxedExecute'
    """
    from traitlets.config import Config

    if not isinstance(c, Config):
        raise TypeError(f"c must be a traitlets.config.Config (get_config() in "
                        f"nbgrader_config.py), got {type(c).__name__}")
    c.Autograde.exporter_class = RobustNotebookExporter
    c.Autograde.pre_convert_hook = find_renamed_notebooks
    c.Autograde.sanitize_preprocessors = list(SANITIZE_PREPROCESSORS)
    c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
    c.GenerateFeedback.preprocessors = list(FEEDBACK_PREPROCESSORS)
    return c
