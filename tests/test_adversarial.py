"""The adversarial suite: one real ``nbgrader autograde`` batch over every submission in tests/adversarial/.

The submissions (cheats, denial of service, malformed notebooks, honest mistakes) and what
each must score are described in ``tests/adversarial/expected.json``.  The module fixture
builds a scratch course in a temporary folder with the project's ``nbgrader_config.py``,
imports the students, generates the assignment, places every submission, runs
``nbgrader autograde`` once over the whole class (small time limits given on the command
line) and ``nbgrader generate_feedback``, and records what it needs before and after: the
hashes of the course files, the gradebook's schema and instructor tables, and the processes
the batch left behind.  The tests then check each submission's per-cell scores and messages
(parametrized, so a failure names the submission) and the integrity of everything else.

Set ``ADVERSARIAL_NBGRADER_CONFIG=/path/to/nbgrader_config.py`` to grade the suite with
another configuration, e.g. stock nbgrader's, and see which attacks work there.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import html
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

import autograder.demo as demo
from autograder.mistakes import MISTAKES
from autograder.notebooks import (
    cells_by_grade_id,
    grade_cells,
    grade_id,
    nbgrader_metadata,
    read_notebook,
    run_nbgrader,
    scratch_course,
)

# Under pytest-xdist with --dist loadgroup every test here shares one worker, so the batch
# runs once.
pytestmark = pytest.mark.xdist_group("adversarial")

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "tests" / "adversarial"
EXPECTED = json.loads((SUITE / "expected.json").read_text(encoding="utf-8"))
ASSIGNMENT = EXPECTED["assignment"]
NOTEBOOK = EXPECTED["notebook"]
SUBMISSIONS = EXPECTED["submissions"]
BY_ID = {sub["id"]: sub for sub in SUBMISSIONS}
CATEGORIES = ("cheat", "dos", "malformed", "honest")
SOURCE_NB = read_notebook(ROOT / "source_notebooks" / ASSIGNMENT / NOTEBOOK)
RELEASE_NB = read_notebook(ROOT / "release" / ASSIGNMENT / NOTEBOOK)
#: Autograded test cells and their points, in notebook order.
POINTS = {grade_id(c): float(nbgrader_metadata(c)["points"])
          for c in grade_cells(SOURCE_NB) if c.cell_type == "code"}
MANUAL = [grade_id(c) for c in grade_cells(SOURCE_NB) if c.cell_type != "code"]

#: Limits given to nbgrader on the command line so the batch takes minutes, not hours.
CELL_TIMEOUT = 5
OVERRIDES = [f"--ExecutePreprocessor.timeout={CELL_TIMEOUT}"]
#: The whole autograde batch is killed after this many seconds (it should take far less).
BATCH_TIMEOUT = 1500
#: Processes the submissions start name themselves "advx-<what>" (see dos-*.py); each batch
#: rewrites the prefix to a tag of its own, so a concurrent run of the suite is not mistaken
#: for this one's leftovers.
PROCESS_PREFIX = "advx-"
BATCH_TAG = f"ax{uuid.uuid4().hex[:6]}-"
#: Text found only in the hidden tests; none may reach a student (outputs or feedback).
HIDDEN_MARKERS = ("from autograder.checks import check_correlate2d",
                  "check_correlate2d(correlate2d)", "check_convolve2d(convolve2d)",
                  "which names a recognised mistake")
#: Course files no submission may change, relative to the course root.
PROTECTED = ("nbgrader_config.py", "students.csv", "source_notebooks", "release", "submitted")
#: Gradebook tables nbgrader fills before autograding; a batch must leave them as they are.
INSTRUCTOR_TABLES = ("course", "student", "assignment", "notebook", "base_cell", "grade_cells",
                     "solution_cells", "source_cell", "task_cells")
#: What the batch may add to the course root.
BATCH_OUTPUTS = {"autograded", "feedback", "logs"}


# ----------------------------------------------------------------------------- building

def expected_scores(sub) -> dict:
    """``{grade_id: points}`` that ``sub`` must get for every autograded test cell."""
    lost = set(POINTS) if sub["lost"] == "all" else set(sub["lost"])
    return {gid: (0.0 if gid in lost else pts) for gid, pts in POINTS.items()}


def expected_message(sub, gid) -> str:
    """The substring the student must see for the lost test cell ``gid`` ('' for any).

    Keys of ``messages`` are grade ids or patterns (``convolve2d_*``, ``*``); the first
    that matches wins.
    """
    for key, text in sub.get("messages", {}).items():
        if fnmatch.fnmatchcase(gid, key):
            return text
    return ""


def _transform(nb, how: str):
    """Apply one malformation from expected.json; returns ``(notebook or text, file name)``."""
    kind, _, arg = how.partition(":")
    name = NOTEBOOK
    if kind == "no-cells":
        nb.cells = []
    elif kind == "nbformat-v3":
        return nbformat.writes(nbformat.convert(nb, 3), version=3), name
    elif kind == "kernel-ir":
        nb.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
        nb.metadata["language_info"] = {"name": "R"}
    elif kind == "duplicate":
        # Pasted right below the first answer cell, as a student copying a test to try it.
        cell = copy.deepcopy(cells_by_grade_id(nb)[arg])
        cell["id"] = f"pasted-{arg}"  # Jupyter gives a pasted cell a new id, not a new grade id
        answer = next(i for i, c in enumerate(nb.cells) if nbgrader_metadata(c).get("solution"))
        nb.cells.insert(answer + 1, cell)
    elif kind == "strip-metadata":
        nb.metadata = nbformat.NotebookNode()
        for cell in nb.cells:
            cell.metadata = nbformat.NotebookNode()
    elif kind == "rename":
        name = arg
    elif kind == "reverse":
        nb.cells.reverse()
    elif kind == "markdown":
        index = next(i for i, c in enumerate(nb.cells) if grade_id(c) == arg)
        old = nb.cells[index]
        nb.cells[index] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
    else:
        raise ValueError(f"transform must be one of no-cells, nbformat-v3, kernel-ir, "
                         f"duplicate:<id>, strip-metadata, rename:<file>, reverse, "
                         f"markdown:<id>; got {how!r}")
    return nb, name


def build(sub) -> tuple[str, bytes]:
    """The file name and bytes of submission ``sub`` as the student handed it in."""
    if sub.get("raw"):
        return NOTEBOOK, (SUITE / sub["raw"]).read_bytes()
    cells = demo.read_student_cells(SUITE / sub["answers"]) if sub.get("answers") else {}
    nb = demo.build_submission(RELEASE_NB, cells, sub.get("delete_cells", ()))
    name = NOTEBOOK
    if sub.get("transform"):
        nb, name = _transform(nb, sub["transform"])
    text = nb if isinstance(nb, str) else nbformat.writes(nb)
    return name, text.replace(f'"{PROCESS_PREFIX}', f'"{BATCH_TAG}').encode("utf-8")


# ----------------------------------------------------------------------------- observing

def _hash_tree(root: Path, names) -> dict:
    """``{relative path: sha256}`` of every file under ``root/<name>`` for each name."""
    found = {}
    for name in names:
        top = root / name
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in paths:
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _schema(db: Path) -> set:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return set(con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def _rows(db: Path, table: str) -> list:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return sorted(con.execute(f"SELECT * FROM {table}"), key=repr)


def _batch_processes(token: str, course: Path) -> dict:
    """``{pid: description}`` of live processes that belong to the batch.

    A process belongs to it when it carries the batch's environment token, was named by one
    of its submissions (:data:`BATCH_TAG`) or runs in or on the scratch course.
    """
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes()
            state = next(line for line in (entry / "status").read_text().splitlines()
                         if line.startswith("State:"))
            cwd = os.readlink(entry / "cwd") if (entry / "cwd").exists() else ""
        except (OSError, StopIteration):
            continue  # gone, or not ours to read
        if "Z (zombie)" in state:
            continue
        if (comm.startswith(BATCH_TAG) or token.encode() in environ
                or str(course) in cmdline or cwd.startswith(str(course))):
            found[int(entry.name)] = f"{comm}: {cmdline[:120]}"
    return found


def _outputs_text(cell) -> str:
    """Everything a code cell's outputs show a reader: errors, streams and text results."""
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
        elif kind == "stream":
            parts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


# ----------------------------------------------------------------------------- the batch

def _config() -> Path:
    return Path(os.environ.get("ADVERSARIAL_NBGRADER_CONFIG", ROOT / "nbgrader_config.py"))


def _nbgrader(args, course: Path, timeout: float) -> subprocess.CompletedProcess:
    """``python -m nbgrader ARGS`` in ``course``, its output collected through a file.

    Like :func:`autograder.notebooks.run_nbgrader`, but not through a pipe: a process a
    submission leaves behind when a defence fails inherits nbgrader's output and would keep
    a pipe open, hanging the test instead of failing it.
    """
    log = course.parent / f"nbgrader-{args[0]}.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
    # nbgrader runs `alembic` from its own environment's bin folder by name.
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    with open(log, "w", encoding="utf-8") as fh:
        done = subprocess.run([sys.executable, "-m", "nbgrader", *map(str, args)], cwd=course,
                              env=env, stdin=subprocess.DEVNULL, stdout=fh,
                              stderr=subprocess.STDOUT, timeout=timeout, check=False)
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       log.read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade the whole suite once; return everything the tests look at."""
    course = tmp_path_factory.mktemp("adversarial") / "course"
    scratch_course(ROOT, course)
    shutil.copyfile(_config(), course / "nbgrader_config.py")
    with open(course / "students.csv", "w", encoding="utf-8") as fh:
        fh.write("id,first_name,last_name,email\n")
        for sub in SUBMISSIONS:
            fh.write(f"{sub['id']},{sub['category']},{sub['id']},{sub['id']}@example.org\n")
    token = f"advx-{uuid.uuid4().hex}"
    env_before = os.environ.get("ADVX_BATCH")
    os.environ["ADVX_BATCH"] = token  # inherited by nbgrader and whatever it does not scrub
    try:
        run_nbgrader(["db", "student", "import", "students.csv"], cwd=course)
        run_nbgrader(["generate_assignment", ASSIGNMENT], cwd=course)
        for sub in SUBMISSIONS:
            folder = course / "submitted" / sub["id"] / ASSIGNMENT
            folder.mkdir(parents=True)
            name, data = build(sub)
            (folder / name).write_bytes(data)
            (folder / "timestamp.txt").write_text(EXPECTED["timestamp"])
        db = course / "gradebook.db"
        before = {
            "hashes": _hash_tree(course, PROTECTED),
            "root": {p.name for p in course.iterdir()},
            "schema": _schema(db),
            "tables": {t: _rows(db, t) for t in INSTRUCTOR_TABLES},
        }
        autograde = _nbgrader(["autograde", ASSIGNMENT, *OVERRIDES], course, BATCH_TIMEOUT)
        feedback = _nbgrader(["generate_feedback", ASSIGNMENT], course, 600)
        leftovers = _batch_processes(token, course)
    finally:
        if env_before is None:
            os.environ.pop("ADVX_BATCH", None)
        else:
            os.environ["ADVX_BATCH"] = env_before
    yield {"course": course, "before": before, "autograde": autograde, "feedback": feedback,
           "leftovers": leftovers}
    # Whatever a failed defence left running is ours to stop: it was started by this batch.
    for pid in _batch_processes(token, course):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture(scope="module")
def grades(batch):
    """``{student: {grade_id: (auto, manual, extra credit, score)}}`` from the gradebook.

    A student nbgrader did not grade maps to the gradebook's explanation (a string).
    """
    found = {}
    gb = Gradebook(f"sqlite:///{batch['course'] / 'gradebook.db'}", course_id="conv-course")
    try:
        for sub in SUBMISSIONS:
            try:
                nb = gb.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT, sub["id"])
            except MissingEntry as exc:
                found[sub["id"]] = str(exc)
                continue
            found[sub["id"]] = {g.name: (g.auto_score, g.manual_score, g.extra_credit, g.score)
                                for g in nb.grades}
    finally:
        gb.close()
    return found


def _autograded(batch, sid):
    path = batch["course"] / "autograded" / sid / ASSIGNMENT / NOTEBOOK
    return read_notebook(path) if path.exists() else None


def _feedback(batch, sid) -> str | None:
    """The text a student reads in their feedback page (tags removed), or None if there is none."""
    path = batch["course"] / "feedback" / sid / ASSIGNMENT / (Path(NOTEBOOK).stem + ".html")
    if not path.exists():
        return None
    return html.unescape(re.sub(r"<[^>]*>", "", path.read_text(encoding="utf-8")))


def _note(nb) -> str:
    """The autograder's note cell at the top of a graded notebook ('' when there is none)."""
    return "\n".join(c.source for c in nb.cells
                     if c.cell_type == "markdown" and c.get("metadata", {}).get("autograder"))


# ----------------------------------------------------------------------------- the suite itself

def test_suite_covers_every_category():
    """The suite holds at least 35 submissions, every category, and each one's files exist."""
    assert len(SUBMISSIONS) >= 35
    assert len(BY_ID) == len(SUBMISSIONS), "submission ids must be unique"
    for category in CATEGORIES:
        assert sum(sub["category"] == category for sub in SUBMISSIONS) >= 8, category
    for sub in SUBMISSIONS:
        assert sub["category"] in CATEGORIES, sub["id"]
        for key in ("answers", "raw"):
            if sub.get(key):
                assert (SUITE / sub[key]).is_file(), (sub["id"], sub[key])
        lost = POINTS if sub["lost"] == "all" else sub["lost"]
        assert set(lost) <= set(POINTS), sub["id"]
        assert sum(expected_scores(sub).values()) == sub["total"], sub["id"]


def test_every_cheat_loses_the_checks_it_cheats():
    """Every cheat must lose both hidden-check cells: its answers are wrong or not its own."""
    for sub in SUBMISSIONS:
        if sub["category"] == "cheat":
            scores = expected_scores(sub)
            assert scores["correlate2d_thorough"] == scores["convolve2d_thorough"] == 0, sub["id"]


def test_named_mistakes_are_in_the_mistakes_library():
    """Every mistake an expected message names is one of autograder.mistakes' variants of that task."""
    named = 0
    for sub in SUBMISSIONS:
        for key, text in sub.get("messages", {}).items():
            match = re.search(r"Likely mistake: (.+)$", text)
            if match:
                task = key.partition("_")[0]
                assert match.group(1) in {m.name for m in MISTAKES[task]}, (sub["id"], key)
                named += 1
    assert named >= 10


def test_submissions_build_as_described():
    """Each transform produces the malformation it names (checked on the bytes handed in)."""
    built = {sub["id"]: build(sub) for sub in SUBMISSIONS}
    for sid, (name, data) in built.items():
        sub = BY_ID[sid]
        how = sub.get("transform", "")
        if how.startswith("rename:"):
            assert name == how.partition(":")[2] != NOTEBOOK
        else:
            assert name == NOTEBOOK
        if how == "nbformat-v3":
            assert json.loads(data)["nbformat"] == 3
        if how.startswith("duplicate:"):
            ids = [grade_id(c) for c in nbformat.reads(data.decode(), as_version=4).cells]
            assert ids.count(how.partition(":")[2]) == 2
    assert built["bad-empty-file"][1] == b""
    daemon = nbformat.reads(built["dos-daemon"][1].decode(), as_version=4)
    code = cells_by_grade_id(daemon)["correlate2d"].source
    assert f'"{BATCH_TAG}daemon"' in code and f'"{PROCESS_PREFIX}' not in code
    with pytest.raises(json.JSONDecodeError):
        json.loads(built["bad-truncated-json"][1])


# ----------------------------------------------------------------------------- the batch

def test_the_batch_completes_and_grades_everyone(batch, grades):
    """nbgrader exits normally and every submission, malformed or not, has a graded notebook."""
    log = batch["autograde"].stdout
    assert batch["autograde"].returncode == 0, log[-3000:]
    assert batch["feedback"].returncode == 0, batch["feedback"].stdout[-3000:]
    not_graded = {sid: g for sid, g in grades.items() if isinstance(g, str)}
    assert not not_graded, not_graded
    missing = [sub["id"] for sub in SUBMISSIONS if _autograded(batch, sub["id"]) is None]
    assert not missing, missing


@pytest.mark.parametrize("sid", list(BY_ID))
def test_scores(grades, sid):
    """Each autograded test cell gets exactly the points expected.json gives it."""
    got = grades[sid]
    assert not isinstance(got, str), f"{sid} was not graded: {got}"
    scores = {gid: got[gid][0] for gid in POINTS if gid in got}
    assert scores == expected_scores(BY_ID[sid])


@pytest.mark.parametrize("sid", list(BY_ID))
def test_messages(batch, sid):
    """Each lost test cell shows the student the message expected.json names (and no hidden test)."""
    sub = BY_ID[sid]
    nb = _autograded(batch, sid)
    assert nb is not None, f"no autograded notebook for {sid}"
    cells = {grade_id(c): c for c in nb.cells if grade_id(c) in POINTS}
    for gid, points in expected_scores(sub).items():
        if points:
            continue
        assert gid in cells, f"{sid}: test cell {gid} missing from the autograded notebook"
        text = _outputs_text(cells[gid])
        assert expected_message(sub, gid) in text, f"{sid} {gid}: {text[:800]!r}"
    for gid, cell in cells.items():
        for marker in HIDDEN_MARKERS:
            assert marker not in _outputs_text(cell), (sid, gid, marker)


@pytest.mark.parametrize("sid", [s["id"] for s in SUBMISSIONS if s.get("answer_output")])
def test_answer_outputs(batch, sid):
    """Where a submission's own outputs prove a limit held, they say so (e.g. MemoryError)."""
    nb = _autograded(batch, sid)
    text = "\n".join(_outputs_text(c) for c in nb.cells
                     if c.cell_type == "code" and grade_id(c) not in POINTS)
    assert BY_ID[sid]["answer_output"] in text, text[:2000]


@pytest.mark.parametrize("sid", [s["id"] for s in SUBMISSIONS if s.get("note")])
def test_repair_notes(batch, sid):
    """A malformed notebook is graded with a note saying what was wrong and what was done."""
    nb = _autograded(batch, sid)
    assert BY_ID[sid]["note"] in _note(nb), _note(nb)
    assert BY_ID[sid]["note"] in _feedback(batch, sid)


def test_gradebook_changed_only_by_nbgrader(batch, grades):
    """The gradebook has nbgrader's schema and instructor rows, and only the expected scores."""
    db = batch["course"] / "gradebook.db"
    assert _schema(db) == batch["before"]["schema"], "tables, triggers or indexes were added"
    for table in INSTRUCTOR_TABLES:
        assert _rows(db, table) == batch["before"]["tables"][table], table
    ids = sorted(BY_ID)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = sorted(r[0] for r in con.execute("SELECT student_id FROM submitted_assignment"))
        assert students == ids
        assert con.execute("SELECT COUNT(*) FROM submitted_notebook").fetchone()[0] == len(ids)
        per_notebook = len(POINTS) + len(MANUAL)
        assert con.execute("SELECT COUNT(*) FROM grade").fetchone()[0] == per_notebook * len(ids)
        assert con.execute("SELECT COUNT(*) FROM comment WHERE manual_comment IS NOT NULL"
                           ).fetchone()[0] == 0
        flagged = dict(con.execute(
            "SELECT sa.student_id, MIN(g.needs_manual_grade) FROM grade AS g "
            "JOIN submitted_notebook AS sn ON g.notebook_id = sn.id "
            "JOIN submitted_assignment AS sa ON sn.assignment_id = sa.id "
            "JOIN grade_cells AS gc ON g.cell_id = gc.id WHERE gc.cell_type = 'code' "
            "GROUP BY sa.student_id"))
    # Only the notebooks that could not be read wait for a person; the rest are done.
    assert {sid for sid, f in flagged.items() if f} == {s["id"] for s in SUBMISSIONS
                                                        if s.get("review")}
    for sid in ids:
        got = grades[sid]
        assert not isinstance(got, str), f"{sid} was not graded: {got}"
        for gid, (auto, manual, extra, _score) in got.items():
            assert manual is None and extra is None, (sid, gid, manual, extra)
            if gid in POINTS:
                assert auto == expected_scores(BY_ID[sid])[gid], (sid, gid, auto)


def test_course_files_unchanged(batch):
    """Config, source, release and every submission are byte-identical; nothing was planted."""
    course = batch["course"]
    assert _hash_tree(course, PROTECTED) == batch["before"]["hashes"]
    added = {p.name for p in course.iterdir()} - batch["before"]["root"]
    assert added <= BATCH_OUTPUTS, added
    planted = [str(p.relative_to(course)) for p in course.rglob("*")
               if p.name in ("sitecustomize.py", "startup.py", "cache.bin", "autograder")]
    assert not planted, planted
    large = [str(p.relative_to(course)) for p in course.rglob("*")
             if p.is_file() and p.stat().st_size > 8 << 20]
    assert not large, large


def test_no_process_left_running(batch):
    """Nothing the batch started (fork children, setsid daemons, kernels) outlives it."""
    assert batch["leftovers"] == {}


def test_feedback_hides_hidden_tests_and_names_the_mistake(batch):
    """Every feedback page exists, shows no hidden test, and shows the check's message."""
    for sub in SUBMISSIONS:
        html = _feedback(batch, sub["id"])
        assert html is not None, f"no feedback for {sub['id']}"
        for marker in HIDDEN_MARKERS:
            assert marker not in html, (sub["id"], marker)
    assert "Likely mistake: forgot the flip" in _feedback(batch, "honest-forgot-flip")
    assert "Likely mistake: mutated the input" in _feedback(batch, "honest-mutates-input")


def test_cheat_reading_the_course_learns_nothing(batch):
    """The submission that reads source_notebooks/ and the gradebook prints no hidden test."""
    nb = _autograded(batch, "cheat-read-hidden")
    text = "\n".join(_outputs_text(c) for c in nb.cells if c.cell_type == "code")
    assert "LEAKED FROM" not in text
    for marker in HIDDEN_MARKERS:
        assert marker not in text
    assert BY_ID["cheat-read-hidden"]["answer_output"] in text  # it tried, and was refused
