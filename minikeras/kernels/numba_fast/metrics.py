"""numba twins of `numpy_ref/metrics.py`: one pass per row, no temporary arrays."""

import numpy as np
from numba import njit

__all__ = ["binary_accuracy_matches", "argmax_matches"]


@njit(cache=True)
def binary_accuracy_matches(y_true, y_pred, threshold):
    dt = y_pred.dtype.type
    cut, one, zero = dt(threshold), dt(1), dt(0)
    matches = np.empty(y_pred.shape[0], dtype=y_pred.dtype)
    for i in range(y_pred.shape[0]):
        predicted = one if y_pred[i] > cut else zero
        matches[i] = one if y_true[i] == predicted else zero
    return matches


@njit(cache=True)
def argmax_matches(labels, y_pred):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    matches = np.empty(rows, dtype=y_pred.dtype)
    for r in range(rows):
        best = 0
        for j in range(1, k):
            if y_pred[r, j] > y_pred[r, best]:
                best = j
        matches[r] = dt(1) if labels[r] == dt(best) else dt(0)
    return matches
