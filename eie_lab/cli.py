"""The ``eie-lab`` command line.

Each sub-command lives in its own module under :mod:`eie_lab.commands` and defines
``register(subparsers)``, which adds an :mod:`argparse` parser whose ``func`` default takes the
parsed arguments and returns an exit code. This module only discovers and dispatches them, so
adding a command never touches this file.

Commands are imported lazily: ``eie-lab --help`` reads each command's one-line summary from its
source (a module-level ``HELP = "..."``, else the first line of its docstring) without importing
it, and ``eie-lab COMMAND ...`` imports that command's module only. A command module keeps its
heavy imports (numpy-based simulators, notebooks, plotting) inside its ``run`` function, so
``eie-lab COMMAND --help`` stays fast too.

Errors the package raises on bad input (:class:`~eie_lab.errors.EieLabError`) are printed as one
clear message and exit with status 2 instead of a traceback; Ctrl-C at any point (start-up
included) prints one line and exits with 130. :func:`count` and :func:`number` are the
``argparse`` types that check a number's range with the same kind of message.

Examples (shell)::

    eie-lab --help
    eie-lab simulate Alex-7 --n-pe 64 --fifo-depth 8
    eie-lab reproduce --quick --out repro/
"""

from __future__ import annotations

import argparse
import ast
import importlib
import math
import pkgutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from eie_lab import __version__
from eie_lab.errors import EieLabError, fail_message

__all__ = ["main", "build_parser", "count", "number", "command_names", "command_summary"]

_COMMANDS = "eie_lab.commands"
_DESCRIPTION = "Deep Compression and the EIE accelerator: compress, simulate, reproduce, grade."


def count(name: str, low: int = 0, high: int | None = None, fix: str | None = None
          ) -> Callable[[str], int]:
    """An ``argparse`` type: an integer in ``low..high`` (e.g. a seed, a depth, a number of PEs).

    Parameters
    ----------
    name : str
        The option, as the message should name it (``"--seed"``).
    low, high : int
        Inclusive bounds (``high=None``: no upper bound).
    fix : str, optional
        The ``help:`` line (default: a sentence giving the range).

    Returns
    -------
    callable
        ``str -> int``; raises :class:`argparse.ArgumentTypeError` with a message naming the
        value, the rule and the fix.

    Examples
    --------
    >>> seed = count("--seed", 0, fix="use --seed 0 (any integer >= 0)")
    >>> seed("7")
    7
    >>> try:
    ...     seed("-1")
    ... except argparse.ArgumentTypeError as exc:
    ...     print(exc)
    --seed=-1 is invalid: must be an integer >= 0
    help: use --seed 0 (any integer >= 0)
    """
    rule = f"must be an integer >= {low}" if high is None else f"must be an integer in {low}..{high}"
    fix = fix or f"give {name} a whole number " + (f">= {low}" if high is None else
                                                   f"from {low} to {high}")

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except (ValueError, AttributeError):
            raise argparse.ArgumentTypeError(fail_message(name, text, rule, fix)) from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(fail_message(name, value, rule, fix))
        return value

    parse.__name__ = name  # argparse names the type in its own messages
    return parse


def number(name: str, low: float = 0.0, high: float = math.inf, *, low_open: bool = False,
           fix: str | None = None) -> Callable[[str], float]:
    """An ``argparse`` type: a finite number in ``[low, high]`` (``(low, high]`` if ``low_open``).

    NaN and infinities are refused (``float("inf")`` would otherwise slip through ``>=`` checks).

    Examples
    --------
    >>> frac = number("--keep", 0.0, 1.0, low_open=True)
    >>> frac("0.25")
    0.25
    >>> try:
    ...     frac("nan")
    ... except argparse.ArgumentTypeError as exc:
    ...     print(str(exc).splitlines()[0])
    --keep='nan' is invalid: must be a finite number in (0.0, 1.0]
    """
    rule = f"must be a finite number in {'(' if low_open else '['}{low}, {high}]"
    fix = fix or f"give {name} a number in that range"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except (ValueError, TypeError):
            raise argparse.ArgumentTypeError(fail_message(name, text, rule, fix)) from None
        if not math.isfinite(value) or value < low or value > high or (low_open and value == low):
            raise argparse.ArgumentTypeError(fail_message(name, text, rule, fix))
        return value

    parse.__name__ = name
    return parse


def command_names() -> list[str]:
    """The sub-commands, one per public module of :mod:`eie_lab.commands` (nothing imported).

    Examples
    --------
    >>> "simulate" in command_names() and "compress" in command_names()
    True
    """
    package = importlib.import_module(_COMMANDS)  # its __init__ holds only a docstring
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                  if not m.name.startswith("_"))


def command_summary(name: str) -> str:
    """The one-line help of command ``name``, read from its source without importing it.

    A module-level string ``HELP`` wins; else the first line of the module docstring, without
    its leading ``eie-lab NAME``: label.

    Examples
    --------
    >>> command_summary("simulate")
    'simulate an EIE benchmark layer: cycles, time, load efficiency, energy'
    """
    package = importlib.import_module(_COMMANDS)
    path = Path(package.__path__[0]) / f"{name}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "HELP"
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    doc = (ast.get_docstring(tree) or name).strip().splitlines()[0]
    return doc.split(":", 1)[1].strip() if doc.startswith("``eie-lab") and ":" in doc else doc


def _chosen(argv: Sequence[str] | None) -> str | None:
    """The sub-command named in ``argv`` (the top level has no options that take a value)."""
    return next((a for a in argv if not a.startswith("-")), None) if argv is not None else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser with every sub-command in :mod:`eie_lab.commands`.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments about to be parsed. When given, only the command they name is imported
        (the others appear in ``--help`` by their summary); when None, every command is loaded.

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
    parser = argparse.ArgumentParser(prog="eie-lab", description=_DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"eie-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _chosen(argv)
    for name in command_names():
        if argv is None or name == chosen:
            importlib.import_module(f"{_COMMANDS}.{name}").register(sub)
        else:
            sub.add_parser(name, help=command_summary(name))
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
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _chosen(argv) or "eie-lab"
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 1
        return int(args.func(args) or 0)
    except EieLabError as exc:
        print(f"eie-lab {command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"eie-lab {command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
