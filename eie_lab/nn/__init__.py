"""Small numpy trainers: LeNet-300-100 (DC Table 2) and the convolutional LeNet-5 (DC Table 3).

Examples
--------
>>> from eie_lab.nn import lenet300, lenet5
>>> lenet300(seed=0).n_weights(), lenet5(seed=0).n_weights()
(266200, 430500)
"""

from eie_lab.nn.conv import LENET5_NAMES, Conv2D, ConvNet, lenet5
from eie_lab.nn.mlp import LENET300_NAMES, LENET300_SIZES, MLP, Dense, lenet300
from eie_lab.nn.network import Network
from eie_lab.nn.train import GradHook, History, evaluate, train

__all__ = ["MLP", "Dense", "lenet300", "LENET300_SIZES", "LENET300_NAMES", "train", "evaluate",
           "History", "GradHook", "Network", "ConvNet", "Conv2D", "lenet5", "LENET5_NAMES"]
