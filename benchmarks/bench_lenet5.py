"""Benchmark: LeNet-5 training and Deep Compression end to end on MNIST (DC Table 3).

Measured in one run, on the same machine, with BLAS limited to ``--threads`` threads (1 by
default: on a shared machine extra BLAS threads spin and inflate the CPU time):

* **Baseline training** of the Caffe LeNet-5 (:func:`eie_lab.nn.zoo.pretrained_lenet5`'s recipe,
  no cache): test error (target <= 0.90% in <= 3 epochs) and CPU seconds per epoch
  (:func:`time.process_time`, target <= 60 s).
* **Deep Compression** (``eie-lab compress lenet5``'s preset ``best`` unless ``--preset``) from
  that baseline: compression of everything stored (target >= 39x, DC Table 3), test error at most
  0.1 percentage points above the baseline, and the whole run (baseline training included)
  within 600 s of CPU time (10 minutes on one of the 2 cores). The pipeline's cost is also given
  as a ratio: how many baseline epochs it costs.

Prints the DC Table 2-shaped report and the per-layer table beside DC Table 3, writes
``benchmarks/results/lenet5.json`` atomically and returns 1 when a target is missed. Run:
``python -m benchmarks lenet5`` or ``python benchmarks/bench_lenet5.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write_bytes

RESULTS = Path(__file__).parent / "results" / "lenet5.json"
TARGETS = {"baseline_error_max": 0.009, "baseline_epochs_max": 3, "epoch_cpu_seconds_max": 60.0,
           "ratio_min": 39.0, "error_delta_max_pp": 0.1, "total_cpu_seconds_max": 600.0}


def _blas_threads(n: int):
    """Limit BLAS to ``n`` threads (threadpoolctl, installed with scikit-learn); else a no-op."""
    try:
        from threadpoolctl import threadpool_limits  # optional: the bench extra brings it
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def main(argv: list[str] | None = None) -> int:
    from eie_lab.compression.model_file import load
    from eie_lab.compression.pipeline import deep_compress
    from eie_lab.compression.pipeline_config import preset
    from eie_lab.compression.report import compare_with_paper
    from eie_lab.nn.conv import ConvNet
    from eie_lab.nn.train import evaluate
    from eie_lab.nn.zoo import LENET5_EPOCHS, mnist_arrays, pretrained_lenet5

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", choices=("best", "paper"), default="best")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    wall0, cpu0 = time.perf_counter(), time.process_time()
    with _blas_threads(args.threads):
        x, y, xt, yt = mnist_arrays()
        base = pretrained_lenet5(seed=args.seed, cache=False)
        base_cpu = float(base.meta["train_seconds"])
        base_err = evaluate(base, xt, yt)
        epoch_cpu = base_cpu / LENET5_EPOCHS

        cfg = preset(args.preset, network="lenet5", seed=args.seed)
        w1, c1 = time.perf_counter(), time.process_time()
        result = deep_compress(base, cfg, data=(x, y, xt, yt))
        dc_wall, dc_cpu = time.perf_counter() - w1, time.process_time() - c1
        with tempfile.TemporaryDirectory() as tmp:
            path = result.compressed.save(Path(tmp) / "lenet5.npz")
            size = os.path.getsize(path)
            loaded = load(path)
            same = bool(isinstance(loaded.to_network(), ConvNet)
                        and np.array_equal(loaded.predict(xt), result.final.predict(xt)))
    total_wall, total_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    rep = result.report(file_size=size)
    delta_pp = 100 * (result.error_after - base_err)

    print(f"LeNet-5 (Caffe) on MNIST, preset={args.preset}, seed={args.seed}, "
          f"BLAS threads={args.threads}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}")
    print(f"baseline: {LENET5_EPOCHS} epochs, {base_cpu:.1f} s CPU ({epoch_cpu:.1f} s per epoch), "
          f"test error {base_err:.2%}")
    for s in result.stages:
        print(f"  {s['stage']:28s} test error {s['error']:.2%}  (wall t = {s['seconds']:.0f} s)")
    print()
    print(rep.to_text())
    print()
    print("beside DC Table 3:")
    print(compare_with_paper(rep))
    print()
    checks = [
        (f"baseline test error ({LENET5_EPOCHS} epochs)", f"{base_err:.2%}",
         f"<= {TARGETS['baseline_error_max']:.2%}", base_err <= TARGETS["baseline_error_max"]
         and LENET5_EPOCHS <= TARGETS["baseline_epochs_max"]),
        ("baseline CPU per epoch (process_time)", f"{epoch_cpu:.1f} s",
         f"<= {TARGETS['epoch_cpu_seconds_max']:.0f} s",
         epoch_cpu <= TARGETS["epoch_cpu_seconds_max"]),
        ("compression (everything stored)", f"{rep.total['ratio_pqh']:.1f}x",
         f">= {TARGETS['ratio_min']:.0f}x", rep.total["ratio_pqh"] >= TARGETS["ratio_min"]),
        ("error after - before", f"{delta_pp:+.2f} pp", f"<= {TARGETS['error_delta_max_pp']} pp",
         delta_pp <= TARGETS["error_delta_max_pp"] + 1e-9),
        ("CPU, baseline + pipeline", f"{total_cpu:.0f} s (wall {total_wall:.0f} s)",
         f"<= {TARGETS['total_cpu_seconds_max']:.0f} s",
         total_cpu <= TARGETS["total_cpu_seconds_max"]),
        ("pipeline cost in baseline epochs", f"{dc_cpu / epoch_cpu:.1f}", "(ratio)", True),
        ("loaded file rebuilds LeNet-5, same predictions", str(same), "True", same),
    ]
    w = max(len(c[0]) for c in checks)
    for name, value, target, ok in checks:
        print(f"{name:{w}s}  {value:>24s}  target {target:10s} {'ok' if ok else 'MISSED'}")
    payload = {
        "benchmark": "lenet5", "preset": args.preset, "seed": args.seed, "cpus": os.cpu_count(),
        "blas_threads": args.threads, "targets": TARGETS, "baseline_error": base_err,
        "baseline_cpu_seconds": base_cpu, "epoch_cpu_seconds": epoch_cpu,
        "pipeline_cpu_seconds": dc_cpu, "pipeline_wall_seconds": dc_wall,
        "total_cpu_seconds": total_cpu, "total_wall_seconds": total_wall,
        "error_after": result.error_after, "error_delta_pp": delta_pp, "file_size": size,
        "stages": result.stages, "prune_curve": result.prune_curve, "config": cfg.to_dict(),
        "report": rep.to_dict(), "all_met": all(c[3] for c in checks),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.out, (json.dumps(payload, indent=2, default=float) + "\n").encode())
    print(f"wrote {args.out}")
    return 0 if payload["all_met"] else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
