"""Shared pytest set-up: headless matplotlib, quiet progress bars, MNIST and browser gates."""

from __future__ import annotations

import os

import pytest

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
