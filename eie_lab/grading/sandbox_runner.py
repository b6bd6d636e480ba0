"""Runs inside the sandbox: execute one submission's cells and record the student's answers.

``python -m eie_lab.grading.sandbox_runner BOX`` reads ``BOX/job.json`` (written by the grader),
runs the notebook's code cells top to bottom in an in-process IPython shell with a per-cell time
limit (``SIGALRM`` raises ``KeyboardInterrupt``, as a Jupyter interrupt does), and in place of
each graded test cell calls the student's function on the grader-chosen inputs in
``BOX/inputs/<grade_id>.json`` (read, and deleted, before any student code runs). What the
function returned is written, as plain data
(:mod:`eie_lab.grading.wire`), to ``BOX/out/answers/<grade_id>.json`` as soon as the cell ends;
``BOX/out/progress.jsonl`` logs when each cell starts and how it ended.

Nothing written here is trusted: student code runs in this same process and may change any of
it. The grader reads the answers as plain data and judges them itself, so all a student can do
is make their *own* answers wrong. Before any student code runs the runner puts a student view
of the checks module in ``sys.modules`` (public example data, no reference answers; the real
checks folder is not mounted in the sandbox) and, while it calls the student's functions, it
swaps the code of eie-lab's own implementations of the graded part (``Part.package``) for a
tripwire that raises and records the call, so an answer that only calls the package is reported.
That tripwire lives in the student's process: it catches the plain call, not a student who
re-executes the package's source on purpose (the README's instructor section says so).

Examples
--------
>>> code = tripwire_code("pkg.f", 0)
>>> code.co_freevars
()
"""

from __future__ import annotations

import copy
import importlib
import importlib.abc
import json
import os
import resource
import signal
import sys
import time
import types
import warnings
from pathlib import Path
from typing import Any

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from eie_lab.grading import wire
from eie_lab.grading.exercise_data import materialise, student_view

__all__ = ["tripwire_code", "main"]

REGISTRY = "_eie_lab_tripwire"


class PackageImplementationUsed(Exception):
    """Raised by a tripwired eie-lab function called from a graded answer."""


def _registry() -> types.ModuleType:
    reg = types.ModuleType(REGISTRY)
    reg.calls = []

    def trip(label: str) -> PackageImplementationUsed:
        reg.calls.append(label)
        return PackageImplementationUsed(label)

    reg.trip = trip
    return reg


def tripwire_code(label: str, n_free: int) -> types.CodeType:
    """A code object that records ``label`` and raises, with ``n_free`` free variables (so it
    can replace the ``__code__`` of a function that has that many closure cells).

    Examples
    --------
    See the module docstring.
    """
    names = [f"_f{i}" for i in range(n_free)]
    src = ("def _outer():\n" + "".join(f"    {n} = None\n" for n in names)
           + "    def _t(*args, **kwargs):\n"
           + (f"        {', '.join(names)}\n" if names else "")
           + f"        raise __import__('sys').modules[{REGISTRY!r}].trip({label!r})\n"
           + "    return _t\n")
    ns: dict[str, Any] = {}
    exec(src, ns)  # noqa: S102 - a fixed template; label is repr()-quoted
    return ns["_outer"]().__code__


def _functions_of(obj: Any) -> list[types.FunctionType]:
    if isinstance(obj, types.FunctionType):
        return [obj]
    if isinstance(obj, type):
        found = []
        for value in vars(obj).values():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property):
                found += [f for f in (value.fget, value.fset) if isinstance(f, types.FunctionType)]
            elif isinstance(value, types.FunctionType):
                found.append(value)
        return found
    return []


def _targets(specs: list[str]) -> list[tuple[str, types.FunctionType]]:
    """``(label, function)`` for every ``"module:name"`` / ``"module:*"`` spec that resolves."""
    out = []
    for spec in specs:
        module, _, name = spec.partition(":")
        try:
            importlib.import_module(module)
        except Exception:  # a module this version of eie-lab does not have
            continue
        if name != "*":
            obj = getattr(sys.modules[module], name, None)
            out += [(f"{module}.{name}", f) for f in _functions_of(obj)]
            continue
        for mod_name, mod in list(sys.modules.items()):
            if mod is None or not (mod_name == module or mod_name.startswith(module + ".")):
                continue
            for attr, obj in list(vars(mod).items()):
                if getattr(obj, "__module__", None) == mod_name:
                    out += [(f"{mod_name}.{attr}", f) for f in _functions_of(obj)]
    return out


class _Tripwires:
    def __init__(self, specs: list[str]):
        self.swapped = [(f, f.__code__, tripwire_code(label, len(f.__code__.co_freevars)))
                        for label, f in _targets(specs)]

    def __enter__(self):
        for f, _, trip in self.swapped:
            try:
                f.__code__ = trip
            except (ValueError, TypeError):  # a closure whose size changed meanwhile
                pass
        return self

    def __exit__(self, *exc):
        for f, original, _ in self.swapped:
            try:
                f.__code__ = original
            except (ValueError, TypeError):
                pass
        return False


class _ChecksBlocker(importlib.abc.MetaPathFinder):
    """Refuses ``eie_lab.grading.checks.*`` modules other than the student view."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith("eie_lab.grading.checks") and name not in sys.modules:
            raise ModuleNotFoundError(f"{name} is not available while the exercise is graded",
                                      name=name)
        return None


def _install_view(assignment: str, check_names: list[str]) -> None:
    package = types.ModuleType("eie_lab.grading.checks", "Student view while graded.")
    package.__path__ = []
    view = student_view(assignment, tuple(check_names))
    package.CheckFailed = view.CheckFailed
    setattr(package, assignment, view)
    sys.modules["eie_lab.grading.checks"] = package
    sys.modules[f"eie_lab.grading.checks.{assignment}"] = view
    sys.meta_path.insert(0, _ChecksBlocker())


class _Log:
    def __init__(self, path: Path):
        self.fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run

    def write(self, **record: Any) -> None:
        self.fh.write(json.dumps(record) + "\n")
        self.fh.flush()


def _write_answers(path: Path, results: list) -> None:
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(results, allow_nan=False), encoding="utf-8")
    os.replace(tmp, path)


def _load_inputs(job: dict, box: Path) -> dict[str, str]:
    """Read every part's inputs and delete the files, before any student code runs (an answer
    cell cannot then read the cases ahead of time and precompute them with the package)."""
    texts = {}
    for cell in job["cells"]:
        if cell["kind"] == "harvest":
            path = box / cell["inputs"]
            texts[cell["gid"]] = path.read_text(encoding="utf-8")
            path.unlink()
    return texts


def _harvest(shell, cell: dict, box: Path, text: str) -> str:
    inputs = [materialise(args) for args in wire.loads(text)]
    fn = shell.user_ns.get(cell["function"])
    results: list[dict] = []
    status = "answered"
    reg = sys.modules.get(REGISTRY)
    if not callable(fn):
        results.append({"missing": True})
    else:
        with _Tripwires(cell.get("package", [])):
            for args in inputs:
                if reg is not None:
                    reg.calls.clear()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        got = fn(*copy.deepcopy(args))
                    res = {"ok": wire.encode(got)}
                except KeyboardInterrupt:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    results.append({"timeout": True})
                    status = "timeout"
                    break
                except BaseException as exc:  # noqa: BLE001 - the student's error, by type only
                    res = {"raised": type(exc).__name__[:80]}
                if reg is not None and reg.calls:
                    res = {"package": str(reg.calls[0])[:200]}
                results.append(res)
    _write_answers(box / "out" / "answers" / f"{cell['gid']}.json", results)
    return status


def _run_test(shell, source: str) -> dict:
    """An in-kernel test cell, scored as nbgrader does (error, stderr, or partial credit)."""
    with capture_output() as captured:
        result = shell.run_cell(source, store_history=False)
    err = result.error_in_exec or result.error_before_exec
    if err is not None:
        return {"status": "error", "ename": type(err).__name__[:80]}
    if captured.stderr.strip():
        return {"status": "stderr"}
    value = result.result
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"status": "value", "value": float(value)}
    return {"status": "ok"}


def main(box: str) -> int:
    """Run the job in folder ``box``; see the module docstring."""
    box_path = Path(box)
    job = json.loads((box_path / "job.json").read_text(encoding="utf-8"))
    inputs = _load_inputs(job, box_path)
    (box_path / "out" / "answers").mkdir(parents=True, exist_ok=True)
    log = _Log(box_path / "out" / "progress.jsonl")
    sys.modules[REGISTRY] = _registry()
    _install_view(job["assignment"], job.get("check_names", []))
    shell = InteractiveShell.instance()
    limit = float(job["timeout"])

    def on_alarm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, on_alarm)
    log.write(event="ready", t=time.time())
    for cell in job["cells"]:
        log.write(event="start", index=cell["index"], t=time.time())
        signal.setitimer(signal.ITIMER_REAL, limit, 1.0)  # then every second until it yields
        started = time.monotonic()
        record: dict[str, Any]
        try:
            if cell["kind"] == "harvest":
                record = {"status": _harvest(shell, cell, box_path, inputs.pop(cell["gid"]))}
            elif cell["kind"] == "test":
                record = _run_test(shell, cell["source"])
            else:
                result = shell.run_cell(cell["source"], store_history=False)
                err = result.error_in_exec or result.error_before_exec
                record = {"status": "error", "ename": type(err).__name__[:80]} if err else {
                    "status": "ok"}
        except KeyboardInterrupt:
            record = {"status": "error", "ename": "KeyboardInterrupt"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if record.get("ename") == "KeyboardInterrupt" and time.monotonic() - started >= limit - 0.5:
            record = {"status": "timeout"}
        log.write(event="end", index=cell["index"], t=time.time(), **record)
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    log.write(event="done", t=time.time(), cpu=sum(u.ru_utime + u.ru_stime for u in usage))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
