"""Per-memory SRAM budget (eie_lab.eie.sram_budget): each memory against its own capacity."""

from __future__ import annotations

import numpy as np
import pytest

from eie_lab.data.layers import benchmark_layer
from eie_lab.eie import EIEConfig, encode
from eie_lab.eie.sram_budget import MEMORIES, act_sram_bits, sram_use
from eie_lab.errors import EieLabError
from eie_lab.paper_tables import SRAM_PER_PE_KB


def test_vgg6_pointers_are_over_their_own_budget_although_the_total_is_under_162_kb():
    use = sram_use(encode(benchmark_layer("VGG-6", seed=0), EIEConfig()))
    assert use.used_kb["Ptr"] == pytest.approx(25_089 * 16 / 8 / 1024)
    assert use.over == ("Ptr",) and not use.fits and use.pointer_overflow
    assert use.total_kb < sum(SRAM_PER_PE_KB.values())


def test_small_layer_by_hand():
    W = np.zeros((8, 10))
    W[0, :] = 1.0  # row 0 -> PE 0 holds 10 entries; PE 1 none
    use = sram_use(encode(W, EIEConfig(n_pe=2), seed=0))
    assert use.used_kb["SpMat"] == pytest.approx(10 * 8 / 8 / 1024)
    assert use.used_kb["Ptr"] == pytest.approx(11 * 16 / 8 / 1024)
    assert use.used_kb["Act"] == 0.0 and use.fits
    assert use.capacity_kb == {"SpMat": 128.0, "Ptr": 32.0, "Act": 2.0}
    assert tuple(use.used_kb) == MEMORIES


def test_activation_sram_counts_vectors_beyond_the_register_file():
    assert act_sram_bits(64 * 64, 64, 64, 16) == 0
    assert act_sram_bits(64 * 64 + 1, 64, 64, 16) == 65 * 16


def test_not_a_layer_is_a_clear_error():
    with pytest.raises(EieLabError, match="EncodedLayer"):
        sram_use(np.ones((2, 2)))
