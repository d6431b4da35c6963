"""Smoke test for benchmarks/bench_conv.py: it runs without PyTorch and prints its table.

Timings are never asserted: they depend on the machine.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_conv.py"

ROWS = [
    ("conv 3x3", "float32", "fwd"), ("conv 3x3", "float32", "fwd+bwd"),
    ("conv 3x3", "float64", "fwd"), ("conv 3x3", "float64", "fwd+bwd"),
    ("conv 1x1", "float32", "fwd"), ("conv 1x1", "float32", "fwd+bwd"),
    ("conv 1x1", "float64", "fwd"), ("conv 1x1", "float64", "fwd+bwd"),
    ("maxpool 2x2/2", "float32", "fwd+bwd"), ("maxpool 3x3/2", "float32", "fwd+bwd"),
]


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300, cwd=SCRIPT.parents[1])


@pytest.fixture(scope="module")
def quick_run():
    return _run("--quick", "--no-torch")


def test_quick_run_succeeds_without_torch(quick_run):
    """The quick run exits 0, reports torch as not used and passes its agreement checks."""
    assert quick_run.returncode == 0, quick_run.stderr
    assert "torch not used" in quick_run.stdout
    assert "All agreement checks passed (fast path vs loops)." in quick_run.stdout


def test_quick_run_prints_every_row(quick_run):
    """Every benchmark row is printed with its target, n/a torch columns and an ours/loops ratio."""
    lines = quick_run.stdout.splitlines()
    header = next(line for line in lines if line.startswith("case"))
    assert header.split() == ["case", "dtype", "pass", "ours", "ms", "torch", "ms", "ours/torch",
                              "target", "status", "loops", "at", "ours/loops"]
    for case, dtype, kind in ROWS:
        matches = [line for line in lines
                   if line.startswith(case) and f" {dtype} " in line and f" {kind} " in line]
        assert len(matches) == 1, (case, dtype, kind)
        ours_ms, torch_ms, ratio, le, goal, status, loops_at, vs_loops = (
            matches[0][len(case):].split()[2:])
        assert float(ours_ms) >= 0 and float(goal) > 0 and le == "<="
        assert (torch_ms, ratio, status) == ("n/a", "n/a", "n/a")
        assert len(loops_at.split("x")) == 4 and float(vs_loops) > 0


def test_bad_option_is_refused():
    """A non-positive --repeats is refused with a usage message naming the option."""
    result = _run("--quick", "--no-torch", "--repeats", "0")
    assert result.returncode == 2
    assert "--repeats must be >= 1" in result.stderr


def test_course_benchmark_runs_one_lecture_and_prints_its_row():
    """bench_course.py executes the lecture it is given and prints its row, the anchor and the budget verdict."""
    script = SCRIPT.parent / "bench_course.py"
    done = subprocess.run([sys.executable, str(script), "--jobs", "1", "00-orientation"],
                          capture_output=True, text=True, timeout=300, cwd=SCRIPT.parents[1])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("anchor: an empty notebook")
    assert any(line.startswith("00-orientation.ipynb") for line in lines)
    assert not any(line.startswith("01-") for line in lines)
    assert "budget 180 s" in lines[-1]
