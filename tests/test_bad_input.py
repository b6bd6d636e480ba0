"""Bad input on the command line: a clear one-message error (exit 2) before any long work.

Each case feeds the bad value and checks the message names the value, the rule and the fix, that
nothing long started (the pipeline and the simulator are replaced by tripwires), and that no file
was written or lost.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import eie_lab.compression.pipeline as pipeline
from eie_lab.cli import main


@pytest.fixture
def no_long_work(monkeypatch):
    """Fail the test if the compression pipeline starts."""
    def tripwire(*args, **kwargs):
        raise AssertionError("the pipeline started before the input was checked")

    monkeypatch.setattr(pipeline, "deep_compress", tripwire)


def _error(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_compress_refuses_a_device_as_out(no_long_work, capsys):
    assert main(["compress", "lenet300", "--out", "/dev/null"]) == 2
    err = _error(capsys)
    assert "--out='/dev/null' is invalid: is a device" in err and "help:" in err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_compress_refuses_a_symlink_as_out(no_long_work, capsys, tmp_path):
    real = tmp_path / "real.npz"
    real.write_bytes(b"keep")
    (tmp_path / "link.npz").symlink_to(real)
    assert main(["compress", "lenet300", "--out", str(tmp_path / "link.npz")]) == 2
    assert "symbolic link" in _error(capsys)
    assert real.read_bytes() == b"keep" and (tmp_path / "link.npz").is_symlink()


def test_compress_checks_the_cache_before_training(no_long_work, capsys, tmp_path, monkeypatch):
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EIE_LAB_CACHE", str(blocker))
    assert main(["compress", "lenet300", "--out", str(tmp_path / "m.npz")]) == 2
    err = _error(capsys)
    assert "EIE_LAB_CACHE=" in err and "is a file, not a folder" in err and "help:" in err
    assert blocker.read_text() == "not a folder" and not (tmp_path / "m.npz").exists()
