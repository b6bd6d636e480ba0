"""Score in the grader's process: judge the answers a sandbox returned, in grader-written words.

:func:`judge_harvest` reads the plain-data answers of one part (:mod:`eie_lab.grading.wire`) and
calls the part's judge on each case against the reference, here, outside the student's
process: nothing the student's code patched (the checks, numpy, the comparison helpers, ``!=``)
takes part. :func:`score_test_status` scores a hand-written test cell that ran in the student's
kernel, from how it ended, as nbgrader does. :func:`score_cell` is nbgrader's rule on an
executed cell's outputs.

Every message is grader-written: points, expected vs got on *visible* cases, and only the type
of an exception raised by the student's code (and only a built-in type's name), never its text;
a hidden case that fails is named by its number only.

Examples
--------
>>> from eie_lab.grading.scoring import exception_name
>>> exception_name("ZeroDivisionError"), exception_name("MySecretIs_abc")
('ZeroDivisionError', 'an exception of a class defined in the submission')
"""

from __future__ import annotations

import builtins
import json
from pathlib import Path

from eie_lab.errors import GradingError
from eie_lab.grading import wire
from eie_lab.grading.checks._core import CheckFailed
from eie_lab.grading.prepare import Harvest

__all__ = ["judge_harvest", "score_test_status", "score_cell", "exception_name",
           "timeout_message"]

_KNOWN = {name for name, obj in vars(builtins).items()
          if isinstance(obj, type) and issubclass(obj, BaseException)}
_KNOWN |= {"LinAlgError", "AxisError", "CheckFailed", "CellTimeoutError"}
_MESSAGE_LIMIT = 600


def exception_name(name: object) -> str:
    """The exception type to show a student: a built-in (or numpy) name as is, anything else
    (a class the submission defined, whose name it chose) as a neutral phrase.

    Examples
    --------
    See the module docstring.
    """
    return name if isinstance(name, str) and name in _KNOWN else (
        "an exception of a class defined in the submission")


def timeout_message(limit: float) -> str:
    """The message of a cell interrupted at its time limit.

    Examples
    --------
    >>> timeout_message(2)
    'CellTimeoutError: the cell ran longer than 2 s and was interrupted'
    """
    return f"CellTimeoutError: the cell ran longer than {limit:g} s and was interrupted"


def _cut(text: str) -> str:
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + " ..."


def judge_harvest(h: Harvest, answers_path: Path, *, timeout: float,
                  ran: bool) -> tuple[bool, str]:
    """Judge one part's answers: ``(passed, message)``; every case must pass.

    Parameters
    ----------
    h : Harvest
        The part and the cases that were sent.
    answers_path : Path
        The answers file the sandbox wrote (may be missing or hostile).
    timeout : float
        The cell time limit (for the message).
    ran : bool
        Whether the sandbox reached this cell (for the message when no answers came back).

    Examples
    --------
    See :func:`eie_lab.grading.autograde.autograde`.
    """
    try:
        size = answers_path.stat().st_size
    except OSError:
        return False, ("no answers came back: the cell did not finish (see the notes)" if ran
                       else "not run: the kernel stopped before this cell (see the notes)")
    if size > wire.MAX_BYTES:
        return False, f"the answers are larger than {wire.MAX_BYTES} bytes"
    try:
        results = json.loads(answers_path.read_bytes())
    except (ValueError, RecursionError, OSError):
        return False, "the answers could not be read as plain data"
    if type(results) is not list:
        return False, "the answers could not be read as plain data"
    if results and type(results[0]) is dict and results[0].get("missing") is True:
        return False, (f"the function `{h.function}` was not defined when this part was graded "
                       "(did the cell that defines it raise an error?)")
    n_hidden = sum(1 for _, _, hidden in h.cases if hidden)
    k_hidden = 0
    for i, (label, args, hidden) in enumerate(h.cases):
        k_hidden += hidden
        where = f"hidden case {k_hidden} of {n_hidden}" if hidden else label
        if i >= len(results):
            return False, f"{where}: no answer came back"
        res = results[i]
        if type(res) is not dict or len(res) != 1:
            return False, f"{where}: the answer could not be read"
        (kind, value), = res.items()
        if kind == "timeout":
            return False, f"{where}: {timeout_message(timeout)}"
        if kind == "package":
            return False, (f"{where}: the answer calls eie-lab's own implementation "
                           f"({_package_name(value, h)}); this part asks you to write it "
                           "yourself, so it scores 0")
        if kind == "raised":
            return False, f"{where}: your function raised {exception_name(value)}"
        if kind != "ok":
            return False, f"{where}: the answer could not be read"
        try:
            value = wire.decode(value)
        except (GradingError, RecursionError):
            return False, f"{where}: the answer could not be read as plain data"
        try:
            h.part.judge(args, value, label)
        except CheckFailed as exc:
            if hidden:
                return False, (f"{where}: wrong answer (the hidden cases are randomised versions "
                               "of the visible examples; check edge cases)")
            return False, _cut(str(exc))
        except Exception as exc:  # the judge met a value it cannot compare: a wrong answer
            return False, f"{where}: the answer could not be checked ({type(exc).__name__})"
    return True, ""


def _package_name(value: object, h: Harvest) -> str:
    text = str(value)
    prefixes = [spec.partition(":")[0] for spec in h.part.package]
    if text.replace(".", "").replace("_", "").isalnum() and any(
            text.startswith(p) for p in prefixes):
        return text
    return prefixes[0] if prefixes else "eie_lab"


def score_test_status(record: dict | None, max_points: float, *, timeout: float,
                      ) -> tuple[float, str, str]:
    """Score a hand-written test cell that ran in the student's kernel: (points, status, message).

    ``record`` is the runner's report of how the cell ended (``None``: it never ended).

    Examples
    --------
    >>> score_test_status({"status": "ok"}, 2.0, timeout=30)
    (2.0, 'passed', '')
    >>> score_test_status({"status": "error", "ename": "AssertionError"}, 2.0, timeout=30)
    (0.0, 'failed', 'the test failed: AssertionError')
    >>> score_test_status({"status": "value", "value": 1.5}, 2.0, timeout=30)
    (1.5, 'partial', 'partial credit 1.5 of 2')
    """
    if record is None:
        return 0.0, "failed", "the cell did not finish (see the notes)"
    status = record.get("status")
    if status == "ok":
        return max_points, "passed", ""
    if status == "timeout":
        return 0.0, "failed", timeout_message(timeout)
    if status == "stderr":
        return 0.0, "failed", "the test cell wrote to stderr (counted as a failure, as in nbgrader)"
    if status == "value":
        value = record.get("value")
        if not isinstance(value, (int, float)) or value != value:
            return 0.0, "failed", "the test cell's result could not be read"
        if value < 0:
            return max_points, "passed", ""
        if value > max_points:
            return 0.0, "failed", f"partial score {value:g} exceeds the cell's {max_points:g}"
        kind = "passed" if value == max_points else "partial"
        return float(value), kind, f"partial credit {value:g} of {max_points:g}"
    return 0.0, "failed", f"the test failed: {exception_name(record.get('ename'))}"


def score_cell(cell: dict, max_points: float) -> tuple[float, str, str]:
    """Score one executed graded code cell from its outputs, as nbgrader's ``determine_grade``:
    an error output or stderr scores 0, a numeric result partial credit, anything else full.

    Only the exception's *type* is quoted (its text may be the student's).

    Examples
    --------
    >>> score_cell({"outputs": []}, 2.0)
    (2.0, 'passed', '')
    >>> score_cell({"outputs": [{"output_type": "error", "ename": "AssertionError",
    ...                          "evalue": "anything the student printed"}]}, 2.0)
    (0.0, 'failed', 'the test failed: AssertionError')
    >>> score_cell({"outputs": [{"output_type": "execute_result",
    ...                          "data": {"text/plain": "1.5"}}]}, 2.0)
    (1.5, 'partial', 'partial credit 1.5 of 2')
    """
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            if out.get("ename") == "CellTimeoutError":
                return 0.0, "failed", "CellTimeoutError: the cell was interrupted"
            return score_test_status({"status": "error", "ename": out.get("ename")}, max_points,
                                     timeout=0)
        if kind == "stream" and out.get("name") == "stderr":
            return score_test_status({"status": "stderr"}, max_points, timeout=0)
        if kind == "execute_result":
            text = out.get("data", {}).get("text/plain", "")
            text = text[0] if isinstance(text, list) and len(text) == 1 else text
            try:
                value = float(text)
            except (TypeError, ValueError):
                return max_points, "passed", ""
            return score_test_status({"status": "value", "value": value}, max_points, timeout=0)
    return max_points, "passed", ""
