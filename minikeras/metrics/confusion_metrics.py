"""Confusion-matrix metrics: TruePositives ... FalseNegatives, Precision, Recall, AUC
(Keras's `confusion_metrics.py`).

Each keeps weighted counts at a list of thresholds (see `metrics_utils.confusion_counts`):
a prediction is positive when y_pred > threshold, a label when it is not 0.

    precision = tp / (tp + fp)        recall = tp / (tp + fn)        (0 when the sum is 0)
    AUC: counts at num_thresholds points, then the area as `metrics_utils.auc_area`.

With one threshold the result is a float; with several, an array with one value each.
Names default to the snake_case class name, numbered like Keras (`auc`, `auc_1`, ...).
"""

import numpy as np

from ..config import epsilon
from .metric import Metric, as_result, divide_no_nan
from .metrics_utils import (
    NEG_INF,
    auc_area,
    confusion_counts,
    is_evenly_distributed_thresholds,
    parse_init_thresholds,
)


class _ThresholdMetric(Metric):
    """Bookkeeping shared by the count metrics, Precision and Recall."""

    counts = ()  # which of "tp", "fp", "tn", "fn" this metric keeps

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(self.thresholds)
        self.reset_state()

    def reset_state(self):
        for key in self.counts:
            setattr(self, key, self._zeros((len(self.thresholds),)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        new = dict(zip(("tp", "fp", "tn", "fn"), confusion_counts(
            y_true, y_pred, self.thresholds, self.dtype,
            evenly=self._thresholds_distributed_evenly, top_k=self.top_k,
            class_id=self.class_id, sample_weight=sample_weight), strict=True))
        for key in self.counts:
            setattr(self, key, getattr(self, key) + new[key])

    def _single_or_all(self, values):
        return as_result(values[0] if len(self.thresholds) == 1 else values)


class _ConfusionMatrixConditionCount(_ThresholdMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        return self._single_or_all(getattr(self, self.counts[0]))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The weighted number of positive labels predicted positive."""

    counts = ("tp",)


class FalsePositives(_ConfusionMatrixConditionCount):
    """The weighted number of negative labels predicted positive."""

    counts = ("fp",)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of negative labels predicted negative."""

    counts = ("tn",)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of positive labels predicted negative."""

    counts = ("fn",)


class Precision(_ThresholdMetric):
    """tp / (tp + fp): the share of predicted positives that are positive.

    top_k: only each row's k best scores can be positive (threshold then defaults to
    "any score"); class_id: count only that column of (batch, classes) inputs.
    """

    _direction = "up"
    counts = ("tp", "fp")

    def result(self):
        return self._single_or_all(divide_no_nan(self.tp, self.tp + self.fp))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Recall(Precision):
    """tp / (tp + fn): the share of positive labels predicted positive (top_k, class_id as
    Precision)."""

    counts = ("tp", "fn")

    def result(self):
        return self._single_or_all(divide_no_nan(self.tp, self.tp + self.fn))


def _curve(curve):
    table = {"pr": "PR", "PR": "PR", "roc": "ROC", "ROC": "ROC", "prgain": "PRGAIN",
             "PRGAIN": "PRGAIN"}
    if curve not in table:
        raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", '
                         '"ROC", "PRGAIN"]')
    return table[curve]


def _summation(method):
    if not isinstance(method, str) or method.lower() not in ("interpolation", "majoring",
                                                             "minoring") or not (
            method.islower() or method.istitle()):
        raise ValueError(f'Invalid AUC summation method value: "{method}". Expected values are '
                         '["interpolation", "majoring", "minoring"]')
    return method.lower()


class AUC(Metric):
    """Area under the ROC or PR curve, from counts at `num_thresholds` evenly spaced points.

    Thresholds are [-eps, 1/(T-1), ..., (T-2)/(T-1), 1+eps] (T = num_thresholds), or
    [-eps, *sorted(thresholds), 1+eps] when given; predictions are clipped to [0, 1] on the
    evenly spaced path (from_logits applies a sigmoid first). multi_label keeps counts per
    column of (batch, labels) inputs and averages the per-label areas (weighted by
    label_weights); otherwise every entry is one sample and label_weights weigh columns.
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - epsilon()] + thresholds + [1.0 + epsilon()])
        self.curve, self.summation_method = _curve(curve), _summation(summation_method)
        super().__init__(name=name, dtype=dtype)
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype=self.dtype))
        self._from_logits = from_logits
        self._num_labels = None
        if not multi_label and num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        if multi_label and num_labels:
            self._build((None, num_labels))
        elif not multi_label:
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, the two epsilon ends included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
        self.reset_state()

    def reset_state(self):
        if self.multi_label and self._num_labels is None:
            return  # built by the first update_state
        shape = (self.num_thresholds,) + ((self._num_labels,) if self.multi_label else ())
        self.tp, self.fp, self.tn, self.fn = (self._zeros(shape) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        if self.multi_label and self._num_labels is None:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred.astype(self.dtype)))
        counts = confusion_counts(
            y_true, y_pred, self._thresholds, self.dtype,
            evenly=self._thresholds_distributed_evenly, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights)
        self.tp, self.fp, self.tn, self.fn = (
            old + new for old, new in zip((self.tp, self.fp, self.tn, self.fn), counts,
                                          strict=True))

    def result(self):
        if self.multi_label and self._num_labels is None:
            return 0.0
        return as_result(auc_area(self.tp, self.fp, self.tn, self.fn, self.curve,
                                  self.summation_method, self.multi_label, self.label_weights))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None
                  else self.label_weights.tolist(),  # Keras gives a tensor; a list is JSON
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
