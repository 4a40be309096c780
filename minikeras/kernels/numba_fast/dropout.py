"""numba twin of `numpy_ref/dropout.py`: one pass, no temporaries, where the mask has x's shape.

NumPy's `where(keep, x * scale, 0)` makes x * scale first and then selects, 2.9 ms for W7's
(128, 12, 12, 64) float32 maps; this loop writes each element once (same bits). A mask of a
smaller noise shape (broadcast), or another dtype (float16), runs the reference.
"""

import numpy as np
from numba import njit

from ..numpy_ref import dropout as reference

__all__ = ["dropout_forward"]


@njit(cache=True, error_model="numpy")
def _dropout_select(x, keep, scale):
    x1, k1, y = x.ravel(), keep.ravel(), np.empty(x.size, x.dtype)
    zero = x.dtype.type(0)
    for i in range(y.size):
        y[i] = x1[i] * scale if k1[i] else zero
    return y.reshape(x.shape)


def dropout_forward(x, keep, rate):
    if rate >= 1.0 or keep.shape != x.shape or x.dtype not in (np.float32, np.float64):
        return reference.dropout_forward(x, keep, rate)
    scale = x.dtype.type(1.0 / (1.0 - rate))
    return _dropout_select(np.ascontiguousarray(x), np.ascontiguousarray(keep), scale)
