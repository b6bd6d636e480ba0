"""Per-student feedback pages (Markdown or HTML) that never show hidden test code.

A page lists each graded part with its points and, for a part that lost points, the grader's
message (expected vs got and the first mismatch on a *visible* case, the number of a hidden case
that failed, the type of an exception the student's code raised) and the *visible* test code: the
test cell as the student received it, hidden tests removed. Nothing on a page is text the
student's code produced: no exception message, no traceback (whose source lines would quote the
hidden tests), no output.

Examples
--------
>>> from eie_lab.grading.results import CellGrade, SubmissionResult
>>> from eie_lab.grading.feedback import render_markdown
>>> r = SubmissionResult("alice", "alice.ipynb", "ex01_pruning",
...                      [CellGrade("test_mask", 2.0, 0.0, "failed", "expected 3 kept, got 4")])
>>> print(render_markdown(r).splitlines()[0])
# ex01_pruning — feedback for alice
"""

from __future__ import annotations

import html
from pathlib import Path

from eie_lab.cache import atomic_write_bytes
from eie_lab.errors import GradingError, fail_message
from eie_lab.grading.results import SubmissionResult

__all__ = ["render_markdown", "render_html", "write_feedback"]

_ICON = {"passed": "passed", "partial": "partial", "failed": "FAILED", "missing": "MISSING",
         "not run": "not run"}


def _fence(text: str) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}\n{text}\n{ticks}"


def render_markdown(result: SubmissionResult) -> str:
    """The feedback page of one submission as Markdown.

    Parameters
    ----------
    result : SubmissionResult
        One graded submission.

    Returns
    -------
    str
        Score, a table of parts, and for each part that lost points its message and visible
        test code.

    Examples
    --------
    >>> from eie_lab.grading.results import CellGrade
    >>> r = SubmissionResult("alice", "alice.ipynb", "ex01_pruning", [
    ...     CellGrade("test_mask", 2.0, 0.0, "failed", "expected 3 kept, got 4", "check_mask(f)")])
    >>> print(render_markdown(r))  # doctest: +NORMALIZE_WHITESPACE
    # ex01_pruning — feedback for alice
    <BLANKLINE>
    **Score: 0 / 2**
    <BLANKLINE>
    | part | points | result |
    |---|---|---|
    | `test_mask` | 0 / 2 | FAILED |
    <BLANKLINE>
    ## `test_mask` — 0 / 2
    <BLANKLINE>
    ```
    expected 3 kept, got 4
    ```
    <BLANKLINE>
    The visible tests of this part (hidden tests also ran):
    <BLANKLINE>
    ```
    check_mask(f)
    ```
    <BLANKLINE>
    """
    lines = [f"# {result.assignment} — feedback for {result.student}", "",
             f"**Score: {result.score:g} / {result.max_score:g}**", ""]
    if result.error:
        lines += [f"> **Not graded:** {result.error}", ""]
    for note in result.notes:
        lines.append(f"- note: {note}")
    if result.notes:
        lines.append("")
    lines += ["| part | points | result |", "|---|---|---|"]
    for c in result.cells:
        lines.append(f"| `{c.grade_id}` | {c.points:g} / {c.max_points:g} | {_ICON[c.status]} |")
    for c in result.cells:
        if c.status == "passed":
            continue
        lines += ["", f"## `{c.grade_id}` — {c.points:g} / {c.max_points:g}", ""]
        if c.message:
            lines += [_fence(c.message), ""]
        if c.visible_source.strip():
            lines += ["The visible tests of this part (hidden tests also ran):", "",
                      _fence(c.visible_source)]
    return "\n".join(lines) + "\n"


def render_html(result: SubmissionResult) -> str:
    """The feedback page of one submission as a self-contained HTML document.

    Parameters
    ----------
    result : SubmissionResult
        One graded submission (all text is HTML-escaped).

    Returns
    -------
    str

    Examples
    --------
    >>> from eie_lab.grading.results import CellGrade
    >>> r = SubmissionResult("alice", "alice.ipynb", "ex01_pruning", [
    ...     CellGrade("test_mask", 2.0, 0.0, "failed", "expected 3 kept, got 4", "check_mask(f)")])
    >>> page = render_html(r)
    >>> page.startswith("<!DOCTYPE html>"), "<pre class='message'>expected 3 kept, got 4</pre>" in page
    (True, True)
    """
    e = html.escape
    rows = "".join(
        f"<tr class='{c.status.replace(' ', '-')}'><td><code>{e(c.grade_id)}</code></td>"
        f"<td>{c.points:g} / {c.max_points:g}</td><td>{_ICON[c.status]}</td></tr>"
        for c in result.cells)
    parts = []
    for c in result.cells:
        if c.status == "passed":
            continue
        body = f"<h2><code>{e(c.grade_id)}</code> — {c.points:g} / {c.max_points:g}</h2>"
        if c.message:
            body += f"<pre class='message'>{e(c.message)}</pre>"
        if c.visible_source.strip():
            body += ("<p>The visible tests of this part (hidden tests also ran):</p>"
                     f"<pre>{e(c.visible_source)}</pre>")
        parts.append(body)
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    error = f"<p class='error'><b>Not graded:</b> {e(result.error)}</p>" if result.error else ""
    title = f"{e(result.assignment)} — feedback for {e(result.student)}"
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>"
            "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "td,th{border:1px solid #ccc;padding:.2em .6em}table{border-collapse:collapse}"
            "tr.failed,tr.missing,tr.not-run{background:#fdd}tr.passed{background:#dfd}"
            "pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}"
            f"</style></head><body><h1>{title}</h1>"
            f"<p><b>Score: {result.score:g} / {result.max_score:g}</b></p>{error}"
            f"<ul>{notes}</ul><table><tr><th>part</th><th>points</th><th>result</th></tr>"
            f"{rows}</table>{''.join(parts)}</body></html>\n")


def write_feedback(results: list[SubmissionResult], folder: str | Path,
                   fmt: str = "html") -> list[Path]:
    """Write one ``<student>.<html|md>`` page per result into ``folder`` (atomically).

    Parameters
    ----------
    results : list of SubmissionResult
    folder : str or Path
        Created when missing; unsafe characters of student ids become ``_``.
    fmt : {"html", "md"}

    Returns
    -------
    list of Path

    Raises
    ------
    GradingError
        For another ``fmt``.

    Examples
    --------
    >>> import tempfile
    >>> from eie_lab.grading.results import CellGrade
    >>> r = SubmissionResult("a/b", "x.ipynb", "ex01", [CellGrade("t", 1.0, 1.0, "passed")])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_feedback([r], tmp, fmt="md")]
    ['a_b.md']
    """
    if fmt not in ("html", "md"):
        raise GradingError(fail_message("format", fmt, "must be 'html' or 'md'",
                                        "use --feedback-format html or md"))
    render = render_html if fmt == "html" else render_markdown
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for r in results:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in r.student) or "student"
        written.append(atomic_write_bytes(folder / f"{safe}.{fmt}", render(r).encode()))
    return written
