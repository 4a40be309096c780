"""Regression metrics (Keras's `regression_metrics.py`).

    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, LogCoshError: running means of the loss functions of the
        same names (`minikeras.losses`), per sample.
    RootMeanSquaredError: sqrt(weighted mean of (y_pred - y_true)^2 over every entry).
    CosineSimilarity: mean of sum(l2_normalize(y_true) * l2_normalize(y_pred), axis).
    R2Score: 1 - SS_res / SS_tot per output column, accumulated over batches (see R2Score).
"""

import warnings

import numpy as np

from ..config import epsilon
from .metric import Metric, as_result, squeeze_or_expand_to_same_rank
from .reduction_metrics import Mean, _Wrapper


def l2_normalize(x, axis=-1):
    """x / ||x||_2 along axis, as Keras's `ops.normalize`: x * min(1 / sqrt(sum x^2), 1 / eps)."""
    with np.errstate(divide="ignore"):
        inv_norm = 1 / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))
    return x * np.minimum(inv_norm, x.dtype.type(1 / epsilon()))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample cosine of the angle between y_true and y_pred along `axis` (in [-1, 1]).

    Unlike the loss of the same name this is not negated: 1 means the same direction.
    """
    y_pred = np.asarray(y_pred)
    y_pred = y_pred if y_pred.dtype.kind == "f" else y_pred.astype("float32")
    y_true = np.asarray(y_true).astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return np.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


class MeanSquaredError(_Wrapper):
    """Running mean of mean((y_true - y_pred)^2) over the last axis."""

    _direction, loss_name = "down", "mean_squared_error"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsoluteError(_Wrapper):
    """Running mean of mean(|y_true - y_pred|) over the last axis."""

    _direction, loss_name = "down", "mean_absolute_error"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsolutePercentageError(_Wrapper):
    """Running mean of 100 * mean(|y_true - y_pred| / max(|y_true|, eps))."""

    _direction, loss_name = "down", "mean_absolute_percentage_error"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_Wrapper):
    """Running mean of mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2)."""

    _direction, loss_name = "down", "mean_squared_logarithmic_error"

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class LogCoshError(_Wrapper):
    """Running mean of mean(log(cosh(y_pred - y_true))) (Keras names it `logcosh`)."""

    _direction, loss_name = "down", "log_cosh"

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(name=name, dtype=dtype)


class CosineSimilarity(_Wrapper):
    """Running mean of the cosine similarity along `axis` (Keras's config leaves `axis` out)."""

    _direction = "up"
    fn = staticmethod(cosine_similarity)

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt(sum(w * (y_pred - y_true)^2) / sum(w)): every entry of a row shares its weight."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true).astype(self.dtype)
        y_pred = np.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return float(np.sqrt(self.total / self.count)) if self.count else 0.0


class R2Score(Metric):
    """The coefficient of determination R^2, per output column, from running sums.

    Inputs (batch, outputs); weights w (batch,) or (batch, outputs):
        sum += sum(w * y)   squared_sum += sum(w * y^2)   residual += sum(w * (y - y_pred)^2)
        count += sum(w)     num_samples += y.size
        total = squared_sum - sum * (sum / count);  r2 = 1 - residual / total  (inf -> 0)
    class_aggregation: "uniform_average" (mean over columns), "variance_weighted_average"
    (weighted by total) or None (per column). num_regressors p > 0 gives the adjusted score
    1 - (1 - r2) * (n - 1) / (n - p - 1), with Keras's warnings when n - 1 <= p.
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= "
                             f"0. Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self._outputs = None
        self.num_samples = self._zeros()

    def reset_state(self):
        self.num_samples = self._zeros()
        if self._outputs is not None:
            self.sum, self.squared_sum, self.residual, self.count = (
                self._zeros((self._outputs,)) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true).astype(self.dtype)
        y_pred = np.asarray(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if self._outputs is None:
            if y_pred.ndim != 2 or y_true.ndim != 2:
                raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim)."
                                 f" Received input shapes: y_pred.shape={y_pred.shape} and "
                                 f"y_true.shape={y_true.shape}.")
            self._outputs = y_pred.shape[-1]
            self.reset_state()
        weight = np.asarray(1 if sample_weight is None else sample_weight).astype(self.dtype)
        if weight.ndim == 1:
            weight = weight[:, None]
        weight = np.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        self.sum = self.sum + np.sum(weighted, axis=0)
        self.squared_sum = self.squared_sum + np.sum(y_true * weighted, axis=0)
        self.residual = self.residual + np.sum((y_true - y_pred) ** 2 * weight, axis=0)
        self.count = self.count + np.sum(weight, axis=0)
        self.num_samples = self.num_samples + self.num_samples.dtype.type(y_true.size)

    def result(self):
        if self._outputs is None:
            return 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1 - self.residual / total
        raw = np.where(np.isinf(raw), raw.dtype.type(0), raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, p = float(self.num_samples), self.num_regressors
        if p != 0:
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard "
                              "R2 score.", stacklevel=2)
            else:  # Keras computes this step in float32
                n32, p32 = np.float32(n), np.float32(p)
                score = 1 - (1 - score) * (n32 - 1) / (n32 - p32 - 1)
        return as_result(score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
