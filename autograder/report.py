"""A class report for an instructor, from a graded nbgrader course directory.

:func:`build_report` reads one assignment of a course graded by ``nbgrader autograde``
(``gradebook.db`` and ``autograded/<student>/<assignment>/<notebook>.ipynb``) and writes, into
an output folder:

``report.html``
    One self-contained page: a summary, the score histogram (embedded as a base64 PNG), the
    students who most need help and why, the pass rate of every autograded test cell, how many
    students made each named mistake, and one row per student.  Every string that came from a
    student or a submission (names, ids, e-mails, notes, messages) goes through
    :func:`html.escape`.
``histogram.png``
    The same histogram, drawn on a :class:`matplotlib.figure.Figure` (pyplot is not used, so
    nothing depends on a display or on global figure state).
``students.csv``, ``tests.csv``, ``mistakes.csv``
    One row per student; one row per autograded test cell with its pass rate; one row per
    named mistake with the students who made it.
``canvas.csv`` (optional)
    The scores in the layout of Canvas's gradebook import (see :func:`write_canvas_csv`).

Scores come from nbgrader's gradebook through :class:`nbgrader.api.Gradebook` (opened read-only,
so a report never changes grades).  A test cell *passes* when it was given all its points.
Named mistakes are the ``Likely mistake: <name>. Hint: ...`` lines (and forbidden calls and
imports) that the checks of :mod:`autograder.checks` write into the graded notebook's test-cell
outputs, parsed by :func:`autograder.demo.named_mistakes`.

Run it as ``python -m autograder.report COURSE_DIR ASSIGNMENT OUT_DIR [--canvas FILE]``.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import io
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder._validation import as_int, check_choice
from autograder.demo import named_mistakes
from autograder.nbgrader_plugins import notes_of
from autograder.notebooks import error_messages, grade_cells, grade_id, read_notebook

__all__ = [
    "CANVAS_ID_COLUMNS",
    "CANVAS_STUDENT_COLUMNS",
    "Report",
    "StudentRow",
    "CellPassRate",
    "build_report",
    "cli",
    "histogram_figure",
    "needs_help_reasons",
    "write_canvas_csv",
]

#: The student columns of Canvas's gradebook import, in the order Canvas's importer reads them.
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: Which Canvas column may carry nbgrader's student id.
CANVAS_ID_COLUMNS = ("SIS User ID", "SIS Login ID")
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# One colour for the whole page and figure (Okabe-Ito blue, colour-blind safe).
_COLOUR = "#0072B2"


@dataclass
class StudentRow:
    """What the gradebook and the graded notebooks say about one student.

    ``score`` is nbgrader's exported score (all points so far, hand-graded ones included, minus
    any late penalty; ``None`` without a submission); ``auto_score`` counts the autograded test
    cells only.  ``cells`` maps each test cell's label to ``(score, max_score)``.
    """

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    submitted: bool = False
    score: float | None = None
    max_score: float = 0.0
    auto_score: float = 0.0
    auto_max: float = 0.0
    cells: dict = field(default_factory=dict)
    mistakes: list = field(default_factory=list)
    flagged: bool = False
    awaiting_hand_grading: bool = False
    notes: list = field(default_factory=list)
    help_reasons: list = field(default_factory=list)

    @property
    def name(self) -> str:
        """``"First Last"``, or the id when the gradebook holds no name."""
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.id

    @property
    def failed_cells(self) -> list:
        """Labels of the test cells not given all their points."""
        return [label for label, (got, most) in self.cells.items() if got < most]

    @property
    def needs_help(self) -> bool:
        """Whether :func:`needs_help_reasons` found a reason."""
        return bool(self.help_reasons)


@dataclass
class CellPassRate:
    """Pass rate of one autograded test cell over the students who submitted."""

    label: str
    points: float
    passed: int
    graded: int
    failed_students: list

    @property
    def rate(self) -> float:
        """``passed / graded`` (0 when nobody was graded)."""
        return self.passed / self.graded if self.graded else 0.0


@dataclass
class Report:
    """What :func:`build_report` found and wrote."""

    course_dir: Path
    assignment: str
    out_dir: Path
    max_score: float
    auto_max: float
    students: list
    tests: list
    mistakes: dict
    counts: np.ndarray
    edges: np.ndarray
    figure: object
    files: dict

    @property
    def needs_help(self) -> list:
        """The students with a reason to be helped, the neediest first (see :func:`build_report`)."""
        rows = [s for s in self.students if s.needs_help]
        return sorted(rows, key=_need_key)


def _need_key(row: StudentRow):
    """Sort key: no submission first, then lowest autograded fraction, most failed cells, flagged."""
    fraction = row.auto_score / row.auto_max if row.auto_max else 0.0
    return (row.submitted, fraction, -len(row.failed_cells), not row.flagged, row.id)


def needs_help_reasons(row: StudentRow) -> list[str]:
    """Why a student needs an instructor's attention, as short phrases (empty: no reason).

    A student needs help who submitted nothing, lost autograded points, or whose notebook was
    flagged for review (grading could not be completed as designed, or a grader flagged it).
    Notes alone (e.g. a restored deleted test cell) are shown but are not a reason.

    Examples
    --------
    >>> needs_help_reasons(StudentRow("a", submitted=True, auto_score=2, auto_max=2,
    ...                               cells={"t": (2.0, 2.0)}))
    []
    >>> needs_help_reasons(StudentRow("b", submitted=True, auto_score=1, auto_max=2,
    ...                               cells={"t": (1.0, 1.0), "u": (0.0, 1.0)},
    ...                               mistakes=["forgot the flip"]))
    ['1 of 2 test cells failed', 'mistake: forgot the flip']
    >>> needs_help_reasons(StudentRow("c"))
    ['no submission']
    """
    if not row.submitted:
        return ["no submission"]
    reasons = []
    failed = row.failed_cells
    if failed:
        reasons.append(f"{len(failed)} of {len(row.cells)} test cells failed")
    elif row.auto_score < row.auto_max:
        reasons.append(f"autograded {row.auto_score:g} of {row.auto_max:g} points")
    reasons.extend(f"mistake: {m}" for m in row.mistakes)
    if row.flagged:
        reasons.append("flagged for review")
    return reasons


# ----------------------------------------------------------------------------- reading

def _open_gradebook(course_dir: Path):
    """The course's gradebook, opened read-only; a clear error if it is missing or not one."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SQLAlchemyError

    path = course_dir / "gradebook.db"
    if not path.is_file():
        raise ValueError(f"course_dir must hold nbgrader's gradebook.db, got {str(course_dir)!r} "
                         f"where {str(path)!r} does not exist (run nbgrader autograde first)")
    # mode=ro: nbgrader's Gradebook creates tables and a course row when they are missing;
    # a report must never write to the grades.  course_id=None keeps it from adding a course.
    url = f"sqlite:///file:{path.resolve().as_posix()}?mode=ro&uri=true"
    try:
        return Gradebook(url, course_id=None)
    except SQLAlchemyError as exc:
        raise ValueError(f"{str(path)!r} is not a readable nbgrader gradebook: "
                         f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None


def _test_order(assignment_obj, notebooks) -> list:
    """Autograded test cells as ``(notebook, grade_id, points)``, in notebook order if known."""
    cells = []
    for nb_obj in sorted(assignment_obj.notebooks, key=lambda n: n.name):
        tests = {c.name: float(c.max_score) for c in nb_obj.grade_cells if c.cell_type == "code"}
        order = []
        for graded in notebooks.get(nb_obj.name, []):
            order = [grade_id(c) for c in grade_cells(graded) if grade_id(c) in tests]
            if order:
                break
        order += sorted(set(tests) - set(order))
        cells.extend((nb_obj.name, gid, tests[gid]) for gid in order)
    return cells


def _read_graded(course_dir: Path, assignment: str, student: str, notebook: str):
    path = course_dir / "autograded" / student / assignment / f"{notebook}.ipynb"
    try:
        return read_notebook(path)
    except Exception:  # missing or damaged: the row says so instead of stopping the report
        return None


def build_report(course_dir, assignment, out_dir, *, canvas=None, bins: int | None = None,
                 canvas_id_column: str = "SIS User ID", canvas_assignment_id=None) -> Report:
    """Build the class report of one graded assignment and write it into ``out_dir``.

    Parameters
    ----------
    course_dir : str or os.PathLike
        An nbgrader course directory after ``nbgrader autograde``: ``gradebook.db`` and
        ``autograded/<student>/<assignment>/<notebook>.ipynb``.
    assignment : str
        The assignment id, e.g. ``"ps1-correlation"``.
    out_dir : str or os.PathLike
        Folder to write into (created if needed; files of the same names are replaced).
    canvas : str or os.PathLike, optional
        Also write a Canvas gradebook-import file there (see :func:`write_canvas_csv`).
    bins : int, optional
        Number of histogram bins of equal width over ``[0, max_score]`` (default: one per
        point, at most 20).
    canvas_id_column : {"SIS User ID", "SIS Login ID"}
        The Canvas column that receives nbgrader's student id.
    canvas_assignment_id : int, optional
        The Canvas id of an existing assignment, written as ``"<name> (<id>)"``.

    Returns
    -------
    Report
        The rows, pass rates, mistake counts, histogram (``counts``, ``edges``, ``figure``) and
        the paths written (``files``: ``html``, ``png``, ``students``, ``tests``, ``mistakes``
        and, if asked, ``canvas``).

    Raises
    ------
    TypeError
        If ``assignment`` is not a string or ``bins`` not an int.
    ValueError
        If ``course_dir`` is not a folder or has no gradebook, the gradebook has no assignment
        ``assignment`` (the message lists those it has), the assignment has no submission, or
        ``bins`` is below 1.

    See Also
    --------
    nbgrader.api.Gradebook : The gradebook API read here.
    autograder.demo.named_mistakes : How mistake names are parsed from check messages.

    Notes
    -----
    The pass rate of a test cell is ``passed / graded`` over the students with a submission;
    a cell passes when ``auto_score == max_score``.  A student *needs help* for the reasons of
    :func:`needs_help_reasons`; the neediest come first: no submission, then the lowest
    fraction of autograded points, then the most failed cells, flagged before not flagged.
    """
    if not isinstance(assignment, str):
        raise TypeError(f"assignment must be a str (an nbgrader assignment id), "
                        f"got {assignment!r} (type {type(assignment).__name__})")
    if bins is not None:
        bins = as_int(bins, "bins", minimum=1)
    check_choice(canvas_id_column, "canvas_id_column", CANVAS_ID_COLUMNS)
    course_dir = Path(course_dir)
    if not course_dir.is_dir():
        raise ValueError(f"course_dir must be an existing nbgrader course folder, "
                         f"got {str(course_dir)!r}")
    out_dir = Path(out_dir)

    gb = _open_gradebook(course_dir)
    try:
        from nbgrader.api import MissingEntry

        try:
            assignment_obj = gb.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(repr(a.name) for a in gb.assignments) or "none"
            raise ValueError(f"assignment must be an assignment of the gradebook "
                             f"{str(course_dir / 'gradebook.db')!r} ({known}), "
                             f"got {assignment!r}") from None
        submissions = {s.student_id: s for s in gb.assignment_submissions(assignment)}
        if not submissions:
            raise ValueError(f"assignment {assignment!r} has no submissions in "
                             f"{str(course_dir / 'gradebook.db')!r}: run nbgrader autograde "
                             f"{assignment} first")
        max_score = float(assignment_obj.max_score)
        nb_names = sorted(n.name for n in assignment_obj.notebooks)
        graded = {sid: {nb: _read_graded(course_dir, assignment, sid, nb) for nb in nb_names}
                  for sid in submissions}
        by_notebook = {nb: [g[nb] for g in graded.values() if g[nb] is not None]
                       for nb in nb_names}
        tests = _test_order(assignment_obj, by_notebook)
        single = len(nb_names) == 1

        def label(nb, gid):
            return gid if single else f"{nb}: {gid}"

        auto_max = sum(points for _, _, points in tests)
        rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            row = StudentRow(id=student.id, first_name=student.first_name or "",
                             last_name=student.last_name or "", email=student.email or "",
                             lms_user_id=student.lms_user_id or "", max_score=max_score,
                             auto_max=auto_max)
            rows.append(row)
            sub = submissions.get(student.id)
            if sub is None:
                row.help_reasons = needs_help_reasons(row)
                continue
            row.submitted = True
            row.score = max(0.0, float(sub.score) - float(sub.late_submission_penalty or 0))
            grades = {}
            for sub_nb in sub.notebooks:
                row.flagged |= bool(sub_nb.flagged)
                for grade in sub_nb.grades:
                    grades[(sub_nb.name, grade.name)] = grade
            for nb, gid, points in tests:
                grade = grades.get((nb, gid))
                got = float(grade.score) if grade is not None else 0.0
                row.cells[label(nb, gid)] = (got, points)
                # Autograded cells need a person only when the trusted grader flagged them.
                if grade is not None and grade.needs_manual_grade:
                    row.flagged = True
            row.auto_score = sum(got for got, _ in row.cells.values())
            test_ids = {(nb, gid) for nb, gid, _ in tests}
            row.awaiting_hand_grading = any(g.needs_manual_grade for key, g in grades.items()
                                            if key not in test_ids)
            messages = []
            for nb in nb_names:
                nb_graded = graded[student.id][nb]
                if nb_graded is None:
                    row.notes.append(f"the autograded notebook {nb}.ipynb is missing or unreadable")
                    continue
                record = notes_of(nb_graded)
                row.notes.extend(record["notes"])
                row.notes.extend(r for r in record["review"] if r not in record["notes"])
                row.flagged |= bool(record["review"]) or record["failed"]
                messages.extend(m for c in grade_cells(nb_graded) if c.cell_type == "code"
                                for m in error_messages(c))
            row.mistakes = named_mistakes(messages)
            row.help_reasons = needs_help_reasons(row)
    finally:
        gb.close()

    submitted = [r for r in rows if r.submitted]
    rates = []
    for nb, gid, points in tests:
        key = label(nb, gid)
        failed = [r.id for r in submitted if r.cells[key][0] < r.cells[key][1]]
        rates.append(CellPassRate(label=key, points=points, passed=len(submitted) - len(failed),
                                  graded=len(submitted), failed_students=failed))
    mistakes: dict = {}
    for r in submitted:
        for m in r.mistakes:
            mistakes.setdefault(m, []).append(r.id)
    mistakes = dict(sorted(mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    scores = np.array([r.score for r in submitted], dtype=float)
    if bins is None:
        bins = int(min(20, max(1, np.ceil(max_score))))
    edges = np.linspace(0.0, max(max_score, float(scores.max(initial=0.0)), 1e-9), bins + 1)
    counts, _ = np.histogram(scores, bins=edges)
    figure = histogram_figure(counts, edges, title=f"{assignment}: scores of "
                              f"{len(submitted)} submissions (out of {max_score:g})")

    report = Report(course_dir=course_dir, assignment=assignment, out_dir=out_dir,
                    max_score=max_score, auto_max=auto_max, students=rows, tests=rates,
                    mistakes=mistakes, counts=counts, edges=edges, figure=figure, files={})
    out_dir.mkdir(parents=True, exist_ok=True)
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=100)
    report.files["png"] = out_dir / "histogram.png"
    report.files["png"].write_bytes(png.getvalue())
    report.files["students"] = _write_students_csv(report, out_dir / "students.csv")
    report.files["tests"] = _write_tests_csv(report, out_dir / "tests.csv")
    report.files["mistakes"] = _write_mistakes_csv(report, out_dir / "mistakes.csv")
    report.files["html"] = out_dir / "report.html"
    report.files["html"].write_text(_html(report, png.getvalue()), encoding="utf-8")
    if canvas is not None:
        report.files["canvas"] = write_canvas_csv(report, canvas, id_column=canvas_id_column,
                                                  canvas_assignment_id=canvas_assignment_id)
    return report


# ----------------------------------------------------------------------------- figure

def histogram_figure(counts, edges, *, title: str = ""):
    """A bar chart of a score histogram, on a :class:`matplotlib.figure.Figure` (no pyplot).

    Parameters
    ----------
    counts : array_like, shape (B,)
        Students per bin.
    edges : array_like, shape (B + 1,)
        Bin edges, increasing.
    title : str
        The axes title.

    Returns
    -------
    matplotlib.figure.Figure
        One axes whose bars (``ax.patches``) have the heights ``counts``.

    Raises
    ------
    ValueError
        If ``edges`` does not have one value more than ``counts``.

    See Also
    --------
    numpy.histogram : Computes ``counts`` and ``edges``.
    matplotlib.axes.Axes.bar : Draws the bars.

    Examples
    --------
    >>> fig = histogram_figure([1, 0, 2], [0, 1, 2, 3])
    >>> [float(p.get_height()) for p in fig.axes[0].patches]
    [1.0, 0.0, 2.0]
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = np.asarray(counts, dtype=float)
    edges = np.asarray(edges, dtype=float)
    if edges.shape != (counts.size + 1,):
        raise ValueError(f"edges must have len(counts) + 1 = {counts.size + 1} values, "
                         f"got shape {edges.shape}")
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=_COLOUR,
           edgecolor="white", label="students per score bin")
    ax.set_xlabel("score (points)")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(edges[0], edges[-1])
    if title:
        ax.set_title(title)
    return fig


# ----------------------------------------------------------------------------- CSV files

def _safe(text) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a ``'`` before it.

    Examples
    --------
    >>> _safe("=1+1"), _safe("Ada")
    ("'=1+1", 'Ada')
    """
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _num(value) -> str:
    return "" if value is None else f"{value:g}"


def _write_students_csv(report: Report, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student_id", "last_name", "first_name", "email", "submitted", "score",
                         "max_score", "auto_score", "auto_max", "failed_cells", "mistakes",
                         "flagged", "awaiting_hand_grading", "needs_help", "help_reasons",
                         "notes"])
        for r in report.students:
            writer.writerow([_safe(r.id), _safe(r.last_name), _safe(r.first_name),
                             _safe(r.email), int(r.submitted), _num(r.score),
                             _num(r.max_score), _num(r.auto_score if r.submitted else None),
                             _num(r.auto_max), "; ".join(r.failed_cells),
                             "; ".join(r.mistakes), int(r.flagged),
                             int(r.awaiting_hand_grading), int(r.needs_help),
                             _safe("; ".join(r.help_reasons)), _safe(" | ".join(r.notes))])
    return path


def _write_tests_csv(report: Report, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["test_cell", "points", "passed", "graded", "pass_rate",
                         "failed_students"])
        for t in report.tests:
            writer.writerow([t.label, _num(t.points), t.passed, t.graded, f"{t.rate:.4f}",
                             _safe("; ".join(t.failed_students))])
    return path


def _write_mistakes_csv(report: Report, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["mistake", "students_count", "students"])
        for name, students in report.mistakes.items():
            writer.writerow([_safe(name), len(students), _safe("; ".join(students))])
    return path


def write_canvas_csv(report: Report, path, *, id_column: str = "SIS User ID",
                     assignment_name: str | None = None, canvas_assignment_id=None) -> Path:
    """Write the scores as a file for Canvas's gradebook import (Grades > Import).

    Parameters
    ----------
    report : Report
        From :func:`build_report`.
    path : str or os.PathLike
        The CSV file to write.
    id_column : {"SIS User ID", "SIS Login ID"}
        The column that receives nbgrader's student id.
    assignment_name : str, optional
        The assignment's title in Canvas (default: the nbgrader assignment id).
    canvas_assignment_id : int, optional
        The Canvas id of an existing assignment; the column is then headed
        ``"<assignment_name> (<id>)"``, as Canvas's own export heads it.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        If ``id_column`` is not one of the allowed columns or ``canvas_assignment_id`` < 1.
    TypeError
        If ``canvas_assignment_id`` is not an int.

    Notes
    -----
    The layout follows Canvas's gradebook importer (``GradebookImporter`` in
    instructure/canvas-lms, ``app/models/gradebook_importer.rb``) and the layout of Canvas's
    gradebook export that its import guide tells instructors to start from:

    * header row ``Student, ID, SIS User ID, SIS Login ID, Section``, then one column per
      assignment, headed ``"<name> (<canvas id>)"`` or just ``"<name>"`` (an unknown name
      creates a new assignment);
    * a second row whose first cell is ``Points Possible``, giving each assignment's points
      (Canvas's importer takes the points of a new assignment from it);
    * one row per student; Canvas finds the student by ``ID`` (the Canvas user id: nbgrader's
      ``lms_user_id``), then ``SIS User ID``, then ``SIS Login ID``, then the name (written
      ``"Last, First"``, Canvas's sortable name).  ``Section`` is left empty.

    A student with no submission gets an empty cell, which Canvas leaves unchanged (nbgrader's
    own export writes 0).  Names starting with a formula character get a leading ``'`` so a
    spreadsheet opening the file does not run them.
    """
    id_column = check_choice(id_column, "id_column", CANVAS_ID_COLUMNS)
    name = assignment_name if assignment_name is not None else report.assignment
    header = name
    if canvas_assignment_id is not None:
        header = f"{name} ({as_int(canvas_assignment_id, 'canvas_assignment_id', minimum=1)})"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*CANVAS_STUDENT_COLUMNS, header])
        writer.writerow(["Points Possible", "", "", "", "", _num(report.max_score)])
        for r in report.students:
            sortable = ", ".join(p for p in (r.last_name, r.first_name) if p) or r.id
            row = {"Student": _safe(sortable), "ID": _safe(r.lms_user_id), "SIS User ID": "",
                   "SIS Login ID": "", "Section": ""}
            row[id_column] = _safe(r.id)
            writer.writerow([*(row[c] for c in CANVAS_STUDENT_COLUMNS), _num(r.score)])
    return path


# ----------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: 0.8em; background: %s; }
.small { font-size: 0.85em; color: #555; }
""" % _COLOUR


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _table(header, rows, numeric=()) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>"]
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else ""
            # Values are escaped here unless already built as markup by the caller (a tuple).
            text = value[0] if isinstance(value, tuple) else _e(value)
            cells.append(f"<td{cls}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _html(report: Report, png: bytes) -> str:
    submitted = [r for r in report.students if r.submitted]
    scores = np.array([r.score for r in submitted], dtype=float)
    summary = (f"{len(report.students)} students, {len(submitted)} submissions; "
               f"mean score {scores.mean():.2f}, median {np.median(scores):g} "
               f"of {report.max_score:g} points ({report.auto_max:g} autograded); "
               f"{len(report.needs_help)} students need help.")
    img = base64.b64encode(png).decode("ascii")
    help_rows = [[r.id, r.name, _num(r.score), f"{_num(r.auto_score)}/{_num(r.auto_max)}"
                  if r.submitted else "-", len(r.failed_cells), "; ".join(r.help_reasons),
                  " | ".join(r.notes)] for r in report.needs_help]
    test_rows = [[t.label, _num(t.points), f"{t.passed}/{t.graded}",
                  (f'<span class="bar" style="width:{100 * t.rate:.0f}px"></span> '
                   f'{100 * t.rate:.0f}%',), ", ".join(t.failed_students)]
                 for t in report.tests]
    mistake_rows = [[name, len(ids), ", ".join(ids)] for name, ids in report.mistakes.items()]
    student_rows = [[r.id, r.name, r.email, _num(r.score), _num(r.auto_score)
                     if r.submitted else "-", "; ".join(r.failed_cells),
                     "; ".join(r.mistakes), "yes" if r.flagged else "",
                     "yes" if r.awaiting_hand_grading else "", " | ".join(r.notes)]
                    for r in report.students]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Class report: {_e(report.assignment)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Class report: {_e(report.assignment)}</h1>",
        f"<p>{_e(summary)}</p>",
        "<h2>Score histogram</h2>",
        f'<img alt="Histogram of the scores of {_e(report.assignment)}" '
        f'src="data:image/png;base64,{img}">',
        "<h2>Students who most need help</h2>",
        "<p class=\"small\">No submission, lost autograded points, or flagged for review; "
        "neediest first.</p>",
        _table(["student", "name", "score", "autograded", "failed cells", "why", "notes"],
               help_rows, numeric=(2, 3, 4)) if help_rows else "<p>Nobody.</p>",
        "<h2>Test cells: pass rates</h2>",
        _table(["test cell", "points", "passed", "rate", "failed by"], test_rows,
               numeric=(1, 2)),
        "<h2>Named mistakes</h2>",
        _table(["mistake", "students", "who"], mistake_rows, numeric=(1,))
        if mistake_rows else "<p>No mistake was named.</p>",
        "<h2>All students</h2>",
        _table(["student", "name", "e-mail", "score", "autograded", "failed cells",
                "mistakes", "flagged", "awaiting hand grading", "notes"], student_rows,
               numeric=(3, 4)),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------- command line

def cli(argv=None) -> int:
    """Command line: ``python -m autograder.report COURSE_DIR ASSIGNMENT OUT_DIR [--canvas FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m autograder.report",
                                     description="Write the class report of a graded assignment.")
    parser.add_argument("course_dir", type=Path, help="nbgrader course folder (gradebook.db)")
    parser.add_argument("assignment", help="assignment id, e.g. ps1-correlation")
    parser.add_argument("out_dir", type=Path, help="folder for report.html and the CSV files")
    parser.add_argument("--canvas", type=Path, default=None,
                        help="also write a Canvas gradebook-import CSV to this file")
    parser.add_argument("--canvas-id-column", default="SIS User ID", choices=CANVAS_ID_COLUMNS,
                        help="Canvas column receiving nbgrader's student id")
    options = parser.parse_args(argv)
    try:
        report = build_report(options.course_dir, options.assignment, options.out_dir,
                              canvas=options.canvas, canvas_id_column=options.canvas_id_column)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for kind, path in report.files.items():
        print(f"{kind:9s} {os.fspath(path)}")
    print(f"{len(report.needs_help)} of {len(report.students)} students need help")
    return 0


if __name__ == "__main__":
    sys.exit(cli())
