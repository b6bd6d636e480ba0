"""``eie-lab simulate``: run one EIE benchmark layer (or all nine) and print its numbers.

Examples (shell)::

    eie-lab simulate Alex-7                          # 64 PEs, FIFO 8 (the paper's setting)
    eie-lab simulate all --n-pe 32 --fifo-depth 4 --json
    eie-lab simulate NT-We --engine cycle
"""

from __future__ import annotations

import argparse
import json
import math

from eie_lab.cli import count
from eie_lab.errors import ConfigError, fail_message
from eie_lab.paper_tables import (
    EIE_ACTUAL_US,  # [EIE Table IV] "actual" µs at 64 PEs
    LAYER_NAMES,
    TABLE_III,
)

HELP = "simulate an EIE benchmark layer: cycles, time, load efficiency, energy"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` sub-command."""
    p = subparsers.add_parser(
        "simulate", help=HELP,
        description="Encode one of the nine EIE Table III layers (seeded random matrix at the "
                    "paper's densities) for the PE array and simulate one input vector.")
    p.add_argument("layer", metavar="LAYER", help=f"one of {', '.join(LAYER_NAMES)}, or 'all'")
    p.add_argument("--n-pe", type=count("--n-pe", 1, fix="use --n-pe 64 as in the EIE paper"),
                   default=64, help="processing elements, 1..4096 (default 64)")
    p.add_argument("--fifo-depth", type=count("--fifo-depth", 1, fix="use --fifo-depth 8 as in "
                                              "the EIE paper"),
                   default=8, help="activation queue depth (default 8)")
    p.add_argument("--engine", choices=("fast", "cycle"), default="fast",
                   help="closed-form 'fast' engine or cycle-stepping 'cycle' engine")
    p.add_argument("--seed", type=count("--seed", 0, fix="use --seed 0 (any integer >= 0)"),
                   default=0, help="seed of the random layer (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate and print one row per layer."""
    # the simulator and the layers load here, not at import: `eie-lab --help` stays fast
    from eie_lab.data.layers import benchmark_layer
    from eie_lab.eie import EIEConfig, encode, simulate
    from eie_lab.eie.config import check_run_memory

    names = LAYER_NAMES if args.layer == "all" else (args.layer,)
    if args.layer != "all" and args.layer not in LAYER_NAMES:
        raise ConfigError(fail_message("LAYER", args.layer, f"must be one of {LAYER_NAMES} or 'all'",
                                       "e.g. eie-lab simulate Alex-7"))
    cfg = EIEConfig(n_pe=args.n_pe, fifo_depth=args.fifo_depth)
    for name in names:  # every layer's memory, before the first is built
        n_in, n_out, w_density, a_density, _ = TABLE_III[name]
        check_run_memory(cfg, (n_out, n_in), nnz=math.ceil(w_density * n_in * n_out),
                         n_active=math.ceil(a_density * n_in), engine=args.engine)
    rows = []
    for name in names:
        layer = benchmark_layer(name, args.seed)
        res = simulate(encode(layer, cfg), layer.a, engine=args.engine)
        row = {"layer": name, **res.summary(), "paper_actual_us": EIE_ACTUAL_US[name]}
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"EIE: {cfg.n_pe} PEs, FIFO depth {cfg.fifo_depth}, {cfg.clock_mhz:g} MHz, "
          f"engine={args.engine}, seed={args.seed}")
    head = (f"{'layer':8s} {'cycles':>8s} {'time µs':>8s} {'paper µs':>8s} {'load eff':>8s} "
            f"{'real work':>9s} {'energy nJ':>9s} {'power W':>7s}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['layer']:8s} {r['cycles']:8d} {r['time_us']:8.2f} {r['paper_actual_us']:8.1f} "
              f"{r['load_efficiency']:8.1%} {r['real_work']:9.1%} {r['energy_nj']:9.1f} "
              f"{r['power_w']:7.3f}")
    print("paper µs: EIE Table IV 'actual time' at 64 PEs, FIFO 8")
    return 0
