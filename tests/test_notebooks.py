"""Execute every lecture notebook and every solution top to bottom (the notebook harness).

Each notebook runs in a fresh kernel with the notebook's folder as working directory and a
per-cell timeout (environment: the ``notebook_env`` fixture of ``tests/conftest.py``; figures are
shown inline, widgets fall back to static frames). Each executed lecture is saved into the
session folder ``executed_lectures``, from which ``make slides`` builds the decks in
tests/test_slides.py without running the notebooks again. All notebooks of one session share one temporary ``EIE_LAB_CACHE`` and run in
sorted order, so a model trained by ``01_pruning`` is reused by later notebooks, as it would be on
a student's laptop. The slowest notebooks are reported at the end of the run.

Progress bars are on while the notebooks run (``EIE_LAB_PROGRESS=1``), and each executed notebook
must hold at most one output per progress bar: a bar is one widget display updated in place,
never a stream of redraws (see :func:`check_progress_outputs`).

Run time: each lecture notebook should run in under :data:`BUDGET_S` seconds from an empty cache on
a quiet 2-core laptop, apart from the one-time training of a cached baseline (LeNet-300-100, or
LeNet-5 in notebook 10; allowances in :data:`BASELINE_S`). The harness records every notebook's time (printed at the end of the run by
``tests/conftest.py``) and fails a lecture notebook that takes more than :func:`time_bound` — the
budget times :data:`BOUND_FACTOR` (``EIE_LAB_NOTEBOOK_BOUND_FACTOR`` overrides it on a slow or busy
machine), plus the baseline's allowance for the notebook that trained it — so a regression is seen.

A second test fails when any committed notebook carries outputs or execution counts.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A hang guard, not a speed target (time_bound is): LeNet-5's baseline trains in one cell.
CELL_TIMEOUT = int(os.environ.get("EIE_LAB_CELL_TIMEOUT", "300"))

LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted(p for p in (ROOT / "solutions").glob("**/*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
COMMITTED = sorted(
    p for folder in ("notebooks", "solutions", "exercises")
    for p in (ROOT / folder).glob("**/*.ipynb") if ".ipynb_checkpoints" not in p.parts
)

DURATIONS: dict[str, float] = {}

#: Run-time budget of one lecture notebook from an empty cache on a quiet 2-core laptop (seconds).
BUDGET_S = 60.0
#: Allowance for the one-time training of each cached baseline, for the notebook that does it
#: (LeNet-5: 3 epochs at ~30 s of CPU each; notebook 10 must stay under 3 min cold).
BASELINE_S: dict[str, float] = {"lenet300": 60.0, "lenet5": 120.0}
#: A notebook fails above this many times its budget (generous: CI machines are slower and busy).
BOUND_FACTOR = float(os.environ.get("EIE_LAB_NOTEBOOK_BOUND_FACTOR", "3"))


def time_bound(trained: set[str] | frozenset[str] = frozenset(), factor: float = BOUND_FACTOR) -> float:
    """The most seconds a lecture notebook may take in the harness, given the baselines it trained.

    Examples
    --------
    >>> time_bound(set(), 3), time_bound({"lenet300"}, 3), time_bound({"lenet5"}, 3)
    (180.0, 360.0, 540.0)
    """
    return factor * (BUDGET_S + sum(BASELINE_S[name] for name in trained))


def _baselines(cache: str) -> set[str]:
    """The models whose baselines are in the cache folder (see eie_lab.nn.zoo.cache_path)."""
    return {name for name in BASELINE_S if any(Path(cache).glob(f"{name}_seed*.npz"))}


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


# a tqdm meter: "desc:  42%|####      | 42/100 [...]" or "desc: 7it [...]"
_N = r"\d+(?:\.\d+)?[kMG]?"
_METER = re.compile(rf"\d+%\|[^|\n]*\|\s*{_N}/{_N}\s*\[|{_N}(?:it|B|step|eval|run|layer)s? \[\d+:\d\d")
_WIDGET = "application/vnd.jupyter.widget-view+json"


def check_progress_outputs(nb) -> list[str]:
    """Problems with progress output in an executed notebook (empty list when fine).

    A bar must be one widget display (tqdm.auto in a kernel), shown once: no stream output may
    carry a progress meter (a redraw per output is how 1,698 stderr outputs piled up in one
    notebook), and no bar's widget may be displayed twice.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("")
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stderr",
    ...                                        text="train:  10%|#  | 1/10 [00:01<00:09]")]
    >>> check_progress_outputs(nbformat.v4.new_notebook(cells=[cell]))
    ['cell 0: a progress meter printed as a stream output']
    """
    problems, seen = [], set()
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "stream" and _METER.search(out.get("text", "")):
                problems.append(f"cell {i}: a progress meter printed as a stream output")
            data = out.get("data", {})
            if _WIDGET in data and _METER.search(data.get("text/plain", "")):
                model = data[_WIDGET].get("model_id")
                if model in seen:
                    problems.append(f"cell {i}: progress bar {model} displayed more than once")
                seen.add(model)
    return problems


def _execute(path: Path, env: dict[str, str]):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    with mock.patch.dict(os.environ, env):  # the kernels inherit os.environ
        client = nbclient.NotebookClient(
            nb, timeout=CELL_TIMEOUT, kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as exc:
            pytest.fail(f"{path.relative_to(ROOT)} failed:\n{exc}", pytrace=False)
        except nbclient.exceptions.CellTimeoutError as exc:
            pytest.fail(f"{path.relative_to(ROOT)}: a cell ran over {CELL_TIMEOUT} s:\n{exc}",
                        pytrace=False)
        finally:
            DURATIONS[str(path.relative_to(ROOT))] = time.perf_counter() - start
    problems = check_progress_outputs(nb)
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)
    return nb


@pytest.mark.notebook
@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_lecture_notebook_runs(path, notebook_env, executed_lectures):
    """Runs, within its time bound; the executed notebook is kept for `make slides` (conftest)."""
    before = _baselines(notebook_env["EIE_LAB_CACHE"])
    nb = _execute(path, notebook_env)
    nbformat = pytest.importorskip("nbformat")
    nbformat.write(nb, executed_lectures / path.name)
    trained = _baselines(notebook_env["EIE_LAB_CACHE"]) - before
    seconds, bound = DURATIONS[str(path.relative_to(ROOT))], time_bound(trained)
    assert seconds <= bound, (
        f"{path.relative_to(ROOT)} took {seconds:.0f} s, over its bound of {bound:.0f} s "
        f"({BOUND_FACTOR:g} x (the {BUDGET_S:.0f} s budget"
        + "".join(f" + {BASELINE_S[name]:.0f} s for training {name}" for name in sorted(trained))
        + ")); "
        "help: cache the notebook's expensive demos (eie_lab.compression.experiments), or set "
        "EIE_LAB_NOTEBOOK_BOUND_FACTOR on a slow machine")


@pytest.mark.notebook
@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_solution_notebook_runs(path, notebook_env):
    _execute(path, notebook_env)


@pytest.mark.parametrize("path", COMMITTED, ids=_ids(COMMITTED))
def test_committed_notebook_has_no_outputs(path):
    import json

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    dirty = [i for i, c in enumerate(cells)
             if c.get("cell_type") == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, (f"{path.relative_to(ROOT)} was committed with outputs in cells {dirty}; "
                       "help: clear them (Jupyter: Edit > Clear Outputs of All Cells)")


def test_there_are_lecture_notebooks():
    assert (ROOT / "notebooks" / "00_welcome.ipynb") in LECTURES


@pytest.mark.parametrize("text, is_meter", [
    ("train:  10%|#  | 1/10 [00:01<00:09]", True),
    ("LeNet-300-100: 100%|##########| 3760/3760 [00:12<00:00, 300step/s]", True),
    ("loop:   0%|          | 0/300 [00:00<?, ?it/s]", True),
    ("dl: 7it [00:01, 5.2it/s]", True), ("train-images: 9.45MB [00:01, 5MB/s]", True),
    ("| 10%| x | 5 |", False), ("SRAM 64B [per PE]", False), ("test error 1.70%", False),
])
def test_progress_meter_pattern(text, is_meter):
    """What check_progress_outputs counts as a progress bar (and what it leaves alone)."""
    assert bool(_METER.search(text)) is is_meter
