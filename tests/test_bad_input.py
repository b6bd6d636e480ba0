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

from eie_lab.cli import main


@pytest.fixture
def no_long_work(monkeypatch):
    """Fail the test if the compression pipeline starts."""
    def tripwire(*args, **kwargs):
        raise AssertionError("the pipeline started before the input was checked")

    monkeypatch.setattr("eie_lab.compression.pipeline.deep_compress", tripwire)


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


# ---------------------------------------------------------------- compress --keep

@pytest.mark.parametrize("keep, part", [
    ("IP1=0.5", "names no layer 'IP1'"), ("ip9=0.5", "names no layer 'ip9'"),
    ("=0.5", "with no layer name"), ("ip1", "not NAME=FRACTION"), ("ip1=2", "in (0, 1]"),
    ("ip1=nan", "in (0, 1]"), ("ip1=inf", "in (0, 1]"), ("ip1=0", "in (0, 1]"),
    ("ip1=x", "not a number"), ("ip1=0.1,ip1=0.2", "names 'ip1' twice"), ("", "names no layer"),
    (",", "names no layer"),
])
def test_compress_keep_rejects_unknown_or_bad_parts(no_long_work, capsys, tmp_path, keep, part):
    out = tmp_path / "m.npz"
    assert main(["compress", "lenet300", "--out", str(out), "--keep", keep]) == 2
    err = _error(capsys)
    assert f"--keep={keep!r} is invalid" in err and part in err
    assert "(the layers are ip1, ip2, ip3)" in err and "help: e.g. --keep ip1=0.08" in err
    assert not out.exists()


def test_compress_keep_accepts_the_layers(monkeypatch, tmp_path):
    from eie_lab.commands.compress import _config, parse_keep

    assert parse_keep(" ip1=0.1 , ip3=1 ,", ("ip1", "ip2", "ip3")) == {"ip1": 0.1, "ip3": 1.0}
    args = build_args(["compress", "lenet300", "--out", str(tmp_path / "m.npz"),
                       "--keep", "ip2=0.2", "--preset", "paper"])
    cfg = _config(args)
    assert dict(cfg.keep) == {"ip1": 0.08, "ip2": 0.2, "ip3": 0.26}


def build_args(argv):
    from eie_lab.cli import build_parser

    return build_parser(argv).parse_args(argv)


# ---------------------------------------------------------------- every number is checked

@pytest.mark.parametrize("argv, message", [
    (["simulate", "NT-We", "--seed", "-1"], "--seed=-1 is invalid: must be an integer >= 0"),
    (["compress", "lenet300", "--out", "m.npz", "--seed", "-1"], "--seed=-1 is invalid"),
    (["reproduce", "--seed", "-1"], "--seed=-1 is invalid"),
    (["simulate", "NT-We", "--n-pe", "0"], "--n-pe=0 is invalid: must be an integer >= 1"),
    (["simulate", "NT-We", "--n-pe", "1.5"], "--n-pe='1.5' is invalid"),
    (["simulate", "NT-We", "--fifo-depth", "0"], "--fifo-depth=0 is invalid"),
    (["simulate", "NT-We", "--fifo-depth", "-3"], "--fifo-depth=-3 is invalid"),
    (["compress", "lenet300", "--out", "m.npz", "--epochs", "0"], "--epochs=0 is invalid"),
    (["compress", "lenet300", "--out", "m.npz", "--weight-bits", "17"],
     "--weight-bits=17 is invalid: must be an integer in 1..16"),
    (["compress", "lenet300", "--out", "m.npz", "--index-bits", "0"], "--index-bits=0 is invalid"),
    (["compress", "lenet300", "--out", "m.npz", "--prune-steps", "0"], "--prune-steps=0"),
    (["compress", "lenet300", "--out", "m.npz", "--retrain-epochs", "-1"], "--retrain-epochs=-1"),
    (["compress", "lenet300", "--out", "m.npz", "--finetune-epochs", "-1"], "--finetune-epochs"),
    (["compress", "lenet300", "--out", "m.npz", "--n-train", "0"], "--n-train=0 is invalid"),
])
def test_bad_numbers_are_usage_errors(no_long_work, capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "help:" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_too_many_training_images(no_long_work, capsys, tmp_path):
    assert main(["compress", "lenet300", "--out", str(tmp_path / "m.npz"), "--n-train",
                 "60001"]) == 2
    assert "--n-train=60001 is invalid: must be <= 60000" in _error(capsys)


# ---------------------------------------------------------------- simulate: n_pe and memory

@pytest.fixture
def no_layers(monkeypatch):
    """Fail the test if a benchmark layer is built (the first allocation of a run)."""
    import eie_lab.data.layers as layers

    def tripwire(*args, **kwargs):
        raise AssertionError("a layer was built before the input was checked")

    monkeypatch.setattr(layers, "benchmark_layer", tripwire)


@pytest.mark.parametrize("n_pe", ["4097", "100000"])
def test_simulate_n_pe_upper_bound(no_layers, capsys, n_pe):
    assert main(["simulate", "NT-We", "--n-pe", n_pe]) == 2
    err = _error(capsys)
    assert f"n_pe={n_pe} is invalid: must be <= 4096" in err and "help:" in err


def test_simulate_refuses_a_run_that_does_not_fit_in_memory(no_layers, capsys, monkeypatch):
    import eie_lab.eie.config as config

    monkeypatch.setattr(config, "available_memory", lambda: 50 << 20)  # 50 MiB free
    assert main(["simulate", "all", "--n-pe", "4096"]) == 2
    err = _error(capsys)
    assert "n_pe=4096 is invalid: a 4096 x 9216 layer with 4096 PEs (fast engine) needs about" \
        in err and "GiB of memory is available" in err and "help: use fewer PEs" in err


def test_simulate_small_run_passes_the_memory_check(capsys):
    assert main(["simulate", "NT-LSTM", "--n-pe", "8", "--json"]) == 0
    assert '"layer": "NT-LSTM"' in capsys.readouterr().out


# ---------------------------------------------------------------- reproduce --out

def test_reproduce_out_must_be_a_writable_folder(capsys, tmp_path, monkeypatch):
    import eie_lab.paper.reproduce as reproduce

    def tripwire(*args, **kwargs):
        raise AssertionError("reproduce started before --out was checked")

    monkeypatch.setattr(reproduce, "reproduce", tripwire)
    blocker = tmp_path / "out"
    blocker.write_text("a file")
    assert main(["reproduce", "--quick", "--out", str(blocker)]) == 2
    assert "--out=" in (err := _error(capsys)) and "is a file, not a folder" in err
    assert blocker.read_text() == "a file"


# ---------------------------------------------------------------- wrong types on public functions

def test_mnist_functions_name_wrong_types(tmp_path):
    from eie_lab.data import mnist
    from eie_lab.errors import DataError

    cases = [
        (lambda: mnist.read_idx(None), "path=None"),
        (lambda: mnist.read_idx(123), "path=123"),
        (lambda: mnist.verify_mnist_file(["x"]), "path=['x']"),
        (lambda: mnist.find_mnist_files(3.5), "folder=3.5"),
        (lambda: mnist.load_mnist(["train"]), "split=['train']"),
        (lambda: mnist.load_mnist("train", data_dir=42), "data_dir=42"),
        (lambda: mnist.download_mnist(tmp_path, mirrors="http://x/"), "mirrors='http://x/'"),
        (lambda: mnist.download_mnist(tmp_path, mirrors=[], timeout=float("nan")), "timeout=nan"),
        (lambda: mnist.download_mnist(tmp_path, mirrors=[], timeout=0), "timeout=0"),
        (lambda: mnist.download_mnist(b"bytes"), "dest=b'bytes'"),
    ]
    for call, start in cases:
        with pytest.raises(DataError) as info:
            call()
        assert str(info.value).startswith(start) and "help:" in str(info.value), start
    assert list(tmp_path.iterdir()) == []


def test_cache_functions_name_wrong_types(tmp_path):
    from eie_lab.cache import atomic_write_bytes, check_writable
    from eie_lab.errors import ConfigError

    for call, start in [(lambda: atomic_write_bytes(None, b"x"), "path=None"),
                        (lambda: atomic_write_bytes("", b"x"), "path=''"),
                        (lambda: check_writable(7, "--out"), "--out=7")]:
        with pytest.raises(ConfigError) as info:
            call()
        assert str(info.value).startswith(start) and "help:" in str(info.value)
