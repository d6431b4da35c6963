"""autograder.report: the class report of a graded demo class agrees with its manifest and nbgrader's own export.

The module fixture grades the ps1 demo class once through the real nbgrader pipeline
(:func:`autograder.demo.grade_class`, about a minute) and builds the report once; the oracles
are the class's manifest (who should need help, which mistakes each student makes), nbgrader's
``grades.csv`` export (scores) and the graded notebooks' test-cell outputs read directly.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import autograder.demo as demo
import autograder.report as report_mod
from autograder.notebooks import cell_failed, grade_cells, grade_id, read_notebook

pytestmark = pytest.mark.xdist_group("report")

PS1 = "ps1-correlation"
SETTINGS, STUDENTS = demo.load_manifest(demo.DEMO_DIR / PS1)
BY_ID = {s.id: s for s in STUDENTS}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_csv(path: Path) -> list:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory holding the ps1 demo class graded by nbgrader."""
    scratch = tmp_path_factory.mktemp("report") / "course"
    demo.grade_class(demo.DEMO_DIR / PS1, scratch)
    return scratch


@pytest.fixture(scope="module")
def built(course, tmp_path_factory):
    """The report of the graded class, with a Canvas file, and the gradebook's hash before and after."""
    before = _sha(course / "gradebook.db")
    out = tmp_path_factory.mktemp("report-out")
    rep = report_mod.build_report(course, PS1, out, canvas=out / "canvas.csv")
    return rep, before, _sha(course / "gradebook.db")


@pytest.fixture(scope="module")
def rep(built):
    return built[0]


@pytest.fixture(scope="module")
def exported(course):
    """nbgrader's own export, ``{student_id: row}``."""
    with open(course / "grades.csv", newline="", encoding="utf-8") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)}


# ----------------------------------------------------------------------------- the class

def test_every_manifest_student_has_a_row_with_a_submission(rep):
    """The report has one row per manifest student, each with a submission, and writes every file it names."""
    assert [r.id for r in rep.students] == sorted(BY_ID)
    assert all(r.submitted for r in rep.students)
    assert {"html", "png", "students", "tests", "mistakes", "canvas"} <= set(rep.files)
    assert all(Path(p).is_file() for p in rep.files.values())


def test_report_never_writes_to_the_gradebook(built):
    """Building the report leaves gradebook.db byte for byte unchanged."""
    _, before, after = built
    assert before == after


def test_students_who_need_help_are_those_the_manifest_says_fall_short(rep):
    """Every student expected to lose points (mistake, zero, broken, cheat) needs help; the full-marks ones do not."""
    expected = {s.id for s in STUDENTS if s.expect != "full"}
    assert {r.id for r in rep.needs_help} == expected
    assert all(not r.needs_help for r in rep.students if BY_ID[r.id].expect == "full")


def test_neediest_come_first_and_the_unreadable_notebook_is_flagged(rep):
    """needs_help is ordered by the fraction of autograded points, and the broken notebook is flagged and among the first."""
    fractions = [r.auto_score / r.auto_max for r in rep.needs_help]
    assert fractions == sorted(fractions)
    broken = [s.id for s in STUDENTS if s.expect == "broken"]
    assert broken and all(next(r for r in rep.students if r.id == b).flagged for b in broken)
    zero_rows = [r.id for r in rep.needs_help if r.auto_score == 0]
    assert zero_rows[0] in broken
    assert any("flagged for review" in reason for r in rep.needs_help for reason in r.help_reasons)


def test_every_mistake_the_manifest_names_is_counted_for_its_student(rep):
    """For each mistake student, each word of its manifest entry appears in a counted mistake listing that student."""
    for s in STUDENTS:
        for word in s.mistakes:
            assert any(word.lower() in name.lower() and s.id in ids
                       for name, ids in rep.mistakes.items()), (s.id, word, rep.mistakes)
    assert sum(len(ids) for ids in rep.mistakes.values()) == sum(len(r.mistakes)
                                                                 for r in rep.students)
    counted = {sid for ids in rep.mistakes.values() for sid in ids}
    assert not counted & {s.id for s in STUDENTS if s.expect == "full"}


def test_mistakes_csv_parses_back_to_the_counts(rep):
    """mistakes.csv holds one row per mistake with its count and students, most frequent first."""
    rows = _read_csv(rep.files["mistakes"])
    assert rows[0] == ["mistake", "students_count", "students"]
    parsed = {name: (int(n), who.split("; ")) for name, n, who in rows[1:]}
    assert parsed == {name: (len(ids), ids) for name, ids in rep.mistakes.items()}
    counts = [int(n) for _, n, _ in rows[1:]]
    assert counts == sorted(counts, reverse=True)


def test_pass_rates_equal_the_graded_notebooks_test_outputs(rep, course):
    """Each test cell's pass count equals the number of graded notebooks in which that cell shows no failure."""
    notebook = SETTINGS["notebook"]
    graded = [read_notebook(course / "autograded" / sid / PS1 / notebook) for sid in BY_ID]
    oracle = {}
    for nb in graded:
        for cell in grade_cells(nb):
            if cell.cell_type == "code":
                oracle[grade_id(cell)] = oracle.get(grade_id(cell), 0) + (not cell_failed(cell))
    assert {t.label: t.passed for t in rep.tests} == oracle
    assert all(t.graded == len(BY_ID) for t in rep.tests)
    rows = _read_csv(rep.files["tests"])
    assert rows[0] == ["test_cell", "points", "passed", "graded", "pass_rate", "failed_students"]
    for (label, points, passed, graded_n, rate, failed), t in zip(rows[1:], rep.tests):
        assert (label, int(passed), int(graded_n)) == (t.label, oracle[t.label], len(BY_ID))
        assert float(rate) == pytest.approx(oracle[t.label] / len(BY_ID), abs=1e-4)
        assert len([f for f in failed.split("; ") if f]) == len(BY_ID) - oracle[t.label]


def test_full_marks_students_pass_every_cell_and_blank_ones_none(rep):
    """The full-marks students appear in no cell's failures; the blank submission fails every cell."""
    full = {s.id for s in STUDENTS if s.expect == "full"}
    blank = {s.id for s in STUDENTS if s.expect == "zero"}
    for t in rep.tests:
        assert not full & set(t.failed_students)
        assert blank <= set(t.failed_students)


def test_scores_equal_nbgrader_export(rep, exported):
    """Every student's score and the maximum in the report and students.csv equal nbgrader's grades.csv."""
    for r in rep.students:
        assert r.score == pytest.approx(float(exported[r.id]["score"]))
        assert r.max_score == pytest.approx(float(exported[r.id]["max_score"]))
    with open(rep.files["students"], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [row["student_id"] for row in rows] == sorted(BY_ID)
    for row in rows:
        assert float(row["score"]) == pytest.approx(float(exported[row["student_id"]]["score"]))
        assert row["needs_help"] == str(int(BY_ID[row["student_id"]].expect != "full"))


def test_histogram_counts_equal_the_exported_scores(rep, exported):
    """The histogram counts are numpy.histogram of grades.csv's scores, and the figure's bars have those heights."""
    scores = np.array([float(row["score"]) for row in exported.values()])
    counts, _ = np.histogram(scores, bins=rep.edges)
    np.testing.assert_array_equal(rep.counts, counts)
    assert rep.counts.sum() == len(BY_ID)
    assert rep.edges[0] == 0 and rep.edges[-1] == pytest.approx(rep.max_score)
    heights = [p.get_height() for p in rep.figure.axes[0].patches]
    np.testing.assert_array_equal(heights, counts)


def test_html_embeds_the_png_written_beside_it(rep):
    """report.html embeds, as base64, exactly the PNG histogram.png holds."""
    png = rep.files["png"].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    page = rep.files["html"].read_text(encoding="utf-8")
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match and base64.b64decode(match.group(1)) == png


def test_canvas_file_has_canvas_import_layout(rep, exported):
    """canvas.csv has Canvas's student columns, a Points Possible row, and each student's score under their SIS User ID."""
    rows = _read_csv(rep.files["canvas"])
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", PS1]
    assert rows[1][0] == "Points Possible"
    assert float(rows[1][5]) == pytest.approx(float(next(iter(exported.values()))["max_score"]))
    body = {row[2]: row for row in rows[2:]}
    assert set(body) == set(BY_ID)
    for sid, row in body.items():
        s = BY_ID[sid]
        assert row[0] == f"{s.last_name}, {s.first_name}"
        assert float(row[5]) == pytest.approx(float(exported[sid]["score"]))
        assert row[3] == "" and row[4] == ""


def test_canvas_file_can_name_an_existing_assignment_and_use_login_ids(rep, tmp_path):
    """With a Canvas assignment id the column is 'name (id)', and ids can go to SIS Login ID."""
    path = report_mod.write_canvas_csv(rep, tmp_path / "c.csv", id_column="SIS Login ID",
                                       assignment_name="PS 1", canvas_assignment_id=4711)
    rows = _read_csv(path)
    assert rows[0][5] == "PS 1 (4711)"
    assert {row[3] for row in rows[2:]} == set(BY_ID)
    assert {row[2] for row in rows[2:]} == {""}


@pytest.mark.parametrize("kwargs, error", [
    pytest.param({"id_column": "Email"}, ValueError, id="unknown id column"),
    pytest.param({"canvas_assignment_id": "12"}, TypeError, id="id not an int"),
    pytest.param({"canvas_assignment_id": 0}, ValueError, id="id below 1"),
])
def test_canvas_file_refuses_bad_arguments(rep, tmp_path, kwargs, error):
    """write_canvas_csv raises naming the argument it refuses."""
    name = next(iter(kwargs))
    with pytest.raises(error, match=name):
        report_mod.write_canvas_csv(rep, tmp_path / "c.csv", **kwargs)


# ----------------------------------------------------------------------------- hostile input

HOSTILE_FIRST = "<script>alert('x')</script>"
HOSTILE_LAST = "=HYPERLINK(\"http://evil\")<img src=x onerror=alert(1)>"


def test_hostile_student_name_is_escaped_in_html_and_neutralised_in_csv(course, tmp_path):
    """A name holding markup and a spreadsheet formula reaches the HTML escaped and the CSVs as inert text."""
    copy = tmp_path / "course"
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("submitted", "feedback",
                                                                "logs", "release"))
    with sqlite3.connect(copy / "gradebook.db") as db:
        db.execute("UPDATE student SET first_name = ?, last_name = ? WHERE id = 'chen'",
                   (HOSTILE_FIRST, HOSTILE_LAST))
    rep = report_mod.build_report(copy, PS1, tmp_path / "out", canvas=tmp_path / "c.csv")
    page = rep.files["html"].read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    with open(rep.files["students"], newline="", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["student_id"] == "chen")
    assert row["first_name"] == HOSTILE_FIRST and row["last_name"] == "'" + HOSTILE_LAST
    canvas = {r[2]: r for r in _read_csv(rep.files["canvas"])[2:]}
    assert canvas["chen"][0] == f"'{HOSTILE_LAST}, {HOSTILE_FIRST}"


# ----------------------------------------------------------------------------- bad input

def test_missing_gradebook_is_named(tmp_path):
    """A course folder without gradebook.db raises a ValueError naming gradebook.db."""
    with pytest.raises(ValueError, match="gradebook.db"):
        report_mod.build_report(tmp_path, PS1, tmp_path / "out")
    assert not (tmp_path / "gradebook.db").exists()


def test_missing_course_folder_is_named(tmp_path):
    """A course_dir that does not exist raises a ValueError naming course_dir."""
    with pytest.raises(ValueError, match="course_dir"):
        report_mod.build_report(tmp_path / "nowhere", PS1, tmp_path / "out")


def test_unknown_assignment_lists_the_known_ones(course, tmp_path):
    """An assignment the gradebook lacks raises a ValueError naming it and listing the gradebook's assignments."""
    with pytest.raises(ValueError, match="assignment") as info:
        report_mod.build_report(course, "ps9", tmp_path / "out")
    assert "'ps9'" in str(info.value) and f"'{PS1}'" in str(info.value)


def test_assignment_without_submissions_is_refused(course, tmp_path):
    """An assignment with students but no submission raises a ValueError saying it has no submissions."""
    shutil.copyfile(course / "gradebook.db", tmp_path / "gradebook.db")
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        db.execute("DELETE FROM submitted_assignment")
    with pytest.raises(ValueError, match=f"'{PS1}' has no submissions"):
        report_mod.build_report(tmp_path, PS1, tmp_path / "out")


def test_a_file_that_is_not_a_gradebook_is_refused(tmp_path):
    """A gradebook.db that is not a database raises a ValueError naming the file."""
    (tmp_path / "gradebook.db").write_text("not sqlite")
    with pytest.raises(ValueError, match="gradebook.db"):
        report_mod.build_report(tmp_path, PS1, tmp_path / "out")


@pytest.mark.parametrize("kwargs, error, name", [
    pytest.param({"assignment": 1}, TypeError, "assignment", id="assignment not a str"),
    pytest.param({"bins": 0}, ValueError, "bins", id="bins below 1"),
    pytest.param({"bins": 2.5}, TypeError, "bins", id="bins not an int"),
    pytest.param({"canvas_id_column": "ID"}, ValueError, "canvas_id_column", id="bad column"),
])
def test_bad_arguments_name_the_parameter(tmp_path, kwargs, error, name):
    """build_report raises TypeError/ValueError naming the refused parameter before reading anything."""
    args = {"course_dir": tmp_path, "assignment": PS1, "out_dir": tmp_path / "out", **kwargs}
    with pytest.raises(error, match=name):
        report_mod.build_report(**args)


def test_histogram_figure_checks_edges():
    """histogram_figure refuses edges that do not bound the counts."""
    with pytest.raises(ValueError, match="edges"):
        report_mod.histogram_figure([1, 2], [0, 1])


# ----------------------------------------------------------------------------- command line

def test_cli_writes_the_report_and_reports_errors(course, tmp_path, capsys):
    """The CLI writes report.html and the Canvas file, and exits 2 with the error for a missing gradebook."""
    out = tmp_path / "out"
    assert report_mod.cli([str(course), PS1, str(out), "--canvas", str(tmp_path / "c.csv")]) == 0
    assert (out / "report.html").is_file() and (tmp_path / "c.csv").is_file()
    assert "need help" in capsys.readouterr().out
    assert report_mod.cli([str(tmp_path / "empty"), PS1, str(out)]) == 2
    assert "course_dir" in capsys.readouterr().err
