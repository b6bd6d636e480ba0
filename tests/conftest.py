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


def pytest_configure(config):
    os.environ.setdefault("MPLBACKEND", "Agg")
