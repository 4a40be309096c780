"""Batch and layer normalization, on rows: the layer moves the normalized axis (BN) or axes (LN)
last and flattens the rest, so both read as one formula on a (rows, features) array.

Batch normalization normalizes each feature over the rows (the batch and any other axes):
    mean = sum over rows of x / rows;  variance = sum over rows of (x - mean)^2 / rows
    (inference uses the moving averages instead)
    inv = gamma / sqrt(variance + epsilon)              TensorFlow's order of operations:
    y = x * inv + (beta - mean * inv)                   y = gamma * xhat + beta
Layer normalization is the same with the roles swapped: each row is normalized over its
features, and gamma, beta are per feature.

Backward of y = gamma * xhat + beta with xhat = (x - mean) / sqrt(variance + epsilon):
    dbeta = sum over rows of dy;  dgamma = sum over rows of dy * xhat
    training (mean, variance from x, n values each):
        dxhat = dy * gamma
        dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(variance + epsilon)
    inference (fixed mean, variance):  dx = dy * gamma / sqrt(variance + epsilon)

Shapes: x, y, dy, dx (rows, features); gamma, beta, mean, variance (features,) for batch
normalization; gamma, beta (features,) and per-row statistics (rows,) for layer normalization.
gamma None means 1, beta None means 0.
"""

import numpy as np

__all__ = ["batch_norm_moments", "batch_norm_forward", "batch_norm_backward",
           "layer_norm_forward", "layer_norm_backward"]


def batch_norm_moments(x):
    """(mean, variance) of each feature over the rows (variance divides by rows, not rows-1)."""
    mean = x.mean(axis=0)
    return mean, np.square(x - mean).mean(axis=0)


def batch_norm_forward(x, mean, variance, gamma, beta, epsilon):
    inv = 1.0 / np.sqrt(variance + x.dtype.type(epsilon))
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    return x * inv + shift


def batch_norm_backward(dy, x, mean, variance, gamma, epsilon, training):
    """Return (dx, dgamma, dbeta)."""
    rstd = 1.0 / np.sqrt(variance + x.dtype.type(epsilon))
    xhat = (x - mean) * rstd
    dgamma = (dy * xhat).sum(axis=0)
    dbeta = dy.sum(axis=0)
    dxhat = dy if gamma is None else dy * gamma
    if not training:
        return dxhat * rstd, dgamma, dbeta
    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * rstd
    return dx, dgamma, dbeta


def layer_norm_forward(x, gamma, beta, epsilon):
    """y for each row normalized over its features."""
    mean = x.mean(axis=1, keepdims=True)
    variance = np.square(x - mean).mean(axis=1, keepdims=True)
    inv = 1.0 / np.sqrt(variance + x.dtype.type(epsilon))
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    return x * inv + shift


def layer_norm_backward(dy, x, gamma, epsilon):
    """Return (dx, dgamma, dbeta)."""
    mean = x.mean(axis=1, keepdims=True)
    rstd = 1.0 / np.sqrt(np.square(x - mean).mean(axis=1, keepdims=True) + x.dtype.type(epsilon))
    xhat = (x - mean) * rstd
    dgamma = (dy * xhat).sum(axis=0)
    dbeta = dy.sum(axis=0)
    dxhat = dy if gamma is None else dy * gamma
    dx = (dxhat - dxhat.mean(axis=1, keepdims=True)
          - xhat * (dxhat * xhat).mean(axis=1, keepdims=True)) * rstd
    return dx, dgamma, dbeta
