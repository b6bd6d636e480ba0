"""Batch-1 / batch-64 latency (and optionally energy) of the nine EIE FC layers on a CUDA GPU.

Regenerates the modern baseline that ships as ``eie_lab/data/h100_fc_baseline.json`` (measured on
an NVIDIA H100, 2026-11-26) on whatever CUDA GPU you have, with PyTorch:

- random matrices with the shapes and weight densities of [EIE Table III] (seeded; one seed per
  layer, derived from ``--seed``), activations with the table's activation density;
- dense fp32/fp16 GEMV/GEMM through cuBLAS (``torch.mv`` / ``W @ X``) and CSR SpMV/SpMM through
  cuSPARSE (``torch.sparse_csr``), batch 1 and 64;
- two timings per kernel: ``graph`` = per-call time replaying ``--graph-calls`` calls captured in
  a CUDA graph (no CPU launch cost), ``stream`` = ``--stream-calls`` back-to-back launches timed
  with CUDA events (includes launch overhead when the kernel is shorter than a launch);
- with ``--power``: board power from ``nvidia-smi`` (100 ms samples, median, first three dropped)
  while dense fp16 and CSR fp32 batch-1 kernels replay for ``--power-seconds``; energy = time x power.

Without PyTorch or without a CUDA device it prints why and exits 0 (nothing to measure).
Output (atomic writes): ``<out>/gpu_fc_baseline.json`` in the schema of the shipped file and,
with ``--power``, ``<out>/gpu_fc_power.json``. Load them with
``eie_lab.data.gpu_baseline.load_latency(path)`` / ``load_power(path)``.

Usage::

    python benchmarks/gpu_fc_latency.py [--out benchmarks/results] [--power] [--layers Alex-6,NT-We]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence

# [EIE Table III]: (name, rows = outputs, cols = inputs, weight density, activation density).
LAYER_SPECS: tuple[tuple[str, int, int, float, float], ...] = (
    ("Alex-6", 4096, 9216, 0.09, 0.351), ("Alex-7", 4096, 4096, 0.09, 0.353),
    ("Alex-8", 1000, 4096, 0.25, 0.375), ("VGG-6", 4096, 25088, 0.04, 0.183),
    ("VGG-7", 4096, 4096, 0.04, 0.375), ("VGG-8", 1000, 4096, 0.23, 0.411),
    ("NT-We", 600, 4096, 0.10, 1.0), ("NT-Wd", 8791, 600, 0.11, 1.0),
    ("NT-LSTM", 2400, 1201, 0.10, 1.0),
)
VARIANTS = ("dense_fp32_b1", "dense_fp32_b64", "csr_fp32_b1", "csr_fp32_b64",
            "dense_fp16_b1", "dense_fp16_b64", "csr_fp16_b1", "csr_fp16_b64")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join("benchmarks", "results"), help="output folder")
    p.add_argument("--layers", default="", help="comma-separated subset, e.g. Alex-7,NT-We")
    p.add_argument("--seed", type=int, default=0, help="base seed (layer i uses seed + i)")
    p.add_argument("--graph-calls", type=int, default=50, help="calls captured in one CUDA graph")
    p.add_argument("--graph-replays", type=int, default=20, help="graph replays timed")
    p.add_argument("--stream-calls", type=int, default=300, help="back-to-back launches timed")
    p.add_argument("--power", action="store_true", help="also sample board power (nvidia-smi)")
    p.add_argument("--power-seconds", type=float, default=3.0, help="replay time per power run")
    return p.parse_args(argv)


def skip_reason() -> str | None:
    """Why nothing can be measured here (no PyTorch, no CUDA), or None when it can."""
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed"
    if not torch.cuda.is_available():
        return "PyTorch sees no CUDA device"
    return None


def make_layer(spec, seed: int, torch):
    """Seeded W (rows x cols, float32, density from the spec) and a (cols, 64) activation block."""
    _, rows, cols, w_density, a_density = spec
    gen = torch.Generator(device="cuda").manual_seed(seed)
    mask = torch.rand(rows, cols, generator=gen, device="cuda") < w_density
    w = torch.randn(rows, cols, generator=gen, device="cuda") * mask
    act_mask = torch.rand(cols, 64, generator=gen, device="cuda") < a_density
    x = torch.rand(cols, 64, generator=gen, device="cuda") * act_mask
    return w, x


def kernels(w, x, torch) -> dict[str, Callable[[], object]]:
    """The eight kernel variants as zero-argument callables (inputs prepared once)."""
    out = {}
    for prec, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
        wd = w.to(dtype).contiguous()
        ws = wd.to_sparse_csr()
        xb = x.to(dtype).contiguous()
        x1 = xb[:, 0].contiguous()
        out[f"dense_{prec}_b1"] = (lambda a=wd, v=x1: torch.mv(a, v))
        out[f"dense_{prec}_b64"] = (lambda a=wd, v=xb: a @ v)
        out[f"csr_{prec}_b1"] = (lambda a=ws, v=x1: torch.mv(a, v))
        out[f"csr_{prec}_b64"] = (lambda a=ws, v=xb: a @ v)
    return out


def time_stream(fn, calls: int, torch) -> float:
    """µs per call of ``calls`` back-to-back launches, timed with CUDA events."""
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(calls):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) * 1000.0 / calls


def capture_graph(fn, calls: int, torch):
    """A CUDA graph holding ``calls`` calls of fn (warmed up on a side stream first)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(calls):
            fn()
    torch.cuda.synchronize()
    return graph


def time_graph(graph, calls: int, replays: int, torch) -> float:
    """µs per call when the graph of ``calls`` calls is replayed ``replays`` times."""
    graph.replay()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(replays):
        graph.replay()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) * 1000.0 / (calls * replays)


def board_power(graph, seconds: float, torch) -> float:
    """Median board power (W) from nvidia-smi while replaying ``graph`` for ``seconds``.

    The GPU is selected by torch's device index; with ``CUDA_VISIBLE_DEVICES`` set, that index can
    differ from nvidia-smi's, so run the power measurement with one visible GPU.
    """
    cmd = ["nvidia-smi", "--query-gpu=power.draw", "--format=csv,noheader,nounits", "-lms", "100",
           "-i", str(torch.cuda.current_device())]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            graph.replay()
            torch.cuda.synchronize()
    finally:
        proc.terminate()
        text, _ = proc.communicate(timeout=10)
    samples = [float(s) for s in text.split() if s.replace(".", "", 1).isdigit()][3:]
    if not samples:
        raise RuntimeError("nvidia-smi returned no power samples")
    return statistics.median(samples)


def write_json(path: str, data: dict) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".gpu_fc.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _fmt(entry: dict) -> str:
    g, s = entry.get("graph_us"), entry.get("stream_us")
    return " / ".join("-" if v is None else f"{v:.1f}" for v in (g, s))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    reason = skip_reason()
    if reason is not None:
        print(f"gpu_fc_latency: skipped: {reason}; nothing measured. The shipped H100 numbers "
              "(eie_lab/data/h100_fc_baseline.json, measured 2026-11-26) remain the reference.")
        return 0
    import torch

    wanted = [s.strip() for s in args.layers.split(",") if s.strip()]
    specs = [s for s in LAYER_SPECS if not wanted or s[0] in wanted]
    unknown = sorted(set(wanted) - {s[0] for s in LAYER_SPECS})
    if unknown:
        print(f"gpu_fc_latency: error: unknown layers {unknown}; "
              f"use names from {[s[0] for s in LAYER_SPECS]}", file=sys.stderr)
        return 2
    meta = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(),
            "cuda": torch.version.cuda}
    rows, power_rows = [], []
    print(f"{meta['gpu']}, torch {meta['torch']}, CUDA {meta['cuda']}; µs per call (graph / stream)")
    print(f"{'layer':8s} " + " ".join(f"{v:>16s}" for v in VARIANTS))
    for i, spec in enumerate(specs):
        w, x = make_layer(spec, args.seed + i, torch)
        row = {"layer": spec[0], "rows": spec[1], "cols": spec[2], "weight_density": spec[3],
               "act_density": spec[4]}
        graphs = {}
        for name, fn in kernels(w, x, torch).items():
            entry: dict = {"stream_us": None, "graph_us": None}
            try:
                entry["stream_us"] = time_stream(fn, args.stream_calls, torch)
            except RuntimeError as exc:  # e.g. a dtype this PyTorch build has no kernel for
                entry["error"] = (str(exc).splitlines() or ["RuntimeError"])[0]
                row[name] = entry
                continue
            try:
                graphs[name] = capture_graph(fn, args.graph_calls, torch)
                entry["graph_us"] = time_graph(graphs[name], args.graph_calls,
                                               args.graph_replays, torch)
            except RuntimeError as exc:  # some cuSPARSE paths cannot be captured
                entry["graph_error"] = (str(exc).splitlines() or ["RuntimeError"])[0]
                graphs.pop(name, None)
            row[name] = entry
        row["nnz"] = int((w != 0).sum().item())
        rows.append(row)
        print(f"{spec[0]:8s} " + " ".join(f"{_fmt(row[v]):>16s}" for v in VARIANTS), flush=True)
        if args.power:
            prow = {"layer": spec[0]}
            for key, variant in (("dense_fp16", "dense_fp16_b1"), ("csr_fp32", "csr_fp32_b1")):
                if variant in graphs and row[variant]["graph_us"] is not None:
                    us = row[variant]["graph_us"]
                    watts = board_power(graphs[variant], args.power_seconds, torch)
                    prow[key] = {"us": us, "watts": watts, "uJ": us * watts}
            power_rows.append(prow)
        del w, x, graphs
        torch.cuda.empty_cache()
    out = os.path.join(args.out, "gpu_fc_baseline.json")
    write_json(out, {"meta": meta, "rows": rows})
    print(f"wrote {out}")
    if args.power:
        pout = os.path.join(args.out, "gpu_fc_power.json")
        write_json(pout, {"gpu": meta["gpu"], "torch": meta["torch"], "rows": power_rows})
        print(f"wrote {pout}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
