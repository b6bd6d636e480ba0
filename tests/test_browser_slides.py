"""Lecture mode in a real browser: the static decks fit 1280x720 offline, and RISE plays live.

* :func:`test_every_deck_fits_1280x720_offline` opens every deck that ``make slides`` built in
  this session (conftest's ``lecture_decks``, from the notebook harness's executed lectures) as a
  ``file://`` page in Chromium at a 1280x720 viewport with every network request refused, and
  measures each slide with the Reveal.js API: no slide's content may be taller than the 720 px
  frame. All offenders are reported (deck, slide index,
  height) and the numbers go to ``test-artifacts/slides_heights.json``.
* :func:`test_notebook_07_plays_in_rise` opens notebook 07 in JupyterLab, runs it, starts RISE
  (command "RISE: Slideshow", Alt+R), advances to the animation's slide, presses Play and checks
  that the cycle counter advances inside the slide.

The measurement is a command line too, for whoever fits a notebook to its slides::

    .venv/bin/python tests/test_browser_slides.py build/slides/07_cycle_animation.html [...]

prints every slide's height (``*`` marks the ones over 720 px) and exits 1 when one is too tall
(no argument: every deck in ``build/slides/``).
Browser rules as in tests/test_browser.py (Debian's Chromium, ``EIE_LAB_REQUIRE_BROWSER=1``).
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest

if __name__ == "__main__":  # the command line: make `tests._browser` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests._browser import ARTIFACTS, lab_server, launch, open_and_run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "07_cycle_animation.ipynb"
DECKS = ROOT / "build" / "slides"
WIDTH, HEIGHT = 1280, 720

# Every leaf slide's content height in reveal.js's own (unscaled) pixels, once MathJax has
# typeset and every image has loaded. A slide is shown (Reveal.slide) before it is measured:
# reveal.js lays out only the slides near the present one.
_MEASURE = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    await Promise.all([...document.images].map(i => i.complete ? null
        : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
    if (!Reveal.isReady()) await new Promise(r => Reveal.on('ready', r));
    Reveal.configure({transition: 'none', viewDistance: 1000});
    const config = Reveal.getConfig();
    const out = [];
    Reveal.getSlides().forEach((s, n) => {
        const ix = Reveal.getIndices(s);
        Reveal.slide(ix.h, ix.v);
        const head = s.querySelector('h1, h2, h3, h4');
        out.push({n: n, h: ix.h, v: ix.v, height: Math.ceil(s.scrollHeight),
                  width: Math.ceil(s.scrollWidth),
                  title: head ? head.textContent.replace('¶', '').trim().slice(0, 70) : ''});
    });
    Reveal.slide(0, 0);
    return {width: config.width, height: config.height, slides: out,
            mathjax_errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length};
}"""


def measure_decks(decks: list[Path], pw, shots: Path | None = None) -> dict[str, dict]:
    """Open each deck offline at 1280x720 and measure its slides (see the module docstring).

    Returns, per deck name: the reveal config size, every slide's ``{n, h, v, height, width,
    title}``, the requests that were refused (a deck must need none) and page errors.
    """
    results = {}
    browser = launch(pw)
    try:
        for deck in decks:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            refused, errors = [], []
            page.route(re.compile(r"^(?!file:|data:|about:|blob:)"),
                       lambda route, refused=refused: (refused.append(route.request.url),
                                                       route.abort()))
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            try:
                page.goto(deck.resolve().as_uri())
                page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
                got = page.evaluate(_MEASURE)
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f"deck_{deck.stem}.png"))
            finally:
                page.close()
            results[deck.stem] = {**got, "refused": refused, "errors": errors}
    finally:
        browser.close()
    return results


def speaker_notes(deck: Path, pw) -> str:
    """The notes the speaker view (key S) shows for the deck's first slide with notes, offline."""
    browser = launch(pw)
    try:
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        context.route(re.compile(r"^(?!file:|data:|about:|blob:)"), lambda route: route.abort())
        page = context.new_page()
        page.goto(deck.resolve().as_uri())
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
        page.evaluate("""() => {
            const s = Reveal.getSlides().find(s => s.querySelector(':scope > aside.notes'));
            if (s) { const ix = Reveal.getIndices(s); Reveal.slide(ix.h, ix.v); }
        }""")
        with context.expect_page(timeout=15_000) as opened:
            page.keyboard.press("s")
        view = opened.value
        notes = view.locator(".speaker-controls-notes")
        notes.wait_for(timeout=15_000)
        view.wait_for_function("() => document.querySelector('.speaker-controls-notes')"
                               ".innerText.trim().length > 'NOTES'.length", timeout=15_000)
        return notes.inner_text()
    finally:
        browser.close()


def too_tall(results: dict[str, dict], limit: int = HEIGHT) -> list[str]:
    """One line per slide taller than ``limit`` px: deck, slide index (h/v), height, title.

    Examples
    --------
    >>> too_tall({"07": {"slides": [{"n": 3, "h": 2, "v": 1, "height": 800, "title": "T"}]}})
    ['07 slide 3 (2/1): 800 px > 720 px  T']
    """
    return [f"{name} slide {s['n']} ({s['h']}/{s['v']}): {s['height']} px > {limit} px  {s['title']}"
            for name, got in results.items() for s in got["slides"] if s["height"] > limit]


@pytest.mark.browser
@pytest.mark.slow
def test_every_deck_fits_1280x720_offline(sync_playwright, lecture_decks):
    proc, out = lecture_decks
    decks = sorted(out.glob("*.html"))
    assert proc.returncode == 0 and decks, proc.stderr[-3000:]
    with sync_playwright() as pw:
        results = measure_decks(decks, pw, shots=ARTIFACTS)
        notes = speaker_notes(decks[0], pw)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "slides_heights.json").write_text(json.dumps(results, indent=1))
    for name, got in results.items():
        assert (got["width"], got["height"]) == (WIDTH, HEIGHT), (name, got["width"])
        assert got["slides"], f"{name}: no slides"
        assert not got["refused"], f"{name} asked the network for {got['refused'][:5]}"
        assert not got["errors"], f"{name}: page errors {got['errors'][:3]}"
        assert got["mathjax_errors"] == 0, f"{name}: {got['mathjax_errors']} formulas failed"
    assert "Speaker notes." in notes, f"{decks[0].name}: the speaker view shows {notes[:200]!r}"
    offenders = too_tall(results)
    assert not offenders, (f"{len(offenders)} slide(s) taller than {HEIGHT} px:\n"
                           + "\n".join(offenders))


# ------------------------------------------------------------------------------- RISE, live
# The leaf slide on show (reveal.js marks the present slide and its stack with .present).
_PRESENT = """() => {
    const s = [...document.querySelectorAll('.reveal .slides section.present')].pop();
    if (!s) return null;
    const a = s.querySelector('.eie-cycle-animator svg.eie-frame');
    const box = a ? a.getBoundingClientRect() : null;
    return {text: (s.innerText || '').trim().slice(0, 60), animator: !!a,
            visible: !!box && box.width > 0 && box.top < innerHeight && box.bottom > 0};
}"""
_ANIMATOR = ".reveal .slides section.present .eie-cycle-animator"


def _start_rise(page, context):
    """Run RISE's command "Open as Reveal Slideshow" (RISE:slideshow) from the command palette;
    the slideshow opens in a new tab, as for a lecturer."""
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Shift+c")
    page.keyboard.type("Open as Reveal Slideshow")
    page.locator(".lm-CommandPalette-item", has_text="Open as Reveal Slideshow").first.wait_for()
    with context.expect_page() as opened:
        page.keyboard.press("Enter")
    rise = opened.value
    rise.set_default_timeout(30_000)
    rise.wait_for_selector(".reveal .slides section.present")
    return rise


def _advance_to_the_animation(rise, presses: int = 60) -> list[str]:
    """Press Space (next slide or fragment) until the present slide shows a live animator."""
    seen = []
    for _ in range(presses):
        now = rise.evaluate(_PRESENT)
        seen.append(now["text"] if now else "")
        if now and now["animator"] and now["visible"]:
            return seen
        rise.keyboard.press("Space")
        rise.wait_for_timeout(250)
    return seen


@pytest.mark.browser
@pytest.mark.slow
def test_notebook_07_plays_in_rise(sync_playwright, tmp_path):
    """The lecture flow: run notebook 07 in JupyterLab, open it in RISE, go to the animation's
    slide, press Play: the cycle counter advances inside the slide."""
    ARTIFACTS.mkdir(exist_ok=True)
    logs: list[str] = []
    with lab_server([NOTEBOOK], tmp_path) as (base, token), sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        context.on("console", lambda m: logs.append(f"{m.type}: {m.text[:200]}"))
        page = context.new_page()
        rise = None
        try:
            open_and_run(page, base, token, NOTEBOOK.name)
            rise = _start_rise(page, context)
            seen = _advance_to_the_animation(rise)
            assert rise.evaluate(_PRESENT)["animator"], (
                "no slide of RISE shows a live animator (slides seen: "
                f"{seen[:12]}); the widget front end may not load in RISE (jupyterlab-rise "
                "0.43 runs extensions built for JupyterLab <= 4.3: jupyterlab_widgets 3.0.10). "
                "Console: " + "; ".join(m for m in logs if "Failed" in m)[:800])
            assert len(seen) > 1, "the animation should not be on the title slide"
            animator = rise.locator(_ANIMATOR).first
            counter = animator.locator("svg.eie-frame tspan.cycle-counter").first
            start = int(counter.get_attribute("data-cycle"))
            animator.locator(".widget-play button").first.click()
            cycles, deadline = {start}, time.monotonic() + 20
            while time.monotonic() < deadline and len(cycles) < 4:
                rise.wait_for_timeout(100)
                cycles.add(int(rise.locator(_ANIMATOR).first.locator(
                    "svg.eie-frame tspan.cycle-counter").first.get_attribute("data-cycle")))
            rise.screenshot(path=str(ARTIFACTS / "rise_07_animation.png"))
            assert rise.evaluate(_PRESENT)["animator"], "the slide changed while playing"
            assert len(cycles) >= 4, f"the cycle counter did not advance in RISE: {sorted(cycles)}"
        except Exception:
            (rise or page).screenshot(path=str(ARTIFACTS / "rise_07_failure.png"))
            raise
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    """Command line: measure decks, print every slide's height, exit 1 if one is too tall."""
    argv = sys.argv[1:] if argv is None else argv
    decks = [Path(a) for a in argv] or sorted(DECKS.glob("*.html"))
    missing = [str(d) for d in decks if not d.is_file()]
    if not decks or missing:
        print(f"no deck {missing or str(DECKS / '*.html')}: run `make slides` first",
              file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        results = measure_decks(decks, pw)
    for name, got in results.items():
        print(f"{name}: {len(got['slides'])} slides")
        for s in got["slides"]:
            mark = "*" if s["height"] > HEIGHT else " "
            print(f" {mark} {s['n']:3d} ({s['h']}/{s['v']}) {s['height']:5d} px  {s['title']}")
        for what in ("refused", "errors", "mathjax_errors"):
            if got[what]:
                print(f"   {what}: {got[what] if what == 'mathjax_errors' else got[what][:5]}")
    offenders = too_tall(results)
    print(f"{len(offenders)} slide(s) taller than {HEIGHT} px" + (":" if offenders else ""))
    for line in offenders:
        print("  " + line)
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main())
