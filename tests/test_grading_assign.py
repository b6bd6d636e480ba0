"""eie-lab assign: solutions -> exercises exactly as nbgrader's generate_assignment, and the
committed exercises/ and solutions/ follow nbgrader's schema and the lab's rules."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from eie_lab.cli import main
from eie_lab.errors import GradingError
from eie_lab.grading.assign import (
    CODE_STUB,
    clear_solutions,
    find_source,
    release_notebook,
    source_notebooks,
    stale_exercises,
    strip_hidden_tests,
)
from eie_lab.grading.checks import EXERCISES
from eie_lab.grading.notebook_io import (
    grade_id,
    graded_cells,
    is_grade,
    is_solution,
    metadata_problems,
    nbgrader_cell,
    read_notebook,
    write_notebook,
)

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES_DIR = ROOT / "solutions", ROOT / "exercises"


def toy_source() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["celltoolbar"] = "Create Assignment"
    nb.cells = [
        nbgrader_cell("code", "import math", grade_id="setup", locked=True),
        nbgrader_cell("code", "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                      grade_id="f", solution=True),
        nbgrader_cell("code", "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(5) == 10\n"
                      "### END HIDDEN TESTS", grade_id="test_f", grade=True, locked=True, points=2),
        nbgrader_cell("markdown", "Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION",
                      grade_id="why", solution=True, grade=True, points=1),
        nbgrader_cell("code", "y = 3", grade_id="whole", solution=True),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="old output")]
    nb.cells[2].execution_count = 4
    return nb


def test_release_matches_nbgrader_rules():
    src = toy_source()
    rel = release_notebook(src)
    assert rel.cells[1].source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert rel.cells[2].source == "assert f(1) == 2"
    assert rel.cells[2].outputs == [] and rel.cells[2].execution_count is None
    assert rel.cells[3].source == "Why?\nYOUR ANSWER HERE"
    assert rel.cells[4].source == CODE_STUB  # a solution cell without a region is replaced whole
    assert rel.cells[0].metadata["editable"] is False and rel.cells[0].metadata["deletable"] is False
    assert rel.cells[1].metadata["deletable"] is False and "editable" not in rel.cells[1].metadata
    assert rel.cells[2].metadata["editable"] is False
    assert "editable" not in rel.cells[3].metadata  # manually graded answers stay editable
    assert "celltoolbar" not in rel.metadata
    assert "BEGIN HIDDEN" in src.cells[2].source  # the source is not modified


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
    ("### BEGIN SOLUTION\nx = 1", "without"),
])
def test_bad_regions_raise(source, message):
    with pytest.raises(GradingError, match=message):
        clear_solutions(source)


def test_regions_outside_marked_cells_raise():
    nb = toy_source()
    nb.cells[0].source = "### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS"
    with pytest.raises(GradingError, match="hidden tests in a cell not marked grade"):
        release_notebook(nb)
    nb = toy_source()
    nb.cells[0].source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    with pytest.raises(GradingError, match="solution region"):
        release_notebook(nb)
    assert strip_hidden_tests("a\n  ### BEGIN HIDDEN TESTS\n  b\n  ### END HIDDEN TESTS\nc") == "a\nc"


def test_metadata_problems_catch_schema_breaks():
    nb = toy_source()
    meta = nb.cells[2].metadata["nbgrader"]
    meta["checksum"] = "0" * 32
    meta["schema_version"] = 2
    meta.pop("points")
    nb.cells[1].metadata["nbgrader"]["grade_id"] = "setup"  # duplicate
    nb.cells[4].metadata["nbgrader"]["grade_id"] = "bad id!"
    nb.cells[4].metadata["nbgrader"]["extra"] = 1
    text = "\n".join(metadata_problems(nb))
    for word in ("checksum", "schema_version=2", "points", "duplicate", "must match", "unknown"):
        assert word in text
    with pytest.raises(GradingError, match="invalid nbgrader metadata"):
        release_notebook(nb)


def test_malformed_notebook_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ not json")
    with pytest.raises(GradingError, match="not a valid notebook"):
        read_notebook(bad)
    with pytest.raises(GradingError, match="cannot be read"):
        read_notebook(tmp_path / "missing.ipynb")


def test_assign_cli_writes_and_checks(tmp_path, capsys):
    src, dest = tmp_path / "solutions", tmp_path / "exercises"
    write_notebook(toy_source(), src / "ex99_toy.ipynb")
    assert main(["assign", "--source", str(src), "--dest", str(dest), "--check"]) == 1
    assert main(["assign", "--source", str(src), "--dest", str(dest)]) == 0
    assert main(["assign", "--source", str(src), "--dest", str(dest), "--check"]) == 0
    (dest / "ex99_toy.ipynb").write_text((dest / "ex99_toy.ipynb").read_text() + " ")
    (dest / "ex98_orphan.ipynb").write_text("{}")
    assert stale_exercises(src, dest) == ["ex99_toy.ipynb (differs)", "ex98_orphan.ipynb (no source)"]
    assert find_source("ex99", src).name == "ex99_toy.ipynb"
    with pytest.raises(GradingError, match="matches 0 notebooks"):
        find_source("ex42", src)
    assert "out of date" in capsys.readouterr().out


def test_committed_exercises_are_generated_from_solutions():
    """Fails when exercises/ differ from `eie-lab assign` output: rerun it and commit."""
    assert [p.stem for p in source_notebooks(SOLUTIONS)] == list(EXERCISES)
    assert stale_exercises(SOLUTIONS, EXERCISES_DIR) == []


@pytest.mark.parametrize("name", EXERCISES)
def test_solution_notebooks_follow_the_rules(name):
    path = SOLUTIONS / f"{name}.ipynb"
    raw = json.loads(path.read_text())
    nb = read_notebook(path)
    assert metadata_problems(nb) == []
    assert nb.metadata["kernelspec"]["name"] == "python3"
    graded = list(graded_cells(nb))
    assert 3 <= len(graded) <= 10  # issue 14: labs grow to 6-10 items
    assert sum(c.metadata["nbgrader"]["points"] for c in graded) == 10
    for cell in graded:
        lines = cell.source.splitlines()
        assert "### BEGIN HIDDEN TESTS" in lines and len(lines) <= 8, grade_id(cell)
        assert f"checks.check_{grade_id(cell)[len('test_'):]}(" in cell.source
    for cell in nb.cells:
        assert "widget" not in cell.source or not (is_grade(cell) or is_solution(cell))
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert all("checksum" not in c["metadata"].get("nbgrader", {}) for c in raw["cells"])
    assert "Learning goals" in nb.cells[0].source and "You will need" in nb.cells[0].source
    assert "seed" in nb.cells[1].source


def test_assign_acts_on_the_current_project_only(tmp_path, monkeypatch, capsys):
    """Run from a folder without solutions/: a clear error, the checkout's exercises untouched."""
    before = {p.name: p.stat().st_mtime_ns for p in EXERCISES_DIR.glob("*.ipynb")}
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EIE_LAB_SOLUTIONS", raising=False)
    assert main(["assign"]) == 2
    assert "solutions/, or pass --source" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in EXERCISES_DIR.glob("*.ipynb")} == before
    write_notebook(toy_source(), tmp_path / "solutions" / "ex99_toy.ipynb")
    assert main(["assign"]) == 0  # the project here: ./solutions -> ./exercises
    assert (tmp_path / "exercises" / "ex99_toy.ipynb").is_file()


def test_written_notebooks_round_trip_like_jupyterlab(tmp_path):
    """Source is stored as a list of lines, as JupyterLab saves it: re-saving changes no byte."""
    import nbformat

    path = write_notebook(toy_source(), tmp_path / "a.ipynb")
    raw = json.loads(path.read_text())
    assert isinstance(raw["cells"][1]["source"], list) and len(raw["cells"][1]["source"]) > 1
    resaved = nbformat.writes(nbformat.read(path, as_version=4)) + "\n"  # what JupyterLab writes
    assert resaved == path.read_text()
