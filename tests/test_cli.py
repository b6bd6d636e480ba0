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


# ---------------------------------------------------------------- --help is fast (lazy imports)

# package floors and libraries that `--help` must not load (numpy itself is imported by eie_lab)
HEAVY = ("eie_lab.eie", "eie_lab.compression", "eie_lab.nn", "eie_lab.data", "eie_lab.viz",
         "eie_lab.grading", "eie_lab.paper.", "eie_lab.quantizer", "eie_lab.sparse_format",
         "matplotlib", "nbformat", "nbclient", "jupyter_client", "ipywidgets", "scipy")
PROBE = """
import sys
from eie_lab.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.startswith({heavy!r}))
print("LOADED:" + " ".join(heavy))
"""


def _loaded_by(argv: list[str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
                         capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED:"))
    assert "usage:" in out.stdout
    return line[len("LOADED:"):].split()


def _commands() -> list[str]:
    from eie_lab.cli import command_names

    return command_names()


@pytest.mark.parametrize("argv", [["--help"]] + [[name, "--help"] for name in _commands()],
                         ids=lambda a: " ".join(a))
def test_help_loads_no_heavy_module(argv):
    """Checked by what is imported, not by a stopwatch: each of these costs 0.1 s to seconds."""
    assert _loaded_by(argv) == []


def test_top_level_help_lists_every_command_without_importing_it(capsys):
    from eie_lab.cli import command_summary

    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps long lines
    for name in _commands():
        assert name in out and " ".join(command_summary(name).split()) in out
    assert command_summary("compress").startswith("Deep Compression")


def test_lazy_and_full_parsers_agree():
    lazy = build_parser(["simulate", "NT-We"]).parse_args(["simulate", "NT-We", "--n-pe", "8"])
    full = build_parser().parse_args(["simulate", "NT-We", "--n-pe", "8"])
    assert vars(lazy).keys() == vars(full).keys() and lazy.n_pe == full.n_pe == 8


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["simulat", "NT-We"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err


# ---------------------------------------------------------------- Ctrl-C

def test_ctrl_c_during_start_up_is_one_line(monkeypatch, capsys):
    import eie_lab.cli as cli

    def interrupted(name, *args):
        raise KeyboardInterrupt  # as if Ctrl-C arrived while the command's modules load

    monkeypatch.setattr(cli.importlib, "import_module", interrupted)
    assert main(["simulate", "NT-We"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "eie-lab simulate: interrupted\n" and captured.out == ""


SLOW_START = """
import importlib, sys, time
import eie_lab.cli as cli

real = importlib.import_module


def slow_import(name, *args):  # the command's modules take a while to load, as on a busy laptop
    if name.startswith("eie_lab.commands."):
        print("loading", flush=True)
        time.sleep(30)
    return real(name, *args)


importlib.import_module = slow_import
sys.exit(cli.main(["simulate", "NT-We"]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGINT")
def test_sigint_during_start_up_exits_130_with_one_line():
    """A real Ctrl-C while the command's modules load: one line, exit 130, no traceback."""
    import signal

    proc = subprocess.Popen([sys.executable, "-c", SLOW_START], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "loading\n"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == "eie-lab simulate: interrupted\n", err
