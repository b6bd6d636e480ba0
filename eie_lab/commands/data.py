"""``eie-lab data``: get MNIST and show where the lab looks for it.

``eie-lab data mnist [--dest DIR]`` prints the folder holding MNIST, downloading the four files
(checksummed, atomic) first when they are not found or when ``--dest`` names a folder that lacks
them. ``eie-lab data where`` prints the lookup order and what each folder holds; it never
downloads.

Examples (shell)::

    eie-lab data where
    eie-lab data mnist --dest ~/datasets/mnist
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from eie_lab.cache import cache_dir
from eie_lab.errors import DataError

__all__ = ["register", "run_mnist", "run_where", "describe_lookup", "HELP"]

HELP = "get MNIST (download or locate) and show where it is"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``data mnist`` and ``data where`` to the ``eie-lab`` parser."""
    p = subparsers.add_parser("data", help=HELP,
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="data_command", metavar="{mnist,where}")
    m = sub.add_parser("mnist", help="locate MNIST, downloading it if needed; print the folder")
    m.add_argument("--dest", type=Path, default=None, metavar="DIR",
                   help=f"download into DIR (default: {cache_dir(create=False) / 'mnist'})")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    m.set_defaults(func=run_mnist)
    w = sub.add_parser("where", help="print the MNIST lookup order and what was found")
    w.set_defaults(func=run_where)
    p.set_defaults(func=lambda args: (p.print_help(), 1)[1])


def run_mnist(args: argparse.Namespace) -> int:
    """Print the MNIST folder, downloading first when needed."""
    from eie_lab.data import mnist  # numpy-based: loaded by the command, not by --help

    progress = False if getattr(args, "quiet", False) else None
    if args.dest is None:
        found = mnist.locate_mnist()
        if found is not None:
            print(f"MNIST found in {found}")
            return 0
        folder = mnist.download_mnist(progress=progress)
    else:
        folder = mnist.download_mnist(args.dest, progress=progress)
    print(f"MNIST is in {folder}")
    if args.dest is not None and mnist.locate_mnist() != folder.expanduser():
        print(f"to use it, set EIE_LAB_DATA={folder.expanduser().resolve()}")
    return 0


def describe_lookup() -> list[tuple[Path, str]]:
    """Each folder :func:`~eie_lab.data.mnist.locate_mnist` checks, with what it holds.

    Returns
    -------
    list of (Path, str)
        In lookup order; the state is ``"missing"``, ``"k of 4 files"``, ``"complete,
        SHA-256 ok"`` (the published files) or ``"complete, not the published files: ..."``
        (the first file that fails :func:`~eie_lab.data.mnist.verify_mnist_file`, and why).

    Examples
    --------
    >>> from eie_lab.commands.data import describe_lookup
    >>> all(isinstance(state, str) for _, state in describe_lookup())
    True
    """
    from eie_lab.data import mnist  # numpy-based: loaded by the command, not by --help

    rows = []
    for folder in mnist.mnist_search_paths():
        if not folder.is_dir():
            rows.append((folder, "missing"))
            continue
        files = mnist.find_mnist_files(folder)
        have = sum(p is not None for p in files.values())
        if have < len(files):
            rows.append((folder, f"{have} of {len(files)} files"))
            continue
        try:
            for path in files.values():
                mnist.verify_mnist_file(path)  # type: ignore[arg-type]
            rows.append((folder, "complete, SHA-256 ok"))
        except DataError as exc:
            rule = str(exc).splitlines()[0].split(" is invalid: ", 1)[-1]
            rows.append((folder, f"complete, not the published files: {path.name} {rule}"))
    return rows


def run_where(args: argparse.Namespace) -> int:
    """Print the lookup order and the folder in use (exit 0 when found, 1 when not)."""
    from eie_lab.data import mnist  # numpy-based: loaded by the command, not by --help

    env = os.environ.get("EIE_LAB_DATA")
    print(f"EIE_LAB_DATA = {env!r}" if env else "EIE_LAB_DATA is not set")
    print("MNIST lookup order (first complete folder wins):")
    for i, (folder, state) in enumerate(describe_lookup(), start=1):
        print(f"  {i}. {folder}  [{state}]")
    found = mnist.locate_mnist()
    if found is None:
        print("MNIST not found.\nhelp: " + mnist.how_to_get_mnist())
        return 1
    print(f"using: {found}")
    return 0
