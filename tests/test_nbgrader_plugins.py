"""autograder.nbgrader_plugins: the hooks that make ``nbgrader autograde`` trustworthy.

Two kinds of test.  Unit tests drive each piece directly (reading broken files, repairing
cells, rebuilding outputs, test-cell outputs against nbgrader's own ``determine_grade``,
the sandboxed run with the real sandbox and with a fake one replaying forged results).
The module fixture ``batch`` builds a scratch course whose ``nbgrader_config.py`` calls
:func:`configure`, runs the real ``nbgrader autograde`` once over a small class of
mechanism-focused submissions (cheats, broken files, noisy honest work) and
``nbgrader generate_feedback``, and records the gradebook, the log and the feedback; the
re-grade tests then fail a re-grade in two ways.  The big adversarial suite is
tests/test_adversarial.py.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade
from traitlets.config import Config

from autograder import nbgrader_plugins as plugins
from autograder.demo import build_submission, read_student_cells
from autograder.notebooks import (
    answer_cells,
    grade_cells,
    grade_id,
    nbgrader_metadata,
    read_notebook,
    run_nbgrader,
    scratch_course,
    write_notebook,
)

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "ps1-correlation"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
CLASS = ROOT / "demo" / ASSIGNMENT
SOURCE_NB = read_notebook(ROOT / "source_notebooks" / ASSIGNMENT / NOTEBOOK)
RELEASE_NB = read_notebook(ROOT / "release" / ASSIGNMENT / NOTEBOOK)
TEST_IDS = [grade_id(c) for c in grade_cells(SOURCE_NB) if c.cell_type == "code"]
#: The instructor's answers, as a student would type them.
REFERENCE = {grade_id(c): c.source for c in answer_cells(SOURCE_NB)}
#: Hidden-test code that must never reach a student.
HIDDEN_CODE = ("check_correlate2d(correlate2d)", "check_convolve2d(convolve2d)",
               "from autograder.checks import")
CELL_TIMEOUT = 10
CONFIG_TAIL = f"""

# Added by tests/test_nbgrader_plugins.py: trusted grading, small time limits.
from autograder.nbgrader_plugins import configure
configure(c)
c.ExecutePreprocessor.timeout = {CELL_TIMEOUT}
"""

ZEROS = '''
def _shape(in1, in2, mode):
    (H, W), (kH, kW) = np.shape(in1), np.shape(in2)
    shapes = {"full": (H + kH - 1, W + kW - 1), "same": (H, W), "valid": (H - kH + 1, W - kW + 1)}
    return shapes[mode]


def correlate2d(in1, in2, mode="full"):
    return np.zeros(_shape(in1, in2, mode), dtype=np.result_type(np.asarray(in1), np.asarray(in2)))


def convolve2d(in1, in2, mode="full"):
    return np.zeros(_shape(in1, in2, mode), dtype=np.result_type(np.asarray(in1), np.asarray(in2)))
'''

# Writes to every gradebook it can reach through relative paths from wherever it runs.
SQLITE_RELATIVE = '''
try:
    import sqlite3
    for _rel in ["gradebook.db"] + ["../" * _n + "gradebook.db" for _n in range(1, 8)]:
        try:
            _con = sqlite3.connect(_rel)
            _con.execute("CREATE TABLE IF NOT EXISTS forged (how TEXT)")
            _con.execute("INSERT INTO forged VALUES ('relative')")
            _con.execute("UPDATE grade SET manual_score = 1000")
            _con.commit()
        except Exception:
            pass
except Exception:
    pass
''' + ZEROS

# Searches for gradebooks (and is told the real one's path), writes to them, and appends
# code to the course's nbgrader_config.py.
SQLITE_ABSOLUTE = '''
try:
    import os, sqlite3, time
    _found = {{{known!r}}}
    _deadline = time.time() + 3
    for _top in {tops!r}:
        for _folder, _dirs, _files in os.walk(_top):
            if time.time() > _deadline:
                break
            if "gradebook.db" in _files:
                _found.add(os.path.join(_folder, "gradebook.db"))
    for _path in _found:
        try:
            _con = sqlite3.connect(_path)
            _con.execute("CREATE TABLE IF NOT EXISTS forged (how TEXT)")
            _con.execute("INSERT INTO forged VALUES ('absolute')")
            _con.execute("UPDATE grade SET manual_score = 1000")
            _con.commit()
        except Exception:
            pass
    try:
        with open({config!r}, "a") as _fh:
            _fh.write("\\nraise SystemExit('the config was changed by a submission')\\n")
    except Exception:
        pass
except Exception:
    pass
'''

# Correct, but every call warns on stderr.
NOISY = {gid: "import warnings\n" + src.replace(
    '    """\n', '    """\n    warnings.warn("still slow, to be vectorised", RuntimeWarning)\n', 1)
    for gid, src in REFERENCE.items()}

# The same, with nbgrader's hidden-test delimiters in the answer's code and output.
TRICK_MARKER = "MARKER-4711"
NOISY_TRICK = dict(NOISY, correlate2d=(
    f"# {TRICK_MARKER} ### BEGIN HIDDEN TESTS\n"
    f"print('### BEGIN HIDDEN TESTS')\n" + NOISY["correlate2d"]))


def _copy(nb):
    return nbformat.from_dict(copy.deepcopy(dict(nb)))


def _release_with(cells: dict):
    return build_submission(RELEASE_NB, cells)


def _duplicated_test(nb):
    nb = _copy(nb)
    at = [grade_id(c) for c in nb.cells].index("correlate2d_full")
    clone = copy.deepcopy(nb.cells[at])
    clone["id"] = "pasted-copy"
    nb.cells.insert(at + 1, clone)
    return nb


def _stripped(nb):
    nb = _copy(nb)
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def _dumps(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def _demo_student(name: str) -> dict:
    return read_student_cells(CLASS / "students" / f"{name}.py")


def _submissions(course: Path) -> dict:
    """``{student: (file name, bytes)}``: the mechanism-focused class."""
    reference = _release_with(REFERENCE)
    old_r = _copy(reference)  # nbformat 3, saved with an R kernel
    old_r.metadata.kernelspec = {"name": "ir", "display_name": "R", "language": "R"}
    no_cells = _copy(reference)
    no_cells.cells = []
    tops = [os.fspath(course.parent.parent)]
    absolute = SQLITE_ABSOLUTE.format(known=os.fspath(course / "gradebook.db"), tops=tops,
                                      config=os.fspath(course / "nbgrader_config.py")) + ZEROS
    return {
        "reference": (NOTEBOOK, _dumps(reference)),
        "forgot-flip": (NOTEBOOK, _dumps(_release_with(_demo_student("chen")))),
        "patch-testing": (NOTEBOOK, _dumps(_release_with(_demo_student("max")))),
        "sqlite-relative": (NOTEBOOK, _dumps(_release_with({"correlate2d": SQLITE_RELATIVE}))),
        "sqlite-absolute": (NOTEBOOK, _dumps(_release_with({"correlate2d": absolute}))),
        "invalid-json": (NOTEBOOK, (CLASS / "raw" / "lee.ipynb").read_bytes()),
        "empty-file": (NOTEBOOK, b""),
        "duplicated-id": (NOTEBOOK, _dumps(_duplicated_test(reference))),
        "stripped": (NOTEBOOK, _dumps(_stripped(reference))),
        "nbformat3-r-kernel": (NOTEBOOK, nbformat.writes(nbformat.convert(old_r, 3)).encode()),
        "no-cells": (NOTEBOOK, _dumps(no_cells)),
        "renamed": ("ps1-correlation (1).ipynb", _dumps(reference)),
        "stderr-hidden-trick": (NOTEBOOK, _dumps(_release_with(NOISY_TRICK))),
        "regrade-fails": (NOTEBOOK, _dumps(reference)),
        "regrade-killed": (NOTEBOOK, _dumps(reference)),
    }


#: Autograded score each student must get, and phrases their notes or messages must hold.
EXPECTED = {
    "reference": (14, ()),
    "forgot-flip": (8, ("Likely mistake: forgot the flip",)),
    "patch-testing": (0, ()),
    "sqlite-relative": (0, ()),
    "sqlite-absolute": (0, ()),
    "invalid-json": (0, ("is not valid JSON",)),
    "empty-file": (0, ("is empty (0 bytes)",)),
    "duplicated-id": (14, ("appears 2 times",)),
    "stripped": (14, ("recognised by their content and position",)),
    "nbformat3-r-kernel": (14, ("old notebook format 3", "saved with the kernel 'R'")),
    "no-cells": (0, ("has no cells",)),
    "renamed": (14, ("submitted as 'ps1-correlation (1).ipynb'",)),
    "stderr-hidden-trick": (14, ()),
    "regrade-fails": (14, ()),
    "regrade-killed": (14, ()),
}
#: Students whose file could not be read: flagged for manual grading.
UNREADABLE = ("invalid-json", "empty-file")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_hashes(folder: Path) -> dict:
    return {os.fspath(p.relative_to(folder)): _sha(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _notebook_state(course: Path, student: str) -> dict:
    """Scores, manual-grading flags and comments of one submission notebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT, student)
        grades = {g.name: (g.auto_score, g.needs_manual_grade) for g in sub.grades}
        comments = [c.auto_comment for c in sub.comments]
    auto = sum(score or 0 for gid, (score, _) in grades.items() if gid in TEST_IDS)
    return {"auto": auto, "grades": grades, "comments": comments}


@dataclass
class Batch:
    """What the batch fixture recorded, right after autograding and generating feedback."""

    course: Path
    log: str
    returncode: int
    states: dict
    feedback: dict
    autograded: dict
    config_hash: str
    source_hashes: dict


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The class graded by the real ``nbgrader autograde`` with the plugins configured."""
    course = tmp_path_factory.mktemp("plugins") / "course"
    scratch_course(ROOT, course)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + CONFIG_TAIL, encoding="utf-8")
    run_nbgrader(["generate_assignment", ASSIGNMENT], course)
    config_hash = _sha(config)
    source_hashes = _tree_hashes(course / "source_notebooks")
    for student, (name, data) in _submissions(course).items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / name).write_bytes(data)
        (folder / "timestamp.txt").write_text("2025-03-14 09:00:00.000000 UTC")
    result = run_nbgrader(["autograde", ASSIGNMENT], course, check=False, timeout=600)
    states = {s: _notebook_state(course, s) for s in EXPECTED}
    run_nbgrader(["generate_feedback", ASSIGNMENT], course)
    pages = {s: course / "feedback" / s / ASSIGNMENT / "ps1-correlation.html" for s in EXPECTED}
    feedback = {s: page.read_text(encoding="utf-8") for s, page in pages.items() if page.exists()}
    autograded = {s: read_notebook(course / "autograded" / s / ASSIGNMENT / NOTEBOOK)
                  for s in EXPECTED if (course / "autograded" / s / ASSIGNMENT / NOTEBOOK).exists()}
    return Batch(course, result.stdout, result.returncode, states, feedback, autograded,
                 config_hash, source_hashes)


# ----------------------------------------------------------------------------- the batch

BATCH = pytest.mark.xdist_group("nbgrader_plugins")


@BATCH
def test_the_batch_completes_with_every_submission_graded(batch):
    """nbgrader exits 0 and writes an autograded notebook and feedback for every student."""
    assert batch.returncode == 0, batch.log[-3000:]
    assert "There was an error processing" not in batch.log
    assert sorted(batch.autograded) == sorted(EXPECTED)
    assert sorted(batch.feedback) == sorted(EXPECTED)


@BATCH
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_scores(batch, student):
    """Each submission gets exactly its intended autograded score."""
    assert batch.states[student]["auto"] == EXPECTED[student][0], batch.states[student]


@BATCH
@pytest.mark.parametrize("student", sorted(s for s, (_, phrases) in EXPECTED.items() if phrases))
def test_messages_reach_the_student_and_the_log(batch, student):
    """A repaired or failed submission's note or check message is in its graded notebook,
    its feedback and (for notes) the log."""
    nb = batch.autograded[student]
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    text += "\n".join(o.get("evalue", "") for c in nb.cells for o in c.get("outputs", []))
    page = batch.feedback[student]
    for phrase in EXPECTED[student][1]:
        assert phrase in text
        assert phrase in page or phrase.replace("'", "&#39;") in page
        if student != "forgot-flip":
            assert phrase in batch.log


@BATCH
def test_unreadable_files_are_flagged_and_readable_ones_are_not(batch):
    """Unreadable files need manual grading, with a comment; repaired readable ones do not."""
    for student in UNREADABLE:
        state = batch.states[student]
        assert all(flag for _, flag in state["grades"].values())
        assert all(c and "could not be read" in c for c in state["comments"])
    for student in ("reference", "duplicated-id", "stripped", "nbformat3-r-kernel", "renamed"):
        assert not any(flag for gid, (_, flag) in batch.states[student]["grades"].items()
                       if gid in TEST_IDS)


@BATCH
def test_noisy_honest_work_keeps_its_points_and_test_cells_hold_trusted_outputs(batch):
    """Warnings on stderr cost nothing: test cells hold only the trusted result, never stderr."""
    nb = batch.autograded["stderr-hidden-trick"]
    for cell in nb.cells:
        if grade_id(cell) in TEST_IDS:
            assert [o.output_type for o in cell.outputs] == ["stream"]
            assert cell.outputs[0].name == "stdout"
            assert cell.outputs[0].text.startswith("passed: ")


@BATCH
def test_gradebook_and_course_files_have_no_foreign_writes(batch):
    """No submission could write to the gradebook, the config or the source notebooks."""
    with sqlite3.connect(batch.course / "gradebook.db") as con:
        tables = {row[0] for row in
                  con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (manual,) = con.execute(
            "SELECT COUNT(*) FROM grade WHERE manual_score IS NOT NULL").fetchone()
    assert "forged" not in tables
    assert manual == 0
    assert _sha(batch.course / "nbgrader_config.py") == batch.config_hash
    assert _tree_hashes(batch.course / "source_notebooks") == batch.source_hashes


@BATCH
def test_feedback_shows_no_hidden_test_code(batch):
    """No feedback page holds hidden-test code; the student's own delimiter line survives."""
    for student, html in batch.feedback.items():
        for code in HIDDEN_CODE:
            assert code not in html, (student, code)
        if student != "stderr-hidden-trick":
            assert "HIDDEN TESTS" not in html, student
    assert TRICK_MARKER in batch.feedback["stderr-hidden-trick"]


@BATCH
def test_missing_sandbox_defences_are_logged_once(batch):
    """The log says once per run which sandbox defences are missing, or that none is."""
    count = batch.log.count("Sandbox defences missing") + batch.log.count("every defence is active")
    assert count == 1


@BATCH
def test_a_regrade_whose_trusted_grading_fails_zeroes_and_flags(batch):
    """A re-grade whose trusted grader raises leaves 0 points, manual-grading flags, a comment."""
    before = batch.states["regrade-fails"]
    assert before["auto"] == 14
    result = run_nbgrader(["autograde", ASSIGNMENT, "--student", "regrade-fails", "--force",
                           "--TrustedGrades.grade_function=autograder.trusted.no_such_function"],
                          batch.course, check=False)
    assert result.returncode == 0, result.stdout[-2000:]
    after = _notebook_state(batch.course, "regrade-fails")
    assert all(score == 0 for score, _ in after["grades"].values())
    assert all(flag for _, flag in after["grades"].values())
    assert all("Grading could not be completed" in c for c in after["comments"])


@BATCH
def test_a_regrade_killed_part_way_leaves_zero_and_a_flag(batch):
    """A re-grade stopped mid-run (the grader killed) leaves 0 points, not the old score."""
    assert batch.states["regrade-killed"]["auto"] == 14
    slow = _release_with(REFERENCE)
    slow.cells.append(new_code_cell("import time\ntime.sleep(600)"))
    path = batch.course / "submitted" / "regrade-killed" / ASSIGNMENT / NOTEBOOK
    path.write_bytes(_dumps(slow))
    env = dict(os.environ, PYTHONUNBUFFERED="1",
               PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT,
                             "--student", "regrade-killed", "--force"], cwd=batch.course, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:
            if "Autograding" in line:  # the grading pass has started: kill the grader
                break
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(60)
        proc.stdout.close()
    after = _notebook_state(batch.course, "regrade-killed")
    assert all(score == 0 for score, _ in after["grades"].values())
    assert all(flag for _, flag in after["grades"].values())
    assert all(c == plugins.PENDING_COMMENT for c in after["comments"])


# ----------------------------------------------------------------------------- reading

def _write(tmp_path, data, name="nb.ipynb") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


@pytest.mark.parametrize("data, phrase", [
    pytest.param(b"", "is empty", id="empty"),
    pytest.param(b'{"cells": [', "not valid JSON", id="truncated-json"),
    pytest.param(b"[1, 2]", "not a notebook", id="json-list"),
    pytest.param(b'{"nbformat": 99, "metadata": {}}', "not a notebook nbformat can read",
                 id="unknown-format"),
])
def test_unreadable_files_become_empty_notebooks_with_a_note(tmp_path, data, phrase):
    """A file nothing can be read from gives an empty notebook, a note why, readable=False."""
    nb, notes, readable = plugins.read_submission(_write(tmp_path, data))
    assert (readable, len(nb.cells)) == (False, 0)
    assert phrase in notes[0]


def test_nbformat3_is_converted_with_its_metadata(tmp_path):
    """A v3 notebook reads as v4 with its cells' nbgrader metadata and a note."""
    v3 = nbformat.writes(nbformat.convert(_copy(RELEASE_NB), 3))
    nb, notes, readable = plugins.read_submission(_write(tmp_path, v3))
    assert readable and nb.nbformat == 4
    assert [grade_id(c) for c in nb.cells] == [grade_id(c) for c in RELEASE_NB.cells]
    assert "old notebook format 3" in notes[0]


def test_schema_breaking_cells_are_salvaged_one_by_one(tmp_path):
    """Cells with a bad field are rebuilt from type, source and metadata; hopeless ones are
    dropped and counted."""
    raw = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": ["x = ", "1"], "metadata": {"nbgrader": {"grade_id": "a"}},
         "outputs": "not a list", "execution_count": "seven"},
        {"cell_type": "markdown", "source": "text", "metadata": {}},
        {"cell_type": "picture", "source": "?"},
        "not a cell"]}
    nb, notes, readable = plugins.read_submission(_write(tmp_path, json.dumps(raw)))
    assert readable
    nbformat.validate(nb)
    assert [(c.cell_type, c.source) for c in nb.cells] == [("code", "x = 1"), ("markdown", "text")]
    assert nb.cells[0].metadata["nbgrader"]["grade_id"] == "a"
    assert "2 unusable cell(s) were dropped" in notes[0]


def test_non_utf8_bytes_are_replaced_and_noted(tmp_path):
    """Bytes that are not UTF-8 are replaced and the notebook is still read."""
    data = _dumps(new_notebook(cells=[new_code_cell("s = 'CAFE'")])).replace(b"CAFE", b"CAF\xe9")
    nb, notes, readable = plugins.read_submission(_write(tmp_path, data))
    assert readable and nb.cells[0].source == "s = 'CAF\ufffd'"
    assert "not valid UTF-8" in notes[0]


def test_oversized_files_are_not_read(tmp_path):
    """A file over ``max_bytes`` is not read at all."""
    path = _write(tmp_path, _dumps(RELEASE_NB))
    nb, notes, readable = plugins.read_submission(path, max_bytes=100)
    assert not readable and "more than the 100 bytes" in notes[0]


# ----------------------------------------------------------------------------- repair

@functools.lru_cache(maxsize=1)
def _template():
    """The blank assignment, built as RepairSubmission builds it (callers must not change it)."""
    return plugins._template(plugins.RepairSubmission(config=Config()), SOURCE_NB)


def _ids(nb):
    return [grade_id(c) for c in nb.cells if grade_id(c)]


def test_template_is_the_release_notebook():
    """The blank assignment built from the source has the release notebook's cells."""
    template = _template()
    assert [c.source for c in template.cells] == [c.source for c in RELEASE_NB.cells]


def test_repair_leaves_an_intact_submission_alone():
    """A normal submission needs no repair note and keeps its cells in order."""
    nb = _release_with(REFERENCE)
    sources = [c.source for c in nb.cells]
    assert plugins.repair_cells(nb, _template()) == []
    assert [c.source for c in nb.cells] == sources


def test_duplicated_test_keeps_the_first_copy_and_answer_the_last():
    """A copied test cell keeps its id on the first copy, a copied answer cell on the last
    (the definition that wins when the notebook runs)."""
    nb = _duplicated_test(_release_with(REFERENCE))
    at = [grade_id(c) for c in nb.cells].index("convolve2d")
    extra = copy.deepcopy(nb.cells[at])
    extra.source = "def convolve2d(in1, in2, mode='full'):\n    return 'second'"
    extra["id"] = "second"
    nb.cells.insert(at + 1, extra)
    first_test = nb.cells[[grade_id(c) for c in nb.cells].index("correlate2d_full")]
    notes = plugins.repair_cells(nb, _template())
    assert _ids(nb).count("correlate2d_full") == 1 and _ids(nb).count("convolve2d") == 1
    assert next(c for c in nb.cells if grade_id(c) == "correlate2d_full") is first_test
    answer = next(c for c in nb.cells if grade_id(c) == "convolve2d")
    assert "second" in answer.source
    assert any("'correlate2d_full' appears 2 times" in n for n in notes)
    assert any("'convolve2d' appears 2 times" in n for n in notes)


def test_stripped_metadata_is_recognised_by_content_and_position():
    """With every cell's metadata removed, each graded cell gets its id back, answers included."""
    nb = _stripped(_release_with(REFERENCE))
    plugins.repair_cells(nb, _template())
    assert _ids(nb) == _ids(RELEASE_NB)
    answer = next(c for c in nb.cells if grade_id(c) == "correlate2d")
    assert answer.source == REFERENCE["correlate2d"]
    manual = next(c for c in nb.cells if grade_id(c) == "why_cross_correlation")
    assert manual.source == next(c.source for c in RELEASE_NB.cells
                                 if grade_id(c) == "why_cross_correlation")


def test_stripped_answer_with_extra_cells_picks_the_cell_defining_the_function():
    """Among unlabelled cells between two tests, the one defining the answer's function wins."""
    nb = _stripped(_release_with(REFERENCE))
    at = next(i for i, c in enumerate(nb.cells) if c.source == REFERENCE["convolve2d"])
    nb.cells.insert(at, new_code_cell("helper = 3"))
    nb.cells.insert(at + 2, new_code_cell("print(convolve2d([[1]], [[2]]))"))
    plugins.repair_cells(nb, _template())
    answer = next(c for c in nb.cells if grade_id(c) == "convolve2d")
    assert answer.source == REFERENCE["convolve2d"]


def test_deleted_cells_are_restored_after_their_predecessor():
    """Deleted answer and test cells come back from the template, in template order."""
    nb = _release_with(REFERENCE)
    deleted = ("convolve2d", "convolve2d_full", "setup")
    nb.cells = [c for c in nb.cells if grade_id(c) not in deleted]
    notes = plugins.repair_cells(nb, _template())
    assert _ids(nb) == _ids(RELEASE_NB)
    restored = next(c for c in nb.cells if grade_id(c) == "convolve2d")
    assert "raise NotImplementedError()" in restored.source
    assert "graded as blank: convolve2d" in notes[0]


def test_forged_and_unknown_metadata_is_replaced():
    """Points, locks and unknown ids in a submission are replaced by the instructor's metadata."""
    nb = _release_with(REFERENCE)
    test = next(c for c in nb.cells if grade_id(c) == "correlate2d_thorough")
    test.metadata.nbgrader.update(points=100, locked=False, solution=True)
    bonus = {"nbgrader": {"grade_id": "bonus", "grade": True, "points": 50}}
    nb.cells.append(new_code_cell("x = 1", metadata=bonus))
    notes = plugins.repair_cells(nb, _template())
    assert nbgrader_metadata(test) == nbgrader_metadata(
        next(c for c in SOURCE_NB.cells if grade_id(c) == "correlate2d_thorough"))
    assert "nbgrader" not in nb.cells[-1].metadata
    assert any("bonus" in n for n in notes)


def test_notes_show_in_one_cell_and_foreign_notes_are_dropped():
    """Notes accumulate in one markdown cell at the top; a note cell a student forged is removed."""
    forged = new_markdown_cell("fake", metadata={plugins.META_KEY: {"note": True}})
    nb = new_notebook(cells=[forged], metadata={plugins.META_KEY: {"review": ["forged"]}})
    plugins._drop_foreign_notes(nb)
    assert nb.cells == [] and plugins.notes_of(nb) == {"notes": [], "review": [], "failed": False}
    plugins.add_notes(nb, ["one"])
    plugins.add_notes(nb, ["two"], review=["three"], failed=True)
    assert len(nb.cells) == 1
    assert nb.cells[0].source.endswith("- one\n- two\n- three")
    assert plugins.notes_of(nb) == {"notes": ["one", "two", "three"], "review": ["three"],
                                    "failed": True}


@pytest.mark.parametrize("expected, submitted, pairs", [
    pytest.param(["ps1"], ["ps1 (1)"], {"ps1": "ps1 (1)"}, id="browser-download"),
    pytest.param(["ps1"], ["ps1-Copy1", "ps1 (2)"], {"ps1": "ps1 (2)"},
                 id="two-copies-first-sorted"),
    pytest.param(["ps1"], ["Copy of ps1"], {"ps1": "Copy of ps1"}, id="copy-of"),
    pytest.param(["ps1", "ps2"], ["ps2 (1)", "unrelated"], {"ps2": "ps2 (1)"}, id="two-notebooks"),
    pytest.param(["ps1", "ps2"], ["zzz"], {}, id="no-match"),
])
def test_match_renamed(expected, submitted, pairs):
    """Renamed copies pair with the expected name they stand for, and nothing else pairs."""
    assert plugins.match_renamed(expected, submitted) == pairs


# ----------------------------------------------------------------------------- outputs

@pytest.mark.parametrize("passed, points, maximum", [
    pytest.param(True, 3, 3, id="passed"),
    pytest.param(False, 0, 3, id="failed"),
    pytest.param(False, 1.5, 3, id="partial"),
    pytest.param(True, 1, 1, id="passed-one-point"),
])
def test_test_outputs_score_exactly_under_nbgrader(passed, points, maximum):
    """nbgrader's own determine_grade gives a cell with these outputs exactly the trusted points."""
    cell = _test_cell("assert True", points=maximum)
    cell.outputs = plugins.trusted_outputs(passed, points, maximum, "the check's message")
    assert determine_grade(cell) == (points, maximum)
    assert not any(o.get("name") == "stderr" for o in cell.outputs)


def test_failed_test_output_is_the_message_only():
    """A failure is one error output: the exception's name, its message, no code."""
    (out,) = plugins.trusted_outputs(False, 0, 1, "ValueError: bad mode\nsecond line")
    assert (out.ename, out.evalue, out.traceback) == ("ValueError", "bad mode\nsecond line",
                                                      ["ValueError: bad mode", "second line"])


def test_clean_outputs_rebuilds_fields_and_caps_size():
    """Only known output fields and safe MIME types survive, and a cell's output is capped."""
    raw = [{"output_type": "stream", "name": "stdout", "text": ["a", "b"], "metadata": {"x": 1}},
           {"output_type": "stream", "name": "evil", "text": "x"},
           {"output_type": "error", "ename": 3, "evalue": "v", "traceback": ["t", 5]},
           {"output_type": "display_data", "data": {"application/javascript": "alert(1)"}},
           {"output_type": "execute_result", "data": {"text/plain": "7"}, "execution_count": True},
           "junk"]
    outs = plugins.clean_outputs(raw)
    assert [dict(o) for o in outs] == [
        {"output_type": "stream", "name": "stdout", "text": "ab"},
        {"output_type": "error", "ename": "Error", "evalue": "v", "traceback": ["t"]},
        {"output_type": "execute_result", "data": {"text/plain": "7"}, "metadata": {},
         "execution_count": None}]
    big = [{"output_type": "stream", "name": "stdout", "text": "x" * 1000}] * 10
    capped = plugins.clean_outputs(big, max_bytes=3000)
    assert len(capped) == 3 and "output truncated" in capped[-1].text
    assert plugins.clean_outputs({"not": "a list"}) == []


def test_hide_hidden_tests_touches_only_test_cells():
    """Feedback hides hidden regions in test cells (even unterminated) and leaves answers intact."""
    answer = new_code_cell("# ### BEGIN HIDDEN TESTS\nx = 1", metadata={"nbgrader": {
        "solution": True, "grade": False, "grade_id": "a"}})
    test = new_code_cell("visible()\n### BEGIN HIDDEN TESTS\nsecret()", metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t", "points": 1}})
    nb, _ = plugins.HideHiddenTests().preprocess(new_notebook(cells=[answer, test]), {})
    assert nb.cells[0].source == "# ### BEGIN HIDDEN TESTS\nx = 1"
    assert nb.cells[1].source == "visible()"


def test_hidden_paths_hide_the_course_but_not_the_interpreter(tmp_path):
    """Course entries, the package and an outside gradebook are hidden; a venv in the course
    is not."""
    course = tmp_path / "course"
    for name in ("source_notebooks", "submitted", ".venv/bin"):
        (course / name).mkdir(parents=True)
    (course / "nbgrader_config.py").touch()
    outside = tmp_path / "elsewhere.db"
    outside.touch()
    hidden = plugins.hidden_paths(course, db_url=f"sqlite:///{outside}", keep=[course / ".venv"])

    def covered(path):
        return any(path == q or q in path.parents for q in hidden)

    for path in (course / "source_notebooks", course / "submitted", course / "nbgrader_config.py",
                 outside, Path(plugins.__file__).resolve().parent):
        assert covered(path), path
    assert not covered(course / ".venv") and not covered(course / ".venv" / "bin")
    whole = plugins.hidden_paths(course, keep=[tmp_path / "other"])
    assert course in whole and not any(course in p.parents for p in whole)


def test_configure_sets_the_pipeline():
    """configure puts each plugin in its place in nbgrader's pipeline and refuses a non-config."""
    c = plugins.configure(Config())
    assert c.Autograde.exporter_class is plugins.RobustNotebookExporter
    assert c.Autograde.pre_convert_hook is plugins.find_renamed_notebooks
    assert c.Autograde.sanitize_preprocessors[0] is plugins.RepairSubmission
    auto = c.Autograde.autograde_preprocessors
    assert auto[0] is plugins.SandboxedExecute
    assert auto.index(plugins.TrustedGrades) + 1 == auto.index(plugins.SaveAutoGrades)
    assert auto.index(plugins.FlagForReview) == auto.index(plugins.SaveAutoGrades) + 1
    assert c.GenerateFeedback.preprocessors[0] is plugins.HideHiddenTests
    with pytest.raises(TypeError, match="c must be a traitlets.config.Config"):
        plugins.configure({})


# ----------------------------------------------------------------------------- sandboxed run

def _resources(course: Path) -> dict:
    return {"nbgrader": {"student": "s", "assignment": "a", "notebook": "n",
                         "db_url": f"sqlite:///{course / 'gradebook.db'}"}}


def _test_cell(source, gid="t", points=1):
    return new_code_cell(source, metadata={"nbgrader": {"grade": True, "solution": False,
                                                        "grade_id": gid, "points": points}})


def test_sandboxed_execute_isolates_cells_and_survives_hangs_and_deaths(tmp_path):
    """In the real sandbox: outputs come back per cell, a hang and an exit each cost one cell,
    hidden tests never run, course files are hidden and active HTML is dropped."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "gradebook.db").write_text("secret")
    cfg = Config()
    cfg.CourseDirectory.root = os.fspath(course)
    cfg.ExecutePreprocessor.timeout = 3
    probe = (f"try:\n    print(open({os.fspath(course / 'gradebook.db')!r}).read())\n"
             f"except OSError as exc:\n    print('gradebook:', type(exc).__name__)")
    cells = [new_code_cell("import sys\nprint('hello')\nprint('noise', file=sys.stderr)"),
             new_code_cell("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                           "while True:\n    pass"),
             new_code_cell("print('after the hang')"),
             new_code_cell("import os\nos._exit(0)"),
             new_code_cell(probe),
             _test_cell("print('visible')\n### BEGIN HIDDEN TESTS\nprint('HIDDEN-RAN')\n"
                        "### END HIDDEN TESTS"),
             new_code_cell("from IPython.display import HTML, display\n"
                           "display(HTML('<script>x</script>'))\n6 * 7")]
    nb = new_notebook(cells=cells)
    sources = [c.source for c in nb.cells]
    nb, _ = plugins.SandboxedExecute(config=cfg).preprocess(nb, _resources(course))
    text = ["".join(o.get("text", "") + o.get("evalue", "") for o in c.outputs) for c in nb.cells]
    assert [c.source for c in nb.cells] == sources
    assert text[0] == "hello\nnoise\n"
    assert nb.cells[1].outputs[-1].ename == "CellTimeoutError"
    assert text[2] == "after the hang\n"
    assert nb.cells[3].outputs[-1].ename == "DeadKernelError"
    assert "secret" not in text[4] and text[4].startswith("gradebook:")
    assert text[5] == "visible\n"
    assert [dict(o.data) for o in nb.cells[6].outputs] == [
        {"text/plain": "<IPython.core.display.HTML object>"}, {"text/plain": "42"}]
    assert plugins.notes_of(nb)["review"] == []


class FakeSandbox:
    """Stands in for autograder.sandbox.Sandbox: replays result lines a hostile run could print."""

    lines: list = []
    stop = None

    def __init__(self, limits, hide=()):
        self.limits, self.hide = limits, hide
        self.workdir = Path("/nonexistent-workdir")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def missing(self):
        return []

    def run(self, argv, *, input=None, env=None):
        token = json.loads(input)["token"]
        out = "\n".join(line.replace("TOKEN", token) for line in self.lines)
        return SimpleNamespace(returncode=-9 if self.stop else 0, stdout=out.encode(), stderr=b"",
                               timed_out=self.stop == "timeout", output_truncated=False,
                               killed=["wall time limit of 5 s exceeded"] if self.stop else [])


def test_sandboxed_execute_takes_only_outputs_from_forged_results(tmp_path, monkeypatch):
    """Result lines claiming sources, metadata or foreign cells change nothing but outputs;
    a run that stops early marks its cell and flags the notebook."""
    cfg = Config()
    cfg.CourseDirectory.root = os.fspath(tmp_path)
    cfg.SandboxedExecute.sandbox_class = FakeSandbox
    record = {"cell": 0, "outputs": [{"output_type": "stream", "name": "stdout", "text": "ok"}],
              "execution_count": 1, "source": "forged", "metadata": {"nbgrader": {"points": 99}}}
    FakeSandbox.lines = ["print-like noise", "TOKEN" + json.dumps(record),
                         "TOKEN" + json.dumps({"cell": 0, "outputs": [], "execution_count": 9}),
                         "TOKEN" + json.dumps({"cell": 7, "outputs": []}), "TOKEN{not json",
                         "WRONG" + json.dumps({"cell": 1, "outputs": []})]
    FakeSandbox.stop = "timeout"
    monkeypatch.setattr(plugins, "_LOGGED_ONCE", {"sandbox"})
    nb = new_notebook(cells=[new_code_cell("a = 1", metadata={"k": "v"}), new_markdown_cell("m"),
                             new_code_cell("b = 2")])
    nb, _ = plugins.SandboxedExecute(config=cfg).preprocess(nb, _resources(tmp_path))
    note, *cells = nb.cells
    assert "stopped in code cell 2 of 2" in note.source
    assert [c.source for c in cells] == ["a = 1", "m", "b = 2"]
    assert cells[0].metadata == {"k": "v"}
    assert [dict(o) for o in cells[0].outputs] == [{"output_type": "stream", "name": "stdout",
                                                    "text": "ok"}]
    assert cells[0].execution_count == 1
    assert cells[2].outputs[-1].ename == "SandboxStopped"
    assert "wall-time limit" in cells[2].outputs[-1].evalue
    assert "stopped in code cell 2 of 2" in plugins.notes_of(nb)["review"][0]


def test_trusted_grades_replace_test_outputs_and_flag_failures(tmp_path, monkeypatch):
    """Test cells get the trusted result whatever they printed; a crashing grader gives 0 and
    marks the notebook as failed."""
    source = tmp_path / "source_notebooks" / "a"
    source.mkdir(parents=True)
    write_notebook(new_notebook(cells=[_test_cell("pass", "t1"), _test_cell("pass", "t2")]),
                   source / "n.ipynb")
    cfg = Config()
    cfg.CourseDirectory.root = os.fspath(tmp_path)
    cfg.CourseDirectory.source_directory = "source_notebooks"
    monkeypatch.setattr(plugins, "_LOGGED_ONCE", {"sandbox"})
    nb = new_notebook(cells=[_test_cell("pass", "t1"), _test_cell("pass", "t2")])
    nb.cells[0].outputs = [new_output("stream", name="stderr", text="warning")]
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="all good")]

    def grade(submitted, source_nb, limits, hide=()):
        return [SimpleNamespace(grade_id="t1", passed=True, points=1, max_points=1, message="")]

    cfg.TrustedGrades.grade_function = grade
    graded, _ = plugins.TrustedGrades(config=cfg).preprocess(_copy(nb), _resources(tmp_path))
    assert [determine_grade(c)[0] for c in graded.cells] == [1, 0]
    assert "not run by the trusted grader" in graded.cells[1].outputs[0].evalue

    def crash(*args, **kwargs):
        raise RuntimeError("worker exploded")

    cfg.TrustedGrades.grade_function = crash
    graded, _ = plugins.TrustedGrades(config=cfg).preprocess(_copy(nb), _resources(tmp_path))
    note, *cells = graded.cells
    assert "worker exploded" in note.source
    assert [determine_grade(c)[0] for c in cells] == [0, 0]
    assert plugins.notes_of(graded)["failed"]
    assert "worker exploded" in cells[1].outputs[0].evalue


def test_exporter_grades_the_blank_assignment_when_sanitizing_fails(tmp_path):
    """A sanitize step that raises on a student's notebook makes the exporter start again from
    a blank notebook with a review note, instead of failing the submission."""
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config import LoggingConfigurable

    class Converter(LoggingConfigurable):
        _sanitizing = True

    class Fragile(Preprocessor):
        def preprocess(self, nb, resources):
            if any(c.cell_type == "code" for c in nb.cells):
                raise RuntimeError("cannot handle this cell")
            return nb, resources

    exporter = plugins.RobustNotebookExporter(parent=Converter())
    exporter.register_preprocessor(Fragile(enabled=True), enabled=True)
    path = _write(tmp_path, _dumps(new_notebook(cells=[new_code_cell("x = 1")])))
    output, _ = exporter.from_filename(os.fspath(path), resources={"nbgrader": {}})
    nb = nbformat.reads(output, as_version=4)
    assert [c.cell_type for c in nb.cells] == ["markdown"]
    assert "cannot handle this cell" in plugins.notes_of(nb)["review"][0]
