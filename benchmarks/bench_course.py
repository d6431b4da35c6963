"""How long the course takes to execute: every lecture in course/, top to bottom, headless.

Each notebook runs once in a fresh kernel, as ``tests/test_course.py`` runs it (``MPLBACKEND=Agg``,
``NBGRADER_EXECUTION`` unset, so the explorers are built too), on ``--jobs`` notebooks at a
time.  The anchor is an empty notebook run the same way in the same process: the cost of
starting a kernel, which every lecture pays.  Prints seconds per lecture, its ratio to the
anchor, and the wall-clock total against the course's budget (3 minutes on 2 cores).

    python benchmarks/bench_course.py [--jobs 2] [--budget 180] [lecture-name-substring ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.notebooks import read_notebook  # noqa: E402


def run(nb: nbformat.NotebookNode) -> float:
    """Execute ``nb`` in a fresh kernel in a scratch directory; return the seconds it took."""
    with tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": workdir}})
        start = time.perf_counter()
        client.execute()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds the course may take")
    parser.add_argument("only", nargs="*", help="run only lectures whose file name contains one")
    args = parser.parse_args()
    os.environ["MPLBACKEND"] = "Agg"
    os.environ.pop("NBGRADER_EXECUTION", None)

    lectures = [p for p in sorted((ROOT / "course").glob("*.ipynb"))
                if not args.only or any(s in p.name for s in args.only)]
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    empty.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    anchor = min(run(empty) for _ in range(3))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        seconds = dict(zip(lectures, pool.map(lambda p: run(read_notebook(p)), lectures)))
    total = time.perf_counter() - start

    print(f"anchor: an empty notebook (kernel start) {anchor:.2f} s")
    print(f"{'lecture':48s} {'seconds':>8s} {'x anchor':>9s}")
    for path, secs in seconds.items():
        print(f"{path.name:48s} {secs:8.1f} {secs / anchor:9.1f}")
    print(f"sum of lectures {sum(seconds.values()):.1f} s; wall clock with {args.jobs} at a time "
          f"{total:.1f} s = {total / anchor:.0f} x anchor; budget {args.budget:.0f} s: "
          f"{'within' if total <= args.budget else 'OVER'}")


if __name__ == "__main__":
    main()
