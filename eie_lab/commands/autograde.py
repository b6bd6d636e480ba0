"""``eie-lab autograde``: grade submitted notebooks into a CSV gradebook and feedback pages.

Examples (shell)::

    eie-lab autograde inbox/*.ipynb --assignment ex01 --out grades.csv --feedback feedback/
    eie-lab autograde submitted/ --assignment ex03_huffman --timeout 60 --jobs 4
    eie-lab autograde submitted/ --assignment ex01 --shard 2/4 --out shard2.csv
    eie-lab autograde merge shard1.csv shard2.csv shard3.csv shard4.csv --out grades.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eie_lab.cli import count, number
from eie_lab.errors import GradingError, fail_message

_TIMEOUT = number("--timeout", 0.0, 86400.0, low_open=True,
                  fix="give the seconds each cell may run, e.g. --timeout 30")
_JOBS = count("--jobs", 1, 64, fix="give the number of sandboxes at a time, e.g. --jobs 4")
_MEMORY = number("--memory", 0.5, 1024.0, fix="give GiB per sandbox, e.g. --memory 4")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``autograde`` sub-command."""
    p = subparsers.add_parser(
        "autograde", help="grade submitted notebooks (CSV gradebook, feedback pages)",
        description="Restore locked and hidden test cells from the solution notebook, run each "
                    "submission in a sandbox of its own with a per-cell time limit (in parallel), "
                    "and score it in the grader's process: each test calls the student's "
                    "function on grader-chosen inputs and the answers are judged here. "
                    "`eie-lab autograde merge A.csv B.csv --out all.csv` joins shards.")
    p.add_argument("submissions", nargs="+", type=Path,
                   help="submitted .ipynb files, or folders searched for <assignment>.ipynb "
                        "(nbgrader's submitted/<student>/<assignment>/ layout) or any .ipynb; "
                        "or `merge` followed by shard gradebooks")
    p.add_argument("--assignment", default=None, help="e.g. ex01 or ex01_pruning")
    p.add_argument("--source", type=Path, default=None,
                   help="folder of solution notebooks (default: ./solutions)")
    p.add_argument("--out", type=Path, default=Path("gradebook.csv"),
                   help="CSV gradebook to append to; a journal lies next to it and a rerun "
                        "resumes (default: gradebook.csv)")
    p.add_argument("--feedback", type=Path, default=None, metavar="DIR",
                   help="write one feedback page per student into DIR")
    p.add_argument("--feedback-format", choices=("html", "md"), default="html")
    p.add_argument("--timeout", type=_TIMEOUT, default=30.0,
                   help="seconds per cell, > 0 (default 30)")
    p.add_argument("--jobs", type=_JOBS, default=None,
                   help="parallel sandboxes, 1..64 (default: CPUs)")
    p.add_argument("--shard", type=str, default=None, metavar="I/N",
                   help="grade only every N-th submission, starting at the I-th (1-based)")
    p.add_argument("--secret-file", type=Path, default=None,
                   help="key that seeds each student's hidden cases (default: "
                        "$EIE_LAB_GRADING_SECRET, else .eie-lab-grading-secret next to --out, "
                        "created on first use); use the same one on every shard")
    p.add_argument("--memory", type=_MEMORY, default=4.0, metavar="GIB",
                   help="address-space limit of each sandbox in GiB (default 4)")
    p.set_defaults(func=run)


def _collect(items: list[Path], assignment: str) -> tuple[list[Path], list[str]]:
    """Submissions to grade, one or more per argument, and the arguments that hold none.

    Files are taken as given (a missing or broken file, or a folder named ``*.ipynb``, is
    graded as unreadable, not skipped); other folders are searched for ``<assignment>.ipynb``
    (nbgrader's ``submitted/<student>/<assignment>/`` layout), or for every notebook if none has
    that name. A folder that holds no notebook gets a row of its own too.
    """
    found: list[Path] = []
    empty: list[str] = []
    for item in items:
        if item.is_dir() and item.suffix != ".ipynb":
            nbs = sorted(p for p in item.rglob("*.ipynb")
                         if ".ipynb_checkpoints" not in p.parts and p.is_file())
            named = [p for p in nbs if p.name == f"{assignment}.ipynb"]
            if named or nbs:
                found += named or nbs
                continue
            empty.append(str(item))
        found.append(item)
    return found, empty


def _merge(args: argparse.Namespace) -> int:
    # grading (nbformat, kernels) loads here, not at import: `eie-lab --help` stays fast
    from eie_lab.grading.gradebook import merge

    books = [p for p in args.submissions[1:]]
    if not books:
        raise GradingError(fail_message("merge", [], "needs the shards' gradebooks",
                                        "eie-lab autograde merge shard1.csv shard2.csv --out "
                                        "grades.csv"))
    if any(Path(b).resolve() == args.out.resolve() for b in books):
        raise GradingError(fail_message("--out", str(args.out), "is one of the shards",
                                        "merge into a new file"))
    results = merge(books, args.out)
    print(f"merged {len(results)} submissions from {len(books)} gradebooks into {args.out}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Grade, append to the gradebook (and write feedback), print a summary table."""
    # grading (nbformat, kernels) loads here, not at import: `eie-lab --help` stays fast
    from eie_lab.grading.assign import find_source
    from eie_lab.grading.autograde import autograde, load_secret, parse_shard
    from eie_lab.grading.feedback import write_feedback

    if args.submissions[0] == Path("merge") and not Path("merge").exists():
        return _merge(args)
    if args.assignment is None:
        raise GradingError(fail_message("--assignment", None, "is required",
                                        "e.g. --assignment ex01_pruning"))
    shard = parse_shard(args.shard) if args.shard else None
    source = find_source(args.assignment, args.source)
    out = args.out
    if out.exists() and not out.is_file():
        raise GradingError(fail_message("--out", str(out), "is not a regular file",
                                        "pass a path for the CSV gradebook"))
    secret = load_secret(args.secret_file or out.parent / ".eie-lab-grading-secret")
    paths, empty = _collect(args.submissions, source.stem)
    hide = [args.feedback] if args.feedback else []
    results = autograde(paths, source, jobs=args.jobs, timeout=args.timeout, out=out,
                        shard=shard, secret=secret, memory_bytes=int(args.memory * 2**30),
                        hide=hide)
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
    level = {r.sandbox for r in results if r.sandbox} or {"none"}
    print(f"gradebook: {out}" + (f"; feedback: {args.feedback}" if args.feedback else "")
          + f"; sandbox: {', '.join(sorted(level))}")
    for item in empty:
        print(f"error: {item} holds no notebook (it has a row with status 'error')",
              file=sys.stderr)
    return 2 if empty else 0
