"""The grading benchmark's quick version: a small class, killed at half and resumed, meets its
targets (median core-seconds, no lost row, the resumed run grades only the rest)."""

from __future__ import annotations

import json

import pytest

from benchmarks import bench_grading

pytestmark = [pytest.mark.grading, pytest.mark.slow]


def test_quick_grading_benchmark_meets_its_targets(tmp_path, capsys):
    assert bench_grading.main(["--n", "16", "--results", str(tmp_path)]) == 0, (
        capsys.readouterr())
    record = json.loads((tmp_path / "grading.json").read_text())
    assert record["n"] == 16 and record["unexpected"] == []
    assert 0 < record["kept_before_resume"] < 16
    assert record["kept_before_resume"] + record["graded_by_resume"] == 16
