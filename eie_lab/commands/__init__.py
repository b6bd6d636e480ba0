"""Sub-commands of the ``eie-lab`` CLI, one module each (see :mod:`eie_lab.cli`)."""
