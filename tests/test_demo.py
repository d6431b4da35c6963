"""autograder.demo: the demo class through the real nbgrader pipeline gives the grades its manifest intends.

The module fixture runs the whole demo twice into the same scratch folder (about a minute
each on two cores); the other tests are quick unit tests of the demo's pieces.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import autograder.demo as demo
from autograder.checks import check_convolve2d, check_correlate2d
from autograder.mistakes import MISTAKES
from autograder.notebooks import cells_by_grade_id, read_notebook

# Under pytest-xdist with --dist loadgroup these tests share one worker, so the two demo runs
# happen once rather than once per worker.
pytestmark = pytest.mark.xdist_group("demo")

ROOT = Path(__file__).resolve().parents[1]
CLASS = ROOT / "demo" / "ps1-correlation"
RELEASE = ROOT / "release" / "ps1-correlation" / "ps1-correlation.ipynb"
SETTINGS, STUDENTS = demo.load_manifest(CLASS)
BY_EXPECT = {kind: [s for s in STUDENTS if s.expect == kind] for kind in
             ("full", "mistake", "zero", "broken", "cheat")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two complete demo runs into one scratch folder (the second wipes and rebuilds it)."""
    scratch = tmp_path_factory.mktemp("demo") / "course"
    results = []
    for _ in range(2):
        out = io.StringIO()
        results.append((demo.main(scratch, out=out), out.getvalue()))
    return results


@pytest.fixture(scope="module")
def result(runs):
    return runs[-1][0]


@pytest.fixture(scope="module")
def rows(result):
    return {row.student.id: row for row in result.rows}


def test_the_class_covers_every_kind_of_submission():
    """The manifest holds at least 14 students, two correct ones and every other kind of outcome."""
    assert len(STUDENTS) >= 14
    assert len(BY_EXPECT["full"]) >= 2
    assert all(BY_EXPECT[kind] for kind in ("mistake", "zero", "broken", "cheat"))
    named = " ".join(m for s in BY_EXPECT["mistake"] for m in s.mistakes).lower()
    for word in ("flip", "valid", "same", "h and w", "input", "overflow", "scipy"):
        assert word in named, f"no student demonstrates the mistake {word!r}"


def test_every_student_appears(result, rows):
    """Each manifest student has a row in the results and a line in the printed table."""
    assert [row.student.id for row in result.rows] == [s.id for s in STUDENTS]
    lines = result.table.splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("---")) + 1:]
    table_students = [line.split()[0] for line in body if line[:1].strip()]  # notes are indented
    assert table_students == [s.id for s in STUDENTS]


@pytest.mark.parametrize("student", BY_EXPECT["full"], ids=lambda s: s.id)
def test_correct_students_get_full_autograded_marks(rows, student):
    """A correct submission passes every test cell, gets every autograded point and is not flagged."""
    row = rows[student.id]
    assert row.graded and all(row.cells.values()), row.cells
    assert row.score == row.max_score > 0
    assert row.recheck_score == row.max_score and row.forged_points == 0
    assert row.mistakes == []


@pytest.mark.parametrize("student", BY_EXPECT["mistake"], ids=lambda s: s.id)
def test_each_mistake_loses_points_and_is_named(rows, student):
    """A submission with a known mistake loses points and the checks' message names that mistake."""
    row = rows[student.id]
    assert row.graded and 0 <= row.score < row.max_score
    named = " | ".join(row.mistakes).lower()
    for word in student.mistakes:
        assert word.lower() in named, f"{student.id}: expected {word!r} among {row.mistakes}"
    assert row.forged_points == 0


@pytest.mark.parametrize("student", BY_EXPECT["zero"], ids=lambda s: s.id)
def test_blank_submission_gets_zero(rows, student):
    """The untouched release scores 0 and fails every test cell."""
    row = rows[student.id]
    assert row.graded and row.score == 0 and not any(row.cells.values())


@pytest.mark.parametrize("student", BY_EXPECT["broken"], ids=lambda s: s.id)
def test_broken_notebook_is_graded_zero_with_a_note_and_the_batch_goes_on(result, rows, student):
    """An unreadable notebook is graded 0 with a note saying why, and every other student is graded."""
    row = rows[student.id]
    assert row.graded and row.score == 0 and not any(row.cells.values())
    assert any("not valid JSON" in note for note in row.notes), row.notes
    assert "not valid JSON" in result.table
    assert all(r.graded for r in result.rows)


@pytest.mark.parametrize("student", BY_EXPECT["cheat"], ids=lambda s: s.id)
def test_a_cheat_gets_no_forged_points(rows, student):
    """A submission that patches numpy.testing gains nothing: trusted grading gives only what the re-check supports."""
    row = rows[student.id]
    assert row.graded and row.forged_points == 0
    assert row.score == row.recheck_score < row.max_score


def test_nobody_is_flagged_as_forged_and_the_defences_are_listed(runs):
    """With trusted grading no row carries the forgery note, and the report says which defences are active."""
    result, printed = runs[-1]
    assert all(r.forged_points == 0 for r in result.rows)
    assert "nbgrader awarded" not in result.table
    assert "defences active" in printed


def test_restored_cells_are_reported(rows):
    """A deleted test cell is put back by the grader and graded, and the row's notes name it."""
    for student in STUDENTS:
        if student.delete_cells:
            row = rows[student.id]
            assert row.tampered["deleted"] == list(student.delete_cells)
            assert all(gid in row.cells for gid in student.delete_cells)
            notes = " ".join(row.notes)
            assert all(gid in notes for gid in student.delete_cells), row.notes


def test_grades_csv_and_feedback_exist(result):
    """nbgrader wrote grades.csv with every student's score, and a feedback page for each graded one."""
    with open(result.grades_csv, newline="") as fh:
        grades = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert set(grades) == {s.id for s in STUDENTS}
    for row in result.rows:
        if row.graded:
            assert float(grades[row.student.id]["score"]) == row.score
            assert row.feedback is not None and row.feedback.stat().st_size > 0
            assert row.student.id in str(row.feedback)


def test_printed_report_names_outputs(runs):
    """The printed report gives the table, where grades.csv and the feedback are, and the total time."""
    result, printed = runs[-1]
    assert printed.startswith(result.table)
    assert str(result.grades_csv) in printed
    assert "feedback HTML:" in printed and "total time:" in printed


def test_two_runs_print_the_same_table(runs):
    """Wiping and rebuilding the scratch course gives the same table the second time."""
    assert runs[0][0].table == runs[1][0].table


# ----------------------------------------------------------------------------- unit tests

def test_each_student_file_names_only_cells_of_the_release():
    """Every student's sections and deleted cells are grade ids of the release notebook."""
    release = read_notebook(RELEASE)
    known = set(cells_by_grade_id(release))
    for student in STUDENTS:
        if student.answers:
            cells = demo.read_student_cells(student.answers)
            assert cells and set(cells) <= known, student.id
            demo.build_submission(release, cells, student.delete_cells)


def test_build_submission_rewrites_and_deletes_cells():
    """build_submission fills answers, uncomments markdown answers and drops deleted cells."""
    release = read_notebook(RELEASE)
    answers = {"correlate2d": "def correlate2d(a, b, mode='full'):\n    pass",
               "why_cross_correlation": "# Line one\n# line two"}
    nb = demo.build_submission(release, answers, ["convolve2d_dtype"])
    cells = cells_by_grade_id(nb)
    assert cells["correlate2d"].source.endswith("pass")
    assert cells["why_cross_correlation"].source == "Line one\nline two"
    assert "convolve2d_dtype" not in cells and len(nb.cells) == len(release.cells) - 1
    assert "convolve2d_dtype" in cells_by_grade_id(release)  # the release itself is untouched
    with pytest.raises(ValueError, match="no_such_cell"):
        demo.build_submission(release, {"no_such_cell": "x"})


def test_read_student_cells_refuses_a_repeated_section(tmp_path):
    """Two sections for one grade id are an error, not a silent overwrite."""
    path = tmp_path / "s.py"
    path.write_text("# %% correlate2d\nx = 1\n# %% correlate2d\nx = 2\n")
    with pytest.raises(ValueError, match="correlate2d"):
        demo.read_student_cells(path)


@pytest.mark.parametrize("check, task", [(check_correlate2d, "correlate2d"),
                                         (check_convolve2d, "convolve2d")])
def test_named_mistakes_reads_the_checks_messages(check, task):
    """For each known wrong variant, the name parsed from the check's message is the variant's name."""
    for mistake in MISTAKES[task]:
        with pytest.raises(AssertionError) as info:
            check(mistake.fn)
        names = demo.named_mistakes([f"AssertionError: {info.value}"])
        assert len(names) == 1, (mistake.name, str(info.value))
        # Variants with identical outputs on every case share a name, so compare names.
        assert names[0] in {m.name for m in MISTAKES[task]}


def test_named_mistakes_reports_forbidden_calls():
    """A check failing a call to scipy.signal is reported as a forbidden call naming the function."""
    import scipy.signal

    with pytest.raises(AssertionError) as info:
        check_correlate2d(lambda in1, in2, mode="full": scipy.signal.correlate2d(in1, in2, mode))
    assert demo.named_mistakes([str(info.value)]) == ["forbidden call: scipy.signal.correlate2d"]


def test_main_refuses_to_wipe_a_folder_it_did_not_make(tmp_path):
    """A non-empty scratch folder without the demo's marker is left alone and main raises ValueError."""
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="scratch"):
        demo.main(tmp_path, out=io.StringIO())
    assert (tmp_path / "thesis.tex").read_text() == "precious"


def test_manifest_errors_name_the_student(tmp_path):
    """A manifest with an unknown expectation is refused, naming the student and the allowed values."""
    (tmp_path / "manifest.json").write_text(
        '{"assignment": "a", "notebook": "a.ipynb", "timestamp": "t", "students": '
        '[{"id": "zed", "first_name": "Z", "last_name": "Z", "intent": "x", "expect": "great"}]}')
    with pytest.raises(ValueError, match="zed.*full"):
        demo.load_manifest(tmp_path)
