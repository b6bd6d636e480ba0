"""``eie-lab assign``: generate the student exercises from the solution notebooks.

Examples (shell)::

    eie-lab assign                      # ./solutions/*.ipynb -> ./exercises/*.ipynb
    eie-lab assign --check              # exit 1 if the committed exercises are stale
    eie-lab assign --source course/src --dest course/release
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``assign`` sub-command."""
    p = subparsers.add_parser(
        "assign", help="generate exercises/ from solutions/ (solutions and hidden tests removed)",
        description="Turn every solution notebook into a student exercise, as nbgrader's "
                    "generate_assignment does: solution regions become '# YOUR CODE HERE' + "
                    "'raise NotImplementedError()', hidden tests are removed, outputs cleared, "
                    "test cells locked.")
    p.add_argument("--source", type=Path, default=None,
                   help="folder of solution notebooks (default: $EIE_LAB_SOLUTIONS, else "
                        "./solutions of the current folder)")
    p.add_argument("--dest", type=Path, default=None,
                   help="folder to write the exercises to (default: exercises/ beside the "
                        "source folder)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if the exercises differ from what would be written")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate (or with ``--check`` compare) the exercises."""
    # grading (nbformat, kernels) loads here, not at import: `eie-lab --help` stays fast
    from eie_lab.grading.assign import assign_all, project_dirs, stale_exercises

    source, dest = project_dirs(args.source, args.dest)
    if args.check:
        stale = stale_exercises(source, dest)
        for name in stale:
            print(f"out of date: {name}")
        if stale:
            print("run `eie-lab assign` to regenerate the exercises")
        return 1 if stale else 0
    for path in assign_all(source, dest):
        print(f"wrote {path}")
    return 0
