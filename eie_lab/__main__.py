"""``python -m eie_lab`` runs the command line."""

import sys

from eie_lab.cli import main

sys.exit(main())
