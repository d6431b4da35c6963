"""autograder.notebooks: notebook helpers agree with nbgrader's own rules, and nbgrader runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.utils import determine_grade, is_grade, is_solution

from autograder.notebooks import (
    NbgraderError,
    answer_cells,
    assignment_ids,
    cell_failed,
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

ROOT = Path(__file__).resolve().parents[1]


def _meta(**nbgrader):
    return {"nbgrader": {"schema_version": 3, **nbgrader}}


def _sample_notebook():
    """Setup, answer, two tests and a hand-graded answer, as an nbgrader source notebook has."""
    return new_notebook(cells=[
        new_markdown_cell("# Title"),
        new_code_cell("import numpy as np", metadata=_meta(grade=False, grade_id="setup",
                                                           locked=True, solution=False)),
        new_code_cell("def f():\n    return 1", metadata=_meta(grade=False, grade_id="f",
                                                               locked=False, solution=True)),
        new_code_cell("assert f() == 1", metadata=_meta(grade=True, grade_id="t1", locked=True,
                                                         points=1, solution=False)),
        new_code_cell("assert f() > 0", metadata=_meta(grade=True, grade_id="t2", locked=True,
                                                        points=2, solution=False)),
        new_markdown_cell("An answer.", metadata=_meta(grade=True, grade_id="why", locked=False,
                                                       points=2, solution=True)),
    ])


def test_cell_selectors_agree_with_nbgrader():
    """grade_cells and answer_cells pick exactly the cells nbgrader's is_grade/is_solution mark."""
    nb = _sample_notebook()
    assert [grade_id(c) for c in grade_cells(nb)] == [grade_id(c) for c in nb.cells if is_grade(c)]
    expected_answers = [grade_id(c) for c in nb.cells
                        if is_solution(c) and not is_grade(c) and c.cell_type == "code"]
    assert [grade_id(c) for c in answer_cells(nb)] == expected_answers == ["f"]
    assert nbgrader_metadata(nb.cells[0]) == {}
    assert grade_id(nb.cells[0]) is None


def test_cells_by_grade_id_keeps_order_and_refuses_duplicates():
    """cells_by_grade_id lists ids in notebook order and raises ValueError naming a repeated id."""
    nb = _sample_notebook()
    assert list(cells_by_grade_id(nb)) == ["setup", "f", "t1", "t2", "why"]
    nb.cells.append(new_code_cell("pass", metadata=_meta(grade=True, grade_id="t1", points=1)))
    with pytest.raises(ValueError, match="'t1'"):
        cells_by_grade_id(nb)


@pytest.mark.parametrize("outputs", [
    [],
    [new_output("stream", name="stdout", text="fine\n")],
    [new_output("stream", name="stderr", text="a warning\n")],
    [new_output("error", ename="AssertionError", evalue="wrong", traceback=[])],
    [new_output("stream", name="stdout", text="x\n"),
     new_output("error", ename="ValueError", evalue="bad", traceback=[])],
], ids=["no output", "stdout only", "stderr warning", "error", "stdout then error"])
def test_cell_failed_matches_nbgrader_grading(outputs):
    """cell_failed is true exactly when nbgrader's determine_grade gives a test cell no points."""
    cell = new_code_cell("x", outputs=outputs,
                         metadata=_meta(grade=True, grade_id="t", points=1, solution=False))
    score, max_score = determine_grade(cell)
    assert cell_failed(cell) == (score < max_score)


def test_error_messages_lists_every_error_output():
    """error_messages returns 'Name: message' for each error output and ignores streams."""
    cell = new_code_cell("x", outputs=[
        new_output("stream", name="stderr", text="warn"),
        new_output("error", ename="AssertionError", evalue="Likely mistake: x.", traceback=[])])
    assert error_messages(cell) == ["AssertionError: Likely mistake: x."]
    assert error_messages(new_markdown_cell("text")) == []


def test_write_then_read_round_trips(tmp_path):
    """A notebook written by write_notebook (into a new folder) reads back equal."""
    nb = _sample_notebook()
    path = write_notebook(nb, tmp_path / "deep" / "nb.ipynb")
    assert read_notebook(path) == nb


def test_write_notebook_refuses_an_invalid_notebook(tmp_path):
    """write_notebook validates first, so a malformed notebook never reaches disk."""
    nb = _sample_notebook()
    nb.cells[0]["cell_type"] = "not-a-type"
    with pytest.raises(nbformat.ValidationError):
        write_notebook(nb, tmp_path / "bad.ipynb")
    assert not (tmp_path / "bad.ipynb").exists()


def test_read_notebook_reports_broken_json(tmp_path):
    """A truncated notebook file raises nbformat's NotJSONError."""
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    with pytest.raises(nbformat.reader.NotJSONError):
        read_notebook(path)


def _course(root: Path, assignments=("ps-a",)) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    for name in assignments:
        write_notebook(_sample_notebook(), root / "source_notebooks" / name / f"{name}.ipynb")
    return root


def test_assignment_ids_lists_folders_holding_notebooks(tmp_path):
    """assignment_ids returns sorted folders with a notebook and skips empty and hidden ones."""
    root = _course(tmp_path / "course", ("ps-b", "ps-a"))
    (root / "source_notebooks" / "empty").mkdir()
    (root / "source_notebooks" / ".ipynb_checkpoints").mkdir()
    write_notebook(_sample_notebook(), root / "source_notebooks" / ".ipynb_checkpoints" / "x.ipynb")
    assert assignment_ids(root) == ["ps-a", "ps-b"]
    with pytest.raises(ValueError, match="source_notebooks"):
        assignment_ids(tmp_path / "nowhere")


def test_scratch_course_copies_config_and_sources_only(tmp_path):
    """scratch_course copies nbgrader_config.py and source_notebooks/, leaving caches behind."""
    root = _course(tmp_path / "course")
    (root / "source_notebooks" / "ps-a" / "__pycache__").mkdir()
    (root / "source_notebooks" / "ps-a" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (root / "gradebook.db").write_bytes(b"not copied")
    dest = scratch_course(root, tmp_path / "scratch")
    copied = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert copied == ["nbgrader_config.py", "source_notebooks/ps-a/ps-a.ipynb"]


def test_scratch_course_refuses_a_non_empty_destination(tmp_path):
    """scratch_course raises ValueError rather than mix a course into a folder in use."""
    root = _course(tmp_path / "course")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="dest"):
        scratch_course(root, busy)
    assert (busy / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="course_root"):
        scratch_course(tmp_path / "nowhere", tmp_path / "new")


def test_run_nbgrader_works_without_an_activated_environment(tmp_path, monkeypatch):
    """nbgrader finds its alembic script though PATH lacks the venv's bin folder (as under make)."""
    course = scratch_course(_course(tmp_path / "course"), tmp_path / "scratch")
    bin_dir = os.path.dirname(sys.executable)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p != bin_dir)
    monkeypatch.setenv("PATH", path)
    result = run_nbgrader(["generate_assignment", "ps-a"], cwd=course)
    assert result.returncode == 0
    assert (course / "release" / "ps-a" / "ps-a.ipynb").is_file()
    with pytest.raises(NbgraderError, match="generate_assignment no-such-assignment"):
        run_nbgrader(["generate_assignment", "no-such-assignment"], cwd=course)
