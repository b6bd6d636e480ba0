"""README "Teaching with eie-lab": the lecture table agrees with the notebooks it describes.

Each row names a lecture, its number of slides (``slide`` + ``subslide`` cells: what a presenter
steps through left-right and down), its questions (markdown cells holding a ``<details>`` answer),
the suggested lecture time and its lab. The suggested time is the README's stated rule,
:func:`suggested_minutes`, recomputed here so that the table cannot drift from the notebooks.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
_ROW = re.compile(r"^\|\s*`(\d\d_[a-z0-9_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|(.*)\|\s*$")


def counts(path: Path) -> tuple[int, int]:
    """(slides, questions) of a lecture notebook."""
    nb = nbformat.read(path, as_version=4)
    kinds = [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in nb.cells]
    slides = sum(kind in ("slide", "subslide") for kind in kinds)
    questions = sum(len(re.findall(r"<details\b", c.source, re.I))
                    for c in nb.cells if c.cell_type == "markdown")
    return slides, questions


def suggested_minutes(slides: int, questions: int) -> int:
    """The README's rule: 1.5 min per slide plus 2 min per question, rounded up to 5 min.

    >>> suggested_minutes(20, 4)
    40
    """
    return 5 * math.ceil((1.5 * slides + 2 * questions) / 5)


def readme_rows() -> dict[str, tuple[int, int, int, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Teaching with eie-lab", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = _ROW.match(line)
        if m:
            rows[m[1]] = (int(m[2]), int(m[3]), int(m[4]), m[5])
    return rows


def expected_table() -> str:
    """The rows as they should read (printed when the test fails, to paste into the README)."""
    lines = []
    for path in LECTURES:
        s, q = counts(path)
        lines.append(f"| `{path.stem}` | {s} | {q} | {suggested_minutes(s, q)} |")
    return "\n".join(lines)


def test_the_readme_has_a_teaching_section_with_every_lecture():
    rows = readme_rows()
    assert sorted(rows) == [p.stem for p in LECTURES], (
        "README 'Teaching with eie-lab' must list every lecture once; expected rows:\n"
        + expected_table())


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_slide_and_question_counts_match_the_notebook(path):
    row = readme_rows().get(path.stem)
    assert row is not None, f"{path.stem} missing from the README table:\n{expected_table()}"
    s, q = counts(path)
    assert row[:3] == (s, q, suggested_minutes(s, q)), (
        f"{path.stem}: README says {row[:3]}, the notebook gives {(s, q, suggested_minutes(s, q))}"
        f"; rows as they should read:\n{expected_table()}")
    assert s >= 5 and q >= 1, f"{path.stem}: a lecture needs slides and at least one question"


def test_the_rule_is_stated_in_the_readme():
    section = README.read_text(encoding="utf-8").split("## Teaching with eie-lab", 1)[1]
    assert "1.5 min per slide" in section and "2 min per question" in section
