"""Dropout's math with a given keep mask (the layer draws the mask: layers/dropout.py).

    y  = where(keep, x * scale, 0)        scale = 1 / (1 - rate), computed in float64 and cast
    dx = where(keep, dy * scale, 0)       the same function applied to dy

x, y, dy, dx: (batch, ...) any rank; keep: bool, broadcastable to x (the noise shape).
rate >= 1 gives zeros. A dropped unit is 0 even where x is inf or nan (a select, as
TensorFlow's `where_v2`, not a multiplication by 0).
"""

import numpy as np

__all__ = ["dropout_forward"]


def dropout_forward(x, keep, rate):
    """y = where(keep, x * (1 / (1 - rate)), 0); x's shape and dtype."""
    if rate >= 1.0:
        return np.zeros_like(x)
    scale = x.dtype.type(1.0 / (1.0 - rate))
    return np.where(keep, x * scale, x.dtype.type(0))
