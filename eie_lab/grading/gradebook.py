"""Durable, tamper-evident results: a JSON-lines journal and a CSV gradebook, appended as we go.

Each graded submission is appended, the moment it is graded, to the journal
(``<gradebook>.journal.jsonl``) and to the CSV gradebook, each append flushed and fsynced, so a
run that is killed loses at most the submission in flight. Each journal line carries the SHA-256
of the line before it (a hash chain): an edited, removed or reordered line breaks the chain and
:func:`read_journal` says where. A rerun reads the journal, skips every submission whose
``(student, content hash)`` is already graded, and grades only the rest; shards of one class
(``--shard i/N``) write a journal each, and :func:`merge` joins them.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from eie_lab.grading.results import CellGrade, SubmissionResult
>>> r = SubmissionResult("bob", "bob.ipynb", "ex01", [CellGrade("a", 2, 2, "passed")],
...                      sha256="ab12")
>>> with tempfile.TemporaryDirectory() as tmp:
...     book = Gradebook(Path(tmp) / "grades.csv", "ex01", ["a"], {"source": "s"})
...     book.append(r)
...     print(book.csv_path.read_text(), end="")
...     header, results = read_journal(book.journal_path)
student,assignment,file,score,max_score,a,status,sandbox,sha256,reason
bob,ex01,bob.ipynb,2,2,2,ok,,ab12,
>>> [x.student for x in results], header["assignment"]
(['bob'], 'ex01')
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

from eie_lab.cache import atomic_write_bytes
from eie_lab.errors import GradingError, fail_message
from eie_lab.grading.results import SubmissionResult

__all__ = ["Gradebook", "journal_path", "read_journal", "write_gradebook", "csv_rows", "merge"]

_GENESIS = "0" * 64


def journal_path(csv_path: str | Path) -> Path:
    """The journal that goes with a CSV gradebook.

    Examples
    --------
    >>> journal_path("out/grades.csv").as_posix()
    'out/grades.journal.jsonl'
    """
    p = Path(csv_path)
    return p.with_name(p.stem + ".journal.jsonl")


def _line(payload: dict, prev: str) -> tuple[str, str]:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256((prev + body).encode()).hexdigest()
    return json.dumps({"prev": prev, "hash": digest, **payload}, sort_keys=True) + "\n", digest


def read_journal(path: str | Path) -> tuple[dict, list[SubmissionResult]]:
    """The header and results of a journal, checking its hash chain.

    Raises
    ------
    GradingError
        When a line was changed, removed or reordered (the chain breaks there), or the file
        is not a journal. A last line cut short by a crash is dropped, not an error.

    Examples
    --------
    See the module docstring.
    """
    path = Path(path)
    lines = path.read_bytes().split(b"\n")
    header: dict = {}
    results: list[SubmissionResult] = []
    prev = _GENESIS
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            if number == len(lines) or (number == len(lines) - 1 and not lines[-1]):
                break  # a final line cut short by a crash
            raise GradingError(fail_message("journal", str(path), f"line {number} is not JSON",
                                            "restore the journal or grade again")) from None
        payload = {k: v for k, v in record.items() if k not in ("prev", "hash")}
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        if (record.get("prev") != prev
                or hashlib.sha256((prev + body).encode()).hexdigest() != record.get("hash")):
            raise GradingError(fail_message(
                "journal", str(path), f"line {number} breaks the hash chain (it was edited, "
                "removed or reordered)", "restore the journal from a backup or grade again"))
        prev = record["hash"]
        if "header" in payload:
            if header and payload["header"] != header:
                raise GradingError(fail_message("journal", str(path),
                                                f"line {number} starts a different run",
                                                "use one journal per gradebook"))
            header = payload["header"]
        elif "result" in payload:
            results.append(SubmissionResult.from_dict(payload["result"]))
    if not header:
        raise GradingError(fail_message("journal", str(path), "has no header line",
                                        "grade again into a new --out"))
    return header, results


def csv_rows(results: list[SubmissionResult], ids: list[str]) -> list[list[str]]:
    """The CSV rows (header first) of ``results`` with per-cell columns ``ids``.

    Examples
    --------
    >>> from eie_lab.grading.results import CellGrade
    >>> r = SubmissionResult("bob", "bob.ipynb", "ex01", [CellGrade("a", 2, 2, "passed")])
    >>> csv_rows([r], ["a"])[1]
    ['bob', 'ex01', 'bob.ipynb', '2', '2', '2', 'ok', '', '', '']
    """
    rows = [["student", "assignment", "file", "score", "max_score", *ids, "status", "sandbox",
             "sha256", "reason"]]
    for r in results:
        by_id = {c.grade_id: c.points for c in r.cells}
        reason = "; ".join([r.error] * bool(r.error) + r.notes)
        rows.append([r.student, r.assignment, r.path, f"{r.score:g}", f"{r.max_score:g}",
                     *(f"{by_id[g]:g}" if g in by_id else "" for g in ids),
                     "error" if r.error else "ok", r.sandbox, r.sha256, reason])
    return rows


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def write_gradebook(results: list[SubmissionResult], path: str | Path) -> Path:
    """Write one CSV row per submission (atomically): ids, score, max, per-cell points, notes.

    Examples
    --------
    >>> import tempfile
    >>> from eie_lab.grading.results import CellGrade
    >>> r = SubmissionResult("bob", "bob.ipynb", "ex01", [CellGrade("a", 2, 2, "passed")])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(write_gradebook([r], Path(tmp) / "grades.csv").read_text(), end="")
    student,assignment,file,score,max_score,a,status,sandbox,sha256,reason
    bob,ex01,bob.ipynb,2,2,2,ok,,,
    """
    ids: list[str] = []
    for r in results:
        ids += [c.grade_id for c in r.cells if c.grade_id not in ids]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(Path(path), _csv_text(csv_rows(results, ids)).encode())


def _append(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


class Gradebook:
    """The journal and CSV of one grading run, appended one result at a time.

    Parameters
    ----------
    csv_path : Path
        The CSV gradebook; the journal lies next to it (:func:`journal_path`).
    assignment : str
    ids : list of str
        The graded cells (the CSV's per-cell columns).
    integrity : dict
        Hashes of the source notebook and checks at the start (kept in the journal header; a
        resumed run with other hashes is refused).

    Attributes
    ----------
    done : dict
        ``(student, sha256) -> SubmissionResult`` already in the journal.
    """

    def __init__(self, csv_path: str | Path, assignment: str, ids: list[str], integrity: dict):
        self.csv_path = Path(csv_path)
        self.journal_path = journal_path(self.csv_path)
        self.ids = list(ids)
        self.header = {"assignment": assignment, "ids": self.ids, "integrity": integrity}
        self.csv_path.parent.mkdir(parents=True, exist_ok=True)
        self.done: dict[tuple[str, str], SubmissionResult] = {}
        self._prev = _GENESIS
        if self.journal_path.exists():
            self._drop_torn_line()
            header, results = read_journal(self.journal_path)
            if header != self.header:
                raise GradingError(fail_message(
                    "journal", str(self.journal_path), "belongs to another assignment, another "
                    "source notebook or other checks", "pass another --out, or remove the old "
                    "gradebook and its journal to grade again"))
            self._prev = self._last_hash()
            for r in results:
                self.done[(r.student, r.sha256)] = r
        else:
            if self.csv_path.exists() and self.csv_path.stat().st_size:
                raise GradingError(fail_message(
                    "--out", str(self.csv_path), "exists but has no journal beside it (another "
                    "tool's or an older gradebook): it would be overwritten",
                    "pass another --out, or move the old gradebook away"))
            self._write_line({"header": self.header})
        self._rewrite_csv()

    def _drop_torn_line(self) -> None:
        """Cut a last line left half-written by a killed run (it was never a result)."""
        raw = self.journal_path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            with open(self.journal_path, "r+b") as fh:
                fh.truncate(raw.rfind(b"\n") + 1)
                fh.flush()
                os.fsync(fh.fileno())

    def _last_hash(self) -> str:
        last = _GENESIS
        for raw in self.journal_path.read_bytes().split(b"\n"):
            try:
                last = json.loads(raw)["hash"]
            except (ValueError, KeyError, TypeError):
                continue
        return last

    def _write_line(self, payload: dict) -> None:
        text, self._prev = _line(payload, self._prev)
        _append(self.journal_path, text)

    def _rewrite_csv(self) -> None:
        rows = csv_rows(list(self.done.values()), self.ids)
        atomic_write_bytes(self.csv_path, _csv_text(rows).encode())

    def append(self, result: SubmissionResult) -> None:
        """Journal and CSV one result (each append flushed and fsynced)."""
        self._write_line({"result": result.to_dict()})
        self.done[(result.student, result.sha256)] = result
        _append(self.csv_path, _csv_text(csv_rows([result], self.ids)[1:]))

    def finish(self, order: list[tuple[str, str]]) -> None:
        """Rewrite the CSV (atomically) in submission order, from the journal's results."""
        ranked = {key: i for i, key in enumerate(order)}
        results = sorted(self.done.values(),
                         key=lambda r: ranked.get((r.student, r.sha256), len(ranked)))
        atomic_write_bytes(self.csv_path, _csv_text(csv_rows(results, self.ids)).encode())


def merge(gradebooks: list[str | Path], out: str | Path) -> list[SubmissionResult]:
    """Join the gradebooks of several shards into ``out`` (CSV and journal).

    Each input's journal is read (hash chains checked); all must be of one assignment with the
    same source and checks. A student graded in two shards keeps the first result.

    Raises
    ------
    GradingError
        When a journal is missing, broken, or of another run.

    Examples
    --------
    >>> import tempfile
    >>> from eie_lab.grading.results import CellGrade
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for i, name in enumerate(["ann", "bob"]):
    ...         book = Gradebook(Path(tmp) / f"shard{i}.csv", "ex01", ["a"], {"source": "s"})
    ...         book.append(SubmissionResult(name, f"{name}.ipynb", "ex01",
    ...                                      [CellGrade("a", 2, i, "passed")], sha256=name))
    ...     merged = merge([Path(tmp) / "shard0.csv", Path(tmp) / "shard1.csv"],
    ...                    Path(tmp) / "all.csv")
    ...     print(Path(tmp, "all.csv").read_text().splitlines()[2])
    bob,ex01,bob.ipynb,1,2,1,ok,,bob,
    """
    header: dict | None = None
    combined: dict[tuple[str, str], SubmissionResult] = {}
    students: set[str] = set()
    for book in map(Path, gradebooks):
        jpath = journal_path(book)
        if not jpath.is_file():
            raise GradingError(fail_message("gradebook", str(book), f"has no journal {jpath.name}",
                                            "merge the gradebooks written by eie-lab autograde"))
        h, results = read_journal(jpath)
        if header is None:
            header = h
        elif h != header:
            raise GradingError(fail_message("gradebook", str(book), "was graded against another "
                                            "assignment, source notebook or checks",
                                            "merge shards of one run only"))
        for r in results:
            if r.student not in students:
                students.add(r.student)
                combined[(r.student, r.sha256)] = r
    if header is None:
        raise GradingError(fail_message("gradebooks", [str(g) for g in gradebooks], "is empty",
                                        "name the shards' gradebooks"))
    out = Path(out)
    for p in (out, journal_path(out)):
        if p.exists():
            p.unlink()
    book = Gradebook(out, header["assignment"], header["ids"], header["integrity"])
    for r in combined.values():
        book.append(r)
    book.finish([(r.student, r.sha256) for r in combined.values()])
    return list(combined.values())
