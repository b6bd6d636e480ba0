"""Widgets in the kernel (eie_lab.viz.widgets): slider -> frame, step and play logic, fallback."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.data.layers import fig2_example
from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.errors import ConfigError
from eie_lab.viz import widgets as wmod
from eie_lab.viz.frames import render_frame
from eie_lab.viz.widgets import CycleAnimator, DesignExplorer, has_live_frontend

ENV_VARS = ("EIE_LAB_WIDGETS", "NBGRADER_EXECUTION", "EIE_LAB_HEADLESS", "PYTEST_CURRENT_TEST",
            "JPY_SESSION_NAME")


@pytest.fixture(scope="module")
def result():
    W, a = fig2_example()
    cfg = EIEConfig(n_pe=4, fifo_depth=1)
    return simulate(encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int)), a, cfg,
                    engine="cycle")


@pytest.fixture
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


class FakeKernelShell:
    """Stands in for IPython's ZMQInteractiveShell: has a kernel and a user namespace."""

    kernel = object()

    def __init__(self, user_ns=None):
        self.user_ns = user_ns or {}


def in_kernel(monkeypatch, user_ns=None):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeKernelShell(user_ns))


def test_live_frontend_rules(clean_env):
    mp = clean_env
    mp.delenv("PYTEST_CURRENT_TEST", raising=False)  # pytest sets it again for each phase
    assert has_live_frontend() is False  # plain Python: no kernel
    mp.setenv("EIE_LAB_WIDGETS", "live")
    assert has_live_frontend() is True  # forced
    mp.setenv("EIE_LAB_WIDGETS", "static")
    in_kernel(mp)
    mp.setenv("JPY_SESSION_NAME", "07_cycle_animation.ipynb")
    assert has_live_frontend() is False  # forced wins over everything
    mp.delenv("EIE_LAB_WIDGETS")
    assert has_live_frontend() is True  # kernel started by a Jupyter server
    for var in ("NBGRADER_EXECUTION", "EIE_LAB_HEADLESS", "PYTEST_CURRENT_TEST"):
        mp.setenv(var, "1")
        assert has_live_frontend() is False, var
        mp.delenv(var)
    mp.delenv("JPY_SESSION_NAME")
    assert has_live_frontend() is False  # nbclient / nbconvert kernel
    in_kernel(mp, {"__vsc_ipynb_file__": "x.ipynb"})
    assert has_live_frontend() is True  # VS Code


@pytest.mark.parametrize("prerender", [120, 0], ids=["stack", "per-frame"])
def test_slider_shows_that_cycles_frame(result, prerender):
    anim = CycleAnimator(result, prerender=prerender)
    assert anim.prerendered is (prerender > 0)
    assert anim.current_html == render_frame(result.trace, 0)
    for c in (5, 1, 11, 0):
        anim.slider.value = c
        assert anim.current_html == render_frame(result.trace, c)
        assert f'data-cycle="{c}"' in anim.current_html
    if anim.prerendered:
        assert anim.frames.selected_index == 0 and len(anim.frames.children) == 12


def test_one_update_per_newly_drawn_frame(result):
    anim = CycleAnimator(result.trace, prerender=0)
    updates = []
    anim.frames.observe(lambda ch: updates.append(ch["new"]), names="children")
    for c in range(1, 8):
        anim.slider.value = c
    anim.slider.value = 7  # same value: nothing is sent
    anim.slider.value = 3  # drawn already: only the visible slot changes, in the browser
    assert len(updates) == 7
    assert sum(ch is not anim._blank for ch in anim.frames.children) == 8


def test_step_buttons_clamp(result):
    anim = CycleAnimator(result)
    anim.prev_button.click()
    assert anim.cycle == 0
    anim.next_button.click()
    anim.next_button.click()
    assert anim.cycle == 2 and 'data-cycle="2"' in anim.current_html
    anim.step(100)
    assert anim.cycle == 11
    anim.step(-3)
    assert anim.cycle == 8
    anim.cycle = -4
    assert anim.cycle == 0


def test_play_is_linked_in_the_browser(result):
    anim = CycleAnimator(result, interval_ms=300)
    pairs = {(ln.source[0].__class__.__name__, ln.source[1], ln.target[0].__class__.__name__,
              ln.target[1]) for ln in anim.links}
    assert ("Play", "value", "IntSlider", "value") in pairs
    assert ("IntSlider", "value", "Stack", "selected_index") in pairs
    assert ("IntSlider", "value", "Play", "interval") in pairs
    assert ("IntSlider", "value", "Play", "step") in pairs
    assert (anim.play.min, anim.play.max, anim.play.interval) == (0, 11, 300)
    assert anim.play.repeat is True  # short pre-drawn traces loop
    long = CycleAnimator(result, prerender=5)
    assert long.play.repeat is False and long.frames.children[1] is long._blank
    assert "eie-cycle-animator" in anim.widget._dom_classes


def test_static_fallback_and_live_display(result, clean_env, monkeypatch):
    shown = []
    monkeypatch.setattr(wmod, "_display", shown.append)
    anim = CycleAnimator(result, static_cycle=2)
    clean_env.setenv("EIE_LAB_WIDGETS", "static")
    anim._ipython_display_()
    html = shown[-1].data
    assert render_frame(result.trace, 2) in html and "static frame" in html
    assert "stalls: PE 0 queue full" in html
    clean_env.setenv("EIE_LAB_WIDGETS", "live")
    anim._ipython_display_()
    assert shown[-1] is anim.widget
    assert CycleAnimator(result).static_cycle == 6  # default: the middle cycle


def test_bad_input(result):
    with pytest.raises(ConfigError, match="must be a Trace or a SimResult"):
        CycleAnimator(np.zeros(3))
    fast = simulate(*_fast_args())
    with pytest.raises(ConfigError, match='engine="cycle"'):
        CycleAnimator(fast)
    with pytest.raises(ConfigError, match="view="):
        CycleAnimator(result, view="nope")


def _fast_args():
    W, a = fig2_example()
    cfg = EIEConfig(n_pe=4)
    return encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int)), a, cfg


def test_design_explorer_reruns_and_caches(clean_env, monkeypatch):
    ex = DesignExplorer("NT-LSTM", n_pe=16, fifo_depth=4)
    assert ex.result.config.n_pe == 16 and ex.plot.value[:4] == b"\x89PNG"
    assert f"{ex.result.cycles:,} cycles" in ex.summary.value
    ex.fifo_depth.value = 1
    assert ex.result.config.fifo_depth == 1
    assert ex.space.n_encodings == 1  # queue depth does not need a new encoding
    ex.n_pe.value = 8
    ex.n_pe.value = 16
    assert ex.space.n_encodings == 2
    from eie_lab.data.layers import benchmark_layer

    bl = benchmark_layer("NT-LSTM")
    cfg = EIEConfig(n_pe=16, fifo_depth=1)
    assert ex.result.cycles == simulate(encode(bl, cfg), bl.a, cfg).cycles
    ex.layer.value = "LeNet ip3"
    assert ex.result.y.shape == (10,) and "LeNet" in ex.summary.value
    assert set(ex.layer.options) >= {"Alex-6", "NT-LSTM", "LeNet ip1", "LeNet ip2", "LeNet ip3"}
    shown = []
    monkeypatch.setattr(wmod, "_display", shown.append)
    clean_env.setenv("EIE_LAB_WIDGETS", "static")
    ex._ipython_display_()
    assert "static frame" in shown[0].data and shown[1].data == ex.plot.value
    with pytest.raises(ConfigError, match="layer='Alex-99'"):
        DesignExplorer("Alex-99")


def test_cycles_per_frame_sets_the_play_step():
    rng = np.random.default_rng(0)
    cfg = EIEConfig(n_pe=8, fifo_depth=2)
    W = np.where(rng.random((64, 120)) < 0.2, 1.0, 0.0)
    res = simulate(encode(W, cfg, seed=0), rng.random(120), cfg, engine="cycle")
    assert res.cycles >= 60
    anim = CycleAnimator(res, cycles_per_frame=5, prerender=0)
    assert anim.play.step == anim.stride.value == 5
    huge = CycleAnimator(res, cycles_per_frame=10**6, prerender=0)
    assert huge.play.step == huge.stride.value == huge.stride.max  # clamped to the slider
    assert CycleAnimator(res, prerender=0).play.step == 1  # default unchanged


def test_live_display_puts_a_saved_notebook_fallback_before_the_widget(result, clean_env,
                                                                       monkeypatch):
    shown = []
    monkeypatch.setattr(wmod, "_display", shown.append)
    anim = CycleAnimator(result, static_cycle=3, prerender=0, cycles_per_frame=2)
    clean_env.setenv("EIE_LAB_WIDGETS", "live")
    anim._ipython_display_()
    fallback, widget = shown
    assert all(anim.drawn(c) for c in range(0, 12, 2))  # going live draws what Play will show
    assert widget is anim.widget and "eie-live" in widget._dom_classes
    assert 'class="eie-static-fallback"' in fallback.data and wmod.SAVED_NOTE in fallback.data
    assert render_frame(result.trace, 3) in fallback.data and "(cycles 0–11)" in fallback.data
    assert "static frame (no live" not in fallback.data  # that note is for headless runs only


def test_frames_play_will_show_are_drawn_ahead():
    rng = np.random.default_rng(1)
    cfg = EIEConfig(n_pe=8, fifo_depth=2)
    W = np.where(rng.random((64, 120)) < 0.2, 1.0, 0.0)
    res = simulate(encode(W, cfg, seed=0), rng.random(120), cfg, engine="cycle")
    anim = CycleAnimator(res, cycles_per_frame=3, prerender=0)
    assert anim.upcoming(0, 4) == [3, 6, 9, 12]
    last = res.cycles - 1
    assert anim.upcoming(last - 4, 4) == [last - 1]  # no repeat: stops at the end
    anim.play.repeat = True
    assert anim.upcoming(last - 4, 3) == [last - 1, 0, 3]  # loops like Play: back to 0
    anim.play.repeat = False
    anim.cycle = 30
    assert anim.fill_ahead(5) == 5 and all(anim.drawn(c) for c in (33, 36, 39, 42, 45))
    assert not anim.drawn(34) and anim.fill_ahead(5) == 0  # all drawn already
    assert anim.frames.children[33].value == render_frame(res.trace, 33)


def test_controls_wrap_instead_of_squeezing(result):
    anim = CycleAnimator(result)
    rows = [anim.widget.children[0], anim.widget.children[1]]
    assert all(r.layout.flex_flow == "row wrap" for r in rows)
    assert all(s.layout.min_width for s in (anim.slider, anim.speed, anim.stride))
    legend = anim.widget.children[-1]
    assert 'class="pe-diagram"' in legend.children[0].value


def test_design_explorer_powers_of_two_busy_sign_and_both_metrics(clean_env):
    ex = DesignExplorer("NT-LSTM", n_pe=16, fifo_depth=4)
    assert ex.n_pe.options == ex.fifo_depth.options == wmod.POW2 == (1, 2, 4, 8, 16, 32, 64, 128, 256)
    signs = []
    ex.status.observe(lambda ch: signs.append(ch["new"]), names="value")
    ex.fifo_depth.value = 2
    assert "recomputing" in signs[0] and signs[-1] == "" and "eie-busy" not in ex.widget._dom_classes
    assert f"{100 * ex.result.mac_utilization:.1f}%" in ex.summary.value
    assert f"{100 * ex.result.load_efficiency:.1f}%" in ex.summary.value
    sizes = set()
    for n in (4, 64, 256):
        ex.n_pe.value = n
        sizes.add(ex.plot.value[16:24])  # PNG width and height
    assert len(sizes) == 1  # one figure size for every n_pe: fonts do not shrink
    with pytest.raises(ConfigError, match="power of two"):
        DesignExplorer("NT-LSTM", n_pe=48)


def test_frame_player_links_and_falls_back(clean_env, monkeypatch):
    from eie_lab.eie import encode_network, run_network
    from eie_lab.viz.pingpong import pingpong_frames

    rng = np.random.default_rng(0)
    net = encode_network([rng.normal(size=(8, 8)), rng.normal(size=(4, 8))], config=EIEConfig(n_pe=4))
    frames = pingpong_frames(run_network(net, np.abs(rng.normal(size=8))))
    fp = wmod.FramePlayer(frames)
    pairs = {(ln.source[0].__class__.__name__, ln.target[0].__class__.__name__) for ln in fp.links}
    assert pairs == {("Play", "IntSlider"), ("IntSlider", "Stack")}
    fp.slider.value = 2
    assert fp.frames.selected_index == 2 and 'data-layer="2"' in fp.frames.children[2].value
    shown = []
    monkeypatch.setattr(wmod, "_display", shown.append)
    clean_env.setenv("EIE_LAB_WIDGETS", "static")
    fp._ipython_display_()
    assert shown[0].data.count('class="eie-pingpong"') == 3
    with pytest.raises(ConfigError, match="non-empty list"):
        wmod.FramePlayer([])
