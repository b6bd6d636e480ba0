"""The trained LeNet-300-100 that the design-to-target parts of labs 1, 2 and 7 are judged on.

Loaded once per grader process (from the :mod:`eie_lab.nn.zoo` cache) with the MNIST test set;
the judges measure a submission's extra test error against it in percentage points.
"""

from __future__ import annotations

import functools

import numpy as np

from eie_lab.nn.zoo import mnist_arrays, pretrained_lenet300

__all__ = ["lenet_baseline", "error_pp"]


@functools.lru_cache(maxsize=1)
def lenet_baseline():
    """(model, x_test, y_test): the cached baseline and the 10,000 MNIST test images."""
    model = pretrained_lenet300()
    _, _, x_test, y_test = mnist_arrays()
    return model, x_test, y_test


def error_pp(model, x: np.ndarray, y: np.ndarray) -> float:
    """Test error of ``model`` on ``(x, y)`` in percent.

    Examples
    --------
    >>> from eie_lab.nn import MLP
    >>> net = MLP((2, 3, 2), seed=0)
    >>> 0.0 <= error_pp(net, np.zeros((4, 2), np.float32), np.array([0, 1, 0, 1])) <= 100.0
    True
    """
    return 100.0 * float(np.mean(np.argmax(model.forward(x), axis=1) != y))
