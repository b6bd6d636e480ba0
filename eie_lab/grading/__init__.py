"""Graded exercises: generate, validate and autograde nbgrader-format notebooks.

``solutions/`` holds the source notebooks (nbgrader schema v3 cell metadata, solution regions,
hidden tests); :mod:`.assign` derives the student exercises; :mod:`.validate` proves every
solution earns full marks and every stub earns none; :mod:`eie_lab.grading.checks` holds the
checks the test cells call (each part a visible-case list, a hidden-case generator and a judge).

``eie-lab autograde`` (:func:`eie_lab.grading.autograde.autograde`) grades a class:
:mod:`.prepare` restores locked cells and plans the job, :mod:`.sandbox` runs each submission in
a sandbox of its own (:mod:`.sandbox_runner` inside it), which only returns the student's answers
to grader-chosen inputs as plain data (:mod:`.wire`); :mod:`.scoring` judges them in the grader's
process; :mod:`.gradebook` appends each result to a journal and a CSV as it completes;
:mod:`.feedback` writes per-student pages. :mod:`.exercise_data` is the public data the
exercises' set-up cells use (importable inside the sandbox, unlike the checks).

Examples
--------
>>> from eie_lab.grading import clear_solutions
>>> clear_solutions("x = 1  ### BEGIN SOLUTION\\n### END SOLUTION").splitlines()[0]
'# YOUR CODE HERE'
"""

from __future__ import annotations

_EXPORTS = {
    "assign_all": "assign", "clear_solutions": "assign", "find_source": "assign",
    "generate_assignment": "assign", "release_notebook": "assign", "stale_exercises": "assign",
    "strip_hidden_tests": "assign", "CellGrade": "results", "SubmissionResult": "results",
    "grade_many": "autograde", "grade_submission": "autograde", "write_gradebook": "gradebook",
    "merge": "gradebook",
    "render_html": "feedback", "render_markdown": "feedback", "write_feedback": "feedback",
    "ValidationReport": "validate", "validate_assignment": "validate",
}


def __getattr__(name: str):
    """Import on first use, so that test cells importing ``eie_lab.grading.checks`` stay fast
    (the tooling pulls in nbformat and nbclient, which the checks never need)."""
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"eie_lab.grading.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'eie_lab.grading' has no attribute {name!r}")


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
    "grade_many",
    "grade_submission",
    "write_gradebook",
    "merge",
    "render_html",
    "render_markdown",
    "write_feedback",
    "ValidationReport",
    "validate_assignment",
]
