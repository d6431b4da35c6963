"""The lecture notebooks in course/: each one runs top to bottom and keeps the house rules.

Every ``course/*.ipynb`` is picked up automatically (tests are parametrized over the
folder), so a new lecture is executed and checked as soon as it is added. The rules:

* **It runs.** The notebook executes headless from a fresh kernel (the venv's ``python3``
  kernel, ``MPLBACKEND=Agg``, a working directory of its own, at most ``CELL_TIMEOUT``
  seconds a cell); a failure reports the cell's number, its source and the error. No cell
  writes to stderr (a warning in a lecture is a bug to fix, not something to show).
* **It is stored clean**: no outputs, no execution counts.
* **Its shape**: the first cell is Markdown with the title and the learning goals; the last
  two level-2 headings are "Summary" and then the exercises ("Exercises" or "Check
  yourself"), so nothing new is taught after the summary.
* **Shared code lives in the package.** A code cell may define a function or class of at most
  ``MAX_DEF_LINES`` lines (a small widget callback, say); anything longer belongs in
  ``autograder/``, where it has a docstring and tests. Lectures import only the standard
  library and the project's runtime dependencies (``RUNTIME_MODULES``), never test tools such
  as scipy or PyTorch.
* **Widgets are skipped when grading**: a cell that uses ipywidgets checks
  ``NBGRADER_EXECUTION``.
* **Exercise checks work.** An exercise is a line ``answer_<name> = None`` in a code cell and a
  check, in that cell or a later one, that uses the package and prints "Your turn" (no answer
  yet), or a verdict starting with "Right" or "Not quite". ``tests/course_answers/<lecture>.json`` holds, for each of them, a right and a wrong
  answer worked out by hand from the question; the notebook is run once with all right answers and once with all wrong
  ones, so a check that accepts anything, or nothing, fails here.
* **The course map in 00-orientation is current**: every lecture in ``course/`` appears in it
  by file name, in a row not marked "planned".
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from autograder.notebooks import read_notebook

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
LECTURES = sorted(COURSE.glob("*.ipynb"))
IDS = [p.name for p in LECTURES]
ORIENTATION = COURSE / "00-orientation.ipynb"

#: Seconds one cell may take; the whole course must stay fast enough for CI.
CELL_TIMEOUT = 60
#: Longest function or class (def line included) a code cell may define.
MAX_DEF_LINES = 5
#: Top-level modules a lecture may import besides the standard library.
RUNTIME_MODULES = {"autograder", "numpy", "matplotlib", "ipywidgets", "IPython", "sklearn"}

#: Worked answers: tests/course_answers/<lecture>.json maps each answer_* variable of the
#: lecture to {"right": ..., "wrong": ..., "why": "how they were worked out by hand"}.
ANSWERS = Path(__file__).resolve().parent / "course_answers"
EXERCISES = {
    f"{path.stem}.ipynb": {name: (entry["right"], entry["wrong"])
                           for name, entry in json.loads(path.read_text()).items()}
    for path in sorted(ANSWERS.glob("*.json"))
}

ANSWER = re.compile(r"^(answer_\w+)\s*=\s*None\b", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: A cell that builds one of the package's explorers (autograder.widgets) ...
EXPLORER = re.compile(r"\b[A-Z]\w*(Explorer|Playground)\(")
#: ... must display it: the MIME type of a widget in a notebook's outputs.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_every_answer_file_belongs_to_a_lecture():
    """Each file in tests/course_answers/ is named after a lecture and gives right, wrong and why for every answer."""
    for path in sorted(ANSWERS.glob("*.json")):
        assert (COURSE / f"{path.stem}.ipynb").exists(), f"{path.name} has no lecture"
        for name, entry in json.loads(path.read_text()).items():
            assert set(entry) == {"right", "wrong", "why"}, f"{path.name}: {name}: {entry}"
            assert entry["right"] != entry["wrong"], f"{path.name}: {name}"


def test_the_course_has_lectures():
    """course/ holds the orientation lecture, so the parametrized tests below are not empty."""
    assert ORIENTATION in LECTURES


# ----------------------------------------------------------------------------- running

def _execute(nb, workdir: Path, monkeypatch) -> nbformat.NotebookNode:
    """Run ``nb`` in place, headless; fail the test with the failing cell's source and error."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    # The kernel is the venv's: jupyter_client starts "python" kernels with sys.executable.
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as exc:
        failed = [k for k, cell in enumerate(nb.cells) if cell.cell_type == "code" and any(
            out.get("output_type") == "error" for out in cell.get("outputs", []))]
        index = failed[0] if failed else None
        source = nb.cells[index].source if index is not None else "(see the error)"
        pytest.fail(f"cell {index} failed:\n{source}\n----\n{ANSI.sub('', str(exc))[-3000:]}",
                    pytrace=False)
    return nb


def _stdout(cell) -> str:
    return "".join(out.get("text", "") for out in cell.get("outputs", [])
                   if out.get("output_type") == "stream" and out.get("name") == "stdout")


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_notebook_runs_top_to_bottom_without_errors_or_warnings(path, tmp_path, monkeypatch):
    """The lecture executes in a fresh kernel with no error and nothing on stderr, unanswered exercises just prompt, and every explorer built is displayed as a widget."""
    nb = _execute(read_notebook(path), tmp_path, monkeypatch)
    for k, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            assert not (out.get("output_type") == "stream" and out.get("name") == "stderr"), \
                f"cell {k} wrote to stderr:\n{cell.source}\n----\n{out.get('text', '')}"
    for k, cell in _exercise_checks(nb):
        assert "Your turn" in _stdout(cell), f"cell {k} should prompt for an answer:\n{cell.source}"
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and EXPLORER.search(cell.source):
            shown = [out for out in cell.get("outputs", []) if WIDGET_VIEW in out.get("data", {})]
            assert shown, f"cell {k} builds an explorer but displays no widget:\n{cell.source}"


# ----------------------------------------------------------------------------- exercises

def _exercise_checks(nb):
    """(index, cell) of the check of each exercise: the first code cell from ``answer_* = None`` on that says "Your turn"."""
    code = [(k, cell) for k, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    checks = []
    for m, (_, cell) in enumerate(code):
        for _name in ANSWER.findall(cell.source):
            check = next((c for c in code[m:] if "Your turn" in c[1].source), None)
            assert check is not None, f"no check cell follows {_name}"
            checks.append(check)
    return checks


def _answer_names(nb) -> list[str]:
    return [name for cell in nb.cells if cell.cell_type == "code"
            for name in ANSWER.findall(cell.source)]


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_every_exercise_has_a_worked_answer(path):
    """Each ``answer_* = None`` of the lecture has a right and a wrong answer in EXERCISES, and no entry is stale."""
    names = _answer_names(read_notebook(path))
    assert sorted(names) == sorted(EXERCISES.get(path.name, {})), \
        f"tests/course_answers/{path.stem}.json must list exactly the notebook's answer_* variables"
    assert len(names) == len(set(names)), f"an answer variable is used twice: {names}"


@pytest.mark.parametrize("which, verdict", [(0, "Right"), (1, "Not quite")])
@pytest.mark.parametrize("path", [p for p in LECTURES if p.name in EXERCISES],
                         ids=[p.name for p in LECTURES if p.name in EXERCISES])
def test_exercise_checks_tell_right_from_wrong(path, which, verdict, tmp_path, monkeypatch):
    """With every exercise answered right (wrong), every check prints "Right" ("Not quite"), and never the other verdict."""
    nb = read_notebook(path)
    answers = EXERCISES[path.name]
    checks = [k for k, _ in _exercise_checks(nb)]  # found by their "= None" before it goes
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = ANSWER.sub(lambda m: f"{m.group(1)} = {answers[m.group(1)][which]!r}",
                                     cell.source)
    nb = _execute(nb, tmp_path, monkeypatch)
    assert len(checks) == len(answers)
    other = "Not quite" if verdict == "Right" else "Right"
    for k in checks:
        cell = nb.cells[k]
        printed = _stdout(cell)
        assert printed.startswith(verdict) and other not in printed, \
            f"cell {k} printed {printed!r} for a {verdict.lower()} answer:\n{cell.source}"


# ----------------------------------------------------------------------------- structure

@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_notebook_is_named_and_stored_clean(path):
    """The file is named NN-topic.ipynb, is valid nbformat 4 for the python3 kernel, and has no outputs or execution counts."""
    assert re.fullmatch(r"\d{2}-[a-z0-9]+(-[a-z0-9]+)*\.ipynb", path.name), path.name
    nb = read_notebook(path)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, \
                f"cell {k} is stored with outputs or an execution count: {cell.source[:60]!r}"


def _headings(nb, level: int) -> list[str]:
    pattern = re.compile(rf"^{'#' * level}\s+(.*?)\s*$", re.MULTILINE)
    return [title for cell in nb.cells if cell.cell_type == "markdown"
            for title in pattern.findall(cell.source)]


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_learning_goals_first_summary_and_exercises_last(path):
    """The first cell holds the title and the learning goals; the last two sections are the summary and the exercises."""
    nb = read_notebook(path)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and re.match(r"#\s+\S", first.source), \
        "the first cell must be Markdown starting with the title (# ...)"
    assert "learning goals" in first.source.lower(), "the first cell must list the learning goals"
    sections = [title.lower() for title in _headings(nb, 2)]
    assert len(sections) >= 2 and sections[-2].startswith("summary"), sections
    assert re.match(r"(exercises|check yourself)", sections[-1]), sections


def _code(cell) -> str:
    """A code cell's source as Python: IPython magics and shell escapes commented out."""
    return "\n".join("# " + line if line.lstrip().startswith(("%", "!")) else line
                     for line in cell.source.splitlines())


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_code_cells_import_the_package_instead_of_defining_helpers(path):
    """No code cell defines a function or class longer than MAX_DEF_LINES, and imports come from the stdlib and runtime dependencies only."""
    allowed = RUNTIME_MODULES | set(sys.stdlib_module_names)
    for k, cell in enumerate(read_notebook(path).cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_code(cell))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= MAX_DEF_LINES, (
                    f"cell {k} defines {node.name!r} in {length} lines; move it to autograder/ "
                    f"(with a docstring and tests) and import it")
            if isinstance(node, ast.Import):
                modules = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                modules = {(node.module or "").split(".")[0]} if node.level == 0 else {""}
            else:
                continue
            assert modules <= allowed, f"cell {k} imports {sorted(modules - allowed)}"


@pytest.mark.parametrize("path", LECTURES, ids=IDS)
def test_widget_cells_are_skipped_when_grading(path):
    """Every cell that uses ipywidgets (or interact) checks NBGRADER_EXECUTION, so grading never runs it."""
    for k, cell in enumerate(read_notebook(path).cells):
        if cell.cell_type == "code" and re.search(r"\bipywidgets\b|\binteract", cell.source):
            assert "NBGRADER_EXECUTION" in cell.source, \
                f"cell {k} uses widgets without checking os.environ.get('NBGRADER_EXECUTION')"


def test_course_map_lists_every_lecture():
    """Each notebook in course/ appears by file name in the orientation's course map, in a row not marked planned."""
    rows = [line for cell in read_notebook(ORIENTATION).cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("|")]
    for path in LECTURES:
        mentions = [row for row in rows if path.name in row]
        assert mentions, f"{path.name} is missing from the course map in {ORIENTATION.name}"
        assert all("planned" not in row for row in mentions), \
            f"the course map still marks {path.name} as planned"
