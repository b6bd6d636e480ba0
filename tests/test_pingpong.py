"""The layer-switch drawing (eie_lab.viz.pingpong) reads the network run it is given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from eie_lab.eie import EIEConfig, encode_network, run_network
from eie_lab.errors import EieLabError
from eie_lab.viz.pingpong import pingpong_frames

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def run():
    rng = np.random.default_rng(2)
    Ws = [rng.normal(size=(8, 6)), rng.normal(size=(6, 8)), rng.normal(size=(2, 6))]
    net = encode_network(Ws, config=EIEConfig(n_pe=2))
    return run_network(net, np.abs(rng.normal(size=6)))


def test_roles_swap_after_every_layer(run):
    frames = [ET.fromstring(f) for f in pingpong_frames(run)]
    assert [f.get("data-phase") for f in frames] == ["layer", "switch", "layer", "switch", "layer"]
    for f in frames:
        roles = {}
        for g in f.iter(f"{NS}g"):
            if g.get("class") == "regfile":
                roles.setdefault(g.get("data-role"), set()).add(g.get("data-file"))
        layer = int(f.get("data-layer")) - 1
        src, dst = run.register_files[layer]
        if f.get("data-phase") == "switch":
            src, dst = dst, src
        assert roles == {"source": {str(src)}, "destination": {str(dst)}}


def test_values_are_the_pes_own_activations(run):
    svg = pingpong_frames(run, n_pe=1)[0]
    a = run.activations[0]
    texts = [t.text for t in ET.fromstring(svg).iter(f"{NS}text")]
    assert f"a2 = {float(a[2]):.3g}" in texts and not any(t.startswith("a1 =") for t in texts)


def test_bad_input_is_a_clear_error(run):
    with pytest.raises(EieLabError, match="NetworkResult"):
        pingpong_frames(object())
    with pytest.raises(EieLabError, match="n_pe"):
        pingpong_frames(run, n_pe=5)
