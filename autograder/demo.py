"""Grade the bundled demo classes through the real nbgrader pipeline (``make demo``).

Each assignment with a demo class has a folder ``demo/<assignment>/`` (``demo/ps1-correlation/``,
``demo/ps2-conv-layer/``, ...): ``manifest.json`` names the assignment and its notebook and lists
the students and what each one's submission is meant to show, ``students/<id>.py`` holds a
student's cells (one ``# %% <grade_id>`` section per cell), and ``raw/`` holds submissions kept
byte for byte (a notebook that is not valid JSON).  Submissions are built from the committed
release notebook each run, so a class cannot drift from what students receive.

:func:`main` wipes and rebuilds a scratch folder (``.demo/`` by default) and grades every class
in a course directory of its own, ``.demo/<assignment>/`` (so the classes can be graded in
parallel, one per core), running nbgrader as an instructor would, each step a
``python -m nbgrader`` subprocess::

    nbgrader db student import students.csv
    nbgrader generate_assignment <assignment>
    (submissions placed in submitted/<student>/<assignment>/)
    nbgrader autograde <assignment>
    nbgrader generate_feedback <assignment>
    nbgrader export --to grades.csv

The course's ``nbgrader_config.py`` is used as it is, so every defence of trusted grading
(:mod:`autograder.nbgrader_plugins`) is on: submissions run in the sandbox, scores come from
checks outside the student's kernel, broken notebooks are graded with a note.

It then prints, for each assignment in order, one table with a row per student: autograded
score, which test cells passed, the mistakes the checks named in the graded notebook, the
grader's notes, and the intent from the manifest.  An independent *re-check* runs each
student's answer cells and the instructor's test cells in a fresh Python process in which
numpy.testing is a copy taken before any student code ran; where nbgrader awarded points that
the re-check does not support, the row says so (stock, in-kernel grading lets a submission
that patches numpy.testing do that).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder._validation import as_int
from autograder.nbgrader_plugins import notes_of, read_submission
from autograder.sandbox import describe_defences
from autograder.notebooks import (
    answer_cells,
    cells_by_grade_id,
    error_messages,
    grade_cells,
    grade_id,
    nbgrader_metadata,
    read_notebook,
    run_nbgrader,
    scratch_course,
    write_notebook,
)

__all__ = [
    "DEMO_DIR",
    "DemoReport",
    "DemoResult",
    "ROOT",
    "SCRATCH",
    "Student",
    "StudentResult",
    "build_submission",
    "demo_classes",
    "format_table",
    "grade_class",
    "load_manifest",
    "main",
    "named_mistakes",
    "read_student_cells",
    "trusted_recheck",
]

ROOT = Path(__file__).resolve().parents[1]
#: The bundled class, one folder per assignment.
DEMO_DIR = ROOT / "demo"
#: Default scratch course directory (ignored by git); wiped and rebuilt on every run.
SCRATCH = ROOT / ".demo"
#: Written into every scratch directory this module creates; only such folders are wiped.
MARKER = ".autograder-demo"
#: Seconds a single notebook cell may run under nbgrader before it is interrupted.
CELL_TIMEOUT = 30
#: The sentence the table prints when nbgrader gave points the independent re-check rejects.
FORGED = ("nbgrader awarded {points:g} points that the independent re-check does not support: "
          "this submission forged its grade")

_SECTION = re.compile(r"^# %% (\S+)\s*$")
_MISTAKE = re.compile(r"Likely mistake:\s*(.+?)\s*(?:\bHint:|\n|$)")
_FORBIDDEN = re.compile(r"your \w+ called ([A-Za-z_][\w.]*)")
_REFUSED_IMPORT = re.compile(r"import of '([A-Za-z_][\w.]*)' is not allowed")
_EXPECTS = ("full", "mistake", "zero", "broken", "cheat")


@dataclass(frozen=True)
class Student:
    """One demo student, as described by the manifest."""

    id: str
    first_name: str
    last_name: str
    intent: str
    expect: str
    mistakes: tuple = ()
    answers: Path | None = None
    raw: Path | None = None
    delete_cells: tuple = ()
    base: Path | None = None

    def cells(self) -> dict:
        """The student's answer cells by grade id: the base student's, then this one's own.

        A manifest entry may name ``"base": "<id of another student>"``; the student's file
        then holds only the cells that differ from that student's (a correct solution with
        one mistake, say), so the class does not repeat the same code in every file.
        """
        found = read_student_cells(self.base) if self.base is not None else {}
        if self.answers is not None:
            found.update(read_student_cells(self.answers))
        return found


@dataclass
class StudentResult:
    """What grading found for one student.

    ``score`` is nbgrader's total from grades.csv (the hand-graded answer counts 0 until an
    instructor grades it); ``cells`` maps each autograded test cell to whether nbgrader gave it
    full points; ``recheck_cells`` is the same for the trusted re-check.
    """

    student: Student
    graded: bool = False
    score: float | None = None
    max_score: float = 0.0
    cells: dict = field(default_factory=dict)
    mistakes: list = field(default_factory=list)
    recheck_score: float | None = None
    recheck_cells: dict = field(default_factory=dict)
    recheck_mistakes: list = field(default_factory=list)
    forged_points: float = 0.0
    tampered: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    problem: str | None = None
    feedback: Path | None = None


@dataclass
class DemoResult:
    """What :func:`grade_class` produced for one demo class."""

    scratch: Path
    assignment: str
    notebook: str
    rows: list
    table: str
    grades_csv: Path
    feedback_files: list
    seconds: float
    timings: dict


@dataclass
class DemoReport:
    """What :func:`main` produced: one :class:`DemoResult` per class, in order."""

    scratch: Path
    results: list
    seconds: float

    def __getitem__(self, assignment: str) -> DemoResult:
        """The result of the class for ``assignment``."""
        for result in self.results:
            if result.assignment == assignment:
                return result
        known = ", ".join(repr(r.assignment) for r in self.results)
        raise KeyError(f"assignment must be one of {known}, got {assignment!r}")


# ----------------------------------------------------------------------------- the class

def load_manifest(assignment_dir) -> tuple[dict, list[Student]]:
    """Read ``manifest.json`` of a demo assignment folder.

    Parameters
    ----------
    assignment_dir : str or os.PathLike
        E.g. ``demo/ps1-correlation``.

    Returns
    -------
    dict
        The manifest's top-level settings (``assignment``, ``notebook``, ``timestamp``).
    list of Student
        The students, in manifest order, with paths made absolute.

    Raises
    ------
    ValueError
        If a student's id repeats, its ``expect`` is unknown, or a file it names is missing.
    """
    folder = Path(assignment_dir)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    answers_of = {entry.get("id"): entry.get("answers") for entry in manifest["students"]}
    students, seen = [], set()
    for entry in manifest["students"]:
        sid = entry["id"]
        if sid in seen:
            raise ValueError(f"manifest students must have unique ids, got {sid!r} twice")
        seen.add(sid)
        if entry["expect"] not in _EXPECTS:
            raise ValueError(f"expect of student {sid!r} must be one of {', '.join(_EXPECTS)}, "
                             f"got {entry['expect']!r}")
        paths = {}
        for key in ("answers", "raw"):
            if entry.get(key):
                paths[key] = folder / entry[key]
                if not paths[key].is_file():
                    raise ValueError(f"{key} of student {sid!r} must be an existing file, "
                                     f"got {entry[key]!r}")
        base = entry.get("base")
        if base is not None and (base == sid or not answers_of.get(base)):
            raise ValueError(f"base of student {sid!r} must be another student with answers, "
                             f"got {base!r}")
        students.append(Student(
            id=sid, first_name=entry["first_name"], last_name=entry["last_name"],
            intent=entry["intent"], expect=entry["expect"],
            mistakes=tuple(entry.get("mistakes", ())), answers=paths.get("answers"),
            raw=paths.get("raw"), delete_cells=tuple(entry.get("delete_cells", ())),
            base=folder / answers_of[base] if base is not None else None))
    settings = {key: value for key, value in manifest.items() if key != "students"}
    return settings, students


def read_student_cells(path) -> dict:
    """Split a student file into cell sources keyed by grade id.

    A section starts at a line ``# %% <grade_id>`` and runs to the next one; text before the
    first section (the file's docstring) is not a cell.  Leading and trailing blank lines of a
    section are dropped.

    Parameters
    ----------
    path : str or os.PathLike
        A ``students/<id>.py`` file.

    Returns
    -------
    dict
        ``{grade_id: source}`` in file order.

    Raises
    ------
    ValueError
        If a grade id has two sections.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.py"
    >>> _ = p.write_text('# header\\n# %% f\\ndef f():\\n    return 1\\n\\n# %% g\\n# text\\n')
    >>> read_student_cells(p)
    {'f': 'def f():\\n    return 1', 'g': '# text'}
    """
    cells: dict = {}
    current = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _SECTION.match(line)
        if match:
            current = match.group(1)
            if current in cells:
                raise ValueError(f"{path}: grade_id {current!r} has two sections; one is allowed")
            cells[current] = []
        elif current is not None:
            cells[current].append(line)
    return {gid: "\n".join(lines).strip("\n") for gid, lines in cells.items()}


def build_submission(release_nb, cells: dict, delete_cells=()) -> nbformat.NotebookNode:
    """A student's submission: the release notebook with some cells rewritten or deleted.

    Parameters
    ----------
    release_nb : nbformat.NotebookNode
        The notebook students received (not modified).
    cells : dict
        ``{grade_id: source}``.  A markdown cell's source may be written as ``#`` comment
        lines (as in a ``.py`` file); the comment marks are removed.
    delete_cells : sequence of str
        Grade ids of cells the student deleted.

    Returns
    -------
    nbformat.NotebookNode
        A new notebook.

    Raises
    ------
    ValueError
        If a grade id in ``cells`` or ``delete_cells`` is not in the release notebook.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> nb = new_notebook(cells=[new_code_cell("raise NotImplementedError()",
    ...                          metadata={"nbgrader": {"solution": True, "grade_id": "f"}})])
    >>> build_submission(nb, {"f": "def f():\\n    return 1"}).cells[0].source
    'def f():\\n    return 1'
    """
    known = cells_by_grade_id(release_nb)
    unknown = sorted(set(cells) - set(known)) + sorted(set(delete_cells) - set(known))
    if unknown:
        raise ValueError(f"cells must name grade ids of the release notebook "
                         f"({', '.join(known)}), got {unknown!r}")
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))  # deep copy
    kept = []
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid in delete_cells:
            continue
        if gid in cells:
            source = cells[gid]
            if cell.cell_type == "markdown":
                source = "\n".join(re.sub(r"^# ?", "", line) for line in source.splitlines())
            cell.source = source
        kept.append(cell)
    nb.cells = kept
    return nb


# ----------------------------------------------------------------------------- reading results

def named_mistakes(messages) -> list[str]:
    """The mistakes named in check messages, in order, once each.

    A check names a recognised mistake as ``Likely mistake: <name>. Hint: ...`` and a call
    it forbids as ``your <function> called <module.function>``; forbidden calls are listed
    last, together, as ``forbidden call: <module.function>, ...``, and imports the trusted
    grader refused (``import of 'scipy' is not allowed ...``) as ``forbidden import: scipy``.

    Examples
    --------
    >>> named_mistakes(["AssertionError: mode='full' differs. Likely mistake: forgot the flip. "
    ...                 "Hint: convolution flips the kernel.", "AssertionError: no name here",
    ...                 "AssertionError: your f called scipy.signal.convolve2d (case 1)"])
    ['forgot the flip', 'forbidden call: scipy.signal.convolve2d']
    >>> named_mistakes(["ImportError: import of 'scipy' is not allowed in graded code"])
    ['forbidden import: scipy']
    """
    found: list[str] = []
    forbidden: list[str] = []
    for message in messages:
        for match in _MISTAKE.finditer(message):
            name = match.group(1).strip().rstrip(".;:,").strip()
            if name and name not in found:
                found.append(name)
        for match in _FORBIDDEN.finditer(message):
            name = match.group(1).rstrip(".")
            if name not in forbidden:
                forbidden.append(name)
    refused = []
    for message in messages:
        for match in _REFUSED_IMPORT.finditer(message):
            if match.group(1) not in refused:
                refused.append(match.group(1))
    if forbidden:
        found.append(f"forbidden call: {', '.join(forbidden)}")
    if refused:
        found.append(f"forbidden import: {', '.join(refused)}")
    return found


def _score_cells(nb) -> dict:
    """``{grade_id: (score, max_score)}`` for the code test cells, by nbgrader's own rule."""
    from nbgrader.utils import determine_grade  # the rule nbgrader itself applies

    scores = {}
    for cell in grade_cells(nb):
        if cell.cell_type != "code":
            continue
        score, max_score = determine_grade(cell)
        scores[grade_id(cell)] = (float(score), float(max_score))
    return scores


def _tampered_cells(release_nb, submitted_nb) -> dict:
    """Locked cells (tests, setup) a submission deleted or edited, compared with the release."""
    submitted = cells_by_grade_id(submitted_nb)
    deleted, edited = [], []
    for gid, cell in cells_by_grade_id(release_nb).items():
        if not nbgrader_metadata(cell).get("locked"):
            continue
        if gid not in submitted:
            deleted.append(gid)
        elif submitted[gid].source != cell.source:
            edited.append(gid)
    return {key: value for key, value in (("deleted", deleted), ("edited", edited)) if value}


def _notebook_problem(path: Path) -> str:
    """Why nbgrader could not grade a submitted notebook, in a few words."""
    try:
        read_notebook(path)
    except nbformat.reader.NotJSONError:
        return "the notebook is not valid JSON"
    except Exception as exc:  # a schema error or the like
        return f"the notebook cannot be read ({type(exc).__name__})"
    return "nbgrader autograde failed on it (see autograde.log)"


# ----------------------------------------------------------------------------- trusted re-check

# The re-check process runs this and nothing else (importing the package's notebook helpers
# would only slow it down): answers, then each test cell with a pristine numpy.testing.
_RECHECK_CHILD = r"""
import json, sys, types
import numpy
import numpy.testing
import autograder.checks  # imported before any student code can touch it

# Copies taken before student code runs; student code can only patch the real modules.
pristine_testing = types.ModuleType("numpy.testing")
pristine_testing.__dict__.update(vars(numpy.testing))
trusted_np = types.ModuleType("numpy")
trusted_np.__dict__.update(vars(numpy))
trusted_np.testing = pristine_testing

with open(sys.argv[1], encoding="utf-8") as fh:
    payload = json.load(fh)
result = {"answer_errors": [], "cells": {}}
namespace = {"__name__": "__main__"}
for source in payload["answers"]:
    try:
        exec(compile(source, "<answer cell>", "exec"), namespace)
    except BaseException as exc:  # a broken answer cell must not end the re-check
        result["answer_errors"].append(f"{type(exc).__name__}: {exc}")
for test in payload["tests"]:
    scope = dict(namespace)
    scope["np"] = trusted_np
    try:
        exec(compile(test["source"], "<test cell " + test["grade_id"] + ">", "exec"), scope)
    except BaseException as exc:
        result["cells"][test["grade_id"]] = f"{type(exc).__name__}: {exc}"
    else:
        result["cells"][test["grade_id"]] = None
with open(sys.argv[2], "w", encoding="utf-8") as fh:
    json.dump(result, fh)
"""


def trusted_recheck(source_nb, submission_nb, *, timeout: float = 120) -> dict:
    """Re-grade a submission outside nbgrader's kernel, with comparisons the student cannot patch.

    A fresh Python process imports numpy and :mod:`autograder.checks`, copies
    ``numpy.testing`` before any student code runs, executes the instructor's setup cells and
    the student's answer cells, then runs every code test cell of the *source* notebook
    (visible and hidden tests) with ``np.testing`` bound to the copy.  The hidden tests call
    the checks, which do not use numpy.testing at all.

    Parameters
    ----------
    source_nb : nbformat.NotebookNode
        The instructor's notebook (solutions and hidden tests).
    submission_nb : nbformat.NotebookNode
        The student's notebook; only its answer cells are used.
    timeout : float
        Seconds before the re-check process is killed.

    Returns
    -------
    dict
        ``cells``: ``{grade_id: None if passed else "Error: message"}``; ``answer_errors``:
        errors raised by the answer cells themselves; ``crashed``: a message if the process
        died or timed out, else None.

    Notes
    -----
    This closes the cheap forgeries (patching numpy.testing in an answer cell); code that
    patches numpy internals or the checks' module at call time is out of its reach.
    """
    setup = [cell.source for cell in source_nb.cells
             if cell.cell_type == "code" and nbgrader_metadata(cell).get("locked")
             and not nbgrader_metadata(cell).get("grade")]
    payload = {
        "answers": setup + [cell.source for cell in answer_cells(submission_nb)],
        "tests": [{"grade_id": grade_id(cell), "source": cell.source}
                  for cell in grade_cells(source_nb) if cell.cell_type == "code"],
    }
    with tempfile.TemporaryDirectory(prefix="recheck-") as tmp:
        payload_path = Path(tmp) / "payload.json"
        result_path = Path(tmp) / "result.json"
        payload_path.write_text(json.dumps(payload), encoding="utf-8")
        try:
            proc = subprocess.run([sys.executable, "-c", _RECHECK_CHILD, str(payload_path),
                                   str(result_path)],
                                  cwd=tmp, timeout=timeout, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        except subprocess.TimeoutExpired:
            return {"cells": {}, "answer_errors": [], "crashed": f"timed out after {timeout:g} s"}
        if not result_path.exists():
            tail = "\n".join(proc.stdout.strip().splitlines()[-5:])
            return {"cells": {}, "answer_errors": [],
                    "crashed": f"exited with status {proc.returncode}: {tail}"}
        result = json.loads(result_path.read_text(encoding="utf-8"))
    result["crashed"] = None
    return result


# ----------------------------------------------------------------------------- the pipeline

def _prepare_scratch(scratch: Path) -> None:
    """Empty ``scratch`` for a new run; refuse to wipe a folder this module did not create."""
    if scratch.exists() and any(scratch.iterdir()):
        if not (scratch / MARKER).exists():
            raise ValueError(f"scratch must be empty or a folder made by a previous demo run "
                             f"(holding {MARKER}), got {str(scratch)!r}")
        shutil.rmtree(scratch)


def _write_students_csv(path: Path, students) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for s in students:
            writer.writerow([s.id, s.first_name, s.last_name, f"{s.id}@example.org"])


def _failed_in_log(log: str) -> set:
    """Students nbgrader reported it could not process."""
    pattern = r"There was an error processing assignment '[^']*' for student '([^']*)'"
    return set(re.findall(pattern, log))


def demo_classes(demo_root=DEMO_DIR) -> list[Path]:
    """The demo classes: folders of ``demo_root`` that hold a ``manifest.json``, sorted by name.

    Parameters
    ----------
    demo_root : str or os.PathLike
        The folder holding one class per assignment (default ``demo/``).

    Returns
    -------
    list of pathlib.Path
        E.g. ``[demo/ps1-correlation, demo/ps2-conv-layer]``; assignment ids start with their
        number, so sorting by name puts them in course order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("ps2-b", "ps1-a", "notes"):
    ...     (root / name).mkdir()
    >>> for name in ("ps2-b", "ps1-a"):
    ...     _ = (root / name / "manifest.json").write_text("{}")
    >>> [p.name for p in demo_classes(root)]
    ['ps1-a', 'ps2-b']
    """
    root = Path(demo_root)
    return sorted((p for p in root.iterdir() if (p / "manifest.json").is_file()),
                  key=lambda p: p.name)


def _owner(gid: str, functions) -> str:
    """The function a test cell belongs to: the longest answer id its grade id starts with.

    Examples
    --------
    >>> _owner("conv_output_size_refuses", ["conv2d", "conv_output_size"])
    'conv_output_size'
    >>> _owner("correlate2d_full", [])
    'correlate2d'
    """
    owners = [f for f in functions if gid.startswith(f + "_")]
    return max(owners, key=len) if owners else gid.partition("_")[0]


def grade_class(demo_dir, scratch, *, course_root=ROOT,
                cell_timeout: int = CELL_TIMEOUT) -> DemoResult:
    """Grade one demo class through nbgrader in its own scratch course; print nothing.

    Parameters
    ----------
    demo_dir : str or os.PathLike
        The class, e.g. ``demo/ps2-conv-layer`` (its ``manifest.json`` names the assignment).
    scratch : str or os.PathLike
        A course directory to create; it must not exist yet or be empty.
    course_root : str or os.PathLike
        The course whose ``nbgrader_config.py``, ``source_notebooks/`` and ``release/`` are used.
    cell_timeout : int
        Seconds a notebook cell may run under nbgrader.

    Returns
    -------
    DemoResult
        The rows behind the table, the table text, the paths written and timings.

    Raises
    ------
    ValueError
        If ``scratch`` is not empty, or the assignment has no source or release notebook.
    autograder.notebooks.NbgraderError
        If a step that does not depend on student work fails (importing students,
        generating the assignment, exporting grades).

    Notes
    -----
    The steps, each a ``python -m nbgrader`` subprocess in ``scratch``: ``db student
    import``, ``generate_assignment``, (submissions placed in ``submitted/``), ``autograde``,
    ``generate_feedback``, ``export``; then the trusted re-check of every graded notebook.
    """
    started = time.perf_counter()
    cell_timeout = as_int(cell_timeout, "cell_timeout", minimum=1)
    course_root = Path(course_root)
    scratch = Path(scratch)
    if scratch.exists() and any(scratch.iterdir()):
        raise ValueError(f"scratch must be a new or empty folder, got {str(scratch)!r}")
    settings, students = load_manifest(demo_dir)
    assignment, notebook = settings["assignment"], settings["notebook"]
    for kind in ("source_notebooks", "release"):
        if not (course_root / kind / assignment / notebook).is_file():
            raise ValueError(f"the demo class {Path(demo_dir).name} needs "
                             f"{kind}/{assignment}/{notebook}, which does not exist"
                             + (" (run `make release`)" if kind == "release" else ""))
    timings: dict = {}

    def step(name, args, check=True):
        t0 = time.perf_counter()
        result = run_nbgrader(args, cwd=scratch, check=check)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0
        (scratch / "logs").mkdir(exist_ok=True)
        with open(scratch / "logs" / f"{name}.log", "a", encoding="utf-8") as fh:
            fh.write(f"$ nbgrader {' '.join(args)}\n{result.stdout}\n")
        return result

    scratch_course(course_root, scratch)
    (scratch / MARKER).write_text("made by python -m autograder.demo; wiped on every run\n")
    _write_students_csv(scratch / "students.csv", students)
    step("db", ["db", "student", "import", "students.csv"])
    step("generate_assignment", ["generate_assignment", assignment])

    # Submissions: the committed release with each student's cells filled in.
    release_nb = read_notebook(course_root / "release" / assignment / notebook)
    for s in students:
        folder = scratch / "submitted" / s.id / assignment
        folder.mkdir(parents=True)
        if s.raw is not None:
            shutil.copyfile(s.raw, folder / notebook)
        else:
            write_notebook(build_submission(release_nb, s.cells(), s.delete_cells),
                           folder / notebook)
        (folder / "timestamp.txt").write_text(settings["timestamp"])

    # Autograde the class in one go; nbgrader skips a submission it cannot process and carries on.
    timeout_arg = f"--ExecutePreprocessor.timeout={cell_timeout}"
    batch = step("autograde", ["autograde", assignment, timeout_arg], check=False)
    failed = _failed_in_log(batch.stdout)

    def autograded(sid):
        return scratch / "autograded" / sid / assignment / notebook

    # Anyone missing without an error of their own was cut off by an abort: grade them one by one.
    for s in students:
        if not autograded(s.id).exists() and s.id not in failed:
            single = step("autograde", ["autograde", assignment, "--student", s.id, timeout_arg],
                          check=False)
            failed |= _failed_in_log(single.stdout)
    source_nb = read_notebook(course_root / "source_notebooks" / assignment / notebook)
    test_ids = [grade_id(c) for c in grade_cells(source_nb) if c.cell_type == "code"]
    points = {grade_id(c): float(nbgrader_metadata(c)["points"]) for c in grade_cells(source_nb)}
    auto_max = sum(points[g] for g in test_ids)
    graded_nbs = {s.id: read_notebook(autograded(s.id))
                  for s in students if autograded(s.id).exists()}

    step("generate_feedback", ["generate_feedback", assignment], check=False)
    step("export", ["export", "--to", "grades.csv"])
    t0 = time.perf_counter()
    rechecks = {sid: trusted_recheck(source_nb, nb) for sid, nb in graded_nbs.items()}
    timings["trusted re-check"] = time.perf_counter() - t0

    with open(scratch / "grades.csv", newline="", encoding="utf-8") as fh:
        csv_rows = {row["student_id"]: row for row in csv.DictReader(fh)}

    rows = []
    for s in students:
        row = StudentResult(student=s, max_score=auto_max)
        submitted = scratch / "submitted" / s.id / assignment / notebook
        if s.id not in graded_nbs:
            row.problem = _notebook_problem(submitted)
            rows.append(row)
            continue
        row.graded = True
        graded_nb = graded_nbs[s.id]
        scores = _score_cells(graded_nb)
        row.cells = {g: scores[g][0] == scores[g][1] for g in test_ids if g in scores}
        row.score = float(csv_rows[s.id]["score"])
        messages = [m for c in grade_cells(graded_nb) if c.cell_type == "code"
                    for m in error_messages(c)]
        row.mistakes = named_mistakes(messages)
        submitted_nb, _, readable = read_submission(submitted)
        if readable:
            row.tampered = _tampered_cells(release_nb, submitted_nb)
        row.notes = notes_of(graded_nb)["notes"]
        feedback = scratch / "feedback" / s.id / assignment / (Path(notebook).stem + ".html")
        row.feedback = feedback if feedback.exists() else None

        recheck = rechecks[s.id]
        if recheck["crashed"]:
            row.problem = f"trusted re-check {recheck['crashed']}"
        row.recheck_cells = {g: recheck["cells"].get(g, "not run") is None for g in test_ids}
        row.recheck_score = sum(points[g] for g in test_ids if row.recheck_cells[g])
        row.recheck_mistakes = named_mistakes(m for m in recheck["cells"].values() if m)
        row.forged_points = sum(scores[g][0] for g in test_ids
                                if g in scores and scores[g][0] > 0 and not row.recheck_cells[g])
        rows.append(row)

    functions = [grade_id(c) for c in answer_cells(source_nb)]
    table = format_table(assignment, rows, test_ids, auto_max, sum(points.values()) - auto_max,
                         functions=functions)
    feedback_files = sorted((scratch / "feedback").glob(f"*/{assignment}/*.html"))
    return DemoResult(scratch=scratch, assignment=assignment, notebook=notebook, rows=rows,
                      table=table, grades_csv=scratch / "grades.csv",
                      feedback_files=feedback_files,
                      seconds=time.perf_counter() - started, timings=timings)


def _class_report(result: DemoResult) -> str:
    """A class's table and where its grades, feedback and logs are."""
    stem = Path(result.notebook).stem
    return "\n".join([
        result.table,
        f"grades.csv:    {result.grades_csv}",
        (f"feedback HTML: {result.scratch / 'feedback'}/<student>/{result.assignment}/"
         f"{stem}.html ({len(result.feedback_files)} files)"),
        f"nbgrader logs: {result.scratch / 'logs'}",
    ])


def main(scratch=None, *, demo_dirs=None, course_root=ROOT, out=None,
         cell_timeout: int = CELL_TIMEOUT, jobs: int | None = None) -> DemoReport:
    """Grade every demo class through nbgrader and print one table per assignment.

    Parameters
    ----------
    scratch : str or os.PathLike, optional
        The scratch folder, wiped and rebuilt (default ``.demo/`` in the repository); each
        class is graded in its own course directory ``scratch/<assignment>/``. A non-empty
        folder is only wiped if an earlier run made it.
    demo_dirs : sequence of str or os.PathLike, optional
        The classes to grade, in this order (default :func:`demo_classes`: every folder of
        ``demo/`` with a ``manifest.json``, by name).
    course_root : str or os.PathLike
        The course whose ``nbgrader_config.py``, ``source_notebooks/`` and ``release/`` are used.
    out : file, optional
        Where the report goes (default ``sys.stdout``).
    cell_timeout : int
        Seconds a notebook cell may run under nbgrader.
    jobs : int, optional
        How many classes are graded at the same time, each by its own nbgrader processes
        (default: two per core, at most one per class).

    Returns
    -------
    DemoReport
        One :class:`DemoResult` per class, in order, and the total time.

    Raises
    ------
    ValueError
        If ``scratch`` is a non-empty folder not made by the demo, there is no class to
        grade, two classes name the same assignment, a class's assignment has no source or
        release notebook, or ``cell_timeout`` or ``jobs`` is below 1.
    TypeError
        If ``cell_timeout`` or ``jobs`` is not an int.
    autograder.notebooks.NbgraderError
        If a step that does not depend on student work fails (importing students,
        generating the assignment, exporting grades).

    Notes
    -----
    The classes have separate gradebooks, so they can be graded in parallel; the tables
    are printed in order once every class is done.
    """
    started = time.perf_counter()
    cell_timeout = as_int(cell_timeout, "cell_timeout", minimum=1)
    out = out or sys.stdout
    course_root = Path(course_root)
    scratch = Path(scratch) if scratch is not None else SCRATCH
    classes = [Path(d) for d in demo_dirs] if demo_dirs is not None else demo_classes()
    if not classes:
        raise ValueError(f"demo_dirs must name at least one demo class, got {classes!r}")
    assignments = [load_manifest(d)[0]["assignment"] for d in classes]
    repeated = sorted({a for a in assignments if assignments.count(a) > 1})
    if repeated:
        raise ValueError(f"demo_dirs must name each assignment once, got {repeated!r} twice")
    for folder, assignment in zip(classes, assignments):
        notebook = load_manifest(folder)[0]["notebook"]
        for kind in ("source_notebooks", "release"):
            if not (course_root / kind / assignment / notebook).is_file():
                raise ValueError(f"the demo class {folder.name} needs {kind}/{assignment}/"
                                 f"{notebook}, which does not exist")
    if jobs is None:
        # Grading waits on kernels and sandboxes as much as it computes: two classes per core
        # finish sooner than one (measured: 5 classes on 2 cores, 175 s one per core, 145 s all).
        workers = max(1, min(len(classes), 2 * (os.cpu_count() or 1)))
    else:
        workers = as_int(jobs, "jobs", minimum=1)

    _prepare_scratch(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / MARKER).write_text("made by python -m autograder.demo; wiped on every run\n")
    print(f"grading {len(classes)} demo class(es) with nbgrader, {workers} at a time: "
          f"{', '.join(assignments)}", file=out, flush=True)
    # The largest classes start first, so that none is left to run alone at the end.
    order = sorted(range(len(classes)), key=lambda i: -len(load_manifest(classes[i])[1]))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(grade_class, classes[i], scratch / assignments[i],
                                  course_root=course_root, cell_timeout=cell_timeout)
                   for i in order}
        results = [futures[i].result() for i in range(len(classes))]

    for result in results:
        print(file=out)
        print(_class_report(result), file=out)
    print(file=out)
    print(describe_defences(), file=out)
    seconds = time.perf_counter() - started
    for result in results:
        spent = ", ".join(f"{name} {sec:.1f} s" for name, sec in result.timings.items())
        print(f"{result.assignment}: {result.seconds:.1f} s ({spent})", file=out)
    print(f"total time:    {seconds:.1f} s ({len(results)} classes, {workers} at a time)",
          file=out)
    return DemoReport(scratch=scratch, results=results, seconds=seconds)


def format_table(assignment: str, rows, test_ids, auto_max: float, manual_max: float, *,
                 functions=()) -> str:
    """The report as text: one row per student, notes under the rows that need them.

    ``functions`` are the answer cells' grade ids (the functions students write); test cells
    are grouped under the one their grade id starts with.
    """
    header = ["student", "auto", "re-check", "tests", "mistakes named by the checks", "expected"]
    owner = {gid: _owner(gid, functions) for gid in test_ids}
    groups: dict = {}
    for gid in test_ids:
        groups.setdefault(owner[gid], []).append(gid[len(owner[gid]) + 1:] or gid)
    legend = " | ".join(f"{function}: {' '.join(parts)}" for function, parts in groups.items())

    def cell_marks(cells):
        marks, current = [], None
        for gid in test_ids:
            function = owner[gid]
            if current is not None and function != current:
                marks.append(" ")
            current = function
            marks.append("P" if cells.get(gid) else ".")
        return "".join(marks)

    body, notes = [], {}
    for row in rows:
        s = row.student
        if row.graded:
            auto = f"{row.score:g}/{auto_max:g}"
            recheck = f"{row.recheck_score:g}" if row.recheck_score is not None else "-"
            marks = cell_marks(row.cells)
            mistakes = "; ".join(row.mistakes) or "-"
        else:
            auto, recheck, marks, mistakes = "-", "-", "-", "-"
        body.append([s.id, auto, recheck, marks, mistakes, s.intent])
        row_notes = []
        if not row.graded:
            row_notes.append(f"not graded: {row.problem}; nbgrader graded the rest of the class")
        elif row.problem:
            row_notes.append(row.problem)
        # The grader's own notes already say which deleted cells it restored.
        if row.tampered.get("edited"):
            row_notes.append(f"edited test cell {', '.join(row.tampered['edited'])}; the grader "
                             f"ran the source's version instead")
        row_notes.extend(row.notes)
        if row.forged_points > 0:
            row_notes.append(FORGED.format(points=row.forged_points))
        notes[s.id] = row_notes
    widths = [max(len(str(r[i])) for r in [header] + body) for i in range(len(header))]

    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    lines = [
        f"{assignment}: {len(rows)} students graded by nbgrader autograde; "
        f"{auto_max:g} points autograded, {manual_max:g} graded by hand (not counted here)",
        f"tests (P = full points, . = none): {legend}",
        "re-check: points an independent re-run supports (answer cells, then the source's tests with "
        "a pristine numpy.testing, in a fresh process)",
        "",
        line(header),
        line(["-" * w for w in widths]),
    ]
    for cells, row in zip(body, rows):
        lines.append(line(cells))
        for note in notes[row.student.id]:
            lines.append(" " * (widths[0] + 2) + "! " + note)
    return "\n".join(lines)


def cli(argv=None) -> int:
    """Command line: ``python -m autograder.demo [--scratch DIR] [--jobs N] [CLASS ...]``."""
    parser = argparse.ArgumentParser(prog="python -m autograder.demo",
                                     description="Grade the demo classes through nbgrader.")
    parser.add_argument("classes", nargs="*", type=Path,
                        help="demo class folders to grade (default: every one in demo/)")
    parser.add_argument("--scratch", type=Path, default=SCRATCH,
                        help=f"scratch folder, wiped each run (default {SCRATCH})")
    parser.add_argument("--jobs", type=int, default=None,
                        help="classes graded at the same time (default: two per core)")
    options = parser.parse_args(argv)
    main(options.scratch, demo_dirs=options.classes or None, jobs=options.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
