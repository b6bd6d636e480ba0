"""Durable, tamper-evident grading: CLI numbers checked, results journaled as they complete,
resumed runs, shards merged, a changed source or checks stops the run, the weaker sandbox
levels still score outside the student's process."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from eie_lab.cli import main
from eie_lab.errors import GradingError
from eie_lab.grading.autograde import autograde
from eie_lab.grading.gradebook import journal_path, merge, read_journal
from eie_lab.grading.notebook_io import grade_id, read_notebook, write_notebook
from eie_lab.grading.sandbox import sandbox_level

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.grading
HALF_UNDONE = ("masked_sgd_step", "global_magnitude_prune")  # left as stubs in the half-done


def points() -> dict[str, float]:
    """Answer cell's grade id -> the points of its test cell in the ex01 solution."""
    sol = read_notebook(ROOT / "solutions" / "ex01_pruning.ipynb")
    return {grade_id(c).removeprefix("test_"): float(c.metadata["nbgrader"]["points"])
            for c in sol.cells if c.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.parametrize("command", ["autograde", "validate"])
@pytest.mark.parametrize("option, value, rule", [
    ("--timeout", "inf", "finite number in (0.0, 86400.0]"), ("--timeout", "nan", "finite"),
    ("--timeout", "0", "(0.0, 86400.0]"), ("--timeout", "-1", "(0.0"),
    ("--timeout", "soon", "finite number"), ("--jobs", "0", "integer in 1..64"),
    ("--jobs", "-1", "1..64"), ("--jobs", "2.5", "1..64"), ("--jobs", "65", "1..64"),
    ("--memory", "0", "[0.5, 1024.0]")])
def test_cli_numbers_are_checked_before_any_work(tmp_path, capsys, command, option, value, rule):
    if command == "validate" and option == "--memory":
        pytest.skip("validate has no --memory")
    args = [command, str(tmp_path), "--assignment", "ex01"] if command == "autograde" else [
        command, "ex01", "--source", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_info:
        main([*args, option, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert value in err and rule in err and "help:" in err
    assert list(tmp_path.iterdir()) == []


def test_shard_must_be_i_of_n(tmp_path, capsys):
    assert main(["autograde", str(tmp_path), "--assignment", "ex01_pruning", "--source",
                 str(ROOT / "solutions"), "--shard", "3/2", "--out",
                 str(tmp_path / "g.csv")]) == 2
    assert "i/N" in capsys.readouterr().err


def _toy(tmp: Path) -> tuple[Path, list[Path]]:
    """The ex01 source and four submissions: solution, stub, two half-done."""
    src = ROOT / "solutions" / "ex01_pruning.ipynb"
    sol, stub = read_notebook(src), read_notebook(ROOT / "exercises" / "ex01_pruning.ipynb")
    half = nbformat.from_dict(json.loads(json.dumps(sol)))
    for cell, stub_cell in zip(half.cells, stub.cells):
        if grade_id(cell) in HALF_UNDONE:
            cell.source = stub_cell.source
    subs = [write_notebook(nb, tmp / "subs" / f"{name}.ipynb") for name, nb in
            (("ann", sol), ("bob", stub), ("cat", half), ("dan", half))]
    return src, subs


def test_shards_merge_into_one_gradebook(tmp_path):
    src, subs = _toy(tmp_path)
    secret = b"course-secret"
    for i in (1, 2):
        autograde(subs, src, jobs=2, out=tmp_path / f"shard{i}.csv", shard=(i - 1, 2),
                  secret=secret)
    shard_rows = [list(csv.DictReader((tmp_path / f"shard{i}.csv").open())) for i in (1, 2)]
    assert [[r["student"] for r in rows] for rows in shard_rows] == [["ann", "cat"], ["bob", "dan"]]
    assert main(["autograde", "merge", str(tmp_path / "shard1.csv"),
                 str(tmp_path / "shard2.csv"), "--out", str(tmp_path / "all.csv")]) == 0
    rows = {r["student"]: float(r["score"]) for r in csv.DictReader((tmp_path / "all.csv").open())}
    pts = points()
    total, half = sum(pts.values()), sum(v for k, v in pts.items() if k not in HALF_UNDONE)
    assert rows == {"ann": total, "bob": 0, "cat": half, "dan": half}
    # a journal line edited by hand breaks the hash chain: merge refuses it
    jpath = journal_path(tmp_path / "shard2.csv")
    lines = jpath.read_text().splitlines()
    lines[1] = lines[1].replace('"points": 0.0', '"points": 3.0', 1)
    jpath.write_text("\n".join(lines) + "\n")
    with pytest.raises(GradingError, match="hash chain"):
        merge([tmp_path / "shard1.csv", tmp_path / "shard2.csv"], tmp_path / "again.csv")


def test_a_changed_source_stops_the_run_and_a_rerun_resumes(tmp_path):
    src, subs = _toy(tmp_path)
    source = tmp_path / "source" / "ex01_pruning.ipynb"
    source.parent.mkdir()
    original = src.read_bytes()
    source.write_bytes(original)
    out = tmp_path / "grades.csv"

    def tamper(result):
        source.write_bytes(original + b" ")

    with pytest.raises(GradingError, match="changed during the run"):
        autograde(subs, source, jobs=1, out=out, secret=b"s", on_result=tamper)
    header, done = read_journal(journal_path(out))
    assert len(done) == 1  # the result graded before the change is kept
    assert len(list(csv.DictReader(out.open()))) == 1
    source.write_bytes(original)
    seen = []
    results = autograde(subs, source, jobs=2, out=out, secret=b"s", on_result=seen.append)
    assert len(seen) == 3 and len(results) == 4  # only the rest was graded
    assert [r.student for r in results] == ["ann", "bob", "cat", "dan"]
    assert len(read_journal(journal_path(out))[1]) == 4


def test_per_student_seeds_draw_different_hidden_cases(tmp_path):
    from eie_lab.grading.prepare import plan_job

    sol = read_notebook(ROOT / "solutions" / "ex01_pruning.ipynb")
    a = plan_job(sol, sol, "ex01_pruning", "ann", b"k").harvests["test_magnitude_prune"].cases
    b = plan_job(sol, sol, "ex01_pruning", "bob", b"k").harvests["test_magnitude_prune"].cases
    fixed = plan_job(sol, sol, "ex01_pruning", "ann", None).harvests["test_magnitude_prune"]
    assert [label for label, _, hidden in a if not hidden] == [
        label for label, _, hidden in b if not hidden]  # the same visible examples
    assert [label for label, _, h in a if h] != [label for label, _, h in b if h]
    assert len(fixed.cases) == len(a)


def test_weaker_sandbox_levels_still_score_outside_the_kernel(tmp_path, monkeypatch):
    """At the ``rlimits`` level (no bwrap, same user) patched checks and numpy still earn 0."""
    monkeypatch.setenv("EIE_LAB_SANDBOX", "rlimits")
    assert sandbox_level() == "rlimits"
    stub = read_notebook(ROOT / "exercises" / "ex01_pruning.ipynb")
    for cell in stub.cells:
        if grade_id(cell) == "magnitude_prune":
            cell.source = ("np.all = lambda *a, **k: True\n"
                           "for n in dir(checks):\n"
                           "    if n.startswith('check_'):\n"
                           "        setattr(checks, n, lambda *a, **k: None)\n")
    subs = [write_notebook(stub, tmp_path / "patcher.ipynb"),
            write_notebook(read_notebook(ROOT / "solutions" / "ex01_pruning.ipynb"),
                           tmp_path / "honest.ipynb")]
    results = autograde(subs, ROOT / "solutions" / "ex01_pruning.ipynb", jobs=2, secret=b"s")
    assert [(r.student, r.score, r.sandbox) for r in results] == [
        ("patcher", 0.0, "rlimits"), ("honest", sum(points().values()), "rlimits")]


def test_a_gradebook_without_journal_is_not_overwritten(tmp_path):
    from eie_lab.grading.gradebook import Gradebook

    old = tmp_path / "grades.csv"
    old.write_text("student,score\nann,10\n")
    with pytest.raises(GradingError, match="no journal"):
        Gradebook(old, "ex01_pruning", ["test_a"], {"source": "s"})
    assert old.read_text() == "student,score\nann,10\n"
