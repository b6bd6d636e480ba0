"""Multi-layer runs: ReLU, ping-pong registers, folded bias, LeNet-300-100 on EIE."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.compression.quantize import share_weights
from eie_lab.eie import EIEConfig
from eie_lab.eie.network import encode_network, network_from_mlp, run_network
from eie_lab.errors import EncodingError
from eie_lab.nn.mlp import lenet300


def pruned(W, keep, rng):
    return np.where(rng.random(W.shape) < keep, W, 0.0)


def test_lenet_300_100_on_eie_matches_numpy():
    rng = np.random.default_rng(0)
    model = lenet300(seed=0)
    Ws = [pruned(layer.W.astype(np.float64), 0.1, rng) for layer in model.layers]
    bs = [layer.b.astype(np.float64) + 0.01 for layer in model.layers]
    shared = [share_weights(np.concatenate((W, b[:, None]), axis=1), 4) for W, b in zip(Ws, bs)]
    cbs = [np.asarray(cb, np.float64) for cb, _ in shared]
    codes = [cd[:, :-1] for _, cd in shared]
    net = encode_network(Ws, bs, EIEConfig(n_pe=16), codebooks=cbs, codes=codes)
    assert net.sizes == [784, 300, 100, 10]
    x = np.maximum(rng.normal(size=784), 0)
    out = run_network(net, x)
    # numpy oracle on the same quantised weights
    h = x
    for i, (cb, cd) in enumerate(shared):
        h = cb.astype(np.float64)[cd] @ np.append(h, 1.0)
        h = np.maximum(h, 0) if i < 2 else h
    np.testing.assert_allclose(out.y, h, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(out.y, net.reference(x), rtol=1e-12, atol=1e-12)
    assert out.register_files == [(0, 1), (1, 0), (0, 1)]
    assert out.cycles == sum(r.cycles for r in out.results) > 0
    assert out.energy_j > 0 and out.time_us == pytest.approx(out.cycles / 800)
    # each layer's input carries the bias 1 and hidden activations are ReLU'd (so sparse)
    assert [a.size for a in out.activations] == [785, 301, 101, 10]
    assert all(a[-1] == 1.0 for a in out.activations[:3])
    assert (out.activations[1] >= 0).all() and (out.activations[1] == 0).any()
    assert out.results[1].n_items == np.count_nonzero(out.activations[1])


def test_network_from_mlp_and_cycle_engine_agree():
    model = lenet300(seed=1)
    for layer in model.layers:
        layer.W = np.where(np.abs(layer.W) > 0.08, layer.W, 0).astype(np.float32)
    net = network_from_mlp(model, EIEConfig(n_pe=8, fifo_depth=2))
    x = np.maximum(np.random.default_rng(2).normal(size=784), 0)
    fast, cyc = run_network(net, x), run_network(net, x, engine="cycle")
    assert [r.cycles for r in fast.results] == [r.cycles for r in cyc.results]
    assert np.array_equal(fast.y, cyc.y)
    relu_all = run_network(net, x, relu_last=True)
    assert (relu_all.y >= 0).all()


def test_network_errors():
    with pytest.raises(EncodingError, match="at least one layer"):
        encode_network([])
    with pytest.raises(EncodingError, match="needs 3 inputs"):
        encode_network([np.ones((3, 4)), np.ones((2, 5))], config=EIEConfig(n_pe=2))
    with pytest.raises(EncodingError, match="biases"):
        encode_network([np.ones((3, 4))], biases=[np.ones(3), None], config=EIEConfig(n_pe=2))
    with pytest.raises(EncodingError, match="one bias per output"):
        encode_network([np.ones((3, 4))], biases=[np.ones(4)], config=EIEConfig(n_pe=2))
    net = encode_network([np.ones((3, 4))], config=EIEConfig(n_pe=2))
    with pytest.raises(EncodingError, match="must be \\(4,\\)"):
        run_network(net, np.ones(5))
