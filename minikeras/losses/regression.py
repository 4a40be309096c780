"""Regression losses as per-sample functions: MSE, MAE, MAPE, MSLE, cosine, Huber, log-cosh.

Each public function returns one value per sample (y_pred's shape minus the last axis, or minus
`axis`); its private twin also returns dvalues/dy_pred and None (no mask). Keras matches ranks
first ((n,) vs (n, 1)), then NumPy broadcasting applies. The math is in
`minikeras/kernels/*/losses.py`.
"""

import math

from .. import kernels
from ..config import backend_float, epsilon
from .common import as_float, broadcast_loss, check_number


def _mean_squared_error(y_true, y_pred):
    return broadcast_loss(kernels.losses.mean_squared_error_value_and_grad, y_true, y_pred)


def _mean_absolute_error(y_true, y_pred):
    return broadcast_loss(kernels.losses.mean_absolute_error_value_and_grad, y_true, y_pred)


def _mean_absolute_percentage_error(y_true, y_pred):
    return broadcast_loss(kernels.losses.mean_absolute_percentage_error_value_and_grad, y_true,
                          y_pred, epsilon())


def _mean_squared_logarithmic_error(y_true, y_pred):
    # Keras converts epsilon to a float32 tensor here even when floatx is float64 (on TF; on
    # JAX with x64 a float64, so exact: config.backend_float(epsilon, "float64")).
    return broadcast_loss(kernels.losses.mean_squared_logarithmic_error_value_and_grad, y_true,
                          y_pred, float(backend_float(epsilon(), "float64")))


def _cosine_similarity(y_true, y_pred, axis=-1):
    return broadcast_loss(kernels.losses.cosine_similarity_value_and_grad, y_true, y_pred,
                          epsilon(), axis=axis)


def _huber(y_true, y_pred, delta=1.0):
    check_number("huber", "delta", delta, low=0)
    y_pred = as_float(y_pred)
    return broadcast_loss(kernels.losses.huber_value_and_grad, y_true, y_pred,
                          y_pred.dtype.type(delta))


def _log_cosh(y_true, y_pred):
    # Keras's log(2): ops.log(2.0), a float32 on TF even in float64 (exact on JAX with x64)
    y_pred = as_float(y_pred)
    log2 = float(backend_float(math.log(2.0), y_pred.dtype))
    return broadcast_loss(kernels.losses.log_cosh_value_and_grad, y_true, y_pred, log2)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean over the last axis of (y_true - y_pred)^2."""
    return _mean_squared_error(y_true, y_pred)[0]


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean over the last axis of |y_true - y_pred|."""
    return _mean_absolute_error(y_true, y_pred)[0]


def mean_absolute_percentage_error(y_true, y_pred):
    """Per-sample 100 * mean over the last axis of |(y_true - y_pred) / max(|y_true|, eps)|."""
    return _mean_absolute_percentage_error(y_true, y_pred)[0]


def mean_squared_logarithmic_error(y_true, y_pred):
    """Per-sample mean over the last axis of (log(max(p, eps) + 1) - log(max(t, eps) + 1))^2."""
    return _mean_squared_logarithmic_error(y_true, y_pred)[0]


def cosine_similarity(y_true, y_pred, axis=-1):
    """Per-sample -sum over `axis` of l2_normalize(y_true) * l2_normalize(y_pred).

    -1 means the same direction, 0 orthogonal; a zero vector gives 0.
    """
    return _cosine_similarity(y_true, y_pred, axis)[0]


def huber(y_true, y_pred, delta=1.0):
    """Per-sample mean of 0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2 (e = p - t).

    delta must be a number >= 0 (ValueError otherwise; Keras accepts any value).
    """
    return _huber(y_true, y_pred, delta)[0]


def log_cosh(y_true, y_pred):
    """Per-sample mean over the last axis of log(cosh(y_pred - y_true)): ~e^2/2, then ~|e|."""
    return _log_cosh(y_true, y_pred)[0]
