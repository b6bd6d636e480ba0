"""eie_lab.progress: tqdm.auto bars behind one switch, ``progress: bool | None``."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from eie_lab import progress as P

PACKAGE = Path(P.__file__).resolve().parent


@pytest.mark.parametrize("env, switch, shown", [
    ("1", None, True), ("0", None, False), ("off", None, False), ("no", None, False),
    ("0", True, True), ("1", False, False),
])
def test_switch_and_environment(monkeypatch, env, switch, shown):
    monkeypatch.setenv("EIE_LAB_PROGRESS", env)
    out = io.StringIO()
    with P.progress_bar(total=3, desc="work", progress=switch, file=out) as bar:
        bar.update(3)
    assert ("work: 100%" in out.getvalue()) is shown
    assert P.show_progress(switch) is shown


def test_track_yields_everything_and_draws_once_per_redraw(monkeypatch):
    monkeypatch.setenv("EIE_LAB_PROGRESS", "1")
    assert list(P.track(range(5), progress=False)) == [0, 1, 2, 3, 4]
    assert list(P.track(iter("ab"), desc="gen", progress=False)) == ["a", "b"]  # no len()


def test_not_a_terminal_redraws_rarely():
    """A log or pipe gets the first and the last state, not one line per step."""
    out = io.StringIO()  # not a TTY
    with P.progress_bar(total=20000, desc="steps", progress=True, file=out) as bar:
        assert bar.mininterval == P.PIPE_INTERVAL
        for _ in range(20000):
            bar.update(1)
    frames = [f for f in out.getvalue().replace("\n", "\r").split("\r") if f.strip()]
    assert 1 <= len(frames) <= 3, frames
    assert frames[-1].startswith("steps: 100%")


def test_in_a_kernel_the_bar_is_one_widget():
    """In a Jupyter kernel tqdm.auto picks the widget bar: one display, updated in place."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = textwrap.dedent("""
        from eie_lab.progress import progress_bar, track
        for _ in track(range(3000), desc="loop", progress=True):
            pass
        with progress_bar(total=2000, desc="manual", progress=True) as bar:
            for _ in range(2000):
                bar.update(1)
    """)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 2 and len(outputs) == 2, outputs
    assert not [o for o in outputs if o.get("output_type") == "stream"]
    # the stored text is each bar's final state (what an HTML export shows), not its 0 %
    texts = [o["data"]["text/plain"] for o in widgets]
    assert texts[0].startswith("loop: 100%") and "3000/3000" in texts[0], texts
    assert texts[1].startswith("manual: 100%") and "2000/2000" in texts[1], texts


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_one_name_for_the_switch_everywhere():
    """No ``disable``/``disable_progress`` parameter; whatever draws a bar takes ``progress``."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in _functions(tree):
            params = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
            where = f"{path.relative_to(PACKAGE.parent)}:{fn.lineno} {fn.name}"
            if params & {"disable", "disable_progress", "show"}:
                problems.append(f"{where} has {sorted(params & {'disable', 'disable_progress', 'show'})}")
            draws = any(isinstance(n, ast.Call) and getattr(n.func, "id", "") in
                        {"progress_bar", "track"} for n in ast.walk(fn))
            if draws and fn.name not in {"progress_bar", "track"} and "progress" not in params:
                problems.append(f"{where} draws a bar but has no `progress` parameter")
    assert not problems, "\n".join(problems)


def test_the_progress_module_is_tqdm():
    out = subprocess.run([sys.executable, "-c",
                          "import eie_lab.progress as p, tqdm; print(p.tqdm.__module__)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().startswith("tqdm.")
