"""Shared pytest set-up: headless matplotlib, quiet progress bars, MNIST and browser gates, the
notebook kernels' environment and the executed lectures and their decks (lecture mode).

The lecture notebooks run once per session: tests/test_notebooks.py saves each executed lecture
into the session folder :func:`executed_lectures`, and :func:`lecture_decks` builds the decks from
it with ``make slides EXECUTED=<folder>`` (executing only what is not there yet, e.g. when
tests/test_slides.py runs alone). Tests that use ``lecture_decks`` run after all others, so the
notebook harness has filled the folder by then.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("EIE_LAB_PROGRESS", "0")


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder holding the four MNIST files, found without downloading.

    Skips the test when MNIST is not available, or fails it when ``EIE_LAB_REQUIRE_DATA=1``
    (CI sets that, so MNIST tests always run there).
    """
    from eie_lab.data.mnist import locate_mnist

    found = locate_mnist()
    if found is None:
        msg = ("MNIST not found: set EIE_LAB_DATA to a folder holding the four MNIST files "
               "(or run `eie-lab data mnist` to download them)")
        if _truthy("EIE_LAB_REQUIRE_DATA"):
            pytest.fail(msg + " [EIE_LAB_REQUIRE_DATA=1]")
        pytest.skip(msg)
    return found


@pytest.fixture
def sync_playwright():
    """Playwright's sync API for the browser tests; skips (or fails under
    ``EIE_LAB_REQUIRE_BROWSER=1``) without Playwright or Chromium (see tests/_browser.py)."""
    from tests._browser import playwright_api

    return playwright_api()


@pytest.fixture(scope="session")
def notebook_env(tmp_path_factory):
    """Environment for notebook kernels: a shared temporary cache, data folder passed through,
    static widgets, progress bars on and figures shown inline (as in JupyterLab)."""
    cache = tmp_path_factory.mktemp("eie-lab-cache")
    return {"EIE_LAB_CACHE": str(cache), "EIE_LAB_PROGRESS": "1",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "EIE_LAB_HEADLESS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


@pytest.fixture(scope="session")
def executed_lectures(tmp_path_factory) -> Path:
    """A session folder of executed lecture notebooks (``<name>.ipynb``), filled by the notebook
    harness (tests/test_notebooks.py) and read by ``make slides EXECUTED=...``."""
    return tmp_path_factory.mktemp("executed-lectures")


@pytest.fixture(scope="session")
def lecture_decks(executed_lectures, notebook_env, tmp_path_factory):
    """``make slides`` run on the executed lectures: (the process, the output folder).

    A lecture missing from :func:`executed_lectures` (its harness test did not run) is executed
    here first, in the harness's environment.
    """
    import nbformat

    sys.path.insert(0, str(ROOT / "scripts"))
    import build_slides

    for path in LECTURES:
        if not (executed_lectures / path.name).is_file():
            nb = build_slides.execute(path, env=notebook_env)
            nbformat.write(nb, executed_lectures / path.name)
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = tmp_path_factory.mktemp("slides")
    notebooks = " ".join(str(p) for p in LECTURES)
    proc = subprocess.run(["make", "--no-print-directory", "slides", f"EXECUTED={executed_lectures}",
                           f"SLIDES_OUT={out}", f"NOTEBOOKS={notebooks}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, EIE_LAB_PROGRESS="0"))
    return proc, out


def pytest_collection_modifyitems(config, items):
    """Tests that use the lecture decks run last: by then the harness has executed the lectures."""
    items.sort(key=lambda item: "lecture_decks" in getattr(item, "fixturenames", ()))


def pytest_configure(config):
    os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_terminal_summary(terminalreporter):
    """Report the slowest notebooks executed by tests/test_notebooks.py."""
    import sys

    mod = sys.modules.get("test_notebooks") or next(
        (m for name, m in sys.modules.items() if name.endswith("test_notebooks")), None)
    durations = getattr(mod, "DURATIONS", None)
    if not durations:
        return
    terminalreporter.section("slowest notebooks")
    for name, seconds in sorted(durations.items(), key=lambda kv: -kv[1])[:10]:
        terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
