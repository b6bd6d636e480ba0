"""Draw the README's opening figure with the package's own plotting functions.

Usage: ``python scripts/readme_figure.py [OUT.png]`` (default ``docs/figures/readme.png``).
The image is written atomically.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from eie_lab.cache import atomic_write_bytes  # noqa: E402
from eie_lab.viz.energy import plot_energy_table  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "figures" / "readme.png"


def draw() -> plt.Figure:
    """Return the README figure."""
    fig, ax = plot_energy_table(include_register_file=True)
    return fig


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else DEFAULT_OUT
    fig = draw()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    atomic_write_bytes(out, buf.getvalue())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
