"""What grading produces: the score of each graded cell and of each submission.

Examples
--------
>>> from eie_lab.grading.results import student_id
>>> student_id("submitted/alice/ex01_pruning/ex01_pruning.ipynb", "ex01_pruning")
'alice'
>>> student_id("inbox/bob.ipynb", "ex01_pruning")
'bob'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["CellGrade", "SubmissionResult", "student_id", "unique_ids"]


@dataclass
class CellGrade:
    """The score of one graded cell and the student-facing reason when it lost points.

    Every message is written by the grader (points, expected vs got on a visible case, the type
    of an exception the student's code raised); none quotes the student's exception text or a
    hidden test.

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

    Attributes
    ----------
    student, path, assignment : str
    cells : list of CellGrade
    notes : list of str
        Grader-written notes for the student (an edited test restored, a cell that timed out).
    error : str
        Set when the submission could not be graded at all.
    sha256 : str
        Hash of the submitted file's bytes (the key of a resumed run).
    sandbox : str
        The sandbox level it ran at (``bwrap``, ``uid``, ``rlimits``; "" when nothing ran).
    cpu_seconds : float
        Core-seconds spent on it: the sandbox's processes plus the grader's own work.

    Examples
    --------
    >>> r = SubmissionResult("bob", "bob.ipynb", "ex01", [CellGrade("a", 2, 2, "passed"),
    ...                                                  CellGrade("b", 3, 0, "failed")])
    >>> r.score, r.max_score
    (2.0, 5.0)
    >>> SubmissionResult.from_dict(r.to_dict()) == r
    True
    """

    student: str
    path: str
    assignment: str
    cells: list[CellGrade] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    sha256: str = ""
    sandbox: str = ""
    cpu_seconds: float = 0.0

    @property
    def score(self) -> float:
        """Points earned."""
        return float(sum(c.points for c in self.cells))

    @property
    def max_score(self) -> float:
        """Points available."""
        return float(sum(c.max_points for c in self.cells))

    def to_dict(self) -> dict:
        """Plain data (for the JSON-lines journal)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        """The inverse of :meth:`to_dict`."""
        data = dict(data)
        data["cells"] = [CellGrade(**c) for c in data.get("cells", [])]
        return cls(**data)


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


def unique_ids(paths: list[Path], assignment: str) -> list[str]:
    """:func:`student_id` of each path, made unique with ``-2``, ``-3``, ...

    Examples
    --------
    >>> unique_ids([Path("a/x.ipynb"), Path("b/x.ipynb")], "ex")
    ['x', 'x-2']
    """
    ids, count = [], {}
    for p in paths:
        sid = student_id(p, assignment)
        count[sid] = count.get(sid, 0) + 1
        ids.append(sid if count[sid] == 1 else f"{sid}-{count[sid]}")
    return ids
