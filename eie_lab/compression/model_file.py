"""The compressed model: relative-index + Huffman bitstreams, and its versioned ``.npz`` file.

Layout of one layer (format versions 2 and 3)
---------------------------------------------
The weight matrix ``W`` (``rows x cols``, rows are outputs; a convolution's filters as
``out_channels x in_channels*k*k``, :class:`~eie_lab.nn.conv.Conv2D`) is walked **column by column** (the
order EIE's PEs consume it) as one flat stream of ``rows*cols`` positions. Each stored entry is a
pair ``(v, z)``: ``v`` is the weight's code (``codebook[v]``, code 0 = the weight 0.0) and ``z``
the number of zeros since the previous entry (EIE's convention). When a gap exceeds
``zmax = 2**index_bits - 1`` a padding entry ``(0, zmax)`` is inserted [DC §2, EIE §III-B]. This is
the ``"stream"`` layout of :mod:`eie_lab.sparse_format`, which also states what each stored part
costs: because the stream covers the whole flattened matrix, no column pointers are needed
(``decode`` recovers them). Both ``v`` and ``z`` are Huffman coded with canonical codes stored as
code lengths, one byte per possible symbol.

File keys (``np.savez_compressed``)
-----------------------------------
``format`` ("eie-lab-compressed-model"), ``version`` (int: 2 for a chain of fully connected
layers, 3 for a network with an architecture), ``layers`` (names), ``meta``
(JSON text), and per layer ``<name>.header`` int64 ``[rows, cols, weight_bits, index_bits,
n_entries, n_nonzero, w_nbits, z_nbits]``, ``<name>.bias`` float32 ``(rows,)``,
``<name>.codebook`` float32 ``(2**weight_bits,)``, ``<name>.tables`` uint8 code lengths
``(2**weight_bits + 2**index_bits,)`` (0 = symbol unused), ``<name>.streams`` uint8: the weight
bitstream (``ceil(w_nbits/8)`` bytes) followed by the index bitstream.
``sizes`` int64: the layer chain ``[inputs, outputs of layer 1, ..., outputs of the last layer]``
(so a file that lost a layer is caught; for a version-3 file the flattened widths of
:attr:`eie_lab.nn.conv.ConvNet.sizes`). Version 3 adds ``architecture`` (JSON text:
``input_shape``, ``plan`` and ``kernels`` of :attr:`eie_lab.nn.conv.ConvNet.architecture`), from
which :meth:`CompressedModel.to_network` rebuilds a runnable LeNet-5; version-2 files (no
architecture) load as before. A version-2 reader refuses a version-3 file instead of
misreading a convolution as a fully connected layer. ``digest``: the SHA-256 of every other member (:func:`content_digest`), so an edited or
re-saved file is rejected on load instead of silently giving a different network.

Loading checks, in order, before anything large is allocated: the format, version and digest;
each header's numbers against each other and against the lengths of its members (an entry costs
at least one bit of each Huffman stream, so ``n_entries <= w_nbits``); the layer chain (each
layer's inputs are the previous layer's outputs; in version 3 the architecture's plan fits the
layers' shapes, :func:`eie_lab.nn.conv.check_plan`) and :data:`MAX_WEIGHTS`; then the streams are
decoded and re-measured.

Examples
--------
>>> import numpy as np
>>> layer = encode_layer("fc", np.array([0.0, -0.5, 0.5, 1.0]),
...                      np.array([[0, 2, 0, 0], [1, 0, 0, 3]]), np.zeros(2), 2, 2)
>>> [a.tolist() for a in layer.entries()]   # column by column; (0, 3) is a padding entry
[[1, 2, 0, 3], [1, 0, 3, 0]]
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from eie_lab.cache import atomic_write
from eie_lab.compression.huffman import HuffmanCode
from eie_lab.errors import (
    CompressionError,
    ConfigError,
    EieLabError,
    EncodingError,
    ModelFormatError,
    fail_message,
)
from eie_lab.nn.conv import ConvNet, check_plan
from eie_lab.nn.mlp import MLP, Dense
from eie_lab.nn.network import Network
from eie_lab.sparse_format import (
    FLOAT_BITS,
    codebook_bits,
    decode_stream,
    encode_stream,
    huffman_table_bits,
)

__all__ = ["CompressedLayer", "CompressedModel", "encode_layer", "save", "load", "FORMAT",
           "VERSION", "VERSIONS", "MAX_WEIGHTS", "content_digest"]

FORMAT = "eie-lab-compressed-model"
#: Version of a file of fully connected layers (what LeNet-300-100 is saved as).
VERSION = 2
#: Versions this eie-lab reads: 2, and 3 = 2 plus a stored architecture (convolutional nets).
VERSIONS = (2, 3)
#: Largest dense size (weights) one stored layer may claim (VGG-6 has 103 M); larger headers
#: are rejected before any allocation.
MAX_WEIGHTS = 1 << 30


def content_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over every member except ``digest``: name, dtype, shape and bytes, sorted by name.

    Examples
    --------
    >>> a = {"x": np.arange(3), "digest": np.array("ignored")}
    >>> content_digest(a) == content_digest({"x": np.arange(3)}) != content_digest({"x": np.ones(3)})
    True
    """
    h = hashlib.sha256()
    for key in sorted(k for k in arrays if k != "digest"):
        arr = np.ascontiguousarray(arrays[key])
        h.update(f"{key}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _decode_codes(v: np.ndarray, z: np.ndarray, size: int) -> np.ndarray:
    """The flat code stream of ``size`` positions; :class:`ModelFormatError` when damaged."""
    try:
        return decode_stream(v, z, size)
    except EncodingError:
        last = int(np.sum(np.asarray(z, dtype=np.int64) + 1)) - 1
        raise ModelFormatError(fail_message("index stream", f"last position {last}",
                                            f"must be < rows*cols = {size}",
                                            "the file is damaged: recompress the model")) from None


def _lengths_of(symbols: np.ndarray, n_symbols: int) -> np.ndarray:
    lengths = np.zeros(n_symbols, dtype=np.uint8)
    if symbols.size:
        code = HuffmanCode.from_symbols(symbols)
        for s, n in code.code_lengths().items():
            lengths[int(s)] = n
    return lengths


def _code_of(lengths: np.ndarray) -> HuffmanCode:
    return HuffmanCode({int(s): int(n) for s, n in enumerate(lengths) if n > 0})


@dataclass
class CompressedLayer:
    """One layer as stored: header numbers, bias, codebook, Huffman code lengths, bitstreams.

    Examples
    --------
    >>> layer = encode_layer("fc", np.array([0.0, -0.5, 0.5, 1.0]),
    ...                      np.array([[0, 2, 0, 0], [1, 0, 0, 3]]), np.zeros(2), 2, 2)
    >>> layer.shape, layer.n_entries, layer.n_nonzero, [a.tolist() for a in layer.entries()]
    ((2, 4), 4, 3, [[1, 2, 0, 3], [1, 0, 3, 0]])
    >>> layer.dense()
    array([[ 0. ,  0.5,  0. ,  0. ],
           [-0.5,  0. ,  0. ,  1. ]], dtype=float32)
    """

    name: str
    shape: tuple[int, int]
    weight_bits: int
    index_bits: int
    bias: np.ndarray
    codebook: np.ndarray
    w_lengths: np.ndarray
    z_lengths: np.ndarray
    w_stream: bytes
    z_stream: bytes
    w_nbits: int
    z_nbits: int
    n_entries: int
    n_nonzero: int

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """Huffman-decode the ``(v, z)`` entries."""
        if self.n_entries == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        v = np.asarray(_code_of(self.w_lengths).decode(self.w_stream, self.n_entries, self.w_nbits))
        z = np.asarray(_code_of(self.z_lengths).decode(self.z_stream, self.n_entries, self.z_nbits))
        return v.astype(np.int64), z.astype(np.int64)

    def codes(self) -> np.ndarray:
        """The ``(rows, cols)`` code matrix (0 = pruned)."""
        v, z = self.entries()
        rows, cols = self.shape
        return _decode_codes(v, z, rows * cols).reshape(cols, rows).T

    def dense(self) -> np.ndarray:
        """The float32 weight matrix ``codebook[codes]``."""
        return self.codebook.astype(np.float32)[self.codes()]

    def sizes_bits(self) -> dict[str, int]:
        """Bits of every stored part, by the rules of :mod:`eie_lab.sparse_format`.

        Weight and index streams (Huffman), codebook, Huffman tables and bias (float32); the
        ``"stream"`` layout stores no pointers.
        """
        return {"weights": self.w_nbits, "index": self.z_nbits,
                "codebook": codebook_bits(self.weight_bits),
                "tables": huffman_table_bits(self.weight_bits, self.index_bits),
                "bias": FLOAT_BITS * self.bias.size, "pointers": 0}


def encode_layer(name: str, codebook: np.ndarray, codes: np.ndarray, bias: np.ndarray,
                 weight_bits: int, index_bits: int) -> CompressedLayer:
    """Build a :class:`CompressedLayer` from a shared-weight layer (``codes`` is ``(rows, cols)``).

    Examples
    --------
    >>> layer = encode_layer("fc", np.array([0.0, 1.0]), np.eye(3, dtype=int), np.zeros(3), 1, 2)
    >>> layer.sizes_bits()
    {'weights': 3, 'index': 3, 'codebook': 64, 'tables': 48, 'bias': 96, 'pointers': 0}
    """
    codes = np.asarray(codes)
    n_codes = 1 << int(weight_bits)
    if codes.ndim != 2 or len(codebook) > n_codes or (codes.size and (
            codes.min() < 0 or codes.max() >= n_codes)) or float(codebook[0]) != 0.0:
        raise CompressionError(fail_message(
            f"layer {name!r}", f"codes {codes.shape} in [{codes.min(initial=0)}, "
            f"{codes.max(initial=0)}], codebook of {len(codebook)}",
            f"needs 2-D codes in [0, {n_codes}), <= {n_codes} centroids and codebook[0] == 0",
            "use quantize.share_weights(w, bits, reserve_zero=True)"))
    rows, cols = codes.shape
    v, z = encode_stream(codes.T, index_bits)
    wl, zl = _lengths_of(v, 1 << weight_bits), _lengths_of(z, 1 << index_bits)
    w_stream, w_nbits = _code_of(wl).encode(v) if v.size else (b"", 0)
    z_stream, z_nbits = _code_of(zl).encode(z) if z.size else (b"", 0)
    cb = np.zeros(1 << weight_bits, np.float32)
    cb[:len(codebook)] = codebook
    return CompressedLayer(name, (rows, cols), int(weight_bits), int(index_bits),
                           np.asarray(bias, np.float32).copy(), cb, wl, zl, w_stream, z_stream,
                           int(w_nbits), int(z_nbits), int(v.size), int(np.count_nonzero(codes)))


@dataclass
class CompressedModel:
    """A compressed network (see the module docstring for the format).

    ``architecture`` is ``None`` for a chain of fully connected ReLU layers (LeNet-300-100) and
    :attr:`eie_lab.nn.conv.ConvNet.architecture` for a convolutional network (LeNet-5).

    Examples
    --------
    >>> layer = encode_layer("fc", np.array([0.0, -0.5, 0.5, 1.0]),
    ...                      np.array([[0, 2, 0, 0], [1, 0, 0, 3]]), np.zeros(2), 2, 2)
    >>> model = CompressedModel([layer], {"note": "demo"})
    >>> model.n_weights(), model.total_bits(), model.predict(np.eye(4, dtype=np.float32))
    (8, 270, array([0, 0, 0, 1]))
    """

    layers: list[CompressedLayer]
    meta: dict = field(default_factory=dict)
    architecture: dict | None = None

    def _decoded_layers(self) -> list[Dense]:
        layers = []
        for layer in self.layers:
            codes = layer.codes()
            layers.append(Dense(layer.name, layer.codebook[codes], layer.bias.copy(),
                                codebook=layer.codebook.copy(), codes=codes))
        return layers

    def to_mlp(self) -> MLP:
        """Decode every layer into an :class:`~eie_lab.nn.mlp.MLP` (shared-weight mode).

        Only for a model without an architecture; :meth:`to_network` works for both kinds.
        """
        if self.architecture is not None:
            raise ConfigError(fail_message("architecture", self.architecture.get("plan"),
                                           "is a convolutional network, not an MLP",
                                           "use CompressedModel.to_network()"))
        return MLP.from_layers(self._decoded_layers(), self.meta)

    def to_network(self) -> Network:
        """Decode every layer into a runnable network in shared-weight mode: an
        :class:`~eie_lab.nn.mlp.MLP`, or a :class:`~eie_lab.nn.conv.ConvNet` rebuilt from
        ``architecture``."""
        if self.architecture is None:
            return self.to_mlp()
        return ConvNet.from_architecture(self.architecture, self._decoded_layers(), self.meta)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class predictions computed straight from the decoded bitstreams."""
        return self.to_network().predict(x)

    def n_weights(self) -> int:
        """Number of weights of the uncompressed network."""
        return int(sum(r * c for r, c in (layer.shape for layer in self.layers)))

    def total_bits(self) -> int:
        """Bits of everything stored (streams, codebooks, Huffman tables, biases)."""
        return int(sum(sum(layer.sizes_bits().values()) for layer in self.layers))

    def save(self, path) -> Path:
        """Write the model atomically to ``path`` (see :func:`save`)."""
        return save(self, path)


def _widths(model: CompressedModel) -> list[int]:
    """The stored ``sizes`` chain (see the module docstring)."""
    if model.architecture is None:
        return [model.layers[0].shape[1], *(L.shape[0] for L in model.layers)] if model.layers \
            else []
    arch = model.architecture
    return check_plan(arch["input_shape"], arch["plan"],
                      {L.name: L.shape for L in model.layers}, arch.get("kernels", {}))


def save(model: CompressedModel, path) -> Path:
    """Write ``model`` as a version-2 ``.npz`` file, version 3 when it has an architecture
    (atomically), and return the path.

    Examples
    --------
    >>> import tempfile
    >>> layer = encode_layer("fc", np.array([0.0, 1.0]), np.eye(3, dtype=int), np.zeros(3), 1, 2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save(CompressedModel([layer]), Path(tmp) / "model.npz")
    ...     print(path.name, load(path).layers[0].codes().tolist())
    model.npz [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    version = VERSION if model.architecture is None else 3
    arrays: dict[str, np.ndarray] = {"format": np.array(FORMAT), "version": np.array(version),
                                     "layers": np.array([layer.name for layer in model.layers]),
                                     "meta": np.array(json.dumps(model.meta, sort_keys=True))}
    if model.architecture is not None:
        arrays["architecture"] = np.array(json.dumps(model.architecture, sort_keys=True))
    for L in model.layers:
        arrays[f"{L.name}.header"] = np.array([*L.shape, L.weight_bits, L.index_bits, L.n_entries,
                                               L.n_nonzero, L.w_nbits, L.z_nbits], np.int64)
        arrays[f"{L.name}.bias"] = L.bias
        arrays[f"{L.name}.codebook"] = L.codebook
        arrays[f"{L.name}.tables"] = np.concatenate([L.w_lengths, L.z_lengths]).astype(np.uint8)
        arrays[f"{L.name}.streams"] = np.frombuffer(L.w_stream + L.z_stream, np.uint8)
    arrays["sizes"] = np.array(_widths(model), np.int64)
    arrays["digest"] = np.array(content_digest(arrays))
    path = Path(path)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    with atomic_write(path) as fh:
        fh.write(buf.getvalue())
    return path


def _bad(what: str, value: object, rule: str) -> ModelFormatError:
    return ModelFormatError(fail_message(what, value, rule,
                                         "the file is damaged or not a compressed model: "
                                         "recompress with `eie-lab compress lenet300 --out FILE`"))


def _get(f, key: str, dtype: str | None = None, shape: tuple | None = None) -> np.ndarray:
    if key not in f.files:
        raise _bad("key", key, "is missing")
    arr = f[key]
    if dtype is not None and arr.dtype.kind != dtype:
        raise _bad(key, f"dtype {arr.dtype}", f"must have kind {dtype!r}")
    if shape is not None and arr.shape != shape:
        raise _bad(f"{key}.shape", arr.shape, f"must be {shape}")
    return arr


def _header(f, name: str) -> tuple[int, ...]:
    """A layer's header, checked against itself and its members' lengths (nothing decoded)."""
    h = _get(f, f"{name}.header", "i", (8,))
    rows, cols, wb, ib, n_ent, n_nz, w_nbits, z_nbits = (int(x) for x in h)
    if rows < 1 or cols < 1 or not (1 <= wb <= 16) or not (1 <= ib <= 16):
        raise _bad(f"{name}.header", h.tolist(), "needs rows, cols >= 1 and bits in 1..16")
    if rows * cols > MAX_WEIGHTS:
        raise _bad(f"{name}.header", f"{rows} x {cols}", f"must hold at most {MAX_WEIGHTS:,} weights")
    if not (0 <= n_nz <= n_ent <= rows * cols) or min(w_nbits, z_nbits) < 0:
        raise _bad(f"{name}.header", h.tolist(), "needs 0 <= n_nonzero <= n_entries <= rows*cols")
    if n_ent > min(w_nbits, z_nbits):
        raise _bad(f"{name}.header n_entries", n_ent,
                   f"must be <= the stream bits ({w_nbits}, {z_nbits}): each entry costs >= 1 bit")
    return rows, cols, wb, ib, n_ent, n_nz, w_nbits, z_nbits


def _load_layer(f, name: str, header: tuple[int, ...]) -> CompressedLayer:
    rows, cols, wb, ib, n_ent, n_nz, w_nbits, z_nbits = header
    bias = _get(f, f"{name}.bias", "f", (rows,)).astype(np.float32)
    cb = _get(f, f"{name}.codebook", "f", (1 << wb,)).astype(np.float32)
    if cb[0] != 0.0 or not (np.isfinite(cb).all() and np.isfinite(bias).all()):
        raise _bad(f"{name}.codebook", cb[:4].tolist(), "needs codebook[0] == 0 and finite values")
    tables = _get(f, f"{name}.tables", "u", ((1 << wb) + (1 << ib),))
    nw, nz = -(-w_nbits // 8), -(-z_nbits // 8)
    streams = _get(f, f"{name}.streams", "u", (nw + nz,)).tobytes()
    layer = CompressedLayer(name, (rows, cols), wb, ib, bias, cb, tables[:1 << wb].copy(),
                            tables[1 << wb:].copy(), streams[:nw], streams[nw:], w_nbits, z_nbits,
                            n_ent, n_nz)
    try:
        if n_ent == 0 and (w_nbits or z_nbits):
            raise _bad(f"{name} stream bits", (w_nbits, z_nbits), "must be 0 for an empty layer")
        if n_ent and not (layer.w_lengths.any() and layer.z_lengths.any()):
            raise _bad(f"{name}.tables", "all zero", "needs Huffman codes for the entries")
        v, z = layer.entries()
        if v.size != n_ent or z.size != n_ent:
            raise _bad(f"{name} streams", (v.size, z.size), f"must decode to {n_ent} entries")
        enc_w = int(layer.w_lengths[v].astype(np.int64).sum())
        enc_z = int(layer.z_lengths[z].astype(np.int64).sum())
        if enc_w != w_nbits or enc_z != z_nbits:
            raise _bad(f"{name} stream bits", (w_nbits, z_nbits),
                       f"must equal the decoded code lengths ({enc_w}, {enc_z})")
        if int(np.count_nonzero(v)) != n_nz:
            raise _bad(f"{name}.header n_nonzero", n_nz, f"stream holds {np.count_nonzero(v)}")
        _decode_codes(v, z, rows * cols)
    except ModelFormatError:
        raise
    except (EieLabError, ValueError, IndexError) as exc:
        raise _bad(f"{name} bitstreams", "undecodable", str(exc).splitlines()[0]) from None
    return layer


def _architecture(f, names: list[str], headers: list[tuple[int, ...]]
                  ) -> tuple[dict, list[int]]:
    """A version-3 file's architecture, checked against the layers' headers (nothing decoded),
    and the ``sizes`` chain it implies."""
    text = str(_get(f, "architecture", "U", ()))
    try:
        arch = json.loads(text)
        arch = {"kind": str(arch["kind"]), "input_shape": [int(s) for s in arch["input_shape"]],
                "plan": [str(op) for op in arch["plan"]],
                "kernels": {str(k): int(v) for k, v in dict(arch["kernels"]).items()}}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _bad("architecture", text[:60], "must be JSON with kind, input_shape, plan and "
                   "kernels") from None
    if arch["kind"] != "convnet":
        raise _bad("architecture kind", arch["kind"], "must be 'convnet'")
    try:
        widths = check_plan(arch["input_shape"], arch["plan"],
                            {n: (h[0], h[1]) for n, h in zip(names, headers)}, arch["kernels"])
    except ConfigError as exc:
        raise _bad("architecture", arch["plan"], str(exc).splitlines()[0]) from None
    if [op for op in arch["plan"] if op in names] != names:
        raise _bad("architecture plan", arch["plan"], f"must use the layers in order {names}")
    return arch, widths


def load(path) -> CompressedModel:
    """Read and fully validate a compressed model file; :class:`ModelFormatError` if damaged.

    Examples
    --------
    >>> import tempfile
    >>> layer = encode_layer("fc", np.array([0.0, 1.0]), np.eye(3, dtype=int), np.zeros(3), 1, 2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     model = load(CompressedModel([layer], {"seed": 0}).save(Path(tmp) / "m.npz"))
    ...     bad = Path(tmp) / "bad.npz"
    ...     _ = bad.write_bytes(b"not a zip")
    ...     try:
    ...         load(bad)
    ...     except Exception as exc:
    ...         print(type(exc).__name__, model.meta)
    ModelFormatError {'seed': 0}
    """
    path = Path(path)
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ModelFormatError(fail_message("path", str(path), "does not exist",
                                            "check the file name")) from None
    except Exception as exc:  # zip/npz damage surfaces as many exception types
        raise _bad("file", str(path), f"is not a readable .npz ({type(exc).__name__})") from None
    try:
        with f:
            fmt = str(_get(f, "format", "U", ()))
            if fmt != FORMAT:
                raise _bad("format", fmt, f"must be {FORMAT!r}")
            version = int(_get(f, "version", "i", ()))
            if version not in VERSIONS:
                raise ModelFormatError(fail_message(
                    "version", version, f"this eie-lab reads versions {list(VERSIONS)}",
                    "recompress the model with this version of eie-lab"))
            names = [str(n) for n in _get(f, "layers", "U")]
            if not names:
                raise _bad("layers", names, "must name at least one layer")
            meta = json.loads(str(_get(f, "meta", "U", ())))
            headers = [_header(f, n) for n in names]
            architecture = None
            if version == VERSION:
                if "architecture" in f.files:
                    raise _bad("architecture", "present", f"has no place in a version-{VERSION} "
                               "file")
                for (a, ha), (b, hb) in zip(zip(names, headers), zip(names[1:], headers[1:])):
                    if ha[0] != hb[1]:
                        raise _bad(f"{b}.header cols", hb[1], f"must equal {a} rows {ha[0]}")
                chain = [headers[0][1], *(h[0] for h in headers)]
            else:
                architecture, chain = _architecture(f, names, headers)
            sizes = _get(f, "sizes", "i", (len(names) + 1,)).tolist()
            if sizes != chain:
                raise _bad("layer chain", chain, f"must equal the stored sizes {sizes}")
            stored = str(_get(f, "digest", "U", ()))
            members = {k: f[k] for k in f.files if k != "digest"}
            if content_digest(members) != stored:
                raise _bad("digest", stored[:12] + "...", "must be the SHA-256 of the file's "
                           "contents (the file was changed after it was written)")
            layers = [_load_layer(f, n, h) for n, h in zip(names, headers)]
    except ModelFormatError:
        raise
    except Exception as exc:  # truncated members raise zlib/zip/OSError/ValueError
        raise _bad("file", str(path), f"could not be read ({type(exc).__name__}: {exc})") from None
    return CompressedModel(layers, meta, architecture)
