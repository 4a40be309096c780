"""F-scores: FBetaScore and F1Score (Keras's `f_score_metrics.py`).

Inputs are (batch, classes). A prediction counts as positive when y_pred > threshold, or,
with threshold=None, when it is its row's largest score (and |score| > 1e-9). Per class
(average != "micro") or over everything ("micro"), with weights w per sample:

    tp += sum(w * pred * true)     fp += sum(w * pred * (1 - true))
    fn += sum(w * (1 - pred) * true)                  support += sum(w * true)
    precision = tp / (tp + fp + eps)                  recall = tp / (tp + fn + eps)
    f = (1 + beta^2) * precision * recall / (beta^2 * precision + recall + eps)
    average: None -> per class, "micro"/"macro" -> mean, "weighted" -> support-weighted sum
"""

import numpy as np

from ..config import epsilon
from .metric import Metric, as_result


def _check_float(name, value):
    if not isinstance(value, float):
        raise ValueError(f"Invalid `{name}` argument value. It should be a Python float. "
                         f"Received: {name}={value} of type '{type(value)}'")


class FBetaScore(Metric):
    """The F-beta score: the weighted harmonic mean of precision and recall."""

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        _check_float("beta", beta)
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            _check_float("threshold", threshold)
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._num_classes = None

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={y_pred_shape} "
                             f"and y_true.shape={y_true_shape}.")
        self._num_classes = y_pred_shape[-1]
        self.reset_state()

    def reset_state(self):
        if self._num_classes is None:
            return
        shape = () if self.average == "micro" else (self._num_classes,)
        self.tp, self.fp, self.fn, self.support = (self._zeros(shape) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true).astype(self.dtype)
        y_pred = np.asarray(y_pred).astype(self.dtype)
        if self._num_classes is None:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            best = np.max(y_pred, axis=-1, keepdims=True)
            predicted = (y_pred >= best) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        pred = predicted.astype(self.dtype)
        one = pred.dtype.type(1)
        weight = None if sample_weight is None else np.asarray(sample_weight).astype(self.dtype)

        def weighted_sum(values):
            if weight is not None:
                values = values * np.expand_dims(weight, 1)
            return np.sum(values, axis=self.axis)

        self.tp = self.tp + weighted_sum(pred * y_true)
        self.fp = self.fp + weighted_sum(pred * (one - y_true))
        self.fn = self.fn + weighted_sum((one - pred) * y_true)
        self.support = self.support + weighted_sum(y_true)

    def result(self):
        if self._num_classes is None:
            return 0.0
        eps = self.tp.dtype.type(epsilon())
        precision = self.tp / (self.tp + self.fp + eps)
        recall = self.tp / (self.tp + self.fn + eps)
        beta2 = self.tp.dtype.type(self.beta**2)
        mean = (precision * recall) / (beta2 * precision + recall + eps)
        score = mean * (1 + beta2)
        if self.average == "weighted":
            score = np.sum(score * (self.support / (np.sum(self.support) + eps)))
        elif self.average is not None:
            score = np.mean(score)
        return as_result(score)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score: 2 * precision * recall / (precision + recall)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
