"""The environment report of notebook 00 (eie_lab.about)."""

from __future__ import annotations

import json

import pytest

import eie_lab
from eie_lab.about import REQUIRED, environment_report, format_report, problems
from eie_lab.errors import ConfigError


@pytest.fixture
def no_mnist(monkeypatch, tmp_path):
    from eie_lab.data import mnist

    monkeypatch.delenv("EIE_LAB_DATA", raising=False)
    monkeypatch.setenv("EIE_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "BUNDLED_DIR", tmp_path / "no-checkout")  # as in a wheel install
    return tmp_path


def test_report_contents(no_mnist):
    report = environment_report()
    json.dumps(report)  # plain Python values only
    assert report["eie_lab"] == eie_lab.__version__
    assert all(report["packages"][n] for n in REQUIRED)  # the suite runs in a full install
    assert report["problems"] == []
    assert report["cache_dir"] == str(no_mnist / "cache")
    assert not (no_mnist / "cache").exists()  # reporting creates nothing
    m = report["mnist"]
    assert m["found"] is False and m["path"] is None
    assert "EIE_LAB_DATA" in m["how_to"] and "eie-lab data mnist" in m["how_to"]
    assert report["eie_lab_data"] is None


def test_report_finds_mnist(mnist_dir):
    report = environment_report()
    assert report["mnist"]["found"] and report["mnist"]["path"] == str(mnist_dir)
    assert f"found in {mnist_dir}" in format_report(report)


def test_format_text_and_markdown(no_mnist):
    report = environment_report()
    text = format_report(report)
    assert text.startswith("eie-lab environment")
    assert "numpy" in text and "not found; to get it" in text and "status: all required" in text
    md = format_report(report, markdown=True)
    assert "| package | version | |" in md and f"| eie-lab | {eie_lab.__version__} |" in md
    assert "**MNIST**: not found" in md
    assert format_report().startswith("eie-lab environment")


def test_problems_are_reported():
    report = {"python": "3.8.10", "required": ["numpy", "nosuchpkg"],
              "packages": {"numpy": "2.0", "nosuchpkg": None}}
    found = problems(report)
    assert len(found) == 2 and "3.8.10" in found[0] and "nosuchpkg" in found[1]
    full = environment_report()
    full["packages"]["numpy"] = None
    full["problems"] = problems(full)
    assert "PROBLEMS: numpy is not installed" in format_report(full)
    assert "| numpy | not installed | required |" in format_report(full, markdown=True)


def test_bad_report():
    with pytest.raises(ConfigError, match="environment_report"):
        format_report({"python": "3.11"})
