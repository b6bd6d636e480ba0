"""The ``eie-lab`` command line.

Each sub-command lives in its own module under :mod:`eie_lab.commands` and defines
``register(subparsers)``, which adds an :mod:`argparse` parser whose ``func`` default takes the
parsed arguments and returns an exit code. This module only discovers and dispatches them, so
adding a command never touches this file.

Errors the package raises on bad input (:class:`~eie_lab.errors.EieLabError`) are printed as one
clear message and exit with status 2 instead of a traceback.

Examples (shell)::

    eie-lab --help
    eie-lab simulate Alex-7 --n-pe 64 --fifo-depth 8
    eie-lab reproduce --quick --out repro/
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from eie_lab import __version__
from eie_lab.errors import EieLabError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every sub-command in :mod:`eie_lab.commands`.

    Returns
    -------
    argparse.ArgumentParser
        Parsed arguments carry ``command`` and ``func`` (the sub-command's ``run``).

    Examples
    --------
    >>> args = build_parser().parse_args(["simulate", "NT-We", "--n-pe", "4"])
    >>> args.command, args.layer, args.n_pe, args.fifo_depth
    ('simulate', 'NT-We', 4, 8)
    """
    import eie_lab.commands as commands

    parser = argparse.ArgumentParser(
        prog="eie-lab",
        description="Deep Compression and the EIE accelerator: compress, simulate, reproduce, grade.",
    )
    parser.add_argument("--version", action="version", version=f"eie-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"eie_lab.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``eie-lab`` command; returns the process exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The sub-command's code; 1 when no command is given (help is printed), 2 for bad input
        (an :class:`~eie_lab.errors.EieLabError`, printed to stderr), 130 on Ctrl-C.

    Examples
    --------
    >>> main(["simulate", "no-such-layer"])  # the error message goes to stderr
    2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except EieLabError as exc:
        print(f"eie-lab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
