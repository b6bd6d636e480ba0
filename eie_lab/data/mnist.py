"""MNIST: find, download (checksummed, atomic) and read the four IDX files.

Where the files are looked for, in order (the first folder holding all four wins):

1. ``$EIE_LAB_DATA`` itself, then ``$EIE_LAB_DATA/mnist``;
2. ``cache_dir()/mnist`` (``$EIE_LAB_CACHE``, else ``~/.cache/eie-lab``).

Each file may be gzip-compressed (``train-images-idx3-ubyte.gz``) or raw
(``train-images-idx3-ubyte``). When nothing is found, :func:`load_mnist` downloads the four
``.gz`` files from a list of public mirrors into the cache, checks each against the SHA-256 in
:data:`SHA256` and writes it atomically, so an interrupted, truncated or corrupt download
leaves nothing behind (the next mirror is then tried).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import math
import os
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write, cache_dir
from eie_lab.errors import DataError, fail_message
from eie_lab.progress import Progress

__all__ = ["FILES", "SHA256", "MIRRORS", "DOWNLOAD_COMMAND", "read_idx", "find_mnist_files",
           "mnist_search_paths", "locate_mnist", "how_to_get_mnist", "download_mnist",
           "load_mnist", "load_mnist_arrays"]

#: The four standard file stems, per split: (images, labels).
FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
#: SHA-256 of the canonical ``.gz`` files (see ``shared/data/mnist/README.md``).
SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
#: Public mirrors serving the byte-identical ``.gz`` files, tried in order.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DOWNLOAD_COMMAND = "eie-lab data mnist"
_SPLITS = tuple(FILES)
_STEMS = tuple(stem for pair in FILES.values() for stem in pair)
_CHUNK = 1 << 16
# IDX type code -> numpy dtype (big-endian, as the format stores it)
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _parse_idx(data: bytes, name: str) -> np.ndarray:
    """Parse IDX bytes: magic (0, 0, type, ndim), ndim big-endian uint32 sizes, then the data."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DataError(fail_message(
            "file", name, f"is not an IDX file (magic bytes {data[:4].hex() or 'missing'}; "
            "expected 0000 then a type code such as 08 and the number of dimensions)",
            "delete it and download MNIST again with `eie-lab data mnist`"))
    ndim = data[3]
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    start = 4 + 4 * ndim
    if ndim == 0 or len(data) < start:
        raise DataError(fail_message("file", name, f"has a truncated IDX header (ndim={ndim})",
                                     "delete it and download it again"))
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow on a bogus header
    if len(data) - start != expected:
        raise DataError(fail_message(
            "file", name, f"holds {len(data) - start} data bytes but its header {shape} "
            f"promises {expected} (truncated or damaged)", "delete it and download it again"))
    arr = np.frombuffer(data, dtype=dtype, offset=start).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=False)


@functools.lru_cache(maxsize=8)
def _read_idx_cached(path: str, mtime_ns: int, size: int) -> np.ndarray:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip magic, whatever the file is called
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(fail_message("file", path, f"is a damaged gzip file ({exc})",
                                         "delete it and download it again")) from exc
    arr = _parse_idx(raw, path)
    arr.setflags(write=False)  # shared by every caller through the cache
    return arr


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (gzip-compressed or raw) into a read-only numpy array.

    Parsed arrays are kept in memory (keyed by resolved path, modification time and size), so
    loading MNIST again in the same process is free.

    Parameters
    ----------
    path : path-like
        The file. Compression is detected from the content, not the name.

    Returns
    -------
    numpy.ndarray
        Shape and dtype as the IDX header says (``uint8`` for MNIST). Read-only: copy it
        before changing it.

    Raises
    ------
    DataError
        When the file is missing, not IDX, or its size disagrees with its header.

    Examples
    --------
    >>> import gzip, tempfile
    >>> header = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big")  # uint8, 1-D, 3 items
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "labels.gz").write_bytes(gzip.compress(header + bytes([7, 2, 1])))
    ...     read_idx(Path(tmp) / "labels.gz")
    array([7, 2, 1], dtype=uint8)
    """
    p = Path(path).expanduser().resolve()
    try:
        st = p.stat()
    except OSError as exc:
        raise DataError(fail_message("path", str(path), "does not exist or cannot be read",
                                     how_to_get_mnist())) from exc
    return _read_idx_cached(str(p), st.st_mtime_ns, st.st_size)


def _find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):  # raw first: it loads without decompressing
        if (folder / name).is_file():
            return folder / name
    return None


def find_mnist_files(folder: str | os.PathLike[str]) -> dict[str, Path | None]:
    """Map each of the four file stems to its path in ``folder`` (raw or ``.gz``), or None.

    Examples
    --------
    >>> import tempfile
    >>> from eie_lab.data.mnist import find_mnist_files
    >>> sorted(find_mnist_files(tempfile.mkdtemp()).values(), key=str)
    [None, None, None, None]
    """
    return {stem: _find_file(Path(folder), stem) for stem in _STEMS}


def mnist_search_paths() -> list[Path]:
    """The folders :func:`locate_mnist` looks in, in order.

    Examples
    --------
    >>> from eie_lab.data.mnist import mnist_search_paths
    >>> mnist_search_paths()[-1].name
    'mnist'
    """
    paths: list[Path] = []
    env = os.environ.get("EIE_LAB_DATA", "").strip()
    if env:
        base = Path(env).expanduser()
        paths += [base, base / "mnist"]
    paths.append(cache_dir(create=False) / "mnist")
    return paths


def locate_mnist() -> Path | None:
    """Return the first folder of :func:`mnist_search_paths` holding all four files, or None.

    Never downloads.

    Examples
    --------
    >>> from eie_lab.data.mnist import locate_mnist
    >>> found = locate_mnist()
    >>> found is None or found.is_dir()
    True
    """
    for folder in mnist_search_paths():
        if folder.is_dir() and None not in find_mnist_files(folder).values():
            return folder
    return None


def how_to_get_mnist(download_failed: bool = False) -> str:
    """One paragraph telling a user where to put MNIST or how to download it.

    Examples
    --------
    >>> from eie_lab.data.mnist import how_to_get_mnist
    >>> "EIE_LAB_DATA" in how_to_get_mnist() and "eie-lab data mnist" in how_to_get_mnist()
    True
    """
    names = ", ".join(s + ".gz" for s in _STEMS)
    get = (f"check the internet connection (or proxy) and run `{DOWNLOAD_COMMAND}` again"
           if download_failed else f"run `{DOWNLOAD_COMMAND}` to download them")
    return (f"put the four MNIST files ({names}; gzip or raw) in a folder and set "
            f"EIE_LAB_DATA to it (or to its parent holding an mnist/ subfolder), or put them "
            f"in {cache_dir(create=False) / 'mnist'}; or {get}")


def _fetch(url: str, target: Path, sha256: str, show: bool | None, timeout: float) -> None:
    """Download ``url`` into ``target`` atomically; raise DataError unless the SHA-256 matches."""
    if not url.startswith(("http://", "https://")):
        raise DataError(fail_message("mirror", url, "must be an http(s) URL", "e.g. " + MIRRORS[0]))
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (scheme checked)
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = Progress(total=total, desc=target.name, unit="B",
                       disable=None if show is None else not show)
        h, got = hashlib.sha256(), 0
        try:
            with atomic_write(target) as fh:  # any exception below removes the temporary file
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    fh.write(chunk)
                    h.update(chunk)
                    got += len(chunk)
                    bar.update(len(chunk))
                if total is not None and got != total:
                    raise DataError(f"{url}: transfer ended after {got} of {total} bytes")
                if h.hexdigest() != sha256:
                    raise DataError(f"{url}: SHA-256 {h.hexdigest()} does not match {sha256}")
        finally:
            bar.close()


def download_mnist(dest: str | os.PathLike[str] | None = None,
                   mirrors: Sequence[str] | None = None, progress: bool | None = None, *,
                   checksums: Mapping[str, str] | None = None, timeout: float = 30.0) -> Path:
    """Download the four MNIST ``.gz`` files (skipping ones already present and verified).

    Parameters
    ----------
    dest : path-like, optional
        Target folder (default ``cache_dir()/"mnist"``).
    mirrors : sequence of str, optional
        Base URLs tried in order for each file (default :data:`MIRRORS`).
    progress : bool, optional
        Draw a byte progress bar; None follows ``EIE_LAB_PROGRESS``.
    checksums : mapping, optional
        File name -> SHA-256 (default :data:`SHA256`; tests pass their own).
    timeout : float
        Seconds to wait for a mirror to answer.

    Returns
    -------
    pathlib.Path
        The folder holding the four files.

    Raises
    ------
    DataError
        When a file cannot be fetched intact from any mirror (offline, truncated, bad checksum).
        Nothing partial is left in ``dest``.

    Examples
    --------
    Files already present with the expected checksums are not fetched again (no network here):

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sums = {name: hashlib.sha256(name.encode()).hexdigest() for name in SHA256}
    ...     for name in sums:
    ...         _ = (Path(tmp) / name).write_bytes(name.encode())
    ...     download_mnist(tmp, mirrors=[], checksums=sums) == Path(tmp)
    True
    """
    folder = Path(dest).expanduser() if dest is not None else cache_dir() / "mnist"
    mirrors = tuple(MIRRORS if mirrors is None else mirrors)
    sums = dict(SHA256 if checksums is None else checksums)
    for stem in _STEMS:
        name = stem + ".gz"
        target = folder / name
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sums[name]:
            continue
        errors = []
        for base in mirrors:
            url = base.rstrip("/") + "/" + name
            try:
                _fetch(url, target, sums[name], progress, timeout)
                break
            except (OSError, http.client.HTTPException, DataError, ValueError) as exc:
                errors.append(f"  {url}: {exc}")
        else:
            raise DataError(f"could not download {name} from any mirror:\n" + "\n".join(errors)
                            + f"\nhelp: {how_to_get_mnist(download_failed=True)}")
    return folder


def load_mnist(split: str = "train", *, data_dir: str | os.PathLike[str] | None = None,
               download: bool = True, progress: bool | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Load one MNIST split as read-only ``uint8`` arrays.

    Parameters
    ----------
    split : {"train", "test"}
        Which split.
    data_dir : path-like, optional
        Folder holding the files; default :func:`locate_mnist`.
    download : bool
        When ``data_dir`` is None and :func:`locate_mnist` finds nothing, download into the
        cache (default True); otherwise raise :class:`~eie_lab.errors.DataError`.
    progress : bool, optional
        Progress bar for a download; None follows ``EIE_LAB_PROGRESS``.

    Returns
    -------
    images : numpy.ndarray
        ``uint8`` of shape (N, 28, 28) (N = 60000 train, 10000 test), 0 = background.
    labels : numpy.ndarray
        ``uint8`` of shape (N,), digits 0-9.

    Examples
    --------
    >>> from eie_lab.data.mnist import locate_mnist, load_mnist
    >>> if locate_mnist() is not None:
    ...     images, labels = load_mnist("test", download=False)
    ...     assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    """
    if split not in FILES:
        raise DataError(fail_message("split", split, f"must be one of {_SPLITS}",
                                     'use split="train" or split="test"'))
    if data_dir is not None:
        folder = Path(data_dir).expanduser()
    else:
        folder = locate_mnist()
        if folder is None:
            if not download:
                raise DataError("MNIST was not found (download=False)\nhelp: "
                                + how_to_get_mnist())
            folder = download_mnist(progress=progress)
    paths = [_find_file(folder, stem) for stem in FILES[split]]
    missing = [s for s, p in zip(FILES[split], paths) if p is None]
    if missing:
        raise DataError(fail_message("data_dir", str(folder), f"lacks {missing} (.gz or raw)",
                                     how_to_get_mnist()))
    images, labels = (read_idx(p) for p in paths)  # type: ignore[arg-type]
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise DataError(fail_message("images", str(paths[0]),
                                     f"has shape {images.shape} {images.dtype}, expected "
                                     "(N, 28, 28) uint8", "use the original MNIST files"))
    if labels.ndim != 1 or labels.shape[0] != images.shape[0] or labels.dtype != np.uint8:
        raise DataError(fail_message("labels", str(paths[1]),
                                     f"has shape {labels.shape} {labels.dtype}, expected "
                                     f"({images.shape[0]},) uint8", "use the original MNIST files"))
    return images, labels


def load_mnist_arrays(*, data_dir: str | os.PathLike[str] | None = None, download: bool = True,
                      progress: bool | None = None, n_train: int | None = None,
                      n_test: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST ready for training: flattened ``float32`` pixels in [0, 1] and ``int64`` labels.

    Parameters
    ----------
    data_dir, download, progress
        As in :func:`load_mnist`.
    n_train, n_test : int, optional
        Keep only the first ``n`` examples of each split (quick experiments).

    Returns
    -------
    x_train, y_train, x_test, y_test : numpy.ndarray
        Shapes (60000, 784), (60000,), (10000, 784), (10000,) when not limited. Fresh writable
        arrays (the cached ``uint8`` arrays are not exposed).

    Examples
    --------
    >>> from eie_lab.data.mnist import locate_mnist, load_mnist_arrays
    >>> if locate_mnist() is not None:
    ...     x, y, xt, yt = load_mnist_arrays(download=False, n_train=100, n_test=10)
    ...     assert x.shape == (100, 784) and x.dtype.name == "float32" and 0 <= x.min() <= x.max() <= 1
    """
    out: list[np.ndarray] = []
    for split, n in (("train", n_train), ("test", n_test)):
        if n is not None and (int(n) != n or n < 1):
            raise DataError(fail_message(f"n_{split}", n, "must be a positive integer or None",
                                         f"use e.g. n_{split}=1000"))
        images, labels = load_mnist(split, data_dir=data_dir, download=download,
                                    progress=progress)
        sl = slice(None if n is None else int(n))
        x = images[sl].reshape(-1, 28 * 28).astype(np.float32) / np.float32(255.0)
        out += [x, labels[sl].astype(np.int64)]
    return out[0], out[1], out[2], out[3]
