"""Check the slide structure of lecture notebooks against the lecture-mode rules (issue 17).

Usage::

    python scripts/check_slides.py [NOTEBOOK ...] [--executed DIR]

With no notebook, every lecture (``notebooks/*.ipynb``) is checked. The committed notebooks carry
no outputs, so the rules on outputs need the executed copies: ``--executed DIR`` names a folder
holding ``<name>.ipynb`` executed (``make slides`` writes them to ``build/slides/executed/``);
a notebook that itself has outputs is checked as it is. Exit status 0 when every rule holds, 1
when one is broken (each problem printed on one line: notebook, cell, rule, what to do).

The rules (``rule`` names of :class:`Problem`):

``slide-type``
    Every cell has ``metadata.slideshow.slide_type`` in :data:`SLIDE_TYPES`.
``title``
    Cell 0 is a markdown cell of type ``"slide"`` whose text starts with ``"# "``.
``skip-output``
    A skipped code cell shows nothing a later slide needs. In the executed notebook it may have:
    text on **stderr** (warnings, logs) and on **stdout without a digit** ("MNIST found", "ready"),
    and a progress bar's widget. It may not have: an error, a printed number (stdout with a
    digit), or any display/result (figure, table, widget, value).
``skip-question``
    A skipped markdown cell holds no question (a sentence ending with ``?``) and no ``<details>``
    answer.
``predict``
    A "**Predict, then run.**" question is on its slide (``slide``/``subslide``/``-``) and the
    first code cell after it is a ``fragment``.
``answer-fragment``
    Every markdown cell with a ``<details>`` answer is inside a fragment (type ``fragment``, or
    ``-`` continuing one), so the answer appears on the next key press.
``line-length``
    No line of a code cell shown on a slide (any type but ``skip``) is longer than
    :data:`MAX_CODE_LINE` (100) characters: a deck's code input is clipped at the slide's right
    edge (about 109 characters at 1280 px), so a longer line is cut off, not wrapped.
``notes``
    Every ``slide``-level section has a markdown ``notes`` cell that starts with
    ``**Speaker notes.**``, gives 2 to 5 talking points (list items; without a list, paragraphs)
    and cites a paper as ``[EIE ...]`` or ``[DC ...]`` (e.g. ``[EIE §III-B, Fig. 3]``).

Examples
--------
>>> import nbformat
>>> md = nbformat.v4.new_markdown_cell
>>> title = md("# 99 · A lecture", metadata={"slideshow": {"slide_type": "slide"}})
>>> notes = md("**Speaker notes.**\\n\\n- one\\n- two [EIE Table I]",
...            metadata={"slideshow": {"slide_type": "notes"}})
>>> check_notebook(nbformat.v4.new_notebook(cells=[title, notes]), "99")
[]
>>> [p.rule for p in check_notebook(nbformat.v4.new_notebook(cells=[md("# untyped")]), "99")]
['slide-type', 'title', 'notes']
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from eie_lab.errors import DataError, fail_message

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["SLIDE_TYPES", "MAX_CODE_LINE", "Problem", "slide_type", "in_fragment", "expected_sections",
           "is_progress_widget", "check_notebook", "check_file", "executed_copy", "main"]

#: The values of ``metadata.slideshow.slide_type`` (``"-"`` continues the current slide).
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
NOTES_HEADER = "**Speaker notes.**"
#: The longest code line a slide shows whole (a deck clips code input at about 109 characters).
MAX_CODE_LINE = 100
# a tqdm meter, as a progress bar's widget saves it: "desc:  42%|####  | 42/100 [..." or "7it [0:01"
_N = r"\d+(?:\.\d+)?[kMG]?"
_METER = re.compile(rf"\d+%\|[^|\n]*\|\s*{_N}/{_N}\s*\[|{_N}(?:it|B|step|eval|run|layer)s? \[\d+:\d\d")
_CITATION = re.compile(r"\[(?:EIE|DC)\b[^\]\n]*\]")
_PREDICT = re.compile(r"\*\*\s*Predict\b", re.I)
_DETAILS = re.compile(r"<details\b", re.I)
_QUESTION = re.compile(r"\?(?=[\s*_)\"'\]]|$)")
_CODE = re.compile(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$|https?://\S+", re.S)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S", re.M)


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (notebook, cell index or None) and what to do."""

    notebook: str
    cell: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell is not None else "notebook"
        return f"{self.notebook} {where}: [{self.rule}] {self.message}"


def slide_type(cell) -> str | None:
    """The cell's ``metadata.slideshow.slide_type``, or None when it has none.

    Examples
    --------
    >>> import nbformat
    >>> slide_type(nbformat.v4.new_code_cell("", metadata={"slideshow": {"slide_type": "skip"}}))
    'skip'
    >>> slide_type(nbformat.v4.new_code_cell("")) is None
    True
    """
    show = cell.get("metadata", {}).get("slideshow")
    return show.get("slide_type") if isinstance(show, dict) else None


def _types(nb) -> list[str]:
    """Every cell's type as the reveal exporter reads it (a missing type is ``"-"``)."""
    return [slide_type(c) or "-" for c in nb.cells]


def _first_visible(types: list[str]) -> int | None:
    return next((i for i, t in enumerate(types) if t not in ("notes", "skip")), None)


def in_fragment(nb) -> list[bool]:
    """Per cell: is it shown only on a key press (a ``fragment``, or ``-`` continuing one)?

    Follows nbconvert's reveal exporter (and RISE): a fragment lasts until the next slide or
    subslide; ``-``, ``notes`` and ``skip`` cells in between do not end it.

    Examples
    --------
    >>> import nbformat
    >>> cells = [nbformat.v4.new_markdown_cell(str(t), metadata={"slideshow": {"slide_type": t}})
    ...          for t in ("slide", "fragment", "-", "subslide", "-")]
    >>> in_fragment(nbformat.v4.new_notebook(cells=cells))
    [False, True, True, False, False]
    """
    types, state, out = _types(nb), False, []
    for t in types:
        if t in ("slide", "subslide"):
            state = False
        elif t == "fragment":
            state = True
        out.append(state)
    return out


def expected_sections(nb) -> int:
    """How many slides (leaf ``<section>`` elements) the reveal exporter makes of ``nb``.

    The first visible cell starts a slide whatever its type; every later ``slide`` or
    ``subslide`` cell starts another.

    Examples
    --------
    >>> import nbformat
    >>> cells = [nbformat.v4.new_markdown_cell(str(t), metadata={"slideshow": {"slide_type": t}})
    ...          for t in ("skip", "-", "subslide", "fragment", "slide", "notes")]
    >>> expected_sections(nbformat.v4.new_notebook(cells=cells))
    3
    """
    types = _types(nb)
    first = _first_visible(types)
    if first is None:
        return 0
    return 1 + sum(t in ("slide", "subslide") for t in types[first + 1:])


def is_progress_widget(output) -> bool:
    """Whether an output is a progress bar's widget (its saved text is a tqdm meter).

    Examples
    --------
    >>> is_progress_widget({"output_type": "display_data", "data": {
    ...     WIDGET_MIME: {"model_id": "m"}, "text/plain": "train: 100%|####| 9/9 [00:01<00:00]"}})
    True
    >>> is_progress_widget({"output_type": "display_data", "data": {"text/plain": "42"}})
    False
    """
    data = output.get("data", {})
    return WIDGET_MIME in data and bool(_METER.search(_text(data.get("text/plain", ""))))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _what(data: dict) -> str:
    if any(k.startswith("image/") for k in data):
        return "a figure"
    if WIDGET_MIME in data:
        return "a widget"
    if "<table" in _text(data.get("text/html", "")).lower():
        return "a table"
    return "a value (" + ", ".join(sorted(data)) + ")"


def _skipped_output_problems(cell) -> list[str]:
    found = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            found.append(f"an error ({out.get('ename', '?')})")
        elif kind == "stream":
            text = _text(out.get("text", ""))
            if out.get("name") == "stdout" and re.search(r"\d", text):
                line = next(ln for ln in text.splitlines() if re.search(r"\d", ln))
                found.append(f"a printed number ({line.strip()[:60]!r})")
        elif kind in ("display_data", "execute_result") and not is_progress_widget(out):
            found.append(_what(out.get("data", {})))
    return found


def _talking_points(text: str) -> int:
    body = text.strip()[len(NOTES_HEADER):]
    items = _LIST_ITEM.findall(body)
    if items:
        return len(items)
    return len([p for p in re.split(r"\n\s*\n", body) if p.strip()])


def _notes_problem(cells) -> str | None:
    """What the best speaker-notes cell of a section lacks (None when one has it all)."""
    notes = [c.source for c in cells
             if c.cell_type == "markdown" and slide_type(c) == "notes"
             and c.source.lstrip().startswith(NOTES_HEADER)]
    if not notes:
        return (f"this slide has no speaker notes; help: add a markdown cell of type 'notes' "
                f"starting with {NOTES_HEADER!r}, 2-5 talking points and the paper citation "
                "(e.g. [EIE §III-B, Fig. 3])")
    best = None
    for text in notes:
        missing = []
        n = _talking_points(text)
        if not 2 <= n <= 5:
            missing.append(f"2-5 talking points (found {n}; write them as a list)")
        if not _CITATION.search(text):
            missing.append("a paper citation such as [EIE Table II] or [DC §5.2]")
        if not missing:
            return None
        if best is None or len(missing) < len(best):
            best = missing
    return "its speaker notes lack " + " and ".join(best)


def check_notebook(nb, name: str = "notebook") -> list[Problem]:
    """Every broken slide rule of one notebook (the rules are in the module docstring).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A lecture notebook; the output rule (``skip-output``) is checked on the outputs it has,
        so pass the executed notebook to check it.
    name : str
        How problems name the notebook.

    Returns
    -------
    list of Problem
        Empty when the notebook follows every rule.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("x = 1; x", metadata={"slideshow": {"slide_type": "skip"}})
    >>> cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"})]
    >>> for p in check_notebook(nbformat.v4.new_notebook(cells=[cell]), "nb"):
    ...     print(p)  # doctest: +ELLIPSIS
    nb cell 0: [title] cell 0 must be the title slide: ...
    nb cell 0: [skip-output] a skipped code cell shows a value (text/plain); help: make it a ...
    nb notebook: [title] every cell is skip or notes: there is no slide
    """
    problems: list[Problem] = []

    def add(cell: int | None, rule: str, message: str) -> None:
        problems.append(Problem(name, cell, rule, message))

    cells = nb.cells
    if not cells:
        add(None, "title", "the notebook has no cells")
        return problems
    for i, cell in enumerate(cells):
        t = slide_type(cell)
        if t not in SLIDE_TYPES:
            add(i, "slide-type", f"slide_type {t!r} is not one of {', '.join(SLIDE_TYPES)}; "
                "help: set metadata.slideshow.slide_type (JupyterLab: property inspector, "
                "Slide Type)")
    first = cells[0]
    if not (first.cell_type == "markdown" and slide_type(first) == "slide"
            and first.source.startswith("# ")):
        add(0, "title", "cell 0 must be the title slide: a markdown cell of type 'slide' "
            "starting with '# ' and the lecture's title")

    fragment = in_fragment(nb)
    for i, cell in enumerate(cells):
        t, text = slide_type(cell), cell.source
        if cell.cell_type == "code" and t == "skip":
            for what in _skipped_output_problems(cell):
                add(i, "skip-output", f"a skipped code cell shows {what}; help: make it a slide "
                    "(or a fragment) or do not show it")
        if cell.cell_type == "code" and t != "skip":
            long = [(n, len(line)) for n, line in enumerate(text.splitlines(), 1)
                    if len(line) > MAX_CODE_LINE]
            if long:
                where = ", ".join(f"line {n} ({k} characters)" for n, k in long)
                add(i, "line-length", f"{where} longer than {MAX_CODE_LINE}: the slide cuts it "
                    "off at its right edge; help: break the line (split the f-string or the "
                    "argument list) without changing what it computes or prints")
        if cell.cell_type != "markdown":
            continue
        prose = _CODE.sub(" ", text)
        if t == "skip" and (_DETAILS.search(text) or _QUESTION.search(prose)):
            add(i, "skip-question", "a skipped markdown cell holds a question or a <details> "
                "answer; help: put it on a slide (answers as fragments)")
        if _DETAILS.search(text) and t != "skip" and t != "notes" and not fragment[i]:
            add(i, "answer-fragment", f"a <details> answer in a cell of type {t!r} shows before "
                "the key press; help: make the answer its own markdown cell of type 'fragment'")
        if _PREDICT.search(text) and t in SLIDE_TYPES and t != "notes":
            if t not in ("slide", "subslide", "-"):
                add(i, "predict", f"the 'Predict, then run' question is of type {t!r}; help: "
                    "show it on the slide (slide, subslide or -)")
            answer = next((j for j in range(i + 1, len(cells)) if cells[j].cell_type == "code"),
                          None)
            if answer is not None and slide_type(cells[answer]) != "fragment":
                add(answer, "predict", "the code cell answering the 'Predict, then run' question "
                    f"in cell {i} is of type {slide_type(cells[answer])!r}; help: make it a "
                    "'fragment'")

    types = _types(nb)
    start = _first_visible(types)
    if start is None:
        add(None, "title", "every cell is skip or notes: there is no slide")
        return problems
    starts = [start] + [i for i in range(start + 1, len(cells)) if types[i] == "slide"]
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(cells)
        missing = _notes_problem(cells[s:end])
        if missing:
            add(s, "notes", missing)
    return problems


def check_file(path: str | Path, executed: str | Path | None = None) -> list[Problem]:
    """Check one notebook file; ``executed`` (a folder) supplies outputs for the output rule.

    The executed copy ``executed/<name>.ipynb`` must hold the same cells (same sources) as the
    notebook; its outputs are checked under the notebook's own slide types.

    Raises
    ------
    eie_lab.errors.DataError
        When the notebook (or, with ``executed``, its executed copy) does not exist, or the
        executed copy's cells differ from the notebook's (it is out of date).
    """
    import nbformat  # deferred: check_notebook works on any notebook-like object without it

    path = Path(path)
    if not path.is_file():
        raise DataError(fail_message("notebook", str(path), "must be an existing .ipynb file",
                                     "pass a lecture such as notebooks/07_cycle_animation.ipynb"))
    nb = nbformat.read(path, as_version=4)
    if executed is not None:
        ran = nbformat.read(executed_copy(path, executed), as_version=4)
        for cell, done in zip(nb.cells, ran.cells):
            if cell.cell_type == "code":
                cell.outputs = done.get("outputs", [])
    return check_notebook(nb, path.name)


def executed_copy(path: str | Path, executed: str | Path) -> Path:
    """The executed copy ``executed/<name>.ipynb`` of a notebook, checked to hold its cells.

    Raises
    ------
    eie_lab.errors.DataError
        When the copy is missing or its cell sources differ from the notebook's (out of date).
    """
    import nbformat  # deferred: see check_file

    path, copy = Path(path), Path(executed) / Path(path).name
    if not copy.is_file():
        raise DataError(fail_message("executed copy", str(copy), f"must exist for {path.name}",
                                     "run `make slides` (it writes build/slides/executed/) or "
                                     "leave out --executed"))
    ran = nbformat.read(copy, as_version=4)
    src = nbformat.read(path, as_version=4)
    if [c.source for c in ran.cells] != [c.source for c in src.cells]:
        raise DataError(fail_message("executed copy", str(copy),
                                     f"must hold the same cells as {path} (it is out of date)",
                                     "run `make slides` again, or remove the copy"))
    return copy


def main(argv: list[str] | None = None) -> int:
    """Command line: print every problem, return 1 when there is one (0 when all rules hold)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to check (default: notebooks/*.ipynb)")
    parser.add_argument("--executed", type=Path, default=None,
                        help="folder of executed copies (<name>.ipynb) for the output rule")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    total = 0
    for path in paths:
        try:
            problems = check_file(path, args.executed)
        except DataError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for p in problems:
            print(p)
        total += len(problems)
    print(f"{len(paths)} notebook(s), {total} problem(s)"
          + ("" if args.executed or total else " (outputs not checked: pass --executed DIR)"))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
