"""Run every benchmark: ``python -m benchmarks [NAME ...]`` (also ``make bench``).

Each module ``benchmarks/bench_<name>.py`` has ``main(argv) -> int`` that prints a table, writes
``benchmarks/results/<name>.json`` and returns non-zero when a target is missed.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from eie_lab.errors import EieLabError


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    here = Path(__file__).parent
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
                   if m.name.startswith("bench_"))
    chosen = argv or names
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {names}", file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        print(f"\n=== benchmark: {name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        try:
            ok = module.main([]) == 0
        except EieLabError as exc:  # e.g. MNIST missing: say why, run the others
            print(f"benchmark {name} could not run: {exc}", file=sys.stderr)
            ok = False
        if not ok:
            failed.append(name)
    print(f"\n{len(chosen) - len(failed)} passed, {len(failed)} failed" +
          (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
