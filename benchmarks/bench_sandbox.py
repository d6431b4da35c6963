"""Per-run cost of the grading sandbox: Sandbox.run against a plain subprocess.run.

Runs ``python -c pass`` both ways in the same process, interleaved, and prints the medians
and their ratio.  Run as root to measure every defence; ``--degraded`` also measures the
mode a non-root grader gets.

    python benchmarks/bench_sandbox.py [--runs 30] [--degraded]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from autograder.sandbox import Limits, Sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--degraded", action="store_true", help="also time the non-root mode")
    args = parser.parse_args()
    argv = [sys.executable, "-c", "pass"]

    start = time.perf_counter()
    boxes = {"sandbox (every defence this machine allows)": Sandbox(Limits())}
    first = time.perf_counter() - start
    if args.degraded:
        boxes["sandbox (degraded: privileged=False)"] = Sandbox(Limits(), privileged=False)
    runners = {"plain subprocess.run": lambda: subprocess.run(argv, capture_output=True, check=True)}
    for name, box in boxes.items():
        runners[name] = lambda box=box: box.run(argv)

    times: dict[str, list[float]] = {name: [] for name in runners}
    for fn in runners.values():  # warm-up
        fn()
    for _ in range(args.runs):  # interleaved, so load changes hit every variant alike
        for name, fn in runners.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    for box in boxes.values():
        box.close()

    anchor = statistics.median(times["plain subprocess.run"])
    print(f"first Sandbox() in a process (one-time probe of the machine): {first * 1000:.0f} ms")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:48s} median {median * 1000:6.1f} ms   ratio to plain {median / anchor:5.2f}")
    for box in boxes.values():
        for sentence in box.missing():
            print("missing defence:", sentence)


if __name__ == "__main__":
    main()
