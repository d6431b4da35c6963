"""Time the package's fast convolution and max pooling against PyTorch and the loop versions.

Usage (from the repository root)::

    python benchmarks/bench_conv.py            # full sizes, a few minutes at most
    python benchmarks/bench_conv.py --quick    # small sizes, a smoke run
    python benchmarks/bench_conv.py --no-torch # skip PyTorch even if it is installed

PyTorch is optional (it is not a project dependency): without it the torch columns say
``n/a``.  Everything runs single-threaded, so the ratios compare algorithms rather than
core counts: the BLAS/OpenMP thread variables are set before numpy is imported, and
``torch.set_num_threads(1)``.

Method.  Before timing, each case checks that the fast path agrees with PyTorch (and
with the loop version) on the same inputs.  Every measurement runs the competitors
alternately (A B A B ...) in the same process after a warm-up call, each repetition
timing enough calls to last a few milliseconds, and reports the median per call.  The
loop versions are far too slow for the full sizes, so "ours/loops" is measured on a
reduced size, printed in the "loops at" column: the fast path and the loops are timed
there on identical inputs, and that ratio is not comparable with the torch column.

Targets (ours / torch, single thread):

* 3x3 convolution, float32: forward <= 2.0, forward + backward <= 2.5;
* 3x3 convolution, float64: <= 0.7 (PyTorch's float64 convolutions are not tuned);
* 1x1 convolution: <= 0.6 (a single matrix product, no window gathering);
* max pooling, forward + backward, float32: <= 0.8.
"""

from __future__ import annotations

import os

# Must happen before numpy (or torch) is imported: BLAS reads these once, at load time.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import pathlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

try:
    import autograder  # noqa: F401, E402
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from autograder.reference.layers import (conv2d, conv2d_backward,  # noqa: E402
                                         conv2d_backward_loops, conv2d_loops)
from autograder.reference.pooling import (pool2d, pool2d_backward,  # noqa: E402
                                          pool2d_backward_loops, pool2d_loops)

# name, x shape, w shape, padding; the loops run on the reduced shapes
CONV_CASES = {
    "full": [("conv 3x3", (32, 16, 32, 32), (32, 16, 3, 3), 1),
             ("conv 1x1", (32, 256, 14, 14), (64, 256, 1, 1), 0)],
    "quick": [("conv 3x3", (2, 16, 16, 16), (32, 16, 3, 3), 1),
              ("conv 1x1", (2, 64, 14, 14), (32, 64, 1, 1), 0)],
    # reduced sizes for the loop versions, per mode
    "loops-full": {"conv 3x3": ((2, 16, 16, 16), (32, 16, 3, 3)),
                   "conv 1x1": ((2, 64, 14, 14), (32, 64, 1, 1))},
    "loops-quick": {"conv 3x3": ((1, 4, 8, 8), (4, 4, 3, 3)),
                    "conv 1x1": ((1, 8, 6, 6), (4, 8, 1, 1))},
}
# name, x shape, kernel, stride, padding
POOL_CASES = {
    "full": [("maxpool 2x2/2", (32, 32, 32, 32), 2, 2, 0),
             ("maxpool 3x3/2", (32, 32, 32, 32), 3, 2, 1)],
    "quick": [("maxpool 2x2/2", (2, 8, 16, 16), 2, 2, 0),
              ("maxpool 3x3/2", (2, 8, 16, 16), 3, 2, 1)],
    "loops-full": (2, 8, 16, 16),
    "loops-quick": (1, 2, 8, 8),
}


def target(case: str, dtype: str, kind: str) -> float | None:
    """The ours/torch ratio a row should stay at or under (None: no target)."""
    if case.startswith("conv 1x1"):
        return 0.6
    if case.startswith("conv"):
        if dtype == "float64":
            return 0.7
        return 2.0 if kind == "fwd" else 2.5
    return 0.8 if kind == "fwd+bwd" else None


# ------------------------------------------------------------------------------- timing

def _calibrate(func, min_seconds: float) -> int:
    """How many calls make one measurement last at least ``min_seconds``."""
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    return max(1, int(min_seconds / max(once, 1e-7)) + 1)


def interleaved(funcs, repeats: int, min_seconds: float) -> list[float]:
    """Median seconds per call of each function, timed alternately A B A B ... after a warm-up."""
    for func in funcs:  # warm-up: allocations, caches, lazy imports
        func()
    numbers = [_calibrate(func, min_seconds) for func in funcs]
    samples = [[] for _ in funcs]
    for _ in range(repeats):
        for func, number, sample in zip(funcs, numbers, samples):
            start = time.perf_counter()
            for _ in range(number):
                func()
            sample.append((time.perf_counter() - start) / number)
    return [statistics.median(sample) for sample in samples]


def _close(got, expected, dtype) -> bool:
    """Agreement up to the rounding of sums in ``dtype``, relative to the largest value."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    tol = 1e-4 if dtype == "float32" else 1e-10
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=tol,
                                                            atol=tol * scale))


# -------------------------------------------------------------------------------- cases

class Bench:
    """Collects rows and agreement failures."""

    def __init__(self, torch, repeats: int, min_seconds: float):
        self.torch = torch
        self.repeats = repeats
        self.min_seconds = min_seconds
        self.rows = []
        self.failures = []

    def check(self, label: str, ok: bool):
        if not ok:
            self.failures.append(label)
            print(f"  DISAGREE: {label}", flush=True)

    def add(self, case, dtype, kind, ours, theirs, loops_at, vs_loops):
        self.rows.append(dict(case=case, dtype=dtype, kind=kind, ours=ours, torch=theirs,
                              target=target(case, dtype, kind), loops_at=loops_at,
                              vs_loops=vs_loops))

    # ---- convolution
    def conv(self, name, x_shape, w_shape, padding, loops_shapes, rng):
        torch = self.torch
        for dtype in ("float32", "float64"):
            x = rng.standard_normal(x_shape).astype(dtype)
            w = rng.standard_normal(w_shape).astype(dtype)
            b = rng.standard_normal(w_shape[0]).astype(dtype)
            out = conv2d(x, w, b, padding=padding)
            dout = rng.standard_normal(out.shape).astype(dtype)
            ours_fwd = lambda: conv2d(x, w, b, padding=padding)  # noqa: E731

            def ours_both():
                conv2d(x, w, b, padding=padding)
                conv2d_backward(dout, x, w, padding=padding)

            # reduced size: fast path against the loops on identical inputs
            lx_shape, lw_shape = loops_shapes
            lx = rng.standard_normal(lx_shape).astype(dtype)
            lw = rng.standard_normal(lw_shape).astype(dtype)
            lb = rng.standard_normal(lw_shape[0]).astype(dtype)
            ldout = rng.standard_normal(conv2d(lx, lw, lb, padding=padding).shape).astype(dtype)
            self.check(f"{name} {dtype} fast vs loops forward",
                       _close(conv2d(lx, lw, lb, padding=padding),
                              conv2d_loops(lx, lw, lb, padding=padding), dtype))
            fast_grads = conv2d_backward(ldout, lx, lw, padding=padding)
            loop_grads = conv2d_backward_loops(ldout, lx, lw, padding=padding)
            self.check(f"{name} {dtype} fast vs loops backward",
                       all(_close(f, s, dtype) for f, s in zip(fast_grads, loop_grads)))
            loops_at = "x".join(map(str, lx_shape))
            fast_small, loops_small = interleaved(
                [lambda: conv2d(lx, lw, lb, padding=padding),
                 lambda: conv2d_loops(lx, lw, lb, padding=padding)],
                max(3, self.repeats // 2), self.min_seconds)
            fwd_vs_loops = fast_small / loops_small
            fast_small, loops_small = interleaved(
                [lambda: (conv2d(lx, lw, lb, padding=padding),
                          conv2d_backward(ldout, lx, lw, padding=padding)),
                 lambda: (conv2d_loops(lx, lw, lb, padding=padding),
                          conv2d_backward_loops(ldout, lx, lw, padding=padding))],
                max(3, self.repeats // 2), self.min_seconds)
            both_vs_loops = fast_small / loops_small

            if torch is None:
                ours_f, = interleaved([ours_fwd], self.repeats, self.min_seconds)
                ours_b, = interleaved([ours_both], self.repeats, self.min_seconds)
                self.add(name, dtype, "fwd", ours_f, None, loops_at, fwd_vs_loops)
                self.add(name, dtype, "fwd+bwd", ours_b, None, loops_at, both_vs_loops)
                continue

            F = torch.nn.functional
            xt, wt, bt = (torch.from_numpy(a) for a in (x, w, b))
            xg, wg, bg = (t.clone().requires_grad_() for t in (xt, wt, bt))
            dout_t = torch.from_numpy(dout)

            def torch_fwd():
                with torch.no_grad():
                    return F.conv2d(xt, wt, bt, padding=padding)

            def torch_both():
                xg.grad = wg.grad = bg.grad = None
                F.conv2d(xg, wg, bg, padding=padding).backward(dout_t)

            self.check(f"{name} {dtype} forward vs torch", _close(out, torch_fwd().numpy(), dtype))
            torch_both()
            dx, dw, db = conv2d_backward(dout, x, w, padding=padding)
            self.check(f"{name} {dtype} backward vs torch",
                       _close(dx, xg.grad.numpy(), dtype) and _close(dw, wg.grad.numpy(), dtype)
                       and _close(db, bg.grad.numpy(), dtype))
            ours_f, torch_f = interleaved([ours_fwd, torch_fwd], self.repeats, self.min_seconds)
            ours_b, torch_b = interleaved([ours_both, torch_both], self.repeats, self.min_seconds)
            self.add(name, dtype, "fwd", ours_f, torch_f, loops_at, fwd_vs_loops)
            self.add(name, dtype, "fwd+bwd", ours_b, torch_b, loops_at, both_vs_loops)

    # ---- max pooling
    def pool(self, name, x_shape, kernel, stride, padding, loops_shape, rng):
        torch, dtype = self.torch, "float32"
        x = rng.standard_normal(x_shape).astype(dtype)
        out = pool2d(x, kernel, stride, padding)
        dout = rng.standard_normal(out.shape).astype(dtype)

        def ours_both():
            pool2d(x, kernel, stride, padding)
            pool2d_backward(dout, x, kernel, stride, padding)

        lx = rng.integers(0, 4, loops_shape).astype(dtype)  # ties: the first maximum must win
        ldout = rng.standard_normal(pool2d(lx, kernel, stride, padding).shape).astype(dtype)
        self.check(f"{name} fast vs loops",
                   _close(pool2d(lx, kernel, stride, padding),
                          pool2d_loops(lx, kernel, stride, padding), dtype)
                   and _close(pool2d_backward(ldout, lx, kernel, stride, padding),
                              pool2d_backward_loops(ldout, lx, kernel, stride, padding), dtype))
        fast_small, loops_small = interleaved(
            [lambda: (pool2d(lx, kernel, stride, padding),
                      pool2d_backward(ldout, lx, kernel, stride, padding)),
             lambda: (pool2d_loops(lx, kernel, stride, padding),
                      pool2d_backward_loops(ldout, lx, kernel, stride, padding))],
            max(3, self.repeats // 2), self.min_seconds)
        loops_at = "x".join(map(str, loops_shape))

        if torch is None:
            ours_b, = interleaved([ours_both], self.repeats, self.min_seconds)
            self.add(name, dtype, "fwd+bwd", ours_b, None, loops_at, fast_small / loops_small)
            return
        F = torch.nn.functional
        xg = torch.from_numpy(x).requires_grad_()
        dout_t = torch.from_numpy(dout)

        def torch_both():
            xg.grad = None
            F.max_pool2d(xg, kernel, stride, padding).backward(dout_t)

        torch_both()
        with torch.no_grad():
            expected = F.max_pool2d(xg, kernel, stride, padding).numpy()
        self.check(f"{name} vs torch",
                   _close(out, expected, dtype)
                   and _close(pool2d_backward(dout, x, kernel, stride, padding),
                              xg.grad.numpy(), dtype))
        ours_b, torch_b = interleaved([ours_both, torch_both], self.repeats, self.min_seconds)
        self.add(name, dtype, "fwd+bwd", ours_b, torch_b, loops_at, fast_small / loops_small)


# ------------------------------------------------------------------------------- report

def print_table(rows, sizes):
    header = ["case", "dtype", "pass", "ours ms", "torch ms", "ours/torch", "target", "status",
              "loops at", "ours/loops"]
    lines = []
    for row in rows:
        ratio = None if row["torch"] is None else row["ours"] / row["torch"]
        if row["target"] is None:
            status = "-"
        elif ratio is None:
            status = "n/a"
        else:
            status = "PASS" if ratio <= row["target"] else "MISS"
        lines.append([
            row["case"], row["dtype"], row["kind"], f"{row['ours'] * 1e3:.2f}",
            "n/a" if row["torch"] is None else f"{row['torch'] * 1e3:.2f}",
            "n/a" if ratio is None else f"{ratio:.2f}",
            "-" if row["target"] is None else f"<= {row['target']:.1f}",
            status, row["loops_at"], f"{row['vs_loops']:.2g}",
        ])
    widths = [max(len(str(item)) for item in column) for column in zip(header, *lines)]
    print()
    print("  ".join(h.ljust(wd) for h, wd in zip(header, widths)))
    print("  ".join("-" * wd for wd in widths))
    for line in lines:
        print("  ".join(str(item).ljust(wd) for item, wd in zip(line, widths)))
    print()
    for name, shape in sizes:
        print(f"  {name}: x {shape}")
    print("  'loops at' is the reduced N x C x H x W where fast path and loops were timed "
          "against each other\n  (same inputs, same process); ours/loops < 1 means the fast "
          "path is faster.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--no-torch", action="store_true", help="do not import PyTorch")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repetitions per measurement (default 9, quick 3)")
    args = parser.parse_args(argv)
    size = "quick" if args.quick else "full"
    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 9)
    if repeats < 1:
        parser.error(f"--repeats must be >= 1, got {repeats}")
    min_seconds = 0.002 if args.quick else 0.05

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
        else:
            torch.set_num_threads(1)
    print(f"numpy {np.__version__}, torch "
          f"{'not used' if torch is None else torch.__version__}, single thread, "
          f"{'quick' if args.quick else 'full'} sizes, {repeats} interleaved repetitions, median",
          flush=True)

    rng = np.random.default_rng(0)
    bench = Bench(torch, repeats, min_seconds)
    sizes = []
    for name, x_shape, w_shape, padding in CONV_CASES[size]:
        print(f"timing {name} ...", flush=True)
        bench.conv(name, x_shape, w_shape, padding, CONV_CASES[f"loops-{size}"][name], rng)
        sizes.append((name, f"{x_shape}, w {w_shape}, padding {padding}"))
    for name, x_shape, kernel, stride, padding in POOL_CASES[size]:
        print(f"timing {name} ...", flush=True)
        bench.pool(name, x_shape, kernel, stride, padding, POOL_CASES[f"loops-{size}"], rng)
        sizes.append((name, f"{x_shape}, kernel {kernel}, stride {stride}, padding {padding}"))
    print_table(bench.rows, sizes)
    if bench.failures:
        print(f"\n{len(bench.failures)} agreement check(s) failed: " + "; ".join(bench.failures))
        return 1
    print("\nAll agreement checks passed (fast path vs loops"
          + ("" if torch is None else ", fast path vs PyTorch") + ").")
    return 0


if __name__ == "__main__":
    sys.exit(main())
