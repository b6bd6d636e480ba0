"""Student-facing checks, one module per exercise, called by the exercises' test cells.

Each check takes the student's function, runs it on worked examples (``hidden=False``, the
visible tests) or on randomised cases checked against eie-lab's reference implementation
(``hidden=True``, the hidden tests, so hard-coded answers fail), and raises
:class:`~eie_lab.grading.checks._core.CheckFailed` with expected vs got and the first mismatch.
Each module's ``REFERENCE`` maps part names to reference solutions with the student-facing
signature; the test-suite runs every check on them.

Examples
--------
>>> from eie_lab.grading.checks import ex01_pruning
>>> ex01_pruning.check_prune_by_std(ex01_pruning.REFERENCE["prune_by_std"], hidden=True)
✓ prune_by_std: 30 hidden cases pass
"""

from __future__ import annotations

from eie_lab.grading.checks._core import CheckFailed

__all__ = ["CheckFailed", "EXERCISES"]

EXERCISES = ("ex01_pruning", "ex02_weight_sharing", "ex03_huffman", "ex04_relative_index",
             "ex05_eie_encoding_and_cycles", "ex06_load_balance", "ex07_compression_recipe",
             "ex08_sram_and_pingpong", "ex09_eie_vs_gpu", "ex10_limits")
