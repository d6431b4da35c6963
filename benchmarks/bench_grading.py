"""What trusted grading costs: seconds per submission, stock nbgrader against the hardened pipeline.

Usage (from the repository root)::

    python benchmarks/bench_grading.py            # the whole demo class, once each way
    python benchmarks/bench_grading.py --repeats 3
    python benchmarks/bench_grading.py --quick    # four students, a smoke run

Both runs grade the demo class (``demo/ps1-correlation``, built with the builders of
:mod:`autograder.demo`) in scratch course folders of their own, in the same process, with
the same students, release and cell timeout:

* **stock**: the project's ``nbgrader_config.py`` with every setting of
  :func:`autograder.nbgrader_plugins.configure` removed, i.e. nbgrader's default exporter and
  preprocessors: the student's kernel runs the tests, no sandbox, no trusted checks;
* **hardened**: the project's ``nbgrader_config.py`` as it is (or the file given with
  ``--config``).

Each measurement is the wall time of one ``nbgrader autograde <assignment>`` command over
the whole class (a subprocess, as an instructor runs it), divided by the number of
students.  With ``--repeats`` the two pipelines alternate (stock, hardened, stock, ...)
and the medians are reported, so slow drift of the machine affects both alike.  The
students' totals are printed as well: where stock nbgrader awards points that hardened
grading refuses (the forger), the pipelines really differed.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

try:
    import autograder  # noqa: F401
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import demo  # noqa: E402
from autograder.notebooks import (read_notebook, run_nbgrader, scratch_course,  # noqa: E402
                                  write_notebook)

ROOT = Path(__file__).resolve().parents[1]
CLASS = ROOT / "demo" / "ps1-correlation"
#: Appended to the stock course's config: undo what autograder.nbgrader_plugins.configure sets.
STOCK_OVERRIDE = '''
# bench_grading.py: stock nbgrader -- its own exporter and preprocessors, no project plugins.
for _section, _keys in {"Autograde": ("exporter_class", "pre_convert_hook",
                                      "sanitize_preprocessors", "autograde_preprocessors"),
                        "GenerateFeedback": ("preprocessors",)}.items():
    for _key in _keys:
        c[_section].pop(_key, None)
'''
PIPELINES = ("stock", "hardened")


def make_course(folder: Path, pipeline: str, students, settings, config: Path) -> Path:
    """A scratch course with the demo class submitted, ready for ``nbgrader autograde``."""
    course = scratch_course(ROOT, folder / pipeline)
    shutil.copyfile(config, course / "nbgrader_config.py")
    if pipeline == "stock":
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
            fh.write(STOCK_OVERRIDE)
    with open(course / "students.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "first_name", "last_name", "email"])
        for s in students:
            writer.writerow([s.id, s.first_name, s.last_name, f"{s.id}@example.org"])
    run_nbgrader(["db", "student", "import", "students.csv"], cwd=course)
    run_nbgrader(["generate_assignment", settings["assignment"]], cwd=course)
    release = read_notebook(ROOT / "release" / settings["assignment"] / settings["notebook"])
    for s in students:
        target = course / "submitted" / s.id / settings["assignment"]
        target.mkdir(parents=True)
        if s.raw is not None:
            shutil.copyfile(s.raw, target / settings["notebook"])
        else:
            cells = demo.read_student_cells(s.answers) if s.answers else {}
            write_notebook(demo.build_submission(release, cells, s.delete_cells),
                           target / settings["notebook"])
        (target / "timestamp.txt").write_text(settings["timestamp"])
    return course


def autograde(course: Path, assignment: str, cell_timeout: int) -> float:
    """Seconds one ``nbgrader autograde`` over the whole class takes (a fresh gradebook state)."""
    shutil.rmtree(course / "autograded", ignore_errors=True)
    started = time.perf_counter()
    run_nbgrader(["autograde", assignment, "--force",
                  f"--ExecutePreprocessor.timeout={cell_timeout}"],
                 cwd=course, check=False, timeout=3600)
    return time.perf_counter() - started


def totals(course: Path, assignment: str, students) -> dict:
    """``{student: autograded total}`` from the gradebook (None when not graded)."""
    from nbgrader.api import Gradebook, MissingEntry

    found = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for s in students:
            try:
                sub = gb.find_submission(assignment, s.id)
            except MissingEntry:
                found[s.id] = None
                continue
            found[s.id] = sub.code_score
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="grade four students only")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs of each pipeline, alternating (default 1)")
    parser.add_argument("--cell-timeout", type=int, default=demo.CELL_TIMEOUT,
                        help=f"seconds per cell (default {demo.CELL_TIMEOUT}, as make demo)")
    parser.add_argument("--config", type=Path, default=ROOT / "nbgrader_config.py",
                        help="the hardened course's nbgrader_config.py (default: the project's)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="grade in this new folder and keep it (default: a temporary one)")
    options = parser.parse_args(argv)
    if options.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {options.repeats}")
    if options.cell_timeout < 1:
        parser.error(f"--cell-timeout must be >= 1, got {options.cell_timeout}")
    if not options.config.is_file():
        parser.error(f"--config must be an existing nbgrader_config.py, got {options.config}")

    settings, students = demo.load_manifest(CLASS)
    if options.quick:  # a correct one, a mistake, the forger and the unreadable notebook
        wanted = {"ada", "chen", "max", "lee"}
        students = [s for s in students if s.id in wanted]
    assignment = settings["assignment"]
    folder = options.keep or Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        courses = {p: make_course(folder, p, students, settings, options.config)
                   for p in PIPELINES}
        seconds = {p: [] for p in PIPELINES}
        for _ in range(options.repeats):
            for p in PIPELINES:
                seconds[p].append(autograde(courses[p], assignment, options.cell_timeout))
        scores = {p: totals(courses[p], assignment, students) for p in PIPELINES}
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    n = len(students)
    per = {p: statistics.median(seconds[p]) / n for p in PIPELINES}
    print(f"nbgrader autograde {assignment}: {n} students, cell timeout {options.cell_timeout} s, "
          f"{options.repeats} run(s) of each pipeline, alternating; medians")
    print(f"{'pipeline':10} {'s/submission':>13} {'batch s':>9}")
    for p in PIPELINES:
        print(f"{p:10} {per[p]:13.2f} {statistics.median(seconds[p]):9.1f}")
    print(f"ratio hardened/stock: {per['hardened'] / per['stock']:.2f}")
    print()
    print(f"{'student':8} {'stock':>6} {'hardened':>9}  intent")
    for s in students:
        row = [scores[p][s.id] for p in PIPELINES]
        text = ["-" if v is None else f"{v:g}" for v in row]
        print(f"{s.id:8} {text[0]:>6} {text[1]:>9}  {s.intent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
