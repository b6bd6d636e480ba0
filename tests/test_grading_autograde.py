"""eie-lab autograde on a toy assignment: every kind of bad submission gets zeros for what failed
and a reason, never a crash or a lost result; nbgrader's scoring rules; feedback hides hidden tests."""

from __future__ import annotations

import csv
import json

import nbformat
import pytest

from eie_lab.cli import main
from eie_lab.grading.assign import release_notebook
from eie_lab.grading.feedback import render_html, render_markdown, write_feedback
from eie_lab.grading.notebook_io import nbgrader_cell, read_notebook, write_notebook
from eie_lab.grading.results import CellGrade, SubmissionResult, student_id, unique_ids
from eie_lab.grading.scoring import score_cell

pytestmark = pytest.mark.grading

HIDDEN_CODE = "assert double(7) == 14"


def toy_source() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbgrader_cell("code", "import math", grade_id="setup", locked=True),
        nbgrader_cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                      "    ### END SOLUTION", grade_id="double", solution=True),
        nbgrader_cell("code", "assert double(2) == 4, 'double(2) should be 4'\n"
                      f"### BEGIN HIDDEN TESTS\n{HIDDEN_CODE}, 'double(7) should be 14'\n"
                      "### END HIDDEN TESTS", grade_id="test_double", grade=True, locked=True,
                      points=2),
        nbgrader_cell("code", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n"
                      "    ### END SOLUTION", grade_id="square", solution=True),
        nbgrader_cell("code", "assert square(3) == 9\n### BEGIN HIDDEN TESTS\n"
                      "assert square(5) == 25\n### END HIDDEN TESTS", grade_id="test_square",
                      grade=True, locked=True, points=3),
    ]
    return nb


def _variant(nb, **sources):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    index = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)}
    for gid, src in sources.items():
        nb.cells[index[gid]].source = src
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade ten submissions in one parallel CLI run; return CSV rows by student and the dir."""
    tmp = tmp_path_factory.mktemp("autograde")
    src = write_notebook(toy_source(), tmp / "source" / "toy.ipynb")
    sol = read_notebook(src)
    rel = release_notebook(sol)
    subs = tmp / "subs"
    write_notebook(sol, subs / "solution.ipynb")
    write_notebook(rel, subs / "stub.ipynb")
    write_notebook(_variant(rel, double="def double(x):\n    return 4",  # fits the visible test
                            square="def square(x):\n    return x ** 2"), subs / "hardcoded.ipynb")
    write_notebook(_variant(sol, square="def square(x):\n    while True:\n        pass"),
                   subs / "loop.ipynb")
    write_notebook(_variant(sol, square="import os\nos._exit(1)"), subs / "crash.ipynb")
    write_notebook(_variant(sol, square="def square(x):\n    while True:\n        try:\n"
                            "            while True:\n                pass\n"
                            "        except KeyboardInterrupt:\n            pass"),
                   subs / "stubborn.ipynb")  # swallows the interrupt: the kernel stops answering
    edited = _variant(sol, test_double="pass  # the student 'fixed' the test")
    edited.cells = [c for c in edited.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                    != "test_square"]
    for cell in edited.cells:  # an answer cell turned into markdown is turned back (nbgrader)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "double":
            cell.cell_type = "markdown"
            del cell["outputs"], cell["execution_count"]
    write_notebook(edited, subs / "edited.ipynb")
    (subs / "malformed.ipynb").write_text('{"cells": [')
    other = nbformat.v4.new_notebook()
    other.cells = [nbgrader_cell("code", "x = 1", grade_id="other", solution=True)]
    write_notebook(other, subs / "wrong.ipynb")
    write_notebook(_variant(sol, double="import sys\ndef double(x):\n    print('hi', file=sys.stderr)\n"
                            "    return 2 * x"), subs / "stderr.ipynb")
    out, feedback = tmp / "grades" / "gradebook.csv", tmp / "feedback"
    code = main(["autograde", str(subs), "--assignment", "toy", "--source", str(src.parent),
                 "--out", str(out), "--feedback", str(feedback), "--feedback-format", "md",
                 "--timeout", "2", "--jobs", "2"])
    assert code == 0
    with out.open() as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    return rows, tmp


def test_every_submission_has_a_row(graded):
    rows, tmp = graded
    assert sorted(rows) == ["crash", "edited", "hardcoded", "loop", "malformed", "solution",
                            "stderr", "stub", "stubborn", "wrong"]
    names = sorted(p.name for p in (tmp / "grades").iterdir())  # atomic, no temp files
    assert names == [".eie-lab-grading-secret", "gradebook.csv", "gradebook.journal.jsonl"]


@pytest.mark.parametrize("student, score, double, square, status, reason", [
    ("solution", 5, 2, 3, "ok", ""),
    ("stub", 0, 0, 0, "ok", ""),
    ("hardcoded", 3, 0, 3, "ok", ""),  # passes the visible test, fails the hidden one
    ("loop", 2, 2, 0, "ok", ""),
    ("crash", 2, 2, 0, "ok", "kernel died while running cell 3"),
    ("stubborn", 2, 2, 0, "ok", "stopped answering"),
    ("edited", 2, 2, 0, "ok", "was deleted"),
    ("malformed", 0, 0, 0, "error", "not a valid notebook"),
    ("wrong", 0, 0, 0, "error", "not the toy notebook"),
    ("stderr", 3, 0, 3, "ok", ""),  # nbgrader fails a test cell that writes to stderr
])
def test_scores_and_reasons(graded, student, score, double, square, status, reason):
    row = graded[0][student]
    assert (float(row["score"]), float(row["test_double"]), float(row["test_square"])) == (
        score, double, square)
    assert row["max_score"] == "5" and row["status"] == status
    assert reason in row["reason"]


def test_feedback_explains_without_revealing_hidden_tests(graded):
    _, tmp = graded
    pages = {p.stem: p.read_text() for p in (tmp / "feedback").glob("*.md")}
    assert len(pages) == 10
    for text in pages.values():
        assert "HIDDEN" not in text and HIDDEN_CODE not in text and "square(5)" not in text
    assert "the test failed: AssertionError" in pages["hardcoded"]  # the type, not the text
    assert "double(7) should be 14" not in pages["hardcoded"]
    assert "assert double(2) == 4" in pages["hardcoded"]  # the visible test is shown
    assert "CellTimeoutError" in pages["loop"]
    assert "restored" in pages["edited"] and "deleted" in pages["edited"]
    assert "turned back into a code cell" in pages["edited"]
    assert "Score: 5 / 5" in pages["solution"]


def test_score_cell_follows_nbgrader():
    out = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("x")
    assert score_cell(cell, 2.0) == (2.0, "passed", "")
    cell.outputs = [out("stream", name="stdout", text="fine")]
    assert score_cell(cell, 2.0)[0] == 2.0
    cell.outputs = [out("stream", name="stderr", text="warning")]
    assert score_cell(cell, 2.0)[0] == 0.0
    cell.outputs = [out("execute_result", data={"text/plain": "1.5"}, execution_count=1)]
    assert score_cell(cell, 2.0)[:2] == (1.5, "partial")
    cell.outputs = [out("execute_result", data={"text/plain": "'text'"}, execution_count=1)]
    assert score_cell(cell, 2.0)[0] == 2.0
    cell.outputs = [out("error", ename="AssertionError", evalue="expected 3, got 4",
                        traceback=["secret hidden line"])]
    assert score_cell(cell, 2.0) == (0.0, "failed", "the test failed: AssertionError")


def test_student_ids():
    assert student_id("submitted/ann/ex01_pruning/ex01_pruning.ipynb", "ex01_pruning") == "ann"
    assert student_id("ann/ex01_pruning.ipynb", "ex01_pruning") == "ann"
    assert student_id("bob.ipynb", "ex01_pruning") == "bob"
    assert unique_ids([__import__("pathlib").Path(p) for p in ("a/x.ipynb", "b/x.ipynb")],
                      "ex") == ["x", "x-2"]


def test_folders_are_searched_for_the_assignment(tmp_path):
    from eie_lab.commands.autograde import _collect

    for rel in ("ann/ex01_pruning/ex01_pruning.ipynb", "ann/ex02_x/ex02_x.ipynb",
                "bob/ex01_pruning/ex01_pruning.ipynb", "bob/.ipynb_checkpoints/ex01_pruning.ipynb"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found, empty = _collect([tmp_path], "ex01_pruning")
    assert [p.relative_to(tmp_path).parts[0] for p in found] == ["ann", "bob"] and not empty
    assert len(_collect([tmp_path / "ann" / "ex02_x"], "ex01_pruning")[0]) == 1  # any notebook
    (tmp_path / "empty").mkdir()
    (tmp_path / "x.ipynb").mkdir()  # a folder named like a notebook is a submission, unreadable
    found, empty = _collect([tmp_path / "empty", tmp_path / "x.ipynb"], "ex01_pruning")
    assert found == [tmp_path / "empty", tmp_path / "x.ipynb"]
    assert empty == [str(tmp_path / "empty")]


def test_html_feedback_escapes(tmp_path):
    r = SubmissionResult("<eve>", "eve.ipynb", "ex01_pruning",
                         [CellGrade("test_a", 2.0, 0.0, "failed", "expected <b>", "check(a)")],
                         notes=["note & more"])
    page = render_html(r)
    assert "&lt;eve&gt;" in page and "expected &lt;b&gt;" in page and "note &amp; more" in page
    assert "| `test_a` | 0 / 2 | FAILED |" in render_markdown(r)
    assert [p.name for p in write_feedback([r], tmp_path, "html")] == ["_eve_.html"]
    with pytest.raises(Exception, match="html"):
        write_feedback([r], tmp_path, "pdf")
