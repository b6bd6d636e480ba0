"""Writing results: Markdown tables, CSV files and PNG figures, each written atomically.

Examples
--------
>>> print(markdown_table([{"a": 1, "b": 0.5}]).splitlines()[2])
| 1 | 0.5 |
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eie_lab.cache import atomic_write_bytes

__all__ = ["markdown_table", "write_csv", "save_figure"]


def _fmt(value: Any) -> str:
    if isinstance(value, float):  # 4 significant digits, never e-notation for large values
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Rows of dicts as a Markdown table (floats to 4 significant digits; >= 1000 as 35,023).

    Parameters
    ----------
    rows : sequence of dict
        One dict per row; missing keys print as empty cells.
    columns : sequence of str, optional
        Column order (default: the keys of the first row).

    Returns
    -------
    str
        The table ("" for no rows).

    Examples
    --------
    >>> print(markdown_table([{"layer": "NT-We", "us": 8.04321}], columns=["us", "layer"]))
    | us | layer |
    |---|---|
    | 8.043 | NT-We |
    """
    if not rows:
        return ""
    cols = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def write_csv(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]]) -> Path:
    """Write rows of dicts as CSV, atomically.

    Parameters
    ----------
    path : path-like
        Destination file (written via a temporary file and a rename).
    rows : sequence of dict
        The header comes from the first row's keys; no rows give an empty file.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(write_csv(Path(tmp) / "t.csv", [{"a": 1, "b": 0.5}]).read_text(), end="")
    a,b
    1,0.5
    """
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: int = 110) -> Path:
    """Save a matplotlib figure as PNG atomically and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (closed afterwards).
    path : path-like
        Destination ``.png`` file.
    dpi : int
        Resolution.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(1, 1))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_figure(fig, Path(tmp) / "f.png", dpi=20).read_bytes()[:4]
    b'\x89PNG'
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())
