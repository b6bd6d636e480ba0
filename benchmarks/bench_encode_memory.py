"""Peak memory of ``eie_lab.eie.encode`` on a large dense layer (issue 11, item 3).

Target: encoding a 16384 x 16384 float64 layer at 10 % density (2.1 GB input) needs at most
3x the input in extra memory (it once took 14.4 GB). Measured with :mod:`tracemalloc` (numpy
reports its allocations to it), started after the input exists, so the figure is the encoder's
own working memory; the same run prints the time and the stored entries. Writes
``benchmarks/results/encode_memory.json``; returns 1 when the target is missed.

Run: ``python -m benchmarks encode_memory`` or ``python -m benchmarks.bench_encode_memory
[--n 4096]`` (a smaller layer for a quick look).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write_bytes
from eie_lab.eie import EIEConfig, encode

RESULTS = Path(__file__).parent / "results" / "encode_memory.json"
MAX_RATIO = 3.0


def measure(n: int, density: float = 0.1, seed: int = 0) -> dict:
    """Encode an n x n float64 layer of the given density; peak extra memory and time."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, n))
    W[rng.random((n, n)) >= density] = 0.0
    tracemalloc.start()
    t0 = time.perf_counter()
    layer = encode(W, EIEConfig(n_pe=64), progress=False)
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"n": n, "density": density, "input_bytes": int(W.nbytes), "peak_bytes": int(peak),
            "ratio": peak / W.nbytes, "seconds": round(seconds, 3), "nnz": layer.nnz}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_encode_memory",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16384, help="rows = columns of the layer")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args([] if argv is None else argv)
    if args.n < 1:
        parser.error(f"--n={args.n} is invalid: must be >= 1")
    r = measure(args.n)
    ok = r["ratio"] <= MAX_RATIO
    print(f"encode {args.n}x{args.n} float64 at 10%: input {r['input_bytes'] / 1e9:.2f} GB, "
          f"peak extra {r['peak_bytes'] / 1e9:.2f} GB = {r['ratio']:.2f}x input "
          f"(target <= {MAX_RATIO:g}x), {r['seconds']:.1f} s, {r['nnz']:,} entries")
    print(f"[{'ok' if ok else 'MISSED'}] encode peak memory <= {MAX_RATIO:g}x input")
    atomic_write_bytes(args.out, (json.dumps({**r, "target_ratio": MAX_RATIO, "ok": ok},
                                             indent=2) + "\n").encode())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
