"""Where eie-lab keeps downloads and trained models, and how it writes files safely.

The cache folder is ``$EIE_LAB_CACHE`` if set, else ``$XDG_CACHE_HOME/eie-lab``, else
``~/.cache/eie-lab``. Every file the package writes goes through :func:`atomic_write` (a temporary
file in the same folder, then :func:`os.replace`), so an interrupted download or save never leaves
a half-written file behind.

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
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["cache_dir", "atomic_write", "atomic_write_bytes"]


def cache_dir(create: bool = True) -> Path:
    """Return the eie-lab cache folder (created unless ``create=False``).

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_CACHE": "/tmp/eie-lab-demo"}):
    ...     str(cache_dir(create=False))
    '/tmp/eie-lab-demo'
    """
    env = os.environ.get("EIE_LAB_CACHE")
    if env:
        path = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base).expanduser() / "eie-lab"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; rename it onto ``path`` on success.

    If the body raises, the temporary file is deleted and ``path`` is left as it was.

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
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
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
