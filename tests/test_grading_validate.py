"""eie-lab validate on the six real assignments: each solution earns full marks and each generated
exercise, submitted unsolved, earns nothing (eie-lab's own autograde, fresh kernels, in parallel).

``pytest -m ex03_huffman`` validates only that assignment.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eie_lab.cli import main
from eie_lab.grading.checks import EXERCISES
from eie_lab.grading.validate import validate_many

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
pytestmark = [pytest.mark.grading, pytest.mark.slow]


@pytest.fixture(scope="module")
def reports(request):
    """Validate, in one parallel pool, the assignments whose tests were selected."""
    wanted = sorted({item.callspec.params["name"] for item in request.session.items
                     if getattr(item, "module", None) is request.module
                     and hasattr(item, "callspec") and "name" in item.callspec.params})
    found = validate_many([SOLUTIONS / f"{n}.ipynb" for n in wanted], jobs=2)
    return {r.assignment: r for r in found}


@pytest.mark.parametrize("name", [pytest.param(n, marks=getattr(pytest.mark, n))
                                  for n in EXERCISES])
def test_solution_full_marks_stub_zero(reports, name):
    r = reports[name]
    assert r.problems == []
    assert (r.solution_score, r.stub_score, r.max_score) == (10, 0, 10)
    assert all(c.status == "passed" for c in r.solution.cells)
    assert all(c.status == "failed" and "NotImplementedError" in c.message for c in r.stub.cells)
    assert 3 <= len(r.solution.cells) <= 10  # issues 13 and 14: labs of 6-10 graded items


def test_validate_cli_reports_failures(tmp_path, capsys):
    """A solution that loses points makes `eie-lab validate` exit 1 and say where."""
    from eie_lab.grading.notebook_io import read_notebook, write_notebook

    nb = read_notebook(SOLUTIONS / "ex02_weight_sharing.ipynb")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "compression_rate":
            cell.source = cell.source.replace("n * np.log2(k) + k * b", "n * np.log2(k)")
    write_notebook(nb, tmp_path / "ex02_weight_sharing.ipynb")
    assert main(["validate", "ex02", "--source", str(tmp_path), "--timeout", "20"]) == 1
    out = capsys.readouterr().out
    assert "solution 9/10" in out and "test_compression_rate" in out and "FAIL" in out
