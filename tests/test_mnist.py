"""MNIST: IDX parsing, lookup order, checks of the files and their contents, and checksummed
atomic downloads from a loopback server.

No test touches the real network: downloads go to an http.server on 127.0.0.1 serving tiny
synthetic IDX files with a checksum table built in the test. Tiny synthetic files are loaded with
``verify=False`` (they are not the published files); the real files are the copy shipped in
``data/mnist/``.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from eie_lab.data import mnist
from eie_lab.data.mnist import (
    download_mnist,
    load_mnist,
    load_mnist_arrays,
    locate_mnist,
    mnist_search_paths,
    read_idx,
)
from eie_lab.errors import DataError

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(arr: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX (magic 0 0 8 ndim, big-endian sizes, data)."""
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + np.ascontiguousarray(arr, dtype=np.uint8).tobytes()


def tiny_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, size=n, dtype=np.uint8))


def tiny_files(seed: int = 0) -> dict[str, bytes]:
    """The four MNIST file names -> gzip bytes of a tiny synthetic data set."""
    out = {}
    for split, n in (("train", 12), ("test", 5)):
        images, labels = tiny_split(n, seed + n)
        stem_i, stem_l = mnist.FILES[split]
        out[stem_i + ".gz"] = gzip.compress(idx_bytes(images), mtime=0)
        out[stem_l + ".gz"] = gzip.compress(idx_bytes(labels), mtime=0)
    return out


def write_tiny(folder: Path, raw: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in tiny_files().items():
        if raw:
            (folder / name[:-3]).write_bytes(gzip.decompress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


# ---------------------------------------------------------------- real files (CI has them)

def test_real_mnist_shapes_and_label_counts(mnist_dir):
    x, y = load_mnist("train", data_dir=mnist_dir, download=False)
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.uint8
    assert np.bincount(y, minlength=10).tolist() == TRAIN_COUNTS
    xt, yt = load_mnist("test", data_dir=mnist_dir, download=False)
    assert xt.shape == (10000, 28, 28)
    assert np.bincount(yt, minlength=10).tolist() == TEST_COUNTS
    assert int(x.max()) == 255 and int(x.min()) == 0


def test_real_mnist_gz_checksums(mnist_dir):
    for name, digest in mnist.SHA256.items():
        path = Path(mnist_dir) / name
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_real_mnist_arrays_for_training(mnist_dir):
    x, y, xt, yt = load_mnist_arrays(data_dir=mnist_dir, download=False)
    assert x.shape == (60000, 784) and x.dtype == np.float32
    assert y.dtype == np.int64 and xt.shape == (10000, 784) and yt.shape == (10000,)
    assert 0.0 <= float(x.min()) and float(x.max()) == 1.0
    assert x.flags.writeable
    # the in-memory cache hands back the same array object the second time
    assert load_mnist("test", data_dir=mnist_dir)[0] is load_mnist("test", data_dir=mnist_dir)[0]


# ---------------------------------------------------------------- IDX parsing

@pytest.mark.parametrize("compressed", [True, False])
def test_read_idx_round_trip(tmp_path, compressed):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    data = idx_bytes(arr)
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(data) if compressed else data)
    out = read_idx(path)
    np.testing.assert_array_equal(out, arr)
    assert out.dtype == np.uint8 and not out.flags.writeable


def test_read_idx_wider_types(tmp_path):
    arr = np.array([[1, -2], [300, 4]], dtype=">i4")
    path = tmp_path / "x.idx"
    path.write_bytes(bytes([0, 0, 0x0C, 2]) + (2).to_bytes(4, "big") * 2 + arr.tobytes())
    np.testing.assert_array_equal(read_idx(path), arr.astype(np.int32))


@pytest.mark.parametrize("data, match", [
    (b"PK\x03\x04hello", "not an IDX file"),
    (bytes([0, 0, 0x42, 1]) + (3).to_bytes(4, "big") + b"abc", "not an IDX file"),
    (b"", "not an IDX file"),
    (bytes([0, 0, 8, 3, 0, 0]), "truncated IDX header"),
    (bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big") + b"abc", "promises 5"),
    (bytes([0, 0, 8, 1]) + (2).to_bytes(4, "big") + b"abc", "holds 3 data bytes"),
    (bytes([0, 0, 8, 4]) + b"\xff" * 16 + b"abc", "promises"),  # absurd sizes, no overflow
])
def test_read_idx_bad_headers(tmp_path, data, match):
    path = tmp_path / "bad.idx"
    path.write_bytes(data)
    with pytest.raises(DataError, match=match) as info:
        read_idx(path)
    assert "help:" in str(info.value)


def test_read_idx_damaged_gzip_and_missing(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(100, np.uint8)))[:-20])
    with pytest.raises(DataError, match="damaged gzip"):
        read_idx(path)
    with pytest.raises(DataError, match="does not exist"):
        read_idx(tmp_path / "nope.gz")


def test_load_mnist_bad_arguments(tmp_path):
    with pytest.raises(DataError, match="split='valid'"):
        load_mnist("valid")
    with pytest.raises(DataError, match="lacks"):
        load_mnist("train", data_dir=tmp_path)
    with pytest.raises(DataError, match="n_train"):
        load_mnist_arrays(data_dir=write_tiny(tmp_path / "d"), n_train=0)


def test_load_mnist_rejects_wrong_image_shape(tmp_path):
    write_tiny(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros((5, 4, 4), np.uint8))))
    with pytest.raises(DataError, match=r"expected \(N, 28, 28\)"):
        load_mnist("test", data_dir=tmp_path, verify=False)


@pytest.mark.parametrize("raw", [False, True])
def test_load_tiny_split(tmp_path, raw):
    write_tiny(tmp_path, raw=raw)
    x, y = load_mnist("train", data_dir=tmp_path, download=False, verify=False)
    want_x, want_y = tiny_split(12, 12)
    np.testing.assert_array_equal(x, want_x)
    np.testing.assert_array_equal(y, want_y)
    xa, ya, xt, yt = load_mnist_arrays(data_dir=tmp_path, n_train=4, verify=False)
    assert xa.shape == (4, 784) and xt.shape == (5, 784)
    np.testing.assert_allclose(xa * 255, want_x[:4].reshape(4, -1))


# ---------------------------------------------------------------- checks of files and contents

SHIPPED = mnist.BUNDLED_DIR


def copy_split(dest: Path, split: str, as_split: str | None = None) -> Path:
    """Copy one split's two shipped .gz files into ``dest`` (optionally under the other split's
    names, to swap train and test)."""
    dest.mkdir(parents=True, exist_ok=True)
    for stem, new in zip(mnist.FILES[split], mnist.FILES[as_split or split]):
        (dest / (new + ".gz")).write_bytes((SHIPPED / (stem + ".gz")).read_bytes())
    return dest


def test_shipped_copy_is_complete_and_found_first_after_eie_lab_data(monkeypatch, tmp_path):
    assert sorted(p.name for p in SHIPPED.glob("*.gz")) == sorted(mnist.SHA256)
    for name, digest in mnist.SHA256.items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest
    readme = (SHIPPED / "README.md").read_text()
    assert "CC BY-SA 3.0" in readme and all(d in readme for d in mnist.SHA256.values())
    monkeypatch.delenv("EIE_LAB_DATA", raising=False)
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "cache"))
    assert locate_mnist() == SHIPPED
    x, y = load_mnist("test", download=False)
    assert x.shape == (10000, 28, 28) and np.bincount(y).tolist() == TEST_COUNTS
    assert not (tmp_path / "cache").exists()  # nothing downloaded, nothing written


def _edit_label(folder: Path, index: int, value: int) -> Path:
    path = folder / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[8 + index] = value
    path.write_bytes(gzip.compress(bytes(raw)))
    return path


def test_edited_label_is_refused_before_training(tmp_path):
    folder = copy_split(tmp_path, "test")
    images_before = (folder / "t10k-images-idx3-ubyte.gz").read_bytes()
    _edit_label(folder, 7, 131)
    with pytest.raises(DataError) as info:
        load_mnist("test", data_dir=folder)
    msg = str(info.value)
    assert "t10k-labels-idx1-ubyte.gz" in msg and "differs from the published MNIST file" in msg
    assert "help:" in msg and "verify=False" in msg
    with pytest.raises(DataError, match=r"holds 131 at index 7 .*digits 0-9") as info:
        load_mnist("test", data_dir=folder, verify=False)  # the content check catches it too
    assert "help:" in str(info.value)
    assert (folder / "t10k-images-idx3-ubyte.gz").read_bytes() == images_before  # nothing lost


def test_tiny_labels_out_of_range(tmp_path):
    write_tiny(tmp_path)
    labels = np.array([0, 1, 2, 3, 10], np.uint8)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(DataError, match="holds 10 at index 4"):
        load_mnist_arrays(data_dir=tmp_path, verify=False)


def test_swapped_train_and_test_files_are_refused(tmp_path):
    folder = copy_split(tmp_path / "swapped", "test", as_split="train")
    with pytest.raises(DataError) as info:
        load_mnist("train", data_dir=folder)
    msg = str(info.value)
    assert "holds the published t10k-images-idx3-ubyte.gz, not train-images-idx3-ubyte" in msg
    assert "help:" in msg
    with pytest.raises(DataError, match="holds 10000 images, the size of the test split .* "
                                        "look swapped"):
        load_mnist("train", data_dir=folder, verify=False)


def test_unreadable_file_is_a_data_error(tmp_path, monkeypatch):
    folder = copy_split(tmp_path, "test")
    victim = folder / "t10k-images-idx3-ubyte.gz"
    real_read = Path.read_bytes

    def read_bytes(self):  # as root, chmod 000 does not stop a read: refuse it here instead
        if self.name == victim.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    for verify in (True, False):
        with pytest.raises(DataError) as info:
            load_mnist("test", data_dir=folder, verify=verify)
        msg = str(info.value)
        assert "cannot be read (PermissionError" in msg and victim.name in msg and "chmod" in msg
        assert not isinstance(info.value, PermissionError)
    monkeypatch.undo()
    assert load_mnist("test", data_dir=folder)[0].shape == (10000, 28, 28)  # file untouched


def test_raw_and_regzipped_originals_pass(tmp_path):
    folder = copy_split(tmp_path, "test")
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(labels.read_bytes())
    labels.unlink()
    (folder / "t10k-labels-idx1-ubyte").write_bytes(raw)  # gunzipped by hand
    images = folder / "t10k-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(gzip.decompress(images.read_bytes()), mtime=1))  # other header
    assert hashlib.sha256(images.read_bytes()).hexdigest() != mnist.SHA256[images.name]
    x, y = load_mnist("test", data_dir=folder)
    assert np.bincount(y).tolist() == TEST_COUNTS


def test_verify_names_and_fingerprint(tmp_path):
    with pytest.raises(DataError, match="is not one of the MNIST files"):
        mnist.verify_mnist_file(tmp_path / "digits.gz")
    with pytest.raises(DataError, match="does not exist"):
        mnist.verify_mnist_file(tmp_path / "t10k-labels-idx1-ubyte.gz")
    shipped = mnist.mnist_fingerprint(SHIPPED)
    raw = copy_split(tmp_path / "raw", "train")
    copy_split(raw, "test")
    for gz in raw.glob("*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    assert mnist.mnist_fingerprint(raw) == shipped  # the same data, however stored
    tiny = mnist.mnist_fingerprint(write_tiny(tmp_path / "tiny"))
    assert len(tiny) == 16 and tiny != shipped


def test_n_train_must_be_an_integer(tmp_path):
    for bad in ("100", 2.5, True, -1):
        with pytest.raises(DataError, match="n_train"):
            load_mnist_arrays(data_dir=write_tiny(tmp_path / "d"), n_train=bad, verify=False)


# ---------------------------------------------------------------- lookup order

@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No EIE_LAB_DATA, an empty cache, and no shipped copy (as in an installed wheel)."""
    monkeypatch.delenv("EIE_LAB_DATA", raising=False)
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "BUNDLED_DIR", tmp_path / "no-checkout" / "data" / "mnist")
    return tmp_path


def test_lookup_nothing_found(clean_env):
    assert locate_mnist() is None
    assert mnist_search_paths() == [clean_env / "cache" / "mnist"]
    with pytest.raises(DataError) as info:
        load_mnist("train", download=False)
    msg = str(info.value)
    assert "EIE_LAB_DATA" in msg and "eie-lab data mnist" in msg
    assert str(clean_env / "cache" / "mnist") in msg


def test_lookup_order(clean_env, monkeypatch):
    tmp = clean_env
    cache = write_tiny(tmp / "cache" / "mnist")
    assert locate_mnist() == cache  # cache alone
    monkeypatch.setenv("EIE_LAB_DATA", str(tmp / "data"))
    sub = write_tiny(tmp / "data" / "mnist", raw=True)
    assert locate_mnist() == sub  # mnist/ subfolder beats the cache
    direct = write_tiny(tmp / "data")
    assert locate_mnist() == direct  # files directly in EIE_LAB_DATA come first
    assert mnist_search_paths() == [direct, sub, cache]
    (direct / "t10k-labels-idx1-ubyte.gz").unlink()  # an incomplete folder is skipped
    assert locate_mnist() == sub
    x, _ = load_mnist("test", download=False, verify=False)
    assert x.shape == (5, 28, 28)
    bundled = write_tiny(tmp / "checkout" / "data" / "mnist")
    monkeypatch.setattr(mnist, "BUNDLED_DIR", bundled)
    assert mnist_search_paths() == [direct, sub, bundled, cache]  # the shipped copy: 3rd
    monkeypatch.delenv("EIE_LAB_DATA")
    assert locate_mnist() == bundled  # ... and it beats the cache


# ---------------------------------------------------------------- downloads (loopback only)

class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files[path]``; modes: good, corrupt (flipped byte), truncated (short body)."""

    def do_GET(self):  # noqa: N802 (http.server API)
        mode, _, name = self.path.lstrip("/").partition("/")
        body = self.server.files.get(name)
        self.server.hits.append(self.path)
        if body is None:
            self.send_error(404)
            return
        if mode == "corrupt":
            body = body[:-1] + bytes([body[-1] ^ 0xFF])
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)
        self.wfile.flush()
        if mode == "truncated":
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files = tiny_files()
    httpd.hits = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd, base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sums():
    return {name: hashlib.sha256(data).hexdigest() for name, data in tiny_files().items()}


def _unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_success_then_load(server, sums, tmp_path):
    httpd, base = server
    dest = download_mnist(tmp_path / "m", mirrors=[base + "/good/"], checksums=sums,
                          progress=False, timeout=5)
    assert sorted(p.name for p in dest.iterdir()) == sorted(sums)
    x, y = load_mnist("train", data_dir=dest, verify=False)
    np.testing.assert_array_equal(y, tiny_split(12, 12)[1])
    # a second call finds the verified files and fetches nothing
    before = len(httpd.hits)
    download_mnist(dest, mirrors=[base + "/good/"], checksums=sums, timeout=5)
    assert len(httpd.hits) == before


@pytest.mark.parametrize("mode, match", [("corrupt", "SHA-256"),
                                         ("truncated", "transfer ended after")])
def test_download_failure_leaves_nothing(server, sums, tmp_path, mode, match):
    _, base = server
    dest = tmp_path / "m"
    with pytest.raises(DataError, match="could not download") as info:
        download_mnist(dest, mirrors=[f"{base}/{mode}/"], checksums=sums, timeout=5)
    assert match in str(info.value)
    assert not dest.exists() or list(dest.iterdir()) == []  # no partial or temporary file


def test_interrupted_download_leaves_nothing(server, sums, tmp_path, monkeypatch):
    """Ctrl-C in the middle of a transfer propagates and removes the temporary file."""
    _, base = server

    class Interrupting:
        def update(self, n=1):
            raise KeyboardInterrupt

        def close(self):
            pass

    monkeypatch.setattr(mnist, "progress_bar", lambda **kw: Interrupting())
    dest = tmp_path / "m"
    with pytest.raises(KeyboardInterrupt):
        download_mnist(dest, mirrors=[base + "/good/"], checksums=sums, timeout=5)
    assert not dest.exists() or list(dest.iterdir()) == []


def test_download_falls_back_to_next_mirror(server, sums, tmp_path):
    httpd, base = server
    dest = tmp_path / "m"
    mirrors = [f"http://127.0.0.1:{_unused_port()}/", f"{base}/corrupt/", f"{base}/missing-dir/",
               f"{base}/good/"]
    download_mnist(dest, mirrors=mirrors, checksums=sums, timeout=5)
    assert sorted(p.name for p in dest.iterdir()) == sorted(sums)
    assert any(h.startswith("/corrupt/") for h in httpd.hits)


def test_download_replaces_damaged_local_file(server, sums, tmp_path):
    _, base = server
    dest = write_tiny(tmp_path / "m")
    (dest / "train-labels-idx1-ubyte.gz").write_bytes(b"junk")
    download_mnist(dest, mirrors=[base + "/good/"], checksums=sums, timeout=5)
    assert hashlib.sha256((dest / "train-labels-idx1-ubyte.gz").read_bytes()).hexdigest() == \
        sums["train-labels-idx1-ubyte.gz"]


def test_offline_is_a_clear_error(clean_env, monkeypatch):
    dead = [f"http://127.0.0.1:{_unused_port()}/"]
    monkeypatch.setattr(mnist, "MIRRORS", tuple(dead))
    with pytest.raises(DataError) as info:
        load_mnist("train")  # nothing found -> download -> every mirror unreachable
    msg = str(info.value)
    assert "could not download" in msg and "EIE_LAB_DATA" in msg and "eie-lab data mnist" in msg
    assert not (clean_env / "cache" / "mnist").exists() or \
        list((clean_env / "cache" / "mnist").iterdir()) == []


def test_non_http_mirror_rejected(sums, tmp_path):
    with pytest.raises(DataError, match="must be an http"):
        download_mnist(tmp_path, mirrors=["file:///etc/"], checksums=sums)


# ---------------------------------------------------------------- `eie-lab data`

def test_cli_data_where(clean_env, monkeypatch, capsys):
    from eie_lab.cli import main

    assert main(["data", "where"]) == 1
    out = capsys.readouterr().out
    assert "EIE_LAB_DATA is not set" in out and "missing" in out and "eie-lab data mnist" in out
    monkeypatch.setenv("EIE_LAB_DATA", str(clean_env / "data"))
    folder = write_tiny(clean_env / "data" / "mnist")
    assert main(["data", "where"]) == 0
    out = capsys.readouterr().out
    assert "[complete, not the published files: train-images-idx3-ubyte.gz differs" in out
    assert "0 of 4 files" in out and f"using: {folder}" in out
    monkeypatch.setattr(mnist, "BUNDLED_DIR", SHIPPED)
    monkeypatch.delenv("EIE_LAB_DATA")
    assert main(["data", "where"]) == 0
    assert f"{SHIPPED}  [complete, SHA-256 ok]" in capsys.readouterr().out


def test_cli_data_mnist(server, sums, clean_env, monkeypatch, capsys):
    from eie_lab.cli import main

    _, base = server
    monkeypatch.setattr(mnist, "MIRRORS", (base + "/good/",))
    monkeypatch.setattr(mnist, "SHA256", sums)
    assert main(["data", "mnist", "--quiet"]) == 0  # downloads into the cache
    cache = clean_env / "cache" / "mnist"
    assert f"MNIST is in {cache}" in capsys.readouterr().out
    assert main(["data", "mnist"]) == 0  # now found, nothing downloaded
    assert f"MNIST found in {cache}" in capsys.readouterr().out
    assert main(["data", "mnist", "--dest", str(clean_env / "elsewhere")]) == 0
    assert "EIE_LAB_DATA=" in capsys.readouterr().out
    monkeypatch.setattr(mnist, "MIRRORS", (f"http://127.0.0.1:{_unused_port()}/",))
    assert main(["data", "mnist", "--dest", str(clean_env / "offline")]) == 2
    assert "could not download" in capsys.readouterr().err
    assert main(["data"]) == 1
