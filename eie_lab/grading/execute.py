"""Run a notebook top to bottom in a fresh kernel, the way nbgrader's autograder does.

Each code cell gets a time limit; a cell that runs past it is interrupted and receives an error
output (``CellTimeoutError``), and execution goes on with the next cell, as in nbgrader
(``Execute.timeout``, ``interrupt_on_timeout``, ``error_on_timeout``). If the kernel stops
answering after an interrupt, or dies (``os._exit``, a segfault), the remaining code cells get an
error output naming the reason instead of being run. Nothing here raises for a misbehaving
notebook: the result says what happened.

The kernel runs in ``workdir`` with ``NBGRADER_EXECUTION`` set (``"autograde"`` by default), so
notebook cells can skip widgets during grading.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import nbformat

__all__ = ["ExecutionReport", "execute_notebook", "error_output"]


@dataclass
class ExecutionReport:
    """What happened while running a notebook.

    Attributes
    ----------
    aborted_at : int or None
        Index of the cell where the kernel died or stopped answering (None: ran to the end).
    reason : str
        Why execution stopped early ("" when it did not).
    timed_out : list of int
        Indices of cells interrupted at the time limit.

    Examples
    --------
    >>> ExecutionReport()
    ExecutionReport(aborted_at=None, reason='', timed_out=[])
    """

    aborted_at: int | None = None
    reason: str = ""
    timed_out: list[int] = field(default_factory=list)


def error_output(ename: str, evalue: str) -> nbformat.NotebookNode:
    """An nbformat error output.

    Parameters
    ----------
    ename, evalue : str
        Exception name and message.

    Returns
    -------
    nbformat.NotebookNode
        ``output_type="error"`` with a one-line traceback.

    Examples
    --------
    >>> out = error_output("CellNotRun", "the kernel died")
    >>> out.output_type, out.traceback
    ('error', ['CellNotRun: the kernel died'])
    """
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=[f"{ename}: {evalue}"])


def _kernel_answers(client, timeout: int) -> bool:
    """True when the kernel runs a trivial probe cell within ``timeout`` seconds."""
    probe = nbformat.v4.new_code_cell("pass")
    client.nb.cells.append(probe)  # nbclient writes the executed cell back at its index
    index = len(client.nb.cells) - 1
    saved, client.timeout = client.timeout, timeout
    replies: list[dict] = []
    hook, client.on_cell_executed = client.on_cell_executed, (
        lambda **kw: replies.append(kw.get("execute_reply") or {}))
    try:
        client.execute_cell(probe, index)
        return bool(replies) and replies[-1].get("content", {}).get("status") == "ok"
    except Exception:
        return False
    finally:
        client.timeout, client.on_cell_executed = saved, hook
        client.nb.cells.pop(index)


def execute_notebook(nb: nbformat.NotebookNode, *, timeout: float = 30.0,
                     workdir: str | None = None, kernel_name: str = "python3",
                     mode: str = "autograde", startup_timeout: float = 60.0) -> ExecutionReport:
    """Execute ``nb`` in place (outputs written into its cells) and report what happened.

    Parameters
    ----------
    nb : NotebookNode
        The notebook; its code cells' outputs are replaced.
    timeout : float
        Seconds each cell may run before it is interrupted (nbgrader's default is 30).
    workdir : str, optional
        Working folder of the kernel (default: a fresh temporary folder).
    kernel_name : str
        Jupyter kernel to start.
    mode : str
        Value of ``NBGRADER_EXECUTION`` inside the kernel.
    startup_timeout : float
        Seconds to wait for the kernel to start.

    Returns
    -------
    ExecutionReport
        Never raises for a misbehaving notebook or kernel; cells that did not run get a
        ``CellNotRun`` error output.

    Examples
    --------
    A kernel that cannot start (here: an unknown kernel name, so nothing is launched):

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    >>> report = execute_notebook(nb, kernel_name="no-such-kernel")
    >>> report.aborted_at, nb.cells[0].outputs[0].ename
    (-1, 'CellNotRun')
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    report = ExecutionReport()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    limit = max(1, int(round(timeout)))
    env = dict(os.environ, NBGRADER_EXECUTION=mode, EIE_LAB_PROGRESS="0", MPLBACKEND="Agg")
    with tempfile.TemporaryDirectory(prefix="eie-lab-grade-") as tmp:
        client = NotebookClient(
            nb, timeout=limit, startup_timeout=int(startup_timeout), kernel_name=kernel_name,
            allow_errors=True, interrupt_on_timeout=True, record_timing=False,
            error_on_timeout={"ename": "CellTimeoutError",
                              "evalue": f"the cell ran longer than {limit} s and was interrupted",
                              "traceback": [f"CellTimeoutError: cell ran longer than {limit} s"]},
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            resources={"metadata": {"path": workdir or tmp}})
        replies: list[dict] = []
        client.on_cell_executed = lambda **kw: replies.append(kw.get("execute_reply") or {})
        try:
            with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    if report.aborted_at is not None:
                        cell.outputs = [error_output("CellNotRun", report.reason)]
                        continue
                    started = time.monotonic()
                    try:
                        replies.clear()
                        client.execute_cell(cell, index)
                        reply = replies[-1] if replies else None
                    except DeadKernelError:
                        report.aborted_at = index
                        report.reason = f"the kernel died while running cell {index}"
                        cell.outputs.append(error_output("DeadKernelError", report.reason))
                        continue
                    except CellTimeoutError:
                        reply = {"content": {"status": "error", "ename": "CellTimeoutError",
                                             "evalue": f"no output for {limit} s"}}
                    content = dict((reply or {}).get("content", {}))
                    if (content.get("ename") == "KeyboardInterrupt"
                            and time.monotonic() - started >= limit - 0.5):
                        content["ename"] = "CellTimeoutError"
                    if content.get("ename") == "CellTimeoutError":
                        cell.outputs.insert(0, error_output(
                            "CellTimeoutError",
                            f"the cell ran longer than {limit} s and was interrupted"))
                    if content.get("status") == "error":
                        if not any(o.get("output_type") == "error"
                                   and o.get("ename") == content.get("ename")
                                   for o in cell.outputs):
                            cell.outputs.append(error_output(content.get("ename", "Error"),
                                                             content.get("evalue", "")))
                        if content.get("ename") == "CellTimeoutError":
                            report.timed_out.append(index)
                            if not _kernel_answers(client, min(5, max(2, limit))):
                                report.aborted_at = index
                                report.reason = (f"the kernel stopped answering after cell "
                                                 f"{index} was interrupted at {limit} s")
                                client.shutdown_kernel = "immediate"
        except Exception as exc:  # kernel failed to start, or died during shutdown
            if report.aborted_at is None:
                report.aborted_at = -1
                report.reason = f"the kernel could not run the notebook: {type(exc).__name__}: {exc}"
                for cell in nb.cells:
                    if cell.cell_type == "code" and not cell.outputs:
                        cell.outputs = [error_output("CellNotRun", report.reason)]
    return report
