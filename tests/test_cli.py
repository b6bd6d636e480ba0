"""The ``eie-lab`` command line: discovery, help and error handling."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eie_lab.cli import build_parser, main


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "eie-lab" in out


def test_every_command_has_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, subparser in sub.choices.items():
        assert subparser.format_help(), name


def test_no_command_prints_help(capsys):
    assert main([]) == 1
    assert "usage" in capsys.readouterr().out


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "eie_lab", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("eie-lab ")
