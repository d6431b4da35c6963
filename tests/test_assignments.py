"""The assignments: nbgrader accepts the sources, the releases fail every test, the content is right.

General rules run over every assignment in source_notebooks/; the ps1-correlation tests
check its model solution and its worked examples against scipy.signal (the oracle).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from nbclient import NotebookClient

from autograder.mistakes import MISTAKES
from autograder.notebooks import (
    run_answer_cells,
    run_test_cells,
    answer_cells,
    assignment_ids,
    cell_failed,
    cells_by_grade_id,
    grade_cells,
    grade_id,
    nbgrader_metadata,
    read_notebook,
    run_nbgrader,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "source_notebooks").glob("*/*.ipynb"))
IDS = [p.relative_to(ROOT / "source_notebooks").as_posix() for p in NOTEBOOKS]
PS1 = ROOT / "source_notebooks" / "ps1-correlation" / "ps1-correlation.ipynb"
PS1_RELEASE = ROOT / "release" / "ps1-correlation" / "ps1-correlation.ipynb"


def _release_of(source: Path) -> Path:
    return ROOT / "release" / source.parent.name / source.name


def test_there_are_assignments():
    """source_notebooks/ holds at least the first assignment."""
    assert "ps1-correlation" in assignment_ids(ROOT)


# ----------------------------------------------------------------------------- structure

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_source_is_stored_without_outputs(path):
    """Source notebooks are committed with no outputs and no execution counts."""
    for cell in read_notebook(path).cells:
        if cell.cell_type == "code":
            where = grade_id(cell) or cell.source[:40]
            assert cell.outputs == [] and cell.execution_count is None, where


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_grade_ids_are_present_and_unique(path):
    """Every nbgrader cell has a grade_id and no two cells share one."""
    nb = read_notebook(path)
    for cell in nb.cells:
        if nbgrader_metadata(cell):
            assert grade_id(cell), f"an nbgrader cell has no grade_id: {cell.source[:60]!r}"
    cells_by_grade_id(nb)  # raises on a repeated id


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_graded_cell_has_points_and_tests_are_locked(path):
    """Each graded cell is worth more than 0 points, and each test cell is read-only."""
    graded = grade_cells(read_notebook(path))
    assert graded, "no graded cells"
    for cell in graded:
        meta = nbgrader_metadata(cell)
        assert float(meta.get("points", 0)) > 0, f"{grade_id(cell)} has no points"
        if cell.cell_type == "code":
            assert meta.get("locked") and not meta.get("solution"), \
                f"{grade_id(cell)} is not a locked test"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_answer_cells_hold_a_solution_region(path):
    """Every code answer cell marks its model solution with BEGIN/END SOLUTION."""
    answers = answer_cells(read_notebook(path))
    assert answers, "no answer cells"
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source, grade_id(cell)
        assert "### END SOLUTION" in cell.source, grade_id(cell)


def _imported_modules(source: str) -> set:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    return modules


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cells_students_see_import_only_numpy(path):
    """No cell of the release imports anything but numpy (no scipy, no reference, no checks)."""
    for cell in read_notebook(_release_of(path)).cells:
        if cell.cell_type == "code":
            assert _imported_modules(cell.source) <= {"numpy"}, grade_id(cell) or cell.source[:60]


# ----------------------------------------------------------------------------- nbgrader

@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_nbgrader_validate_passes_the_source(path, tmp_path):
    """`nbgrader validate` runs the source notebook (solutions and hidden tests) and every test passes."""
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    result = run_nbgrader(["validate", copy.name], cwd=tmp_path, timeout=300)
    assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout[-3000:]
    assert "VALIDATION FAILED" not in result.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_untouched_release_fails_every_test_cell(path, tmp_path):
    """Executing the release as a student receives it, every graded test cell raises."""
    nb = read_notebook(_release_of(path))
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    tests = [cell for cell in grade_cells(nb) if cell.cell_type == "code"]
    assert tests
    passed = [grade_id(cell) for cell in tests if not cell_failed(cell)]
    assert not passed, f"these test cells pass without any work: {passed}"


# ----------------------------------------------------------------------------- ps1 content

@pytest.fixture(scope="module")
def model():
    """The model solutions of ps1-correlation."""
    return run_answer_cells(read_notebook(PS1))


SCIPY = {"correlate2d": scipy.signal.correlate2d, "convolve2d": scipy.signal.convolve2d}
# scipy playing the student: the same signature as the assignment's functions.
CORRECT = {name: (lambda fn: lambda in1, in2, mode="full": fn(in1, in2, mode=mode))(fn)
           for name, fn in SCIPY.items()}

EDGE_CASES = {
    "1x1 kernel": ((5, 4), (1, 1)),
    "even kernel": ((5, 6), (2, 2)),
    "non-square input, non-square kernel": ((4, 7), (2, 3)),
    "kernel as large as the input": ((4, 5), (4, 5)),
    "1x1 input and kernel": ((1, 1), (1, 1)),
    "single row": ((1, 6), (1, 3)),
    "even 4x2 kernel": ((6, 5), (4, 2)),
}


def _assert_same(got, want):
    assert (got.shape, got.dtype) == (want.shape, want.dtype)
    if want.dtype == np.float32:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    elif want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["correlate2d", "convolve2d"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("case", EDGE_CASES, ids=list(EDGE_CASES))
def test_model_solution_matches_scipy_on_edge_cases(model, rng, name, mode, case):
    """The model solution returns scipy.signal's array and dtype on each named edge case."""
    shape, kshape = EDGE_CASES[case]
    in1, in2 = rng.standard_normal(shape), rng.standard_normal(kshape)
    before = (in1.copy(), in2.copy())
    _assert_same(model[name](in1, in2, mode=mode), SCIPY[name](in1, in2, mode=mode))
    np.testing.assert_array_equal(in1, before[0])
    np.testing.assert_array_equal(in2, before[1])


DTYPES = [(np.uint8, np.int64), (np.uint8, np.uint8), (np.int64, np.float64),
          (np.float32, np.float32), (np.int32, np.int16), (np.float32, np.float64)]


@given(data=st.data(), name=st.sampled_from(["correlate2d", "convolve2d"]),
       mode=st.sampled_from(["full", "same", "valid"]), dtypes=st.sampled_from(DTYPES))
def test_model_solution_matches_scipy_on_random_shapes(model, data, name, mode, dtypes):
    """Over random shapes, modes and dtype pairs (integers that overflow uint8 included) the model equals scipy."""
    H, W = data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7))
    if mode == "valid":
        kH, kW = data.draw(st.integers(1, H)), data.draw(st.integers(1, W))
    else:
        kH, kW = data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7))
    seed = data.draw(st.integers(0, 2**32 - 1))
    gen = np.random.default_rng(seed)
    in1 = gen.integers(0, 256, size=(H, W)).astype(dtypes[0])
    in2 = gen.integers(-3, 4, size=(kH, kW)).astype(dtypes[1])
    _assert_same(model[name](in1, in2, mode=mode), SCIPY[name](in1, in2, mode=mode))


def _visible_tests(nb):
    return {grade_id(c): c.source for c in grade_cells(nb) if c.cell_type == "code"}


def test_worked_examples_agree_with_scipy():
    """Every visible test of ps1 passes when scipy.signal plays the student, so the literal arrays are right."""
    outcome = run_test_cells(_visible_tests(read_notebook(PS1_RELEASE)), CORRECT)
    assert outcome and all(error is None for error in outcome.values()), outcome


def _mistake(task, name):
    return next(m.fn for m in MISTAKES[task] if m.name == name)


@pytest.mark.parametrize("task, mistake, caught_by", [
    ("convolve2d", "forgot the flip", "convolve2d_full"),
    ("correlate2d", "flipped when correlating", "correlate2d_full"),
    ("convolve2d", "'same' window off by one for even kernels", "convolve2d_same"),
    ("correlate2d", "'same' window off by one for even kernels", "correlate2d_same"),
    ("correlate2d", "valid output one too small", "correlate2d_valid"),
    ("convolve2d", "valid output one too large", "convolve2d_valid"),
    ("correlate2d", "H and W swapped", "correlate2d_full"),
    ("correlate2d", "integer overflow", "correlate2d_dtype"),
    ("convolve2d", "output dtype always float64", "convolve2d_dtype"),
])
def test_visible_tests_catch_the_classic_mistakes(task, mistake, caught_by):
    """Each classic mistake fails the visible test written for it, while the correct function passes it."""
    tests = _visible_tests(read_notebook(PS1_RELEASE))
    wrong = dict(CORRECT, **{task: _mistake(task, mistake)})
    assert run_test_cells({caught_by: tests[caught_by]}, CORRECT)[caught_by] is None
    assert run_test_cells({caught_by: tests[caught_by]}, wrong)[caught_by] is not None
