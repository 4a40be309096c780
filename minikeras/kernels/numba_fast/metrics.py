"""numba twins of `numpy_ref/metrics.py`: one pass per row, no temporary arrays."""

import math

import numpy as np
from numba import njit

__all__ = ["binary_accuracy_matches", "argmax_matches", "top_k_matches", "confusion_counts",
           "confusion_counts_bucketed"]


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


@njit(cache=True)
def top_k_matches(labels, y_pred, k):
    dt = y_pred.dtype.type
    rows, classes = y_pred.shape
    matches = np.zeros(rows, dtype=y_pred.dtype)
    for r in range(rows):
        label = labels[r]
        if label < 0 or label >= classes or not math.isfinite(y_pred[r, label]):
            continue
        target, higher = y_pred[r, label], 0
        for j in range(classes):
            if y_pred[r, j] > target:
                higher += 1
        if higher < k:
            matches[r] = dt(1)
    return matches


@njit(cache=True)
def confusion_counts(labels, y_pred, weights, thresholds):
    n, width = y_pred.shape
    t_count = thresholds.shape[0]
    tp = np.zeros((t_count, width), dtype=y_pred.dtype)
    fp = np.zeros((t_count, width), dtype=y_pred.dtype)
    tn = np.zeros((t_count, width), dtype=y_pred.dtype)
    fn = np.zeros((t_count, width), dtype=y_pred.dtype)
    for t in range(t_count):
        cut = thresholds[t]
        for i in range(n):
            for c in range(width):
                w = weights[i, c]
                if y_pred[i, c] > cut:
                    if labels[i, c] != 0:
                        tp[t, c] += w
                    else:
                        fp[t, c] += w
                elif labels[i, c] != 0:
                    fn[t, c] += w
                else:
                    tn[t, c] += w
    return tp, fp, tn, fn


@njit(cache=True)
def confusion_counts_bucketed(labels, y_pred, weights, num_thresholds, clamp_low):
    dt = y_pred.dtype.type
    n, width = y_pred.shape
    per_t = np.zeros((num_thresholds, width), dtype=y_pred.dtype)
    per_f = np.zeros((num_thresholds, width), dtype=y_pred.dtype)
    total_t = np.zeros(width, dtype=y_pred.dtype)
    total_f = np.zeros(width, dtype=y_pred.dtype)
    scale = dt(num_thresholds - 1)
    for i in range(n):
        for c in range(width):
            p = min(max(y_pred[i, c], dt(0)), dt(1))
            b = int(np.ceil(p * scale)) - 1
            if clamp_low and b < 0:
                b = 0
            is_true = labels[i, c] != 0
            if is_true:
                total_t[c] += weights[i, c]
            else:
                total_f[c] += weights[i, c]
            if b >= 0:
                if is_true:
                    per_t[b, c] += weights[i, c]
                else:
                    per_f[b, c] += weights[i, c]
    tp = np.empty((num_thresholds, width), dtype=y_pred.dtype)
    fp = np.empty((num_thresholds, width), dtype=y_pred.dtype)
    tn = np.empty((num_thresholds, width), dtype=y_pred.dtype)
    fn = np.empty((num_thresholds, width), dtype=y_pred.dtype)
    for c in range(width):
        run_t, run_f = dt(0), dt(0)
        for t in range(num_thresholds - 1, -1, -1):
            run_t += per_t[t, c]
            run_f += per_f[t, c]
            tp[t, c], fp[t, c] = run_t, run_f
            tn[t, c], fn[t, c] = total_f[c] - run_f, total_t[c] - run_t
    return tp, fp, tn, fn
