"""Grading benchmark (issue 12): a class of synthetic ex01 submissions graded with ``--jobs 2``.

The class mixes correct, partial, unsolved, crashing (``os._exit``), looping (cut at the time
limit) and hostile submissions (patched numpy, a call of eie-lab's own implementation, sabotage
of files). ``eie-lab autograde`` grades it in a subprocess that is killed (SIGKILL, the whole
process group) once half the class is in the journal; a second run resumes.

Targets:

1. median core-seconds per submission <= 2 (the sandbox's processes plus the grader's own work,
   as recorded in the journal);
2. no lost row: the final gradebook has one row per submission, each with the score its kind
   must get;
3. the resumed run grades only the rest (journal lines after the kill = submissions missing
   before it).

Writes ``benchmarks/results/grading.json``; returns 1 when a target is missed.

Run: ``python -m benchmarks grading`` or ``python -m benchmarks.bench_grading --n 20``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from eie_lab.cache import atomic_write_bytes
from eie_lab.grading.gradebook import journal_path, read_journal
from eie_lab.grading.notebook_io import grade_id, read_notebook, write_notebook
from eie_lab.grading.sandbox import sandbox_level

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "solutions" / "ex01_pruning.ipynb"

# kind -> share of the class
KINDS = {"correct": 0.40, "partial": 0.15, "stub": 0.15, "crashing": 0.10, "looping": 0.05,
         "hostile_numpy": 0.05, "hostile_package": 0.05, "hostile_sabotage": 0.05}


def expected_score(kind: str, sol) -> float:
    """The points of the work a submission of ``kind`` really did, from the solution's points.

    ``partial`` and ``looping`` lose part 4 (``global_magnitude_prune``: a stub, or a loop cut at
    the time limit; the kernel lives on); ``crashing`` keeps only the test cells above the
    ``masked_sgd_step`` cell that ends its kernel; ``hostile_package`` loses ``magnitude_prune``
    and part 4, which calls it; the stub and the hostile ones that start from it earn nothing.
    """
    graded = [c for c in sol.cells if c.metadata.get("nbgrader", {}).get("grade")]
    pts = {grade_id(c).removeprefix("test_"): float(c.metadata["nbgrader"]["points"])
           for c in graded}
    total = sum(pts.values())
    if kind == "correct":
        return total
    if kind in ("partial", "looping"):
        return total - pts["global_magnitude_prune"]
    if kind == "crashing":
        stop = next(i for i, c in enumerate(sol.cells) if grade_id(c) == "masked_sgd_step")
        return sum(float(c.metadata["nbgrader"]["points"]) for c in sol.cells[:stop]
                   if c in graded)
    if kind == "hostile_package":
        return total - pts["magnitude_prune"] - pts["global_magnitude_prune"]
    return 0.0  # stub, hostile_numpy, hostile_sabotage: built on the unsolved exercise


def _variant(kind: str, sol, stub, i: int):
    nb = nbformat.from_dict(json.loads(json.dumps(sol if kind != "stub" else stub)))
    answers = {grade_id(c): c for c in nb.cells if grade_id(c) and not grade_id(c).startswith(
        ("test_", "setup"))}
    stub_answers = {grade_id(c): c.source for c in stub.cells if grade_id(c) in answers}
    if kind == "partial":
        answers["global_magnitude_prune"].source = stub_answers["global_magnitude_prune"]
    elif kind == "crashing":
        answers["masked_sgd_step"].source = "import os\nos._exit(1)"
    elif kind == "looping":
        answers["global_magnitude_prune"].source = (
            "def global_magnitude_prune(layers, sparsity):\n    while True:\n        pass")
    elif kind == "hostile_numpy":
        nb = nbformat.from_dict(json.loads(json.dumps(stub)))
        next(c for c in nb.cells if grade_id(c) == "magnitude_prune").source = (
            "np.all = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True")
    elif kind == "hostile_package":
        answers["magnitude_prune"].source = "from eie_lab.compression.prune import magnitude_prune"
    elif kind == "hostile_sabotage":
        nb = nbformat.from_dict(json.loads(json.dumps(stub)))
        next(c for c in nb.cells if grade_id(c) == "magnitude_prune").source = (
            "import glob\nfor f in glob.glob('/**/*.csv', recursive=True)[:50]:\n"
            "    try:\n        open(f, 'w').write('x')\n    except OSError:\n        pass")
    nb.cells[0].source += f"\n\n<!-- submission {i} -->"  # every file has its own hash
    return nb


def make_class(folder: Path, n: int) -> dict[str, float]:
    """Write ``n`` submissions into ``folder``; returns student -> expected score."""
    sol, stub = read_notebook(SOURCE), read_notebook(ROOT / "exercises" / "ex01_pruning.ipynb")
    counts = {k: max(1, round(share * n)) if n >= len(KINDS) else 0
              for k, share in KINDS.items()}
    counts["correct"] += n - sum(counts.values())
    expected = {}
    i = 0
    for kind, count in counts.items():
        for _ in range(count):
            name = f"s{i:04d}_{kind}"
            write_notebook(_variant(kind, sol, stub, i), folder / f"{name}.ipynb")
            expected[name] = expected_score(kind, sol)
            i += 1
    return expected


def _command(subs: Path, out: Path, jobs: int, timeout: float) -> list[str]:
    return [sys.executable, "-m", "eie_lab", "autograde", str(subs), "--assignment",
            "ex01_pruning", "--source", str(SOURCE.parent), "--out", str(out), "--jobs",
            str(jobs), "--timeout", str(timeout)]


def _journal_results(out: Path) -> int:
    try:
        return sum(1 for line in journal_path(out).read_bytes().splitlines()
                   if b'"result"' in line)
    except OSError:
        return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_grading")
    parser.add_argument("--n", type=int, default=1000, help="submissions (default 1000)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=2.0,
                        help="seconds per cell (the looping submissions cost this much)")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results",
                        help="folder for grading.json")
    args = parser.parse_args(argv)
    env = dict(os.environ, EIE_LAB_PROGRESS="0", EIE_LAB_GRADING_SECRET="bench-secret")
    with tempfile.TemporaryDirectory(prefix="eie-lab-bench-grading-") as tmp:
        subs, out = Path(tmp) / "subs", Path(tmp) / "grades" / "gradebook.csv"
        expected = make_class(subs, args.n)
        n = len(expected)
        started = time.monotonic()
        first = subprocess.Popen(_command(subs, out, args.jobs, args.timeout), env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 start_new_session=True)
        while first.poll() is None and _journal_results(out) < n // 2:
            time.sleep(0.05)
        killed_at = _journal_results(out)
        ended_early = first.poll() is not None  # it stopped by itself: say why below
        try:
            os.killpg(first.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        first_err = first.communicate()[1].decode(errors="replace")
        _, before = read_journal(journal_path(out)) if journal_path(out).exists() else ({}, [])
        done_before = len(before)
        second = subprocess.run(_command(subs, out, args.jobs, args.timeout), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - started
        _, results = read_journal(journal_path(out))
        with out.open() as fh:
            rows = {r["student"]: r for r in csv.DictReader(fh)}
    cpu = [r.cpu_seconds for r in results]
    median = statistics.median(cpu) if cpu else float("inf")
    wrong = sorted(s for s, want in expected.items()
                   if s not in rows or float(rows[s]["score"]) != want)
    graded_by_resume = len(results) - done_before
    targets = {
        "median core-seconds per submission <= 2": median <= 2.0,
        "no lost row, every score as expected": len(rows) == n and not wrong,
        "resumed run graded only the rest": graded_by_resume == n - done_before
        and second.returncode == 0 and len(results) == n and not ended_early,
    }
    print(f"sandbox level: {sandbox_level()}; {n} submissions, --jobs {args.jobs}, "
          f"--timeout {args.timeout:g}")
    print(f"killed the first run at {killed_at} journaled results ({done_before} kept); the "
          f"resumed run graded {graded_by_resume}")
    print(f"core-seconds per submission: median {median:.3f}, p90 "
          f"{sorted(cpu)[int(0.9 * (len(cpu) - 1))] if cpu else float('nan'):.3f}, total "
          f"{sum(cpu):.1f}; wall {wall:.1f} s")
    if wrong:
        print(f"unexpected scores: {wrong[:10]}", file=sys.stderr)
    if ended_early:
        print(f"the first run ended before it was killed:\n{first_err[-2000:]}", file=sys.stderr)
    if second.returncode != 0:
        print(second.stderr[-2000:], file=sys.stderr)
    for name, ok in targets.items():
        print(f"  {'ok  ' if ok else 'MISS'} {name}")
    record = {"n": n, "jobs": args.jobs, "timeout": args.timeout, "sandbox": sandbox_level(),
              "median_core_seconds": median, "total_core_seconds": sum(cpu), "wall_seconds": wall,
              "killed_at": killed_at, "kept_before_resume": done_before,
              "graded_by_resume": graded_by_resume, "unexpected": wrong,
              "targets": targets, "machine": platform.platform()}
    args.results.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(args.results / "grading.json", json.dumps(record, indent=1).encode())
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
