"""Turn solution notebooks into student exercises, exactly as nbgrader's ``generate_assignment``.

The solution notebooks in ``solutions/`` are the single source. A release (the exercise a
student gets) is derived from one by the same steps nbgrader takes (``LockCells`` →
``ClearSolutions`` → ``ClearOutput`` → ``ClearHiddenTests``):

* every ``### BEGIN SOLUTION`` … ``### END SOLUTION`` region becomes ``# YOUR CODE HERE`` +
  ``raise NotImplementedError()`` at the indentation of the ``BEGIN`` line (``YOUR ANSWER HERE``
  in markdown); a solution cell without a region is replaced whole;
* ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` regions are removed;
* outputs and execution counts are cleared;
* solution cells get ``deletable: false``; test and read-only cells also ``editable: false``.

Examples
--------
>>> from eie_lab.grading.assign import clear_solutions, strip_hidden_tests
>>> print(clear_solutions("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n"
...                       "    ### END SOLUTION"))
def f(x):
    # YOUR CODE HERE
    raise NotImplementedError()
>>> print(strip_hidden_tests("check(f)\\n### BEGIN HIDDEN TESTS\\ncheck(f, hidden=True)\\n"
...                          "### END HIDDEN TESTS"))
check(f)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat

from eie_lab.errors import GradingError, fail_message
from eie_lab.grading.notebook_io import (
    copy_notebook,
    is_grade,
    is_locked,
    is_solution,
    metadata_problems,
    notebook_bytes,
    read_notebook,
    write_notebook,
)

__all__ = [
    "CODE_STUB",
    "TEXT_STUB",
    "clear_solutions",
    "strip_hidden_tests",
    "release_notebook",
    "generate_assignment",
    "assign_all",
    "stale_exercises",
    "source_notebooks",
    "find_source",
    "default_source_dir",
    "default_exercise_dir",
    "project_dirs",
]

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


def _regions(source: str, begin: str, end: str, stub: str | None) -> tuple[str, bool]:
    out: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise GradingError(f"nested '{begin}' regions in cell:\n{source}\n"
                                   f"help: close each region with '{end}' before opening the next")
            inside = found = True
            if stub is not None:
                indent = re.match(r"\s*", line).group(0)
                out.extend(indent + s for s in stub.split("\n"))
        elif end in line:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise GradingError(f"'{begin}' without '{end}' in cell:\n{source}\n"
                           f"help: add '{end}' after the region")
    return "\n".join(out), found


def clear_solutions(source: str, cell_type: str = "code") -> str:
    """Replace every solution region of ``source`` by the code (or markdown) stub.

    Parameters
    ----------
    source : str
        A cell's source.
    cell_type : {"code", "markdown"}
        Picks :data:`CODE_STUB` or :data:`TEXT_STUB`.

    Returns
    -------
    str

    Raises
    ------
    GradingError
        For a nested or unterminated region.

    Examples
    --------
    >>> print(clear_solutions("Why?\\n### BEGIN SOLUTION\\nBecause.\\n### END SOLUTION", "markdown"))
    Why?
    YOUR ANSWER HERE
    """
    return _regions(source, BEGIN_SOLUTION, END_SOLUTION,
                    CODE_STUB if cell_type == "code" else TEXT_STUB)[0]


def strip_hidden_tests(source: str) -> str:
    """Remove every hidden-test region (delimiter lines included) from ``source``.

    Parameters
    ----------
    source : str
        A test cell's source.

    Returns
    -------
    str

    Examples
    --------
    See the module docstring.
    """
    return _regions(source, BEGIN_HIDDEN, END_HIDDEN, None)[0]


def release_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of a source notebook (a new notebook; ``nb`` is unchanged).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The source (solution) notebook.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    GradingError
        When the metadata breaks nbgrader's schema, or a solution / hidden-test region sits in a
        cell not marked as a solution / grade cell (nbgrader refuses those too).

    Examples
    --------
    >>> import nbformat, tempfile
    >>> from eie_lab.grading.notebook_io import nbgrader_cell as cell, write_notebook
    >>> src = nbformat.v4.new_notebook(cells=[
    ...     cell("code", "### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION", grade_id="ans", solution=True),
    ...     cell("code", "assert x\\n### BEGIN HIDDEN TESTS\\nassert x == 1\\n### END HIDDEN TESTS",
    ...          grade_id="test_x", grade=True, locked=True, points=2)])
    >>> out = release_notebook(src)
    >>> print(out.cells[0].source); print(out.cells[1].source)
    # YOUR CODE HERE
    raise NotImplementedError()
    assert x
    >>> out.cells[1].metadata["editable"], out.cells[0].metadata["deletable"]
    (False, False)
    """
    problems = metadata_problems(nb)
    if problems:
        raise GradingError("invalid nbgrader metadata:\n  " + "\n  ".join(problems)
                           + "\nhelp: fix the cells' metadata.nbgrader (schema v3; see README, Authoring)")
    out = copy_notebook(nb)
    out.metadata.pop("celltoolbar", None)
    for index, cell in enumerate(out.cells):
        if is_solution(cell):
            cell.metadata["deletable"] = False
        elif is_grade(cell) or is_locked(cell):
            cell.metadata["deletable"] = False
            cell.metadata["editable"] = False
        source, replaced = _regions(cell.source, BEGIN_SOLUTION, END_SOLUTION,
                                    CODE_STUB if cell.cell_type == "code" else TEXT_STUB)
        if replaced and not is_solution(cell):
            raise GradingError(f"cell {index}: solution region in a cell not marked solution\n"
                               "help: set metadata.nbgrader.solution = true on that cell")
        if is_solution(cell) and not replaced:
            source = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
        source, removed = _regions(source, BEGIN_HIDDEN, END_HIDDEN, None)
        if removed and not is_grade(cell):
            raise GradingError(f"cell {index}: hidden tests in a cell not marked grade\n"
                               "help: set metadata.nbgrader.grade = true and locked = true on that cell")
        cell.source = source
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return out


def generate_assignment(source: str | Path, dest: str | Path) -> Path:
    """Write the release of the source notebook ``source`` to ``dest``; returns ``dest``.

    Parameters
    ----------
    source, dest : str or Path
        The solution notebook and where to write the exercise (folders are created).

    Returns
    -------
    Path

    Examples
    --------
    See :func:`assign_all`.
    """
    return write_notebook(release_notebook(read_notebook(source)), dest)


def source_notebooks(source_dir: str | Path) -> list[Path]:
    """The assignment notebooks in ``source_dir`` (``*.ipynb``, sorted, checkpoints skipped).

    Parameters
    ----------
    source_dir : str or Path
        Folder of solution notebooks; :class:`GradingError` when it is not a folder.

    Returns
    -------
    list of Path

    Examples
    --------
    >>> source_notebooks("no/such/folder")
    Traceback (most recent call last):
    ...
    eie_lab.errors.GradingError: source_dir='no/such/folder' is invalid: is not a folder
    help: pass the folder that holds the solution notebooks
    """
    folder = Path(source_dir)
    if not folder.is_dir():
        raise GradingError(fail_message("source_dir", str(folder), "is not a folder",
                                        "pass the folder that holds the solution notebooks"))
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def assign_all(source_dir: str | Path, dest_dir: str | Path) -> list[Path]:
    """Generate every exercise of ``source_dir`` into ``dest_dir``; returns the written paths.

    Parameters
    ----------
    source_dir, dest_dir : str or Path
        Folder of solution notebooks; folder for the exercises.

    Returns
    -------
    list of Path

    Examples
    --------
    >>> import nbformat, tempfile
    >>> from eie_lab.grading.notebook_io import nbgrader_cell as cell, write_notebook
    >>> src = nbformat.v4.new_notebook(cells=[
    ...     cell("code", "### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION", grade_id="ans", solution=True),
    ...     cell("code", "assert x\\n### BEGIN HIDDEN TESTS\\nassert x == 1\\n### END HIDDEN TESTS",
    ...          grade_id="test_x", grade=True, locked=True, points=2)])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_notebook(src, Path(tmp) / "solutions" / "ex00.ipynb")
    ...     written = assign_all(Path(tmp) / "solutions", Path(tmp) / "exercises")
    ...     fresh = stale_exercises(Path(tmp) / "solutions", Path(tmp) / "exercises")
    ...     _ = written[0].write_text("{}")
    ...     stale = stale_exercises(Path(tmp) / "solutions", Path(tmp) / "exercises")
    ...     found = find_source("ex00", Path(tmp) / "solutions").name
    >>> [p.name for p in written], fresh, stale, found
    (['ex00.ipynb'], [], ['ex00.ipynb (differs)'], 'ex00.ipynb')
    """
    return [generate_assignment(src, Path(dest_dir) / src.name)
            for src in source_notebooks(source_dir)]


def stale_exercises(source_dir: str | Path, dest_dir: str | Path) -> list[str]:
    """Names of exercises in ``dest_dir`` that differ from what :func:`assign_all` would write.

    Missing files and exercises without a source are reported too; an empty list means the
    committed exercises are up to date.

    Parameters
    ----------
    source_dir, dest_dir : str or Path
        Folder of solution notebooks; folder of the committed exercises.

    Returns
    -------
    list of str
        E.g. ``"ex01_pruning.ipynb (differs)"``.

    Examples
    --------
    See :func:`assign_all`.
    """
    stale = []
    sources = source_notebooks(source_dir)
    for src in sources:
        dest = Path(dest_dir) / src.name
        want = notebook_bytes(release_notebook(read_notebook(src)))
        if not dest.is_file():
            stale.append(f"{src.name} (missing)")
        elif dest.read_bytes() != want:
            stale.append(f"{src.name} (differs)")
    names = {s.name for s in sources}
    if Path(dest_dir).is_dir():
        stale += [f"{p.name} (no source)" for p in sorted(Path(dest_dir).glob("*.ipynb"))
                  if p.name not in names]
    return stale


def _repo_dir(name: str) -> Path:
    here = Path.cwd() / name
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / name


def default_source_dir() -> Path:
    """``$EIE_LAB_SOLUTIONS``, else ``./solutions``, else the repository's ``solutions/``.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_SOLUTIONS": "/srv/course/source"}):
    ...     print(default_source_dir())
    /srv/course/source
    """
    env = os.environ.get("EIE_LAB_SOLUTIONS")
    return Path(env) if env else _repo_dir("solutions")


def default_exercise_dir() -> Path:
    """``./exercises`` when present, else the repository's ``exercises/``.

    Examples
    --------
    >>> default_exercise_dir().name
    'exercises'
    """
    return _repo_dir("exercises")


def project_dirs(source: str | Path | None = None, dest: str | Path | None = None,
                 cwd: str | Path | None = None) -> tuple[Path, Path]:
    """The folders ``eie-lab assign`` reads and writes: those given, else the current
    project's (``$EIE_LAB_SOLUTIONS`` or ``./solutions``, and ``exercises/`` beside it).

    Unlike :func:`default_source_dir` this never falls back to the eie-lab checkout: a command
    that writes files acts on the project it is run in, or on the paths it is given.

    Parameters
    ----------
    source, dest : str or Path, optional
        Explicit folders (``--source``, ``--dest``).
    cwd : str or Path, optional
        The project folder (default: the current directory).

    Raises
    ------
    GradingError
        When no source folder is given and the project has none.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     (Path(tmp) / "solutions").mkdir()
    ...     src, dst = project_dirs(cwd=tmp)
    ...     print(src.name, dst.name, dst.parent == Path(tmp))
    solutions exercises True
    >>> project_dirs(cwd="/no/such/course")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eie_lab.errors.GradingError: source='/no/such/course/solutions' is invalid: is not a folder
    help: run eie-lab assign in the course folder that holds solutions/, or pass --source
    """
    here = Path(cwd) if cwd is not None else Path.cwd()
    env = os.environ.get("EIE_LAB_SOLUTIONS")
    src = Path(source) if source is not None else (Path(env) if env else here / "solutions")
    if not src.is_dir():
        raise GradingError(fail_message("source", str(src), "is not a folder",
                                        "run eie-lab assign in the course folder that holds "
                                        "solutions/, or pass --source"))
    return src, Path(dest) if dest is not None else src.parent / "exercises"


def find_source(assignment: str, source_dir: str | Path | None = None) -> Path:
    """Resolve ``assignment`` ("ex03", "ex03_huffman" or a path) to its source notebook.

    Parameters
    ----------
    assignment : str
        Prefix or full name of a notebook in ``source_dir``, or a path to an ``.ipynb`` file.
    source_dir : str or Path, optional
        Default: :func:`default_source_dir`.

    Returns
    -------
    Path

    Raises
    ------
    GradingError
        When the name matches no notebook or several.

    Examples
    --------
    See :func:`assign_all`.
    """
    path = Path(assignment)
    if path.suffix == ".ipynb" and path.is_file():
        return path
    folder = Path(source_dir) if source_dir is not None else default_source_dir()
    names = [p for p in source_notebooks(folder)
             if p.stem == assignment or p.stem.startswith(assignment + "_")]
    if len(names) != 1:
        known = ", ".join(p.stem for p in source_notebooks(folder)) or "none"
        raise GradingError(fail_message("assignment", assignment,
                                        f"matches {len(names)} notebooks in {folder}",
                                        f"use one of: {known}"))
    return names[0]
