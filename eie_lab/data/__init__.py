"""Data sets: MNIST (:mod:`eie_lab.data.mnist`) and the EIE benchmark layers (:mod:`eie_lab.data.layers`)."""
