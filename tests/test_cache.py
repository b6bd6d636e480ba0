"""eie_lab.cache: the cache folder, atomic writes and the writability check before long runs.

Each fault is fed for real where the machine allows (a killed writer, concurrent writers, a
symbolic link, a device, a pipe, a file where a folder should be) and simulated where it does not
(a full disk, a read-only folder when the tests run as root); each test also checks that no other
file was lost or changed.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import platformdirs
import pytest

from eie_lab import cache
from eie_lab.cache import atomic_write, atomic_write_bytes, cache_dir, check_writable
from eie_lab.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# ---------------------------------------------------------------- the cache folder

def test_cache_dir_follows_platformdirs_and_the_override(monkeypatch, tmp_path):
    monkeypatch.delenv("EIE_LAB_CACHE", raising=False)
    assert cache_dir(create=False) == platformdirs.user_cache_path("eie-lab", appauthor=False)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache_dir(create=False) == tmp_path / "xdg" / "eie-lab"
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine" and (tmp_path / "mine").is_dir()


def test_cache_pointing_at_a_file_is_a_clear_error(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("keep me")
    monkeypatch.setenv("EIE_LAB_CACHE", str(blocker))
    with pytest.raises(ConfigError) as info:
        cache_dir()
    msg = str(info.value)
    assert msg.startswith("EIE_LAB_CACHE=") and "is a file, not a folder" in msg
    assert "help: point EIE_LAB_CACHE at a folder" in msg
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        check_writable(cache_dir(create=False), "EIE_LAB_CACHE", folder=True)
    monkeypatch.setenv("EIE_LAB_CACHE", str(blocker / "sub"))  # a file in the middle
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        cache_dir()
    assert blocker.read_text() == "keep me"


# ---------------------------------------------------------------- permissions and umask

@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_new_files_honour_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = atomic_write_bytes(tmp_path / "out.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_replacing_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "run.sh"
    path.write_bytes(b"old")
    os.chmod(path, 0o751)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o751


# ---------------------------------------------------------------- only regular files are replaced

def test_symlink_is_refused_and_left_alone(tmp_path):
    real = tmp_path / "real.npz"
    real.write_bytes(b"precious")
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    with pytest.raises(ConfigError) as info:
        atomic_write_bytes(link, b"new")
    msg = str(info.value)
    assert "symbolic link" in msg and "help:" in msg and str(real) in msg
    assert link.is_symlink() and real.read_bytes() == b"precious"
    assert _parts(tmp_path) == []


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_device_is_refused():
    before = os.stat("/dev/null")
    with pytest.raises(ConfigError, match="is a device, not a regular file"):
        atomic_write_bytes("/dev/null", b"x")
    with pytest.raises(ConfigError, match="is a device"):
        check_writable("/dev/null", "--out")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_pipe_and_folder_are_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="is a pipe or socket"):
        atomic_write_bytes(fifo, b"x")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "inside.txt").write_text("kept")
    with pytest.raises(ConfigError, match="is a folder, not a regular file"):
        atomic_write_bytes(tmp_path / "folder", b"x")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert (tmp_path / "folder" / "inside.txt").read_text() == "kept"


# ---------------------------------------------------------------- interrupted and killed writers

WRITER = textwrap.dedent("""
    import sys, time
    from eie_lab.cache import atomic_write
    with atomic_write(sys.argv[1]) as fh:
        fh.write(b"half")
        fh.flush()
        print("writing", flush=True)
        time.sleep(60)
""")


@pytest.mark.skipif(os.name != "posix", reason="needs SIGTERM")
def test_part_left_by_sigterm_is_cleaned_by_the_next_write(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"v1")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.readline().strip() == b"writing"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    left = _parts(tmp_path)
    assert len(left) == 1 and left[0].startswith(f".model.npz.{proc.pid}.")  # what SIGTERM leaves
    assert target.read_bytes() == b"v1"  # the old file is intact
    atomic_write_bytes(tmp_path / "other.bin", b"o")  # the next write into the folder cleans it
    assert _parts(tmp_path) == []
    assert target.read_bytes() == b"v1" and (tmp_path / "other.bin").read_bytes() == b"o"


def test_clean_keeps_live_writers_and_removes_old_parts(tmp_path):
    live = tmp_path / f".a.bin.{os.getpid()}.abcd1234.part"  # this process: alive
    live.write_bytes(b"busy")
    old = tmp_path / ".b.bin.zzzz9999.part"  # no pid (older naming): age decides
    old.write_bytes(b"old")
    week = time.time() - 7 * 24 * 3600
    os.utime(old, (week, week))
    fresh = tmp_path / ".c.bin.yyyy8888.part"
    fresh.write_bytes(b"new")
    other = tmp_path / "report.part"  # not ours
    other.write_bytes(b"x")
    removed = cache.clean_stale_parts(tmp_path)
    assert [p.name for p in removed] == [old.name]
    assert live.exists() and fresh.exists() and other.exists()


def test_interrupted_body_leaves_old_content(tmp_path):
    target = atomic_write_bytes(tmp_path / "x.bin", b"v1")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as fh:
        fh.write(b"partial")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"v1" and _parts(tmp_path) == []


def test_a_network_error_in_the_body_is_not_turned_into_a_write_error(tmp_path):
    with pytest.raises(ConnectionResetError), atomic_write(tmp_path / "dl.gz") as fh:
        fh.write(b"abc")
        raise ConnectionResetError(errno.ECONNRESET, "reset by peer")
    assert list(tmp_path.iterdir()) == []


CONTENDER = textwrap.dedent("""
    import sys
    from eie_lab.cache import atomic_write_bytes
    target, tag = sys.argv[1], sys.argv[2]
    for i in range(25):
        atomic_write_bytes(target, (f"{tag}:{i}:".encode() + bytes(range(256)) * 64))
""")


def test_concurrent_writers_never_leave_a_mixed_or_partial_file(tmp_path):
    target = tmp_path / "shared.bin"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", CONTENDER, str(target), f"w{k}"], env=env)
             for k in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    data = target.read_bytes()
    tag, i, rest = data.split(b":", 2)
    assert tag in {b"w0", b"w1", b"w2", b"w3"} and rest == bytes(range(256)) * 64
    assert _parts(tmp_path) == []


# ---------------------------------------------------------------- full disk, read-only folder

def test_full_disk_is_a_clear_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = atomic_write_bytes(tmp_path / "model.npz", b"v1")
    keep = atomic_write_bytes(tmp_path / "other.npz", b"other")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(ConfigError) as info:
        atomic_write_bytes(target, b"v2" * 1000)
    msg = str(info.value)
    assert "No space left on device" in msg and "unchanged" in msg and "help:" in msg
    with pytest.raises(ConfigError, match="cannot be written .No space left"):
        check_writable(tmp_path / "new.npz", "--out")
    monkeypatch.undo()
    assert target.read_bytes() == b"v1" and keep.read_bytes() == b"other"
    assert _parts(tmp_path) == []


def test_not_enough_free_space_is_caught_up_front(tmp_path):
    with pytest.raises(ConfigError, match=r"MB free; the output needs about"):
        check_writable(tmp_path / "huge.npz", "--out", need_bytes=1 << 62)
    assert check_writable(tmp_path / "small.npz", "--out", need_bytes=1) == tmp_path / "small.npz"
    assert list(tmp_path.iterdir()) == []  # the probe is gone


def test_read_only_folder_is_caught_up_front(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "old.npz").write_bytes(b"old")
    if os.geteuid() == 0:  # root writes through mode bits: simulate a read-only mount instead
        real_mkstemp = cache.tempfile.mkstemp

        def read_only(*args, **kwargs):
            if Path(kwargs.get("dir", "")) == folder:
                raise OSError(errno.EROFS, "Read-only file system")
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(cache.tempfile, "mkstemp", read_only)
    else:
        folder.chmod(0o500)
    try:
        with pytest.raises(ConfigError) as info:
            check_writable(folder / "model.npz", "--out")
        msg = str(info.value)
        assert msg.startswith("--out=") and "cannot be written" in msg and "help:" in msg
        with pytest.raises(ConfigError, match="could not be written"):
            atomic_write_bytes(folder / "model.npz", b"x")
    finally:
        folder.chmod(0o700)
    assert sorted(p.name for p in folder.iterdir()) == ["old.npz"]


def test_writable_cache_dir_names_the_variable(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "file"))
    with pytest.raises(ConfigError, match=r"^EIE_LAB_CACHE=.*is a file, not a folder"):
        cache.writable_cache_dir()
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "fresh"))
    assert cache.writable_cache_dir() == tmp_path / "fresh" and list((tmp_path / "fresh").iterdir()) == []
