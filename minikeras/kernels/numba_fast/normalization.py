"""numba twins of `numpy_ref/normalization.py`: one pass per statistic over (rows, features),
sums accumulated in float64 (the reference uses NumPy's pairwise float32 sums; both are within
a few float32 roundings of the exact value)."""

import numpy as np
from numba import njit

__all__ = ["batch_norm_moments", "batch_norm_forward", "batch_norm_backward",
           "layer_norm_forward", "layer_norm_backward"]


@njit(cache=True)
def batch_norm_moments(x):
    rows, features = x.shape
    total = np.zeros(features)
    for r in range(rows):
        for f in range(features):
            total[f] += x[r, f]
    mean = (total / rows).astype(x.dtype)
    square = np.zeros(features)
    for r in range(rows):
        for f in range(features):
            d = x[r, f] - mean[f]
            square[f] += d * d
    return mean, (square / rows).astype(x.dtype)


@njit(cache=True)
def _scale_shift(mean, variance, gamma, beta, epsilon, dtype):
    """inv = gamma / sqrt(variance + epsilon), shift = beta - mean * inv (TensorFlow's order)."""
    inv = (1.0 / np.sqrt(variance + dtype(epsilon))).astype(dtype)
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    return inv, shift


@njit(cache=True)
def batch_norm_forward(x, mean, variance, gamma, beta, epsilon):
    inv, shift = _scale_shift(mean, variance, gamma, beta, epsilon, x.dtype.type)
    y = np.empty_like(x)
    for r in range(x.shape[0]):
        for f in range(x.shape[1]):
            y[r, f] = x[r, f] * inv[f] + shift[f]
    return y


@njit(cache=True)
def batch_norm_backward(dy, x, mean, variance, gamma, epsilon, training):
    rows, features = x.shape
    rstd = (1.0 / np.sqrt(variance + x.dtype.type(epsilon))).astype(x.dtype)
    dgamma, dbeta = np.zeros(features), np.zeros(features)
    sum_dxhat, sum_dxhat_xhat = np.zeros(features), np.zeros(features)
    for r in range(rows):
        for f in range(features):
            xhat = (x[r, f] - mean[f]) * rstd[f]
            g = dy[r, f]
            dxhat = g if gamma is None else g * gamma[f]
            dgamma[f] += g * xhat
            dbeta[f] += g
            sum_dxhat[f] += dxhat
            sum_dxhat_xhat[f] += dxhat * xhat
    dx = np.empty_like(x)
    for r in range(rows):
        for f in range(features):
            dxhat = dy[r, f] if gamma is None else dy[r, f] * gamma[f]
            if training:
                xhat = (x[r, f] - mean[f]) * rstd[f]
                dx[r, f] = (dxhat - sum_dxhat[f] / rows - xhat * (sum_dxhat_xhat[f] / rows)) \
                    * rstd[f]
            else:
                dx[r, f] = dxhat * rstd[f]
    return dx, dgamma.astype(x.dtype), dbeta.astype(x.dtype)


@njit(cache=True)
def _row_stats(x, r, epsilon):
    n = x.shape[1]
    total = 0.0
    for f in range(n):
        total += x[r, f]
    mean = x.dtype.type(total / n)
    square = 0.0
    for f in range(n):
        d = x[r, f] - mean
        square += d * d
    variance = x.dtype.type(square / n)
    return mean, x.dtype.type(1.0) / np.sqrt(variance + x.dtype.type(epsilon))


@njit(cache=True)
def layer_norm_forward(x, gamma, beta, epsilon):
    y = np.empty_like(x)
    for r in range(x.shape[0]):
        mean, rstd = _row_stats(x, r, epsilon)
        for f in range(x.shape[1]):
            inv = rstd if gamma is None else rstd * gamma[f]
            shift = -mean * inv
            if beta is not None:
                shift = shift + beta[f]
            y[r, f] = x[r, f] * inv + shift
    return y


@njit(cache=True)
def layer_norm_backward(dy, x, gamma, epsilon):
    rows, n = x.shape
    dx = np.empty_like(x)
    dgamma, dbeta = np.zeros(n), np.zeros(n)
    for r in range(rows):
        mean, rstd = _row_stats(x, r, epsilon)
        sum_dxhat = sum_dxhat_xhat = 0.0
        for f in range(n):
            xhat = (x[r, f] - mean) * rstd
            g = dy[r, f]
            dxhat = g if gamma is None else g * gamma[f]
            dgamma[f] += g * xhat
            dbeta[f] += g
            sum_dxhat += dxhat
            sum_dxhat_xhat += dxhat * xhat
        for f in range(n):
            xhat = (x[r, f] - mean) * rstd
            dxhat = dy[r, f] if gamma is None else dy[r, f] * gamma[f]
            dx[r, f] = (dxhat - sum_dxhat / n - xhat * (sum_dxhat_xhat / n)) * rstd
    return dx, dgamma.astype(x.dtype), dbeta.astype(x.dtype)
