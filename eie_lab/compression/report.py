"""A DC Table 2-shaped report of a compressed model, from the real bitstreams' lengths.

For each layer: #weights, weights % kept (P), weight bits and index bits per stored entry for
P+Q (fixed width) and P+Q+H (Huffman: stream bits / entries; padding entries count as entries too), and
the compress rate = stored bits / original bits. Stored bits are the weight and index streams plus
the codebook (32-bit floats), the Huffman tables (one 8-bit code length per symbol, P+Q+H only)
and the biases (32-bit); the original is 32-bit floats for every weight and bias. No column
pointers are stored (the index stream spans the whole flattened matrix), so they cost 0 bits.

Examples
--------
>>> import numpy as np
>>> from eie_lab.compression.model_file import CompressedModel, encode_layer
>>> from eie_lab.compression.report import compression_report
>>> codes = np.zeros((4, 8), np.uint8); codes[0, 0] = 1; codes[3, 7] = 2
>>> cm = CompressedModel([encode_layer("fc", np.array([0, -1, 1]), codes, np.zeros(4), 2, 3)])
>>> rep = compression_report(cm)
>>> rep.rows[0]["weights"], rep.rows[0]["kept_pct"], rep.rows[0]["w_bits_pq"]
(32, 6.25, 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eie_lab.compression.model_file import CompressedModel
from eie_lab.paper_tables import DC_TABLE_2, DC_TABLE_3

__all__ = ["CompressionReport", "compression_report", "compare_with_paper", "paper_table_for",
           "storage_table"]

_COLS = [("layer", "Layer", "{}"), ("weights", "#Weights", "{:,}"), ("kept_pct", "Weights%", "{:.1f}%"),
         ("w_bits_pq", "W bits P+Q", "{}"), ("w_bits_pqh", "W bits P+Q+H", "{:.2f}"),
         ("idx_bits_pq", "Idx bits P+Q", "{}"), ("idx_bits_pqh", "Idx bits P+Q+H", "{:.2f}"),
         ("rate_pq_pct", "Rate P+Q", "{:.2f}%"), ("rate_pqh_pct", "Rate P+Q+H", "{:.2f}%")]


@dataclass
class CompressionReport:
    """Per-layer rows and a total row (dicts of Python scalars), plus errors and file size.

    Examples
    --------
    >>> rep = CompressionReport([], {"layer": "Total"}, error_before=0.02, error_after=0.021)
    >>> rep.to_dict()["error_after"], rep.file_size is None
    (0.021, True)
    """

    rows: list[dict]
    total: dict
    error_before: float | None = None
    error_after: float | None = None
    file_size: int | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Everything as plain Python data (JSON-ready)."""
        return {"rows": self.rows, "total": self.total, "error_before": self.error_before,
                "error_after": self.error_after, "file_size": self.file_size}

    def to_text(self) -> str:
        """The table as fixed-width text."""
        table = [[head for _, head, _ in _COLS]]
        for row in [*self.rows, self.total]:
            table.append([fmt.format(row[key]) for key, _, fmt in _COLS])
        widths = [max(len(r[i]) for r in table) for i in range(len(_COLS))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        t = self.total
        lines.append("")
        lines.append(f"stored: {t['bytes_pqh']:,} B (P+Q+H) vs {t['bytes_original']:,} B of 32-bit "
                     f"floats -> {t['ratio_pqh']:.1f}x  (P+Q: {t['ratio_pq']:.1f}x)")
        lines.append("  breakdown: " + ", ".join(f"{k} {t['breakdown_bytes'][k]:,.0f} B"
                                                 for k in t["breakdown_bytes"]))
        if self.file_size is not None:
            lines.append(f"file size on disk: {self.file_size:,} B (npz container included) -> "
                         f"{t['bytes_original'] / self.file_size:.1f}x")
        if self.error_before is not None and self.error_after is not None:
            lines.append(f"test error: {self.error_before:.2%} before, {self.error_after:.2%} after "
                         f"({100 * (self.error_after - self.error_before):+.2f} pp)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _row(name: str, n: int, rows_out: int, nnz: int, entries: int, wb: int, ib: int,
         bits: dict) -> dict:
    orig = 32 * (n + rows_out)
    pq = entries * (wb + ib) + bits["codebook"] + bits["bias"] + bits["pointers"]
    pqh = sum(bits.values())
    return {"layer": name, "weights": int(n), "kept_pct": 100.0 * nnz / n, "w_bits_pq": int(wb),
            "w_bits_pqh": bits["weights"] / entries if entries else 0.0, "idx_bits_pq": int(ib),
            "idx_bits_pqh": bits["index"] / entries if entries else 0.0,
            "rate_pq_pct": 100.0 * pq / orig, "rate_pqh_pct": 100.0 * pqh / orig,
            "entries": int(entries), "nonzero": int(nnz), "bits_pq": int(pq), "bits_pqh": int(pqh),
            "bits_original": int(orig),
            "breakdown_bytes": {k: v / 8 for k, v in bits.items()}}


def compression_report(model: CompressedModel, *, error_before: float | None = None,
                       error_after: float | None = None,
                       file_size: int | None = None) -> CompressionReport:
    """Build the report of ``model`` (see the module docstring for what is counted).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.compression.model_file import CompressedModel, encode_layer
    >>> codes = np.zeros((4, 8), np.uint8); codes[0, 0] = 1; codes[3, 7] = 2
    >>> cm = CompressedModel([encode_layer("fc", np.array([0, -1, 1]), codes, np.zeros(4), 2, 3)])
    >>> rep = compression_report(cm, error_before=0.02, error_after=0.021)
    >>> rep.total["bytes_pqh"], rep.total["bytes_original"], round(rep.total["ratio_pqh"], 2)
    (46, 144, 3.15)
    >>> print(rep.to_text().splitlines()[-1])
    test error: 2.00% before, 2.10% after (+0.10 pp)
    """
    rows = []
    for L in model.layers:
        rows.append(_row(L.name, L.shape[0] * L.shape[1], L.shape[0], L.n_nonzero, L.n_entries,
                         L.weight_bits, L.index_bits, L.sizes_bits()))
    n = sum(r["weights"] for r in rows)
    ent = sum(r["entries"] for r in rows)
    breakdown = {k: sum(r["breakdown_bytes"][k] for r in rows) for k in rows[0]["breakdown_bytes"]}
    orig = sum(r["bits_original"] for r in rows)
    pq, pqh = sum(r["bits_pq"] for r in rows), sum(r["bits_pqh"] for r in rows)
    same = len({r["w_bits_pq"] for r in rows}) == 1 and len({r["idx_bits_pq"] for r in rows}) == 1
    total = {
        "layer": "Total", "weights": n, "kept_pct": 100.0 * sum(r["nonzero"] for r in rows) / n,
        "w_bits_pq": rows[0]["w_bits_pq"] if same else round(
            sum(r["w_bits_pq"] * r["entries"] for r in rows) / max(ent, 1), 2),
        "w_bits_pqh": 8 * breakdown["weights"] / max(ent, 1),
        "idx_bits_pq": rows[0]["idx_bits_pq"] if same else round(
            sum(r["idx_bits_pq"] * r["entries"] for r in rows) / max(ent, 1), 2),
        "idx_bits_pqh": 8 * breakdown["index"] / max(ent, 1),
        "rate_pq_pct": 100.0 * pq / orig, "rate_pqh_pct": 100.0 * pqh / orig,
        "entries": ent, "bits_pq": pq, "bits_pqh": pqh, "bits_original": orig,
        "bytes_original": orig // 8, "bytes_pq": -(-pq // 8), "bytes_pqh": -(-pqh // 8),
        "ratio_pq": orig / pq, "ratio_pqh": orig / pqh, "breakdown_bytes": breakdown,
    }
    return CompressionReport(rows, total, error_before, error_after, file_size)


def paper_table_for(report: CompressionReport) -> dict:
    """The DC table of the report's network: Table 3 (LeNet-5) when its layers are LeNet-5's
    (``conv1``, ``conv2``, ``ip1``, ``ip2``), else Table 2 (LeNet-300-100).

    Examples
    --------
    >>> rep = CompressionReport([{"layer": n} for n in ("conv1", "conv2", "ip1", "ip2")], {})
    >>> paper_table_for(rep) is DC_TABLE_3, paper_table_for(CompressionReport([], {})) is DC_TABLE_2
    (True, True)
    """
    names = [str(r["layer"]).lower() for r in report.rows]
    return DC_TABLE_3 if names == [n for n in DC_TABLE_3 if n != "total"] else DC_TABLE_2


def compare_with_paper(report: CompressionReport, paper: dict | None = None) -> str:
    """Markdown table: each layer's numbers next to the paper's (default :func:`paper_table_for`:
    DC Table 3 for LeNet-5, DC Table 2 otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.compression.model_file import CompressedModel, encode_layer
    >>> codes = np.zeros((4, 8), np.uint8); codes[0, 0] = 1
    >>> rep = compression_report(CompressedModel([encode_layer("ip3", np.array([0, 1.0]), codes,
    ...                                                        np.zeros(4), 1, 3)]))
    >>> compare_with_paper(rep).splitlines()[2].startswith("| ip3 | ours")
    True
    """
    paper = paper_table_for(report) if paper is None else paper
    keys = [("kept_pct", "Weights%", "{:.1f}%"), ("w_bits_pq", "W bits P+Q", "{}"),
            ("w_bits_pqh", "W bits P+Q+H", "{:.2f}"), ("idx_bits_pq", "Idx bits P+Q", "{}"),
            ("idx_bits_pqh", "Idx bits P+Q+H", "{:.2f}"), ("rate_pq_pct", "Rate P+Q", "{:.2f}%"),
            ("rate_pqh_pct", "Rate P+Q+H", "{:.2f}%")]
    lines = ["| Layer | | " + " | ".join(h for _, h, _ in keys) + " |",
             "|---|---|" + "---|" * len(keys)]
    for row in [*report.rows, report.total]:
        lines.append(f"| {row['layer']} | ours | " + " | ".join(f.format(row[k]) for k, _, f in keys)
                     + " |")
        ref = paper.get(str(row["layer"]).lower())
        if ref:
            lines.append("| | paper | " + " | ".join(
                (f.format(ref[k]) if k in ref else "–") for k, _, f in keys) + " |")
    return "\n".join(lines)


_STORAGE_COLS = [("layer", "layer", "{}"), ("weights", "weights", "{:,}"),
                 ("weights_pct", "kept", "{:.1%}"), ("weight_bits_pq", "w bits", "{:.1f}"),
                 ("weight_bits_pqh", "w bits H", "{:.2f}"), ("index_bits_pq", "i bits", "{:.1f}"),
                 ("index_bits_pqh", "i bits H", "{:.2f}"), ("rate_pq", "P+Q", "{:.2%}"),
                 ("rate_pqh", "P+Q+H", "{:.2%}")]


def storage_table(reports) -> str:
    """DC Table 2-shaped text table of :class:`~eie_lab.compression.storage.StorageReport` rows.

    Parameters
    ----------
    reports : sequence of StorageReport
        One per layer (add ``merge_reports(reports)`` for a total row).

    Returns
    -------
    str
        Fixed-width table; the last column is the compression factor 1 / rate(P+Q+H).

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.compression.storage import storage_report
    >>> w = np.zeros((16, 16), np.float32); w[::3, ::2] = 1.0; w[1, 1] = -1.0
    >>> print(storage_table([storage_report(w, weight_bits=2, index_bits=3, name="fc")]).splitlines()[0])
    layer  weights   kept  w bits  w bits H  i bits  i bits H    P+Q  P+Q+H     x
    """
    table = [[head for _, head, _ in _STORAGE_COLS] + ["x"]]
    for report in reports:
        row = report.row()
        table.append([fmt.format(row[key]) for key, _, fmt in _STORAGE_COLS]
                     + [f"{1 / row['rate_pqh']:.0f}"])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))) for r in table)
