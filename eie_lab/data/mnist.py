"""MNIST: find, check, download (checksummed, atomic) and read the four IDX files.

Where the files are looked for, in order (the first folder holding all four wins):

1. ``$EIE_LAB_DATA`` itself, then ``$EIE_LAB_DATA/mnist``;
2. :data:`BUNDLED_DIR`, the copy shipped in the repository (``data/mnist/`` of a checkout), so a
   fresh clone works offline;
3. ``cache_dir()/mnist`` (``$EIE_LAB_CACHE``, else the platform's user cache folder).

Each file may be gzip-compressed (``train-images-idx3-ubyte.gz``) or raw
(``train-images-idx3-ubyte``). Before use, every file is checked against the published SHA-256
(:data:`SHA256` for the ``.gz`` files, :data:`SHA256_RAW` for the IDX data inside), and the
contents are checked too (28 x 28 ``uint8`` images, one label per image, labels 0-9, train and
test not swapped), so a damaged, edited or misplaced file is a clear
:class:`~eie_lab.errors.DataError` naming the file and the fix, not a failure later in training.
When nothing is found, :func:`load_mnist` downloads the four ``.gz`` files from a list of public
mirrors into the cache, checks each against :data:`SHA256` and writes it atomically, so an
interrupted, truncated or corrupt download leaves nothing behind (the next mirror is then tried).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import math
import numbers
import os
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write, cache_dir
from eie_lab.errors import DataError, fail_message
from eie_lab.progress import progress_bar

__all__ = ["FILES", "SHA256", "SHA256_RAW", "SPLIT_SIZES", "BUNDLED_DIR", "MIRRORS",
           "DOWNLOAD_COMMAND", "read_idx", "verify_mnist_file", "find_mnist_files",
           "mnist_search_paths", "locate_mnist", "how_to_get_mnist", "download_mnist",
           "load_mnist", "mnist_fingerprint", "load_mnist_arrays"]

#: The four standard file stems, per split: (images, labels).
FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
#: SHA-256 of the canonical ``.gz`` files (see ``data/mnist/README.md``).
SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
#: SHA-256 of the uncompressed IDX data of each file (the same files gunzipped).
SHA256_RAW: dict[str, str] = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
#: Examples per split in the published files.
SPLIT_SIZES: dict[str, int] = {"train": 60000, "test": 10000}
#: The copy of the four ``.gz`` files shipped in the repository (``data/mnist/`` beside the
#: package in a checkout); it does not exist in an installed wheel and is then skipped.
BUNDLED_DIR: Path = Path(__file__).resolve().parents[2] / "data" / "mnist"
#: Public mirrors serving the byte-identical ``.gz`` files, tried in order.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DOWNLOAD_COMMAND = "eie-lab data mnist"
_SPLITS = tuple(FILES)
_STEMS = tuple(stem for pair in FILES.values() for stem in pair)
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
# IDX type code -> numpy dtype (big-endian, as the format stores it)
# every published digest (gz and raw) -> the file it belongs to
_KNOWN_DIGESTS = {**{d: n for n, d in SHA256.items()}, **{d: n for n, d in SHA256_RAW.items()}}
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _as_path(name: str, value: object) -> Path:
    """``value`` as an expanded Path; a clear DataError for anything that is not path-like."""
    if not isinstance(value, str | os.PathLike):
        raise DataError(fail_message(name, value, "must be a path (str or pathlib.Path)",
                                     f"e.g. {name}='data/mnist'"))
    return Path(value).expanduser()


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


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; an unreadable file is a DataError naming it, not a bare OSError."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(fail_message(
            "file", str(path), f"cannot be read ({type(exc).__name__}: {exc.strerror or exc})",
            "make it readable (e.g. chmod a+r FILE), or point EIE_LAB_DATA at a readable copy"
        )) from exc


def _gunzip(raw: bytes, path: str) -> bytes:
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(fail_message("file", path, f"is a damaged gzip file ({exc})",
                                     "delete it and download it again")) from exc


@functools.lru_cache(maxsize=8)
def _read_idx_cached(path: str, mtime_ns: int, size: int) -> np.ndarray:
    raw = _read_bytes(Path(path))
    if raw[:2] == _GZIP_MAGIC:  # whatever the file is called
        raw = _gunzip(raw, path)
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
    p = _as_path("path", path).resolve()
    try:
        st = p.stat()
    except OSError as exc:
        raise DataError(fail_message("path", str(path), "does not exist or cannot be read",
                                     how_to_get_mnist())) from exc
    return _read_idx_cached(str(p), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _file_sha256(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(_read_bytes(Path(path))).hexdigest()


@functools.lru_cache(maxsize=16)
def _content_sha256(path: str, mtime_ns: int, size: int) -> str:
    """SHA-256 of the IDX data: of the file, or of its gunzipped content for a gzip file."""
    raw = _read_bytes(Path(path))
    return hashlib.sha256(_gunzip(raw, path) if raw[:2] == _GZIP_MAGIC else raw).hexdigest()


def _digests(p: Path) -> set[str]:
    """The file's SHA-256, plus that of its IDX content when the file itself is not known."""
    try:
        st = p.stat()
    except OSError as exc:
        raise DataError(fail_message("path", str(p), "does not exist or cannot be read",
                                     how_to_get_mnist())) from exc
    key = (str(p.resolve()), st.st_mtime_ns, st.st_size)
    got = {_file_sha256(*key)}
    if got.isdisjoint(_KNOWN_DIGESTS):  # e.g. an original re-gzipped with another header
        got.add(_content_sha256(*key))
    return got


def verify_mnist_file(path: str | os.PathLike[str]) -> Path:
    """Check one MNIST file against the published SHA-256 its name calls for.

    A ``.gz`` file passes when it is the published file (:data:`SHA256`) or when its gunzipped
    content is the published IDX data (:data:`SHA256_RAW`); a raw file passes when it is that
    IDX data. Digests are remembered per (path, modification time, size), so checking again
    in the same process is free.

    Parameters
    ----------
    path : path-like
        A file named like one of the four MNIST files (raw or ``.gz``).

    Returns
    -------
    pathlib.Path
        ``path``, once checked.

    Raises
    ------
    DataError
        When the name is not an MNIST file name, the file cannot be read, it holds a different
        MNIST file (train and test swapped, images and labels swapped), or it is damaged or
        edited.

    Examples
    --------
    >>> import tempfile
    >>> from eie_lab.data.mnist import verify_mnist_file
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     fake = Path(tmp) / "t10k-labels-idx1-ubyte"
    ...     _ = fake.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 1, 131]))
    ...     try:
    ...         verify_mnist_file(fake)
    ...     except DataError as exc:
    ...         print(str(exc).splitlines()[0].split(" is invalid: ")[1][:47])
    differs from the published MNIST file (SHA-256
    """
    p = _as_path("path", path)
    stem = p.name[:-3] if p.name.endswith(".gz") else p.name
    if stem not in SHA256_RAW:
        raise DataError(fail_message("file", str(path), f"is not one of the MNIST files {_STEMS}",
                                     "name the files as published (raw or .gz)"))
    got = _digests(p)
    if got & {SHA256[stem + ".gz"], SHA256_RAW[stem]}:
        return p
    other = next((name for digest, name in _KNOWN_DIGESTS.items() if digest in got), None)
    if other is not None:
        raise DataError(fail_message(
            "file", str(path), f"holds the published {other}, not {stem} (files swapped or "
            "misnamed)", "give each file its published name, or fetch MNIST again with "
            f"`{DOWNLOAD_COMMAND} --dest DIR`"))
    raise DataError(fail_message(
        "file", str(path), f"differs from the published MNIST file (SHA-256 {min(got)}, "
        f"expected {SHA256[stem + '.gz']} for the .gz file or {SHA256_RAW[stem]} for the raw "
        "IDX file): it is damaged or edited",
        f"delete it and run `{DOWNLOAD_COMMAND}` (for the copy shipped in data/mnist/: "
        "`git checkout -- data/mnist`); to load other IDX data of the same layout on purpose, "
        "pass verify=False"))


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
    return {stem: _find_file(_as_path("folder", folder), stem) for stem in _STEMS}


def mnist_search_paths() -> list[Path]:
    """The folders :func:`locate_mnist` looks in, in order.

    ``$EIE_LAB_DATA`` and ``$EIE_LAB_DATA/mnist`` when set, :data:`BUNDLED_DIR` when it exists
    (a checkout), then the cache's ``mnist`` folder.

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
    if BUNDLED_DIR.is_dir():
        paths.append(BUNDLED_DIR)
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


def _fetch(url: str, target: Path, sha256: str, progress: bool | None, timeout: float) -> None:
    """Download ``url`` into ``target`` atomically; raise DataError unless the SHA-256 matches."""
    if not url.startswith(("http://", "https://")):
        raise DataError(fail_message("mirror", url, "must be an http(s) URL", "e.g. " + MIRRORS[0]))
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (scheme checked)
        length = resp.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = progress_bar(total=total, desc=target.name, unit="B", progress=progress,
                           unit_scale=True, unit_divisor=1024)
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
    folder = _as_path("dest", dest) if dest is not None else cache_dir() / "mnist"
    if isinstance(mirrors, str | bytes):
        raise DataError(fail_message("mirrors", mirrors, "must be a list of base URLs",
                                     f"e.g. mirrors=[{MIRRORS[0]!r}]"))
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or \
            not math.isfinite(timeout) or timeout <= 0:
        raise DataError(fail_message("timeout", timeout, "must be a finite number of seconds > 0",
                                     "use timeout=30"))
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


def _folder(data_dir: str | os.PathLike[str] | None, download: bool,
            progress: bool | None) -> Path:
    """``data_dir``, else the located folder, else (when allowed) a fresh download."""
    if data_dir is not None:
        return _as_path("data_dir", data_dir)
    folder = locate_mnist()
    if folder is None:
        if not download:
            raise DataError("MNIST was not found (download=False)\nhelp: " + how_to_get_mnist())
        folder = download_mnist(progress=progress)
    return folder


def _split_paths(folder: Path, split: str) -> list[Path]:
    paths = [_find_file(folder, stem) for stem in FILES[split]]
    missing = [s for s, p in zip(FILES[split], paths) if p is None]
    if missing:
        raise DataError(fail_message("data_dir", str(folder), f"lacks {missing} (.gz or raw)",
                                     how_to_get_mnist()))
    return paths  # type: ignore[return-value]


def _check_contents(split: str, images: np.ndarray, labels: np.ndarray,
                    paths: list[Path]) -> None:
    """Shapes, dtypes, labels 0-9 and the split's size: the checks that need no checksum."""
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise DataError(fail_message("images", str(paths[0]),
                                     f"has shape {images.shape} {images.dtype}, expected "
                                     "(N, 28, 28) uint8", "use the original MNIST files"))
    if labels.ndim != 1 or labels.shape[0] != images.shape[0] or labels.dtype != np.uint8:
        raise DataError(fail_message("labels", str(paths[1]),
                                     f"has shape {labels.shape} {labels.dtype}, expected "
                                     f"({images.shape[0]},) uint8", "use the original MNIST files"))
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        i = int(bad[0])
        raise DataError(fail_message(
            "labels", str(paths[1]), f"holds {int(labels[i])} at index {i} ({bad.size} labels "
            "outside 0..9); MNIST labels are the digits 0-9", "use the original MNIST files"))
    other = next(s for s in _SPLITS if s != split)
    n = images.shape[0]
    if n == SPLIT_SIZES[other] != SPLIT_SIZES[split]:
        raise DataError(fail_message(
            f"{split} images", str(paths[0]), f"holds {n} images, the size of the {other} split "
            f"({SPLIT_SIZES[split]} expected): the train and test files look swapped",
            "give each file its published name (train-* for 60000 images, t10k-* for 10000)"))


def load_mnist(split: str = "train", *, data_dir: str | os.PathLike[str] | None = None,
               download: bool = True, progress: bool | None = None, verify: bool = True
               ) -> tuple[np.ndarray, np.ndarray]:
    """Load one MNIST split as read-only ``uint8`` arrays, checked before use.

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
    verify : bool
        Check each file against the published SHA-256 (:func:`verify_mnist_file`; default
        True). ``False`` loads other IDX data of the same layout (e.g. a small stand-in); the
        content checks (shapes, labels 0-9, train/test not swapped) apply either way.

    Returns
    -------
    images : numpy.ndarray
        ``uint8`` of shape (N, 28, 28) (N = 60000 train, 10000 test), 0 = background.
    labels : numpy.ndarray
        ``uint8`` of shape (N,), digits 0-9.

    Raises
    ------
    DataError
        When MNIST is missing (and cannot be downloaded), a file cannot be read, differs from
        the published file, or its contents break a rule above.

    Examples
    --------
    >>> from eie_lab.data.mnist import locate_mnist, load_mnist
    >>> if locate_mnist() is not None:
    ...     images, labels = load_mnist("test", download=False)
    ...     assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    """
    if not isinstance(split, str) or split not in FILES:
        raise DataError(fail_message("split", split, f"must be one of {_SPLITS}",
                                     'use split="train" or split="test"'))
    paths = _split_paths(_folder(data_dir, download, progress), split)
    if verify:
        for path in paths:
            verify_mnist_file(path)
    images, labels = (read_idx(p) for p in paths)
    _check_contents(split, images, labels, paths)
    return images, labels


def mnist_fingerprint(data_dir: str | os.PathLike[str] | None = None, *, download: bool = True,
                      progress: bool | None = None) -> str:
    """A short hex digest naming the MNIST data that :func:`load_mnist` would load.

    The published files (gz or raw) all give one fingerprint; any other IDX data gives one
    of its own, so a cache keyed by it (e.g. :func:`eie_lab.nn.zoo.cache_path`) never mixes
    results computed from different data.

    Parameters
    ----------
    data_dir, download, progress
        As in :func:`load_mnist`.

    Returns
    -------
    str
        16 hex digits.

    Examples
    --------
    >>> from eie_lab.data.mnist import locate_mnist, mnist_fingerprint
    >>> if locate_mnist() is not None:
    ...     assert len(mnist_fingerprint(download=False)) == 16
    """
    folder = _folder(data_dir, download, progress)
    parts = []
    for split in _SPLITS:
        for stem, path in zip(FILES[split], _split_paths(folder, split)):
            got = _digests(path)
            known = got & {SHA256[stem + ".gz"], SHA256_RAW[stem]}
            parts.append(f"{stem}={SHA256_RAW[stem] if known else min(got)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def load_mnist_arrays(*, data_dir: str | os.PathLike[str] | None = None, download: bool = True,
                      progress: bool | None = None, n_train: int | None = None,
                      n_test: int | None = None, verify: bool = True
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST ready for training: flattened ``float32`` pixels in [0, 1] and ``int64`` labels.

    Parameters
    ----------
    data_dir, download, progress, verify
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
        if n is not None and (isinstance(n, bool) or not isinstance(n, numbers.Integral)
                              or n < 1):
            raise DataError(fail_message(f"n_{split}", n, "must be a positive integer or None",
                                         f"use e.g. n_{split}=1000"))
        images, labels = load_mnist(split, data_dir=data_dir, download=download,
                                    progress=progress, verify=verify)
        sl = slice(None if n is None else int(n))
        x = images[sl].reshape(-1, 28 * 28).astype(np.float32) / np.float32(255.0)
        out += [x, labels[sl].astype(np.int64)]
    return out[0], out[1], out[2], out[3]
