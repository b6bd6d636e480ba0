"""Graded exercises: generate, validate and autograde nbgrader-format notebooks.

``solutions/`` holds the source notebooks (nbgrader schema v3 cell metadata, solution regions,
hidden tests); :mod:`.assign` derives the student exercises, :mod:`.autograde` grades
submissions the way ``nbgrader autograde`` does, :mod:`.validate` proves every solution earns full
marks and every stub earns none, :mod:`.feedback` writes per-student pages, and
:mod:`eie_lab.grading.checks` holds the student-facing checks the test cells call.

Examples
--------
>>> from eie_lab.grading import clear_solutions
>>> clear_solutions("x = 1  ### BEGIN SOLUTION\\n### END SOLUTION").splitlines()[0]
'# YOUR CODE HERE'
"""

from __future__ import annotations

from eie_lab.grading.assign import (
    assign_all,
    clear_solutions,
    find_source,
    generate_assignment,
    release_notebook,
    stale_exercises,
    strip_hidden_tests,
)
from eie_lab.grading.autograde import (
    CellGrade,
    SubmissionResult,
    autograde,
    grade_submission,
    write_gradebook,
)
from eie_lab.grading.feedback import render_html, render_markdown, write_feedback
from eie_lab.grading.validate import ValidationReport, validate_assignment

__all__ = [
    "assign_all",
    "clear_solutions",
    "find_source",
    "generate_assignment",
    "release_notebook",
    "stale_exercises",
    "strip_hidden_tests",
    "CellGrade",
    "SubmissionResult",
    "autograde",
    "grade_submission",
    "write_gradebook",
    "render_html",
    "render_markdown",
    "write_feedback",
    "ValidationReport",
    "validate_assignment",
]
