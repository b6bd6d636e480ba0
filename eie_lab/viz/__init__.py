"""Plots, SVG frames and widgets. Nothing outside notebooks, the CLI and tests imports this."""
