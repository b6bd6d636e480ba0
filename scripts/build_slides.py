"""Build executed, offline reveal.js decks of the lectures (``make slides``).

Usage::

    python scripts/build_slides.py [--notebooks NB ...] [--out build/slides] [--executed DIR]
                                   [--timeout SECONDS]

For each lecture notebook (default ``notebooks/*.ipynb``) it

1. executes the notebook in a fresh kernel with ``EIE_LAB_WIDGETS=static`` (animations and the
   design explorer display their static frame and the note why, see
   :func:`eie_lab.viz.widgets.has_live_frontend`) and progress bars off — or, with
   ``--executed DIR``, takes the outputs of ``DIR/<name>.ipynb`` (an executed copy holding the
   same cells, e.g. from the notebook test harness) instead of running it again;
2. writes the executed notebook to ``OUT/executed/<name>.ipynb`` (``scripts/check_slides.py
   --executed`` checks the output rules on it);
3. replaces what needs a kernel: a progress bar's widget is dropped, any other widget keeps its
   saved text and a note that it is live only in RISE (:func:`freeze_widgets`);
4. exports a reveal.js deck at 1280 x 720 with nbconvert's ``SlidesExporter`` and the template
   ``scripts/slides_assets/templates/eie_reveal``, which inlines reveal.js 4 and MathJax 3 from
   ``scripts/slides_assets`` (vendored, licences beside them): ``OUT/<name>.html`` is one file
   that works with no network (checked by :func:`external_references`).

Every file is written atomically. The speaker view (key ``S``) shows the notes cells.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from pathlib import Path
from unittest import mock

from eie_lab.cache import atomic_write_bytes
from eie_lab.errors import ConfigError, EieLabError, fail_message
from eie_lab.progress import track

sys.path.insert(0, str(Path(__file__).resolve().parent))  # check_slides, also when imported
from check_slides import WIDGET_MIME, executed_copy, is_progress_widget  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).resolve().parent / "slides_assets"
TEMPLATES = ASSETS / "templates"
TEMPLATE = "eie_reveal"
DEFAULT_OUT = ROOT / "build" / "slides"
#: The projector frame every slide is laid out for (reveal.js scales it to the screen).
WIDTH, HEIGHT = 1280, 720
#: Prefix of the reveal.css and theme <link>s in nbconvert's template; swapped for inline styles.
PLACEHOLDER = "eie-reveal-inline"
#: The kernel's environment for a deck: static frames, no progress bars, figures shown inline.
KERNEL_ENV = {"EIE_LAB_WIDGETS": "static", "EIE_LAB_PROGRESS": "0",
              "MPLBACKEND": "module://matplotlib_inline.backend_inline",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
#: The vendored files every deck inlines (licences beside them, see slides_assets/README.md).
ASSET_FILES = {"reveal_js": ASSETS / "reveal.js" / "dist" / "reveal.js",
               "notes_js": ASSETS / "reveal.js" / "plugin" / "notes" / "notes.js",
               "reveal_css": ASSETS / "reveal.js" / "dist" / "reveal.css",
               "theme_css": ASSETS / "reveal.js" / "dist" / "theme" / "white.css",
               "mathjax_js": ASSETS / "mathjax" / "es5" / "tex-svg-full.js"}
#: What a widget that needs a kernel shows in a static deck.
LIVE_ONLY_NOTE = ("Interactive widget: live only with a kernel. Present this notebook with RISE "
                  "in JupyterLab (Alt+R) to use it.")
# anything the browser would fetch: <script src>, <link href>, <img src>, CSS url() (looked for
# outside the inline scripts, whose code is not markup)
_FETCHED = re.compile(r"""<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc\s*=\s*["']?([^"'\s>]+)"""
                      r"""|<link\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)|url\(\s*["']?([^"')\s]+)""",
                      re.I)
_SCRIPT_BODY = re.compile(r"(<script\b[^>]*>).*?(</script>)", re.I | re.S)

__all__ = ["WIDTH", "HEIGHT", "KERNEL_ENV", "LIVE_ONLY_NOTE", "lecture_notebooks", "execute",
           "with_outputs_of", "freeze_widgets", "load_assets", "export_deck",
           "external_references", "build", "main"]


class SlidesError(EieLabError):
    """A deck cannot be built (a notebook fails, an asset is missing, the template changed)."""


def lecture_notebooks(patterns: list[str] | None = None) -> list[Path]:
    """The notebooks to build: files or glob patterns (relative to the repository), sorted.

    Examples
    --------
    >>> [p.name for p in lecture_notebooks(["notebooks/00_*.ipynb"])]
    ['00_welcome.ipynb']
    """
    if not patterns:
        patterns = ["notebooks/*.ipynb"]
    found: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        matches = [path] if path.is_file() else sorted(
            Path(p) for p in (path.parent if path.is_absolute() else ROOT / path.parent)
            .glob(path.name))
        matches = [m for m in matches if m.suffix == ".ipynb"]
        if not matches:
            raise ConfigError(fail_message("notebooks", pattern, "matches no .ipynb file",
                                           "pass notebook paths or a pattern such as "
                                           "'notebooks/0*.ipynb'"))
        found += [m.resolve() for m in matches if m.resolve() not in found]
    return sorted(found, key=lambda p: p.name)


def execute(path: Path, timeout: int = 300, env: dict[str, str] | None = None):
    """Run a notebook top to bottom in a fresh kernel (:data:`KERNEL_ENV`, updated by ``env``),
    in its own folder.

    Raises
    ------
    SlidesError
        When a cell raises or runs over ``timeout`` seconds (the message names the notebook).
    """
    import nbclient  # deferred: executing is the slow path (``--executed`` does without)
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    # the kernels started inside inherit os.environ
    with mock.patch.dict(os.environ, {**KERNEL_ENV, **(env or {})}):
        try:
            client.execute()
        except nbclient.exceptions.CellExecutionError as exc:
            raise SlidesError(f"{path.name} failed while executing for its deck:\n{exc}\n"
                              "help: run the notebook in JupyterLab to see the error") from None
        except nbclient.exceptions.CellTimeoutError as exc:
            raise SlidesError(f"{path.name}: a cell ran over {timeout} s:\n{exc}\n"
                              "help: raise --timeout") from None
    return nb


def with_outputs_of(path: Path, executed: Path):
    """The notebook at ``path`` (its slide metadata) with the outputs of its executed copy.

    Raises
    ------
    eie_lab.errors.DataError
        When ``executed/<name>.ipynb`` is missing or holds other cells (out of date).
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    ran = nbformat.read(executed_copy(path, executed), as_version=4)
    for cell, done in zip(nb.cells, ran.cells):
        if cell.cell_type == "code":
            cell.outputs = done.get("outputs", [])
            cell.execution_count = done.get("execution_count")
    return nb


def freeze_widgets(nb) -> tuple[object, list[int]]:
    """A copy of ``nb`` with nothing that needs a kernel, and the cells that had a live widget.

    A progress bar's widget output is dropped (it is not content). Any other widget output loses
    its widget view and shows its saved text with :data:`LIVE_ONLY_NOTE` (eie-lab's animations do
    not get here: executed with ``EIE_LAB_WIDGETS=static`` they display their static frame).
    The notebook's saved widget state goes too.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("slider")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={
    ...     WIDGET_MIME: {"model_id": "m"}, "text/plain": "IntSlider(value=3)"})]
    >>> frozen, live = freeze_widgets(nbformat.v4.new_notebook(cells=[cell]))
    >>> live, sorted(frozen.cells[0].outputs[0].data)
    ([0], ['text/html', 'text/plain'])
    """
    import nbformat

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    live = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME not in data:
                kept.append(out)
            elif not is_progress_widget(out):
                live.append(i)
                text = data.get("text/plain", "")
                text = "".join(text) if isinstance(text, list) else text
                html = (f"<p class=\"eie-live-only\"><em>{LIVE_ONLY_NOTE}</em></p>"
                        f"<pre>{_escape(text)}</pre>")
                kept.append(nbformat.v4.new_output("display_data",
                                                   data={"text/html": html, "text/plain": text}))
        cell.outputs = kept
    return nb, sorted(set(live))


def _title(nb, default: str) -> str:
    """The lecture's title (cell 0's "# ..." heading) for the deck's browser tab."""
    first = nb.cells[0].source if nb.cells and nb.cells[0].cell_type == "markdown" else ""
    line = first.lstrip().splitlines()[0] if first.strip() else ""
    return line[2:].strip() if line.startswith("# ") else default


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _script(path: Path) -> str:
    """A JavaScript file's text, safe to inline in a <script> element."""
    return path.read_text(encoding="utf-8").replace("</script", "<\\/script")


def load_assets() -> dict[str, str]:
    """The vendored reveal.js and MathJax files the template inlines (see slides_assets/README.md).

    Raises
    ------
    SlidesError
        When a vendored file is missing (the checkout is incomplete).

    Examples
    --------
    >>> assets = load_assets()
    >>> sorted(assets)
    ['mathjax_js', 'notes_js', 'placeholder', 'reveal_css', 'reveal_js', 'theme_css']
    >>> "@import" in assets["theme_css"], "</script" in assets["mathjax_js"]
    (False, False)
    """
    files = ASSET_FILES
    missing = [str(p.relative_to(ROOT)) for p in files.values() if not p.is_file()]
    if missing:
        raise SlidesError(fail_message("slides_assets", missing, "vendored files must exist",
                                       "restore scripts/slides_assets from git"))
    out = {name: _script(path) for name, path in files.items() if name.endswith("_js")}
    out["reveal_css"] = files["reveal_css"].read_text(encoding="utf-8")
    # the theme's web font is a separate file a file:// page may not load: system fonts instead
    out["theme_css"] = re.sub(r"@import url\([^)]*\);", "",
                              files["theme_css"].read_text(encoding="utf-8"))
    out["placeholder"] = PLACEHOLDER
    return out


def export_deck(nb, name: str, assets: dict[str, str]) -> str:
    """The reveal.js deck of an executed notebook, as one HTML page with everything inlined.

    Raises
    ------
    SlidesError
        When the page would still fetch something (nbconvert's template changed).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
    ...     "# Title", metadata={"slideshow": {"slide_type": "slide"}})])
    >>> page = export_deck(nb, "title", load_assets())
    >>> "<h1" in page and "Reveal.initialize" in page, external_references(page)
    (True, [])
    """
    from nbconvert import SlidesExporter  # deferred: heavy, only needed when exporting

    exporter = SlidesExporter(extra_template_basedirs=[str(TEMPLATES)], template_name=TEMPLATE,
                              reveal_url_prefix=PLACEHOLDER, reveal_width=str(WIDTH),
                              reveal_height=str(HEIGHT), reveal_theme="white",
                              reveal_transition="none", embed_images=True,
                              exclude_input_prompt=True, exclude_output_prompt=True)
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name},
                                                         "eie_slides": assets})
    for what, css in (("reveal.css", assets["reveal_css"]), ("theme/white.css", assets["theme_css"])):
        link = re.compile(rf'<link\b[^>]*href="{PLACEHOLDER}/dist/{re.escape(what)}"[^>]*>')
        html, n = link.subn(lambda _m, css=css: f'<style type="text/css">\n{css}\n</style>', html)
        if n != 1:
            raise SlidesError(f"nbconvert's reveal template no longer links {what} once (found "
                              f"{n}); help: update export_deck in scripts/build_slides.py")
    fetched = external_references(html)
    if fetched:
        raise SlidesError(f"the deck of {name} would fetch {fetched[:5]} (needs a network or "
                          "files beside it); help: inline them in scripts/build_slides.py")
    return html


def external_references(html: str) -> list[str]:
    """What a page would fetch (scripts, style sheets, images, fonts) other than data: URIs.

    Links a person clicks (``<a href>``) do not count.

    Examples
    --------
    >>> external_references('<script src="https://cdn/x.js"></script><a href="https://x">x</a>')
    ['https://cdn/x.js']
    >>> external_references('<img src="data:image/png;base64,AAAA"><script>f("src=x")</script>')
    []
    """
    found = []
    for match in _FETCHED.finditer(_SCRIPT_BODY.sub(r"\1\2", html)):
        url = next(g for g in match.groups() if g is not None)
        if not url.startswith(("data:", "#")):
            found.append(url)
    return found


def build(notebooks: list[Path], out: Path = DEFAULT_OUT, executed: Path | None = None,
          timeout: int = 300, progress: bool | None = None) -> list[Path]:
    """Build one deck per notebook into ``out``; return the decks' paths.

    Parameters
    ----------
    notebooks : list of Path
        Lecture notebooks (see :func:`lecture_notebooks`).
    out : Path
        Output folder: ``<name>.html`` decks and ``executed/<name>.ipynb``.
    executed : Path, optional
        A folder of executed copies to take outputs from instead of executing.
    timeout : int
        Seconds a cell may run when executing.
    progress : bool, optional
        Progress bar over the notebooks; None follows ``EIE_LAB_PROGRESS``.

    Raises
    ------
    eie_lab.errors.ConfigError
        Bad arguments (checked before any work).
    SlidesError, eie_lab.errors.DataError
        A notebook fails, or an executed copy is missing or out of date.
    """
    import nbformat

    if not notebooks:
        raise ConfigError(fail_message("notebooks", notebooks, "must name at least one notebook"))
    if executed is not None and not Path(executed).is_dir():
        raise ConfigError(fail_message("executed", str(executed), "must be an existing folder "
                                       "of executed notebooks", "leave it out to execute them"))
    if not (isinstance(timeout, int) and timeout > 0):
        raise ConfigError(fail_message("timeout", timeout, "must be a positive whole number"))
    if executed is not None:  # every copy must be there and current before the first deck
        for path in notebooks:
            executed_copy(path, executed)
    assets = load_assets()
    out = Path(out)
    decks = []
    for path in track(notebooks, desc="slides", unit="deck", progress=progress):
        start = time.perf_counter()
        nb = with_outputs_of(path, executed) if executed is not None else execute(path, timeout)
        atomic_write_bytes(out / "executed" / path.name,
                           nbformat.writes(nb).encode("utf-8"))
        frozen, live = freeze_widgets(nb)
        frozen.metadata.setdefault("title", _title(nb, path.stem))
        html = export_deck(frozen, path.stem, assets)
        deck = atomic_write_bytes(out / f"{path.stem}.html", html.encode("utf-8"))
        decks.append(deck)
        note = f"; cells {live} keep a live-only note" if live else ""
        print(f"{deck} ({time.perf_counter() - start:.1f} s{note})", flush=True)
    return decks


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring); returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", nargs="+", default=None, metavar="NB",
                        help="notebooks or glob patterns (default: notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: build/slides)")
    parser.add_argument("--executed", type=Path, default=None, metavar="DIR",
                        help="take outputs from DIR/<name>.ipynb instead of executing")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (300)")
    args = parser.parse_args(argv)
    try:
        decks = build(lecture_notebooks(args.notebooks), args.out, args.executed, args.timeout)
    except EieLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(decks)} deck(s) in {args.out}: open one in a browser (no network needed); "
          "S opens the speaker view")
    return 0


if __name__ == "__main__":
    sys.exit(main())
