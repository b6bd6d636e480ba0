"""Lecture mode in a real browser: the static decks fit 1280x720 offline, and RISE plays live.

* :func:`test_every_deck_fits_1280x720_offline` opens every deck that ``make slides`` built in
  this session (conftest's ``lecture_decks``, from the notebook harness's executed lectures) as a
  ``file://`` page in Chromium at a 1280x720 viewport with every network request refused, and
  measures each slide with the Reveal.js API: no slide's content may be taller than the 720 px
  frame, and nothing on it may be cut off or hidden sideways. All offenders are reported (deck,
  slide index, height or overflow) and the numbers go to ``test-artifacts/slides_heights.json``.
* :func:`test_notebook_07_plays_in_rise` opens notebook 07 in JupyterLab, runs it, starts RISE
  (command "RISE: Slideshow", Alt+R), advances to the animation's slide, presses Play and checks
  that the cycle counter advances inside the slide.

What counts as a sideways overflow (:func:`too_wide`; lengths in the slide's own pixels, with
:data:`SLACK_PX` of slack):

* a line of a ``<pre>`` (code input: reveal's ``.jp-InputArea`` clips it, ``overflow: hidden``),
  any other text, or an image, svg, canvas, table, formula or widget whose right edge passes
  the inner right edge of the nearest ancestor that clips ("cut off") or scrolls ("scrolls":
  a scroll bar, the rest hidden until the lecturer scrolls; a wide DataFrame-like table in a
  scrolling output counts), or the 1280 px slide ("past the slide edge");
* an element wider than the slide ("wider than the slide");
* a code block (``pre``, ``.jp-InputArea``, ``.jp-OutputArea``, ``.jp-OutputArea-output``) or
  any scrolling element whose ``scrollWidth`` exceeds its ``clientWidth`` ("wider than its box").

Text outputs and markdown ``<pre>`` wrap (``white-space: pre-wrap``): they grow taller, which the
height check sees. Deliberate sideways scrollers are excluded explicitly, by class
(:data:`DELIBERATE_SCROLLERS`): FramePlayer's static view (``.eie-frame-row``) shows its frames
side by side in a row that scrolls on purpose; what it hides past its own edge is not reported
(the row itself must still fit the slide).

The measurement is a command line too, for whoever fits a notebook to its slides::

    .venv/bin/python tests/test_browser_slides.py build/slides/07_cycle_animation.html [...]

prints every slide's height (``*`` marks the ones over 720 px, ``>`` the ones with a sideways
overflow), then the slides too tall and every overflow (deck, slide, how, px, the line's first
characters), and exits 1 when there is one (no argument: every deck in ``build/slides/``).
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

#: Classes of elements that scroll sideways on purpose: what they hide past their own right edge
#: is not an overflow (the element itself must still fit the slide). FramePlayer's static view
#: (``eie_lab.viz.widgets.FramePlayer.static_html``) puts every frame in one such row.
DELIBERATE_SCROLLERS = ("eie-frame-row",)
#: Pixels of slack before something counts as cut off or too wide (sub-pixel layout, borders).
SLACK_PX = 2

# (slide, width, slack, deliberate classes) -> [{what, px, text}]: everything on the slide that
# the frame does not show. Each piece of content (a line of a <pre>, any other text node, an image, svg, canvas, table,
# formula, widget) is compared with its visible right edge: the slide's width, or the inner
# right edge of the nearest ancestor that clips (overflow hidden/clip: "cut off") or scrolls
# (overflow auto/scroll: "scrolls", hidden until the lecturer scrolls), if that is nearer.
# Then every element wider than the slide, and every code block (pre, .jp-InputArea,
# .jp-OutputArea, .jp-OutputArea-output) whose scrollWidth exceeds its clientWidth, if no line
# of it was reported already. Nothing inside a DELIBERATE_SCROLLERS element is checked against
# that element's edge. Lengths are in the slide's own (unscaled) pixels.
_OVERFLOW = """(s, W, SLACK, DELIBERATE) => {
    const scale = Reveal.getScale(), sr = s.getBoundingClientRect();
    const x = v => (v - sr.left) / scale;
    const deliberate = e => DELIBERATE.some(c => e.classList && e.classList.contains(c));
    const found = [], seen = new Set();
    // the nearest right edge that hides content of `node`: [edge, how] (null: not checked)
    const edge = node => {
        let right = W, how = 'past the slide edge';
        for (let a = node.parentElement; a && a !== s; a = a.parentElement) {
            if (deliberate(a)) return null;
            const ox = getComputedStyle(a).overflowX;
            if (ox === 'visible') continue;
            const r = x(a.getBoundingClientRect().left) + a.clientLeft + a.clientWidth;
            if (r < right) { right = r; how = (ox === 'auto' || ox === 'scroll')
                                                 ? 'scrolls' : 'cut off'; }
        }
        return [right, how];
    };
    // what a finding belongs to: its output, else its cell, else the slide's child holding it
    const block = e => {
        const cell = e.closest('.jp-OutputArea-output, .jp-Cell');
        if (cell) return cell;
        while (e.parentElement && e.parentElement !== s) e = e.parentElement;
        return e;
    };
    const report = (node, right, text, owner) => {
        const lim = edge(node);
        if (!lim || right <= lim[0] + SLACK) return;
        const key = text + '|' + lim[1];
        if (seen.has(key)) return;
        seen.add(key);
        found.push({what: lim[1], px: Math.ceil(right - lim[0]),
                    text: text.replace(/\\s+/g, ' ').trim().slice(0, 60), block: owner});
    };
    const reported = new Set();
    const mark = e => { reported.add(block(e)); return block(e); };
    // 1. every line of every <pre>
    s.querySelectorAll('pre').forEach(pre => {
        const walk = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let line = '', start = null, node, last = null;
        const close = (endNode, endOff) => {
            if (start && line.trim()) {
                range.setStart(start[0], start[1]); range.setEnd(endNode, endOff);
                const rects = [...range.getClientRects()];
                if (rects.length) {
                    const n0 = found.length;
                    report(start[0], x(Math.max(...rects.map(r => r.right))), line, block(pre));
                    if (found.length > n0) mark(pre);
                }
            }
            line = '';
        };
        while ((node = walk.nextNode())) {
            last = node;
            let i = 0;
            if (!start) start = [node, 0];
            for (let k = node.data.indexOf('\\n'); k >= 0; k = node.data.indexOf('\\n', i)) {
                line += node.data.slice(i, k);
                close(node, k);
                i = k + 1;
                start = [node, i];
            }
            line += node.data.slice(i);
        }
        if (last) close(last, last.data.length);
    });
    // 2. every other text node, 3. atomic content
    const walk = document.createTreeWalker(s, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let node;
    while ((node = walk.nextNode())) {
        const p = node.parentElement;
        if (!node.data.trim() || !p
            || p.closest('pre, table, aside.notes, mjx-container, svg, .jupyter-widgets')) continue;
        range.selectNodeContents(node);
        const rects = [...range.getClientRects()];
        if (!rects.length) continue;
        const n0 = found.length;
        report(node, x(Math.max(...rects.map(r => r.right))), p.textContent, block(p));
        if (found.length > n0) mark(p);
    }
    const ATOMS = ['img', 'svg', 'canvas', 'video', 'iframe', 'table', 'mjx-container',
                   '.jupyter-widgets', ...DELIBERATE.map(c => '.' + c)];
    s.querySelectorAll(ATOMS.join(', ')).forEach(e => {
        if (e.closest('aside.notes') || (e.tagName.toLowerCase() === 'svg'
                                         && e.parentElement.closest('svg'))) return;
        const r = e.getBoundingClientRect();
        if (!r.width) return;
        const n0 = found.length;
        const label = '<' + e.tagName.toLowerCase() + '> '
                      + (e.innerText || e.textContent || e.getAttribute('alt') || '');
        report(e, x(r.right), label, block(e));
        if (found.length > n0) mark(e);
    });
    // 4. elements wider than the slide (the outermost one), 5. code blocks with a scrollbar
    s.querySelectorAll('*').forEach(e => {
        if (e.closest('aside.notes') || reported.has(block(e))) return;
        const wide = e.getBoundingClientRect().width / scale;
        const parent = e.parentElement;
        if (wide > W + SLACK && edge(e) !== null
                && (parent === s || parent.getBoundingClientRect().width / scale <= W + SLACK)) {
            found.push({what: 'wider than the slide', px: Math.ceil(wide - W),
                        text: '<' + e.tagName.toLowerCase() + '> '
                              + (e.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60),
                        block: mark(e)});
        }
    });
    const BOXES = 'pre, .jp-InputArea, .jp-OutputArea, .jp-OutputArea-output';
    s.querySelectorAll('*').forEach(e => {
        if (reported.has(block(e)) || e.closest('aside.notes') || deliberate(e)) return;
        const ox = getComputedStyle(e).overflowX;
        if (!(e.matches(BOXES) || ox === 'auto' || ox === 'scroll')) return;
        if (edge(e) === null || e.scrollWidth <= e.clientWidth + SLACK) return;
        found.push({what: 'wider than its box', px: e.scrollWidth - e.clientWidth,
                    text: (e.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60),
                    block: mark(e)});
    });
    return found.map(f => ({what: f.what, px: f.px, text: f.text}));
}"""

# Every leaf slide's content height in reveal.js's own (unscaled) pixels, once MathJax has
# typeset and every image has loaded. A slide is shown (Reveal.slide) before it is measured:
# reveal.js lays out only the slides near the present one. ``overflow`` lists what the slide
# shows cut off or sideways (see _OVERFLOW).
_MEASURE = """async (opts) => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    await Promise.all([...document.images].map(i => i.complete ? null
        : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
    if (!Reveal.isReady()) await new Promise(r => Reveal.on('ready', r));
    Reveal.configure({transition: 'none', viewDistance: 1000});
    const config = Reveal.getConfig();
    const overflow = (__OVERFLOW__);
    const out = [];
    Reveal.getSlides().forEach((s, n) => {
        const ix = Reveal.getIndices(s);
        Reveal.slide(ix.h, ix.v);
        const head = s.querySelector('h1, h2, h3, h4');
        out.push({n: n, h: ix.h, v: ix.v, height: Math.ceil(s.scrollHeight),
                  width: Math.ceil(s.scrollWidth),
                  title: head ? head.textContent.replace('¶', '').trim().slice(0, 70) : '',
                  overflow: overflow(s, config.width, opts.slack, opts.deliberate)});
    });
    Reveal.slide(0, 0);
    return {width: config.width, height: config.height, slides: out,
            mathjax_errors: document.querySelectorAll('mjx-merror, [data-mjx-error]').length};
}""".replace("__OVERFLOW__", _OVERFLOW)


def measure_decks(decks: list[Path], pw, shots: Path | None = None) -> dict[str, dict]:
    """Open each deck offline at 1280x720 and measure its slides (see the module docstring).

    Returns, per deck name: the reveal config size, every slide's ``{n, h, v, height, width,
    title, overflow}`` (``overflow``: what the slide cuts off or hides sideways, each as
    ``{what, px, text}``), the requests that were refused (a deck must need none) and page
    errors.
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
                got = page.evaluate(_MEASURE, {"slack": SLACK_PX,
                                                 "deliberate": list(DELIBERATE_SCROLLERS)})
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



def too_wide(results: dict[str, dict]) -> list[str]:
    """One line per piece of content a slide cuts off or hides sideways: deck, slide index (h/v),
    how (``cut off``, ``scrolls``, ``past the slide edge``, ``wider than the slide``, ``wider
    than its box``), by how many px, and the first characters of the line.

    Examples
    --------
    >>> for line in too_wide({"10": {"slides": [{"n": 11, "h": 5, "v": 2, "title": "T",
    ...         "overflow": [{"what": "cut off", "px": 32, "text": 'print(f"{sat} PEs")'}]}]}}):
    ...     print(line)
    10 slide 11 (5/2): cut off by 32 px  'print(f"{sat} PEs")'
    """
    return [f"{name} slide {s['n']} ({s['h']}/{s['v']}): {o['what']} by {o['px']} px  "
            f"{o['text']!r}"
            for name, got in results.items() for s in got["slides"]
            for o in s.get("overflow", [])]

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
    cut = too_wide(results)
    assert not (offenders or cut), (
        f"{len(offenders)} slide(s) taller than {HEIGHT} px:\n" + "\n".join(offenders)
        + f"\n{len(cut)} overflow(s) sideways (content wider than its box or the {WIDTH} px "
        "slide):\n" + "\n".join(cut))


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
    """Command line: measure decks, print every slide's height and what overflows sideways;
    exit 1 if a slide is too tall or something is cut off."""
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
            mark = "*" if s["height"] > HEIGHT else ">" if s.get("overflow") else " "
            print(f" {mark} {s['n']:3d} ({s['h']}/{s['v']}) {s['height']:5d} px  {s['title']}")
        for what in ("refused", "errors", "mathjax_errors"):
            if got[what]:
                print(f"   {what}: {got[what] if what == 'mathjax_errors' else got[what][:5]}")
    offenders, cut = too_tall(results), too_wide(results)
    print(f"{len(offenders)} slide(s) taller than {HEIGHT} px" + (":" if offenders else ""))
    for line in offenders:
        print("  " + line)
    print(f"{len(cut)} overflow(s) sideways (wider than its box or the {WIDTH} px slide)"
          + (":" if cut else ""))
    for line in cut:
        print("  " + line)
    return 1 if offenders or cut else 0


if __name__ == "__main__":
    sys.exit(main())
