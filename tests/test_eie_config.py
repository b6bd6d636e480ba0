"""EIEConfig: paper defaults, derived sizes, replace() and clear errors on bad values."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from eie_lab.eie import EIEConfig
from eie_lab.eie import config as config_module
from eie_lab.eie.config import N_PE_MAX, available_memory, check_run_memory, estimate_run_bytes
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


# ---------------------------------------------------------------- bounds, numpy integers, memory

INT_FIELDS = [rule[0] for rule in config_module._INT_RULES]


@pytest.mark.parametrize("n_pe", [N_PE_MAX + 1, 100_000, 10**30])
def test_n_pe_has_an_upper_bound(n_pe):
    with pytest.raises(ConfigError) as info:
        EIEConfig(n_pe=n_pe)
    msg = str(info.value)
    assert msg.startswith(f"n_pe={n_pe}") and f"must be <= {N_PE_MAX}" in msg and "help:" in msg
    assert EIEConfig(n_pe=N_PE_MAX).n_pe == N_PE_MAX and N_PE_MAX >= 256  # the paper's sweep fits


@pytest.mark.parametrize("field", INT_FIELDS)
@pytest.mark.parametrize("np_type", [np.int64, np.int32, np.uint16, np.intp])
def test_numpy_integers_are_accepted_for_every_int_field(field, np_type):
    value = getattr(EIEConfig(), field)
    if value > np.iinfo(np_type).max:
        value = 2 ** (np.iinfo(np_type).bits // 2)  # e.g. 128 KB does not fit a uint16
    cfg = EIEConfig(**{field: np_type(value)})
    stored = getattr(cfg, field)
    assert stored == value and type(stored) is int  # stored as a plain int
    plain = EIEConfig(**{field: value})
    assert cfg == plain and hash(cfg) == hash(plain)


def test_numpy_values_in_replace_and_clock():
    cfg = EIEConfig().replace(n_pe=np.int64(16), fifo_depth=np.int8(4), clock_mhz=np.float32(400))
    assert (cfg.n_pe, cfg.fifo_depth, cfg.clock_mhz) == (16, 4, 400.0)
    assert type(cfg.clock_mhz) is float


@pytest.mark.parametrize("value", [np.bool_(True), np.float64(4.0), "4", None, [4]])
def test_non_integers_are_still_refused(value):
    with pytest.raises(ConfigError, match="must be an int"):
        EIEConfig(n_pe=value)


@pytest.mark.parametrize("field, value", [("fifo_depth", 2**21), ("pointer_bits", 65),
                                          ("act_bits", 33), ("broadcast_latency", 10**12)])
def test_other_upper_bounds(field, value):
    with pytest.raises(ConfigError, match=f"^{field}=.*must be <="):
        EIEConfig(**{field: value})


def test_memory_estimate_grows_with_pes_and_work():
    shape, nnz = (4096, 4096), 4096 * 4096 // 10
    small = estimate_run_bytes(EIEConfig(n_pe=64), shape, nnz)
    big = estimate_run_bytes(EIEConfig(n_pe=4096), shape, nnz)
    assert 0 < small < big
    assert estimate_run_bytes(EIEConfig(), shape, nnz, engine="cycle") > small
    assert estimate_run_bytes(EIEConfig(), shape, nnz, n_active=10) < small


def test_memory_check_refuses_before_allocating(monkeypatch):
    free = available_memory()
    assert free is None or free > 0
    cfg = EIEConfig(n_pe=4096)
    need = estimate_run_bytes(cfg, (4096, 25088))
    with pytest.raises(ConfigError) as info:
        check_run_memory(cfg, (4096, 25088), available=need - 1)
    msg = str(info.value)
    assert msg.startswith("n_pe=4096") and "GiB" in msg and "help: use fewer PEs" in msg
    assert check_run_memory(cfg, (4096, 25088), available=need) == need
    monkeypatch.setattr(config_module, "available_memory", lambda: None)  # unknown: no check
    assert check_run_memory(cfg, (4096, 25088)) == need


@pytest.mark.parametrize("kwargs, match", [
    ({"shape": (0, 5)}, r"shape\[0\]"), ({"shape": (5,)}, "shape"), ({"nnz": -1}, "nnz"),
    ({"engine": "turbo"}, "engine"), ({"config": "64"}, "config"),
])
def test_memory_estimate_bad_arguments(kwargs, match):
    args = {"config": EIEConfig(), "shape": (8, 8), **kwargs}
    with pytest.raises(ConfigError, match=match):
        estimate_run_bytes(**args)
