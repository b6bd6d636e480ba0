"""Benchmark: LeNet-300-100 training and Deep Compression end to end on MNIST.

Measured in one run, on the same machine:

* **Baseline training** with :mod:`eie_lab.nn` (the zoo recipe, no cache): wall time (target
  <= 60 s) and test error (target <= 2.0%); one training epoch is timed against one epoch of scikit-learn's
  ``MLPClassifier`` (same 784-300-100-10 ReLU net, SGD + momentum, batch 128) as the named
  baseline (target: at least as fast).
* **Deep Compression** (preset ``best`` unless ``--preset``) from that baseline: compression
  of everything stored (targets >= 40x), test error at most 0.1 percentage points above the
  baseline, and the whole run (baseline training included) under 300 s.

Prints the DC Table 2-shaped report, writes ``benchmarks/results/lenet.json`` atomically and
returns 1 when a target is missed. Run: ``python -m benchmarks lenet`` or
``python benchmarks/bench_lenet.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write_bytes

RESULTS = Path(__file__).parent / "results" / "lenet.json"
TARGETS = {"baseline_error_max": 0.02, "baseline_train_seconds_max": 60.0, "ratio_min": 40.0, "error_delta_max_pp": 0.1,
           "pipeline_seconds_max": 300.0, "epoch_speedup_vs_sklearn_min": 1.0}


def _sklearn_epoch_seconds(x: np.ndarray, y: np.ndarray) -> float | None:
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    clf = MLPClassifier(hidden_layer_sizes=(300, 100), solver="sgd", batch_size=128,
                        learning_rate_init=0.1, momentum=0.9, alpha=1e-4, max_iter=1,
                        shuffle=True, random_state=0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 when every target is met."""
    from eie_lab.compression.model_file import load
    from eie_lab.compression.pipeline import deep_compress
    from eie_lab.compression.pipeline_config import preset
    from eie_lab.nn import evaluate, lenet300, train
    from eie_lab.nn.zoo import BASELINE_RECIPE, DEFAULT_EPOCHS, mnist_arrays, pretrained_lenet300

    parser = argparse.ArgumentParser(prog="bench_lenet", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="best", choices=("best", "paper"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)

    t_all = time.perf_counter()
    x, y, xt, yt = mnist_arrays()
    # named baseline: one epoch of scikit-learn's MLPClassifier vs one epoch of eie_lab.nn
    # (best of two runs each, so that one noisy run on a shared machine does not decide)
    sk_runs = [_sklearn_epoch_seconds(x, y) for _ in range(2)]
    sk_epoch = None if None in sk_runs else min(sk_runs)
    our_epoch = float("inf")
    for _ in range(2):
        probe = lenet300(seed=args.seed)
        t0 = time.perf_counter()
        train(probe, x, y, epochs=1, seed=args.seed, **BASELINE_RECIPE)
        our_epoch = min(our_epoch, time.perf_counter() - t0)

    t0 = time.perf_counter()
    base = pretrained_lenet300(seed=args.seed, cache=False)
    base_seconds = time.perf_counter() - t0
    base_err = evaluate(base, xt, yt)

    cfg = preset(args.preset, seed=args.seed)
    t0 = time.perf_counter()
    result = deep_compress(base, cfg, data=(x, y, xt, yt))
    dc_seconds = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = result.compressed.save(Path(tmp) / "lenet300.npz")
        size = os.path.getsize(path)
        same = bool(np.array_equal(load(path).predict(xt), result.compressed.predict(xt)))
    total_seconds = base_seconds + dc_seconds
    rep = result.report(file_size=size)
    delta_pp = 100 * (result.error_after - base_err)

    print(f"LeNet-300-100 on MNIST, preset={args.preset}, seed={args.seed}, "
          f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    for s in result.stages:
        print(f"  {s['stage']:28s} test error {s['error']:.2%}")
    print()
    print(rep.to_text())
    print()
    checks = [
        ("baseline test error", f"{base_err:.2%}", f"<= {TARGETS['baseline_error_max']:.1%}",
         base_err <= TARGETS["baseline_error_max"]),
        (f"baseline training ({DEFAULT_EPOCHS} epochs)", f"{base_seconds:.1f} s",
         f"<= {TARGETS['baseline_train_seconds_max']:.0f} s",
         base_seconds <= TARGETS["baseline_train_seconds_max"]),
        ("one epoch: sklearn MLPClassifier / eie_lab.nn",
         "n/a" if sk_epoch is None else f"{sk_epoch:.2f} s / {our_epoch:.2f} s = "
         f"{sk_epoch / our_epoch:.1f}x", f">= {TARGETS['epoch_speedup_vs_sklearn_min']:.1f}x",
         sk_epoch is None or sk_epoch / our_epoch >= TARGETS["epoch_speedup_vs_sklearn_min"]),
        ("compression (everything stored)", f"{rep.total['ratio_pqh']:.1f}x",
         f">= {TARGETS['ratio_min']:.0f}x", rep.total["ratio_pqh"] >= TARGETS["ratio_min"]),
        ("error after - before", f"{delta_pp:+.2f} pp", f"<= {TARGETS['error_delta_max_pp']} pp",
         delta_pp <= TARGETS["error_delta_max_pp"] + 1e-9),
        ("pipeline incl. baseline training", f"{total_seconds:.1f} s",
         f"< {TARGETS['pipeline_seconds_max']:.0f} s",
         total_seconds < TARGETS["pipeline_seconds_max"]),
        ("loaded file predicts identically", str(same), "True", same),
    ]
    w = max(len(c[0]) for c in checks)
    for name, value, target, ok in checks:
        print(f"{name:{w}s}  {value:>28s}  target {target:12s} {'ok' if ok else 'MISSED'}")
    payload = {
        "benchmark": "lenet", "preset": args.preset, "seed": args.seed, "cpus": os.cpu_count(),
        "targets": TARGETS, "baseline_error": base_err, "baseline_train_seconds": base_seconds,
        "epoch_seconds": {"eie_lab.nn": our_epoch, "sklearn_MLPClassifier": sk_epoch},
        "pipeline_seconds": dc_seconds, "total_seconds": total_seconds,
        "error_after": result.error_after, "error_delta_pp": delta_pp, "file_size": size,
        "stages": result.stages, "prune_curve": result.prune_curve, "config": cfg.to_dict(),
        "report": rep.to_dict(), "all_met": all(c[3] for c in checks),
        "wall_seconds": time.perf_counter() - t_all,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.out, (json.dumps(payload, indent=2, default=float) + "\n").encode())
    print(f"wrote {args.out}")
    return 0 if payload["all_met"] else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
