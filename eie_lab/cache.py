"""Where eie-lab keeps downloads and trained models, and how it writes files safely.

The cache folder is ``$EIE_LAB_CACHE`` if set, else the platform's user cache folder for
``eie-lab`` (from :mod:`platformdirs`: ``~/.cache/eie-lab`` or ``$XDG_CACHE_HOME/eie-lab`` on
Linux, ``~/Library/Caches/eie-lab`` on macOS, ``%LOCALAPPDATA%\\eie-lab\\Cache`` on Windows).

Every file the package writes goes through :func:`atomic_write`: a hidden temporary file
``.NAME.PID.XXXXXXXX.part`` in the same folder, then :func:`os.replace`, so an interrupted
download or save never leaves a half-written file behind. The new file gets the usual permissions
(``0666`` less the umask, or the mode of the file it replaces); anything at the path that is not a
regular file (a symbolic link, a device, a folder) is refused, never replaced. Temporary files
left by a writer that was killed (SIGTERM, SIGKILL, power loss) are removed by the next write into
the same folder (:func:`clean_stale_parts`). Before a long run, :func:`check_writable` tells
whether its output can be written at all, so a read-only folder, a full disk or an
``EIE_LAB_CACHE`` that names a file is a clear error up front, not a traceback at the end.

Examples
--------
>>> import tempfile, pathlib
>>> from eie_lab.cache import atomic_write_bytes
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_bytes(folder / "hello.bin", b"hi").read_bytes()
b'hi'
>>> sorted(p.name for p in folder.iterdir())  # no temporary file left behind
['hello.bin']
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import platformdirs

from eie_lab.errors import ConfigError, fail_message

__all__ = ["cache_dir", "writable_cache_dir", "atomic_write", "atomic_write_bytes",
           "check_writable", "clean_stale_parts", "STALE_PART_SECONDS"]

#: A temporary ``.part`` file this old is stale even if its writer's process id is alive.
STALE_PART_SECONDS = 24 * 3600
# .NAME.PID.XXXXXXXX.part (PID may be missing in files written before it was added)
_PART = re.compile(r"^\..+?(?:\.(\d+))?\.[a-z0-9_]{8}\.part$")
# OSErrors that mean "the file cannot be written here" (not, e.g., a network error in the body)
_WRITE_ERRNOS = {getattr(errno, n) for n in ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM",
                                             "EFBIG", "EIO", "ENOTDIR", "EISDIR")
                 if hasattr(errno, n)}


def _as_path(name: str, value: object) -> Path:
    """``value`` as a Path; a clear ConfigError for anything that is not path-like."""
    if not isinstance(value, str | os.PathLike) or str(value) == "":
        raise ConfigError(fail_message(name, value, "must be a non-empty path (str or "
                                       "pathlib.Path)", "e.g. 'results/model.npz'"))
    return Path(value)


def _not_a_folder(name: str, path: Path) -> ConfigError:
    fix = ("point EIE_LAB_CACHE at a folder, or unset it to use the default cache folder"
           if name == "EIE_LAB_CACHE" else "choose a folder path")
    return ConfigError(fail_message(name, str(path), "is a file, not a folder", fix))


def _make_dir(path: Path, name: str) -> Path:
    """``mkdir -p`` with clear errors (a file in the way, no permission, read-only disk)."""
    if path.exists() and not path.is_dir():
        raise _not_a_folder(name, path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise _not_a_folder(name, Path(exc.filename or path)) from exc
    except OSError as exc:
        raise ConfigError(fail_message(name, str(path), f"cannot be created ({exc.strerror or exc})",
                                       "choose a folder you can write to")) from exc
    return path


def cache_dir(create: bool = True) -> Path:
    """Return the eie-lab cache folder (created unless ``create=False``).

    Raises
    ------
    ConfigError
        With ``create=True``, when the folder cannot be created (e.g. ``EIE_LAB_CACHE`` names a
        file, or a read-only place).

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_CACHE": "/tmp/eie-lab-demo"}):
    ...     str(cache_dir(create=False))
    '/tmp/eie-lab-demo'
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_CACHE": ""}):
    ...     cache_dir(create=False).name in ("eie-lab", "Cache")
    True
    """
    env = os.environ.get("EIE_LAB_CACHE", "").strip()
    if env:
        path = Path(env).expanduser()
    else:
        path = platformdirs.user_cache_path("eie-lab", appauthor=False)
    if create:
        _make_dir(path, "EIE_LAB_CACHE" if env else "cache folder")
    return path


def writable_cache_dir() -> Path:
    """The cache folder, created and checked with :func:`check_writable` (before a long run).

    Raises
    ------
    ConfigError
        Naming ``EIE_LAB_CACHE`` (when set) or the default cache folder, what is wrong and the fix.

    Examples
    --------
    >>> import os, tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"EIE_LAB_CACHE": tmp}):
    ...     writable_cache_dir() == Path(tmp)
    True
    """
    name = "EIE_LAB_CACHE" if os.environ.get("EIE_LAB_CACHE", "").strip() else "cache folder"
    return check_writable(cache_dir(create=False), name, folder=True)


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status", encoding="ascii") as fh:
            return int(next(line for line in fh if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)  # no /proc: set and restore (the only portable way to read it)
    os.umask(mask)
    return mask


def _refuse_non_regular(target: Path, name: str = "path") -> os.stat_result | None:
    """The ``lstat`` of ``target`` (None if absent); raise unless it is a regular file."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(fail_message(name, str(target), f"cannot be examined ({exc.strerror})",
                                       "choose another path")) from exc
    if stat.S_ISLNK(st.st_mode):
        raise ConfigError(fail_message(
            name, str(target), "is a symbolic link; eie-lab replaces only regular files",
            f"write to the file it points to ({os.path.realpath(target)}) or remove the link"))
    if not stat.S_ISREG(st.st_mode):
        kind = ("a folder" if stat.S_ISDIR(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a pipe or socket")
        raise ConfigError(fail_message(name, str(target),
                                       f"is {kind}, not a regular file; eie-lab will not replace it",
                                       "choose a file path (e.g. model.npz)"))
    return st


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # no safe probe: the age rule alone decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def clean_stale_parts(folder: str | os.PathLike[str], max_age: float = STALE_PART_SECONDS
                      ) -> list[Path]:
    """Delete temporary ``.part`` files left in ``folder`` by writers that died.

    A file named like :func:`atomic_write`'s temporaries (``.NAME.PID.XXXXXXXX.part``) is stale
    when its writer's process no longer exists, or when it is older than ``max_age`` seconds.
    Files of live writers (another process or thread writing right now) are left alone.

    Returns
    -------
    list of pathlib.Path
        The files removed.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / ".model.npz.999999999.abcd1234.part").write_bytes(b"half")  # dead writer
    >>> _ = (folder / "notes.part").write_bytes(b"not ours")
    >>> [p.name for p in clean_stale_parts(folder)], sorted(p.name for p in folder.iterdir())
    (['.model.npz.999999999.abcd1234.part'], ['notes.part'])
    """
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PART.match(entry.name)
        if not match:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        dead = match.group(1) is not None and not _alive(int(match.group(1)))
        if dead or now - st.st_mtime > max_age:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _write_failed(target: Path, exc: OSError) -> ConfigError:
    return ConfigError(fail_message(
        "path", str(target), f"could not be written ({exc.strerror or exc}); "
        "its previous content, if any, is unchanged",
        "free disk space or choose a folder you can write to"))


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; rename it onto ``path`` on success.

    If the body raises, the temporary file is deleted and ``path`` is left as it was. The file
    gets mode ``0666 & ~umask`` (or keeps the mode of the file it replaces).

    Raises
    ------
    ConfigError
        When ``path`` is a symbolic link, a device, a folder or anything but a regular file
        (nothing is written), or when writing fails (disk full, read-only, no permission).

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> target = Path(tmp.name) / "model.bin"
    >>> with atomic_write(target) as fh:
    ...     _ = fh.write(b"v1")
    >>> try:
    ...     with atomic_write(target) as fh:
    ...         _ = fh.write(b"half")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> target.read_bytes(), len(list(Path(tmp.name).iterdir()))  # old content, no temp file
    (b'v1', 1)
    >>> tmp.cleanup()
    """
    target = _as_path("path", path)
    st = _refuse_non_regular(target)
    _make_dir(target.parent, "folder")
    clean_stale_parts(target.parent)
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part",
                                   dir=target.parent)
    except OSError as exc:
        raise _write_failed(target, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        _refuse_non_regular(target)  # nothing slipped in while we wrote
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
            raise _write_failed(target, exc) from exc
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     atomic_write_bytes(Path(tmp) / "sub" / "x.bin", bytes(3)).stat().st_size
    3
    """
    with atomic_write(path) as fh:
        fh.write(data)
    return Path(path)


def check_writable(path: str | os.PathLike[str], name: str = "path", *, folder: bool = False,
                   need_bytes: int = 0) -> Path:
    """Check, before a long run, that its output can be written; create the folder if needed.

    A small probe file is written, flushed to disk and removed in the target folder, so a
    read-only folder or file system, missing permission and a full disk all show here.

    Parameters
    ----------
    path : path-like
        The output file (or, with ``folder=True``, the output folder).
    name : str
        What to call it in the error (e.g. ``"--out"``, ``"EIE_LAB_CACHE"``).
    folder : bool
        ``path`` is a folder that files will be written into.
    need_bytes : int
        Free space the output needs (checked when > 0).

    Returns
    -------
    pathlib.Path
        ``path``, expanded.

    Raises
    ------
    ConfigError
        Naming the path, what is wrong and the fix.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> check_writable(Path(tmp.name) / "new" / "model.npz", "--out").parent.is_dir()
    True
    >>> _ = (Path(tmp.name) / "a-file").write_text("x")
    >>> try:
    ...     check_writable(Path(tmp.name) / "a-file", "EIE_LAB_CACHE", folder=True)
    ... except ConfigError as exc:
    ...     print(str(exc).splitlines()[0].split(" is invalid: ")[1])
    is a file, not a folder
    >>> tmp.cleanup()
    """
    p = _as_path(name, path).expanduser()
    if not folder:
        _refuse_non_regular(p, name)
    where = _make_dir(p if folder else (p.parent if str(p.parent) else Path(".")), name)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".eie-lab-probe.{os.getpid()}.", suffix=".part",
                                     dir=where)
        try:
            os.write(fd, bytes(4096))
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise ConfigError(fail_message(name, str(p), f"cannot be written ({exc.strerror or exc})",
                                       "choose a folder you can write to, or free disk space"
                                       )) from exc
    if need_bytes > 0:
        vfs = os.statvfs(where) if hasattr(os, "statvfs") else None
        free = vfs.f_bavail * vfs.f_frsize if vfs is not None else need_bytes
        if free < need_bytes:
            raise ConfigError(fail_message(
                name, str(p), f"is on a disk with {free / 1e6:.1f} MB free; the output needs "
                f"about {need_bytes / 1e6:.1f} MB", "free disk space or choose another folder"))
    return p
