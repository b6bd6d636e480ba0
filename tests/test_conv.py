"""Tests of the numpy convolutional layers and LeNet-5 (eie_lab.nn.conv)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eie_lab.compression.quantize import reduce_gradients, share_weights
from eie_lab.errors import ConfigError
from eie_lab.nn import Conv2D, ConvNet, Dense, evaluate, lenet5, train
from eie_lab.nn.conv import check_plan, col2im, im2col, maxpool_backward, maxpool_forward


def _direct_conv(x, filters, b):
    """Textbook convolution (cross-correlation) of NHWC ``x`` with (O, C, k, k) filters."""
    n, h, w, c = x.shape
    o, _, k, _ = filters.shape
    out = np.zeros((n, h - k + 1, w - k + 1, o))
    for i in range(h - k + 1):
        for j in range(w - k + 1):
            patch = x[:, i:i + k, j:j + k, :]                     # (n, k, k, c)
            out[:, i, j, :] = np.einsum("nijc,ocij->no", patch, filters) + b
    return out


def _tiny(seed=0, dtype=np.float64):
    """conv 3@3x3 -> pool -> conv 4@3x3 -> pool -> relu -> fc 5 -> relu -> fc 3 on 1x10x10."""
    rng = np.random.default_rng(seed)
    c1 = Conv2D("c1", rng.standard_normal((3, 9)).astype(dtype),
                (0.1 * rng.standard_normal(3)).astype(dtype), kernel=3)
    c2 = Conv2D("c2", (0.3 * rng.standard_normal((4, 27))).astype(dtype),
                (0.1 * rng.standard_normal(4)).astype(dtype), kernel=3)
    fc = Dense("fc", (0.5 * rng.standard_normal((5, 4))).astype(dtype),
               (0.1 * rng.standard_normal(5)).astype(dtype))
    out = Dense("out", (0.5 * rng.standard_normal((3, 5))).astype(dtype),
                (0.1 * rng.standard_normal(3)).astype(dtype))
    return ConvNet([c1, c2, fc, out], ["c1", "pool", "c2", "pool", "relu", "fc", "relu", "out"],
                   (1, 10, 10))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7), c=st.integers(1, 3),
       k=st.integers(1, 3), o=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_im2col_matmul_is_the_direct_convolution(n, h, w, c, k, o, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c))
    filters, b = rng.standard_normal((o, c, k, k)), rng.standard_normal(o)
    got = (im2col(x, k) @ filters.reshape(o, -1).T + b).reshape(n, h - k + 1, w - k + 1, o)
    assert np.allclose(got, _direct_conv(x, filters, b))


@settings(max_examples=25, deadline=None)
@given(h=st.integers(3, 7), c=st.integers(1, 3), k=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_col2im_is_the_adjoint_of_im2col(h, c, k, seed):
    # <im2col(x), g> == <x, col2im(g)> for every x and g: the backward pass is exact
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, h, h + 1, c))
    g = rng.standard_normal(im2col(x, k).shape)
    assert np.isclose(np.sum(im2col(x, k) * g), np.sum(x * col2im(g, x.shape, k)))


def test_maxpool_takes_the_window_maximum_and_routes_ties_to_one_input():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 3))
    out, where = maxpool_forward(x)
    ref = x.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4))
    assert np.array_equal(out, ref)
    flat = np.zeros((1, 2, 2, 1))                     # a blank region: all four tie
    out, where = maxpool_forward(flat)
    d = maxpool_backward(np.ones_like(out), where, flat.shape)
    assert d.sum() == 1.0 and d[0, 0, 0, 0] == 1.0   # the gradient is not counted four times


def test_gradient_matches_finite_differences():
    net = _tiny()
    rng = np.random.default_rng(1)
    x, y = rng.random((6, 100)), rng.integers(0, 3, 6)
    _, grads = net.loss_and_grads(x, y)
    eps = 1e-6
    for layer, (gW, gb) in zip(net.layers, grads):
        assert gW.shape == layer.W.shape and gb.shape == layer.b.shape
        for param, grad in ((layer.W, gW), (layer.b, gb)):
            num = np.zeros_like(param)
            for idx in np.ndindex(param.shape):
                old = param[idx]
                param[idx] = old + eps
                up = net.loss_and_grads(x, y)[0]
                param[idx] = old - eps
                down = net.loss_and_grads(x, y)[0]
                param[idx] = old
                num[idx] = (up - down) / (2 * eps)
            assert np.allclose(grad, num, rtol=1e-5, atol=1e-8), layer.name


def test_lenet5_is_the_caffe_net_of_dc_table_3():
    net = lenet5(seed=0)
    assert net.names == ["conv1", "conv2", "ip1", "ip2"]
    assert [layer.W.shape for layer in net.layers] == [(20, 25), (50, 500), (500, 800), (10, 500)]
    assert net.n_weights() == 430_500                      # "431K" in DC Table 3
    assert net.kernels == {"conv1": 5, "conv2": 5}
    assert net.sizes == (784, 20 * 24 * 24, 50 * 8 * 8, 500, 10)
    assert all(layer.W.dtype == np.float32 for layer in net.layers)
    assert np.array_equal(lenet5(seed=3).layers[1].W, lenet5(seed=3).layers[1].W)
    assert not np.array_equal(lenet5(seed=3).layers[1].W, lenet5(seed=4).layers[1].W)


def test_forward_flattens_in_caffe_order():
    # ip1's columns are (channel, row, column) of pool2's output, as in Caffe
    net = lenet5(seed=0)
    x = np.random.default_rng(0).random((2, 784), dtype=np.float32)
    _, tape = net.forward(x, return_hidden=True)
    dense_in = next(t[2] for t in tape if t[0] == "dense")
    pooled = next(t for t in tape if t[0] == "flatten")
    assert pooled[1] == (2, 4, 4, 50) and dense_in.shape == (2, 800)
    # recompute pool2's output by hand and flatten it channel first
    h = x.reshape(2, 28, 28, 1)
    for layer in net.layers[:2]:
        h = _direct_conv(h.astype(np.float64), layer.filters().astype(np.float64), layer.b)
        h = h.reshape(2, h.shape[1] // 2, 2, h.shape[2] // 2, 2, -1).max(axis=(2, 4))
    assert np.allclose(dense_in, h.transpose(0, 3, 1, 2).reshape(2, -1), atol=1e-4)


def test_masks_hold_pruned_conv_weights_at_zero_through_training():
    net = _tiny(dtype=np.float32)
    rng = np.random.default_rng(0)
    x, y = rng.random((48, 100), dtype=np.float32), rng.integers(0, 3, 48)
    masks = {layer.name: rng.random(layer.W.shape) < 0.5 for layer in net.layers}
    net.set_masks(masks)
    train(net, x, y, epochs=2, batch_size=8, lr=0.05, seed=0)
    for layer in net.layers:
        assert np.all(layer.W[~masks[layer.name]] == 0.0)
        assert np.any(layer.W[masks[layer.name]] != 0.0)


def test_shared_weight_mode_trains_the_codebook_of_a_conv_layer():
    net = _tiny(dtype=np.float32)
    rng = np.random.default_rng(0)
    x, y = rng.random((48, 100), dtype=np.float32), rng.integers(0, 3, 48)
    for layer in net.layers:
        cb, codes = share_weights(layer.W, 3, reserve_zero=True, seed=0)
        net.set_shared(layer.name, cb, codes)
    conv = net.layer("c2")
    codes_before, cb_before = conv.codes.copy(), conv.codebook.copy()
    with pytest.raises(ConfigError, match="grad_hook"):
        train(net, x, y, epochs=1)
    train(net, x, y, epochs=2, batch_size=8, lr=0.1, codebook_lr=0.05,
          grad_hook=reduce_gradients, seed=0)
    assert np.array_equal(conv.codes, codes_before)                # codes never change
    assert not np.array_equal(conv.codebook, cb_before)            # centroids moved
    assert conv.codebook[0] == 0.0                                 # code 0 (weight 0) fixed
    assert np.array_equal(conv.W, conv.codebook[conv.codes])


def test_lenet5_learns_a_separable_toy_problem():
    # a bright square in one of four quadrants: the class is the quadrant
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 256)
    img = 0.05 * rng.random((256, 28, 28), dtype=np.float32)
    for i, q in enumerate(y):
        r, c = divmod(int(q), 2)
        img[i, 14 * r + 3:14 * r + 11, 14 * c + 3:14 * c + 11] += 1.0
    net = lenet5(seed=0)
    before = evaluate(net, img.reshape(256, -1), y)
    train(net, img.reshape(256, -1), y, epochs=3, batch_size=32, lr=0.02, seed=0)
    assert evaluate(net, img.reshape(256, -1), y) < min(0.05, before)


def test_copy_arrays_round_trip_and_architecture():
    net = lenet5(seed=1)
    net.meta["note"] = 1
    twin = net.copy()
    assert isinstance(twin, ConvNet) and twin.architecture == net.architecture
    twin.layers[0].W[:] = 0
    assert net.layers[0].W.any()                          # a deep copy
    back = ConvNet.from_arrays(net.to_arrays())
    assert isinstance(back.layers[1], Conv2D) and back.layers[1].kernel == 5
    x = np.random.default_rng(0).random((3, 784), dtype=np.float32)
    assert np.array_equal(back.forward(x), net.forward(x))


@pytest.mark.parametrize("plan, shapes, kernels, match", [
    (["c", "fc"], {"c": (4, 9), "fc": (3, 36)}, {"c": 3}, "144 columns"),
    (["c", "pool", "fc"], {"c": (4, 8), "fc": (3, 36)}, {"c": 3}, r"c\.W\.shape"),
    (["pool", "c", "fc"], {"c": (4, 9), "fc": (3, 36)}, {"c": 3}, "even"),   # 7x7 after conv
    (["fc", "c"], {"c": (4, 9), "fc": (81, 64)}, {"c": 3}, "c.W.shape"),     # conv after flatten
    (["c", "fc", "fc"], {"c": (4, 9), "fc": (3, 196)}, {"c": 3}, "exactly once"),
    (["c"], {"c": (4, 9)}, {"c": 3}, "fully connected"),
])
def test_check_plan_names_the_misfit(plan, shapes, kernels, match):
    with pytest.raises(ConfigError, match=match):
        check_plan((1, 9, 9) if plan[0] == "pool" else (1, 8, 8), plan, shapes, kernels)


def test_layers_out_of_plan_order_are_rejected():
    net = lenet5(seed=0)
    with pytest.raises(ConfigError, match="forward order"):
        ConvNet(net.layers[::-1], net.plan, net.input_shape)
