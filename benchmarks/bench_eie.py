"""EIE simulator benchmark: speed targets of issue 5 and fidelity against EIE Table IV.

Targets (issue 5):

1. Encoding + fast simulation of all nine Table III layers at 64 PEs: < 3 s in total
   (absolute budget; the scipy.sparse CSR build + mat-vec of the same nine layers is printed
   beside it as the same-run reference).
2. The fast engine on Alex-6 (functional output + cycles, counts and energy; encoding
   excluded): within 10x of a scipy.sparse CSR mat-vec of the same layer, measured in this run.
3. The cycle engine produces a full trace of Alex-7 at 64 PEs: < 10 s (absolute; ratio to the
   fast engine printed).
4. Fidelity: simulated time within ±15 % of the paper's "actual" µs [EIE Table IV] for at least
   7 of the 9 layers (64 PEs, FIFO 8, seed 0).

Timings are CPU times of this process (``time.process_time``), best of several repeats, since
the machine may be shared; the wall time of target 1 is printed too. Writes
``benchmarks/results/eie.json`` atomically; returns 1 when a target is missed.

Run: ``python -m benchmarks eie`` or ``python -m benchmarks.bench_eie [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write_bytes
from eie_lab.data.layers import LAYER_NAMES, benchmark_layer
from eie_lab.eie import EIEConfig, encode, simulate

#: [EIE Table IV] EIE theoretical and actual time in µs.
PAPER_THEORETICAL_US = {"Alex-6": 28.1, "Alex-7": 11.7, "Alex-8": 8.9, "VGG-6": 28.1,
                        "VGG-7": 7.9, "VGG-8": 7.3, "NT-We": 5.2, "NT-Wd": 13.0, "NT-LSTM": 6.5}
PAPER_ACTUAL_US = {"Alex-6": 30.3, "Alex-7": 12.2, "Alex-8": 9.9, "VGG-6": 34.4, "VGG-7": 8.7,
                   "VGG-8": 8.4, "NT-We": 8.0, "NT-Wd": 13.9, "NT-LSTM": 7.5}
BUDGET_ALL_S = 3.0
MAX_RATIO_ALEX6 = 10.0
BUDGET_TRACE_S = 10.0
FIDELITY_TOL = 0.15
FIDELITY_MIN_LAYERS = 7
RESULTS = Path(__file__).parent / "results" / "eie.json"


def _best(fn, repeat: int) -> tuple[float, object]:
    """Best CPU time (``time.process_time``) over ``repeat`` calls, and the last result.

    CPU time of this process is used because the benchmark often runs on shared machines where
    wall-clock time mostly measures other processes; both sides of every ratio are timed alike.
    """
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t)
    return best, out


def _wall(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_eie", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repeats per timing (best is kept)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args([] if argv is None else argv)
    import scipy.sparse as sp

    cfg = EIEConfig()
    layers = [benchmark_layer(name) for name in LAYER_NAMES]  # generation is not timed

    # 1. encode + fast simulate all nine
    def run_all():
        return [simulate(encode(layer, cfg), layer.a) for layer in layers]

    t_all, results = _best(run_all, args.repeat)
    wall_all = _wall(run_all)

    def scipy_all():
        for layer in layers:
            A = sp.csr_matrix((layer.codebook[layer.codes], (layer.rows, layer.cols)),
                              shape=layer.shape)
            A @ layer.a.astype(np.float64)

    t_scipy_all, _ = _best(scipy_all, args.repeat)

    # 2. fast engine on Alex-6 vs scipy CSR mat-vec of the same (quantised) layer
    alex6 = layers[0]
    enc6 = encode(alex6, cfg)
    a6 = alex6.a.astype(np.float64)
    A6 = sp.csr_matrix((alex6.codebook[alex6.codes], (alex6.rows, alex6.cols)), shape=alex6.shape)
    reps = max(5, 3 * args.repeat)
    t_fast6, res6 = _best(lambda: simulate(enc6, a6), reps)
    t_csr6, y6 = _best(lambda: A6 @ a6, reps)
    if not np.allclose(res6.y, y6, rtol=1e-9, atol=1e-9):
        print("error: Alex-6 output differs from scipy.sparse", file=sys.stderr)
        return 1
    ratio6 = t_fast6 / t_csr6

    # 3. cycle engine with full trace on Alex-7
    alex7 = layers[1]
    enc7 = encode(alex7, cfg)
    t_trace, res7 = _best(lambda: simulate(enc7, alex7.a, engine="cycle"), 1)
    t_fast7, fast7 = _best(lambda: simulate(enc7, alex7.a), 3)
    if res7.cycles != fast7.cycles or res7.counts != fast7.counts:
        print("error: cycle and fast engines disagree on Alex-7", file=sys.stderr)
        return 1

    # 4. fidelity table
    rows = []
    for layer, res in zip(layers, results):
        paper = PAPER_ACTUAL_US[layer.name]
        rows.append({"layer": layer.name, "sim_us": round(res.time_us, 3),
                     "paper_theoretical_us": PAPER_THEORETICAL_US[layer.name],
                     "paper_actual_us": paper, "error": round(res.time_us / paper - 1, 4),
                     "within_tol": abs(res.time_us / paper - 1) <= FIDELITY_TOL,
                     "load_efficiency": round(res.load_efficiency, 4),
                     "real_work": round(res.real_work, 4), "cycles": res.cycles,
                     "power_w": round(res.energy.power_w, 4)})
    n_ok = sum(r["within_tol"] for r in rows)

    print(f"{'layer':8s} {'sim µs':>8s} {'theo µs':>8s} {'actual µs':>9s} {'error':>7s} "
          f"{'load eff':>8s} {'real work':>9s} {'power W':>7s}")
    for r in rows:
        flag = "" if r["within_tol"] else "  <- outside ±15%"
        print(f"{r['layer']:8s} {r['sim_us']:8.2f} {r['paper_theoretical_us']:8.1f} "
              f"{r['paper_actual_us']:9.1f} {r['error']:+7.1%} {r['load_efficiency']:8.1%} "
              f"{r['real_work']:9.1%} {r['power_w']:7.3f}{flag}")
    targets = [  # (name, ok, value text, note)
        ("encode + fast simulate, all nine layers", t_all < BUDGET_ALL_S,
         f"{t_all:.3f} s (target < {BUDGET_ALL_S:g} s)",
         f"(wall {wall_all:.3f} s); scipy CSR build + mat-vec of the nine: {t_scipy_all:.3f} s"),
        ("fast engine / scipy CSR mat-vec, Alex-6", ratio6 < MAX_RATIO_ALEX6,
         f"{ratio6:.2f}x (target < {MAX_RATIO_ALEX6:g}x)",
         f"{t_fast6 * 1e3:.2f} ms vs {t_csr6 * 1e3:.2f} ms"),
        ("cycle engine full trace, Alex-7", t_trace < BUDGET_TRACE_S,
         f"{t_trace:.3f} s (target < {BUDGET_TRACE_S:g} s)",
         f"{res7.cycles} cycles; {t_trace / t_fast7:.0f}x the fast engine"),
        ("layers within ±15% of Table IV actual", n_ok >= FIDELITY_MIN_LAYERS,
         f"{n_ok}/9 (target >= {FIDELITY_MIN_LAYERS})", ""),
    ]
    print()
    failed = [name for name, ok, _, _ in targets if not ok]
    for name, ok, text, note in targets:
        print(f"[{'ok' if ok else 'MISSED'}] {name}: {text}  {note}")
    payload = {
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "platform": platform.platform()},
        "config": {"n_pe": cfg.n_pe, "fifo_depth": cfg.fifo_depth, "seed": 0,
                   "repeat": args.repeat},
        "timer": "time.process_time (best of repeats)",
        "encode_plus_fast_all_s": round(t_all, 4), "encode_plus_fast_all_wall_s": round(wall_all, 4),
        "scipy_all_s": round(t_scipy_all, 4),
        "fast_alex6_s": round(t_fast6, 5), "scipy_csr_alex6_s": round(t_csr6, 5),
        "fast_over_scipy_alex6": round(ratio6, 3),
        "cycle_trace_alex7_s": round(t_trace, 4), "fast_alex7_s": round(t_fast7, 5),
        "fidelity": rows, "fidelity_within_tol": n_ok,
        "targets_missed": failed,
    }
    atomic_write_bytes(args.out, (json.dumps(payload, indent=2) + "\n").encode())
    print(f"\nwrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
