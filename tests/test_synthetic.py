"""Tests of autograder.synthetic: synthetic classes built from the mistake library."""

from __future__ import annotations

import ast
import csv
import json
import warnings
from collections import Counter
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import checks
from autograder._worker import import_allowed
from autograder.mistakes import MISTAKES
from autograder.notebooks import grade_cells, grade_id, nbgrader_metadata, read_notebook, run_test_cells
from autograder.synthetic import (
    CATEGORIES,
    OUTCOMES,
    assignment_ids,
    graded_tasks,
    kinds,
    main,
    make_class,
    mistake_cells,
    mistake_source,
    model_cells,
)

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = assignment_ids()
MISTAKE_CASES = [pytest.param(task, i, id=f"{task}-{MISTAKES[task][i].fn.__name__}")
                 for task in sorted({t for a in ASSIGNMENTS for t, _ in kinds(a)["mistake"]})
                 for i in range(len(MISTAKES[task]))]


def _source_nb(assignment):
    return read_notebook(ROOT / "source_notebooks" / assignment / f"{assignment}.ipynb")


def _notebook(out, assignment, sid):
    return Path(out) / "submitted" / sid / assignment / f"{assignment}.ipynb"


def _call(fn, case):
    """What ``fn`` returns or raises on fresh copies of the case's arguments."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in case.args]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args, **case.kwargs), args
    except Exception as exc:  # the exception is the outcome to compare
        return exc, args


def _same(a, b) -> bool:
    """Exact equality of outcomes: same types, shapes, dtypes, values (NaN equal to NaN)."""
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        return type(a) is type(b) and str(a) == str(b)
    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    both_nan = isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b)
    return type(a) is type(b) and (a == b or both_nan)


def _run_cells(answers: dict, tests: dict) -> dict:
    """Run answer cells, then each test cell on a copy of the namespace; grade id -> error or None."""
    namespace = {"__name__": "__main__"}
    for gid, source in answers:
        exec(compile(source, gid, "exec"), namespace)
    return {gid: None if error is None else f"{type(error).__name__}: {error}"
            for gid, error in run_test_cells(tests, namespace).items()}


def _cells_of(nb) -> tuple[list, dict]:
    """(setup and answer cells in order, test cells) of a notebook, as nbgrader would run them."""
    answers = [(grade_id(c) or "setup", c.source) for c in nb.cells
               if c.cell_type == "code" and not nbgrader_metadata(c).get("grade")]
    tests = {grade_id(c): c.source for c in grade_cells(nb) if c.cell_type == "code"}
    return answers, tests


# ------------------------------------------------------------------------------ the mix

@pytest.mark.parametrize("n, weights, expected", [
    (10, {"correct": 1, "mistake": 1}, {"correct": 5, "mistake": 5}),
    (7, {"correct": 1, "mistake": 1, "blank": 1}, {"correct": 3, "mistake": 2, "blank": 2}),
    (1, {"hostile": 1}, {"hostile": 1}),
    (0, None, {}),
    (20, None, {"correct": 6, "mistake": 10, "blank": 2, "broken": 1, "hostile": 1}),
], ids=["even split", "remainder to the earlier", "one student", "empty class", "default mix"])
def test_counts_follow_the_weights(tmp_path, n, weights, expected):
    """Each category gets the largest-remainder share of the class, and the manifest says so."""
    manifest = make_class("ps1-correlation", n, tmp_path, seed=1, weights=weights)
    got = Counter(s["category"] for s in manifest["students"])
    assert dict(got) == expected
    assert {c: k for c, k in manifest["counts"].items() if k} == expected
    assert len(list((tmp_path / "submitted").glob("*/ps1-correlation/*.ipynb"))
               if n else []) == n


def test_every_variant_appears_in_a_large_enough_class(tmp_path):
    """With enough students in a category, each of its variants is dealt at least once."""
    k = kinds("ps1-correlation")
    n_mistakes = len(k["mistake"])
    manifest = make_class("ps1-correlation", n_mistakes + 6, tmp_path, seed=5,
                          weights={"mistake": n_mistakes, "broken": 3, "hostile": 3})
    seen = Counter((s["category"], s["kind"]) for s in manifest["students"])
    names = {f"{t}:{MISTAKES[t][i].fn.__name__}" for t, i in k["mistake"]}
    assert {kind for cat, kind in seen if cat == "mistake"} == names
    assert {kind for cat, kind in seen if cat == "broken"} == set(k["broken"])
    assert {kind for cat, kind in seen if cat == "hostile"} == set(k["hostile"])


def test_same_seed_same_class_and_other_seed_another_order(tmp_path):
    """A seed fixes every file and the manifest; another seed deals the students differently."""
    a = make_class("ps2-conv-layer", 15, tmp_path / "a", seed=7)
    b = make_class("ps2-conv-layer", 15, tmp_path / "b", seed=7)
    c = make_class("ps2-conv-layer", 15, tmp_path / "c", seed=8)
    assert a == b
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b")
                           for p in (tmp_path / "b").rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert [s["kind"] for s in a["students"]] != [s["kind"] for s in c["students"]]


def test_manifest_and_students_csv(tmp_path):
    """manifest.json matches the returned manifest; students.csv has nbgrader's import columns and one row per student."""
    manifest = make_class("ps3-structure", 9, tmp_path, seed=2)
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest
    with open(tmp_path / "students.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["id", "first_name", "last_name", "email"]
    assert [r["id"] for r in rows] == [s["id"] for s in manifest["students"]]
    for s in manifest["students"]:
        assert s["outcome"] == OUTCOMES[s["category"]]
        assert (s["mistake"] is None) == (s["category"] != "mistake")
        if s["category"] == "mistake":
            task, fn_name = s["kind"].split(":")
            assert s["mistake"] in [m.name for m in MISTAKES[task] if m.fn.__name__ == fn_name]


@pytest.mark.parametrize("kwargs, error", [
    ({"assignment": "ps9-nothing"}, ValueError),
    ({"n_students": -1}, ValueError),
    ({"n_students": 2.5}, TypeError),
    ({"weights": {"cheaters": 1}}, ValueError),
    ({"weights": {"correct": -1}}, ValueError),
    ({"weights": {"correct": 0}}, ValueError),
    ({"weights": [1, 2]}, TypeError),
], ids=["unknown assignment", "negative size", "float size", "unknown category",
        "negative weight", "zero total", "weights not a dict"])
def test_bad_arguments_are_refused(tmp_path, kwargs, error):
    """A bad assignment, size or weights raises, naming the parameter."""
    call = {"assignment": "ps1-correlation", "n_students": 3, "weights": None, **kwargs}
    with pytest.raises(error) as info:
        make_class(call["assignment"], call["n_students"], tmp_path, weights=call["weights"])
    assert any(word in str(info.value) for word in ("assignment", "n_students", "weights"))


# ------------------------------------------------------------------------------ notebooks

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_generated_notebooks_validate_blank_is_the_release_broken_is_unreadable(tmp_path,
                                                                                assignment):
    """Every readable submission validates with nbformat, blank ones are the release byte for byte, broken ones do not parse."""
    manifest = make_class(assignment, 12, tmp_path, seed=0,
                          weights={c: 1 for c in CATEGORIES})
    release = (ROOT / "release" / assignment / f"{assignment}.ipynb").read_bytes()
    for s in manifest["students"]:
        path = _notebook(tmp_path, assignment, s["id"])
        if s["category"] == "broken":
            with pytest.raises(nbformat.reader.NotJSONError):
                nbformat.reads(path.read_text(), as_version=4)
            continue
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        if s["category"] == "blank":
            assert path.read_bytes() == release
        else:
            # the student kept every nbgrader cell of the release, in order
            assert ([grade_id(c) for c in nb.cells]
                    == [grade_id(c) for c in nbformat.reads(release.decode(), as_version=4).cells])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_students_pass_every_test_cell(tmp_path, assignment):
    """A model-solution student, written out and read back, passes every test cell of the source in-process."""
    make_class(assignment, 1, tmp_path, weights={"correct": 1})
    submitted = nbformat.read(_notebook(tmp_path, assignment, "s0000"), as_version=4)
    answers, _ = _cells_of(submitted)
    _, tests = _cells_of(_source_nb(assignment))
    outcome = _run_cells(answers, tests)
    assert outcome and all(error is None for error in outcome.values()), outcome


def test_a_mistake_student_loses_only_that_mistake(tmp_path):
    """Written-out ps1 mistake students fail a test cell naming the mistake; a wrong convolve2d keeps every correlate2d point.

    (The model convolve2d calls correlate2d, so a wrong correlate2d may cost both.)
    """
    manifest = make_class("ps1-correlation", 6, tmp_path, seed=3, weights={"mistake": 1})
    _, tests = _cells_of(_source_nb("ps1-correlation"))
    assert {s["task"] for s in manifest["students"]} == {"correlate2d", "convolve2d"}
    for s in manifest["students"]:
        nb = nbformat.read(_notebook(tmp_path, "ps1-correlation", s["id"]), as_version=4)
        outcome = _run_cells(_cells_of(nb)[0], tests)
        failed = {gid: e for gid, e in outcome.items() if e}
        assert failed and any(s["mistake"] in e for e in failed.values()), (s, failed)
        if s["task"] == "convolve2d":
            assert not {gid for gid in failed if gid.startswith("correlate2d")}, (s, failed)


# ------------------------------------------------------------------------------ mistake source

@pytest.mark.parametrize("task, index", MISTAKE_CASES)
def test_mistake_source_is_self_contained_and_reproduces_the_variant(task, index):
    """The generated source imports only what students may, and exec'd alone with numpy gives the variant's outcomes on every check case."""
    mistake = MISTAKES[task][index]
    source = mistake_source(mistake)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert all(import_allowed(a.name) for a in node.names), ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and import_allowed(node.module), ast.unparse(node)
    assert "autograder" not in "\n".join(line for line in source.splitlines()
                                         if not line.startswith("#"))
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    exec(compile(source, f"<{mistake.fn.__name__}>", "exec"), namespace)
    student = namespace[task]
    assert student.__globals__ is namespace  # not the library's function
    for case in checks.cases(task):
        expected, expected_args = _call(mistake.fn, case)
        got, got_args = _call(student, case)
        assert _same(got, expected), (case.name, got, expected)
        assert _same(tuple(got_args), tuple(expected_args)), case.name  # same mutation


def test_mistake_cells_keep_the_rest_of_the_model():
    """Replacing one task keeps the other answer cells as the model wrote them and ends with the binding."""
    model = model_cells(_source_nb("ps2-conv-layer"))
    mistake = MISTAKES["pad2d"][0]
    cells = mistake_cells(model, mistake)
    assert {gid: src for gid, src in cells.items() if gid != "pad2d"} == {
        gid: src for gid, src in model.items() if gid != "pad2d"}
    assert cells["pad2d"].rstrip().endswith(f"pad2d = {mistake.fn.__name__}")
    assert "BEGIN SOLUTION" not in "".join(cells.values())


def test_graded_tasks_are_defined_and_tested():
    """The tasks of ps2 are exactly the functions its answers define and its tests call."""
    assert graded_tasks(_source_nb("ps2-conv-layer")) == ["conv2d", "conv_output_size", "pad2d"]


def test_mistake_source_refuses_a_non_mistake():
    """Passing a plain function instead of a Mistake raises TypeError naming the parameter."""
    with pytest.raises(TypeError, match="mistake"):
        mistake_source(MISTAKES["pad2d"][0].fn)


def test_cli_writes_the_class(tmp_path, capsys):
    """The command line writes N students and reports the counts."""
    assert main(["ps1-correlation", "5", str(tmp_path), "--seed", "4"]) == 0
    assert len(json.loads((tmp_path / "manifest.json").read_text())["students"]) == 5
    assert "5 students of ps1-correlation" in capsys.readouterr().out


# ------------------------------------------------------------------------------ trusted grading

def test_a_small_class_graded_by_trusted_grading_gets_the_expected_outcomes(tmp_path):
    """Six ps1 students of every category and hostile variant get full, partial or zero marks as the manifest expects."""
    trusted = pytest.importorskip("autograder.trusted")
    weights = {"correct": 1, "mistake": 1, "blank": 1, "broken": 1, "hostile": 3}
    manifest = make_class("ps1-correlation", 7, tmp_path, seed=0, weights=weights)
    assert {s["kind"] for s in manifest["students"] if s["category"] == "hostile"} == set(
        kinds("ps1-correlation")["hostile"])
    source = ROOT / "source_notebooks/ps1-correlation/ps1-correlation.ipynb"
    for s in manifest["students"]:
        results = trusted.grade_test_cells(_notebook(tmp_path, "ps1-correlation", s["id"]),
                                           source, call_timeout=1.0)
        points = sum(r.points for r in results)
        total = sum(r.max_points for r in results)
        if s["outcome"] == "full":
            assert points == total, (s, results)
        elif s["outcome"] == "mistake":
            assert 0 < points < total, (s, results)
            assert any(s["mistake"] in r.message for r in results if not r.passed), s
        else:  # zero, broken, cheat: nothing earned
            assert points == 0, (s, [r for r in results if r.passed])
