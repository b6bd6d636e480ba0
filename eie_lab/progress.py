"""Progress bars for long work (training, sweeps, downloads): a thin layer over ``tqdm.auto``.

``tqdm.auto`` draws a live widget bar in Jupyter (one output per bar in a saved notebook, never one
per step; its saved text is the bar's final state, so an HTML export shows where each bar ended)
and a one-line bar on a terminal. When stderr is not a terminal (a log file, CI) the bar is redrawn
at most every :data:`PIPE_INTERVAL` seconds, so a log gets a few lines, not thousands.

Every function of the package that draws a bar takes one switch, ``progress: bool | None = None``:
``True`` draws it, ``False`` hides it, ``None`` follows the environment variable
``EIE_LAB_PROGRESS`` (``0``, ``false``, ``no`` or ``off`` silence every bar; tests and nbgrader
runs set it).

Examples
--------
>>> from eie_lab.progress import track
>>> total = 0
>>> for i in track(range(3), desc="demo", progress=False):
...     total += i
>>> total
3
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from tqdm.auto import tqdm
from tqdm.autonotebook import tqdm as _chosen
from tqdm.std import tqdm as _console

__all__ = ["progress_enabled", "show_progress", "progress_bar", "track", "PIPE_INTERVAL"]

T = TypeVar("T")

#: Seconds between redraws when stderr is not a terminal (a log file, a CI job).
PIPE_INTERVAL = 10.0
# tqdm.auto chose its widget bar (we run in a Jupyter kernel), not the console one
_IN_NOTEBOOK = _chosen is not _console

if _IN_NOTEBOOK:
    from IPython.display import display as _display  # loaded already: we run in a kernel

    class _WidgetBar(tqdm):  # type: ignore[misc,valid-type]
        """The widget bar, shown through a display handle and shown again when it closes, so the
        notebook stores the final state as its text (``text/plain``), not the 0 % it began at."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, display=False, **kwargs)
            self._handle = None
            if not self.disable:
                self.displayed = True  # shown here, never again by tqdm
                self._handle = _display(self.container, display_id=True)

        def close(self) -> None:
            super().close()
            handle, self._handle = getattr(self, "_handle", None), None
            if handle is not None:
                handle.update(self.container)

    _Bar: type[tqdm] = _WidgetBar
else:
    _Bar = tqdm


def progress_enabled() -> bool:
    """Whether progress bars are drawn by default (``EIE_LAB_PROGRESS`` is not ``0``/``false``/...).

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_PROGRESS": "off"}):
    ...     progress_enabled()
    False
    """
    return os.environ.get("EIE_LAB_PROGRESS", "1").strip().lower() not in {"0", "false", "no", "off"}


def show_progress(progress: bool | None = None) -> bool:
    """Resolve the ``progress`` switch: True/False as given, None follows ``EIE_LAB_PROGRESS``.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"EIE_LAB_PROGRESS": "0"}):
    ...     show_progress(None), show_progress(True), show_progress(False)
    (False, True, False)
    """
    return progress_enabled() if progress is None else bool(progress)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_bar(total: int | None = None, desc: str = "", unit: str = "it",
                 progress: bool | None = None, **options: Any) -> tqdm:
    """A manually advanced ``tqdm.auto`` bar (``update(n)``, ``set_postfix_str``, ``close``).

    Parameters
    ----------
    total : int, optional
        Number of steps, if known.
    desc : str
        Label shown before the bar.
    unit : str
        Name of one step (``"it"``, ``"B"``, ``"epoch"``...).
    progress : bool, optional
        Draw the bar; None follows ``EIE_LAB_PROGRESS`` (see :func:`show_progress`).
    **options
        Passed to :class:`tqdm.auto.tqdm` (e.g. ``unit_scale=True`` for bytes, ``file=``).

    Returns
    -------
    tqdm.auto.tqdm
        Use it as a context manager or call ``close()``. A hidden bar draws nothing and costs
        next to nothing per ``update``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with progress_bar(total=4, desc="epochs", unit="epoch", progress=True, file=out) as bar:
    ...     bar.update(4)
    >>> out.getvalue().split(chr(13))[-1].split("|")[0]  # the last redraw
    'epochs: 100%'
    >>> with progress_bar(total=2, progress=False) as bar:
    ...     bar.update(2)
    >>> bar.disable
    True
    """
    stream = options.get("file") or sys.stderr
    if not _IN_NOTEBOOK and not _is_terminal(stream):  # a log file or a pipe
        options.setdefault("mininterval", PIPE_INTERVAL)
    return _Bar(total=total, desc=desc, unit=unit, disable=not show_progress(progress),
                dynamic_ncols=True, **options)


def track(iterable: Iterable[T], total: int | None = None, desc: str = "", unit: str = "it",
          progress: bool | None = None) -> Iterator[T]:
    """Yield from ``iterable`` while drawing a progress bar (closed when the loop ends).

    Parameters
    ----------
    iterable : iterable
        What to loop over.
    total : int, optional
        Its length, if ``len()`` does not work on it.
    desc, unit, progress
        See :func:`progress_bar`.

    Yields
    ------
    The items of ``iterable``.

    Examples
    --------
    >>> list(track("abc", desc="letters", progress=False))
    ['a', 'b', 'c']
    """
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with progress_bar(total=total, desc=desc, unit=unit, progress=progress) as bar:
        for item in iterable:
            yield item
            bar.update(1)
