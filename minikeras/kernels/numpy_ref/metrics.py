"""Metric math: which predictions match their labels, and weighted confusion-matrix counts.

    binary:  matches = (y_true == (y_pred > threshold))     y_true, y_pred, matches: (n,)
    argmax:  matches = (labels == argmax_j y_pred[:, j])     labels, matches: (rows,)
                                                             y_pred: (rows, k)
    top-k:   matches = (#{j : y_pred[r, j] > y_pred[r, label]} < k)   (TensorFlow's in_top_k:
             ties at the boundary count; a non-finite score or an out-of-range label never does)
    confusion counts at each threshold t, per label column l (labels, y_pred, weights: (n, L)):
             tp[t, l] = sum_i w[i, l] * [label != 0] * [y_pred > thresholds[t]]
             fp[t, l] = sum_i w[i, l] * [label == 0] * [y_pred > thresholds[t]]
             tn, fn   = the same with [y_pred <= thresholds[t]]          tp, ...: (T, L)
    bucketed (Keras's fast path for evenly spaced thresholds i / (T - 1)):
             bucket = ceil(clip(y_pred, 0, 1) * (T - 1)) - 1   (max(., 0) when clamp_low)
             sample counts as predicted positive at threshold t when bucket >= t
             tp = reverse cumulative sum of the per-bucket weighted positives,
             tn = total negatives - fp, fn = total positives - tp
Labels come in y_pred's float dtype (Keras compares them as floats); ties in argmax go to the
first index, as NumPy and TensorFlow do. Inputs are assumed finite unless said otherwise.
"""

import numpy as np

__all__ = ["binary_accuracy_matches", "argmax_matches", "top_k_matches", "confusion_counts",
           "confusion_counts_bucketed"]


def binary_accuracy_matches(y_true, y_pred, threshold):
    predicted = (y_pred > y_pred.dtype.type(threshold)).astype(y_pred.dtype)
    return (y_true == predicted).astype(y_pred.dtype)


def argmax_matches(labels, y_pred):
    return (labels == np.argmax(y_pred, axis=-1)).astype(y_pred.dtype)


def top_k_matches(labels, y_pred, k):
    """labels: (rows,) int64; y_pred: (rows, classes) -> matches (rows,) in y_pred's dtype."""
    rows, classes = y_pred.shape
    valid = (labels >= 0) & (labels < classes)
    target = y_pred[np.arange(rows), np.where(valid, labels, 0)]
    higher = np.sum(y_pred > target[:, None], axis=1)
    return (valid & np.isfinite(target) & (higher < k)).astype(y_pred.dtype)


def confusion_counts(labels, y_pred, weights, thresholds):
    """labels, y_pred, weights: (n, L); thresholds: (T,) -> (tp, fp, tn, fn), each (T, L)."""
    predicted = y_pred[None, :, :] > thresholds[:, None, None]  # (T, n, L)
    positive = (labels != 0)[None, :, :]
    zero = np.zeros((), dtype=y_pred.dtype)

    def count(cond):
        return np.sum(np.where(cond, weights[None, :, :], zero), axis=1).astype(y_pred.dtype)

    return (count(positive & predicted), count(~positive & predicted),
            count(~positive & ~predicted), count(positive & ~predicted))


def confusion_counts_bucketed(labels, y_pred, weights, num_thresholds, clamp_low):
    """labels, y_pred, weights: (n, L) -> (tp, fp, tn, fn), each (num_thresholds, L)."""
    dt = y_pred.dtype.type
    n, width = y_pred.shape
    bucket = np.ceil(np.clip(y_pred, dt(0), dt(1)) * dt(num_thresholds - 1)) - dt(1)
    if clamp_low:
        bucket = np.maximum(bucket, dt(0))
    bucket = bucket.astype(np.int64)
    is_true = (labels != 0).astype(y_pred.dtype)
    true_w, false_w = is_true * weights, (dt(1) - is_true) * weights
    per_bucket_t = np.zeros((num_thresholds, width), dtype=y_pred.dtype)
    per_bucket_f = np.zeros((num_thresholds, width), dtype=y_pred.dtype)
    kept = bucket >= 0  # bucket -1 (y_pred 0 without the epsilon) is below every threshold
    cols = np.broadcast_to(np.arange(width), (n, width))
    np.add.at(per_bucket_t, (bucket[kept], cols[kept]), true_w[kept])
    np.add.at(per_bucket_f, (bucket[kept], cols[kept]), false_w[kept])
    tp = np.cumsum(per_bucket_t[::-1], axis=0)[::-1]
    fp = np.cumsum(per_bucket_f[::-1], axis=0)[::-1]
    tn = np.sum(false_w, axis=0) - fp
    fn = np.sum(true_w, axis=0) - tp
    return tp, fp, tn.astype(y_pred.dtype), fn.astype(y_pred.dtype)
