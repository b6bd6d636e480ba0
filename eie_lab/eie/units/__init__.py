"""The EIE hardware units, one module each, named as in the paper [EIE §IV, Fig. 4].

=====================================  ============================================  ==========
paper's name                           class / function                               module
=====================================  ============================================  ==========
Leading non-zero detection (LNZD)      :class:`LeadingNonZeroDetector`, lnzd_scan,    ``lnzd``
                                       row_delays
Activation queue                       :class:`ActivationQueue`                       ``activation_queue``
Pointer read unit                      :class:`PointerRead`, pointer_reads            ``pointer_read``
Sparse matrix read unit                :class:`SpmatRead`, line_reads                 ``spmat_read``
Arithmetic unit                        :class:`ArithmeticUnit`, to_fixed              ``arithmetic_unit``
Activation read/write (registers)      :class:`ActivationRegisters`, act_batches,     ``act_rw``
                                       batch_delays, input_batch
=====================================  ============================================  ==========

The cycle engine (:mod:`eie_lab.eie.cycle`) is built from these units and steps them one cycle
at a time; the fast engine (:mod:`eie_lab.eie.engine`) evaluates the timing contract in closed
form and takes its access counts and timing rules from the units' bulk rules (``lnzd_scan``,
``row_delays``, ``pointer_reads``, ``line_reads``, ``act_batches``, ``batch_delays``), so each
rule has one home.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie.units import LeadingNonZeroDetector
>>> det = LeadingNonZeroDetector(64)
>>> det.unit_count, det.path(37)
(21, [(2, 0), (1, 2), (0, 9)])
"""

from eie_lab.eie.units.act_rw import (
    ActivationRegisters,
    act_batches,
    batch_delays,
    input_batch,
    round_accumulators,
)
from eie_lab.eie.units.activation_queue import ActivationQueue
from eie_lab.eie.units.arithmetic_unit import ArithmeticUnit, to_fixed
from eie_lab.eie.units.lnzd import (
    FAN_IN,
    LeadingNonZeroDetector,
    LNZDScan,
    LNZDState,
    lnzd_scan,
    lnzd_unit_count,
    row_delays,
)
from eie_lab.eie.units.pointer_read import PointerRead, pointer_reads
from eie_lab.eie.units.spmat_read import SpmatRead, line_reads

__all__ = ["LeadingNonZeroDetector", "LNZDState", "LNZDScan", "lnzd_scan", "lnzd_unit_count",
           "FAN_IN", "ActivationQueue", "PointerRead", "pointer_reads", "SpmatRead", "line_reads",
           "ArithmeticUnit", "to_fixed", "ActivationRegisters", "act_batches", "batch_delays",
           "input_batch", "round_accumulators", "row_delays"]
