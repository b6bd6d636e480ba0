"""Interactive views: :class:`CycleAnimator` (play a trace) and :class:`DesignExplorer`.

Live widgets or a static picture? :func:`has_live_frontend` decides, in this order:

1. ``EIE_LAB_WIDGETS=live`` or ``=static`` forces the choice;
2. ``NBGRADER_EXECUTION`` set (autograding) or ``EIE_LAB_HEADLESS=1`` (the notebook test
   harness sets it) -> static;
3. not inside an IPython kernel (plain ``python``, a terminal IPython) -> static;
4. ``PYTEST_CURRENT_TEST`` set (the notebook test harness, nbclient under pytest) -> static;
5. the kernel was started for a notebook by a Jupyter server (JupyterLab and Notebook 7 set
   ``JPY_SESSION_NAME`` in the kernel's environment) or by VS Code (which defines
   ``__vsc_ipynb_file__`` in the user namespace) -> live;
6. anything else (nbclient / nbconvert / papermill execution) -> static.

A static view never blocks: it displays one frame and says how to get the live one.

Examples
--------
>>> import os
>>> from unittest import mock
>>> with mock.patch.dict(os.environ, {"EIE_LAB_WIDGETS": "static"}):
...     has_live_frontend()
False
"""

from __future__ import annotations

import base64
import io
import os
import threading

import ipywidgets as W
import matplotlib.pyplot as plt

from eie_lab.eie.design_space import LAYER_CHOICES, DesignSpace
from eie_lab.errors import ConfigError, fail_message
from eie_lab.viz.array_plots import busy_bars
from eie_lab.viz.frames import DETAILED_MAX_PE, cycle_range, describe_cycle, render_frame
from eie_lab.viz.pe_diagram import pe_diagram_svg

__all__ = ["has_live_frontend", "fallback_html", "CycleAnimator", "FramePlayer", "DesignExplorer",
           "POW2"]

#: Values of the explorer's n_pe and fifo_depth sliders: the powers of two the paper sweeps.
POW2 = tuple(2 ** i for i in range(9))

STATIC_NOTE = ("static frame (no live Jupyter front end detected: open the notebook in "
               "JupyterLab, or set EIE_LAB_WIDGETS=live to force widgets)")
#: Shown above a live widget and hidden by CSS while the widget is on screen; when the notebook
#: is saved and reopened without its kernel, the widget cannot be restored and this is what stays.
SAVED_NOTE = "Run this cell to animate (a saved notebook keeps this frame, not the live widget)."
#: CSS that swaps fallback and widget in JupyterLab: the fallback hides while a live view of the
#: same output area is rendered; an output whose widget model is gone ("model not found") hides.
#: The legend's accordion title keeps the widgets' font size (on a RISE slide it would inherit
#: reveal.js's slide font, 64 px measured, and push the animator out of a 1280 x 720 frame).
_SWAP_CSS = """<style>
.eie-live .jupyter-widget-Collapse-header { font-size: var(--jp-widgets-font-size, 13px); line-height: normal; }
.jp-OutputArea:has(.eie-live) .eie-static-fallback { display: none; }
.jp-OutputArea:has(.eie-static-fallback) .jp-OutputArea-child:has(.jupyter-widgets):not(:has(.eie-live)):not(:has(.eie-static-fallback)),
.jp-OutputArea:has(.eie-static-fallback) .jp-OutputArea-output.jupyter-widgets:not(:has(.eie-live)) { display: none; }
</style>"""


def fallback_html(inner: str) -> str:
    """``inner`` wrapped as the saved-notebook fallback of a live widget (see :data:`SAVED_NOTE`).

    Examples
    --------
    >>> html = fallback_html("<p>frame</p>")
    >>> 'class="eie-static-fallback"' in html and SAVED_NOTE in html
    True
    """
    return (f'{_SWAP_CSS}<div class="eie-static-fallback"><p><b>{SAVED_NOTE}</b></p>'
            f"{inner}</div>")


def has_live_frontend() -> bool:
    """Whether widgets will be rendered by a live front end (rules in the module docstring)."""
    mode = os.environ.get("EIE_LAB_WIDGETS", "").strip().lower()
    if mode in ("live", "1", "on", "true"):
        return True
    if mode in ("static", "0", "off", "false"):
        return False
    if os.environ.get("NBGRADER_EXECUTION"):
        return False
    if os.environ.get("EIE_LAB_HEADLESS", "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    ip = get_ipython()
    if ip is None or getattr(ip, "kernel", None) is None:
        return False
    if os.environ.get("PYTEST_CURRENT_TEST"):
        return False
    return bool(os.environ.get("JPY_SESSION_NAME")) or "__vsc_ipynb_file__" in ip.user_ns


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def _as_trace(result_or_trace):
    trace = getattr(result_or_trace, "trace", result_or_trace)
    if trace is None or not hasattr(trace, "queue_items"):
        raise ConfigError(fail_message(
            "result_or_trace", type(result_or_trace).__name__,
            "must be a Trace or a SimResult that carries one",
            'run simulate(layer, a, config, engine="cycle") and pass the result'))
    if int(trace.n_cycles) < 1:
        raise ConfigError(fail_message("trace.n_cycles", int(trace.n_cycles), "must be >= 1",
                                       "simulate an input with at least one non-zero activation"))
    return trace


class CycleAnimator:
    """Play a cycle-engine trace frame by frame: Play, slider, step buttons and speed.

    The Play widget is linked to the slider, and the slider to a ``Stack`` of frames, in the
    browser (``jslink``), so playback needs no round trip through Python and keeps the set rate.
    Short traces (at most ``prerender`` cycles) are drawn once, up front. For longer traces the
    Stack has one slot per cycle, all sharing one blank placeholder until drawn: when the widget
    goes live, the cycles that Play will show (every ``cycles/frame``-th, up to
    :attr:`AHEAD_FRAMES` of them) are drawn in one go (:meth:`fill_ahead`); a cycle reached by the
    step buttons or by dragging the slider is drawn on demand, one update per cycle.

    The controls wrap onto a second line in a narrow window instead of squeezing the sliders, and
    a collapsed "Inside a PE" section holds the PE block diagram (:mod:`eie_lab.viz.pe_diagram`)
    as the legend of what a PE tile stands for. When a notebook with a live animator is saved and
    reopened without its kernel, the cell shows the static frame and "run this cell to animate"
    (:func:`fallback_html`) instead of a missing widget.

    Parameters
    ----------
    result_or_trace : SimResult or Trace
        From ``simulate(..., engine="cycle")``.
    view : {"auto", "detailed", "compact"}
        Passed to :func:`~eie_lab.viz.frames.render_frame`.
    interval_ms : int, default 400
        Time per frame while playing.
    prerender : int, default 120
        Draw every frame up front when the trace has at most this many cycles.
    static_cycle : int, optional
        Frame shown without a live front end (default: the middle cycle).
    repeat : bool, optional
        Loop when playing (default: on for pre-drawn traces).
    width : int, optional
        Frame width in SVG units (default 1200; 1000 for the compact view of many PEs).
    cycles_per_frame : int, optional
        Cycles advanced per played frame (the "cycles/frame" slider's start value); e.g. 10 lets
        a 6,000-cycle layer play in about a minute and a half at 150 ms per frame.
    max_width : int, optional
        Widest the live frame is shown, in pixels (default: as wide as its container allows, up
        to ``width``); e.g. 900 leaves room for the controls on a 1280 x 720 RISE slide.

    Examples
    --------
    >>> from eie_lab.eie.examples import fig2_trace
    >>> anim = CycleAnimator(fig2_trace())  # EIE Fig. 2/3, 4 PEs, queue depth 1
    >>> anim.slider.value = 3
    >>> 'data-cycle="3"' in anim.current_html
    True
    >>> anim.step(+1); anim.cycle
    4
    >>> CycleAnimator(fig2_trace(), max_width=900).frames.layout.max_width
    '900px'
    """

    def __init__(self, result_or_trace, *, view: str = "auto", interval_ms: int = 400,
                 prerender: int = 120, static_cycle: int | None = None,
                 repeat: bool | None = None, width: int | None = None,
                 cycles_per_frame: int = 1, max_width: int | None = None) -> None:
        self.trace = _as_trace(result_or_trace)
        if max_width is not None and not (isinstance(max_width, int) and max_width >= 200):
            raise ConfigError(fail_message("max_width", max_width, "must be an int >= 200 (pixels)",
                                           "pass e.g. max_width=900, or leave it out"))
        compact = view == "compact" or (view == "auto" and int(self.trace.n_pe) > DETAILED_MAX_PE)
        # the compact view is drawn narrower, so that it is shown closer to its own size
        self.view, self.width = view, int(width if width is not None else (1000 if compact else 1200))
        n = int(self.trace.n_cycles)
        self.n_cycles = n
        self.static_cycle = n // 2 if static_cycle is None else int(static_cycle)
        self._cache: dict[int, str] = {}
        self._lock = threading.Lock()
        render_frame(self.trace, self.static_cycle, view=view)  # validate arguments early
        self.prerendered = n <= prerender
        last = n - 1
        stride = min(max(1, int(cycles_per_frame)), max(1, last // 10))
        self.play = W.Play(value=0, min=0, max=last, step=stride, interval=int(interval_ms),
                           repeat=self.prerendered if repeat is None else bool(repeat),
                           description="play", show_repeat=True)
        grow = {"flex": "1 1 300px", "min_width": "240px"}
        self.slider = W.IntSlider(value=0, min=0, max=last, description="cycle",
                                  continuous_update=True, layout=W.Layout(**grow))
        self.links = [W.jslink((self.play, "value"), (self.slider, "value"))]
        self.speed = W.IntSlider(value=int(interval_ms), min=50, max=2000, step=50,
                                 description="ms/frame", layout=W.Layout(**grow))
        self.links.append(W.jslink((self.speed, "value"), (self.play, "interval")))
        self.stride = W.IntSlider(value=stride, min=1, max=max(1, last // 10),
                                  description="cycles/frame", layout=W.Layout(**grow),
                                  style={"description_width": "initial"})
        self.links.append(W.jslink((self.stride, "value"), (self.play, "step")))
        self.prev_button = W.Button(description="◀ step", tooltip="one cycle back",
                                    layout=W.Layout(width="90px", min_width="90px"))
        self.next_button = W.Button(description="step ▶", tooltip="one cycle on",
                                    layout=W.Layout(width="90px", min_width="90px"))
        self.prev_button.on_click(lambda _b: self.step(-1))
        self.next_button.on_click(lambda _b: self.step(+1))
        if self.prerendered:
            self.frames = W.Stack([W.HTML(self.frame(c)) for c in range(n)], selected_index=0)
        else:
            self._blank = W.HTML("<p><em>drawing this cycle&hellip;</em></p>")
            slots = [self._blank] * n
            slots[0] = W.HTML(self.frame(0))
            self.frames = W.Stack(slots, selected_index=0)
        if max_width is not None:
            self.frames.layout.max_width = f"{max_width}px"
        self.links.append(W.jslink((self.slider, "value"), (self.frames, "selected_index")))
        self.slider.observe(self._on_cycle, names="value")
        self.stride.observe(lambda _ch: self.fill_ahead() if self._live else None, names="value")
        self._live = False
        wrap = W.Layout(flex_flow="row wrap", align_items="center", width="100%")
        controls = W.HBox([self.play, self.prev_button, self.next_button, self.slider], layout=wrap)
        legend = W.Accordion([W.HTML(pe_diagram_svg(width=900))], selected_index=None)
        legend.set_title(0, "Inside a PE (EIE Fig. 4b): what each tile stands for")
        self.widget = W.VBox([controls, W.HBox([self.speed, self.stride], layout=wrap),
                              self.frames, legend])
        self.widget.add_class("eie-cycle-animator")
        self.widget.add_class("eie-live")

    #: Frames kept in the cache (about 40 KB each for 64 PEs).
    CACHE_FRAMES = 400
    #: Frames drawn ahead of the playhead when the widget goes live or cycles/frame changes.
    AHEAD_FRAMES = 800

    def frame(self, cycle: int) -> str:
        """The SVG of one cycle (cached)."""
        with self._lock:
            svg = self._cache.get(cycle)
        if svg is None:
            svg = render_frame(self.trace, cycle, view=self.view, width=self.width)
            with self._lock:
                if len(self._cache) >= self.CACHE_FRAMES:
                    self._cache.clear()
                self._cache[cycle] = svg
        return svg

    def upcoming(self, cycle: int, count: int | None = None) -> list[int]:
        """The cycles playback shows after ``cycle``: steps of cycles/frame; like the Play widget,
        a loop restarts at cycle 0 and playback without repeat stops at the end."""
        count = self.AHEAD_FRAMES if count is None else int(count)
        step, last = max(1, int(self.play.step)), self.n_cycles - 1
        out, c = [], int(cycle)
        for _ in range(count):
            c += step
            if c > last:
                if not self.play.repeat:
                    break
                c = 0
            out.append(c)
        return out

    def drawn(self, cycle: int) -> bool:
        """Whether the Stack holds the frame of ``cycle`` (always true for short traces)."""
        return self.prerendered or self.frames.children[cycle] is not self._blank

    def _put(self, cycles: list[int]) -> int:
        """Draw the frames of ``cycles`` that are not in the Stack yet, in one update."""
        todo = [c for c in dict.fromkeys(cycles) if not self.drawn(c)]
        if todo:
            slots = list(self.frames.children)
            for c in todo:
                slots[c] = W.HTML(self.frame(c))
            self.frames.children = slots
        return len(todo)

    def fill_ahead(self, count: int | None = None) -> int:
        """Draw the frames Play will show after the current cycle; returns how many were drawn."""
        return self._put(self.upcoming(self.cycle, count))

    def _on_cycle(self, change) -> None:
        c = int(change["new"])
        self._put([c])
        # Live, the browser moves the Stack itself (jslink) and is ahead of this message: setting
        # the index from here would send a stale cycle back and the picture would jump backwards.
        if not self._live and self.frames.selected_index != c:
            self.frames.selected_index = c

    @property
    def cycle(self) -> int:
        """The cycle on show; setting it moves the slider (and the frame)."""
        return int(self.slider.value)

    @cycle.setter
    def cycle(self, value: int) -> None:
        self.slider.value = min(max(int(value), 0), self.n_cycles - 1)

    def step(self, n: int = 1) -> None:
        """Move ``n`` cycles (negative: back), stopping at the first and last cycle."""
        self.cycle = self.cycle + int(n)

    @property
    def current_html(self) -> str:
        """The frame markup currently on show."""
        return self.frames.children[self.frames.selected_index].value

    def static_html(self, note: bool = True) -> str:
        """What is shown without a live front end: one frame plus a caption (and the note why)."""
        c = self.static_cycle
        why = f"{STATIC_NOTE}; " if note else ""
        return (f"{self.frame(c)}<p><em>{describe_cycle(self.trace, c)}</em><br>"
                f"<small>{why}cycle {c} {cycle_range(self.n_cycles)}.</small></p>")

    def _ipython_display_(self) -> None:
        from IPython.display import HTML

        if has_live_frontend():
            self._live = True
            self.fill_ahead()
            _display(HTML(fallback_html(self.static_html(note=False))))
            _display(self.widget)
        else:
            _display(HTML(self.static_html()))


class FramePlayer:
    """Play a short list of pre-drawn frames (e.g. :func:`eie_lab.viz.pingpong.pingpong_frames`).

    Play, slider and frames are linked in the browser (no round trip through Python). Without a
    live front end every frame is shown, side by side in a row that scrolls sideways (one frame
    high, so it fits a 1280 x 720 slide); a saved notebook keeps them too.

    Examples
    --------
    >>> fp = FramePlayer(["<svg>1</svg>", "<svg>2</svg>"], interval_ms=800)
    >>> fp.slider.value = 1
    >>> fp.frames.selected_index, fp.static_html().count("<svg>")
    (1, 2)
    """

    def __init__(self, frames: list[str], *, interval_ms: int = 1500, label: str = "step") -> None:
        frames = list(frames)
        if not frames or not all(isinstance(f, str) for f in frames):
            raise ConfigError(fail_message("frames", type(frames).__name__,
                                           "must be a non-empty list of SVG/HTML strings",
                                           "pass e.g. pingpong_frames(run_network(net, x))"))
        self.pages = frames
        last = len(frames) - 1
        self.play = W.Play(value=0, min=0, max=last, interval=int(interval_ms), repeat=True,
                           description="play")
        self.slider = W.IntSlider(value=0, min=0, max=last, description=label,
                                  layout=W.Layout(flex="1 1 300px", min_width="240px"))
        self.frames = W.Stack([W.HTML(f) for f in frames], selected_index=0)
        self.links = [W.jslink((self.play, "value"), (self.slider, "value")),
                      W.jslink((self.slider, "value"), (self.frames, "selected_index"))]
        self.slider.observe(lambda ch: setattr(self.frames, "selected_index", int(ch["new"])),
                            names="value")
        wrap = W.Layout(flex_flow="row wrap", align_items="center", width="100%")
        self.widget = W.VBox([W.HBox([self.play, self.slider], layout=wrap), self.frames])
        self.widget.add_class("eie-frame-player")
        self.widget.add_class("eie-live")

    def static_html(self) -> str:
        """Every frame, side by side in a row that scrolls sideways (the height of one frame)."""
        row = "".join(f'<div style="flex:0 0 auto">{f}</div>' for f in self.pages)
        return (f'<div class="eie-frame-row" style="display:flex;gap:12px;overflow-x:auto">{row}'
                f"</div><p><small>{len(self.pages)} frames side by side: scroll sideways.</small></p>")

    def _ipython_display_(self) -> None:
        from IPython.display import HTML

        if has_live_frontend():
            _display(HTML(fallback_html(self.static_html())))
            _display(self.widget)
        else:
            _display(HTML(self.static_html()))


# --------------------------------------------------------------------------- design explorer
class DesignExplorer:
    """Sliders for the array's design: layer, n_pe, fifo_depth, index_bits -> cycles and balance.

    The computation lives in :class:`eie_lab.eie.design_space.DesignSpace` (fast engine,
    encodings cached per (layer, n_pe, index_bits), the LeNet-300-100 layers and where they come
    from); each change asks it for the new design point and draws it: a summary line (cycles,
    ``load_efficiency`` beside ``mac_utilization``) and the per-PE busy/starved/idle bars, whose
    axis starts below the least busy PE. n_pe and fifo_depth move over the powers of two
    (:data:`POW2`); the figure keeps one size for every n_pe, so its fonts do not shrink; while
    a change is computed the summary says so and the widget carries the class ``eie-busy``.

    Examples
    --------
    >>> ex = DesignExplorer("NT-LSTM", n_pe=16)
    >>> ex.n_pe.value = 32
    >>> ex.result.config.n_pe, ex.result.cycles > 0, ex.n_pe.options[:4]
    (32, True, (1, 2, 4, 8))
    """

    #: Size of the busy-bars figure in inches, the same for every design (stable fonts).
    FIGSIZE = (10.0, 3.4)

    def __init__(self, layer: str = "NT-We", *, n_pe: int = 64, fifo_depth: int = 8,
                 index_bits: int = 4, seed: int = 0) -> None:
        self.space = DesignSpace(seed=seed)
        self.space.check_layer(layer)
        self.seed = self.space.seed
        for name, value in (("n_pe", n_pe), ("fifo_depth", fifo_depth)):
            if value not in POW2:
                raise ConfigError(fail_message(name, value, f"must be one of {list(POW2)}",
                                               f"use {name}=8 or another power of two"))
        style, lay = {"description_width": "90px"}, W.Layout(flex="1 1 380px", min_width="300px")
        self.layer = W.Dropdown(options=list(LAYER_CHOICES), value=layer, description="layer",
                                style=style)
        self.n_pe = W.SelectionSlider(options=POW2, value=n_pe, description="n_pe (PEs)",
                                      continuous_update=False, style=style, layout=lay)
        self.fifo_depth = W.SelectionSlider(options=POW2, value=fifo_depth, description="fifo_depth",
                                            continuous_update=False, style=style, layout=lay)
        self.index_bits = W.IntSlider(value=index_bits, min=2, max=8, continuous_update=False,
                                      description="index_bits", style=style, layout=lay)
        self.status = W.HTML()
        self.summary = W.HTML()
        self.plot = W.Image(format="png", layout=W.Layout(max_width="100%"))
        for w in (self.layer, self.n_pe, self.fifo_depth, self.index_bits):
            w.observe(lambda _change: self.update(), names="value")
        wrap = W.Layout(flex_flow="row wrap", width="100%")
        self.widget = W.VBox([W.HBox([self.layer, self.index_bits], layout=wrap),
                              W.HBox([self.n_pe, self.fifo_depth], layout=wrap), self.status,
                              self.summary, self.plot])
        self.widget.add_class("eie-design-explorer")
        self.widget.add_class("eie-live")
        self.result = None
        self.update()

    def _busy(self, on: bool) -> None:
        """Show (or clear) the sign of work; the browser gets it before the computation starts."""
        if on:
            self.widget.add_class("eie-busy")
            self.status.value = ('<span class="eie-busy-sign" style="font-size:14px;color:#D55E00">'
                                 '&#8987; recomputing&hellip;</span>')
        else:
            self.widget.remove_class("eie-busy")
            self.status.value = ""

    def update(self):
        """Evaluate the current settings and redraw; returns the SimResult."""
        self._busy(True)
        try:
            point = self.space.evaluate(self.layer.value, n_pe=self.n_pe.value,
                                        fifo_depth=self.fifo_depth.value,
                                        index_bits=self.index_bits.value)
            res, cfg, name = point.result, point.result.config, point.layer.name
            fig = busy_bars(res, figsize=self.FIGSIZE,
                            title=f"{name}: per-PE time, {cfg.n_pe} PEs, FIFO {cfg.fifo_depth}")
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=96)
            plt.close(fig)
            self.plot.value = buf.getvalue()
            m, n = point.layer.shape
            self.summary.value = (
                f'<div style="font-size:14px"><b>{name}</b> ({n} inputs &rarr; {m} outputs): '
                f"<b>{res.cycles:,} cycles</b> = {res.time_us:.2f} &micro;s at {cfg.clock_mhz:g} MHz"
                f" &middot; load efficiency <b>{100 * res.load_efficiency:.1f}%</b> &middot; MAC "
                f"utilization <b>{100 * res.mac_utilization:.1f}%</b> &middot; real work "
                f"{100 * res.real_work:.1f}% &middot; broadcast stalls {res.broadcast_stalls:,} "
                f"<small>(updated in {point.seconds:.2f} s)</small><br><small>{point.layer.note}"
                "</small></div>")
            self.result = res
        finally:
            self._busy(False)
        return res

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, Image

        if has_live_frontend():
            _display(HTML(fallback_html(self.summary.value + '<img src="data:image/png;base64,'
                                        + _b64(self.plot.value) + '" style="max-width:100%">')))
            _display(self.widget)
        else:
            _display(HTML(self.summary.value + f"<br><small>{STATIC_NOTE}</small>"))
            _display(Image(data=self.plot.value, format="png"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
