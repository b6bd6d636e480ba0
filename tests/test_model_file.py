"""Tests of the compressed model file format (eie_lab.compression.model_file)."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from eie_lab.compression import model_file as mf
from eie_lab.compression.report import compression_report
from eie_lab.errors import ModelFormatError


def _model(seed=0, sizes=(20, 12, 5), bits=(4, 3), density=0.2):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        k = 1 << bits[0]
        codes = np.where(rng.random((n_out, n_in)) < density, rng.integers(1, k, (n_out, n_in)), 0)
        cb = np.concatenate([[0.0], np.sort(rng.standard_normal(k - 1))])
        layers.append(mf.encode_layer(f"ip{i + 1}", cb, codes, rng.standard_normal(n_out),
                                      bits[0], bits[1]))
    return mf.CompressedModel(layers, {"note": "test"})


def test_paper_padding_fixture():
    # EIE convention: z counts zeros; a gap over zmax=15 (4 bits) needs a padding entry (0, 15).
    codes = np.zeros((23, 1), int)
    codes[[2, 3, 22], 0] = [1, 2, 3]
    layer = mf.encode_layer("fc", np.arange(4.0), codes, np.zeros(23), 2, 4)
    v, z = layer.entries()
    assert v.tolist() == [1, 2, 0, 3] and z.tolist() == [2, 0, 15, 2]
    assert layer.codes().tolist() == codes.tolist()


def test_round_trip_and_predictions(tmp_path):
    model = _model()
    path = model.save(tmp_path / "m.npz")
    loaded = mf.load(path)
    assert loaded.meta == {"note": "test"}
    for a, b in zip(model.layers, loaded.layers):
        assert a.shape == b.shape and a.w_stream == b.w_stream and a.z_stream == b.z_stream
        assert np.array_equal(a.dense(), b.dense()) and np.array_equal(a.bias, b.bias)
    x = np.random.default_rng(1).random((50, 20), dtype=np.float32)
    assert np.array_equal(model.predict(x), loaded.predict(x))
    rep = compression_report(loaded, file_size=path.stat().st_size)
    assert rep.total["bits_pqh"] == loaded.total_bits()
    assert rep.rows[0]["w_bits_pq"] == 4 and rep.rows[0]["idx_bits_pq"] == 3
    assert isinstance(rep.total["ratio_pqh"], float) and "Total" in rep.to_text()


def test_empty_layer_round_trip(tmp_path):
    model = _model(density=0.0)
    loaded = mf.load(model.save(tmp_path / "e.npz"))
    assert all(layer.n_entries == 0 and not layer.dense().any() for layer in loaded.layers)


def _rewrite(path, out, change, rehash=True):
    """Apply ``change`` to the members; ``rehash`` stores a matching digest (a consistent but
    wrong writer), so the structural checks behind the digest are exercised too."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    if rehash and "digest" in arrays:
        arrays["digest"] = np.array(mf.content_digest(arrays))
    np.savez(out, **arrays)
    return out


def _set(key, fn):
    def change(arrays):
        if fn is None:
            del arrays[key]
        else:
            arrays[key] = fn(arrays[key])
    return change


def _bump_header(i, delta):
    def fn(h):
        h = h.copy()
        h[i] += delta
        return h
    return fn


@pytest.mark.parametrize("change", [
    _set("version", lambda v: np.array(1)),
    _set("digest", None),
    _set("sizes", lambda z: z[:-1]),
    _set("format", lambda v: np.array("something else")),
    _set("ip1.header", _bump_header(4, 1)),        # n_entries
    _set("ip1.header", _bump_header(5, -1)),       # n_nonzero
    _set("ip1.header", _bump_header(6, 3)),        # w_nbits
    _set("ip2.header", _bump_header(0, 1)),        # rows (bias/next layer mismatch)
    _set("ip1.header", lambda h: h[:5]),
    _set("ip1.streams", lambda s: s[:-2]),
    _set("ip1.streams", lambda s: np.zeros_like(s)),
    _set("ip1.tables", lambda t: t[:-1]),
    _set("ip1.tables", lambda t: np.zeros_like(t)),
    _set("ip1.codebook", lambda c: c + 1),
    _set("ip1.bias", lambda b: b.astype(np.int64)),
    _set("ip2.codebook", None),
    _set("layers", None),
    _set("meta", None),
], ids=lambda c: "")
def test_damaged_files_raise_model_format_error(tmp_path, change):
    path = _model().save(tmp_path / "m.npz")
    bad = _rewrite(path, tmp_path / "bad.npz", change)
    with pytest.raises(ModelFormatError):
        mf.load(bad)


def test_truncated_and_garbage_files(tmp_path):
    path = _model().save(tmp_path / "m.npz")
    data = path.read_bytes()
    for n in (0, 10, len(data) // 2, len(data) - 5):
        (tmp_path / "t.npz").write_bytes(data[:n])
        with pytest.raises(ModelFormatError):
            mf.load(tmp_path / "t.npz")
    with pytest.raises(ModelFormatError):
        mf.load(tmp_path / "missing.npz")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("meta.npy", json.dumps({}))
    (tmp_path / "z.npz").write_bytes(buf.getvalue())
    with pytest.raises(ModelFormatError):
        mf.load(tmp_path / "z.npz")


def test_wrong_version_message_says_what_to_do(tmp_path):
    path = _model().save(tmp_path / "m.npz")
    bad = _rewrite(path, tmp_path / "v.npz", _set("version", lambda v: np.array(99)))
    with pytest.raises(ModelFormatError, match="version=99.*\n.*recompress"):
        mf.load(bad)


def test_encode_layer_rejects_inconsistent_input():
    from eie_lab.errors import CompressionError

    with pytest.raises(CompressionError):
        mf.encode_layer("ip1", np.array([0.0, 1.0]), np.array([[0, 4]]), np.zeros(1), 2, 3)
    with pytest.raises(CompressionError):
        mf.encode_layer("ip1", np.array([0.5, 1.0]), np.array([[0, 1]]), np.zeros(1), 2, 3)
    with pytest.raises(CompressionError):
        mf.encode_layer("ip1", np.zeros(8), np.array([[0, 1]]), np.zeros(1), 2, 3)


@pytest.mark.parametrize("change", [
    _set("ip1.streams", lambda s: np.roll(s, 1)),                  # edited stream, same length
    _set("ip1.codebook", lambda c: c * 2),                          # edited codebook
    _set("ip2.bias", lambda b: b + 1),
], ids=["stream", "codebook", "bias"])
def test_edited_members_fail_the_content_hash(tmp_path, change):
    path = _model().save(tmp_path / "m.npz")
    bad = _rewrite(path, tmp_path / "e.npz", change, rehash=False)
    with pytest.raises(ModelFormatError, match="digest"):
        mf.load(bad)


def test_a_file_that_lost_its_last_layer_is_rejected(tmp_path):
    path = _model(sizes=(20, 12, 8, 5)).save(tmp_path / "m.npz")

    def drop_last(arrays):
        for key in [k for k in arrays if k.startswith("ip3.")]:
            del arrays[key]
        arrays["layers"] = arrays["layers"][:-1]

    with pytest.raises(ModelFormatError, match="sizes|digest"):
        mf.load(_rewrite(path, tmp_path / "a.npz", drop_last, rehash=False))
    with pytest.raises(ModelFormatError, match="sizes"):  # the stored chain names 3 layers
        mf.load(_rewrite(path, tmp_path / "b.npz", drop_last))


def test_claimed_sizes_are_checked_before_allocating(tmp_path):
    """A header claiming 10**6 columns or more entries than stream bits fails at once."""
    import tracemalloc

    path = _model(sizes=(20, 5)).save(tmp_path / "m.npz")
    cases = {"cols": _set("ip1.header", _bump_header(1, 10**6)),
             "entries": _set("ip1.header", _bump_header(4, 10**7)),
             "huge": _set("ip1.header", lambda h: np.array([1 << 20, 1 << 20, *h[2:]]))}
    for what, change in cases.items():
        bad = _rewrite(path, tmp_path / f"{what}.npz", change)
        tracemalloc.start()
        with pytest.raises(ModelFormatError):
            mf.load(bad)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 5_000_000, (what, peak)


# ---------------------------------------------------------------------- version 3: a conv net
def _conv_model(seed=0, density=0.3):
    """A compressed LeNet-5 (random codes): the architecture travels in the file."""
    from eie_lab.nn.conv import lenet5

    net = lenet5(seed=seed)
    rng = np.random.default_rng(seed)
    layers = []
    for layer in net.layers:
        bits = 8 if layer.name.startswith("conv") else 5
        k = 1 << bits
        shape = layer.W.shape
        codes = np.where(rng.random(shape) < density, rng.integers(1, k, shape), 0)
        cb = np.concatenate([[0.0], np.sort(0.1 * rng.standard_normal(k - 1))])
        layers.append(mf.encode_layer(layer.name, cb, codes, 0.01 * rng.standard_normal(shape[0]),
                                      bits, 5))
    return mf.CompressedModel(layers, {"note": "conv"}, net.architecture)


def test_conv_model_round_trip_rebuilds_a_runnable_lenet5(tmp_path):
    from eie_lab.nn.conv import LENET5_PLAN, ConvNet

    model = _conv_model()
    path = model.save(tmp_path / "c.npz")
    with np.load(path) as f:
        assert int(f["version"]) == 3 and f["sizes"].tolist() == [784, 11520, 3200, 500, 10]
    loaded = mf.load(path)
    assert loaded.architecture == model.architecture
    net = loaded.to_network()
    assert isinstance(net, ConvNet) and net.plan == LENET5_PLAN and net.kernels["conv2"] == 5
    assert all(np.array_equal(a.W, b.dense()) for a, b in zip(net.layers, model.layers))
    x = np.random.default_rng(0).random((20, 784), dtype=np.float32)
    assert np.array_equal(loaded.predict(x), model.predict(x))
    with pytest.raises(ValueError, match="to_network"):
        loaded.to_mlp()


def test_mlp_files_stay_version_2(tmp_path):
    with np.load(_model().save(tmp_path / "m.npz")) as f:
        assert int(f["version"]) == 2 and "architecture" not in f.files


def _arch(fn):
    def change(arrays):
        arch = json.loads(str(arrays["architecture"]))
        fn(arch)
        arrays["architecture"] = np.array(json.dumps(arch))
    return change


@pytest.mark.parametrize("change, match", [
    (_arch(lambda a: a["kernels"].update(conv2=3)), "conv2"),           # filters do not fit
    (_arch(lambda a: a["plan"].remove("pool")), "ip1|conv2"),           # a pool lost
    (_arch(lambda a: a.update(plan=a["plan"][::-1])), "plan|conv"),     # reordered
    (_arch(lambda a: a.update(input_shape=[1, 32, 32])), "ip1"),        # other input size
    (_arch(lambda a: a.update(kind="rnn")), "kind"),
    (_set("architecture", lambda t: np.array("{not json")), "JSON"),
    (_set("architecture", None), "architecture"),                       # v3 without it
    (_set("version", lambda v: np.array(2)), "conv|cols|architecture"), # read as a v2 chain
    (_set("sizes", lambda z: z[:-1]), "sizes"),
], ids=["kernel", "pool", "order", "input", "kind", "json", "missing", "as-v2", "sizes"])
def test_damaged_architecture_is_rejected(tmp_path, change, match):
    path = _conv_model().save(tmp_path / "c.npz")
    with pytest.raises(ModelFormatError, match=match):
        mf.load(_rewrite(path, tmp_path / "bad.npz", change))


def test_edited_architecture_fails_the_content_hash(tmp_path):
    path = _conv_model().save(tmp_path / "c.npz")
    bad = _rewrite(path, tmp_path / "e.npz", _arch(lambda a: a["plan"].insert(1, "relu")),
                   rehash=False)
    with pytest.raises(ModelFormatError, match="digest"):
        mf.load(bad)
