"""numba twins of `numpy_ref/losses.py`: one fused pass per row computes the loss and its gradient.

Constants are cast to the input dtype (`dt(1)`) so float32 stays float32, as in NumPy, and
error_model="numpy" makes x / 0 give inf/nan as NumPy does instead of raising.
"""

import numpy as np
from numba import njit

__all__ = [
    "binary_crossentropy_value_and_grad",
    "categorical_crossentropy_value_and_grad",
    "sparse_categorical_crossentropy_value_and_grad",
    "mean_squared_error_value_and_grad",
    "mean_absolute_error_value_and_grad",
]


@njit(cache=True, error_model="numpy")
def binary_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one, kk = dt(0), dt(1), dt(k)
    low, high = dt(epsilon), dt(1.0 - epsilon)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        total = zero
        for j in range(k):
            t, x = y_true[r, j], y_pred[r, j]
            if from_logits:
                e = np.exp(-abs(x))
                s = e / (one + e)
                total += max(x, zero) - x * t + np.log1p(e)
                grad[r, j] = ((one - s if x >= zero else s) - t) / kk
            else:
                p = min(max(x, low), high)
                total += -(t * np.log(p) + (one - t) * np.log(one - p))
                inside = x >= low and x <= high
                grad[r, j] = ((one - t) / (one - p) - t / p) / kk if inside else zero
        loss[r] = total / kk
    return loss, grad


@njit(cache=True, error_model="numpy")
def categorical_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero = dt(0)
    low, high = dt(epsilon), dt(1.0 - epsilon)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        if from_logits:
            m = y_pred[r, 0]
            for j in range(1, k):
                m = max(m, y_pred[r, j])
            sumexp, tsum = zero, zero
            for j in range(k):
                sumexp += np.exp(y_pred[r, j] - m)
                tsum += y_true[r, j]
            logsum = np.log(sumexp)
            total = zero
            for j in range(k):
                shifted = y_pred[r, j] - m
                total += y_true[r, j] * (logsum - shifted)
                grad[r, j] = np.exp(shifted) / sumexp * tsum - y_true[r, j]
            loss[r] = total
        else:
            s = zero
            for j in range(k):
                s += y_pred[r, j]
            total, dot = zero, zero
            for j in range(k):
                q = y_pred[r, j] / s
                qc = min(max(q, low), high)
                total -= y_true[r, j] * np.log(qc)
                dq = -y_true[r, j] / qc if (q >= low and q <= high) else zero
                grad[r, j] = dq
                dot += dq * q
            for j in range(k):
                grad[r, j] = (grad[r, j] - dot) / s
            loss[r] = total
    return loss, grad


@njit(cache=True, error_model="numpy")
def sparse_categorical_crossentropy_value_and_grad(labels, y_pred, epsilon, from_logits):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one = dt(0), dt(1)
    low, high = dt(epsilon), dt(1.0 - epsilon)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    z = np.empty(k, dtype=y_pred.dtype)
    for r in range(rows):
        for j in range(k):
            z[j] = y_pred[r, j] if from_logits else np.log(min(max(y_pred[r, j], low), high))
        m = z[0]
        for j in range(1, k):
            m = max(m, z[j])
        sumexp = zero
        for j in range(k):
            sumexp += np.exp(z[j] - m)
        y = labels[r]
        loss[r] = np.log(sumexp) - (z[y] - m)
        for j in range(k):
            dz = np.exp(z[j] - m) / sumexp - (one if j == y else zero)
            if from_logits:
                grad[r, j] = dz
            else:
                x = y_pred[r, j]
                inside = x >= low and x <= high
                grad[r, j] = dz / min(max(x, low), high) if inside else zero
    return loss, grad


@njit(cache=True, error_model="numpy")
def mean_squared_error_value_and_grad(y_true, y_pred):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    kk, two = dt(k), dt(2)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        total = dt(0)
        for j in range(k):
            diff = y_true[r, j] - y_pred[r, j]
            total += diff * diff
            grad[r, j] = -two * diff / kk
        loss[r] = total / kk
    return loss, grad


@njit(cache=True, error_model="numpy")
def mean_absolute_error_value_and_grad(y_true, y_pred):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    kk = dt(k)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        total = dt(0)
        for j in range(k):
            diff = y_true[r, j] - y_pred[r, j]
            total += abs(diff)
            grad[r, j] = -np.sign(diff) / kk
        loss[r] = total / kk
    return loss, grad
