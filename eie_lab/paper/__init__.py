"""Reproducing the EIE paper on the simulator: the functions behind ``eie-lab reproduce``.

- :mod:`eie_lab.paper.sweeps`: the design-space sweeps of EIE Figs 8, 9, 11-13 on the simulator.
- :mod:`eie_lab.paper.reproduce`: writes Table IV, the sweeps and Figs 6/7 as CSV tables and PNG
  figures.
- :mod:`eie_lab.paper.comparison`: the simulator beside Table IV and Figs 6/7.
- :mod:`eie_lab.paper.limits`: where EIE stops winning (notebook 10): the batch size at which a
  CPU/GPU overtakes EIE per frame, AlexNet's FC layers on chip at P+Q vs P+Q+H, and what
  retraining costs (the convolution and broadcast limits are simulator questions:
  :mod:`eie_lab.eie.conv_lowering`, :mod:`eie_lab.eie.bottlenecks`).

The papers' numbers themselves (EIE Tables I-IV, Figs 6/7 labels, DC Table 9) live on the ground
floor, in :mod:`eie_lab.paper_tables`, so that the simulator's energy model and the data layer can
read them without importing this package (which sits above :mod:`eie_lab.viz`).
"""
