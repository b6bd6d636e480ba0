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
import numpy as np  # noqa: E402

from eie_lab.cache import atomic_write_bytes  # noqa: E402
from eie_lab.data.layers import fig2_example  # noqa: E402
from eie_lab.eie import EIEConfig, encode  # noqa: E402
from eie_lab.viz.eie_plots import plot_csc_by_pe  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "figures" / "readme.png"


def draw() -> plt.Figure:
    """Return the README figure: EIE Fig. 2/3 rebuilt by the package's own encoder."""
    W, a = fig2_example()
    layer = encode(W, EIEConfig(n_pe=4), codebook=np.arange(16.0), codes=W.astype(np.int64))
    return plot_csc_by_pe(W, 4, layer.v[0], layer.z[0], layer.p[0], pe=0, a=a,
                          title="EIE's interleaved CSC (Fig. 2/3), rebuilt by eie_lab.eie.encode")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else DEFAULT_OUT
    fig = draw()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    atomic_write_bytes(out, buf.getvalue())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
