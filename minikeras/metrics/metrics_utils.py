"""Shared math of the confusion-matrix metrics (Keras's `metrics_utils.py`).

`confusion_counts` turns one batch into weighted true/false positive/negative counts at each
threshold; `auc_area` turns accumulated counts into the area under a curve the way Keras's
AUC does (a Riemann sum over its `num_thresholds` points, or the interpolated PR area of
Davis & Goadrich 2006), so values match Keras, not an exact (sklearn) AUC.
"""

import numpy as np

from .. import kernels
from .metric import divide_no_nan, squeeze_or_expand_to_same_rank

NEG_INF = -1e10  # the score given to classes outside the top k (Keras's NEG_INF)


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """A list of thresholds from None, a number or a list; each must lie in [0, 1]."""
    if thresholds is not None:
        values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
        invalid = [t for t in values if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    chosen = default_threshold if thresholds is None else thresholds
    return list(chosen) if isinstance(chosen, (list, tuple)) else [chosen]


def is_evenly_distributed_thresholds(thresholds):
    """True when thresholds are i / (T - 1) for i = 0..T-1 (T >= 3), within epsilon 1e-7."""
    thresholds = np.asarray(thresholds)
    if len(thresholds) < 3:
        return False
    even = np.arange(len(thresholds), dtype=np.float32) / (len(thresholds) - 1)
    return bool(np.allclose(thresholds, even, atol=1e-7))


def filter_top_k(x, k):
    """Keep the k largest scores of each row, set the others to NEG_INF (ties: lower index).

    x: (..., classes) -> the same shape and dtype.
    """
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=x.dtype)
    np.put_along_axis(mask, order, 1, axis=-1)
    return x * mask + x.dtype.type(NEG_INF) * (1 - mask)


def confusion_counts(y_true, y_pred, thresholds, dtype, evenly=False, top_k=None, class_id=None,
                     sample_weight=None, multi_label=False, label_weights=None):
    """Weighted (tp, fp, tn, fn) of one batch at each threshold, as Keras counts them.

    y_true, y_pred: (batch, ...) with matching ranks after Keras's squeeze/expand; positives
    are labels != 0, predicted positives are y_pred > threshold. top_k keeps each row's k best
    scores first; class_id then keeps one column. Returns four arrays of shape (T,), or
    (T, labels) with multi_label (y_pred (batch, labels)). evenly=True uses Keras's bucketed
    fast path, whose rounding at exact threshold values it copies.
    """
    y_true = np.asarray(y_true).astype(dtype)
    y_pred = np.asarray(y_pred).astype(dtype)
    clamp_low = bool(evenly and (thresholds[0] < 0 or thresholds[-1] > 1))
    thresholds = np.asarray(thresholds, dtype=np.float64).astype(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = np.expand_dims(np.asarray(sample_weight).astype(dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = np.ones(y_pred.shape, dtype=dtype)
    if sample_weight is not None:
        try:
            weights = weights * np.broadcast_to(sample_weight, y_pred.shape)
        except ValueError:
            raise ValueError(f"`sample_weight` of shape {np.shape(sample_weight)} cannot be "
                             f"broadcast to `y_pred` of shape {y_pred.shape}.") from None
    if label_weights is not None and not multi_label:
        weights = weights * np.broadcast_to(np.asarray(label_weights, dtype=dtype), y_pred.shape)
    try:
        y_true = np.broadcast_to(y_true, y_pred.shape)
    except ValueError:
        raise ValueError(f"`y_true` of shape {y_true.shape} does not match `y_pred` of shape "
                         f"{y_pred.shape} (after class_id / rank matching).") from None
    if multi_label:
        t, p, w = y_true, y_pred, weights
    else:
        t, p, w = (a.reshape(-1, 1) for a in (y_true, y_pred, weights))
    t, p, w = (np.ascontiguousarray(a) for a in (t, p, w))
    if evenly:
        counts = kernels.metrics.confusion_counts_bucketed(t, p, w, len(thresholds), clamp_low)
    else:
        counts = kernels.metrics.confusion_counts(t, p, w, thresholds)
    return tuple(c if multi_label else c[:, 0] for c in counts)


def _label_average(by_label, label_weights):
    """Mean over labels, or their weighted mean with label_weights."""
    if label_weights is None:
        return np.mean(by_label)
    return divide_no_nan(np.sum(by_label * label_weights), np.sum(label_weights))


def interpolate_pr_auc(tp, fp, fn, multi_label=False, label_weights=None):
    """Area under the precision-recall curve, interpolating precision between thresholds.

    Between thresholds i and i+1 precision is (dtp / dp) * p + intercept in the number of
    predicted positives p = tp + fp, whose integral over recall is
        slope * (dtp + intercept * log(p[i] / p[i+1])) / (tp[i+1] + fn[i+1])
    (ratios with an empty side count as 1). tp, fp, fn: (T,) or (T, labels).
    """
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = divide_no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    both = (p[:-1] > 0) & (p[1:] > 0)
    ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
    with np.errstate(divide="ignore", invalid="ignore"):
        increment = divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                                  np.maximum(tp[1:] + fn[1:], 0))
    if multi_label:
        return _label_average(np.sum(increment, axis=0), label_weights)
    return np.sum(increment)


def auc_area(tp, fp, tn, fn, curve, summation_method, multi_label=False, label_weights=None):
    """Keras's AUC from accumulated counts (T,) or (T, labels) at thresholds in rising order.

    ROC: x = false positive rate fp / (fp + tn), y = recall tp / (tp + fn)
    PR:  x = recall, y = precision tp / (tp + fp)    ("interpolation": `interpolate_pr_auc`)
    PRGAIN: Flach & Kull's gains, as Keras computes them.
    area = sum_i (x[i] - x[i+1]) * height_i, height = mean ("interpolation"), min
    ("minoring") or max ("majoring") of y[i], y[i+1].
    """
    if curve == "PR" and summation_method == "interpolation":
        return interpolate_pr_auc(tp, fp, fn, multi_label, label_weights)
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        x, y = divide_no_nan(fp, fp + tn), recall
    elif curve == "PR":
        x, y = recall, divide_no_nan(tp, tp + fp)
    else:
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
        x = np.maximum(np.where(tp == 0, 0.0, recall_gain), 0.0).astype(tp.dtype)
        y = np.where(tp == 0, 1.0, precision_gain).astype(tp.dtype)
    if summation_method == "interpolation":
        heights = (y[:-1] + y[1:]) / tp.dtype.type(2)
    elif summation_method == "minoring":
        heights = np.minimum(y[:-1], y[1:])
    else:
        heights = np.maximum(y[:-1], y[1:])
    terms = (x[:-1] - x[1:]) * heights
    if multi_label:
        return _label_average(np.sum(terms, axis=0), label_weights)
    return np.sum(terms)
