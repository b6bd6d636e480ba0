"""Grade submitted notebooks the way ``nbgrader autograde`` does, robustly and in parallel.

For each submission the source notebook (the solution, with hidden tests) is the authority:

1. graded and read-only cells are matched by ``grade_id``; locked cells (tests, set-up) get their
   source back from the source notebook, which also restores the hidden tests, and an edited
   locked cell is noted; a graded cell missing from the submission scores zero (nbgrader's
   default, which does not add missing cells back); duplicated ids keep only the first cell;
2. the notebook runs in a fresh kernel with a per-cell time limit (:mod:`.execute`);
3. each graded code cell scores as in nbgrader's ``determine_grade``: zero if it has an error
   output or wrote to stderr, a partial score if it ends in a number, full points otherwise.

A submission that cannot be read, is the wrong notebook, loops forever or kills its kernel gets
zeros for what failed and a reason; it never stops the run or loses another student's result.

Examples
--------
>>> from eie_lab.grading.autograde import student_id
>>> student_id("submitted/alice/ex01_pruning/ex01_pruning.ipynb", "ex01_pruning")
'alice'
>>> student_id("inbox/bob.ipynb", "ex01_pruning")
'bob'
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import multiprocessing
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from eie_lab.cache import atomic_write_bytes
from eie_lab.errors import GradingError
from eie_lab.grading.assign import release_notebook
from eie_lab.grading.execute import execute_notebook
from eie_lab.grading.notebook_io import (
    grade_id,
    is_grade,
    is_locked,
    nbgrader_meta,
    points,
    read_notebook,
)

__all__ = ["CellGrade", "SubmissionResult", "student_id", "prepare_submission", "score_cell",
           "grade_submission", "grade_many", "autograde", "write_gradebook"]


@dataclass
class CellGrade:
    """The score of one graded cell and the student-facing reason when it lost points.

    Examples
    --------
    >>> CellGrade("test_x", 2.0).status, CellGrade("test_x", 2.0, 2.0, "passed").points
    ('not run', 2.0)
    """

    grade_id: str
    max_points: float
    points: float = 0.0
    status: str = "not run"  # passed | failed | partial | missing | not run
    message: str = ""
    visible_source: str = ""  # the test cell as students see it (hidden tests removed)


@dataclass
class SubmissionResult:
    """Everything known about one graded submission.

    Examples
    --------
    >>> r = SubmissionResult("bob", "bob.ipynb", "ex01", [CellGrade("a", 2, 2, "passed"),
    ...                                                  CellGrade("b", 3, 0, "failed")])
    >>> r.score, r.max_score
    (2.0, 5.0)
    """

    student: str
    path: str
    assignment: str
    cells: list[CellGrade] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""  # set when the submission could not be graded at all

    @property
    def score(self) -> float:
        """Points earned."""
        return float(sum(c.points for c in self.cells))

    @property
    def max_score(self) -> float:
        """Points available."""
        return float(sum(c.max_points for c in self.cells))


def student_id(path: str | Path, assignment: str) -> str:
    """A student id from a submission path: the file stem, or for a file named after the
    assignment the nearest folder not named after it (nbgrader's ``submitted/<id>/<a>/`` too).

    Examples
    --------
    See the module docstring.
    """
    path = Path(path)
    if path.stem != assignment:
        return path.stem
    for parent in path.parents:
        if parent.name and parent.name != assignment:
            return parent.name
    return path.stem


def _blank_grades(source) -> dict[str, CellGrade]:
    release = release_notebook(source)
    grades = {}
    for cell in release.cells:
        if is_grade(cell) and cell.cell_type == "code":
            gid = grade_id(cell)
            grades[gid] = CellGrade(gid, points(cell), visible_source=cell.source)
    return grades


def prepare_submission(source: nbformat.NotebookNode, submission: nbformat.NotebookNode
                       ) -> tuple[nbformat.NotebookNode, list[str], set[str]]:
    """Restore locked cells and nbgrader metadata from ``source`` into ``submission``.

    ``submission`` is changed in place. Returns ``(nb, notes, seen)``: the notebook to run,
    notes for the student, and the graded ids found.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> from eie_lab.grading.notebook_io import nbgrader_cell as cell, write_notebook
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
    notes, seen = [], set()
    nb = submission
    nb.metadata["kernelspec"] = source.metadata.get("kernelspec", {})
    for cell in nb.cells:
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid in seen or gid not in by_id:
            why = "a duplicate" if gid in seen else "not part of this assignment"
            notes.append(f"cell id '{gid}' is {why}; it was run as an ordinary cell")
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
            notes.append(f"cell '{gid}' was changed to {cell.cell_type}; it was turned back "
                         f"into a {src.cell_type} cell")
        cell.cell_type = src.cell_type
        if src.cell_type == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        cell.metadata["nbgrader"] = dict(nbgrader_meta(src))
    missing = [g for g, c in by_id.items() if is_grade(c) and g not in seen]
    for gid in missing:
        notes.append(f"test cell '{gid}' was deleted from the submission: it scores 0 "
                     "(copy it back from the released exercise)")
    return nb, notes, seen


def score_cell(cell: dict, max_points: float) -> tuple[float, str, str]:
    """Score one executed graded code cell like nbgrader: (points, status, message).

    Examples
    --------
    >>> score_cell({"outputs": []}, 2.0)
    (2.0, 'passed', '')
    >>> score_cell({"outputs": [{"output_type": "error", "ename": "CheckFailed",
    ...                          "evalue": "expected 3, got 4"}]}, 2.0)
    (0.0, 'failed', 'CheckFailed: expected 3, got 4')
    >>> score_cell({"outputs": [{"output_type": "execute_result",
    ...                          "data": {"text/plain": "1.5"}}]}, 2.0)
    (1.5, 'partial', 'partial credit 1.5 of 2')
    """
    outputs = cell.get("outputs", [])
    for out in outputs:
        if out.get("output_type") == "error" and out.get("ename") == "CellTimeoutError":
            return 0.0, "failed", f"CellTimeoutError: {out.get('evalue', '')}"
    for out in outputs:
        kind = out.get("output_type")
        if kind == "error":
            evalue = str(out.get("evalue", "")).strip()
            return 0.0, "failed", f"{out.get('ename', 'Error')}: {evalue}".rstrip(": ")
        if kind == "stream" and out.get("name") == "stderr":
            text = "".join(out.get("text", ""))[:500].strip()
            return 0.0, "failed", f"the test cell wrote to stderr (counted as a failure): {text}"
        if kind == "execute_result":
            text = out.get("data", {}).get("text/plain", "")
            text = text[0] if isinstance(text, list) and len(text) == 1 else text
            try:
                value = float(text)
            except (TypeError, ValueError):
                return max_points, "passed", ""
            if value < 0:
                return max_points, "passed", ""
            if value > max_points:
                return 0.0, "failed", f"partial score {value} exceeds the cell's {max_points}"
            status = "passed" if value == max_points else "partial"
            return value, status, f"partial credit {value:g} of {max_points:g}"
    return max_points, "passed", ""


def grade_submission(path: str | Path, source_path: str | Path, *, student: str | None = None,
                     timeout: float = 30.0) -> SubmissionResult:
    """Grade one submission against its source notebook. Never raises for a bad submission.

    Parameters
    ----------
    path, source_path : str or Path
        The student's notebook and the source (solution) notebook.
    student, timeout : str, float
        Id to report (default: :func:`student_id`) and seconds per cell.

    Examples
    --------
    See :func:`autograde`.
    """
    source = read_notebook(source_path)
    assignment = Path(source_path).stem
    result = SubmissionResult(student or student_id(path, assignment), str(path), assignment)
    grades = _blank_grades(source)
    result.cells = list(grades.values())
    try:
        submission = read_notebook(path)
    except GradingError as exc:
        result.error = str(exc).splitlines()[0]
        for g in result.cells:
            g.message = "the submission could not be read"
        return result
    try:
        nb, notes, seen = prepare_submission(source, submission)
        result.notes += notes
        if not seen & set(grades):
            result.error = (f"this is not the {assignment} notebook: none of its graded cells "
                            f"({', '.join(grades)}) were found")
            for g in result.cells:
                g.message = "wrong notebook"
            return result
        report = execute_notebook(nb, timeout=timeout)
        if report.reason:
            result.notes.append(report.reason)
        for cell in nb.cells:
            gid = grade_id(cell)
            if gid in grades and is_grade(cell) and cell.cell_type == "code":
                g = grades[gid]
                g.points, g.status, g.message = score_cell(cell, g.max_points)
        for gid, g in grades.items():
            if gid not in seen:
                g.status, g.message = "missing", "the test cell was deleted"
    except Exception as exc:  # last line of defence: this student's result, with a reason
        result.error = f"grading failed: {type(exc).__name__}: {exc}"
        for g in result.cells:
            g.points, g.status = 0.0, "not run"
    return result


def _grade_job(args: tuple) -> SubmissionResult:
    path, source, student, timeout = args
    return grade_submission(path, source, student=student, timeout=timeout)


def _unique_ids(paths: list[Path], assignment: str) -> list[str]:
    ids, count = [], {}
    for p in paths:
        sid = student_id(p, assignment)
        count[sid] = count.get(sid, 0) + 1
        ids.append(sid if count[sid] == 1 else f"{sid}-{count[sid]}")
    return ids


def grade_many(tasks: list[tuple[str, str, str]], *, jobs: int | None = None,
               timeout: float = 30.0) -> list[SubmissionResult]:
    """Grade ``(submission, source, student)`` triples, ``jobs`` processes at a time.

    Results come back in task order; every task gets one, even if a worker process dies.

    Examples
    --------
    See :func:`autograde`.
    """
    jobs = max(1, min(jobs or multiprocessing.cpu_count(), len(tasks) or 1))
    results: list[SubmissionResult | None] = [None] * len(tasks)
    if jobs > 1:
        ctx = multiprocessing.get_context("spawn")
        try:
            with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                futures = {pool.submit(_grade_job, (*t, timeout)): i for i, t in enumerate(tasks)}
                for fut in cf.as_completed(futures):
                    try:
                        results[futures[fut]] = fut.result()
                    except Exception:
                        pass  # retried below, in this process
        except Exception:
            pass
    for i, (path, source, student) in enumerate(tasks):
        if results[i] is None:
            try:
                results[i] = _grade_job((path, source, student, timeout))
            except Exception as exc:
                results[i] = SubmissionResult(student, path, Path(source).stem,
                                              error=f"grading failed: {exc}")
    return [r for r in results if r is not None]


def autograde(submissions: list[str | Path], source_path: str | Path, *, jobs: int | None = None,
              timeout: float = 30.0) -> list[SubmissionResult]:
    """Grade ``submissions`` against the source notebook ``source_path`` in parallel.

    Results come back in the order of ``submissions``; every submission gets one.

    Parameters
    ----------
    submissions : list of str or Path
        Student notebooks; ids come from :func:`student_id` (made unique with ``-2``, ...).
    source_path : str or Path
        The source notebook; unreadable -> :class:`GradingError`.
    jobs, timeout : int, float
        Worker processes (default: CPU count; 1 = this process) and seconds per cell.

    Examples
    --------
    Broken or wrong notebooks score zero with a reason, before any kernel starts:

    >>> import nbformat, tempfile
    >>> from eie_lab.grading.notebook_io import nbgrader_cell as cell, write_notebook
    >>> src = nbformat.v4.new_notebook(cells=[cell("code", "x = 1", grade_id="ans", solution=True),
    ...     cell("code", "assert x == 1", grade_id="test_x", grade=True, locked=True, points=2)])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     source = write_notebook(src, Path(tmp) / "ex00.ipynb")
    ...     carol = write_notebook(nbformat.v4.new_notebook(), Path(tmp) / "carol.ipynb")
    ...     _ = (Path(tmp) / "dave.ipynb").write_text("{broken")
    ...     results = autograde([carol, Path(tmp) / "dave.ipynb"], source, jobs=1)
    >>> for r in results:
    ...     print(r.student, r.score, r.max_score, r.cells[0].message)
    carol 0.0 2.0 wrong notebook
    dave 0.0 2.0 the submission could not be read
    >>> results[0].error
    'this is not the ex00 notebook: none of its graded cells (test_x) were found'
    """
    paths = [Path(p) for p in submissions]
    read_notebook(source_path)  # a broken source is the instructor's error: raise it now
    ids = _unique_ids(paths, Path(source_path).stem)
    tasks = [(str(p), str(source_path), sid) for p, sid in zip(paths, ids)]
    return grade_many(tasks, jobs=jobs, timeout=timeout)


def write_gradebook(results: list[SubmissionResult], path: str | Path) -> Path:
    """Write one CSV row per submission (atomically): ids, score, max, per-cell points, notes.

    Examples
    --------
    >>> import tempfile
    >>> r = SubmissionResult("bob", "bob.ipynb", "ex01", [CellGrade("a", 2, 2, "passed")])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(write_gradebook([r], Path(tmp) / "grades.csv").read_text(), end="")
    student,assignment,file,score,max_score,a,status,reason
    bob,ex01,bob.ipynb,2,2,2,ok,
    """
    ids: list[str] = []
    for r in results:
        ids += [c.grade_id for c in r.cells if c.grade_id not in ids]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "assignment", "file", "score", "max_score", *ids, "status",
                     "reason"])
    for r in results:
        by_id = {c.grade_id: c.points for c in r.cells}
        status = "error" if r.error else "ok"
        reason = "; ".join([r.error] * bool(r.error) + r.notes)
        writer.writerow([r.student, r.assignment, r.path, f"{r.score:g}", f"{r.max_score:g}",
                         *(f"{by_id[g]:g}" if g in by_id else "" for g in ids), status, reason])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(Path(path), buf.getvalue().encode())
