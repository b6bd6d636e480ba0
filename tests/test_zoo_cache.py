"""The trained-model cache (eie_lab.nn.zoo): keyed by everything that determines the weights,
checked on load, trained again over a damaged entry, and checked for writability before training.

Training runs use 600 images for one epoch (about a second), never the full baseline.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eie_lab.errors import ConfigError
from eie_lab.nn import MLP, lenet300, zoo

QUICK = {"seed": 0, "epochs": 1, "n_train": 600}


@pytest.fixture
def cache(monkeypatch, tmp_path, mnist_dir):
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EIE_LAB_DATA", str(mnist_dir))
    return tmp_path / "cache"


def test_key_covers_data_subset_seed_epochs_and_code(cache, tmp_path, monkeypatch):
    base = zoo.cache_path()
    assert len({base, zoo.cache_path(seed=1), zoo.cache_path(epochs=2),
                zoo.cache_path(n_train=600)}) == 4
    key = zoo.cache_key()
    assert key["recipe"] == zoo.BASELINE_RECIPE and key["zoo_version"] == zoo.ZOO_VERSION
    # other data (same layout, not the published files) is another key
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    for split, n in (("train", 5), ("t10k", 3)):
        for kind, shape in (("images-idx3", (n, 28, 28)), ("labels-idx1", (n,))):
            head = bytes([0, 0, 8, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)
            (tiny / f"{split}-{kind}-ubyte").write_bytes(head + bytes(int(np.prod(shape))))
    assert zoo.cache_key(data_dir=tiny)["data"] != key["data"]
    # a change to the training code is another key
    monkeypatch.setattr(zoo, "_code_hash", lambda: "0" * 16)
    assert zoo.cache_path() != base


def test_code_hash_ignores_docstrings_and_comments():
    import ast

    a = ast.parse('def f(x):\n    """Doc."""\n    return x + 1  # note\n')
    b = ast.parse("def f(x):\n    return x + 1\n")
    assert ast.dump(zoo._strip_docstrings(a)) == ast.dump(zoo._strip_docstrings(b))
    assert len(zoo._code_hash()) == 16


def test_a_subset_model_is_never_served_as_the_baseline(cache):
    small = zoo.pretrained_lenet300(**QUICK)
    assert not small.meta["from_cache"] and small.meta["n_train"] == 600
    again = zoo.pretrained_lenet300(**QUICK)
    assert again.meta["from_cache"]
    assert all(np.array_equal(a.W, b.W) for a, b in zip(small.layers, again.layers))
    assert not zoo.cache_path(seed=0, epochs=1).exists()  # the full-data entry is separate
    assert zoo.cache_path(**QUICK).exists()


def _nan(path):
    net = lenet300(seed=0)
    net.layers[1].W[3, 4] = np.nan
    np.savez(path, test_error=0.02, train_seconds=1.0, **net.to_arrays())


def _wrong_shape(path):
    np.savez(path, test_error=0.02, train_seconds=1.0, **MLP((784, 300, 100, 11)).to_arrays())


def _two_layers(path):
    np.savez(path, test_error=0.02, train_seconds=1.0, **MLP((784, 300, 10), ("ip1", "ip2")).to_arrays())


def _other_key(path):
    np.savez(path, key=np.array('{"seed": 99}'), test_error=0.02, train_seconds=1.0,
             **lenet300(seed=0).to_arrays())


def _bad_error(path):
    np.savez(path, test_error=np.nan, train_seconds=1.0, **lenet300(seed=0).to_arrays())


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "garbage": lambda p: p.write_bytes(b"PK\x03\x04" + bytes(100)),
    "nan weights": _nan,
    "wrong shape": _wrong_shape,
    "missing layer": _two_layers,
    "other key": _other_key,
    "nan error": _bad_error,
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_entry_is_trained_again_and_replaced(cache, damage):
    first = zoo.pretrained_lenet300(**QUICK)
    path = zoo.cache_path(**QUICK)
    other = cache / "other-result.npz"
    other.write_bytes(b"someone else's file")
    DAMAGE[damage](path)
    with pytest.warns(RuntimeWarning, match="damaged"):
        net = zoo.pretrained_lenet300(**QUICK)
    assert not net.meta["from_cache"]
    assert all(np.isfinite(layer.W).all() for layer in net.layers) and net.sizes == (784, 300, 100, 10)
    assert all(np.array_equal(a.W, b.W) for a, b in zip(first.layers, net.layers))  # same seed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert zoo.pretrained_lenet300(**QUICK).meta["from_cache"]  # the entry is good again
    assert other.read_bytes() == b"someone else's file"
    assert sorted(p.name for p in cache.iterdir()) == sorted([path.name, other.name])


def test_unwritable_cache_fails_before_training(monkeypatch, tmp_path, mnist_dir):
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("x")
    monkeypatch.setenv("EIE_LAB_CACHE", str(blocker))
    monkeypatch.setenv("EIE_LAB_DATA", str(mnist_dir))

    def tripwire(*args, **kwargs):
        raise AssertionError("training started before the cache was checked")

    monkeypatch.setattr(zoo, "train", tripwire)
    with pytest.raises(ConfigError, match=r"EIE_LAB_CACHE=.*is a file, not a folder"):
        zoo.pretrained_lenet300(**QUICK)
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("kwargs, name", [
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"seed": True}, "seed"),
    ({"epochs": 0}, "epochs"), ({"epochs": "8"}, "epochs"), ({"n_train": 0}, "n_train"),
])
def test_bad_arguments(kwargs, name):
    with pytest.raises(ConfigError) as info:
        zoo.pretrained_lenet300(**kwargs)
    assert str(info.value).startswith(f"{name}=") and "help:" in str(info.value)


def test_numpy_integers_are_accepted(cache):
    key = zoo.cache_key(seed=np.int64(0), epochs=np.int32(1), n_train=np.int64(600))
    assert key == zoo.cache_key(**QUICK) and isinstance(key["seed"], int)
