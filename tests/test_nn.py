"""Tests of the numpy LeNet-300-100 trainer (eie_lab.nn)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eie_lab.compression.quantize import reduce_gradients
from eie_lab.errors import ConfigError
from eie_lab.nn import MLP, evaluate, lenet300, train, zoo


def _tiny(seed=0, dtype=np.float64):
    net = MLP((6, 5, 4, 3), seed=seed)
    for layer in net.layers:
        layer.W = layer.W.astype(dtype)
        layer.b = (0.1 * np.arange(layer.b.size)).astype(dtype)
    return net


def _blobs(n=64, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    x = (0.3 * rng.standard_normal((n, d))).astype(np.float32)
    x[np.arange(n), y] += 1.0
    return x, y


def test_lenet300_shapes_and_names():
    net = lenet300(seed=0)
    assert net.names == ["ip1", "ip2", "ip3"]
    assert [layer.W.shape for layer in net.layers] == [(300, 784), (100, 300), (10, 100)]
    assert all(layer.W.dtype == np.float32 for layer in net.layers)
    assert net.n_weights() == 266_200
    assert np.array_equal(lenet300(seed=3).layers[0].W, lenet300(seed=3).layers[0].W)


def test_gradient_matches_finite_differences():
    net = _tiny()
    x, y = _blobs(8)
    _, grads = net.loss_and_grads(x, y)
    eps = 1e-6
    rng = np.random.default_rng(1)
    for li, layer in enumerate(net.layers):
        for param, g in ((layer.W, grads[li][0]), (layer.b, grads[li][1])):
            for idx in [tuple(rng.integers(0, s) for s in param.shape) for _ in range(6)]:
                old = param[idx]
                param[idx] = old + eps
                lp, _ = net.loss_and_grads(x, y)
                param[idx] = old - eps
                lm, _ = net.loss_and_grads(x, y)
                param[idx] = old
                assert g[idx] == pytest.approx((lp - lm) / (2 * eps), rel=1e-4, abs=1e-7)


@settings(max_examples=15, deadline=None)
@given(density=st.floats(0.05, 0.95), seed=st.integers(0, 1000))
def test_masks_hold_exactly_through_retraining(density, seed):
    net = MLP((6, 8, 3), seed=seed)
    rng = np.random.default_rng(seed)
    masks = {layer.name: rng.random(layer.W.shape) < density for layer in net.layers}
    net.set_masks(masks)
    x, y = _blobs(40, seed=seed)
    train(net, x, y, epochs=2, batch_size=8, lr=0.1, weight_decay=1e-3, seed=seed)
    for layer in net.layers:
        assert np.all(layer.W[~masks[layer.name]] == 0.0)
        assert not np.any(np.signbit(layer.W[~masks[layer.name]]))


def test_shared_weight_mode_keeps_weights_on_codebook():
    net = MLP((6, 8, 3), seed=0)
    rng = np.random.default_rng(0)
    for layer in net.layers:
        codes = rng.integers(0, 4, layer.W.shape)
        net.set_shared(layer.name, np.array([0.0, -0.5, 0.2, 0.7]), codes)
    before = [layer.codes.copy() for layer in net.layers]
    x, y = _blobs(48)
    with pytest.raises(ConfigError, match="grad_hook"):  # the trainer does not know DC Eq. 3
        train(net, x, y, epochs=1, seed=0)
    train(net, x, y, epochs=3, batch_size=16, lr=0.1, codebook_lr=0.01, seed=0,
          grad_hook=reduce_gradients)
    for layer, codes in zip(net.layers, before):
        assert np.array_equal(layer.codes, codes)
        assert layer.codebook[0] == 0.0
        assert np.array_equal(layer.W, layer.codebook[layer.codes])
        assert not np.allclose(layer.codebook[1:], [-0.5, 0.2, 0.7])


def test_shared_weight_step_is_grouped_gradient_sum():
    net = MLP((6, 8, 3), seed=0)
    rng = np.random.default_rng(2)
    cb = np.array([0.0, -0.5, 0.2, 0.7], np.float32)
    for layer in net.layers:
        net.set_shared(layer.name, cb, rng.integers(0, 4, layer.W.shape))
    x, y = _blobs(16)
    _, grads = net.loss_and_grads(x, y)
    expect = cb - 0.01 * reduce_gradients(net.layers[0].codes, grads[0][0], 4)
    expect[0] = 0.0
    train(net, x, y, epochs=1, batch_size=16, lr=0.1, momentum=0.0, weight_decay=0.0,
          codebook_lr=0.01, schedule="constant", seed=0, grad_hook=reduce_gradients)
    np.testing.assert_allclose(net.layers[0].codebook, expect, rtol=1e-5, atol=1e-7)


def test_bad_input_is_rejected():
    net = MLP((6, 4, 3))
    with pytest.raises(ConfigError):
        train(net, np.zeros((4, 5), np.float32), np.zeros(4, int))
    with pytest.raises(ConfigError):
        train(net, np.zeros((4, 6), np.float32), np.zeros(4, int), lr=-1.0)
    with pytest.raises(ConfigError):
        net.set_masks({"ip1": np.ones((2, 2), bool)})
    with pytest.raises(ConfigError):
        net.set_shared("ip1", np.zeros(2), np.full((4, 6), 5))
    with pytest.raises(ConfigError):
        MLP((784,))
    with pytest.raises(ConfigError):
        zoo.pretrained_lenet300(epochs=0)


def test_short_run_learns_real_mnist(mnist_dir):
    x, y, xt, yt = zoo.mnist_arrays(mnist_dir, n_train=6000, n_test=2000)
    net = lenet300(seed=0)
    hist = train(net, x, y, epochs=2, batch_size=64, lr=0.1, seed=0, x_val=xt, y_val=yt)
    assert hist.loss[1] < hist.loss[0]
    assert evaluate(net, xt, yt) < 0.15  # chance is 0.9


def test_pretrained_lenet300_uses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path))
    net = lenet300(seed=5)
    path = zoo.cache_path(seed=0, epochs=2)
    np.savez(path, test_error=np.float64(0.5), train_seconds=np.float64(1.0), **net.to_arrays())
    got = zoo.pretrained_lenet300(seed=0, epochs=2)
    assert got.meta["from_cache"] and got.meta["test_error"] == 0.5
    assert all(np.array_equal(a.W, b.W) for a, b in zip(got.layers, net.layers))


def test_mlp_and_convnet_share_the_network_operations():
    from eie_lab.nn import ConvNet, Network, lenet5

    for net in (lenet300(seed=0), lenet5(seed=0)):
        assert isinstance(net, Network)
        first = net.layers[0]
        with pytest.raises(ConfigError, match="weight shape"):
            net.set_masks({first.name: np.ones((2, 2), bool)})
        with pytest.raises(ConfigError, match="is not a layer"):
            net.layer("nope")
        twin = net.with_weights({first.name: np.zeros_like(first.W)})
        assert type(twin) is type(net) and not twin.layers[0].W.any() and first.W.any()
    assert lenet300(seed=0).architecture is None
    assert ConvNet.from_architecture(lenet5(seed=0).architecture,
                                     lenet5(seed=0).layers).kernels == {"conv1": 5, "conv2": 5}
