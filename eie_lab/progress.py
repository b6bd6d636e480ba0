"""A dependency-free progress bar for long work (training, sweeps, downloads).

It writes one line to ``stderr`` and redraws it in place with a carriage return, which both
terminals and Jupyter render as a single updating line. Set ``EIE_LAB_PROGRESS=0`` to silence
every bar (tests and nbgrader runs do). Redraws are rate-limited, so wrapping a tight loop costs
almost nothing.

Examples
--------
>>> from eie_lab.progress import progress
>>> total = 0
>>> for i in progress(range(3), desc="demo", disable=True):
...     total += i
>>> total
3
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

__all__ = ["progress", "Progress", "progress_enabled"]

T = TypeVar("T")


def progress_enabled() -> bool:
    """Whether progress bars are drawn (``EIE_LAB_PROGRESS`` is not ``0``/``false``/``no``).

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_PROGRESS": "off"}):
    ...     progress_enabled()
    False
    """
    return os.environ.get("EIE_LAB_PROGRESS", "1").strip().lower() not in {"0", "false", "no", "off"}


def _fmt_time(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    m, s = divmod(seconds, 60)
    return f"{m:d}:{s:02d}"


class Progress:
    """A manually advanced progress bar (use :func:`progress` to wrap an iterable).

    Parameters
    ----------
    total : int or None
        Number of steps, if known.
    desc : str
        Label shown before the bar.
    unit : str
        Name of one step (``"it"``, ``"B"``, ``"epoch"``...).
    disable : bool or None
        None follows :func:`progress_enabled`.
    stream : file-like, optional
        Where to draw (default ``sys.stderr``).
    min_interval : float
        Seconds between redraws.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with Progress(total=4, desc="epochs", unit="epoch", disable=False, stream=out) as bar:
    ...     bar.update(4)
    >>> out.getvalue().split(chr(13))[-1].split(" [")[0]  # the last redraw
    'epochs: 100% |########################| 4/4'
    """

    def __init__(self, total: int | None = None, desc: str = "", unit: str = "it",
                 disable: bool | None = None, stream: TextIO | None = None,
                 min_interval: float = 0.1) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.disable = (not progress_enabled()) if disable is None else disable
        self.stream = stream
        self.min_interval = min_interval
        self.n = 0
        self.postfix = ""
        self._start = time.perf_counter()
        self._last = 0.0

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        self.n += n
        now = time.perf_counter()
        if now - self._last >= self.min_interval or (self.total is not None and self.n >= self.total):
            self._last = now
            self._draw(now)

    def set_postfix(self, text: str) -> None:
        """Show ``text`` (e.g. ``"loss=0.12"``) after the bar."""
        self.postfix = text

    def _format(self, now: float) -> str:
        elapsed = now - self._start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        if self.total:
            frac = min(1.0, self.n / self.total)
            width = 24
            filled = int(frac * width)
            bar = "#" * filled + "-" * (width - filled)
            eta = (self.total - self.n) / rate if rate > 0 else 0.0
            text = (f"{self.desc}: {frac:4.0%} |{bar}| {self.n}/{self.total} "
                    f"[{_fmt_time(elapsed)}<{_fmt_time(eta)}, {rate:.1f} {self.unit}/s]")
        else:
            text = f"{self.desc}: {self.n} {self.unit} [{_fmt_time(elapsed)}, {rate:.1f} {self.unit}/s]"
        if self.postfix:
            text += f" {self.postfix}"
        return text

    def _draw(self, now: float) -> None:
        if self.disable:
            return
        stream = self.stream or sys.stderr
        stream.write("\r" + self._format(now))
        stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.disable:
            return
        self._draw(time.perf_counter())
        stream = self.stream or sys.stderr
        stream.write("\n")
        stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(iterable: Iterable[T], total: int | None = None, desc: str = "", unit: str = "it",
             disable: bool | None = None) -> Iterator[T]:
    """Yield from ``iterable`` while drawing a progress bar.

    Parameters
    ----------
    iterable : iterable
        What to loop over.
    total : int, optional
        Its length, if ``len()`` does not work on it.
    desc, unit, disable
        See :class:`Progress`.

    Yields
    ------
    The items of ``iterable``.

    Examples
    --------
    >>> list(progress("abc", desc="letters", disable=True))
    ['a', 'b', 'c']
    """
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    bar = Progress(total=total, desc=desc, unit=unit, disable=disable)
    try:
        for item in iterable:
            yield item
            bar.update(1)
    finally:
        bar.close()
