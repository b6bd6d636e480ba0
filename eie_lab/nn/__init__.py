"""A small numpy trainer for LeNet-300-100 (the network of DC Table 2).

Examples
--------
>>> from eie_lab.nn import lenet300
>>> lenet300(seed=0).n_weights()
266200
"""

from eie_lab.nn.mlp import LENET300_NAMES, LENET300_SIZES, MLP, Dense, lenet300
from eie_lab.nn.train import GradHook, History, evaluate, train

__all__ = ["MLP", "Dense", "lenet300", "LENET300_SIZES", "LENET300_NAMES", "train", "evaluate",
           "History", "GradHook"]
