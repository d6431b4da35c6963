"""autograder.demo: every demo class through the real nbgrader pipeline gives the grades its manifest intends.

The module fixture runs the whole demo once (every class in demo/, graded in parallel: about
two and a half minutes on two cores for five classes), then grades the smallest class a second
time into the same scratch folder; the other tests are quick unit tests of the demo's pieces.
"""

from __future__ import annotations

import csv
import json
import io
from pathlib import Path

import pytest

import autograder.checks
import autograder.demo as demo
from autograder.mistakes import MISTAKES
from autograder.notebooks import (
    answer_cells,
    cells_by_grade_id,
    grade_cells,
    grade_id,
    read_notebook,
)

# Under pytest-xdist with --dist loadgroup these tests share one worker, so the demo runs
# happen once rather than once per worker.
pytestmark = pytest.mark.xdist_group("demo")

ROOT = Path(__file__).resolve().parents[1]
CLASSES = demo.demo_classes()
MANIFESTS = {folder.name: demo.load_manifest(folder) for folder in CLASSES}
KINDS = ("full", "mistake", "zero", "broken", "cheat")
PS1 = "ps1-correlation"
PS1_RELEASE = ROOT / "release" / PS1 / f"{PS1}.ipynb"
# The class graded twice: the smallest, to keep the second run short.
RERUN = min(CLASSES, key=lambda folder: len(MANIFESTS[folder.name][1]))


def _release(assignment: str) -> Path:
    settings = MANIFESTS[assignment][0]
    return ROOT / "release" / settings["assignment"] / settings["notebook"]


def _students(kind: str) -> list:
    """(class, student) pairs whose manifest expects ``kind``, as pytest params."""
    return [pytest.param(name, s, id=f"{name}-{s.id}")
            for name, (_, students) in MANIFESTS.items() for s in students if s.expect == kind]


@pytest.fixture(scope="module")
def runs_and_files(tmp_path_factory):
    """The whole demo, then the smallest class alone into the same scratch folder (which wipes it).

    What the first run wrote is read before the second run removes it: each class's grades.csv
    rows and the size of every feedback file.
    """
    scratch = tmp_path_factory.mktemp("demo") / "course"
    found, files = [], {}
    for demo_dirs in (None, [RERUN]):
        out = io.StringIO()
        found.append((demo.main(scratch, demo_dirs=demo_dirs, out=out), out.getvalue()))
        if not files:
            for result in found[0][0].results:
                with open(result.grades_csv, newline="") as fh:
                    grades = {row["student_id"]: row for row in csv.DictReader(fh)}
                sizes = {path: path.stat().st_size for path in result.feedback_files}
                files[result.assignment] = (grades, sizes)
    return found, files


@pytest.fixture(scope="module")
def runs(runs_and_files):
    return runs_and_files[0]


@pytest.fixture(scope="module")
def written(runs_and_files):
    """``{assignment: (grades.csv rows by student id, {feedback file: size})}`` of the first run."""
    return runs_and_files[1]


@pytest.fixture(scope="module")
def report(runs):
    return runs[0][0]


@pytest.fixture(scope="module")
def rows(report):
    return {(result.assignment, row.student.id): row
            for result in report.results for row in result.rows}


# ----------------------------------------------------------------------------- the classes

def test_every_demo_folder_is_a_class_of_a_released_assignment():
    """demo_classes() finds every folder of demo/ with a manifest, in name order, each for an assignment of its own name with a source and a release."""
    folders = sorted(p for p in (ROOT / "demo").iterdir() if (p / "manifest.json").is_file())
    assert CLASSES == folders and PS1 in MANIFESTS and "ps2-conv-layer" in MANIFESTS
    for name, (settings, _) in MANIFESTS.items():
        assert settings["assignment"] == name
        assert (ROOT / "source_notebooks" / name / settings["notebook"]).is_file()
        assert _release(name).is_file()


@pytest.mark.parametrize("assignment", list(MANIFESTS))
def test_each_class_shows_right_wrong_blank_and_hostile_work(assignment):
    """Every class has at least six students: a correct one, two named mistakes, a blank, and a broken or cheating one."""
    students = MANIFESTS[assignment][1]
    kinds = [s.expect for s in students]
    assert len(students) >= 6
    assert kinds.count("full") >= 1 and kinds.count("mistake") >= 2 and "zero" in kinds
    assert "broken" in kinds or "cheat" in kinds
    assert all(s.mistakes for s in students if s.expect == "mistake")


def test_ps1_class_covers_every_kind_of_submission():
    """The ps1 class holds at least 14 students, two correct ones, every other kind of outcome and the classic mistakes."""
    students = MANIFESTS[PS1][1]
    assert len(students) >= 14
    assert sum(s.expect == "full" for s in students) >= 2
    assert {s.expect for s in students} == set(KINDS)
    named = " ".join(m for s in students for m in s.mistakes).lower()
    for word in ("flip", "valid", "same", "h and w", "input", "overflow", "scipy"):
        assert word in named, f"no student demonstrates the mistake {word!r}"


# ----------------------------------------------------------------------------- one run, every class

def test_every_class_is_graded_in_order(report):
    """The report holds one result per demo class, in demo_classes() order, each in its own course folder."""
    assert [r.assignment for r in report.results] == list(MANIFESTS)
    for result in report.results:
        assert result.scratch == report.scratch / result.assignment
        assert report[result.assignment] is result
    with pytest.raises(KeyError, match="ps1-correlation"):
        report["no-such-assignment"]


@pytest.mark.parametrize("assignment", list(MANIFESTS))
def test_every_student_appears(report, assignment):
    """Each manifest student has a row in its class's results and a line in that class's table."""
    result = report[assignment]
    ids = [s.id for s in MANIFESTS[assignment][1]]
    assert [row.student.id for row in result.rows] == ids
    lines = result.table.splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("---")) + 1:]
    assert [line.split()[0] for line in body if line[:1].strip()] == ids  # notes are indented


@pytest.mark.parametrize("assignment", list(MANIFESTS))
def test_table_legend_groups_the_tests_by_function(report, assignment):
    """The legend lists each function students write, in notebook order, with its test cells."""
    source = read_notebook(ROOT / "source_notebooks" / assignment / MANIFESTS[assignment][0]["notebook"])
    functions = [grade_id(cell) for cell in answer_cells(source)]
    tests = [grade_id(cell) for cell in grade_cells(source) if cell.cell_type == "code"]
    # A function owns the tests named after it, unless a longer function name fits them too.
    tested = [f for f in functions
              if any(t.startswith(f + "_") and not any(len(g) > len(f) and t.startswith(g + "_")
                                                       for g in functions) for t in tests)]
    legend = report[assignment].table.splitlines()[1]
    named = [part.split(":")[0].strip() for part in legend.partition(": ")[2].split(" | ")]
    assert named == tested
    if assignment == "ps2-conv-layer":
        assert "conv_output_size: examples refuses thorough" in legend


@pytest.mark.parametrize("assignment, student", _students("full"))
def test_correct_students_get_full_autograded_marks(rows, assignment, student):
    """A correct submission passes every test cell, gets every autograded point and is not flagged."""
    row = rows[assignment, student.id]
    assert row.graded and all(row.cells.values()), row.cells
    assert row.score == row.max_score > 0
    assert row.recheck_score == row.max_score and row.forged_points == 0
    assert row.mistakes == []


@pytest.mark.parametrize("assignment, student", _students("mistake"))
def test_each_mistake_loses_points_and_is_named(rows, assignment, student):
    """A submission with a known mistake loses points and the checks' message names that mistake."""
    row = rows[assignment, student.id]
    assert row.graded and 0 <= row.score < row.max_score
    named = " | ".join(row.mistakes).lower()
    for word in student.mistakes:
        assert word.lower() in named, f"{student.id}: expected {word!r} among {row.mistakes}"
    assert row.forged_points == 0


@pytest.mark.parametrize("assignment, student", _students("zero"))
def test_blank_submission_gets_zero(rows, assignment, student):
    """The untouched release scores 0 and fails every test cell."""
    row = rows[assignment, student.id]
    assert row.graded and row.score == 0 and not any(row.cells.values())


@pytest.mark.parametrize("assignment, student", _students("broken"))
def test_broken_notebook_is_graded_zero_with_a_note_and_the_batch_goes_on(report, rows, assignment,
                                                                           student):
    """An unreadable notebook is graded 0 with a note saying why, and every other student is graded."""
    row = rows[assignment, student.id]
    assert row.graded and row.score == 0 and not any(row.cells.values())
    assert any("not valid JSON" in note for note in row.notes), row.notes
    assert "not valid JSON" in report[assignment].table
    assert all(r.graded for r in report[assignment].rows)


@pytest.mark.parametrize("assignment, student", _students("cheat"))
def test_a_cheat_gets_no_forged_points(rows, assignment, student):
    """A submission that patches numpy.testing gains nothing: trusted grading gives only what the re-check supports."""
    row = rows[assignment, student.id]
    assert row.graded and row.forged_points == 0
    assert row.score == row.recheck_score < row.max_score


def test_nobody_is_flagged_as_forged_and_the_defences_are_listed(runs):
    """With trusted grading no row of any class carries the forgery note, and the report lists the defences once."""
    report, printed = runs[0]
    assert all(row.forged_points == 0 for result in report.results for row in result.rows)
    assert not any("nbgrader awarded" in result.table for result in report.results)
    assert printed.count("defences active") == 1


def test_restored_cells_are_reported(rows):
    """A deleted test cell is put back by the grader and graded, and the row's notes name it."""
    for assignment, (_, students) in MANIFESTS.items():
        for student in students:
            if student.delete_cells:
                row = rows[assignment, student.id]
                assert row.tampered["deleted"] == list(student.delete_cells)
                assert all(gid in row.cells for gid in student.delete_cells)
                notes = " ".join(row.notes)
                assert all(gid in notes for gid in student.delete_cells), row.notes


@pytest.mark.parametrize("assignment", list(MANIFESTS))
def test_grades_csv_and_feedback_exist(report, written, assignment):
    """nbgrader wrote the class's grades.csv with every student's score, and a feedback page for each graded one."""
    result = report[assignment]
    grades, feedback_sizes = written[assignment]
    assert set(grades) == {s.id for s in MANIFESTS[assignment][1]}
    assert all(row["assignment"] == assignment for row in grades.values())
    for row in result.rows:
        if row.graded:
            assert float(grades[row.student.id]["score"]) == row.score
            assert row.feedback is not None and feedback_sizes[row.feedback] > 0
            assert row.student.id in str(row.feedback)


def test_printed_report_gives_each_table_then_the_outputs(runs):
    """The report prints the tables in class order, each followed by where its grades and feedback are, then the total time."""
    report, printed = runs[0]
    at = 0
    for result in report.results:
        for text in (result.table, f"grades.csv:    {result.grades_csv}",
                     f"feedback HTML: {result.scratch / 'feedback'}"):
            found = printed.find(text, at)
            assert found >= at, f"{text[:60]!r} missing or out of order"
            at = found + len(text)
    assert "total time:" in printed[at:]


def test_a_second_run_wipes_the_scratch_folder_and_prints_the_same_table(runs):
    """Rerunning into the same folder removes the first run's classes and grades the rerun class to the same table."""
    (first, _), (second, printed) = runs
    assert [r.assignment for r in second.results] == [RERUN.name]
    assert sorted(p.name for p in second.scratch.iterdir() if p.is_dir()) == [RERUN.name]
    assert second[RERUN.name].table == first[RERUN.name].table
    assert printed.count(second[RERUN.name].table) == 1


# ----------------------------------------------------------------------------- unit tests

@pytest.mark.parametrize("assignment", list(MANIFESTS))
def test_each_student_file_names_only_cells_of_the_release(assignment):
    """Every student's sections and deleted cells are grade ids of the class's release notebook."""
    release = read_notebook(_release(assignment))
    known = set(cells_by_grade_id(release))
    for student in MANIFESTS[assignment][1]:
        if student.answers:
            own = demo.read_student_cells(student.answers)
            cells = student.cells()
            assert own and set(cells) <= known, student.id
            demo.build_submission(release, cells, student.delete_cells)


def test_build_submission_rewrites_and_deletes_cells():
    """build_submission fills answers, uncomments markdown answers and drops deleted cells."""
    release = read_notebook(PS1_RELEASE)
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


def _graded_tasks() -> list[str]:
    """The functions the demo classes' students write that have a check and known mistakes."""
    tasks = []
    for assignment, (settings, _) in MANIFESTS.items():
        source = read_notebook(ROOT / "source_notebooks" / assignment / settings["notebook"])
        tasks += [grade_id(cell) for cell in answer_cells(source)
                  if grade_id(cell) in MISTAKES
                  and hasattr(autograder.checks, f"check_{grade_id(cell)}")]
    return tasks


@pytest.mark.parametrize("task", _graded_tasks())
def test_named_mistakes_reads_the_checks_messages(task):
    """For each known wrong variant of a demo class's function, the name parsed from the check's message is a variant's name."""
    check = getattr(autograder.checks, f"check_{task}")
    assert MISTAKES[task]
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
        autograder.checks.check_correlate2d(
            lambda in1, in2, mode="full": scipy.signal.correlate2d(in1, in2, mode))
    assert demo.named_mistakes([str(info.value)]) == ["forbidden call: scipy.signal.correlate2d"]


def test_main_refuses_to_wipe_a_folder_it_did_not_make(tmp_path):
    """A non-empty scratch folder without the demo's marker is left alone and main raises ValueError."""
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="scratch"):
        demo.main(tmp_path, out=io.StringIO())
    assert (tmp_path / "thesis.tex").read_text() == "precious"


def test_main_refuses_a_class_without_a_release_before_wiping_anything(tmp_path):
    """A class whose assignment has no release notebook is refused, naming the missing file, and the scratch folder is untouched."""
    course = tmp_path / "course"
    (course / "source_notebooks" / PS1).mkdir(parents=True)
    (course / "source_notebooks" / PS1 / f"{PS1}.ipynb").write_text("{}")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / demo.MARKER).write_text("")
    (scratch / "kept").write_text("")
    with pytest.raises(ValueError, match=f"release/{PS1}/{PS1}.ipynb"):
        demo.main(scratch, demo_dirs=[ROOT / "demo" / PS1], course_root=course, out=io.StringIO())
    assert (scratch / "kept").exists()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"demo_dirs": []}, ValueError, "at least one demo class"),
    ({"demo_dirs": [ROOT / "demo" / PS1, ROOT / "demo" / PS1]}, ValueError, "once"),
    ({"jobs": 0}, ValueError, "jobs must be >= 1"),
    ({"jobs": 1.5}, TypeError, "jobs must be an int"),
    ({"cell_timeout": 0}, ValueError, "cell_timeout must be >= 1"),
])
def test_main_refuses_bad_arguments(tmp_path, kwargs, error, match):
    """main names the bad argument and what is allowed, before grading anything."""
    with pytest.raises(error, match=match):
        demo.main(tmp_path, out=io.StringIO(), **kwargs)
    assert not any(tmp_path.iterdir())


def test_manifest_errors_name_the_student(tmp_path):
    """A manifest with an unknown expectation is refused, naming the student and the allowed values."""
    (tmp_path / "manifest.json").write_text(
        '{"assignment": "a", "notebook": "a.ipynb", "timestamp": "t", "students": '
        '[{"id": "zed", "first_name": "Z", "last_name": "Z", "intent": "x", "expect": "great"}]}')
    with pytest.raises(ValueError, match="zed.*full"):
        demo.load_manifest(tmp_path)


def test_a_student_with_a_base_starts_from_the_base_students_cells(tmp_path):
    """With "base", a student's cells are the base student's with the student's own sections replacing theirs; a bad base is refused."""
    (tmp_path / "students").mkdir()
    (tmp_path / "students" / "a.py").write_text("# %% f\ndef f():\n    return 1\n\n# %% g\nx = 1\n")
    (tmp_path / "students" / "b.py").write_text('"""B: g differs."""\n\n# %% g\nx = 2\n')
    entry = {"first_name": "A", "last_name": "B", "intent": "i", "expect": "full"}
    manifest = {"assignment": "a1", "notebook": "a1.ipynb", "students": [
        dict(entry, id="a", answers="students/a.py"),
        dict(entry, id="b", answers="students/b.py", base="a")]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    _, (a, b) = demo.load_manifest(tmp_path)
    assert b.cells() == {"f": "def f():\n    return 1", "g": "x = 2"}
    assert a.cells() == {"f": "def f():\n    return 1", "g": "x = 1"}
    for bad in ("b", "nobody"):
        manifest["students"][1]["base"] = bad
        (tmp_path / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(ValueError, match="base of student 'b'"):
            demo.load_manifest(tmp_path)
