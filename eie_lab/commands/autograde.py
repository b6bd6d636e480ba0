"""``eie-lab autograde``: grade submitted notebooks into a CSV gradebook and feedback pages.

Examples (shell)::

    eie-lab autograde inbox/*.ipynb --assignment ex01 --out grades.csv --feedback feedback/
    eie-lab autograde submitted/ --assignment ex03_huffman --timeout 60 --jobs 4
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eie_lab.errors import GradingError, fail_message
from eie_lab.grading.assign import find_source
from eie_lab.grading.autograde import autograde, write_gradebook
from eie_lab.grading.feedback import write_feedback


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``autograde`` sub-command."""
    p = subparsers.add_parser(
        "autograde", help="grade submitted notebooks (CSV gradebook, feedback pages)",
        description="Restore locked and hidden test cells from the solution notebook, run each "
                    "submission in a fresh kernel with a per-cell time limit (in parallel), and "
                    "score each graded cell as nbgrader does.")
    p.add_argument("submissions", nargs="+", type=Path,
                   help="submitted .ipynb files, or folders searched for <assignment>.ipynb "
                        "(nbgrader's submitted/<student>/<assignment>/ layout) or any .ipynb")
    p.add_argument("--assignment", required=True, help="e.g. ex01 or ex01_pruning")
    p.add_argument("--source", type=Path, default=None,
                   help="folder of solution notebooks (default: ./solutions)")
    p.add_argument("--out", type=Path, default=Path("gradebook.csv"),
                   help="CSV gradebook to write (default: gradebook.csv)")
    p.add_argument("--feedback", type=Path, default=None, metavar="DIR",
                   help="write one feedback page per student into DIR")
    p.add_argument("--feedback-format", choices=("html", "md"), default="html")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    p.add_argument("--jobs", type=int, default=None, help="parallel processes (default: CPUs)")
    p.set_defaults(func=run)


def _collect(items: list[Path], assignment: str) -> list[Path]:
    """Files as given; folders searched for ``<assignment>.ipynb`` (nbgrader's
    ``submitted/<student>/<assignment>/`` layout), or for every notebook if none has that name."""
    found: list[Path] = []
    for item in items:
        if item.is_dir():
            nbs = sorted(p for p in item.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            named = [p for p in nbs if p.name == f"{assignment}.ipynb"]
            found += named or nbs
        else:
            found.append(item)  # a missing or broken file is graded as unreadable, not skipped
    if not found:
        raise GradingError(fail_message("submissions", [str(i) for i in items],
                                        "contain no .ipynb files", "pass notebooks or folders"))
    return found


def run(args: argparse.Namespace) -> int:
    """Grade, write the gradebook (and feedback), print a summary table."""
    source = find_source(args.assignment, args.source)
    results = autograde(_collect(args.submissions, source.stem), source, jobs=args.jobs,
                        timeout=args.timeout)
    write_gradebook(results, args.out)
    if args.feedback:
        write_feedback(results, args.feedback, args.feedback_format)
    for r in results:
        reason = r.error or "; ".join(r.notes)
        print(f"{r.student:24s} {r.score:6g} / {r.max_score:g}  {reason}")
        if len(results) == 1:  # self-study: show each part and why it lost points
            for c in r.cells:
                print(f"  {c.grade_id:32s} {c.points:g} / {c.max_points:g}  {c.status}")
                for line in c.message.splitlines()[:6]:
                    print(f"      {line}")
    print(f"gradebook: {args.out}" + (f"; feedback: {args.feedback}" if args.feedback else ""))
    return 0
