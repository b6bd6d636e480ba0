"""``eie-lab reproduce``: regenerate the EIE paper's tables and figures (CSV, PNG, Markdown).

``eie-lab reproduce [--out DIR] [--what table4,fig6,...] [--quick] [--seed N]
[--timing contract|pipeline]`` writes, atomically
into DIR (default ``eie-lab-reproduce``): Table IV simulated vs the paper, Figs 6/7 recomputed from
Table IV and DC Table 9 power, the FIFO-depth sweep (Fig. 8), the #PE sweeps (Figs 11-13), padding
vs index bits, SRAM width (Fig. 9, qualitative) and the H100 measurement of 2026-11-26 beside EIE,
plus ``summary.md`` with every table. ``--quick`` uses three small layers on coarse grids.
``--timing pipeline`` adds the EIE authors' pipeline timing beside the timing contract: Table IV
in both models (``table4_pipeline``) and the Fig. 8 and Figs 11-13 sweeps in both
(``*_pipeline`` columns, ``fig8_pipeline.png``, ``scaling_pipeline.png``).

Examples (shell)::

    eie-lab reproduce --quick --out repro/
    eie-lab reproduce --what table4,fig8 --seed 1
    eie-lab reproduce --timing pipeline --what table4,fig8,scaling
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from eie_lab.cli import count

__all__ = ["register", "run", "HELP"]

HELP = "regenerate the EIE paper's tables and figures"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``reproduce`` to the ``eie-lab`` parser."""
    p = subparsers.add_parser("reproduce", help=HELP,
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("eie-lab-reproduce"), metavar="DIR",
                   help="output folder (default: ./eie-lab-reproduce)")
    p.add_argument("--what", default="all", metavar="PARTS",
                   help="comma-separated parts, e.g. table4,fig8 (default: all; a wrong name "
                        "lists the valid ones)")
    p.add_argument("--quick", action="store_true",
                   help="only three small layers on coarse grids (seconds, not minutes)")
    p.add_argument("--seed", type=count("--seed", 0, fix="use --seed 0 (any integer >= 0)"),
                   default=0, help="seed of the benchmark layers (default 0)")
    # the names of eie_lab.eie.config.TIMINGS, spelt out so that --help loads no numpy
    p.add_argument("--timing", choices=("contract", "pipeline"), default="contract",
                   help="'pipeline' adds the EIE authors' pipeline timing beside the timing "
                        "contract (Table IV, Figs 8 and 11-13); default: contract only")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the requested parts and list the files."""
    # the paper's pipeline (simulator, matplotlib) loads here, not at import: --help stays fast
    from eie_lab.cache import check_writable
    from eie_lab.paper.comparison import fidelity
    from eie_lab.paper.reproduce import reproduce

    check_writable(args.out, "--out", folder=True)  # before minutes of sweeps
    written = reproduce(args.out, what=args.what, quick=args.quick, seed=args.seed,
                        timing=args.timing)
    for part, files in written.items():
        for path in files:
            print(f"{part:16s} {path}")
    table = Path(args.out) / "table4.csv"
    if "table4" in written and table.exists():
        with open(table, encoding="utf-8") as fh:
            rows = [{**r, "within_tol": r["within_tol"] == "True"} for r in csv.DictReader(fh)]
        ok, total = fidelity(rows)
        print(f"fidelity: {ok}/{total} layers within ±15% of EIE Table IV actual time")
    return 0
