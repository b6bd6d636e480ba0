"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python >= 3.11")

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_requirements() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = {_name(r) for r in data["project"]["dependencies"]}
    for extra in data["project"]["optional-dependencies"].values():
        reqs |= {_name(r) for r in extra}
    return reqs


def _environment_yml_requirements() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("\ndependencies:", 1)[1].splitlines():
        item = line.split("#", 1)[0].strip()
        if not item.startswith("- ") or item.endswith(":"):
            continue
        item = item[2:].strip()
        if item.startswith("-") or item in {"pip", "."}:
            continue  # pip flags such as "-e ."
        names.add(_name(item))
    names.discard("python")
    names.discard("pip")
    return names


def test_environment_yml_matches_pyproject():
    pyproject = _pyproject_requirements()
    conda = _environment_yml_requirements()
    assert pyproject == conda, (
        f"only in pyproject.toml: {sorted(pyproject - conda)}; "
        f"only in environment.yml: {sorted(conda - pyproject)}; "
        "help: add the package to both files")


def _specifiers(requirements) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for req in requirements:
        name = _name(req)
        spec = re.sub(r"^[A-Za-z0-9_.\-]+(\[[^\]]*\])?", "", req.strip()).replace(" ", "")
        out.setdefault(name, set()).add(spec)
    return out


def test_environment_yml_pins_the_same_versions():
    """Same bounds in both files (the widgets pin that RISE needs, above all)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pyproject = _specifiers(data["project"]["dependencies"]
                            + [r for e in data["project"]["optional-dependencies"].values()
                               for r in e])
    text = (ROOT / "environment.yml").read_text().split("\ndependencies:", 1)[1]
    items = [line.split("#", 1)[0].strip()[2:] for line in text.splitlines()
             if line.split("#", 1)[0].strip().startswith("- ")]
    conda = _specifiers(i for i in items if i and not i.startswith("-") and not i.endswith(":")
                        and i not in {"pip", "."})
    differ = {n: (conda[n], pyproject[n]) for n in conda.keys() & pyproject.keys()
              if not conda[n] <= pyproject[n]}
    assert not differ, f"environment.yml vs pyproject.toml: {differ}"
    assert pyproject["jupyterlab-widgets"] == {"==3.0.10"}  # see the comment in pyproject.toml


def test_jupyterlab_pin_leaves_room_for_nbgrader():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pin = next(r for r in data["project"]["dependencies"] if _name(r) == "jupyterlab")
    assert ">=4.2" in pin and "<5" in pin


def test_readme_quick_start_is_the_two_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)\s*$", section, flags=re.M)
    assert commands == ["make lab", "make test"], commands


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in script
    assert re.search(r"^make test\s*$", script, flags=re.M)


def test_ci_reads_no_data_from_outside_the_clone():
    """MNIST ships in data/mnist/; CI must pass from the clone alone."""
    code = [line.split("#", 1)[0] for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert not [line for line in code if "shared" in line or "EIE_LAB_DATA=" in line], code
    assert "export EIE_LAB_REQUIRE_DATA=1" in code
    assert sorted(p.name for p in (ROOT / "data" / "mnist").glob("*.gz")) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz"]


def test_version_is_exposed():
    import eie_lab

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in data["project"]["dynamic"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", eie_lab.__version__)


def test_readme_figure_exists_and_is_made_by_a_script():
    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", text)
    assert images, "README should open with a figure"
    for image in images:
        assert (ROOT / image).is_file(), image
    assert (ROOT / "scripts" / "readme_figure.py").is_file()


def test_readme_figure_script_runs(tmp_path):
    import runpy

    module = runpy.run_path(str(ROOT / "scripts" / "readme_figure.py"))
    out = tmp_path / "figure.png"
    assert module["main"]([str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_environment_report_lists_the_runtime_dependencies():
    from eie_lab.about import REQUIRED

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert {_name(r) for r in data["project"]["dependencies"]} == set(REQUIRED)
