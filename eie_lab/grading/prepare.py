"""Turn a submission into the job its sandbox runs: restored cells, grader-chosen inputs.

:func:`prepare_submission` restores what nbgrader restores (locked cells from the source
notebook, nbgrader metadata; a duplicated cell id keeps its *last* copy, as nbgrader does).
:func:`plan_job` then decides, cell by cell, what the sandbox does: ordinary cells run as
written; a graded test cell of an eie-lab exercise (``checks.check_<part>(<function>)``)
becomes a *harvest*: the sandbox calls the student's ``<function>`` on the part's visible cases
and on hidden cases drawn from a per-student seed, and returns the answers as plain data; any
other graded cell (a hand-written nbgrader test) runs in the student's kernel and is scored from
how it ended, as nbgrader scores it.

Examples
--------
>>> from eie_lab.grading.prepare import test_call
>>> test_call("from x import y\\nchecks.check_magnitude_prune(magnitude_prune)\\n")
('magnitude_prune', 'magnitude_prune')
>>> test_call("assert double(2) == 4") is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
from dataclasses import dataclass, field
from types import ModuleType

import nbformat

from eie_lab.grading.assign import release_notebook
from eie_lab.grading.checks import EXERCISES
from eie_lab.grading.checks._core import Part
from eie_lab.grading.notebook_io import grade_id, is_grade, is_locked, nbgrader_meta

__all__ = ["prepare_submission", "plan_job", "Job", "Harvest", "test_call", "student_seed",
           "safe_id"]

_CALL = re.compile(r"^\s*checks\.check_(\w+)\(\s*(\w+)\s*\)\s*$", re.M)
_SAFE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def safe_id(gid: str) -> str:
    """``gid`` when it is a plain cell id, else a neutral stand-in (ids come from the
    student's file, so they are not echoed into feedback unchecked).

    Examples
    --------
    >>> safe_id("test_x"), safe_id("<script>")
    ('test_x', '(an id that is not a plain name)')
    """
    return gid if _SAFE_ID.match(gid) else "(an id that is not a plain name)"


def test_call(source: str) -> tuple[str, str] | None:
    """``(part, function)`` of an eie-lab test cell's visible call, or None.

    Examples
    --------
    See the module docstring.
    """
    m = _CALL.search(source)
    return (m.group(1), m.group(2)) if m else None


def student_seed(secret: bytes, assignment: str, student: str, part: str) -> int:
    """The seed of one student's hidden cases of one part: HMAC-SHA256 of the grader's secret.

    Examples
    --------
    >>> a = student_seed(b"k", "ex01", "ann", "magnitude_prune")
    >>> a == student_seed(b"k", "ex01", "ann", "magnitude_prune"), a == student_seed(
    ...     b"k", "ex01", "bob", "magnitude_prune")
    (True, False)
    """
    msg = "\0".join((assignment, student, part)).encode()
    return int.from_bytes(hmac.new(secret, msg, hashlib.sha256).digest()[:8], "big") >> 1


def prepare_submission(source: nbformat.NotebookNode, submission: nbformat.NotebookNode
                       ) -> tuple[nbformat.NotebookNode, list[str], set[str]]:
    """Restore locked cells and nbgrader metadata from ``source`` into ``submission``.

    ``submission`` is changed in place. Returns ``(nb, notes, seen)``: the notebook to run,
    notes for the student, and the ids of the source notebook found in it.

    Examples
    --------
    >>> from eie_lab.grading.notebook_io import nbgrader_cell as cell
    >>> src = nbformat.v4.new_notebook(cells=[cell("code", "x = 1", grade_id="ans", solution=True),
    ...     cell("code", "assert x == 1", grade_id="test_x", grade=True, locked=True, points=2)])
    >>> sub = nbformat.v4.new_notebook(cells=[cell("code", "x = 1", grade_id="ans", solution=True),
    ...     cell("code", "pass", grade_id="test_x", grade=True, points=2)])
    >>> nb, notes, seen = prepare_submission(src, sub)
    >>> nb.cells[1].source, notes, sorted(seen)
    ('assert x == 1', ["locked cell 'test_x' was edited; the original was restored"], \
['ans', 'test_x'])
    """
    release = {grade_id(c): c for c in release_notebook(source).cells if grade_id(c)}
    by_id = {grade_id(c): c for c in source.cells if grade_id(c)}
    notes: list[str] = []
    nb = submission
    nb.metadata["kernelspec"] = source.metadata.get("kernelspec", {})
    last = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid not in by_id or last[gid] != index:
            why = ("appears more than once; the last copy was graded (as nbgrader does) and this "
                   "one" if gid in by_id else "is not part of this assignment; it")
            note = f"cell id '{safe_id(gid)}' {why} was run as an ordinary cell"
            if note not in notes:
                notes.append(note)
            cell.metadata.pop("nbgrader", None)
            continue
        seen.add(gid)
        src = by_id[gid]
        changed_type = cell.cell_type != src.cell_type
        if is_locked(src):
            if changed_type or cell.source not in (release[gid].source, src.source):
                notes.append(f"locked cell '{gid}' was edited; the original was restored")
            cell.source = src.source
        elif changed_type:  # nbgrader turns an answer cell back into its original type
            notes.append(f"cell '{gid}' was changed to {safe_id(str(cell.cell_type))}; it was "
                         f"turned back into a {src.cell_type} cell")
        cell.cell_type = src.cell_type
        if src.cell_type == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        cell.metadata["nbgrader"] = dict(nbgrader_meta(src))
    for gid, c in by_id.items():
        if is_grade(c) and gid not in seen:
            notes.append(f"test cell '{gid}' was deleted from the submission: it scores 0, as "
                         "in nbgrader (copy it back from the released exercise)")
    return nb, notes, seen


@dataclass
class Harvest:
    """One graded part the sandbox answers: the cases the grader chose, kept for judging.

    Attributes
    ----------
    grade_id, function : str
        The test cell and the student's function it calls.
    part : Part
        The part (its judge and the package implementations that are off limits).
    cases : list of (str, tuple, bool)
        ``(label, args, hidden)`` in the order sent.
    """

    grade_id: str
    function: str
    part: Part
    cases: list[tuple[str, tuple, bool]] = field(default_factory=list)


@dataclass
class Job:
    """What one sandbox runs (``cells`` is written to ``job.json``) and what the grader keeps.

    Attributes
    ----------
    cells : list of dict
        ``{"kind": "code" | "harvest" | "test", "index": int, ...}``.
    harvests : dict
        grade_id -> :class:`Harvest`.
    tested : dict
        grade_id -> cell index of in-kernel test cells.
    code_cells : int
        Number of cells the sandbox runs.
    """

    assignment: str
    cells: list[dict]
    harvests: dict[str, Harvest]
    tested: dict[str, int]

    @property
    def code_cells(self) -> int:
        """Cells the sandbox runs."""
        return len(self.cells)

    def spec(self, timeout: float) -> dict:
        """The JSON written to ``job.json``."""
        names = sorted({f"check_{h.part.name}" for h in self.harvests.values()})
        return {"assignment": self.assignment, "timeout": timeout, "cells": self.cells,
                "check_names": names}


def checks_module(assignment: str) -> ModuleType | None:
    """The checks module of an eie-lab exercise (None for another assignment).

    Examples
    --------
    >>> checks_module("ex01_pruning").__name__, checks_module("toy")
    ('eie_lab.grading.checks.ex01_pruning', None)
    """
    if assignment not in EXERCISES:
        return None
    return importlib.import_module(f"eie_lab.grading.checks.{assignment}")


def plan_job(nb: nbformat.NotebookNode, source: nbformat.NotebookNode, assignment: str,
             student: str, secret: bytes | None) -> Job:
    """Decide what the sandbox runs for the prepared notebook ``nb``.

    ``secret`` seeds each student's hidden cases (:func:`student_seed`); None uses the checks'
    fixed seeds (the cases nbgrader and self-study run).

    Examples
    --------
    >>> from eie_lab.grading.notebook_io import nbgrader_cell as cell
    >>> src = nbformat.v4.new_notebook(cells=[
    ...     cell("code", "checks.check_prune_by_std(prune_by_std)\\n### BEGIN HIDDEN TESTS\\n"
    ...          "checks.check_prune_by_std(prune_by_std, hidden=True)\\n### END HIDDEN TESTS",
    ...          grade_id="test_prune_by_std", grade=True, locked=True, points=2)])
    >>> job = plan_job(src, src, "ex01_pruning", "ann", b"secret")
    >>> job.cells[0]["kind"], len(job.harvests["test_prune_by_std"].cases)
    ('harvest', 33)
    """
    module = checks_module(assignment)
    parts = getattr(module, "PARTS", {}) if module is not None else {}
    by_id = {grade_id(c): c for c in source.cells if grade_id(c)}
    cells: list[dict] = []
    harvests: dict[str, Harvest] = {}
    tested: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        if gid is not None and is_grade(cell):
            call = test_call(by_id[gid].source)
            if call is not None and call[0] in parts:
                part = parts[call[0]]
                h = Harvest(gid, call[1], part)
                h.cases = [(label, args, False) for label, args in part.examples()]
                if "hidden=True" in by_id[gid].source:
                    seed = (part.seed if secret is None
                            else student_seed(secret, assignment, student, part.name))
                    h.cases += [(label, args, True) for label, args in part.hidden(seed)]
                harvests[gid] = h
                cells.append({"kind": "harvest", "index": index, "gid": gid,
                              "function": call[1], "inputs": f"inputs/{gid}.json",
                              "package": list(part.package)})
                continue
            tested[gid] = index
            cells.append({"kind": "test", "index": index, "gid": gid, "source": cell.source})
            continue
        cells.append({"kind": "code", "index": index, "source": cell.source})
    return Job(assignment, cells, harvests, tested)
