"""``eie-lab validate``: every solution earns full marks, every generated stub earns none.

Examples (shell)::

    eie-lab validate                    # every notebook in solutions/
    eie-lab validate ex01 ex03_huffman --timeout 60
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eie_lab.commands.autograde import _JOBS, _TIMEOUT


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    p = subparsers.add_parser(
        "validate", help="check that solutions earn full marks and unsolved exercises none",
        description="Grade each solution notebook (must earn full marks) and its generated "
                    "exercise left unsolved (every graded cell must fail), each in a sandbox.")
    p.add_argument("assignments", nargs="*",
                   help="assignments to validate, e.g. ex01 or ex03_huffman (default: all)")
    p.add_argument("--source", type=Path, default=None,
                   help="folder of solution notebooks (default: ./solutions)")
    p.add_argument("--timeout", type=_TIMEOUT, default=30.0,
                   help="seconds per cell, > 0 (default 30)")
    p.add_argument("--jobs", type=_JOBS, default=None,
                   help="parallel sandboxes, 1..64 (default: CPUs)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate and print one line per assignment; exit 1 if any fails."""
    # grading (nbformat, kernels) loads here, not at import: `eie-lab --help` stays fast
    from eie_lab.grading.assign import default_source_dir, find_source, source_notebooks
    from eie_lab.grading.validate import validate_many

    source = args.source or default_source_dir()
    paths = ([find_source(a, source) for a in args.assignments] if args.assignments
             else source_notebooks(source))
    reports = validate_many(paths, jobs=args.jobs, timeout=args.timeout)
    for r in reports:
        verdict = "ok" if r.ok else "FAIL"
        print(f"{r.assignment:32s} solution {r.solution_score:g}/{r.max_score:g}  "
              f"stub {r.stub_score:g}/{r.max_score:g}  {verdict}")
        for problem in r.problems:
            print(f"    {problem}")
    return 0 if all(r.ok for r in reports) else 1
