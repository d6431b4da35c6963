"""autograder.trusted: answers graded in a sandboxed worker, tests run in the grader.

Everything here runs the real :class:`autograder.sandbox.Sandbox`.  The demo class and the
reference solution of ps1-correlation are graded end to end; the per-cell outcome of each
demo student is compared with :func:`autograder.demo.trusted_recheck`, an independent
in-process re-grade in a fresh interpreter.  Cheats, imports of forbidden modules, noise on
the protocol's descriptors, pickles and functions that hang or kill their process are
graded through the same path.
"""

from __future__ import annotations

import ast
import copy
import time
import traceback
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import autograder.trusted as trusted
from autograder import _worker as wire
from autograder import demo
from autograder.checks.core import call_guarded
from autograder.notebooks import read_notebook
from autograder.sandbox import Limits, Sandbox
from autograder.trusted import (
    GradingError,
    StudentError,
    StudentSession,
    TestResult,
    WorkerLost,
    answer_code,
    grade_test_cells,
    setup_code,
    test_code,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCE = read_notebook(ROOT / "source_notebooks" / "ps1-correlation" / "ps1-correlation.ipynb")
RELEASE = read_notebook(ROOT / "release" / "ps1-correlation" / "ps1-correlation.ipynb")
CLASS = ROOT / "demo" / "ps1-correlation"
SETTINGS, STUDENTS = demo.load_manifest(CLASS)
TESTS = test_code(SOURCE)
TEST_IDS = [gid for gid, _, _ in TESTS]
REFERENCE = dict(answer_code(SOURCE, SOURCE))
# Student code reaches os and sys through numpy's own modules: the import guard is not
# the boundary, the sandbox is.
ESCAPE = "u = np.testing._private.utils\n"

with Sandbox() as _box:
    HIDING = _box.defences["hidden_paths"] and _box.defences["unprivileged_uid"]
needs_hiding = pytest.mark.skipif(not HIDING, reason="this machine's sandbox cannot hide "
                                                     "paths or change user (not root?)")


def answer_meta(gid):
    return {"nbgrader": {"solution": True, "grade": False, "locked": False, "grade_id": gid,
                         "schema_version": 3}}


def grade_meta(gid, points=1):
    return {"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": gid,
                         "points": points, "schema_version": 3}}


def submission(cells: dict, delete=()):
    """The release notebook with these answer cells filled in (as the demo builds them)."""
    return demo.build_submission(RELEASE, cells, delete)


def by_id(results):
    return {r.grade_id: r for r in results}


def passed_ids(results):
    return {r.grade_id for r in results if r.passed}


def refused_imports(cells: dict) -> list[str]:
    """Modules the student's answer cells import that the worker refuses."""
    names = []
    for source in cells.values():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
    return [n for n in names if not wire.import_allowed(n)]


# ------------------------------------------------------------------------ reading notebooks

def test_answer_code_takes_the_students_cells_by_grade_id():
    """Answer cells come from the submission, matched by grade id, in its order, and nothing else."""
    nb = submission({"correlate2d": "def correlate2d(a, b):\n    return 1",
                     "convolve2d": "def convolve2d(a, b):\n    return 2",
                     "correlate2d_full": "assert True  # an edited test cell"})
    assert answer_code(nb, SOURCE) == [("correlate2d", "def correlate2d(a, b):\n    return 1"),
                                       ("convolve2d", "def convolve2d(a, b):\n    return 2")]


def test_answer_code_keeps_every_copy_of_a_duplicated_cell():
    """A duplicated answer cell yields both copies, in notebook order, as a notebook would run them."""
    nb = submission({"correlate2d": "def correlate2d(a, b):\n    return 1"})
    copy_cell = copy.deepcopy([c for c in nb.cells if c.metadata.get("nbgrader", {})
                               .get("grade_id") == "correlate2d"][0])
    copy_cell.source = "def correlate2d(a, b):\n    return 3"
    nb.cells.append(copy_cell)
    found = [code for gid, code in answer_code(nb, SOURCE) if gid == "correlate2d"]
    assert found == ["def correlate2d(a, b):\n    return 1", "def correlate2d(a, b):\n    return 3"]


def stripped(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def test_answer_code_without_metadata_matches_by_defined_names():
    """With every cell's metadata stripped, the cells defining correlate2d and convolve2d are found."""
    cells = demo.read_student_cells(CLASS / "students" / "ada.py")
    found = answer_code(stripped(submission(cells)), SOURCE)
    assert [gid for gid, _ in found] == ["correlate2d", "convolve2d"]
    assert found[0][1] == cells["correlate2d"] and found[1][1] == cells["convolve2d"]


def test_answer_code_without_metadata_falls_back_to_position():
    """A stripped answer cell that defines nothing by the source's names is found between its locked neighbours."""
    nb = stripped(submission({"correlate2d": "correlate = lambda a, b: a",
                              "convolve2d": "def convolve2d(a, b):\n    return 2"}))
    found = dict(answer_code(nb, SOURCE))
    assert found == {"correlate2d": "correlate = lambda a, b: a",
                     "convolve2d": "def convolve2d(a, b):\n    return 2"}


def test_answer_code_of_a_notebook_without_answers_is_empty():
    """An empty notebook, and one of markdown only, give no answer code."""
    assert answer_code(new_notebook(), SOURCE) == []
    assert answer_code(new_notebook(cells=[new_markdown_cell("hi")]), SOURCE) == []


def test_setup_and_test_cells_come_from_the_source():
    """setup_code finds the locked import cell; test_code the ten test cells with their points, hidden tests included."""
    assert setup_code(SOURCE) == [("setup", "import numpy as np")]
    assert [(gid, points) for gid, _, points in TESTS] == [
        ("correlate2d_full", 1), ("correlate2d_same", 1), ("correlate2d_valid", 1),
        ("correlate2d_dtype", 1), ("correlate2d_thorough", 3), ("convolve2d_full", 1),
        ("convolve2d_same", 1), ("convolve2d_valid", 1), ("convolve2d_dtype", 1),
        ("convolve2d_thorough", 3)]
    assert "check_correlate2d(correlate2d)" in dict((g, c) for g, c, _ in TESTS)[
        "correlate2d_thorough"]


# ------------------------------------------------------------------------ the reference and the demo class

@pytest.fixture(scope="module")
def reference_results():
    started = time.perf_counter()
    results = grade_test_cells(SOURCE, SOURCE)
    seconds = time.perf_counter() - started
    print(f"trusted grading of the ps1 reference solution: {seconds:.2f} s")
    return results, seconds


def test_reference_solution_gets_full_points(reference_results):
    """The instructor's solution passes every test cell with full points; the hidden checks ran all their cases."""
    results, _ = reference_results
    assert [r.grade_id for r in results] == TEST_IDS
    assert all(r.passed and r.points == r.max_points > 0 for r in results), results
    messages = by_id(results)
    assert messages["correlate2d_thorough"].message.startswith("check_correlate2d: all ")
    assert messages["convolve2d_thorough"].message.endswith("cases passed")


def test_the_profiler_does_not_flag_the_proxy():
    """A check's forbidden-call hook, wrapped around a proxy call, names no culprit."""
    with StudentSession([("correlate2d", REFERENCE["correlate2d"])],
                        setup=setup_code(SOURCE)) as session:
        proxy = session.namespace()["correlate2d"]
        outcome, culprit = call_guarded(proxy, (np.ones((3, 3)), np.ones((2, 2))), {})
    assert culprit is None
    assert outcome.tolist() == [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]


@pytest.fixture(scope="module")
def demo_class():
    """Every demo student graded by the trusted path and by the independent re-check."""
    graded = {}
    for student in STUDENTS:
        if student.raw is not None:
            graded[student.id] = (None, {}, grade_test_cells(student.raw, SOURCE), None)
            continue
        cells = student.cells()
        nb = submission(cells, student.delete_cells)
        graded[student.id] = (nb, cells, grade_test_cells(nb, SOURCE),
                              demo.trusted_recheck(SOURCE, nb))
    return graded


@pytest.mark.parametrize("student", STUDENTS, ids=lambda s: s.id)
def test_demo_students_get_what_their_manifest_implies(demo_class, student):
    """Each demo student's per-cell outcome is what its manifest entry says, and agrees with the in-process re-check."""
    nb, cells, results, recheck = demo_class[student.id]
    assert [r.grade_id for r in results] == TEST_IDS
    for r in results:
        assert r.points == (r.max_points if r.passed else 0)
    passed = passed_ids(results)
    failed_text = "\n".join(r.message for r in results if not r.passed).lower()
    if student.expect == "full":
        assert passed == set(TEST_IDS), failed_text
    elif student.expect in ("zero", "cheat", "broken"):
        assert passed == set(), passed
    else:
        assert passed != set(TEST_IDS)
        for word in student.mistakes:
            assert word.lower() in failed_text, f"{word!r} not named"
    if student.expect == "broken":
        assert "the submitted notebook cannot be read" in failed_text
    elif refused_imports(cells):
        # the worker refuses the import, so nothing of that cell exists: every test fails
        assert passed == set()
        assert "is not allowed in graded code" in failed_text
    else:
        oracle = {gid for gid, error in recheck["cells"].items() if error is None}
        assert passed == oracle


def test_no_message_shows_a_traceback_or_hidden_code(demo_class):
    """Failure messages of the whole class carry no traceback and no line of the hidden tests."""
    hidden = [line.strip() for _, code, _ in TESTS
              for line in code.split("### BEGIN HIDDEN TESTS")[1:]
              for line in line.split("### END HIDDEN TESTS")[0].splitlines() if line.strip()]
    for _, _, results, _ in demo_class.values():
        for r in results:
            assert "Traceback" not in r.message and 'File "' not in r.message
            for line in hidden:
                assert line not in r.message, (r.grade_id, line)


def test_stripped_metadata_and_edited_tests_do_not_matter():
    """A correct submission with every metadata field stripped and every test cell emptied still gets full points."""
    cells = demo.read_student_cells(CLASS / "students" / "ben.py")
    cells.update({gid: "pass" for gid in TEST_IDS})
    results = grade_test_cells(stripped(submission(cells)), SOURCE)
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]


def test_ipython_magics_in_an_answer_cell_do_not_lose_it():
    """An answer cell with %timeit and !ls lines still defines its function, which passes."""
    code = "%matplotlib inline\n!ls\n" + REFERENCE["correlate2d"] + "\n%timeit correlate2d([[1]], [[1]])"
    results = grade_test_cells(submission({"correlate2d": code}), SOURCE)
    assert {g for g in TEST_IDS if g.startswith("correlate2d")} <= passed_ids(results)


# ------------------------------------------------------------------------ cheats

WRONG_CONVOLVE = ("def convolve2d(in1, in2, mode='full'):\n"
                  "    out = correlate2d(in1, in2, mode)\n"
                  "    return np.zeros_like(out)\n")

CHEATS = {
    "numpy.testing replaced": (
        "import numpy.testing\n"
        "for name in ('assert_array_equal', 'assert_allclose', 'assert_equal'):\n"
        "    setattr(numpy.testing, name, lambda *a, **k: None)\n"),
    "np.allclose and friends replaced": (
        "np.allclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_array_equal = lambda *a, **k: None\n"),
    "sys.modules shadowed": (
        ESCAPE + "fake = type(u)('autograder.checks')\n"
        "fake.check_convolve2d = lambda fn: None\n"
        "u.sys.modules['autograder.checks'] = fake\n"
        "u.sys.modules['numpy.testing'] = fake\n"),
    "builtins patched": (
        ESCAPE + "u.__builtins__['AssertionError'] = type('Never', (Exception,), {})\n"
        "u.__builtins__['isinstance'] = lambda *a: True\n"
        "__builtins__['AssertionError'] = u.__builtins__['AssertionError']\n"),
    "IPython input transformer": (
        "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"),
    "thread that patches later": (
        ESCAPE + "def patch_forever():\n"
        "    while True:\n"
        "        u.sys.modules['numpy'].testing.assert_array_equal = lambda *a, **k: None\n"
        "        u.sys.modules['time'].sleep(0.01)\n"
        "u.threading.Thread(target=patch_forever, daemon=True).start()\n"),
}


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_cheats_in_answer_cells_score_nothing_where_answers_are_wrong(cheat):
    """A cheat in the convolve2d answer cell leaves its wrong cells at 0 and the honest correlate2d cells at full points."""
    cells = {"correlate2d": REFERENCE["correlate2d"],
             "convolve2d": WRONG_CONVOLVE + CHEATS[cheat]}
    results = grade_test_cells(submission(cells), SOURCE)
    assert passed_ids(results) == {g for g in TEST_IDS if g.startswith("correlate2d")}
    assert sum(r.points for r in results) == 7


@needs_hiding
@pytest.mark.parametrize("target", ["solutions", "scipy", "reference"])
def test_escaping_the_import_guard_reaches_nothing_useful(target):
    """Code that bypasses the import guard still cannot read the source notebook, import scipy or import the reference."""
    steal = {
        "solutions": (
            "fd = u.os.open(%r, u.os.O_RDONLY)\n"
            "nb = u.sys.modules['json'].loads(u.os.read(fd, 10**7))\n"
            "for cell in nb['cells']:\n"
            "    if cell['metadata'].get('nbgrader', {}).get('grade_id') == 'convolve2d':\n"
            "        exec(''.join(cell['source']))\n"
            % str(ROOT / "source_notebooks" / "ps1-correlation" / "ps1-correlation.ipynb")),
        "scipy": (
            "u.sys.meta_path[:] = [f for f in u.sys.meta_path if 'Guard' not in type(f).__name__]\n"
            "u.sys.path.append(%r)\n"
            "real_import = u.__builtins__['__import__']\n"
            "convolve2d = real_import('scipy.signal', fromlist=['x']).convolve2d\n"
            % str(Path(np.__file__).resolve().parent.parent)),
        "reference": (
            "u.sys.meta_path[:] = [f for f in u.sys.meta_path if 'Guard' not in type(f).__name__]\n"
            "u.sys.path.append(%r)\n"
            "real_import = u.__builtins__['__import__']\n"
            "convolve2d = real_import('autograder.reference', fromlist=['x']).convolve2d\n"
            % str(ROOT)),
    }[target]
    cells = {"correlate2d": REFERENCE["correlate2d"],
             "convolve2d": WRONG_CONVOLVE + ESCAPE + steal}
    results = grade_test_cells(submission(cells), SOURCE)
    assert passed_ids(results) == {g for g in TEST_IDS if g.startswith("correlate2d")}


@pytest.mark.parametrize("module", ["os", "subprocess", "sqlite3", "socket", "ctypes", "scipy",
                                    "torch", "autograder"])
def test_forbidden_imports_fail_the_answer_with_a_clear_message(module):
    """An answer cell importing a forbidden module defines nothing, and the failed test says which import was refused."""
    cells = {"correlate2d": f"import {module}\n" + REFERENCE["correlate2d"]}
    result = by_id(grade_test_cells(submission(cells), SOURCE))["correlate2d_full"]
    assert not result.passed
    assert result.message.startswith("NameError: name 'correlate2d' is not defined")
    assert (f"your answer cell 'correlate2d' raised ImportError at line 1: import {module}: "
            f"import of {module!r} is not allowed in graded code; only numpy and") \
        in result.message


def test_pickle_from_the_worker_is_refused(tmp_path):
    """A worker whose encoder was replaced to send a pickled object array is refused; nothing is unpickled in the grader."""
    marker = tmp_path / "unpickled-in-the-grader"
    cell = ("import numpy as np\n" + ESCAPE +
            "class Bomb:\n"
            "    def __reduce__(self):\n"
            "        return (u.os.mkdir, (%r,))\n"
            "def evil_save(array):\n"
            "    buffer = u.sys.modules['io'].BytesIO()\n"
            "    np.save(buffer, array, allow_pickle=True)\n"
            "    return buffer.getvalue()\n"
            "u.sys.modules['__main__'].save_npy = evil_save\n"
            "def f():\n"
            "    bomb = np.empty(1, dtype=object)\n"
            "    bomb[0] = Bomb()\n"
            "    return bomb\n" % str(marker))
    with StudentSession([("f", cell)]) as session:
        assert session.cell_errors == {}
        f = session.namespace()["f"]
        with pytest.raises(WorkerLost, match="broke the grading protocol.*dtype object"):
            f()
    assert not marker.exists()


def test_a_malformed_exception_from_the_worker_does_not_break_the_grader():
    """A worker made to describe an exception with wrong types still yields an exception here, not a grader crash."""
    cell = ("import numpy as np\n" + ESCAPE +
            "def describe(self, exc):\n"
            "    return {'type': ['x'], 'bases': 5, 'cell': [1], 'line': 'x', 'args': [[1]],\n"
            "            'message': {'a': 1}, 'module': None}\n"
            "u.sys.modules['__main__']._Worker.describe = describe\n"
            "def f():\n"
            "    raise ValueError('x')\n")
    with StudentSession([("f", cell)]) as session:
        with pytest.raises(StudentError, match="'a': 1"):
            session.namespace()["f"]()


# ------------------------------------------------------------------------ denial of service

DOS_ANSWER = ("import numpy as np\nimport time\n" + ESCAPE +
              "def f(what):\n"
              "    if what == 'hang':\n"
              "        while True:\n"
              "            pass\n"
              "    if what == 'sleep':\n"
              "        time.sleep(1000)\n"
              "    if what == 'memory':\n"
              "        return np.ones(2**28).sum()\n"
              "    if what == 'kill':\n"
              "        u.os.kill(u.os.getpid(), 9)\n"
              "    if what == 'exit':\n"
              "        u.os._exit(0)\n"
              "    if what == 'slow':\n"
              "        time.sleep(0.4)\n"
              "    if what == 'noise':\n"
              "        for _ in range(3000):\n"
              "            print('spam' * 250)\n"
              "        u.os.write(1, b'AGW1' + b'\\xff' * 10000)\n"
              "        u.os.write(2, b'garbage' * 10000)\n"
              "    if what == 'protocol':\n"
              "        for fd in range(3, 12):\n"
              "            try:\n"
              "                u.os.write(fd, b'garbage')\n"
              "            except OSError:\n"
              "                pass\n"
              "    return 42\n")
DOS_CALLS = ["ok", "hang", "ok", "sleep", "memory", "ok", "kill", "exit", "noise",
             "protocol", "ok"]


@pytest.fixture(scope="module")
def dos_results():
    cells = [new_code_cell(DOS_ANSWER, metadata=answer_meta("f"))]
    cells += [new_code_cell(f"assert f({what!r}) == 42", metadata=grade_meta(f"t{i}_{what}"))
              for i, what in enumerate(DOS_CALLS)]
    cells.append(new_code_cell("for _ in range(5):\n    f('slow')", metadata=grade_meta("budget")))
    nb = new_notebook(cells=cells)
    return by_id(grade_test_cells(nb, nb, Limits(memory_bytes=1 << 30, wall_seconds=1.5),
                                  call_timeout=1.0))


@pytest.mark.parametrize("what, message", [
    ("hang", "your f did not return within 1 s; it was stopped (later tests run in a fresh "
             "process)"),
    ("sleep", "your f did not return within 1 s"),
    ("memory", "MemoryError: Unable to allocate 2.00 GiB"),
    ("kill", "the graded code's process died while running your f: "),
    ("exit", "the graded code's process died while running your f: it exited with status 0"),
    ("protocol", "the graded code's process broke the grading protocol while running your f"),
])
def test_denial_of_service_fails_its_own_cell_with_a_clear_message(dos_results, what, message):
    """A call that hangs, sleeps, exhausts memory, kills or ends its process, or writes on the grader's channel fails that cell, saying so."""
    result = dos_results[f"t{DOS_CALLS.index(what)}_{what}"]
    assert not result.passed and result.points == 0
    assert message in result.message


def test_later_cells_still_run_after_a_lost_worker(dos_results):
    """Every honest call after a hang, a kill or an exit passes in a fresh worker, and noise on fds 1 and 2 costs nothing."""
    for i, what in enumerate(DOS_CALLS):
        if what in ("ok", "noise"):
            assert dos_results[f"t{i}_{what}"].passed, dos_results[f"t{i}_{what}"].message


def test_a_test_cell_has_a_time_budget(dos_results):
    """Five calls of 0.4 s in a cell allowed 1.5 s fail with a message about the cell's budget."""
    result = dos_results["budget"]
    assert not result.passed
    assert result.message.startswith("your f did not return within the 1.5 s a test cell may take")


def test_answer_cells_that_hang_or_exit_while_loading_are_skipped():
    """A cell that loops forever and one that ends the process are reported; the other cells' names are there."""
    cells = [("a", "def g():\n    return 1"),
             ("b", "while True:\n    pass"),
             ("c", "import numpy as np\n" + ESCAPE + "u.os._exit(3)"),
             ("d", "def h():\n    return 2")]
    with StudentSession(cells, call_timeout=1.0) as session:
        names = session.namespace()
        assert names["g"]() == 1 and names["h"]() == 2
        assert session.cell_errors == {
            "b": "your answer cell 'b' did not finish within 1 s",
            "c": "your answer cell 'c' made the graded code's process die: it exited with "
                 "status 3 (graded code must not end its process)"}


# ------------------------------------------------------------------------ proxies

CALLS = ("import numpy as np\n"
         "class ShapeError(ValueError):\n"
         "    pass\n"
         "def shape_error(x):\n"
         "    raise ShapeError(f'bad shape {x}')\n"
         "def key_error():\n"
         "    return {}['missing']\n"
         "def axis_error():\n"
         "    return np.sum(np.ones(2), axis=3)\n"
         "def exits():\n"
         "    raise SystemExit(4)\n"
         "def mutate(a, items, pair):\n"
         "    a[0] = -1\n"
         "    items.append(np.int64(5))\n"
         "    pair[1][:] = 7\n"
         "    return a\n"
         "def write_ro(a):\n"
         "    a[0] = 1\n"
         "def odd():\n"
         "    return {'a': 1}, (1, None, 'x')\n"
         "threshold = 0.5\n"
         "table = np.arange(3)\n"
         "config = {'a': 1}\n")


@pytest.fixture(scope="module")
def session():
    with StudentSession([("calls", CALLS)]) as s:
        yield s


def test_namespace_offers_functions_and_plain_values(session):
    """Callables become proxies; numbers and arrays come as values; a dict as a placeholder naming its type."""
    names = session.namespace()
    assert isinstance(names["mutate"], trusted.StudentFunction)
    assert names["threshold"] == 0.5 and names["table"].tolist() == [0, 1, 2]
    assert type(names["config"]).__name__ == "dict" and "cannot be passed" in repr(names["config"])


def test_student_exceptions_keep_their_types_and_lines(session):
    """A ValueError subclass is a ValueError named as the student named it; builtin and numpy types stay themselves; the traceback ends at the student's line."""
    names = session.namespace()
    with pytest.raises(ValueError, match="bad shape 3") as info:
        names["shape_error"](3)
    assert type(info.value).__name__ == "ShapeError" and isinstance(info.value, StudentError)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.lineno, last.line) == (5, "raise ShapeError(f'bad shape {x}')")
    with pytest.raises(KeyError) as info:
        names["key_error"]()
    assert type(info.value) is KeyError and info.value.args == ("missing",)
    with pytest.raises(np.exceptions.AxisError):
        names["axis_error"]()
    with pytest.raises(StudentError, match="4") as info:
        names["exits"]()
    assert type(info.value).__name__ == "SystemExit"


def test_in_place_changes_are_written_back(session):
    """Changes to an array, a list and an array inside a tuple reach the caller's objects; a returned argument is the caller's object."""
    mutate = session.namespace()["mutate"]
    a, items, pair = np.zeros(3), [1], (np.zeros(1), np.zeros(2))
    result = mutate(a, items, pair)
    assert result is a and a.tolist() == [-1, 0, 0]
    assert items == [1, 5] and type(items[1]) is np.int64
    assert pair[1].tolist() == [7, 7]


def test_read_only_arguments_refuse_writes(session):
    """A read-only array argument raises ValueError when written, as it would in-process."""
    a = np.zeros(2)
    a.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        session.namespace()["write_ro"](a)


def test_results_that_cannot_be_sent_become_placeholders(session):
    """Part of a result the grader cannot receive is a placeholder named after its type; the rest arrives."""
    placeholder, rest = session.namespace()["odd"]()
    assert type(placeholder).__name__ == "dict" and rest == (1, None, "x")


def test_arguments_that_cannot_be_sent_are_a_type_error(session):
    """Passing a dict to a student's function raises TypeError naming the type."""
    with pytest.raises(TypeError, match="cannot pass a dict to the student's mutate"):
        session.namespace()["mutate"]({"a": 1}, [], ())


# ------------------------------------------------------------------------ messages and errors

def test_failure_messages_are_short_and_hide_hidden_tests():
    """A bare assert shows its line when visible, only 'a hidden test failed' when hidden; other errors are prefixed with their type."""
    cells = [new_code_cell("def f(x):\n    return x", metadata=answer_meta("f")),
             new_code_cell("assert f(1) == 2", metadata=grade_meta("visible")),
             new_code_cell("### BEGIN HIDDEN TESTS\nassert f(1) == 3\n### END HIDDEN TESTS",
                           metadata=grade_meta("hidden")),
             new_code_cell("f(1) + 'a'", metadata=grade_meta("typeerror")),
             new_code_cell("print('checked')\nassert f(2) == 2", metadata=grade_meta("ok"))]
    nb = new_notebook(cells=cells)
    results = by_id(grade_test_cells(nb, nb))
    assert results["visible"] == TestResult("visible", False, 0.0, 1.0,
                                            "assertion failed: assert f(1) == 2")
    assert results["hidden"].message == "a hidden test failed"
    assert results["typeerror"].message == ("TypeError: unsupported operand type(s) for +: "
                                            "'int' and 'str'")
    assert results["ok"] == TestResult("ok", True, 1.0, 1.0, "checked")


def test_a_sandbox_that_cannot_start_is_a_grading_error(monkeypatch):
    """When the sandbox cannot be created, grading raises GradingError instead of scoring 0."""
    def broken(*args):
        raise OSError("no sandbox here")

    monkeypatch.setattr(trusted, "_make_sandbox", broken)
    with pytest.raises(GradingError, match="could not create the sandbox: OSError: no sandbox"):
        grade_test_cells(SOURCE, SOURCE)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"cells": "abc"}, TypeError, "cells must be a sequence of \\(grade_id, code\\) pairs"),
    ({"cells": [("a", 1)]}, TypeError, "cells must hold"),
    ({"cells": [], "setup": 5}, TypeError, "setup must be a sequence"),
    ({"cells": [], "call_timeout": 0}, ValueError, "call_timeout must be a positive number"),
    ({"cells": [], "call_timeout": "1"}, TypeError, "call_timeout must be a number of seconds"),
    ({"cells": [], "hide": 3}, TypeError, "hide must be a sequence of paths"),
    ({"cells": [], "max_frame": 10}, ValueError, "max_frame must be >= 65536"),
])
def test_session_arguments_are_checked(kwargs, error, match):
    """Bad arguments to StudentSession raise TypeError or ValueError naming the parameter."""
    with pytest.raises(error, match=match):
        StudentSession(**kwargs)


def test_an_unreadable_notebook_scores_zero_with_a_reason(tmp_path):
    """A submission file that is not JSON fails every test, saying the notebook cannot be read."""
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    results = grade_test_cells(path, SOURCE)
    assert not any(r.passed for r in results)
    assert all("the submitted notebook cannot be read" in r.message for r in results)


# ----------------------------------------------------------------------------- callbacks

GRADIENT = (
    "import numpy as np\n"
    "def numerical_gradient(f, x, h=1e-5):\n"
    "    grad = np.zeros_like(x, dtype=float)\n"
    "    for i in np.ndindex(x.shape):\n"
    "        old = x[i]\n"
    "        x[i] = old + h\n"
    "        up = f(x)\n"
    "        x[i] = old - h\n"
    "        down = f(x)\n"
    "        x[i] = old\n"
    "        grad[i] = (up - down) / (2 * h)\n"
    "    return grad\n"
    "kept = []\n"
    "def keep(f):\n"
    "    kept.append(f)\n"
    "    return f(np.ones(2))\n"
    "def use_kept():\n"
    "    return kept[0](np.ones(2))\n"
    "def spin(f):\n"
    "    while True:\n"
    "        f(np.ones(1))\n"
    "def send_dict(f):\n"
    "    return f({'a': 1})\n")


@pytest.fixture(scope="module")
def gradient_session():
    with StudentSession([("gradient", GRADIENT)], call_timeout=5) as s:
        yield s


def test_a_grader_function_passed_to_student_code_runs_in_the_grader(gradient_session):
    """A student's gradient checker gets the check's function as a stub: each call runs the function grader-side on the student's array."""
    calls = []

    def f(x):
        calls.append(x.copy())
        return float(np.sum(x ** 3))

    x = np.array([1.0, -2.0, 0.5])
    grad = gradient_session.namespace()["numerical_gradient"](f, x, h=1e-4)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-6)
    assert len(calls) == 6 and all(isinstance(c, np.ndarray) for c in calls)
    assert x.tolist() == [1.0, -2.0, 0.5]


def test_an_error_in_the_grader_function_reaches_student_code_as_its_type(gradient_session):
    """When the grader's function raises ValueError on the student's arguments, the student's code sees a ValueError with its message."""
    def f(x):
        raise ValueError(f"f takes shape (3,), got {x.shape}")

    with pytest.raises(ValueError, match="f takes shape"):
        gradient_session.namespace()["numerical_gradient"](f, np.zeros(2))


def test_a_stub_kept_after_its_call_cannot_call_again(gradient_session):
    """A stub stored by student code refuses to run once its call has returned; the grader's function is not called again."""
    calls = []
    names = gradient_session.namespace()
    assert names["keep"](lambda x: calls.append(1) or 7.0) == 7.0
    with pytest.raises(RuntimeError, match="can no longer be called"):
        names["use_kept"]()
    assert calls == [1]


def test_callbacks_count_against_the_call_timeout(gradient_session):
    """Student code calling back forever is stopped by the call's time limit like any hang."""
    with pytest.raises(trusted.WorkerLost, match="did not return"):
        gradient_session.namespace()["spin"](lambda x: 0.0)
    gradient_session.revive()


def test_only_data_goes_up_to_the_grader_function(gradient_session):
    """Student code cannot send the grader's function anything but arrays, numbers, strings and sequences."""
    gradient_session.revive()
    with pytest.raises(TypeError, match="cannot pass a dict"):
        gradient_session.namespace()["send_dict"](lambda v: v)


def test_a_student_function_cannot_be_passed_back_to_student_code(gradient_session):
    """Passing a student proxy as an argument is refused with a TypeError instead of deadlocking."""
    gradient_session.revive()
    names = gradient_session.namespace()
    with pytest.raises(TypeError, match="own function"):
        names["keep"](names["use_kept"])
