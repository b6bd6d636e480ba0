"""What is installed and where the data is: the environment check of notebook 00.

:func:`environment_report` gathers versions (read from package metadata, so nothing heavy is
imported), the MNIST folder or how to get it, and the cache folder; :func:`format_report` turns
that into plain text or Markdown.

Examples
--------
>>> from eie_lab.about import environment_report, format_report
>>> report = environment_report()
>>> report["eie_lab"] == __import__("eie_lab").__version__
True
>>> format_report(report).splitlines()[0]
'eie-lab environment'
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

import eie_lab
from eie_lab.cache import cache_dir
from eie_lab.data import mnist
from eie_lab.errors import ConfigError, fail_message

__all__ = ["REQUIRED", "OPTIONAL", "MIN_PYTHON", "environment_report", "format_report",
           "problems"]

#: Runtime dependencies (pyproject ``dependencies``).
REQUIRED: tuple[str, ...] = ("numpy", "matplotlib", "networkx", "ipywidgets", "jupyterlab-widgets",
                             "jupyterlab", "jupyterlab-rise", "nbconvert", "tqdm", "platformdirs",
                             "nbformat")
#: Packages of the extras (tests, grading, browser, benchmarks); absent is fine.
OPTIONAL: tuple[str, ...] = ("pytest", "hypothesis", "nbclient", "ipykernel", "scipy",
                             "scikit-learn", "nbgrader", "playwright", "dahuffman")
MIN_PYTHON = (3, 10)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def environment_report() -> dict[str, Any]:
    """Collect versions, the MNIST location and the cache folder (never downloads).

    Returns
    -------
    dict
        Keys: ``python``, ``platform``, ``eie_lab``, ``packages`` (name -> version or None, the
        required ones first), ``required`` (names), ``mnist`` (dict with ``found``, ``path``,
        ``searched``, ``how_to``), ``cache_dir``, ``eie_lab_data`` (the ``EIE_LAB_DATA`` value
        or None) and ``problems`` (list of str; empty when everything required is there).
        All values are plain Python objects (str, bool, list, dict, None).

    Examples
    --------
    >>> report = environment_report()
    >>> report["required"][0], isinstance(report["mnist"]["found"], bool)
    ('numpy', True)
    """
    found = mnist.locate_mnist()
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "eie_lab": eie_lab.__version__,
        "packages": {name: _version(name) for name in REQUIRED + OPTIONAL},
        "required": list(REQUIRED),
        "mnist": {
            "found": found is not None,
            "path": str(found) if found is not None else None,
            "searched": [str(p) for p in mnist.mnist_search_paths()],
            "how_to": None if found is not None else mnist.how_to_get_mnist(),
        },
        "cache_dir": str(cache_dir(create=False)),
        "eie_lab_data": os.environ.get("EIE_LAB_DATA") or None,
    }
    report["problems"] = problems(report)
    return report


def problems(report: dict[str, Any]) -> list[str]:
    """What is wrong in a report: old Python, missing required packages (MNIST is not a problem).

    Parameters
    ----------
    report : dict
        From :func:`environment_report` (needs ``python``, ``packages`` and ``required``).

    Returns
    -------
    list of str
        One message per problem, each with its fix; empty when all is well.

    Examples
    --------
    >>> from eie_lab.about import problems
    >>> problems({"python": "3.9.1", "packages": {"numpy": None}, "required": ["numpy"]})
    ['Python 3.9.1 is too old: eie-lab needs >= 3.10', 'numpy is not installed: run `make lab` or pip install -e .']
    """
    out = []
    version = tuple(int(p) for p in report["python"].split(".")[:2])
    if version < MIN_PYTHON:
        need = ".".join(map(str, MIN_PYTHON))
        out.append(f"Python {report['python']} is too old: eie-lab needs >= {need}")
    for name in report["required"]:
        if report["packages"].get(name) is None:
            out.append(f"{name} is not installed: run `make lab` or pip install -e .")
    return out


def format_report(report: dict[str, Any] | None = None, markdown: bool = False) -> str:
    """Render :func:`environment_report` as plain text, or Markdown for ``IPython.display``.

    Parameters
    ----------
    report : dict, optional
        A report; a fresh one is collected when None.
    markdown : bool
        Markdown (a table plus bullets) instead of aligned plain text.

    Returns
    -------
    str

    Examples
    --------
    >>> from eie_lab.about import environment_report, format_report
    >>> "| numpy |" in format_report(environment_report(), markdown=True)
    True
    """
    if report is None:
        report = environment_report()
    if not isinstance(report, dict) or "packages" not in report:
        raise ConfigError(fail_message("report", type(report).__name__,
                                       "must be a dict from environment_report()",
                                       "call format_report() with no argument"))
    pkgs = report["packages"]
    required = set(report["required"])
    rows = [("Python", report["python"], "required"), ("eie-lab", report["eie_lab"], "required")]
    rows += [(n, v or "not installed", "required" if n in required else "optional")
             for n, v in pkgs.items() if v is not None or n in required]
    m = report["mnist"]
    mnist_line = f"found in {m['path']}" if m["found"] else f"not found; to get it, {m['how_to']}"
    data = report["eie_lab_data"] or "not set"
    status = ("all required packages present" if not report["problems"]
              else "PROBLEMS: " + "; ".join(report["problems"]))
    if markdown:
        lines = ["**eie-lab environment** (" + report["platform"] + ")", "",
                 "| package | version | |", "| --- | --- | --- |"]
        lines += [f"| {n} | {v} | {kind} |" for n, v, kind in rows]
        lines += ["", f"- **MNIST**: {mnist_line}", f"- **EIE_LAB_DATA**: `{data}`",
                  f"- **cache folder**: `{report['cache_dir']}`", f"- **status**: {status}"]
        return "\n".join(lines)
    width = max(len(n) for n, _, _ in rows)
    lines = ["eie-lab environment", f"  {'platform':<{width}}  {report['platform']}"]
    lines += [f"  {n:<{width}}  {v}" + ("" if kind == "required" else "  (optional)")
              for n, v, kind in rows]
    lines += [f"  MNIST: {mnist_line}", f"  EIE_LAB_DATA: {data}",
              f"  cache folder: {report['cache_dir']}", f"  status: {status}"]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(format_report())
    sys.exit(1 if environment_report()["problems"] else 0)
