"""The package's floor plan: every import points down the data flow (see eie_lab's docstring).

Floors: ground (errors, random, progress, cache, paper_tables, sparse_format, quantizer) ->
data, nn -> compression -> eie -> viz -> paper (reproduce, sweeps) -> grading, commands, cli.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "eie_lab"

GROUND = {"errors", "random", "progress", "cache", "paper_tables", "sparse_format", "quantizer",
          "_kmeans_fast"}
FLOOR = {**{name: 0 for name in GROUND}, "data": 1, "nn": 1, "compression": 2, "eie": 3,
         "viz": 4, "paper": 5, "grading": 6, "about": 7, "commands": 7, "cli": 7, "__main__": 7}
# Ground-floor modules may import each other only in this order (no ring on the ground floor).
GROUND_ORDER = ["errors", "random", "cache", "progress", "paper_tables", "sparse_format",
                "_kmeans_fast", "quantizer"]


def _unit(module: str) -> str | None:
    """The floor unit of a dotted eie_lab module name (``eie_lab.eie.units.lnzd`` -> ``eie``)."""
    parts = module.split(".")
    if parts[0] != "eie_lab" or len(parts) == 1:
        return None
    return parts[1]


def _imports(path: Path):
    """(module imported, line, inside a function?) for every eie_lab import in ``path``."""
    tree = ast.parse(path.read_text())
    local = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            local.update(id(node) for node in ast.walk(fn))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] if node.module != "eie_lab" else [
                f"eie_lab.{a.name}" for a in node.names
                if (PACKAGE / a.name).is_dir() or (PACKAGE / f"{a.name}.py").is_file()]
            for name in names:
                if name.startswith("eie_lab"):
                    yield name, node.lineno, id(node) in local
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("eie_lab"):
                    yield a.name, node.lineno, id(node) in local


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        yield ".".join(rel.parts).removesuffix(".__init__"), path


def test_every_import_points_down_or_sideways():
    wrong = []
    for module, path in _modules():
        me = _unit(module)
        for target, line, _ in _imports(path):
            other = _unit(target)
            if me is None:  # eie_lab/__init__.py re-exports lazily (PEP 562): ground only
                assert FLOOR[other] == 0, f"eie_lab/__init__.py:{line} imports {target}"
                continue
            if other is None or other == me:
                continue
            if FLOOR[other] > FLOOR[me]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} "
                             f"(floor {FLOOR[other]} > {FLOOR[me]})")
            elif FLOOR[other] == FLOOR[me] == 0 and \
                    GROUND_ORDER.index(other) > GROUND_ORDER.index(me):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} "
                             "(against the ground-floor order)")
            elif FLOOR[other] == FLOOR[me] == 1 and (me, other) != ("nn", "data"):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target} "
                             "(data must not import nn)")
    assert not wrong, "\n".join(wrong)


# Function-local imports are allowed only in the command-line layer (import lazily by
# subcommand, so --help answers fast); nowhere in the library.
LAZY_OK = {"eie_lab.cli"}


def test_no_function_local_import_of_the_package():
    hidden = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
              for module, path in _modules() if module not in LAZY_OK
              and not module.startswith("eie_lab.commands")
              for target, line, local in _imports(path) if local]
    assert not hidden, "\n".join(hidden)


@pytest.mark.parametrize(("module", "forbidden"), [
    ("eie_lab.eie", ("eie_lab.compression", "eie_lab.nn", "eie_lab.viz")),
    ("eie_lab.nn", ("eie_lab.compression", "eie_lab.eie", "eie_lab.viz")),
    ("eie_lab.data.layers", ("eie_lab.eie", "eie_lab.compression", "eie_lab.nn")),
    ("eie_lab.data.mnist", ("eie_lab.eie", "eie_lab.compression", "eie_lab.nn")),
    ("eie_lab.compression", ("eie_lab.eie", "eie_lab.viz")),
    ("eie_lab.sparse_format", ("eie_lab.data", "eie_lab.nn", "eie_lab.compression", "eie_lab.eie")),
    ("eie_lab.quantizer", ("eie_lab.data", "eie_lab.nn", "eie_lab.compression", "eie_lab.eie")),
])
def test_importing_a_floor_loads_nothing_above_it(module, forbidden):
    code = (f"import sys, {module}\n"
            f"bad = sorted(m for m in sys.modules if m.startswith({forbidden!r}))\n"
            "print(' '.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import {module} loaded {out.stdout.strip()}"


def test_one_home_for_padding_entries():
    """The word 'filler' is gone, and only sparse_format builds padding entries."""
    root = PACKAGE.parent
    def says_filler(text: str) -> bool:  # other fillers (VLSI filler cells, Caffe's weight
        text = text.lower().replace("filler cell", "").replace('"xavier" filler', "")  # filler)
        return "filler" in text

    hits = [str(p.relative_to(root)) for folder in ("eie_lab", "notebooks", "docs", "tests")
            for p in (root / folder).rglob("*") if p.is_file() and p.suffix in (".py", ".ipynb", ".md")
            and p.name != "test_floor_plan.py" and says_filler(p.read_text(errors="ignore"))]
    assert not hits, hits
    makers = [str(p.relative_to(root)) for p in PACKAGE.rglob("*.py")
              if "def relative_entries" in p.read_text()]
    assert makers == ["eie_lab/sparse_format.py"]


def test_citations_stay_inside_the_repository():
    """Papers are cited by section/table/figure and docs/references.md, never by a file that is
    not in the repository (the word is assembled here so this test does not cite it either)."""
    root = PACKAGE.parent
    outside = "papers" + ".md"
    hits = [str(p.relative_to(root))
            for folder in ("eie_lab", "notebooks", "exercises", "solutions", "docs", "tests",
                           "benchmarks", "scripts")
            for p in (root / folder).rglob("*")
            if p.is_file() and p.suffix in (".py", ".ipynb", ".md")
            and outside in p.read_text(errors="ignore")]
    hits += [name for name in ("README.md",) if outside in (root / name).read_text()]
    assert not hits, hits
