"""Read, write and inspect nbgrader notebooks (cell metadata schema version 3).

A graded notebook is an ordinary nbformat v4 notebook whose special cells carry
``cell.metadata.nbgrader`` exactly as nbgrader 0.9 validates it: ``schema_version`` 3, the three
booleans ``grade``, ``solution`` and ``locked``, a unique ``grade_id`` and ``points`` on grade
cells. Authors never write ``checksum`` or ``cell_type``; nbgrader adds them.
:func:`metadata_problems` checks a source notebook against those rules.

Examples
--------
>>> import nbformat
>>> from eie_lab.grading.notebook_io import graded_cells, grade_id, metadata_problems, nbgrader_cell
>>> nb = nbformat.v4.new_notebook()
>>> nb.cells = [nbgrader_cell("code", "x = 1", grade_id="answer", solution=True),
...             nbgrader_cell("code", "assert x == 1", grade_id="test_x", grade=True,
...                           locked=True, points=2)]
>>> metadata_problems(nb)
[]
>>> [grade_id(c) for c in graded_cells(nb)]
['test_x']
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat

from eie_lab.cache import atomic_write_bytes
from eie_lab.errors import GradingError, fail_message

__all__ = [
    "read_notebook",
    "write_notebook",
    "notebook_bytes",
    "nbgrader_cell",
    "nbgrader_meta",
    "is_grade",
    "is_solution",
    "is_locked",
    "grade_id",
    "points",
    "graded_cells",
    "metadata_problems",
    "parse_notebook",
    "copy_notebook",
]

_ALLOWED_KEYS = {"schema_version", "grade", "solution", "locked", "task", "grade_id", "points",
                 "checksum", "cell_type"}
_GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a notebook file as nbformat v4.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.

    Raises
    ------
    GradingError
        When the file is missing, not JSON, or not a notebook; the message names the file.

    Examples
    --------
    >>> read_notebook("no/such/file.ipynb")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eie_lab.errors.GradingError: notebook='no/such/file.ipynb' is invalid: cannot be read (...)
    help: check the path and that the file is a .ipynb
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GradingError(fail_message("notebook", str(path), f"cannot be read ({exc})",
                                        "check the path and that the file is a .ipynb")) from exc
    return parse_notebook(text, name=str(path))


def parse_notebook(text: str, name: str = "<notebook>") -> nbformat.NotebookNode:
    """Parse notebook JSON text; :class:`GradingError` when it is malformed.

    Parameters
    ----------
    text : str
        The notebook's JSON.
    name : str
        What to call it in error messages (e.g. the file name).

    Examples
    --------
    >>> len(parse_notebook('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}').cells)
    0
    >>> parse_notebook("{not json", name="alice.ipynb")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eie_lab.errors.GradingError: notebook='alice.ipynb' is invalid: is not a valid notebook: ...
    help: open and re-save it in Jupyter, or restore it from the release
    """
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds (JSON, validation, version)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GradingError(fail_message("notebook", name, f"is not a valid notebook: {reason}",
                                        "open and re-save it in Jupyter, or restore it from "
                                        "the release")) from exc
    if not isinstance(nb.get("cells"), list):
        raise GradingError(fail_message("notebook", name, "has no list of cells",
                                        "restore it from the release"))
    return nb


def notebook_bytes(nb: nbformat.NotebookNode) -> bytes:
    """The on-disk form JupyterLab writes: :func:`nbformat.writes` (indent 1, sorted keys,
    multi-line text stored as a list of lines) plus a final newline, so a notebook written here
    and re-saved in JupyterLab shows no diff.

    Parameters
    ----------
    nb : nbformat.NotebookNode

    Returns
    -------
    bytes
        UTF-8 JSON; equal notebooks give equal bytes.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1\\nb = 2")])
    >>> nb.cells[0]["id"] = "c1"
    >>> print(notebook_bytes(nb).decode().split('"source": ')[1].split("]")[0] + "]")
    [
        "a = 1\\n",
        "b = 2"
       ]
    """
    text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    return (text if text.endswith("\n") else text + "\n").encode()


def write_notebook(nb: nbformat.NotebookNode, path: str | Path) -> Path:
    """Write ``nb`` atomically in :func:`notebook_bytes` form; returns the path.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    path : str or Path
        Destination; missing parent folders are created.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_notebook(nbformat.v4.new_notebook(), Path(tmp) / "sub" / "a.ipynb")
    ...     read_notebook(out).nbformat
    4
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, notebook_bytes(nb))


def nbgrader_cell(cell_type: str, source: str, *, grade_id: str, grade: bool = False,
                  solution: bool = False, locked: bool = False,
                  points: float | None = None) -> nbformat.NotebookNode:
    """Build a code or markdown cell with schema-v3 nbgrader metadata (no checksum).

    Parameters
    ----------
    cell_type : {"code", "markdown"}
    source : str
        The cell's text.
    grade_id : str
        Unique id (also the cell id, cut to 64 characters).
    grade, solution, locked : bool
        nbgrader's three flags.
    points : float, optional
        Points of a grade cell (default 1); ignored otherwise.

    Examples
    --------
    >>> cell = nbgrader_cell("code", "assert True", grade_id="t1", grade=True, locked=True)
    >>> nbgrader_meta(cell)["points"], is_grade(cell), is_locked(cell), is_solution(cell)
    (1, True, True, False)
    """
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked,
                            "schema_version": 3, "solution": solution}
    if grade:
        meta["points"] = points if points is not None else 1
    cell.metadata["nbgrader"] = meta
    cell["id"] = grade_id[:64]
    return cell


def nbgrader_meta(cell: dict) -> dict:
    """The cell's ``metadata.nbgrader`` dict (empty when absent or not a dict).

    Parameters
    ----------
    cell : dict
        A notebook cell.

    Examples
    --------
    >>> nbgrader_meta({"metadata": {"nbgrader": "oops"}})
    {}
    """
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_grade(cell: dict) -> bool:
    """True for a graded cell (``grade: true``).

    Examples
    --------
    >>> is_grade({"metadata": {"nbgrader": {"grade": True}}}), is_grade({"metadata": {}})
    (True, False)
    """
    return bool(nbgrader_meta(cell).get("grade", False))


def is_solution(cell: dict) -> bool:
    """True for an answer cell (``solution: true``).

    Examples
    --------
    >>> is_solution({"metadata": {"nbgrader": {"solution": True}}})
    True
    """
    return bool(nbgrader_meta(cell).get("solution", False))


def is_locked(cell: dict) -> bool:
    """True for a cell students may not change (``locked: true``).

    Examples
    --------
    >>> is_locked({"metadata": {"nbgrader": {"locked": False}}})
    False
    """
    return bool(nbgrader_meta(cell).get("locked", False))


def grade_id(cell: dict) -> str | None:
    """The cell's ``grade_id`` or None.

    Examples
    --------
    >>> grade_id({"metadata": {"nbgrader": {"grade_id": "q1"}}}), grade_id({"metadata": {}})
    ('q1', None)
    """
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def points(cell: dict) -> float:
    """Points of a graded cell (0.0 for other cells).

    Examples
    --------
    >>> points({"metadata": {"nbgrader": {"grade": True, "points": 3}}})
    3.0
    >>> points({"metadata": {"nbgrader": {"grade": False, "points": 3}}})
    0.0
    """
    if not is_grade(cell):
        return 0.0
    try:
        return float(nbgrader_meta(cell).get("points", 0.0))
    except (TypeError, ValueError):
        return 0.0


def graded_cells(nb: dict) -> Iterator[dict]:
    """The graded (``grade: true``) cells, in notebook order.

    Parameters
    ----------
    nb : dict
        A notebook.

    Returns
    -------
    iterator of dict

    Examples
    --------
    See the module docstring.
    """
    return (c for c in nb.get("cells", []) if is_grade(c))


def metadata_problems(nb: dict, *, authored: bool = True) -> list[str]:
    """Every way ``nb``'s nbgrader metadata breaks the schema-v3 rules (empty list: none).

    With ``authored=True`` (a source notebook) ``checksum`` and ``cell_type`` are also reported,
    because nbgrader's ``generate_assignment`` writes those itself.

    Parameters
    ----------
    nb : dict
        A notebook.
    authored : bool
        True for a source (solution) notebook.

    Returns
    -------
    list of str
        One message per problem, each starting with ``"cell <index>:"``.

    Examples
    --------
    >>> cell = nbgrader_cell("code", "", grade_id="a b", grade=True, points=-1)
    >>> for problem in metadata_problems({"cells": [cell, cell]}):
    ...     print(problem)
    cell 0: grade_id 'a b' must match ^[a-zA-Z0-9_\\-]*$
    cell 0: grade cell needs points >= 0, got -1
    cell 1: grade_id 'a b' must match ^[a-zA-Z0-9_\\-]*$
    cell 1: duplicate grade_id 'a b'
    cell 1: grade cell needs points >= 0, got -1
    """
    problems: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(nb.get("cells", [])):
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        meta = cell["metadata"]["nbgrader"]
        where = f"cell {index}"
        if not isinstance(meta, dict):
            problems.append(f"{where}: metadata.nbgrader is not a dict")
            continue
        extra = set(meta) - _ALLOWED_KEYS
        if extra:
            problems.append(f"{where}: unknown nbgrader keys {sorted(extra)}")
        if authored:
            for key in ("checksum", "cell_type"):
                if key in meta:
                    problems.append(f"{where}: '{key}' must not be authored")
        if meta.get("schema_version") != 3:
            problems.append(f"{where}: schema_version={meta.get('schema_version')!r}, must be 3")
        for key in ("grade", "solution", "locked"):
            if not isinstance(meta.get(key), bool):
                problems.append(f"{where}: '{key}' must be a bool, got {meta.get(key)!r}")
        gid = meta.get("grade_id")
        needs_id = any(meta.get(k) for k in ("grade", "solution", "locked", "task"))
        if needs_id and (not isinstance(gid, str) or not gid):
            problems.append(f"{where}: a grade/solution/locked cell needs a non-empty grade_id")
        elif isinstance(gid, str) and gid:
            if not _GRADE_ID.match(gid):
                problems.append(f"{where}: grade_id {gid!r} must match {_GRADE_ID.pattern}")
            if gid in seen:
                problems.append(f"{where}: duplicate grade_id {gid!r}")
            seen.add(gid)
        if meta.get("grade"):
            pts = meta.get("points")
            if isinstance(pts, bool) or not isinstance(pts, (int, float)) or pts < 0:
                problems.append(f"{where}: grade cell needs points >= 0, got {pts!r}")
        if meta.get("task") and cell.get("cell_type") != "markdown":
            problems.append(f"{where}: task cells must be markdown")
        if (cell.get("cell_type") == "markdown" and not meta.get("task")
                and bool(meta.get("grade")) != bool(meta.get("solution"))):
            problems.append(f"{where}: a markdown cell may not be grade XOR solution")
    return problems


def copy_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A deep copy of ``nb``.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> copy_notebook(nb) is not nb and copy_notebook(nb) == nb
    True
    """
    return copy.deepcopy(nb)
