"""Lecture mode (issue 17): the slide-rule checker, the deck builder and `make slides`.

* The checker (``scripts/check_slides.py``) on small hand-made notebooks, honest and hostile.
* The deck builder (``scripts/build_slides.py``) on a hand-made executed notebook: one leaf
  ``<section>`` per slide, nothing fetched from a network, widgets frozen.
* Every committed lecture follows the slide rules (static rules on the committed notebook, the
  output rule on its executed copy).
* ``make slides EXECUTED=<the harness's executed lectures>`` builds every deck (conftest's
  ``lecture_decks``; these tests run after the notebook harness).
"""

from __future__ import annotations

import doctest
import html
import json
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eie_lab.errors import ConfigError, DataError
from eie_lab.viz.widgets import STATIC_NOTE

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_slides  # noqa: E402
import check_slides  # noqa: E402
from check_slides import WIDGET_MIME, check_notebook, expected_sections  # noqa: E402

LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
PNG = "iVBORw0KGgo="


def _ids(paths):
    return [p.name for p in paths]


def _md(text: str, kind: str | None):
    meta = {"slideshow": {"slide_type": kind}} if kind is not None else {}
    return nbformat.v4.new_markdown_cell(text, metadata=meta)


def _code(text: str, kind: str | None, *outputs):
    meta = {"slideshow": {"slide_type": kind}} if kind is not None else {}
    cell = nbformat.v4.new_code_cell(text, metadata=meta)
    cell.outputs = list(outputs)
    return cell


def _notes(text: str = "- the point\n- the second point [EIE Table I]"):
    return _md("**Speaker notes.**\n\n" + text, "notes")


def _out(data: dict):
    return nbformat.v4.new_output("display_data", data=data)


def _stream(text: str, name: str = "stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def _honest():
    """A small lecture that follows every rule (with outputs, as executed)."""
    return nbformat.v4.new_notebook(cells=[
        _md("# 99 · A lecture\n\nWhat it is about.", "slide"),
        _notes("- why this lecture\n- what to ask [DC §3]"),
        _code("import numpy as np\nSEED = 0", "skip",
              _stream("UserWarning: something\n", "stderr"), _stream("ready\n")),
        _code("train()", "skip", _out({WIDGET_MIME: {"model_id": "b"},
                                       "text/plain": "train: 100%|####| 9/9 [00:01<00:00]"})),
        _md("## 1 · A step\n\n**Predict, then run.** How many padding entries?", "slide"),
        _code("print(encode())", "fragment", _stream("4 padding entries\n")),
        _md("<details><summary>Answer</summary>\n\nFour.\n</details>", "-"),
        _notes("- the gap of 18 needs four\n- ask first [EIE §III-B, Fig. 3]"),
        _md("A second step, on a subslide (see `x?` and https://x.org/?a=1).", "subslide"),
        _code("plot()", "-", _out({"image/png": PNG, "text/plain": "<Figure>"})),
        _md("**Check yourself.** Why?", "-"),
        _md("<details><summary>Answer</summary>\n\nBecause.\n</details>", "fragment"),
    ])


def _rules(nb) -> list[str]:
    return sorted(p.rule for p in check_notebook(nb, "t"))


def test_script_doctests():
    for module in (check_slides, build_slides):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert result.attempted > 0 and result.failed == 0, (module.__name__, result)


def test_an_honest_lecture_passes():
    assert check_notebook(_honest(), "honest") == []


def test_every_cell_needs_a_known_slide_type():
    nb = _honest()
    del nb.cells[3].metadata["slideshow"]
    nb.cells[5].metadata["slideshow"]["slide_type"] = "Fragment"
    problems = [p for p in check_notebook(nb, "t") if p.rule == "slide-type"]
    assert [p.cell for p in problems] == [3, 5]
    assert "'Fragment'" in str(problems[1]) and "help:" in str(problems[1])


@pytest.mark.parametrize("first", [
    _md("# 99 · A lecture", "subslide"), _md("## 99 · A lecture", "slide"),
    _md("A lecture", "slide"), _code("# 99 · A lecture", "slide")])
def test_cell_0_is_the_title_slide(first):
    nb = _honest()
    nb.cells[0] = first
    assert "title" in _rules(nb)


@pytest.mark.parametrize("output, what", [
    (_out({"image/png": PNG, "text/plain": "<Figure>"}), "a figure"),
    (_out({"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "df"}), "a table"),
    (_out({WIDGET_MIME: {"model_id": "m"}, "text/plain": "IntSlider(value=3)"}), "a widget"),
    (nbformat.v4.new_output("execute_result", data={"text/plain": "0.017"}), "a value"),
    (_stream("baseline error: 1.64 %\n"), "a printed number"),
    (nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[]), "an error"),
])
def test_a_skipped_code_cell_shows_nothing_a_slide_needs(output, what):
    nb = _honest()
    nb.cells[2].outputs.append(output)
    problems = [p for p in check_notebook(nb, "t") if p.rule == "skip-output"]
    assert len(problems) == 1 and problems[0].cell == 2 and what in problems[0].message


def test_skipped_cells_may_warn_log_and_show_progress():
    """stderr, stdout without a digit and a progress bar's widget are allowed (see docstring)."""
    nb = _honest()
    nb.cells[2].outputs += [_stream("9 warnings\n", "stderr"), _stream("MNIST found\n")]
    assert check_notebook(nb, "t") == []


@pytest.mark.parametrize("text", [
    "Which layer is slower? Think first.", "<details><summary>A</summary>x</details>",
    "**Predict, then run.** How many cycles?"])
def test_a_skipped_markdown_cell_holds_no_question(text):
    nb = _honest()
    nb.cells.insert(3, _md(text, "skip"))
    assert "skip-question" in _rules(nb)


def test_question_marks_in_code_math_and_links_are_not_questions():
    nb = _honest()
    nb.cells.insert(3, _md("Set-up: `x?` and $a?b$ and https://x.org/?q=1 here.", "skip"))
    assert check_notebook(nb, "t") == []


def test_predict_then_run_answers_are_fragments():
    nb = _honest()
    nb.cells[5].metadata["slideshow"]["slide_type"] = "-"  # the answering code shows at once
    nb.cells[6].metadata["slideshow"]["slide_type"] = "subslide"  # the <details> on its own slide
    problems = check_notebook(nb, "t")
    assert [(p.cell, p.rule) for p in problems] == [(5, "predict"), (6, "answer-fragment")]


def test_the_predict_question_is_on_the_slide():
    nb = _honest()
    nb.cells[4].metadata["slideshow"]["slide_type"] = "fragment"
    assert "predict" in _rules(nb)


def test_a_details_answer_continuing_a_fragment_is_hidden_until_the_key_press():
    nb = _honest()
    nb.cells[11].metadata["slideshow"]["slide_type"] = "-"  # after "-" question: shown at once
    assert _rules(nb) == ["answer-fragment"]
    nb.cells[10].metadata["slideshow"]["slide_type"] = "fragment"  # question itself a fragment
    assert check_notebook(nb, "t") == []  # the answer continues that fragment


@pytest.mark.parametrize("notes, lack", [
    (None, "no speaker notes"),
    (_notes("- one point\n- another point"), "citation"),
    (_notes("- only one point [EIE Table II]"), "2-5 talking points (found 1"),
    (_notes("".join(f"- point {i}\n" for i in range(6)) + "[DC Table 9]"), "found 6"),
    (_md("- one\n- two [EIE Table II]", "notes"), "no speaker notes"),  # no header
    (_md("**Speaker notes.**\n\n- one\n- two [EIE Table II]", "skip"), "no speaker notes"),
])
def test_every_slide_section_has_speaker_notes_with_a_citation(notes, lack):
    nb = _honest()
    nb.cells[7] = notes if notes is not None else _md("More text.", "-")
    problems = [p for p in check_notebook(nb, "t") if p.rule == "notes"]
    assert len(problems) == 1 and problems[0].cell == 4 and lack in problems[0].message


def test_notes_may_be_paragraphs():
    nb = _honest()
    nb.cells[7] = _notes("Ask first.\n\nThen show the printout [EIE §III-B].")
    assert check_notebook(nb, "t") == []


def test_code_lines_on_slides_fit_the_slide_width():
    """A code line over MAX_CODE_LINE characters on a slide is reported (line and length); one
    of exactly MAX_CODE_LINE is fine, and a skipped cell may hold longer lines."""
    limit = check_slides.MAX_CODE_LINE
    nb = _honest()
    nb.cells[5].source = "x = 1\n" + "print(" + "1" * (limit - 7) + ")"  # exactly the limit
    nb.cells[2].source += "\n# " + "set-up " * 40  # skipped: never on a slide
    assert check_notebook(nb, "t") == []
    nb.cells[9].source = "plot()\n\nprint(" + "2" * (limit - 6) + ")"  # one character over
    problems = check_notebook(nb, "t")
    assert [(p.cell, p.rule) for p in problems] == [(9, "line-length")]
    assert f"line 3 ({limit + 1} characters)" in problems[0].message
    assert "help:" in problems[0].message


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 160), min_size=1, max_size=6),
       st.sampled_from(["slide", "subslide", "fragment", "-", "skip"]))
def test_line_length_reports_exactly_the_long_lines(lengths, kind):
    nb = _honest()
    nb.cells[9] = _code("\n".join("#" * n for n in lengths), kind)
    long = [f"line {i} ({n} characters)" for i, n in enumerate(lengths, 1)
            if n > check_slides.MAX_CODE_LINE]
    got = [p.message for p in check_notebook(nb, "t") if p.rule == "line-length"]
    if kind == "skip" or not long:
        assert got == []
    else:
        assert len(got) == 1 and got[0].startswith(", ".join(long) + " longer than")


_KINDS = st.sampled_from(["slide", "subslide", "fragment", "skip", "notes", "-", None])


@settings(max_examples=25, deadline=None)
@given(st.lists(_KINDS, min_size=1, max_size=8))
def test_expected_sections_is_what_the_reveal_exporter_makes(kinds):
    from nbconvert import SlidesExporter

    nb = nbformat.v4.new_notebook(cells=[_md(f"cell {i}", k) for i, k in enumerate(kinds)])
    expected = expected_sections(nb)
    if expected == 0:
        with pytest.raises(ValueError, match="hidden"):
            SlidesExporter().from_notebook_node(nb)
        return
    page, _ = SlidesExporter().from_notebook_node(nb)
    assert _leaf_sections(page) == expected


class _Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open <section>: has a child section
        self.leaves = 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            if self.stack:
                self.stack[-1] = True
            self.stack.append(False)

    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.leaves += not self.stack.pop()


def _leaf_sections(page: str) -> int:
    parser = _Sections()
    parser.feed(page)
    return parser.leaves


# ------------------------------------------------------------------------------ deck builder
def _write_pair(tmp_path: Path, nb) -> tuple[Path, Path]:
    """The notebook (no outputs) and its executed copy in tmp_path/executed."""
    src = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for cell in src.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    path = tmp_path / "99_lecture.ipynb"
    nbformat.write(src, path)
    (tmp_path / "executed").mkdir(exist_ok=True)
    nbformat.write(nb, tmp_path / "executed" / path.name)
    return path, tmp_path / "executed"


def test_a_deck_from_an_executed_copy(tmp_path):
    nb = _honest()
    nb.cells[9].outputs.append(_out({WIDGET_MIME: {"model_id": "m"}, "text/plain": "Play()"}))
    nb.cells.append(_md("Formula $z_{\\max} = 2^b - 1$ and [a link](https://example.org).", "-"))
    path, executed = _write_pair(tmp_path, nb)
    [deck] = build_slides.build([path], tmp_path / "out", executed=executed, progress=False)
    page = deck.read_text(encoding="utf-8")
    assert deck.name == "99_lecture.html"
    assert _leaf_sections(page) == expected_sections(nb) == 3
    assert build_slides.external_references(page) == []
    assert WIDGET_MIME not in page and "train: 100%" not in page  # progress bar dropped
    assert html.escape(build_slides.LIVE_ONLY_NOTE, quote=False) in page  # the Play widget
    assert "Reveal.initialize" in page and "width: 1280" in page and "height: 720" in page
    assert '<aside class="notes">' in page and "Speaker notes." in page
    assert "z_{\\max}" in page and "MathJax" in page
    assert (tmp_path / "out" / "executed" / path.name).is_file()


def test_an_out_of_date_executed_copy_is_refused_before_any_deck(tmp_path):
    path, executed = _write_pair(tmp_path, _honest())
    nb = nbformat.read(path, as_version=4)
    nb.cells[5].source = "print(encode(bits=2))"  # the lecture changed since it was executed
    nbformat.write(nb, path)
    with pytest.raises(DataError, match="out of date"):
        build_slides.build([path], tmp_path / "out", executed=executed, progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kwargs, match", [
    ({"executed": Path("/nonexistent/folder")}, "executed"),
    ({"timeout": 0}, "timeout"),
])
def test_build_checks_its_arguments_first(tmp_path, kwargs, match):
    path, _ = _write_pair(tmp_path, _honest())
    with pytest.raises(ConfigError, match=match):
        build_slides.build([path], tmp_path / "out", **kwargs)
    with pytest.raises(ConfigError, match="notebooks"):
        build_slides.lecture_notebooks(["notebooks/no_such_*.ipynb"])


def test_the_command_line_reports_errors_without_a_traceback(tmp_path, capsys):
    assert build_slides.main(["--notebooks", "notebooks/no_such_*.ipynb"]) == 1
    assert "error: notebooks=" in capsys.readouterr().err
    path, _ = _write_pair(tmp_path, _honest())
    assert check_slides.main([str(path)]) == 0
    assert check_slides.main([str(path), "--executed", str(tmp_path / "none")]) == 2


def test_the_vendored_files_are_committed():
    """A fresh clone builds decks offline: every inlined file and its licence is tracked by git
    (an ignore rule such as 'dist/' once kept reveal.js's files out)."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = set(subprocess.run(["git", "ls-files", "scripts/slides_assets"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout.split())
    needed = {str(p.relative_to(ROOT)) for p in build_slides.ASSET_FILES.values()}
    needed |= {"scripts/slides_assets/reveal.js/LICENSE", "scripts/slides_assets/mathjax/LICENSE",
               "scripts/slides_assets/templates/eie_reveal/index.html.j2",
               "scripts/slides_assets/templates/eie_reveal/conf.json"}
    assert needed <= tracked, f"not in git: {sorted(needed - tracked)}"


# ------------------------------------------------------------------------- the real lectures
@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_lecture_follows_the_slide_rules(path):
    """Static rules on the committed notebook (the output rule is checked on its executed copy)."""
    problems = check_slides.check_file(path)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(map(str, problems))


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_lecture_skipped_cells_show_nothing(path, lecture_decks, executed_lectures):
    problems = [p for p in check_slides.check_file(path, executed_lectures)
                if p.rule == "skip-output"]
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.notebook
@pytest.mark.slow
def test_make_slides_builds_every_deck(lecture_decks, executed_lectures):
    proc, out = lecture_decks
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    for path in LECTURES:
        deck = out / f"{path.stem}.html"
        assert deck.is_file(), f"no deck for {path.name}:\n{proc.stdout[-2000:]}"
        page = deck.read_text(encoding="utf-8")
        nb = build_slides.with_outputs_of(path, executed_lectures)
        assert _leaf_sections(page) == expected_sections(nb), path.name
        assert build_slides.external_references(page) == [], path.name
        # nothing needs a kernel: every widget was an eie-lab view showing its static frame
        assert WIDGET_MIME not in page, path.name
        assert html.escape(build_slides.LIVE_ONLY_NOTE, quote=False) not in page, path.name
    animation = out / "07_cycle_animation.html"
    if ROOT / "notebooks" / animation.with_suffix(".ipynb").name in LECTURES:
        page = animation.read_text(encoding="utf-8")
        assert "eie-frame" in page, "notebook 07's deck shows no animation frame"
        assert html.escape(STATIC_NOTE, quote=False) in page, "no note under the static frame"
