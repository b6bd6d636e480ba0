"""The EIE and Deep Compression papers' numbers, as data with source tags, and Figs 6/7 recomputed.

Every constant carries the table it comes from (``SOURCES``); nothing here is measured or
simulated. Tags name the paper and its table, figure or section (the bibliography and the places
where the papers disagree with themselves are in ``docs/references.md``): ``[EIE Table IV]`` is Han et al.,
"EIE: Efficient Inference Engine on Compressed Deep Neural Network", ISCA 2016 (arXiv:1602.01528v2);
``[DC Table 9]`` is Han, Mao and Dally, "Deep Compression", ICLR 2016 (arXiv:1510.00149v5).

Two things the paper leaves open, stated honestly here:

* EIE Fig. 6 labels NT-We and NT-LSTM as 63x and 60x, but Table IV's actual times give 75.6x and
  62.7x (a disagreement within the paper, listed in docs/references.md). :data:`FIG6_MISMATCHES`
  lists them.
* DC Table 9 only has powers for the six AlexNet/VGG layers. The NeuralTalk columns of Fig. 7
  therefore cannot be recomputed; :func:`energy_efficiencies` returns NaN there.

Examples
--------
>>> from eie_lab.paper_tables import speedups, format_label, FIG6_LABELS
>>> s = speedups()
>>> format_label(s["EIE"][0], "EIE"), FIG6_LABELS["EIE"][0]
('248', '248')
>>> round(geomean(label_values(FIG6_LABELS["EIE"][:9])))
189
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from eie_lab.errors import ConfigError, fail_message

__all__ = [
    "TABLE_III", "DC_TABLE_1", "DC_TABLE_2", "DC_TABLE_3", "DC_TABLE_4", "DC_RATES_PQ_PQH",
    "LWC_ALEXNET_HOURS", "DC_TABLE_6", "PARAMETERS", "LAYER_NAMES", "ALEXNET_VGG", "NEURALTALK", "SERIES", "SOURCES", "TABLE_IV_US",
    "EIE_THEORETICAL_US", "EIE_ACTUAL_US", "DC_TABLE9_POWER_W", "EIE_POWER_W",
    "FIG6_LABELS", "FIG7_LABELS", "FIG6_MISMATCHES", "TABLE_I_ENERGY_PJ",
    "TABLE_II_PE_POWER_MW", "TABLE_II_PE_AREA_UM2", "TABLE_II_BY_TYPE", "SRAM_PER_PE_KB", "PRECISION_TOP5", "MULT_ENERGY_RATIO_16B", "geomean", "label_values", "format_label",
    "table_iv_time", "speedups", "energy_efficiencies", "recomputed_labels", "table_iv_rows",
    "label_comparison",
]

#: [EIE Table III] the nine benchmark layers, in the paper's column order:
#: name -> (inputs n_in, outputs n_out, weight density, activation density, FLOP density).
TABLE_III: dict[str, tuple[int, int, float, float, float]] = {
    "Alex-6": (9216, 4096, 0.09, 0.351, 0.03),
    "Alex-7": (4096, 4096, 0.09, 0.353, 0.03),
    "Alex-8": (4096, 1000, 0.25, 0.375, 0.10),
    "VGG-6": (25088, 4096, 0.04, 0.183, 0.01),
    "VGG-7": (4096, 4096, 0.04, 0.375, 0.02),
    "VGG-8": (4096, 1000, 0.23, 0.411, 0.09),
    "NT-We": (4096, 600, 0.10, 1.0, 0.10),
    "NT-Wd": (600, 8791, 0.11, 1.0, 0.11),
    "NT-LSTM": (1201, 2400, 0.10, 1.0, 0.11),
}
#: The nine benchmark layer names, in the paper's column order (the one list of them).
LAYER_NAMES: tuple[str, ...] = tuple(TABLE_III)
#: The six layers that also appear in [DC] (and have powers in DC Table 9).
ALEXNET_VGG: tuple[str, ...] = LAYER_NAMES[:6]
#: The NeuralTalk layers (EIE only; no published powers).
NEURALTALK: tuple[str, ...] = LAYER_NAMES[6:]

#: Wall-clock µs per layer, [EIE Table IV]; key (platform, batch, matrix), values in LAYER_NAMES order.
#: CPU = Core i7-5930k (MKL), GPU = Titan X (cuBLAS/cuSPARSE), mGPU = Tegra K1.
TABLE_IV_US: dict[tuple[str, int, str], tuple[float, ...]] = {
    ("CPU", 1, "dense"): (7516.2, 6187.1, 1134.9, 35022.8, 5372.8, 774.2, 605.0, 1361.4, 470.5),
    ("CPU", 1, "sparse"): (3066.5, 1282.1, 890.5, 3774.3, 545.1, 777.3, 261.2, 437.4, 260.0),
    ("CPU", 64, "dense"): (318.4, 188.9, 45.8, 1056.0, 188.3, 45.7, 28.7, 69.0, 28.8),
    ("CPU", 64, "sparse"): (1417.6, 682.1, 407.7, 1780.3, 274.9, 363.1, 117.7, 176.4, 107.4),
    ("GPU", 1, "dense"): (541.5, 243.0, 80.5, 1467.8, 243.0, 80.5, 65.0, 90.1, 51.9),
    ("GPU", 1, "sparse"): (134.8, 65.8, 54.6, 167.0, 39.8, 48.0, 17.7, 41.1, 18.5),
    ("GPU", 64, "dense"): (19.8, 8.9, 5.9, 53.6, 8.9, 5.9, 3.2, 2.3, 2.5),
    ("GPU", 64, "sparse"): (94.6, 51.5, 23.2, 121.5, 24.4, 22.0, 10.9, 11.0, 9.0),
    ("mGPU", 1, "dense"): (12437.2, 5765.0, 2252.1, 35427.0, 5544.3, 2243.1, 1316.0, 2565.5, 956.9),
    ("mGPU", 1, "sparse"): (2879.3, 1256.5, 837.0, 4377.2, 626.3, 745.1, 240.6, 570.6, 315.0),
    ("mGPU", 64, "dense"): (1663.6, 2056.8, 298.0, 2001.4, 2050.7, 483.9, 87.8, 956.3, 95.2),
    ("mGPU", 64, "sparse"): (4003.9, 1372.8, 576.7, 8024.8, 660.2, 544.1, 236.3, 187.7, 186.5),
    ("EIE", 1, "theoretical"): (28.1, 11.7, 8.9, 28.1, 7.9, 7.3, 5.2, 13.0, 6.5),
    ("EIE", 1, "actual"): (30.3, 12.2, 9.9, 34.4, 8.7, 8.4, 8.0, 13.9, 7.5),
}
#: [EIE Table IV] EIE rows as {layer: µs}.
EIE_THEORETICAL_US: dict[str, float] = dict(zip(LAYER_NAMES, TABLE_IV_US[("EIE", 1, "theoretical")]))
EIE_ACTUAL_US: dict[str, float] = dict(zip(LAYER_NAMES, TABLE_IV_US[("EIE", 1, "actual")]))

#: Board/socket power in W, [DC Table 9], for the six ALEXNET_VGG layers (batch 1 and 64).
DC_TABLE9_POWER_W: dict[tuple[str, int, str], tuple[float, ...]] = {
    ("GPU", 1, "dense"): (157, 159, 159, 166, 163, 159),
    ("GPU", 1, "sparse"): (181, 183, 162, 189, 166, 162),
    ("GPU", 64, "dense"): (168, 173, 166, 173, 173, 167),
    ("GPU", 64, "sparse"): (156, 158, 163, 160, 158, 161),
    ("CPU", 1, "dense"): (83.5, 72.8, 77.6, 70.6, 74.6, 77.0),
    ("CPU", 1, "sparse"): (42.3, 37.4, 36.5, 38.0, 37.4, 36.0),
    ("CPU", 64, "dense"): (85.4, 84.7, 101.6, 83.1, 97.1, 87.5),
    ("CPU", 64, "sparse"): (37.2, 37.1, 38.0, 39.5, 36.6, 38.2),
    ("mGPU", 1, "dense"): (5.1, 5.1, 5.4, 5.3, 5.3, 5.4),
    ("mGPU", 1, "sparse"): (5.9, 6.1, 5.8, 5.6, 6.3, 5.8),
    ("mGPU", 64, "dense"): (5.6, 5.6, 6.3, 5.4, 5.6, 6.3),
    ("mGPU", 64, "sparse"): (5.0, 4.6, 5.1, 4.8, 4.7, 5.0),
}
#: EIE's power in W. The abstract says 600 mW, §I 590 mW and Table V 0.59 W; 0.6 W is the value
#: that reproduces Fig. 7 to the unit (computed here; see docs/references.md).
EIE_POWER_W: float = 0.6

#: The series of Figs 6 and 7 and the Table IV row each is computed from (batch 1).
SERIES: dict[str, tuple[str, int, str]] = {
    "CPU Dense": ("CPU", 1, "dense"),
    "CPU Compressed": ("CPU", 1, "sparse"),
    "GPU Dense": ("GPU", 1, "dense"),
    "GPU Compressed": ("GPU", 1, "sparse"),
    "mGPU Dense": ("mGPU", 1, "dense"),
    "mGPU Compressed": ("mGPU", 1, "sparse"),
    "EIE": ("EIE", 1, "actual"),
}

#: [EIE Fig. 6] data labels (speedup over CPU dense, batch 1): nine layers then "Geo Mean".
FIG6_LABELS: dict[str, tuple[str, ...]] = {
    "CPU Dense": ("1",) * 10,
    "CPU Compressed": ("2", "5", "1", "9", "10", "1", "2", "3", "2", "3"),
    "GPU Dense": ("14", "25", "14", "24", "22", "10", "9", "15", "9", "15"),
    "GPU Compressed": ("56", "94", "21", "210", "135", "16", "34", "33", "25", "48"),
    "mGPU Dense": ("0.6", "1.1", "0.5", "1.0", "1.0", "0.3", "0.5", "0.5", "0.5", "0.6"),
    "mGPU Compressed": ("3", "5", "1", "8", "9", "1", "3", "2", "1", "3"),
    "EIE": ("248", "507", "115", "1018", "618", "92", "63", "98", "60", "189"),
}
#: [EIE Fig. 7] data labels (energy efficiency over CPU dense, batch 1).
FIG7_LABELS: dict[str, tuple[str, ...]] = {
    "CPU Dense": ("1",) * 10,
    "CPU Compressed": ("5", "9", "3", "17", "20", "2", "6", "6", "4", "6"),
    "GPU Dense": ("7", "12", "7", "10", "10", "5", "6", "6", "5", "7"),
    "GPU Compressed": ("26", "37", "10", "78", "61", "8", "25", "14", "15", "23"),
    "mGPU Dense": ("10", "15", "7", "13", "14", "5", "8", "7", "7", "9"),
    "mGPU Compressed": ("37", "59", "18", "101", "102", "14", "39", "25", "20", "36"),
    "EIE": ("34,522", "61,533", "14,826", "119,797", "76,784", "11,828", "9,485", "10,904",
            "8,053", "24,207"),
}
#: Fig. 6 labels that Table IV does NOT reproduce (docs/references.md): (series, layer).
FIG6_MISMATCHES: tuple[tuple[str, str], ...] = (("EIE", "NT-We"), ("EIE", "NT-LSTM"))

#: [DC Table 2] LeNet-300-100 per layer: kept %, weight bits P+Q / P+Q+H,
#: index bits P+Q / P+Q+H, compress rate % P+Q / P+Q+H.
DC_TABLE_2: dict[str, dict[str, float]] = {
    "ip1": {"weights": 235_000, "kept_pct": 8, "w_bits_pq": 6, "w_bits_pqh": 4.4, "idx_bits_pq": 5,
            "idx_bits_pqh": 3.7, "rate_pq_pct": 3.1, "rate_pqh_pct": 2.32},
    "ip2": {"weights": 30_000, "kept_pct": 9, "w_bits_pq": 6, "w_bits_pqh": 4.4, "idx_bits_pq": 5,
            "idx_bits_pqh": 4.3, "rate_pq_pct": 3.8, "rate_pqh_pct": 3.04},
    "ip3": {"weights": 1_000, "kept_pct": 26, "w_bits_pq": 6, "w_bits_pqh": 4.3, "idx_bits_pq": 5,
            "idx_bits_pqh": 3.2, "rate_pq_pct": 15.7, "rate_pqh_pct": 12.70},
    "total": {"weights": 266_000, "kept_pct": 8, "w_bits_pq": 6, "w_bits_pqh": 5.1,
              "idx_bits_pq": 5, "idx_bits_pqh": 3.7, "rate_pq_pct": 3.1, "rate_pqh_pct": 2.49},
}
#: [DC Table 3] LeNet-5 (Caffe) per layer, same columns as :data:`DC_TABLE_2`: 8-bit codes for the
#: convolutions, 5-bit for the fully connected layers; 39x overall (431K weights, 8% kept).
DC_TABLE_3: dict[str, dict[str, float]] = {
    "conv1": {"weights": 500, "kept_pct": 66, "w_bits_pq": 8, "w_bits_pqh": 7.2,
              "idx_bits_pq": 5, "idx_bits_pqh": 1.5, "rate_pq_pct": 78.5, "rate_pqh_pct": 67.45},
    "conv2": {"weights": 25_000, "kept_pct": 12, "w_bits_pq": 8, "w_bits_pqh": 7.2,
              "idx_bits_pq": 5, "idx_bits_pqh": 3.9, "rate_pq_pct": 6.0, "rate_pqh_pct": 5.28},
    "ip1": {"weights": 400_000, "kept_pct": 8, "w_bits_pq": 5, "w_bits_pqh": 4.5,
            "idx_bits_pq": 5, "idx_bits_pqh": 4.5, "rate_pq_pct": 2.7, "rate_pqh_pct": 2.45},
    "ip2": {"weights": 5_000, "kept_pct": 19, "w_bits_pq": 5, "w_bits_pqh": 5.2,
            "idx_bits_pq": 5, "idx_bits_pqh": 3.7, "rate_pq_pct": 6.9, "rate_pqh_pct": 6.13},
    "total": {"weights": 431_000, "kept_pct": 8, "w_bits_pq": 5.3, "w_bits_pqh": 4.1,
              "idx_bits_pq": 5, "idx_bits_pqh": 4.4, "rate_pq_pct": 3.05, "rate_pqh_pct": 2.55},
}
#: [DC Table 4] AlexNet per layer, same columns as :data:`DC_TABLE_2` (4-bit indices everywhere,
#: 8-bit conv and 5-bit fc codes); 27x at P+Q, 35x at P+Q+H. "weights" are the table's rounded
#: counts (35K ... 38M); the rates are of the 32-bit layer.
DC_TABLE_4: dict[str, dict[str, float]] = {
    "conv1": {"weights": 35_000, "kept_pct": 84, "w_bits_pq": 8, "w_bits_pqh": 6.3,
              "idx_bits_pq": 4, "idx_bits_pqh": 1.2, "rate_pq_pct": 32.6, "rate_pqh_pct": 20.53},
    "conv2": {"weights": 307_000, "kept_pct": 38, "w_bits_pq": 8, "w_bits_pqh": 5.5,
              "idx_bits_pq": 4, "idx_bits_pqh": 2.3, "rate_pq_pct": 14.5, "rate_pqh_pct": 9.43},
    "conv3": {"weights": 885_000, "kept_pct": 35, "w_bits_pq": 8, "w_bits_pqh": 5.1,
              "idx_bits_pq": 4, "idx_bits_pqh": 2.6, "rate_pq_pct": 13.1, "rate_pqh_pct": 8.44},
    "conv4": {"weights": 663_000, "kept_pct": 37, "w_bits_pq": 8, "w_bits_pqh": 5.2,
              "idx_bits_pq": 4, "idx_bits_pqh": 2.5, "rate_pq_pct": 14.1, "rate_pqh_pct": 9.11},
    "conv5": {"weights": 442_000, "kept_pct": 37, "w_bits_pq": 8, "w_bits_pqh": 5.6,
              "idx_bits_pq": 4, "idx_bits_pqh": 2.5, "rate_pq_pct": 14.0, "rate_pqh_pct": 9.43},
    "fc6": {"weights": 38_000_000, "kept_pct": 9, "w_bits_pq": 5, "w_bits_pqh": 3.9,
            "idx_bits_pq": 4, "idx_bits_pqh": 3.2, "rate_pq_pct": 3.0, "rate_pqh_pct": 2.39},
    "fc7": {"weights": 17_000_000, "kept_pct": 9, "w_bits_pq": 5, "w_bits_pqh": 3.6,
            "idx_bits_pq": 4, "idx_bits_pqh": 3.7, "rate_pq_pct": 3.0, "rate_pqh_pct": 2.46},
    "fc8": {"weights": 4_000_000, "kept_pct": 25, "w_bits_pq": 5, "w_bits_pqh": 4,
            "idx_bits_pq": 4, "idx_bits_pqh": 3.2, "rate_pq_pct": 7.3, "rate_pqh_pct": 5.85},
    "total": {"weights": 61_000_000, "kept_pct": 11, "w_bits_pq": 5.4, "w_bits_pqh": 4,
              "idx_bits_pq": 4, "idx_bits_pqh": 3.2, "rate_pq_pct": 3.7, "rate_pqh_pct": 2.88},
}
#: [LWC §4.2] AlexNet's training cost on one NVIDIA Titan X, hours: the baseline's training and
#: the retraining of the pruned network (with 1/100 of the initial learning rate).
LWC_ALEXNET_HOURS: dict[str, float] = {"train": 75.0, "retrain": 173.0}
#: [EIE Table I] energy per operation at 45 nm (Horowitz), pJ. The register-file row is [LWC Fig. 1].
TABLE_I_ENERGY_PJ: dict[str, float] = {
    "32 bit int ADD": 0.1, "32 bit float ADD": 0.9, "32 bit Register File": 1.0,
    "32 bit int MULT": 3.1, "32 bit float MULT": 3.7, "32 bit 32KB SRAM": 5.0,
    "32 bit DRAM": 640.0,
}
#: [EIE Table II] power of one PE by module, mW (total 9.157 mW at 800 MHz).
TABLE_II_PE_POWER_MW: dict[str, float] = {
    "Act queue": 0.112, "PtrRead": 1.807, "SpmatRead": 4.955, "ArithmUnit": 1.162, "ActRW": 1.122,
}
#: [EIE Table II] area of one PE by module, µm² (total 638,024 µm² with 23,961 µm² of filler cells).
TABLE_II_PE_AREA_UM2: dict[str, float] = {
    "Act queue": 758, "PtrRead": 121_849, "SpmatRead": 469_412, "ArithmUnit": 3_110, "ActRW": 18_934,
    "filler cell": 23_961,
}
#: [EIE Table II] one PE by component type: name -> (power mW, area µm²); "total" is the PE.
#: The text: "area and power is dominated by SRAM, the ratio is 93% and 59%" ("memory" row).
TABLE_II_BY_TYPE: dict[str, tuple[float, float]] = {
    "memory": (5.416, 594_786), "clock network": (1.874, 866), "register": (1.026, 9_465),
    "combinational": (0.841, 8_946), "filler cell": (0.0, 23_961), "total": (9.157, 638_024),
}
#: SRAM per PE in KB, [EIE §VI]: 128 + 32 + 2 = 162.
SRAM_PER_PE_KB: dict[str, int] = {"SpMat": 128, "Ptr": 32, "Act": 2}

#: [EIE §VI-C, Fig. 10] AlexNet top-5 accuracy by arithmetic precision, % (ImageNet).
PRECISION_TOP5: dict[str, float] = {"32b float": 80.3, "16b fixed": 79.8, "8b fixed": 53.0}
#: [EIE §VI-C] a 16-bit fixed multiply uses this many times less energy than the named ones.
MULT_ENERGY_RATIO_16B: dict[str, float] = {"32b fixed": 5.0, "32b float": 6.2}

#: [DC Table 1] the four networks before and after Deep Compression: top-1 error % (reference,
#: compressed), parameter size (reference, compressed) in KB, and the compression rate.
DC_TABLE_1: dict[str, dict[str, float]] = {
    "LeNet-300-100": {"error_ref": 1.64, "error_dc": 1.58, "size_ref_kb": 1070, "size_dc_kb": 27,
                      "rate": 40},
    "LeNet-5": {"error_ref": 0.80, "error_dc": 0.74, "size_ref_kb": 1720, "size_dc_kb": 44,
                "rate": 39},
    "AlexNet": {"error_ref": 42.78, "error_dc": 42.78, "size_ref_kb": 240_000, "size_dc_kb": 6_900,
                "rate": 35},
    "VGG-16": {"error_ref": 31.50, "error_dc": 31.17, "size_ref_kb": 552_000,
               "size_dc_kb": 11_300, "rate": 49},
}
#: [DC Tables 2-5, Total rows] pruning and quantization only (P+Q) vs with Huffman (P+Q+H): rates.
DC_RATES_PQ_PQH: dict[str, tuple[float, float]] = {
    "LeNet-300-100": (32, 40), "LeNet-5": (33, 39), "AlexNet": (27, 35), "VGG-16": (31, 49),
}
#: [DC Table 6] AlexNet bits per weight (CONV, FC) -> top-1 / top-5 error %, quantized after pruning.
DC_TABLE_6: dict[tuple[int, int], tuple[float, float]] = {
    (32, 32): (42.78, 19.73), (8, 5): (42.78, 19.70), (8, 4): (42.79, 19.73),
    (4, 2): (44.77, 22.33),
}
#: [LWC Table 1] parameter counts of the reference networks (AlexNet 61M, VGG-16 138M).
PARAMETERS: dict[str, int] = {"LeNet-300-100": 267_000, "LeNet-5": 431_000,
                              "AlexNet": 61_000_000, "VGG-16": 138_000_000}

#: Where every constant comes from.
SOURCES: dict[str, str] = {
    "TABLE_III": "[EIE Table III]",
    "DC_TABLE_2": "[DC Table 2]",
    "DC_TABLE_3": "[DC Table 3]",
    "DC_TABLE_4": "[DC Table 4]",
    "LWC_ALEXNET_HOURS": "[LWC §4.2] (NVIDIA Titan X)",
    "TABLE_IV_US": "[EIE Table IV]; AlexNet/VGG columns = [DC Table 8]",
    "DC_TABLE9_POWER_W": "[DC Table 9]",
    "EIE_POWER_W": "[EIE abstract] 600 mW; reproduces [EIE Fig. 7] exactly",
    "FIG6_LABELS": "[EIE Fig. 6] data labels",
    "FIG7_LABELS": "[EIE Fig. 7] data labels",
    "TABLE_I_ENERGY_PJ": "[EIE Table I], register file from [LWC Fig. 1]",
    "TABLE_II_PE_POWER_MW": "[EIE Table II]",
    "TABLE_II_PE_AREA_UM2": "[EIE Table II]",
    "TABLE_II_BY_TYPE": "[EIE Table II] (memory share of area and power: [EIE §VI])",
    "SRAM_PER_PE_KB": "[EIE §VI]",
    "PRECISION_TOP5": "[EIE §VI-C, Fig. 10]",
    "DC_TABLE_1": "[DC Table 1]",
    "DC_RATES_PQ_PQH": "[DC Tables 2-5], Total rows",
    "DC_TABLE_6": "[DC Table 6]",
    "PARAMETERS": "[LWC Table 1]",
    "MULT_ENERGY_RATIO_16B": "[EIE §VI-C]",
}


def geomean(values: Iterable[float]) -> float:
    """Geometric mean of positive numbers (NaNs are skipped).

    Parameters
    ----------
    values : iterable of float

    Examples
    --------
    >>> geomean([1, 100])
    10.0
    """
    arr = np.asarray(list(values), dtype=float)
    arr = arr[~np.isnan(arr)]
    if arr.size == 0 or np.any(arr <= 0):
        raise ConfigError(fail_message("values", arr.tolist(), "need at least one positive number "
                                       "and no zero or negative ones", "pass positive ratios"))
    return float(np.exp(np.log(arr).mean()))


def label_values(labels: Sequence[str]) -> list[float]:
    """Turn figure labels such as ``"34,522"`` into floats.

    Parameters
    ----------
    labels : sequence of str

    Examples
    --------
    >>> label_values(["34,522", "0.6"])
    [34522.0, 0.6]
    """
    return [float(s.replace(",", "")) for s in labels]


def format_label(value: float, series: str, figure: str = "fig6") -> str:
    """Format a ratio the way the paper's figures print it.

    The mGPU Dense speedups (all near 1) are printed with one decimal, everything else as a
    rounded integer (half away from zero); Fig. 7 puts a thousands separator into values of 1000
    or more, Fig. 6 does not ("1018"). NaN -> "n/a".

    Parameters
    ----------
    value : float
    series : str
        A key of :data:`SERIES`, e.g. ``"EIE"`` or ``"mGPU Dense"``.
    figure : {"fig6", "fig7"}

    Examples
    --------
    >>> format_label(0.345, "mGPU Dense"), format_label(1018.1, "EIE"), format_label(20.79, "GPU")
    ('0.3', '1018', '21')
    >>> format_label(34521.6, "EIE", "fig7")
    '34,522'
    """
    if value is None or math.isnan(value):
        return "n/a"
    if series == "mGPU Dense" and value < 2:
        return f"{math.floor(value * 10 + 0.5) / 10:.1f}"
    return f"{math.floor(value + 0.5):,d}" if figure == "fig7" else f"{math.floor(value + 0.5):d}"


def table_iv_time(platform: str, batch: int, matrix: str) -> dict[str, float]:
    """One row of [EIE Table IV] as {layer: µs}.

    Parameters
    ----------
    platform, batch, matrix : str, int, str
        A key of :data:`TABLE_IV_US`, e.g. ``("GPU", 1, "dense")`` or ``("EIE", 1, "actual")``.

    Examples
    --------
    >>> table_iv_time("GPU", 1, "dense")["Alex-7"]
    243.0
    """
    key = (platform, batch, matrix)
    if key not in TABLE_IV_US:
        raise ConfigError(fail_message("(platform, batch, matrix)", key, "not a row of Table IV",
                                       f"use one of {sorted(TABLE_IV_US)}"))
    return dict(zip(LAYER_NAMES, TABLE_IV_US[key]))


def _eie_times(eie_times_us: Mapping[str, float] | None) -> tuple[float, ...]:
    if eie_times_us is None:
        return TABLE_IV_US[("EIE", 1, "actual")]
    missing = [name for name in LAYER_NAMES if name not in eie_times_us]
    if missing:
        raise ConfigError(fail_message("eie_times_us", sorted(eie_times_us), f"lacks {missing}",
                                       "give a time in µs for each of the nine layers"))
    return tuple(float(eie_times_us[name]) for name in LAYER_NAMES)


def speedups(eie_times_us: Mapping[str, float] | None = None) -> dict[str, list[float]]:
    """[EIE Fig. 6] recomputed: CPU-dense time / platform time, per series and layer (batch 1).

    Parameters
    ----------
    eie_times_us : mapping, optional
        EIE times {layer: µs} to use instead of Table IV's actual times (e.g. simulated ones).

    Returns
    -------
    dict
        {series: [nine ratios in LAYER_NAMES order]}.

    Examples
    --------
    >>> [format_label(v, "GPU Dense") for v in speedups()["GPU Dense"][:3]]
    ['14', '25', '14']
    """
    base = np.asarray(TABLE_IV_US[("CPU", 1, "dense")])
    out = {}
    for series, key in SERIES.items():
        times = _eie_times(eie_times_us) if series == "EIE" else TABLE_IV_US[key]
        out[series] = (base / np.asarray(times)).tolist()
    return out


def energy_efficiencies(eie_times_us: Mapping[str, float] | None = None,
                        eie_power_w: float = EIE_POWER_W) -> dict[str, list[float]]:
    """[EIE Fig. 7] recomputed: (t·P of CPU dense) / (t·P of the platform), batch 1.

    Times are Table IV's, powers DC Table 9's, EIE at ``eie_power_w``. The NeuralTalk layers have
    no published powers, so their entries are NaN.

    Parameters
    ----------
    eie_times_us : mapping, optional
        EIE times {layer: µs} instead of Table IV's actual ones (e.g. simulated ones).
    eie_power_w : float
        EIE's power in W (paper: 0.6).

    Returns
    -------
    dict of str to list of float
        {series: nine ratios in LAYER_NAMES order}.

    Examples
    --------
    >>> e = energy_efficiencies()
    >>> format_label(e["EIE"][0], "EIE", "fig7"), math.isnan(e["EIE"][6])
    ('34,522', True)
    """
    if not eie_power_w > 0:
        raise ConfigError(fail_message("eie_power_w", eie_power_w, "must be > 0",
                                       "use the paper's 0.6 W"))
    n = len(ALEXNET_VGG)
    base = (np.asarray(TABLE_IV_US[("CPU", 1, "dense")][:n])
            * np.asarray(DC_TABLE9_POWER_W[("CPU", 1, "dense")]))
    out = {}
    for series, key in SERIES.items():
        if series == "EIE":
            times, power = np.asarray(_eie_times(eie_times_us)[:n]), np.full(n, eie_power_w)
        else:
            times, power = np.asarray(TABLE_IV_US[key][:n]), np.asarray(DC_TABLE9_POWER_W[key])
        ratio = base / (times * power)
        # CPU dense against itself is 1 whatever its power; every other NT entry is unknown.
        tail = 1.0 if series == "CPU Dense" else math.nan
        out[series] = ratio.tolist() + [tail] * len(NEURALTALK)
    return out


def recomputed_labels(figure: str = "fig6") -> dict[str, list[str]]:
    """Fig. 6 or 7 labels (``figure="fig6"``/``"fig7"``) recomputed, formatted like the paper's.

    The last entry is the geometric mean of the nine *paper labels* (which is what the paper
    prints; e.g. Fig. 6 EIE 189x). NaN entries print as "n/a".

    Returns
    -------
    dict of str to list of str
        {series: nine labels, then the geometric mean}.

    Examples
    --------
    >>> recomputed_labels("fig7")["EIE"][:2]
    ['34,522', '61,533']
    """
    if figure not in ("fig6", "fig7"):
        raise ConfigError(fail_message("figure", figure, "must be 'fig6' or 'fig7'",
                                       "pass figure='fig6' (speed) or 'fig7' (energy)"))
    ratios, paper = (speedups(), FIG6_LABELS) if figure == "fig6" else (
        energy_efficiencies(), FIG7_LABELS)
    out = {}
    for series, values in ratios.items():
        labels = [format_label(v, series, figure) for v in values]
        labels.append(format_label(geomean(label_values(paper[series][:9])), series, figure))
        out[series] = labels
    return out


def table_iv_rows(batch: int | None = 1) -> list[dict[str, object]]:
    """[EIE Table IV] as rows (platform, batch, matrix, then µs per layer); ``batch=None``: all.

    Parameters
    ----------
    batch : int or None
        Keep the rows of this batch size (1 or 64) plus EIE's; None keeps every row.

    Examples
    --------
    >>> rows = table_iv_rows()
    >>> rows[0]["platform"], rows[0]["Alex-6"], rows[-1]["matrix"], rows[-1]["NT-LSTM"]
    ('CPU', 7516.2, 'actual', 7.5)
    """
    out = []
    for (platform, b, matrix), times in TABLE_IV_US.items():
        if batch is None or b == batch or platform == "EIE":
            out.append({"platform": platform, "batch": b if platform != "EIE" else "-",
                        "matrix": matrix, **dict(zip(LAYER_NAMES, times))})
    return out


def label_comparison(figure: str = "fig6") -> list[dict[str, str]]:
    """Per series (``figure="fig6"``/``"fig7"``): recomputed labels, the paper's where they differ.

    Returns
    -------
    list of dict of str to str
        ``{"series": ..., layer: label, ..., "Geo Mean": label}`` per series.

    Examples
    --------
    >>> row = label_comparison("fig6")[-1]
    >>> row["series"], row["Alex-6"], row["NT-We"]
    ('EIE', '248', '76 (paper 63)')
    """
    recomputed = recomputed_labels(figure)
    paper = FIG6_LABELS if figure == "fig6" else FIG7_LABELS
    out = []
    for series, labels in recomputed.items():
        row = {"series": series}
        for name, ours, theirs in zip((*LAYER_NAMES, "Geo Mean"), labels, paper[series]):
            row[name] = ours if ours == theirs else f"{ours} (paper {theirs})"
        out.append(row)
    return out
