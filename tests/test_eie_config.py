"""EIEConfig: paper defaults, derived sizes, replace() and clear errors on bad values."""

from __future__ import annotations

import dataclasses

import pytest

from eie_lab.eie import EIEConfig
from eie_lab.errors import ConfigError


def test_defaults_are_the_papers():
    cfg = EIEConfig()
    assert (cfg.n_pe, cfg.fifo_depth, cfg.weight_bits, cfg.index_bits) == (64, 8, 4, 4)
    assert (cfg.pointer_bits, cfg.clock_mhz, cfg.spmat_width_bits, cfg.act_bits) == (16, 800.0, 64, 16)
    assert cfg.zmax == 15 and cfg.entries_per_row == 8 and cfg.codebook_size == 16
    assert cfg.spmat_sram_bytes == 128 * 1024 and cfg.ptr_sram_bytes == 32 * 1024
    assert cfg.arithmetic == "float"


def test_frozen_and_replace():
    cfg = EIEConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_pe = 3  # type: ignore[misc]
    new = cfg.replace(n_pe=4, index_bits=2)
    assert (new.n_pe, new.zmax, cfg.n_pe) == (4, 3, 64)
    with pytest.raises(ConfigError, match="not an EIEConfig field"):
        cfg.replace(n_pes=4)


@pytest.mark.parametrize("field, value", [
    ("n_pe", 0), ("fifo_depth", 0), ("fifo_depth", -1), ("weight_bits", 0), ("index_bits", 0),
    ("broadcast_latency", 0), ("min_column_cycles", 0), ("n_pe", 2.5), ("n_pe", True),
    ("weight_bits", 17), ("clock_mhz", 0), ("clock_mhz", float("nan")), ("arithmetic", "int8"),
    ("act_frac_bits", 16), ("spmat_width_bits", 4),
])
def test_bad_values_name_field_value_and_fix(field, value):
    with pytest.raises(ConfigError) as info:
        EIEConfig(**{field: value})
    msg = str(info.value)
    assert msg.startswith(f"{field}=") and "is invalid" in msg and "help:" in msg


def test_config_error_is_a_value_error():
    with pytest.raises(ValueError):
        EIEConfig(n_pe=-3)


def test_clock_must_be_finite():
    from eie_lab.errors import ConfigError

    with pytest.raises(ConfigError, match="finite"):
        EIEConfig(clock_mhz=float("inf"))
