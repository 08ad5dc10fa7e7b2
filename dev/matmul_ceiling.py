#!/usr/bin/env python3
"""Sustained single-precision matmul rate of NumPy's BLAS, in GFLOP/s.

The ceiling that swift-ann's training rate is compared with: the best of
several timed float32 N×N @ N×N products (2·N³ FLOPs each) on a given number
of BLAS threads, after a warm-up product.

    dev/matmul_ceiling.py --threads 2 [--size 2048] [--repeats 5] [--json]

Prints the GFLOP/s (or, with --json, one object with the rate, the size, the
timings and the BLAS kernel in use). `--threads` sets OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS / MKL_NUM_THREADS before NumPy is imported.

Where OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set in the environment
(workarounds for old OpenBLAS builds), OpenBLAS runs an older kernel; to
measure the current one, clear them for that command alone:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE dev/matmul_ceiling.py --threads 2
"""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="BLAS threads (default: every core)")
parser.add_argument("--size", type=int, default=2048, help="N of the N×N matrices (default 2048)")
parser.add_argument("--repeats", type=int, default=5, help="timed products; the best counts (default 5)")
parser.add_argument("--json", action="store_true", help="print one JSON object")
args = parser.parse_args()
if args.threads < 1 or args.size < 1 or args.repeats < 1:
    parser.error("--threads, --size and --repeats must be at least 1")

for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = str(args.threads)

import numpy as np  # noqa: E402

try:
    import threadpoolctl  # noqa: E402
except ImportError:
    threadpoolctl = None


def main():
    limiter = threadpoolctl.threadpool_limits(limits=args.threads, user_api="blas") if threadpoolctl else None
    n = args.size
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=c)  # warm-up: thread pool, page faults, caches
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - start)
    flops = 2.0 * n ** 3
    best = min(times)
    gflops = flops / best / 1e9
    blas = []
    if threadpoolctl:
        keep = ("internal_api", "version", "architecture", "num_threads", "threading_layer")
        blas = [{k: v for k, v in lib.items() if k in keep}
                for lib in threadpoolctl.threadpool_info() if lib.get("user_api") == "blas"]
    if args.json:
        print(json.dumps({
            "gflops": gflops, "median_gflops": flops / sorted(times)[len(times) // 2] / 1e9,
            "threads": args.threads, "size": n, "seconds": times, "numpy": np.__version__, "blas": blas,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        }, sort_keys=True))
    else:
        kernel = ", ".join(f"{lib.get('internal_api')} {lib.get('architecture')}" for lib in blas) or "unknown BLAS"
        print(f"{gflops:.1f} GFLOP/s  (float32 {n}x{n} @ {n}x{n}, best of {args.repeats}, "
              f"{args.threads} thread{'s' if args.threads != 1 else ''}, {kernel})")
    if limiter is not None:
        limiter.restore_original_limits()


if __name__ == "__main__":
    sys.exit(main())
