"""Where EIE stops winning (issue 15): batching model and crossover, AlexNet FC storage, retraining
cost (eie_lab.paper.limits), a convolution lowered to mat-vecs (eie_lab.eie.conv_lowering) and the
broadcast bound (eie_lab.eie.bottlenecks)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eie_lab import paper_tables as T
from eie_lab.data.gpu_baseline import MEASURED
from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.eie.bottlenecks import broadcast_bound, pe_scaling
from eie_lab.eie.conv_lowering import (
    ConvRun,
    conv_pe_sweep,
    lenet5_conv2,
    lower_conv,
    run_conv,
    saturation_pe,
)
from eie_lab.errors import ConfigError, EieLabError
from eie_lab.nn.conv import Conv2D, im2col, lenet5
from eie_lab.nn.zoo import mnist_arrays
from eie_lab.paper import limits as L
from tests.strategies_eie import cases

LAYERS = T.LAYER_NAMES


# ------------------------------------------------------------------ batching
@pytest.mark.parametrize("platform", L.BATCH_PLATFORMS)
def test_batch_model_passes_through_its_two_points(platform):
    for name in LAYERS:
        m = L.batch_model(platform, name)
        assert m.time_per_frame_us(1) == pytest.approx(m.t1_us)
        assert m.time_per_frame_us(64) == pytest.approx(m.t64_us)
        assert m.fixed_us + m.per_frame_us == pytest.approx(m.t1_us)


def test_batch_points_are_the_papers_and_the_h100s():
    m = L.batch_model("GPU dense", "Alex-6")  # [EIE Table IV]: 541.5 and 19.8 µs per frame
    assert (m.t1_us, m.t64_us) == (541.5, 19.8)
    assert m.source.startswith("[EIE Table IV]")
    h = L.batch_model("H100 dense fp16", "Alex-7")
    assert h.source == MEASURED == "measured on an NVIDIA H100, 2026-11-26"
    assert h.t1_us == pytest.approx(10.19, abs=0.01)
    assert h.t64_us == pytest.approx(11.21 / 64, abs=0.01)  # per batch of 64 -> per frame
    assert L.batch_model("mGPU sparse", "Alex-6").fixed_us < 0  # slower per frame at 64


@settings(max_examples=60, deadline=None)
@given(platform=st.sampled_from(L.BATCH_PLATFORMS), layer=st.sampled_from(LAYERS),
       eie=st.floats(0.05, 50_000))
def test_crossover_is_the_smallest_batch_that_beats_eie(platform, layer, eie):
    m = L.batch_model(platform, layer)
    b = L.crossover_batch(platform, layer, eie_us=eie)
    if b is None:  # no batch up to far beyond any practical size gets there
        assert all(m.time_per_frame_us(x) > eie for x in (1, 2, 64, 10**6))
        assert m.per_frame_us >= eie or m.fixed_us <= 0
    else:
        assert m.time_per_frame_us(b) <= eie
        assert b == 1 or m.time_per_frame_us(b - 1) > eie


def test_titan_x_at_batch_64_beats_eie_on_seven_of_nine_layers():
    """Issue 15's observation from [EIE Table IV]: the crossover lies at or below 64 exactly
    where the Titan X's batch-64 time per frame is below EIE's actual time."""
    rows = L.crossover_table(T.EIE_ACTUAL_US, ["GPU dense"])
    table = T.table_iv_time("GPU", 64, "dense")
    beaten = [r["layer"] for r in rows if r["GPU dense"] is not None and r["GPU dense"] <= 64]
    assert beaten == [n for n in LAYERS if table[n] <= T.EIE_ACTUAL_US[n]]
    assert len(beaten) == 7


def test_crossover_table_uses_the_simulated_eie_by_default():
    sim = L.simulated_eie_us()
    assert set(sim) == set(LAYERS)
    assert all(0.5 < sim[n] / T.EIE_ACTUAL_US[n] < 1.5 for n in LAYERS)
    rows = L.crossover_table(platforms=("GPU dense", "H100 dense fp16"))
    assert [r["eie_us"] for r in rows] == [sim[n] for n in LAYERS]
    assert rows[0]["GPU dense"] == L.crossover_batch("GPU dense", "Alex-6")


def test_batch_bad_inputs_fail_clearly():
    with pytest.raises(ConfigError, match="platform"):
        L.batch_model("TPU", "Alex-6")
    with pytest.raises(ConfigError, match="layer"):
        L.batch_model("GPU dense", "Alex-9")
    with pytest.raises(ConfigError, match="batch"):
        L.batch_model("GPU dense", "Alex-6").time_per_frame_us(0)
    with pytest.raises(ConfigError, match="eie_us"):
        L.crossover_batch("GPU dense", "Alex-6", eie_us=-1.0)
    with pytest.raises(ConfigError, match="lacks"):
        L.crossover_table({"Alex-6": 1.0})
    with pytest.raises(ConfigError, match="platforms"):
        L.crossover_table(T.EIE_ACTUAL_US, ["TPU"])
    with pytest.raises(ConfigError, match="n_pe"):
        L.simulated_eie_us(n_pe=0)


# ------------------------------------------------------------------ storage, retraining
def test_alexnet_fc_storage_against_dc_table_4_and_the_sram():
    rows = {r["layer"]: r for r in L.alexnet_fc_storage()}
    assert L.SPMAT_SRAM_BYTES == 64 * 128 * 1024
    # [DC Table 4]: fc6 38M weights at 3.0 % (P+Q) and 2.39 % (P+Q+H) of 32 bits
    assert rows["fc6"]["pq_bytes"] == pytest.approx(38e6 * 4 * 0.030)
    assert rows["fc6"]["pqh_bytes"] == pytest.approx(38e6 * 4 * 0.0239)
    total = rows["total"]
    assert total["pq_bytes"] == pytest.approx(sum(rows[f]["pq_bytes"] for f in L.FC_LAYERS))
    assert total["pqh_bytes"] < total["pq_bytes"] < L.SPMAT_SRAM_BYTES  # fits, barely at P+Q
    assert total["pq_share"] == pytest.approx(total["pq_bytes"] / L.SPMAT_SRAM_BYTES)
    # our 4+4-bit encoding: >= 8 bits per weight, padding only where rows are sparse
    for fc in L.FC_LAYERS:
        r = rows[fc]
        assert r["eie_bits_per_weight"] == pytest.approx(8 * r["entries"] / r["nnz"])
        assert r["eie_bits_per_weight"] >= 8
    assert rows["fc8"]["entries"] == rows["fc8"]["nnz"]  # 25 % dense: no gap > 15 rows


def test_retraining_cost_lwc_row_and_ours(monkeypatch):
    fake = {"lenet300": SimpleNamespace(meta={"epochs": 8, "train_seconds": 80.0})}
    monkeypatch.setattr(L, "baseline_for", lambda cfg, progress=None: fake[cfg.network])
    rows = L.retraining_cost(networks=("lenet300",))
    lwc, ours = rows
    assert (lwc["train_seconds"], lwc["retrain_seconds"]) == (75 * 3600, 173 * 3600)
    assert lwc["source"].startswith("[LWC §")
    cfg = L.preset("paper", network="lenet300")
    epochs = cfg.prune_steps * cfg.retrain_epochs + cfg.finetune_epochs
    assert ours["retrain_epochs"] == epochs
    assert ours["retrain_seconds"] == pytest.approx(80.0 / 8 * epochs)
    assert ours["retrain_seconds_kind"] == "estimate"
    assert ours["ratio"] == pytest.approx(epochs / 8)
    # a finished run: its recorded stage times (cumulative marks) are used
    stages = [{"stage": "baseline", "seconds": 1.0}, {"stage": "pruned, no retraining", "seconds": 2.0},
              {"stage": "pruned + retrained (P)", "seconds": 11.0},
              {"stage": "quantized (P+Q)", "seconds": 12.0},
              {"stage": "codebooks fine-tuned", "seconds": 15.0}]
    result = L.PipelineResult(cfg, None, None, None, None, stages, [], 15.0)
    measured = L.retraining_cost(networks=("lenet300",), results={"lenet300": result})[1]
    assert measured["retrain_seconds"] == pytest.approx(10.0 + 3.0)
    assert measured["retrain_seconds_kind"] == "measured"
    with pytest.raises(ConfigError, match="results"):
        L.retraining_cost(networks=("lenet300",), results={"lenet300": "a run"})


# ------------------------------------------------------------------ convolution lowering
def _tiny_conv(seed=0, c_out=6, c_in=3, k=3, h=7, density=0.4):
    rng = np.random.default_rng(seed)
    w = np.where(rng.random((c_out, c_in, k, k)) < density, rng.normal(size=(c_out, c_in, k, k)),
                 0.0)
    return w, rng.normal(size=(c_in, h, h))


def test_lower_conv_matches_the_networks_convolution():
    w, x = _tiny_conv()
    conv = Conv2D("c", w.reshape(6, -1), np.zeros(6), kernel=3)
    img = x.transpose(1, 2, 0)[None]  # (1, H, W, C) as ConvNet.forward holds maps
    expected = im2col(img, 3) @ conv.W.T
    matrix, cols = lower_conv(w, x)
    assert matrix.shape == (6, 27) and cols.shape == (25, 27)
    np.testing.assert_allclose(cols @ matrix.T, expected)
    # and by the definition of a convolution, pixel (i, j), filter o
    i, j, o = 2, 3, 4
    direct = (w[o] * x[:, i:i + 3, j:j + 3]).sum()
    assert (cols @ matrix.T)[i * 5 + j, o] == pytest.approx(direct)


@settings(max_examples=40, deadline=None)
@given(c_out=st.integers(1, 5), c_in=st.integers(1, 3), k=st.integers(1, 4), extra=st.integers(0, 4),
       seed=st.integers(0, 10**6))
def test_lower_conv_is_a_convolution(c_out, c_in, k, extra, seed):
    """Any shape: column (i, j) of the lowering times filter o is the k x k patch sum."""
    rng = np.random.default_rng(seed)
    w, x = rng.normal(size=(c_out, c_in, k, k)), rng.normal(size=(c_in, k + extra, k + extra + 1))
    matrix, cols = lower_conv(w, x)
    out = cols @ matrix.T
    ho, wo = x.shape[1] - k + 1, x.shape[2] - k + 1
    direct = np.array([[(w[o] * x[:, i:i + k, j:j + k]).sum() for o in range(c_out)]
                       for i in range(ho) for j in range(wo)])
    np.testing.assert_allclose(out, direct, atol=1e-9)


def test_lenet5_conv2_is_the_networks_conv2_input(mnist_dir):
    net = lenet5(seed=0)  # untrained: no training in the test
    w, x = lenet5_conv2(net=net, keep=0.12, image=3)
    assert w.shape == (50, 20, 5, 5) and x.shape == (20, 12, 12)
    assert (w != 0).mean() == pytest.approx(0.12, abs=1e-3)
    img = mnist_arrays()[2][3:4]
    _, tape = net.forward(img, return_hidden=True)
    conv2_cols = [t for t in tape if t[0] == "conv" and t[1].name == "conv2"][0][2]
    _, cols = lower_conv(w, x)
    np.testing.assert_allclose(cols, conv2_cols, rtol=1e-5, atol=1e-5)
    _, x_relu = lenet5_conv2(net=net, image=3, relu=True)
    np.testing.assert_array_equal(x_relu, np.maximum(x, 0))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n_pe=st.integers(1, 12), density=st.sampled_from([0.1, 0.5, 1.0]),
       act=st.sampled_from([0.0, 0.5, 1.0]))
def test_conv_run_properties(seed, n_pe, density, act):
    w, x = _tiny_conv(seed, density=density)
    x = np.where(np.random.default_rng(seed + 1).random(x.shape) < act, x, 0.0)
    run = run_conv(w, x, EIEConfig(n_pe=n_pe))
    matrix, cols = lower_conv(w, x)
    assert run.n_pixels == cols.shape[0] == 25
    assert run.weight_reads >= run.weight_stationary_reads
    assert run.weight_stationary_reads <= np.count_nonzero(matrix)
    assert run.cycles_per_pixel >= run.broadcast_cycles_per_pixel
    assert 0.0 <= run.mac_utilization <= 1.0
    assert run.broadcast_cycles_per_pixel == pytest.approx(np.count_nonzero(cols) / 25)
    assert run.dense_array_cycles_per_pixel == pytest.approx(matrix.size / n_pe)
    # the same as simulating each pixel by hand
    layer = encode(matrix, EIEConfig(n_pe=n_pe))
    assert run.cycles == sum(simulate(layer, c).cycles for c in cols)


@settings(max_examples=20, deadline=None)
@given(cycles=st.lists(st.integers(1, 1000), min_size=1, max_size=8),
       tol=st.floats(0, 1))
def test_saturation_pe_is_the_smallest_within_tolerance(cycles, tol):
    runs = [ConvRun(2 ** i, 1, c, c, 0.5, 1.0, 1, 1, 1.0, 1, 1.0) for i, c in enumerate(cycles)]
    best = min(cycles)
    n = saturation_pe(runs, tol)
    assert cycles[n.bit_length() - 1] <= best * (1 + tol)
    assert all(c > best * (1 + tol) for c in cycles[:n.bit_length() - 1])


def test_conv_pe_sweep_saturates_where_the_broadcast_binds():
    """50 outputs on >= 64 PEs: one cycle per broadcast item, more PEs change nothing."""
    w, x = _tiny_conv(1, c_out=4, c_in=2, k=3, h=6, density=0.5)
    runs = conv_pe_sweep(w, x, [1, 2, 4, 8, 16])
    assert [r.n_pe for r in runs] == [1, 2, 4, 8, 16]
    assert runs[-1].cycles == runs[-2].cycles  # 4 rows: 8 and 16 PEs hold one row at most
    assert saturation_pe(runs) <= 4
    assert runs[-1].cycles_per_pixel == pytest.approx(runs[-1].broadcast_cycles_per_pixel + 1)


def test_conv_bad_inputs_fail_clearly():
    with pytest.raises(ConfigError, match="weight.shape"):
        lower_conv(np.ones((2, 3, 3)), np.ones((3, 5, 5)))
    with pytest.raises(ConfigError, match="x.shape"):
        lower_conv(np.ones((2, 3, 3, 3)), np.ones((2, 5, 5)))
    with pytest.raises(ConfigError, match="n_pes"):
        conv_pe_sweep(np.ones((2, 1, 2, 2)), np.ones((1, 3, 3)), [0])
    with pytest.raises(ConfigError, match="runs"):
        saturation_pe([])
    with pytest.raises(ConfigError, match="keep"):
        lenet5_conv2(keep=0)
    with pytest.raises(EieLabError, match="image"):
        lenet5_conv2(image=10_000)


# ------------------------------------------------------------------ broadcast bound
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(options=True))
def test_bounds_never_exceed_the_simulated_cycles(case):
    bb = broadcast_bound(case.layer, case.a, case.config)
    assert bb.broadcast_cycles == math.ceil(bb.n_items / case.config.broadcast_width)
    assert bb.skip_bound_cycles <= bb.bound_cycles <= bb.cycles
    assert bb.pe_work_cycles >= case.config.min_column_cycles * bb.n_items
    assert bb.limited_by == ("broadcast" if bb.broadcast_cycles >= bb.entry_work_cycles
                             else "PE work")
    assert bb.cycles == simulate(case.layer, case.a, case.config).cycles


def test_wider_broadcast_alone_buys_nothing_on_nt_we():
    """eie_lab.eie's Options: no change on NT-We at 64 or 256 PEs with B = 2 or 4; at 256 PEs
    the layer is broadcast-limited, and only PEs that skip empty columns could gain."""
    rows = pe_scaling("NT-We", [64, 256], broadcast_widths=(1, 2, 4))
    for n in (64, 256):
        mine = [r for r in rows if r.n_pe == n]
        assert [r.broadcast_width for r in mine] == [1, 2, 4]
        assert len({r.cycles for r in mine}) == 1
    wide = [r for r in rows if r.n_pe == 256]
    assert wide[0].limited_by == "broadcast"
    assert wide[2].skip_bound_cycles < wide[2].cycles / 2  # a bound, not a simulation
    assert rows[0].cycles > wide[0].cycles > 0.9 * wide[0].broadcast_cycles


def test_bottleneck_bad_inputs_fail_clearly():
    with pytest.raises(ConfigError, match="name"):
        pe_scaling("Alex-9", [64])
    with pytest.raises(ConfigError, match="broadcast_widths"):
        pe_scaling("NT-We", [64], broadcast_widths=(3,))
    with pytest.raises(ConfigError, match="n_pes"):
        pe_scaling("NT-We", [])
    with pytest.raises(EieLabError, match="EncodedLayer"):
        broadcast_bound(np.eye(3), np.ones(3))
