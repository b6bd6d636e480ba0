"""SVG frames of the PE array (eie_lab.viz.frames) and the LNZD drawing (eie_lab.viz.lnzd).

The hand-worked case is EIE Fig. 2/3 on 4 PEs with queue depth 1: the non-zero activations are
j = 2, 4, 5, 7 and each PE's entries per column (e[k][j], from the Fig. 2 pattern) are

    PE0: 2 2 2 2    PE1: 0 1 2 1    PE2: 2 1 1 1    PE3: 1 1 1 1

With latency 1, item 0 (j=2) is broadcast in cycle 0 and started by every PE in cycle 1; PE1
(empty column, one cycle) and PE3 finish it after cycle 1, PE0 and PE2 after cycle 2, so a_4
waits (stalls) in cycles 1-2 and goes out in cycle 3.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eie_lab.data.layers import fig2_example
from eie_lab.eie import EIEConfig, encode, simulate
from eie_lab.eie.examples import fig2_trace
from eie_lab.eie.units.lnzd import LeadingNonZeroDetector, lnzd_unit_count
from eie_lab.errors import ConfigError
from eie_lab.viz.frames import describe_cycle, frame_counters, render_frame
from eie_lab.viz.lnzd import lnzd_layout, lnzd_svg, lnzd_tree

NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def trace():
    return fig2_trace()


@pytest.fixture(scope="module")
def trace64():
    rng = np.random.default_rng(3)
    W = np.where(rng.random((256, 40)) < 0.15, rng.normal(size=(256, 40)), 0.0)
    a = np.where(rng.random(40) < 0.6, rng.random(40) + 0.1, 0.0)
    cfg = EIEConfig(n_pe=64, fifo_depth=2)
    cb = np.concatenate(([0.0], np.linspace(-2, 2, 15)))
    return simulate(encode(W, cfg, codebook=cb), a, cfg, engine="cycle").trace


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def pes(root):
    return root.findall(".//s:g[@class='pe']", NS)


def texts(elem, cls):
    return ["".join(t.itertext()) for t in elem.iter() if t.get("class") == cls]


def test_hand_worked_example_trace_matches_the_timing_rules(trace):
    assert trace.n_cycles == 12
    assert [int(j) for j in trace.columns] == [2, 4, 5, 7]
    assert [int(b) for b in trace.b] == [0, 3, 6, 9]
    assert [trace.stall_reason[c] for c in (1, 2)] == ["PE 0 queue full"] * 2


@pytest.mark.parametrize("cycle", [0, 1, 2, 3, 5, 11])
def test_frame_parses_and_shows_every_pe_and_queue(trace, cycle):
    root = parse(render_frame(trace, cycle))
    groups = pes(root)
    assert [int(g.get("data-pe")) for g in groups] == [0, 1, 2, 3]
    names = {0: "idle", 1: "busy", 2: "starved"}
    for k, g in enumerate(groups):
        items = trace.queue_items(cycle, k)
        assert g.get("data-queue") == " ".join(map(str, items))
        assert texts(g, "slot-item")[: len(items)] == [f"j={j}" + ("  (working)" if i == 0 and
                                                       trace.state[cycle, k] == 1 else "")
                                                       for i, j in enumerate(items)]
        assert g.get("data-state") == names[int(trace.state[cycle, k])]
        assert texts(g, "pe-state") == [names[int(trace.state[cycle, k])]]
    counter = root.find(".//s:tspan[@class='cycle-counter']", NS)
    assert counter.text == f"cycle {cycle}" and counter.get("data-cycle") == str(cycle)


def test_hand_worked_cycles(trace):
    """Queue contents, states and bus of cycles 0-3, worked out by hand (module docstring)."""
    expect = {  # cycle: (queues, states, bus text start)
        0: ([[2]] * 4, ["starved"] * 4, "broadcast (j=2, a_2=0.5)"),
        1: ([[2]] * 4, ["busy"] * 4, "STALL: PE 0 queue full"),
        2: ([[2], [], [2], []], ["busy", "starved", "busy", "starved"], "STALL: PE 0 queue full"),
        3: ([[4]] * 4, ["starved"] * 4, "broadcast (j=4, a_4=1)"),
    }
    for cycle, (queues, states, bus) in expect.items():
        root = parse(render_frame(trace, cycle))
        assert [g.get("data-queue") for g in pes(root)] == [" ".join(map(str, q)) for q in queues]
        assert [g.get("data-state") for g in pes(root)] == states
        assert texts(root, "bus-label") == [bus]
    # full queues that hold the broadcast back are outlined: all four in cycle 1, PE 0 and 2 in 2
    blocking = {c: [g.get("data-blocking") for g in pes(parse(render_frame(trace, c)))]
                for c in (1, 2, 3)}
    assert blocking == {1: ["1"] * 4, 2: ["1", "0", "1", "0"], 3: ["0"] * 4}
    # cycle 1: the held pick is a_4, entries left are shown
    root = parse(render_frame(trace, 1))
    assert root.find(".//s:g[@class='activations']", NS).get("data-pick") == "4"
    assert texts(pes(root)[0], "pe-now") == ["col 2: 2 left"]
    assert texts(pes(root)[1], "pe-now") == ["col 2: empty"]


def test_counters_and_description(trace):
    c = frame_counters(trace, 5)
    assert (c["broadcasts"], c["stalls"], c["pick"], c["mode"]) == (2, 4, 5, "stall")  # stalls in cycles 1, 2, 4, 5
    busy = int(np.count_nonzero(trace.state[:6] == 1))
    assert c["load_efficiency"] == pytest.approx(busy / 24)
    last = frame_counters(trace, trace.n_cycles - 1)
    assert last["mode"] == "done" and last["pick"] is None
    assert last["load_efficiency"] == pytest.approx(
        simulate(*_fig2_layer(), engine="fast").load_efficiency)
    assert describe_cycle(trace, 1) == ("Cycle 1: broadcast of a_4 stalls: PE 0 queue full. "
                                        "busy: PE 0, 1, 2, 3.")
    root = parse(render_frame(trace, trace.n_cycles - 1))
    assert root.find(".//s:g[@class='bus']", NS).get("data-mode") == "done"
    assert root.find("s:title", NS).text == describe_cycle(trace, trace.n_cycles - 1)


def _fig2_layer():
    W, a = fig2_example()
    cfg = EIEConfig(n_pe=4, fifo_depth=1)
    return encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int)), a, cfg


def test_frames_are_deterministic(trace):
    again = fig2_trace()
    for c in range(trace.n_cycles):
        assert render_frame(trace, c) == render_frame(again, c)
    assert len({render_frame(trace, c) for c in range(trace.n_cycles)}) == trace.n_cycles


def test_compact_view_for_64_pes(trace64):
    assert render_frame(trace64, 3) == render_frame(trace64, 3, view="compact")
    for cycle in (0, trace64.n_cycles // 2, trace64.n_cycles - 1):
        root = parse(render_frame(trace64, cycle))
        groups = pes(root)
        assert len(groups) == 64
        assert [int(g.get("data-qlen")) for g in groups] == trace64.queue_len[cycle].tolist()
        assert root.find(".//s:g[@class='lnzd']", NS).get("data-units") == "21"
    detailed = parse(render_frame(trace64, 1, view="detailed"))
    assert len(pes(detailed)) == 64 and detailed.find(".//s:g[@data-queue]", NS) is not None


def test_deep_queue_and_long_input_are_summarised():
    rng = np.random.default_rng(0)
    W = np.where(rng.random((8, 100)) < 0.5, 1.0, 0.0)
    a = np.where(rng.random(100) < 0.7, 1.0, 0.0)
    cfg = EIEConfig(n_pe=2, fifo_depth=64)
    tr = simulate(encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int)), a, cfg,
                  engine="cycle").trace
    cycle = int(np.argmax(tr.queue_len[:, 0]))
    assert tr.queue_len[cycle, 0] > 10
    root = parse(render_frame(tr, cycle, max_slots=6))
    g = pes(root)[0]
    assert g.get("data-queue") == " ".join(map(str, tr.queue_items(cycle, 0)))
    more = texts(g, "slot-more")
    assert more == [f"+{int(tr.queue_len[cycle, 0]) - 5} more"]
    acts = root.findall(".//s:rect[@data-j]", NS)
    assert len(acts) == 24  # window around the pick
    pick = frame_counters(tr, cycle)["pick"]
    assert pick is None or str(pick) in {r.get("data-j") for r in acts}


def test_bad_arguments_raise_clear_errors(trace):
    with pytest.raises(ConfigError, match=r"cycle=12 is invalid"):
        render_frame(trace, 12)
    with pytest.raises(ConfigError, match="cycle=-1"):
        render_frame(trace, -1)
    with pytest.raises(ConfigError, match="view='big'"):
        render_frame(trace, 0, view="big")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n_pe=st.integers(1, 20), depth=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_random_layers_frames_agree_with_trace(n_pe, depth, seed):
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(1, 30)), int(rng.integers(1, 12))
    W = np.where(rng.random((m, n)) < 0.4, 1.0 + rng.integers(0, 14, (m, n)), 0.0)
    a = np.where(rng.random(n) < 0.6, rng.random(n) + 0.1, 0.0)
    a[0] = 1.0
    cfg = EIEConfig(n_pe=n_pe, fifo_depth=depth)
    tr = simulate(encode(W, cfg, codebook=np.arange(16.0), codes=W.astype(int)), a, cfg,
                  engine="cycle").trace
    for cycle in {0, tr.n_cycles // 2, tr.n_cycles - 1}:
        groups = pes(parse(render_frame(tr, cycle)))
        assert len(groups) == n_pe
        key = "data-queue" if n_pe <= 16 else "data-qlen"
        want = ([" ".join(map(str, tr.queue_items(cycle, k))) for k in range(n_pe)] if n_pe <= 16
                else [str(q) for q in tr.queue_len[cycle]])
        assert [g.get(key) for g in groups] == want


def test_lnzd_quadtree_counts_layout_and_path():
    assert [lnzd_unit_count(n) for n in (1, 4, 5, 16, 64, 256)] == [1, 1, 3, 5, 21, 85]
    g = lnzd_tree(64)
    units = [v for v in g if g.nodes[v]["kind"] == "lnzd"]
    assert len(units) == 21 and all(g.out_degree(u) <= 4 for u in units)
    assert sum(1 for v in g if g.nodes[v]["kind"] == "pe") == 64
    pos = lnzd_layout(g)
    leaves = sorted(pos[("pe", k)][0] for k in range(64))
    assert np.all(np.diff(leaves) > 0) and pos[("lnzd", 2, 0)] == (0.5, 0.0)
    # the graph is the unit's tree: same nodes, same PEs under each node
    det = LeadingNonZeroDetector(64)
    for level, size in enumerate(det.levels):
        for i in range(size):
            node = g.nodes[("lnzd", level, i)]
            assert (node["first_pe"], node["last_pe"]) == det.covers(level, i)
    a = np.zeros(256)
    a[3] = 1.0
    frag = lnzd_svg(LeadingNonZeroDetector(256).state(a, taken=0), x=0, y=0, width=800, height=100)
    assert ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{frag}</svg>') is not None
    with pytest.raises(ConfigError, match="n_pe=0"):
        lnzd_tree(0)


def test_lnzd_drawing_is_the_units_state(trace):
    """Each frame draws trace.lnzd_state(cycle): offers per node, the pick's path, pending PEs."""
    for cycle in range(trace.n_cycles):
        state = trace.lnzd_state(cycle)
        root = parse(render_frame(trace, cycle))
        g = root.find(".//s:g[@class='lnzd']", NS)
        assert g.get("data-row") == str(state.row)
        assert g.get("data-pick") == ("" if state.pick is None else str(state.pick))
        assert state.pick == frame_counters(trace, cycle)["pick"]
        offers = [int(c.get("data-offer")) for c in g.iter() if "lnzd-unit" in (c.get("class") or "")]
        assert offers == [int(o) for level in state.offers for o in level]
        pending = [c.get("data-pending") for c in g.iter() if c.get("class") == "lnzd-pe"]
        assert pending == [str(int(p)) for p in state.pending]
    # cycle 1 (FIFO 1): a_2 went out in cycle 0, a_4 is held by the stalled broadcast; row 1
    # (a_4 … a_7) has non-zeros in PEs 0, 1 and 3, and the single node offers PE 0
    st = trace.lnzd_state(1)
    assert (st.row, st.pick, st.pending.tolist(), st.offers[0].tolist()) == (
        1, 4, [True, True, False, True], [0])
    done = trace.lnzd_state(trace.n_cycles - 1)
    assert done.pick is None and done.offers[-1].tolist() == [-1] and not done.pending.any()


def test_lnzd_state_all_zero_groups_offer_nothing():
    a = np.zeros(16)
    a[[9, 14]] = 1.0  # only the groups of PEs 8-11 and 12-15 hold non-zeros
    st = LeadingNonZeroDetector(16).state(a, taken=0)
    assert st.offers[0].tolist() == [-1, -1, 9, 14] and st.offers[1].tolist() == [9]
    frag = lnzd_svg(st, x=0, y=0, width=400, height=100, waiting=True)
    root = ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{frag}</svg>')
    hollow = [c for c in root.iter() if c.get("data-offer") == "-1"]
    assert len(hollow) == 2 and all(c.get("stroke-dasharray") for c in hollow)


def _font_sizes(root):
    sizes = [float(t.get("font-size")) for t in root.iter(f"{{{SVG}}}text") if t.get("font-size")]
    sizes += [float(t.get("font-size")) for t in root.iter(f"{{{SVG}}}tspan") if t.get("font-size")]
    return sizes


SVG = "http://www.w3.org/2000/svg"


def test_compact_view_has_no_small_text_and_fits_a_projector(trace64):
    from eie_lab.viz.frames import MIN_FONT_COMPACT

    for cycle in (0, trace64.n_cycles // 2, trace64.n_cycles - 1):
        root = parse(render_frame(trace64, cycle))
        assert min(_font_sizes(root)) >= MIN_FONT_COMPACT
        _x, _y, w, h = map(float, root.get("viewBox").split())
        # shown 900 px wide (a 1280-px screen's notebook column), the frame leaves room for the
        # two rows of controls within the 599 px JupyterLab shows at 1280 x 720
        assert h * 900 / w <= 520, h


def test_header_and_caption_name_the_cycles_alike(trace):
    from eie_lab.viz.frames import cycle_range

    root = parse(render_frame(trace, 2))
    header = "".join(root.find(".//s:text", NS).itertext())
    assert header == f"cycle 2 {cycle_range(trace.n_cycles)}" == "cycle 2 (cycles 0–11)"
