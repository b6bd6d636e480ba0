"""Grade a class: every submission in its own sandbox, scored in the grader's process.

For each submission, with the source notebook (the solution, with hidden tests) as authority:

1. locked cells and metadata are restored as nbgrader restores them (:mod:`.prepare`); a
   duplicated cell id keeps its last copy;
2. the notebook runs in a sandbox of its own (:mod:`.sandbox`), at the per-cell time limit;
   at each eie-lab test cell the student's function is called on grader-chosen inputs (the
   visible examples and hidden cases drawn from a seed derived from the grader's secret and
   the student id) and its answers come back as plain data;
3. the grader judges those answers against the references in its own process
   (:mod:`.scoring`); a hand-written nbgrader test cell is scored from how it ended, as nbgrader
   does.

Results are appended to the gradebook and its journal as each submission completes
(:mod:`.gradebook`); a rerun resumes. The source notebook and the checks are hashed at the start
and after every submission; a change stops the run with a clear error. Student code never runs
in this process: a submission that kills its sandbox loses its own points, nothing else.

Examples
--------
>>> from eie_lab.grading.autograde import parse_shard
>>> parse_shard("2/4")
(1, 4)
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import queue
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from eie_lab.errors import GradingError, fail_message
from eie_lab.grading import checks as checks_package
from eie_lab.grading import wire
from eie_lab.grading.assign import release_notebook
from eie_lab.grading.gradebook import Gradebook, write_gradebook
from eie_lab.grading.notebook_io import grade_id, is_grade, parse_notebook, points, read_notebook
from eie_lab.grading.prepare import Job, plan_job, prepare_submission
from eie_lab.grading.results import CellGrade, SubmissionResult, student_id, unique_ids
from eie_lab.grading.sandbox import (
    FORK_LOCK,
    Limits,
    SandboxRun,
    box_uid,
    prepare_box,
    run_sandboxed,
    sandbox_level,
)
from eie_lab.grading.scoring import judge_harvest, score_cell, score_test_status, timeout_message

__all__ = ["CellGrade", "SubmissionResult", "student_id", "prepare_submission", "score_cell",
           "grade_submission", "grade_many", "autograde", "write_gradebook", "parse_shard",
           "load_secret", "Integrity"]

MAX_SUBMISSION_BYTES = 50 * 2**20


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/N"`` (1-based) -> ``(i - 1, N)``; :class:`GradingError` when malformed.

    Examples
    --------
    >>> parse_shard("1/1")
    (0, 1)
    >>> parse_shard("0/3")
    Traceback (most recent call last):
    ...
    eie_lab.errors.GradingError: shard='0/3' is invalid: must be i/N with 1 <= i <= N
    help: e.g. --shard 1/4 ... --shard 4/4 on four machines, then eie-lab autograde merge
    """
    try:
        i, n = (int(x) for x in str(text).split("/"))
        if not 1 <= i <= n:
            raise ValueError
    except ValueError:
        raise GradingError(fail_message("shard", text, "must be i/N with 1 <= i <= N",
                                        "e.g. --shard 1/4 ... --shard 4/4 on four machines, "
                                        "then eie-lab autograde merge")) from None
    return i - 1, n


def load_secret(path: str | Path | None) -> bytes:
    """The grader's secret: ``$EIE_LAB_GRADING_SECRET``, else the key file ``path``, created
    (mode 0600, 32 random bytes) when missing. Keep it outside the submissions and the package.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     key = load_secret(Path(tmp) / "key")
    ...     len(key), load_secret(Path(tmp) / "key") == key, oct(os.stat(Path(tmp) / "key").st_mode)[-3:]
    (64, True, '600')
    """
    env = os.environ.get("EIE_LAB_GRADING_SECRET")
    if env:
        return env.encode()
    if path is None:
        raise GradingError(fail_message("secret", None, "is needed to draw hidden cases",
                                        "pass --secret-file or set EIE_LAB_GRADING_SECRET"))
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return path.read_bytes().strip()


class Integrity:
    """SHA-256 of the source notebook and of every checks module, taken at the start.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     src = Path(tmp) / "ex.ipynb"
    ...     _ = src.write_text("{}")
    ...     guard = Integrity(src)
    ...     guard.verify()
    ...     _ = src.write_text("{ }")
    ...     guard.verify()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    eie_lab.errors.GradingError: source notebook or checks=[...ex.ipynb'] is invalid: changed during ...
    help: ...
    """

    def __init__(self, source: str | Path):
        self.files = [Path(source)] + sorted(Path(checks_package.__file__).parent.glob("*.py"))
        self.digests = self._digest()

    def _digest(self) -> dict[str, str]:
        out = {}
        for f in self.files:
            try:
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
            except OSError:
                out[str(f)] = "unreadable"
        return out

    def summary(self) -> dict[str, str]:
        """``{"source": sha, "checks": sha}`` (for the journal header)."""
        items = list(self.digests.items())
        checks = hashlib.sha256("".join(v for _, v in items[1:]).encode()).hexdigest()
        return {"source": items[0][1], "checks": checks}

    def verify(self) -> None:
        """Raise :class:`GradingError` naming what changed since the start."""
        now = self._digest()
        changed = [f for f in self.files if now[str(f)] != self.digests[str(f)]]
        if changed:
            raise GradingError(fail_message(
                "source notebook or checks", [str(f) for f in changed],
                "changed during the run (the results graded so far are in the journal)",
                "restore them (e.g. git checkout) and rerun: the run resumes where it stopped"))


def _blank_grades(source) -> dict[str, CellGrade]:
    grades = {}
    for cell in release_notebook(source).cells:
        if is_grade(cell) and cell.cell_type == "code":
            gid = grade_id(cell)
            grades[gid] = CellGrade(gid, points(cell), visible_source=cell.source)
    return grades


def _run_notes(run: SandboxRun, job: Job, limit: float) -> list[str]:
    """Grader-written notes on how the sandbox ended (its own log is only a hint)."""
    notes = []
    position = {c["index"]: n for n, c in enumerate(job.cells)}
    for ev in run.events:
        if (ev.get("event") == "end" and ev.get("status") == "timeout"
                and isinstance(ev.get("index"), int) and ev["index"] in position):
            notes.append(f"cell {ev['index']}: {timeout_message(limit)}")
    if run.killed == "stopped answering":
        where = f"cell {run.stuck_cell}" if isinstance(run.stuck_cell, int) else "a cell"
        notes.append(f"the kernel stopped answering after {where} was interrupted at {limit:g} s;"
                     " the cells after it were not run")
    elif run.killed:
        notes.append(f"{run.killed}; the cells after it were not run")
    elif run.returncode != 0:
        ended = {ev.get("index") for ev in run.events if ev.get("event") == "end"}
        started = [ev.get("index") for ev in run.events if ev.get("event") == "start"]
        stuck = next((i for i in reversed(started) if i not in ended), None)
        where = f"cell {stuck}" if isinstance(stuck, int) else "start-up"
        notes.append(f"the kernel died while running {where}; the cells after it were not run")
    if run.leftovers:
        notes.append(f"{run.leftovers} process(es) left running by the submission were killed")
    return notes


def _score(job: Job, grades: dict[str, CellGrade], run: SandboxRun, box: Path,
           limit: float) -> None:
    ended = {ev.get("index"): ev for ev in run.events
             if ev.get("event") == "end" and isinstance(ev.get("index"), int)}
    started = {ev.get("index") for ev in run.events if ev.get("event") == "start"}
    for gid, h in job.harvests.items():
        index = next(c["index"] for c in job.cells if c.get("gid") == gid)
        with FORK_LOCK:  # no sandbox is forked while a judge runs numpy (see FORK_LOCK)
            passed, message = judge_harvest(h, box / "out" / "answers" / f"{gid}.json",
                                            timeout=limit, ran=index in started)
        g = grades[gid]
        g.points, g.status, g.message = ((g.max_points, "passed", "") if passed
                                         else (0.0, "failed", message))
    for gid, index in job.tested.items():
        g = grades[gid]
        record = ended.get(index)
        g.points, g.status, g.message = score_test_status(record, g.max_points, timeout=limit)
        if record is None and index not in started:
            g.status, g.message = "not run", "not run: the kernel stopped before this cell"


def grade_bytes(data: bytes, name: str, source, source_path: str | Path, student: str, *,
                timeout: float = 30.0, secret: bytes | None = None, slot: int = 0,
                hide: list[Path] | None = None, memory_bytes: int = 4 * 2**30
                ) -> SubmissionResult:
    """Grade one submission given as bytes; never raises for anything in the submission.

    Parameters
    ----------
    data : bytes
        The submitted file (read once, at the start of the run).
    name : str
        Its path, for the gradebook.
    source : NotebookNode
        The source notebook, read from ``source_path``.
    student : str
        The student id (it also seeds the hidden cases).
    timeout, secret, slot, hide, memory_bytes
        Seconds per cell; the grader's secret (None: the checks' fixed seeds); sandbox slot;
        grader folders to keep out of the sandbox; address-space limit.

    Examples
    --------
    See :func:`autograde`.
    """
    started = time.thread_time()
    assignment = Path(source_path).stem
    result = SubmissionResult(student, str(name), assignment,
                              sha256=hashlib.sha256(data).hexdigest())
    grades = _blank_grades(source)
    result.cells = list(grades.values())
    try:
        submission = parse_notebook(data.decode("utf-8"), name=str(name))
    except (GradingError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if isinstance(exc, GradingError) else (
            "the file is not UTF-8 text")
        result.error = first
        for g in result.cells:
            g.message = "the submission could not be read"
        return result
    nb, notes, seen = prepare_submission(source, submission)
    result.notes += notes
    if not seen:
        result.error = (f"this is not the {assignment} notebook: none of its cells "
                        f"({', '.join(grades)}) were found")
        for g in result.cells:
            g.message = "wrong notebook"
        return result
    job = plan_job(nb, source, assignment, student, secret)
    level = sandbox_level()
    result.sandbox = level
    box = Path(tempfile.mkdtemp(prefix="eie-lab-box-"))
    try:
        prepare_box(box, 0, "rlimits")
        for gid, h in job.harvests.items():
            text = wire.dumps([args for _, args, _ in h.cases])
            (box / "inputs" / f"{gid}.json").write_text(text, encoding="utf-8")
        (box / "job.json").write_text(json.dumps(job.spec(timeout)), encoding="utf-8")
        limits = Limits(cell_timeout=timeout, n_cells=max(1, job.code_cells),
                        memory_bytes=memory_bytes)
        prepare_box(box, box_uid(slot), level)
        run = run_sandboxed(box, limits, slot=slot, level=level, hide=hide)
        result.notes += _run_notes(run, job, timeout)
        _score(job, grades, run, box, timeout)
        result.cpu_seconds = run.cpu_seconds + time.thread_time() - started
    finally:
        shutil.rmtree(box, ignore_errors=True)  # a temporary box; nothing in it is kept
    for gid, g in grades.items():
        if gid not in seen:
            g.points, g.status, g.message = 0.0, "missing", "the test cell was deleted"
    return result


def grade_submission(path: str | Path, source_path: str | Path, *, student: str | None = None,
                     timeout: float = 30.0, secret: bytes | None = None) -> SubmissionResult:
    """Grade one submission file against its source notebook. Never raises for a bad
    submission.

    Examples
    --------
    See :func:`autograde`.
    """
    source = read_notebook(source_path)
    assignment = Path(source_path).stem
    student = student or student_id(path, assignment)
    data, error = _read(Path(path))
    if error:
        return _unreadable(source, path, assignment, student, error)
    return grade_bytes(data, str(path), source, source_path, student, timeout=timeout,
                       secret=secret)


def _read(path: Path) -> tuple[bytes, str]:
    try:
        if path.is_dir():
            return b"", f"{path} is a folder, not a notebook file"
        if path.stat().st_size > MAX_SUBMISSION_BYTES:
            return b"", f"the file is larger than {MAX_SUBMISSION_BYTES // 2**20} MiB"
        return path.read_bytes(), ""
    except OSError as exc:
        return b"", f"the file cannot be read ({type(exc).__name__})"


def _unreadable(source, path, assignment: str, student: str, error: str,
                message: str = "the submission could not be read") -> SubmissionResult:
    result = SubmissionResult(student, str(path), assignment, list(_blank_grades(source).values()),
                              error=error)
    for g in result.cells:
        g.message = message
    return result


def grade_many(tasks: list[tuple[str, str, str]], *, jobs: int | None = None,
               timeout: float = 30.0, secret: bytes | None = None) -> list[SubmissionResult]:
    """Grade ``(submission, source, student)`` triples, ``jobs`` sandboxes at a time.

    Without ``secret`` the hidden cases are the checks' fixed ones (what nbgrader runs), so
    the scores can be compared with nbgrader's. Results come back in task order.

    Examples
    --------
    See :func:`autograde`.
    """
    sources: dict[str, object] = {}
    for _, src, _ in tasks:
        if src not in sources:
            sources[src] = read_notebook(src)
    items = []
    for path, src, student in tasks:
        data, error = _read(Path(path))
        items.append((path, src, student, data, error))

    def one(item, slot):
        path, src, student, data, error = item
        if error:
            return _unreadable(sources[src], path, Path(src).stem, student, error)
        return grade_bytes(data, path, sources[src], src, student, timeout=timeout,
                           secret=secret, slot=slot)

    return _pool(items, one, jobs)


def _pool(items: list, work: Callable, jobs: int | None,
          on_result: Callable[[int, SubmissionResult], None] | None = None
          ) -> list[SubmissionResult]:
    """Run ``work(item, slot)`` on threads (each waits on its own sandbox process)."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(items) or 1, 64))
    slots: queue.Queue[int] = queue.Queue()
    for s in range(jobs):
        slots.put(s)
    results: list[SubmissionResult | None] = [None] * len(items)
    stop = threading.Event()

    def run(i: int) -> SubmissionResult | None:
        if stop.is_set():
            return None
        slot = slots.get()
        try:
            return work(items[i], slot)
        finally:
            slots.put(slot)

    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run, i): i for i in range(len(items))}
        try:
            for fut in cf.as_completed(futures):
                i = futures[fut]
                result = fut.result()
                if result is None:
                    continue
                results[i] = result
                if on_result is not None:
                    on_result(i, result)
        except BaseException:
            stop.set()
            for fut in futures:
                fut.cancel()
            raise
    return [r for r in results if r is not None]


def autograde(submissions: list[str | Path], source_path: str | Path, *, jobs: int | None = None,
              timeout: float = 30.0, out: str | Path | None = None,
              shard: tuple[int, int] | None = None, secret: bytes | None = None,
              memory_bytes: int = 4 * 2**30, hide: list[str | Path] = (),
              on_result: Callable[[SubmissionResult], None] | None = None
              ) -> list[SubmissionResult]:
    """Grade ``submissions`` against the source notebook ``source_path``, in sandboxes.

    Every submission gets one result, in the order given; with ``out`` each result is appended
    to the gradebook ``out`` and its journal as it completes, and a rerun skips submissions
    already graded (same student, same file content).

    Parameters
    ----------
    submissions : list of str or Path
        Student notebooks; ids come from :func:`student_id` (made unique with ``-2``, ...).
    source_path : str or Path
        The source notebook; unreadable -> :class:`GradingError`.
    jobs, timeout : int, float
        Sandboxes at a time (default: CPU count) and seconds per cell.
    out : str or Path, optional
        CSV gradebook (and journal) to append to and resume from.
    shard : (int, int), optional
        ``(i, n)``: grade only the submissions ``i, i + n, ...`` (see :func:`parse_shard`).
    secret : bytes, optional
        Seeds each student's hidden cases (None: the checks' fixed seeds).
    memory_bytes : int
        Address-space limit of each sandbox.
    hide : list of Path
        More grader folders to keep out of the sandboxes.
    on_result : callable, optional
        Called with each new result as it completes.

    Raises
    ------
    GradingError
        For the instructor's errors (a broken source notebook, a journal of another run) and
        when the source notebook or checks change during the run.

    Examples
    --------
    Broken or wrong notebooks score zero with a reason, before any sandbox starts:

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
    'this is not the ex00 notebook: none of its cells (test_x) were found'
    """
    source = read_notebook(source_path)  # a broken source is the instructor's error
    assignment = Path(source_path).stem
    guard = Integrity(source_path)
    paths = [Path(p) for p in submissions]
    ids = unique_ids(paths, assignment)
    items = []
    for k, (p, sid) in enumerate(zip(paths, ids)):
        if shard is not None and k % shard[1] != shard[0]:
            continue
        data, error = _read(p)
        items.append((p, sid, data, error))
    hidden = [Path(source_path).resolve().parent, *map(Path, hide)]
    hidden += sorted({p.resolve().parent for p, *_ in items})
    book = None
    if out is not None:
        hidden.append(Path(out).resolve().parent)
        book = Gradebook(out, assignment, list(_blank_grades(source)), guard.summary())
    keys = [(sid, hashlib.sha256(data).hexdigest() if not error else "") for _, sid, data, error
            in items]
    todo = [i for i, key in enumerate(keys) if book is None or key not in book.done]
    lock = threading.Lock()

    def work(i: int, slot: int) -> SubmissionResult:
        p, sid, data, error = items[i]
        if error:
            return _unreadable(source, p, assignment, sid, error)
        try:
            return grade_bytes(data, str(p), source, source_path, sid, timeout=timeout,
                               secret=secret, slot=slot, hide=hidden, memory_bytes=memory_bytes)
        except (OSError, GradingError, ValueError) as exc:  # e.g. no space for the box
            return _unreadable(source, p, assignment, sid,
                               f"the grader could not grade this submission "
                               f"({type(exc).__name__}); grade it again", "not graded")

    def record(_: int, result: SubmissionResult) -> None:
        with lock:
            if book is not None:
                book.append(result)
            if on_result is not None:
                on_result(result)
            guard.verify()

    done: dict[int, SubmissionResult] = {}

    def keep(position: int, result: SubmissionResult) -> None:
        done[todo[position]] = result
        record(position, result)

    _pool(todo, work, jobs, keep)
    if book is not None:
        book.finish(keys)
        return [book.done[k] for k in keys if k in book.done]
    return [done[i] for i in sorted(done)]
