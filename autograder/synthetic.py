"""A synthetic class of any size for any assignment, built from the mistake library.

Grading 500 students needs 500 submissions whose right grade is known in advance.  This
module writes them: each synthetic student is one *kind*, drawn with seeded weights from
five categories.

``correct``
    The model solution: every answer cell of the source notebook, solution markers removed.
``mistake``
    The model solution with one graded function replaced by a named variant of
    :data:`autograder.mistakes.MISTAKES`, so the student loses only that mistake's points.
    The variant's cell holds self-contained numpy-only source (see :func:`mistake_source`).
``blank``
    The release notebook, untouched.
``broken``
    A file nbformat cannot read: plain text, invalid JSON, or a notebook cut in half.
``hostile``
    Code that tries to forge a grade or take the grader down: patches ``numpy.testing``
    to always pass and returns zeros, loops forever, or calls ``os._exit``.

:func:`make_class` writes ``submitted/<student_id>/<assignment>/<notebook>`` for every
student (nbgrader's layout), ``students.csv`` for ``nbgrader db student import`` and
``manifest.json`` saying what each student is and the expected outcome class (``full``,
``mistake``, ``zero``, ``broken`` or ``cheat``), so a benchmark can grade the class with
``nbgrader autograde`` and compare.

Command line::

    python -m autograder.synthetic ASSIGNMENT N OUT_DIR [--seed S]
"""

from __future__ import annotations

import argparse
import ast
import copy
import csv
import functools
import inspect
import json
import re
import sys
import textwrap
import types
from pathlib import Path

import nbformat
import numpy as np

from autograder._validation import as_int, check_choice
from autograder._worker import import_allowed
from autograder.mistakes import MISTAKES, Mistake
from autograder.notebooks import grade_cells, grade_id, nbgrader_metadata, read_notebook

__all__ = [
    "CATEGORIES",
    "DEFAULT_WEIGHTS",
    "OUTCOMES",
    "TIMESTAMP",
    "assignment_ids",
    "graded_tasks",
    "kinds",
    "main",
    "make_class",
    "mistake_cells",
    "mistake_source",
    "model_cells",
]

ROOT = Path(__file__).resolve().parents[1]

#: The categories of synthetic students, in the order counts are allocated.
CATEGORIES = ("correct", "mistake", "blank", "broken", "hostile")
#: Default mix of a class: mostly right or nearly right, a few blanks and troublemakers.
DEFAULT_WEIGHTS = {"correct": 0.3, "mistake": 0.5, "blank": 0.1, "broken": 0.05,
                   "hostile": 0.05}
#: Expected outcome class of each category.
OUTCOMES = {"correct": "full", "mistake": "mistake", "blank": "zero", "broken": "broken",
            "hostile": "cheat"}
BROKEN_VARIANTS = ("not-a-notebook", "invalid-json", "truncated")
HOSTILE_VARIANTS = ("patch-testing", "infinite-loop", "os-exit")

#: Submission time written to every ``timestamp.txt`` (nbgrader's format).
TIMESTAMP = "2026-01-05 09:00:00.000000 UTC"

_SOLUTION_MARK = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.MULTILINE)


# ---------------------------------------------------------------------------------------
# the assignment: model solution and graded tasks
# ---------------------------------------------------------------------------------------

def assignment_ids(course_root=ROOT) -> list[str]:
    """The assignments with a source notebook and a release, sorted.

    Examples
    --------
    >>> "ps1-correlation" in assignment_ids()
    True
    """
    root = Path(course_root)
    return sorted(p.parent.name for p in (root / "source_notebooks").glob("*/*.ipynb")
                  if (root / "release" / p.parent.name / p.name).is_file())


def _paths(assignment: str, course_root) -> tuple[Path, Path]:
    root = Path(course_root)
    check_choice(assignment, "assignment", assignment_ids(root))
    source = min((root / "source_notebooks" / assignment).glob("*.ipynb"))
    return source, root / "release" / assignment / source.name


def _is_answer(cell) -> bool:
    meta = nbgrader_metadata(cell)
    return cell.cell_type == "code" and bool(meta.get("solution")) and not meta.get("grade")


def model_cells(source_nb) -> dict:
    """``{grade_id: source}`` of the model solution: the answer cells without solution markers.

    Examples
    --------
    >>> nb = read_notebook(ROOT / "source_notebooks/ps1-correlation/ps1-correlation.ipynb")
    >>> sorted(model_cells(nb))
    ['convolve2d', 'correlate2d']
    """
    return {grade_id(cell): _SOLUTION_MARK.sub("", cell.source)
            for cell in source_nb.cells if _is_answer(cell)}


def _top_functions(source: str) -> set:
    return {node.name for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def graded_tasks(source_nb) -> list[str]:
    """The tasks an assignment grades: functions its answer cells define and its tests call.

    Only names with variants in :data:`autograder.mistakes.MISTAKES` count.

    Examples
    --------
    >>> graded_tasks(read_notebook(ROOT / "source_notebooks/ps1-correlation/ps1-correlation.ipynb"))
    ['convolve2d', 'correlate2d']
    """
    defined = set().union(*(_top_functions(s) for s in model_cells(source_nb).values()))
    tested = set()
    for cell in grade_cells(source_nb):
        if cell.cell_type == "code":
            tested |= {n.id for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Name)}
    return sorted(t for t in defined & tested if MISTAKES.get(t))


# ---------------------------------------------------------------------------------------
# self-contained source of a mistake
# ---------------------------------------------------------------------------------------

@functools.cache
def _module_tree(module_name: str) -> ast.Module:
    return ast.parse(inspect.getsource(sys.modules[module_name]))


def _module_assignment(module_name: str, name: str):
    """The last top-level ``name = ...`` statement of a module, or None."""
    found = None
    for node in _module_tree(module_name).body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found = node
    return found


def _lambda_node(fn) -> ast.Lambda:
    """The lambda expression that made ``fn``, found in its module by line number."""
    line = fn.__code__.co_firstlineno
    hits = [n for n in ast.walk(_module_tree(fn.__module__))
            if isinstance(n, ast.Lambda) and n.lineno == line]
    if len(hits) != 1:
        raise ValueError(f"cannot find the source of the lambda at {fn.__module__}:{line}")
    return hits[0]


class _StripAnnotations(ast.NodeTransformer):
    """Drop decorators and annotations: the registering decorator and typing names are not
    the student's, and without ``from __future__ import annotations`` they would be evaluated."""

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        node.decorator_list = []
        node.returns = None
        for arg in node.args.posonlyargs + node.args.args + node.args.kwonlyargs:
            arg.annotation = None
        for arg in (node.args.vararg, node.args.kwarg):
            if arg is not None:
                arg.annotation = None
        return node


def _free_names(node) -> set:
    """Names a statement reads that it does not bind itself (a scope-blind approximation)."""
    read, bound = set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            (read if isinstance(sub.ctx, ast.Load) else bound).add(sub.id)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub is not node:
            bound.add(sub.name)
    return read - bound


def _allowed_imports(tree: ast.Module) -> list[str]:
    """Modules imported by ``tree`` that the grading worker refuses."""
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad += [a.name for a in node.names if not import_allowed(a.name)]
        elif isinstance(node, ast.ImportFrom) and (node.level
                                                   or not import_allowed(node.module or "")):
            bad.append("." * node.level + (node.module or ""))
    return bad


class _Collector:
    """Emit definitions in dependency order, each name bound once."""

    def __init__(self):
        self.imports: dict[str, str] = {}
        self.pieces: list[str] = []
        self.bound: dict[str, str] = {}

    def bind(self, name: str, text: str) -> None:
        if name in self.bound:
            if self.bound[name] != text:
                raise ValueError(f"two different definitions of {name!r} are needed")
            return
        self.bound[name] = text
        self.pieces.append(text)

    def global_name(self, module_name: str, name: str) -> None:
        """Make ``name``, as module ``module_name`` sees it, available."""
        if name in self.bound or name in self.imports:
            return
        namespace = vars(sys.modules[module_name])
        if name not in namespace:
            return  # a builtin, or a local the scope-blind scan mistook for a global
        obj = namespace[name]
        if isinstance(obj, types.ModuleType):
            if not import_allowed(obj.__name__):
                raise ValueError(f"{module_name}.{name} is the module {obj.__name__}, "
                                 f"which student code cannot import")
            self.imports[name] = (f"import {obj.__name__}" if obj.__name__ == name
                                  else f"import {obj.__name__} as {name}")
            return
        if isinstance(obj, types.FunctionType) and obj.__module__.startswith("autograder."):
            self.function(obj)
            if obj.__name__ != name:
                self.bind(name, f"{name} = {obj.__name__}")
            return
        statement = _module_assignment(module_name, name)
        if statement is None:
            raise ValueError(f"cannot make {module_name}.{name} ({type(obj).__name__}) "
                             f"self-contained")
        self.bound[name] = "(pending)"  # guards against a cycle through the statement
        for free in sorted(_free_names(statement.value)):
            self.global_name(module_name, free)
        del self.bound[name]
        self.bind(name, ast.unparse(statement))

    def function(self, fn) -> str:
        """Emit ``fn`` under its ``__name__`` with everything it needs; return that name."""
        name = fn.__name__
        if name in self.bound:
            return name
        if name == "<lambda>":
            raise ValueError("a lambda must be bound through a closure variable")
        node = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
        node = _StripAnnotations().visit(node)
        node.name = name
        self.bound[name] = "(pending)"  # recursion and mutual recursion end here
        closure = dict(zip(fn.__code__.co_freevars,
                           (c.cell_contents for c in fn.__closure__ or ())))
        for free in sorted(_free_names(node) - {name}):
            if free in closure:
                self.closure_value(fn.__module__, free, closure[free])
            else:
                self.global_name(fn.__module__, free)
        del self.bound[name]
        self.bind(name, ast.unparse(node))
        return name

    def closure_value(self, module_name: str, name: str, value) -> None:
        """Bind a nested variant's closure variable at top level."""
        if isinstance(value, types.FunctionType) and value.__name__ == "<lambda>":
            node = _lambda_node(value)
            for free in sorted(_free_names(node)):
                self.global_name(value.__module__, free)
            self.bind(name, f"{name} = {ast.unparse(node)}")
        elif isinstance(value, types.FunctionType):
            target = self.function(value)
            if target != name:
                self.bind(name, f"{name} = {target}")
        elif value is None or isinstance(value, (bool, int, float, str)):
            self.bind(name, f"{name} = {value!r}")
        else:
            raise ValueError(f"cannot make the closure variable {name!r} "
                             f"({type(value).__name__}) self-contained")


def mistake_source(mistake: Mistake, as_name: str | None = None) -> str:
    """Self-contained numpy-only source of a mistake's function, bound to its task's name.

    The variant's function (decorators and annotations removed) comes first with every
    module-level helper, constant and closure variable it needs, found through the
    module's syntax tree and followed transitively; then ``<task> = <variant>``.

    Parameters
    ----------
    mistake : autograder.mistakes.Mistake
        A variant of :data:`autograder.mistakes.MISTAKES`.
    as_name : str, optional
        The name to bind the variant to; default ``mistake.task``.

    Returns
    -------
    str
        Python source that imports only modules student code may import.

    Raises
    ------
    TypeError
        If ``mistake`` is not a Mistake.
    ValueError
        If a needed name cannot be made self-contained (an object that is neither a
        function, a module nor a top-level assignment), two helpers of the same name
        differ, or the result imports a module students cannot import.

    See Also
    --------
    inspect.getsource : How the variant's text is found.

    Examples
    --------
    >>> m = next(m for m in MISTAKES["convolve2d"] if m.name == "forgot the flip")
    >>> namespace = {}
    >>> exec(mistake_source(m), namespace)
    >>> in1, in2 = np.arange(6.0).reshape(2, 3), np.array([[1.0, 2.0]])
    >>> namespace["convolve2d"](in1, in2, mode="valid").tolist()   # correlated, not convolved
    [[2.0, 5.0], [11.0, 14.0]]
    """
    if not isinstance(mistake, Mistake):
        raise TypeError(f"mistake must be an autograder.mistakes.Mistake, got "
                        f"{type(mistake).__name__}")
    target = mistake.task if as_name is None else as_name
    collector = _Collector()
    variant = collector.function(mistake.fn)
    header = [(f"# {mistake.task} with the mistake {mistake.name!r} "
               f"(autograder.mistakes.{variant})")]
    body = [*sorted(collector.imports.values()), "", *(p + "\n" for p in collector.pieces)]
    if variant != target:
        body.append(f"{target} = {variant}")
    source = "\n".join(header + body).rstrip() + "\n"
    tree = ast.parse(source)
    bad = _allowed_imports(tree)
    if bad:
        raise ValueError(f"the source of {variant} imports {bad}, which students cannot")
    defined = {n.id for s in tree.body if isinstance(s, ast.Assign) for n in s.targets
               if isinstance(n, ast.Name)} | _top_functions(source)
    if target not in defined:
        raise ValueError(f"the source of {variant} does not define {target}")
    return source


# ---------------------------------------------------------------------------------------
# the students
# ---------------------------------------------------------------------------------------

def kinds(assignment: str, course_root=ROOT) -> dict:
    """Every variant of each category for ``assignment``: ``{category: [variant, ...]}``.

    A mistake variant is ``(task, index)`` into ``MISTAKES[task]``.

    Examples
    --------
    >>> k = kinds("ps1-correlation")
    >>> k["correct"], k["broken"]
    (['model'], ['not-a-notebook', 'invalid-json', 'truncated'])
    >>> k["mistake"][0]
    ('convolve2d', 0)
    """
    source, _ = _paths(assignment, course_root)
    tasks = graded_tasks(read_notebook(source))
    return {
        "correct": ["model"],
        "mistake": [(task, i) for task in tasks for i in range(len(MISTAKES[task]))],
        "blank": ["release"],
        "broken": list(BROKEN_VARIANTS),
        "hostile": list(HOSTILE_VARIANTS),
    }


def _counts(n: int, weights: dict) -> dict:
    """Largest-remainder split of ``n`` students by ``weights`` (ties to the earlier category)."""
    total = float(sum(weights.values()))
    quotas = {c: n * weights.get(c, 0.0) / total for c in CATEGORIES}
    counts = {c: int(np.floor(q)) for c, q in quotas.items()}
    order = sorted(CATEGORIES, key=lambda c: (-(quotas[c] - counts[c]), CATEGORIES.index(c)))
    for c in order[:n - sum(counts.values())]:
        counts[c] += 1
    return counts


def _check_weights(weights) -> dict:
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, dict):
        raise TypeError(f"weights must be a dict of category -> weight, got "
                        f"{type(weights).__name__}")
    for key, value in weights.items():
        check_choice(key, "weights key", CATEGORIES)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"weights[{key!r}] must be a number >= 0, got {value!r}")
    if sum(weights.values()) <= 0:
        raise ValueError(f"weights must have a positive total, got {weights!r}")
    return {c: float(weights.get(c, 0.0)) for c in CATEGORIES}


def _replace_function(source: str, name: str) -> str:
    """``source`` without its top-level ``def name``: the rest of the cell stays the model's."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            del lines[start:node.end_lineno]
            break
    return "".join(lines).rstrip()


def _bound_names(source: str) -> set:
    """Names a cell binds at top level."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def mistake_cells(model: dict, mistake: Mistake) -> dict:
    """The model's answer cells with ``mistake.task`` replaced by the mistake's source.

    The cell that defines the task keeps its other code; the variant and its helpers are
    appended.  Every other graded function stays the model's, so the student loses only
    the points of the cells that use the task.

    Parameters
    ----------
    model : dict
        ``{grade_id: source}``, see :func:`model_cells`.
    mistake : autograder.mistakes.Mistake
        The variant to put in.

    Returns
    -------
    dict
        A new ``{grade_id: source}``.

    Raises
    ------
    ValueError
        If no answer cell defines the task, or a helper of the variant has the name of
        something the model defines (it would change the model's other functions).

    Examples
    --------
    >>> cells = mistake_cells({"f": "def convolve2d(a, b, mode='full'):\\n    return a"},
    ...                       MISTAKES["convolve2d"][0])
    >>> cells["f"].splitlines()[-1]
    'convolve2d = convolve2d_flips_in_place'
    """
    task = mistake.task
    owners = [gid for gid, src in model.items() if task in _top_functions(src)]
    if not owners:
        raise ValueError(f"no answer cell defines {task!r}; cells: {sorted(model)}")
    source = mistake_source(mistake)
    model_names = set().union(*(_bound_names(src) for src in model.values()))
    clash = sorted((_bound_names(source) & model_names) - {task, "np", "numpy"})
    if clash:
        raise ValueError(f"helpers of {mistake.fn.__name__} would replace the model's "
                         f"{clash}")
    cells = dict(model)
    rest = _replace_function(model[owners[0]], task)
    cells[owners[0]] = (rest + "\n\n\n" if rest else "") + source
    return cells


def _hostile_cells(variant: str, model: dict, tasks: list) -> dict:
    cells = dict(model)
    owner = {t: gid for gid, src in model.items() for t in _top_functions(src) if t in tasks}
    for task in tasks:
        if variant == "patch-testing":
            body = ("import numpy.testing\n"
                    "numpy.testing.assert_allclose = lambda *args, **kwargs: None\n"
                    "numpy.testing.assert_array_equal = lambda *args, **kwargs: None\n"
                    "np.allclose = lambda *args, **kwargs: True\n\n"
                    f"def {task}(*args, **kwargs):\n    return np.zeros((1, 1))\n")
        elif variant == "infinite-loop":
            body = f"def {task}(*args, **kwargs):\n    while True:\n        pass\n"
        else:
            body = (f"def {task}(*args, **kwargs):\n"
                    "    __import__('os')._exit(0)\n")
        gid = owner[task]
        rest = _replace_function(cells[gid], task)
        cells[gid] = (rest + "\n\n\n" if rest else "") + body
    return cells


def _broken_text(variant: str, release_text: str) -> str:
    if variant == "not-a-notebook":
        return "def correlate2d(in1, in2):\n    return in1  # saved as .py, renamed .ipynb\n"
    if variant == "invalid-json":
        return '{"cells": [{"cell_type": "code", "source": ["x = 1"],}], "nbformat": 4'
    return release_text[:len(release_text) // 2]


def make_class(assignment: str, n_students: int, out_dir, *, seed: int = 0, weights=None,
               course_root=ROOT) -> dict:
    """Write a synthetic class of ``n_students`` for ``assignment`` under ``out_dir``.

    Parameters
    ----------
    assignment : str
        An assignment id, e.g. ``"ps1-correlation"`` (see :func:`assignment_ids`).
    n_students : int
        Class size, >= 0.
    out_dir : str or os.PathLike
        Created if needed; receives ``submitted/<id>/<assignment>/<notebook>``,
        ``students.csv`` and ``manifest.json``.
    seed : int
        Seed of the order of students and the variants within each category.
    weights : dict, optional
        ``{category: weight}`` over :data:`CATEGORIES`; missing ones weigh 0.  Default
        :data:`DEFAULT_WEIGHTS`.  Counts are the largest-remainder split of
        ``n_students``; within a category the variants are dealt round-robin from a
        seeded shuffle, so every variant appears once the category is large enough.
    course_root : str or os.PathLike
        The course (holding ``source_notebooks/`` and ``release/``).

    Returns
    -------
    dict
        The manifest also written to ``manifest.json``: ``assignment``, ``notebook``,
        ``seed``, ``weights``, ``counts`` and ``students``, a list of ``{"id", "category",
        "kind", "task", "mistake", "outcome"}`` in id order.

    Raises
    ------
    ValueError, TypeError
        For an unknown assignment, a negative size or bad weights.

    See Also
    --------
    autograder.demo.grade_class : Grades a class laid out like this through nbgrader.

    Notes
    -----
    A mistake student's expected outcome is partial marks with the mistake named in a
    failing cell; ``zero``, ``broken`` and ``cheat`` students should earn nothing (a
    ``broken`` notebook cannot even be read).  Each submission folder also gets
    ``timestamp.txt`` holding :data:`TIMESTAMP`.

    Examples
    --------
    >>> import tempfile
    >>> m = make_class("ps1-correlation", 4, tempfile.mkdtemp(), weights={"correct": 1, "blank": 1})
    >>> m["counts"]["correct"], m["counts"]["blank"], m["students"][0]["id"]
    (2, 2, 's0000')
    """
    n = as_int(n_students, "n_students", minimum=0)
    seed = as_int(seed, "seed")
    weights = _check_weights(weights)
    source_path, release_path = _paths(assignment, course_root)
    source_nb, release_text = read_notebook(source_path), release_path.read_text("utf-8")
    release_nb = nbformat.reads(release_text, as_version=4)
    model = model_cells(source_nb)
    variants = kinds(assignment, course_root)
    tasks = graded_tasks(source_nb)

    counts = _counts(n, weights)
    rng = np.random.default_rng(seed)
    plan = []
    for category in CATEGORIES:
        options = variants[category]
        if counts[category] and not options:
            raise ValueError(f"{assignment} has no {category} variants, but weights give "
                             f"it {counts[category]} students")
        order = [options[i] for i in rng.permutation(len(options))] if options else []
        plan += [(category, order[i % len(order)]) for i in range(counts[category])]
    plan = [plan[i] for i in rng.permutation(len(plan))]

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    students = []
    # demo imports the nbgrader machinery: load it only when a class is made
    from autograder.demo import build_submission
    for number, (category, kind) in enumerate(plan):
        sid = f"s{number:04d}"
        record = {"id": sid, "category": category, "kind": kind, "task": None,
                  "mistake": None, "outcome": OUTCOMES[category]}
        text = None
        if category == "correct":
            nb = build_submission(release_nb, model)
        elif category == "mistake":
            task, index = kind
            mistake = MISTAKES[task][index]
            record.update(kind=f"{task}:{mistake.fn.__name__}", task=task, mistake=mistake.name)
            nb = build_submission(release_nb, mistake_cells(model, mistake))
        elif category == "blank":
            text = release_text
        elif category == "broken":
            text = _broken_text(kind, release_text)
        else:
            nb = build_submission(release_nb, _hostile_cells(kind, model, tasks))
        if text is None:
            text = nbformat.writes(nb) + "\n"
        path = out / "submitted" / sid / assignment / source_path.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        # nbgrader reads the submission time from here; a fixed one keeps the class reproducible
        (path.parent / "timestamp.txt").write_text(TIMESTAMP + "\n", encoding="utf-8")
        students.append(record)

    with open(out / "students.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for record in students:
            writer.writerow([record["id"], "Synthetic", record["category"].capitalize(),
                             f"{record['id']}@example.org"])
    manifest = {"assignment": assignment, "notebook": source_path.name, "seed": seed,
                "weights": weights, "counts": counts, "students": students}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return copy.deepcopy(manifest)


def main(argv=None) -> int:
    """Command line: ``python -m autograder.synthetic ASSIGNMENT N OUT_DIR [--seed S]``."""
    parser = argparse.ArgumentParser(prog="python -m autograder.synthetic",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("assignment", choices=assignment_ids())
    parser.add_argument("n", type=int, help="number of students")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", type=json.loads, default=None,
                        help='JSON, e.g. \'{"correct": 1, "mistake": 3}\'')
    args = parser.parse_args(argv)
    manifest = make_class(args.assignment, args.n, args.out_dir, seed=args.seed,
                          weights=args.weights)
    print(f"{len(manifest['students'])} students of {args.assignment} in {args.out_dir}: "
          + ", ".join(f"{c} {k}" for c, k in manifest["counts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
