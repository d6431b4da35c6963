"""Every known mistake of the library, put into every assignment, is caught, named and costs only its own cells.

For each assignment in ``source_notebooks/`` and each function its answer cells define and its
test cells call whose name is a task of :data:`autograder.mistakes.MISTAKES`, each of the task's variants stands in
for the model solution, the way a student's wrong function would: the answer cells are run,
then the variant replaces the function in their namespace (so model functions that call it,
like a ``conv2d`` that calls the student's ``pad2d``, call the variant). Then every graded
test cell of the source notebook runs, visible and hidden tests together, as ``nbgrader
autograde`` would run them. The test asserts that

* at least one test cell fails: the mistake is caught;
* one of the failing cells says the mistake's name: the feedback names it;
* every test cell that does not use the function, directly or through a model function that
  calls it, still passes: the mistake costs only the points of the cells that test it.
"""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

from autograder.mistakes import MISTAKES
from autograder.notebooks import graded_sources, read_notebook, run_answer_cells, run_test_cells

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "source_notebooks").glob("*/*.ipynb"))


def _names(source: str) -> set[str]:
    """Every name a piece of code reads."""
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}


def _uses(names: set[str], namespace: dict, task: str) -> bool:
    """Whether code reading ``names`` calls ``task``, directly or through the namespace's functions."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name == task:
            return True
        if name in seen:
            continue
        seen.add(name)
        fn = namespace.get(name)
        if isinstance(fn, types.FunctionType) and fn.__globals__ is namespace:
            todo.extend(_code_names(fn.__code__))
    return False


def _code_names(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _cases():
    for path in SOURCES:
        nb = read_notebook(path)
        model = run_answer_cells(nb)
        tested = set().union(*(_names(source) for source in graded_sources(nb).values()))
        # the tasks this assignment grades: functions its answer cells define and its test
        # cells call (an ungraded helper that shares a task's name is another assignment's)
        for task in sorted(name for name, value in model.items()
                           if name in MISTAKES and name in tested
                           and isinstance(value, types.FunctionType)):
            for mistake in MISTAKES[task]:
                yield pytest.param(path, task, mistake,
                                   id=f"{path.parent.name}-{task}-{mistake.fn.__name__}")


CASES = list(_cases())


def test_every_assignment_has_tasks_with_mistakes():
    """Each assignment defines at least one function with known mistakes, so the cases below cover it."""
    covered = {case.values[0] for case in CASES}
    assert covered == set(SOURCES), sorted(p.parent.name for p in set(SOURCES) - covered)


@pytest.mark.parametrize("path", SOURCES, ids=[p.parent.name for p in SOURCES])
def test_the_model_solution_passes_every_test_cell(path):
    """With the model solution, every graded test cell of the source passes (the baseline of the cases below)."""
    nb = read_notebook(path)
    outcome = run_test_cells(graded_sources(nb), run_answer_cells(nb))
    assert all(error is None for error in outcome.values()), outcome


@pytest.mark.parametrize("path, task, mistake", CASES)
def test_mistake_is_caught_named_and_costs_only_its_cells(path, task, mistake):
    """The variant fails at least one test cell, a failing cell names it, and cells that do not use the function pass."""
    nb = read_notebook(path)
    namespace = run_answer_cells(nb)
    namespace[task] = mistake.fn
    tests = graded_sources(nb)
    outcome = {gid: None if error is None else f"{type(error).__name__}: {error}"
               for gid, error in run_test_cells(tests, namespace).items()}
    failed = {gid: error for gid, error in outcome.items() if error is not None}
    assert failed, f"no test cell catches {task} with the mistake {mistake.name!r}"
    assert any(mistake.name in error for error in failed.values()), (
        f"no failing cell names {mistake.name!r}:\n"
        + "\n".join(f"{gid}: {error[:300]}" for gid, error in failed.items()))
    unrelated = {gid for gid, source in tests.items()
                 if not _uses(_names(source), namespace, task)}
    assert not unrelated & set(failed), (
        f"cells that do not use {task} failed: "
        + "; ".join(f"{gid}: {failed[gid][:200]}" for gid in sorted(unrelated & set(failed))))
