"""Prove an assignment is gradable: the solution earns full marks, the stub earns nothing.

For each source notebook :func:`validate_assignment` checks the nbgrader metadata, grades the
solution itself (every graded cell must pass) and grades the generated exercise as submitted
untouched (every graded cell must fail: no test may pass on an unsolved exercise). All notebooks
run in parallel processes.

Examples
--------
>>> from eie_lab.grading.validate import ValidationReport
>>> ValidationReport("ex00", 10.0, 10.0, 0.0).ok
True
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from eie_lab.grading.assign import generate_assignment
from eie_lab.grading.autograde import grade_many
from eie_lab.grading.notebook_io import metadata_problems, read_notebook
from eie_lab.grading.results import SubmissionResult

__all__ = ["ValidationReport", "validate_assignment", "validate_many"]


@dataclass
class ValidationReport:
    """The outcome of validating one assignment.

    Attributes
    ----------
    assignment : str
    max_score, solution_score, stub_score : float
        Points available, earned by the solution, earned by the untouched exercise.
    problems : list of str
        Metadata problems, grading errors, and cells that pass/fail the wrong way.
    solution, stub : SubmissionResult or None
        The two grading results.

    Examples
    --------
    >>> ValidationReport("ex00", 10.0, 10.0, 2.0).ok   # a test passes on the stub
    False
    """

    assignment: str
    max_score: float
    solution_score: float
    stub_score: float
    problems: list[str] = field(default_factory=list)
    solution: SubmissionResult | None = None
    stub: SubmissionResult | None = None

    @property
    def ok(self) -> bool:
        """True when the solution earns full marks, the stub none, and no problem was found."""
        return (not self.problems and self.max_score > 0
                and self.solution_score == self.max_score and self.stub_score == 0)


def validate_many(sources: list[str | Path], *, jobs: int | None = None,
                  timeout: float = 30.0) -> list[ValidationReport]:
    """Validate several source notebooks (solutions and stubs all graded in one pool).

    Each notebook is graded twice, each time in a sandbox of its own (the hidden cases are the
    checks' fixed ones), so this takes about a second per assignment.

    Parameters
    ----------
    sources : list of str or Path
        Source (solution) notebooks.
    jobs : int, optional
        Worker processes (default: CPU count).
    timeout : float
        Seconds per cell.

    Returns
    -------
    list of ValidationReport
        In the order of ``sources``.

    Examples
    --------
    >>> validate_many(["no/such/ex00.ipynb"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eie_lab.errors.GradingError: notebook='no/such/ex00.ipynb' is invalid: cannot be read (...)
    help: check the path and that the file is a .ipynb
    """
    reports = []
    with tempfile.TemporaryDirectory(prefix="eie-lab-validate-") as tmp:
        tasks = []
        for src in map(Path, sources):
            stub = generate_assignment(src, Path(tmp) / src.stem / "stub.ipynb")
            tasks += [(str(src), str(src), "solution"), (str(stub), str(src), "stub")]
        results = grade_many(tasks, jobs=jobs, timeout=timeout)
    for i, src in enumerate(map(Path, sources)):
        sol, stub = results[2 * i], results[2 * i + 1]
        problems = metadata_problems(read_notebook(src))
        for r, want in ((sol, "pass"), (stub, "fail")):
            if r.error:
                problems.append(f"{r.student}: {r.error}")
            for c in r.cells:
                if want == "pass" and c.points != c.max_points:
                    problems.append(f"solution loses points in '{c.grade_id}': {c.message}")
                if want == "fail" and c.points != 0:
                    problems.append(f"stub earns points in '{c.grade_id}' (a test passes on "
                                    "the unsolved exercise)")
        reports.append(ValidationReport(src.stem, sol.max_score, sol.score, stub.score,
                                        problems, sol, stub))
    return reports


def validate_assignment(source: str | Path, *, timeout: float = 30.0) -> ValidationReport:
    """Validate one source notebook; see the module docstring.

    Parameters
    ----------
    source : str or Path
        The source (solution) notebook.
    timeout : float
        Seconds per cell.

    Returns
    -------
    ValidationReport

    Examples
    --------
    See :func:`validate_many` (``eie-lab validate`` runs it on every solution).
    """
    return validate_many([source], jobs=2, timeout=timeout)[0]
