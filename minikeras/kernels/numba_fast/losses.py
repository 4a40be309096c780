"""numba twins of `numpy_ref/losses.py`: one fused pass per row computes the loss and its gradient.

Constants are cast to the input dtype (`dt(1)`) so float32 stays float32, as in NumPy, and
error_model="numpy" makes x / 0 give inf/nan as NumPy does instead of raising.
"""

import numpy as np
from numba import njit

from ..numpy_ref.losses import __all__  # noqa: F401  (the twins have the same names)

LOG2_FLOAT32 = float(np.float32(np.log(2.0)))  # as numpy_ref/losses.py: Keras's float32 log(2)


@njit(cache=True, error_model="numpy")
def binary_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits, tie=1.0):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one, kk, on_bound = dt(0), dt(1), dt(k), dt(tie)
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
                weight = one if low < x < high else (on_bound if x == low or x == high else zero)
                grad[r, j] = ((one - t) / (one - p) - t / p) * weight / kk
        loss[r] = total / kk
    return loss, grad


@njit(cache=True, error_model="numpy")
def categorical_crossentropy_value_and_grad(y_true, y_pred, epsilon, from_logits, tie=1.0):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one, on_bound = dt(0), dt(1), dt(tie)
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
                weight = one if low < q < high else (on_bound if q == low or q == high else zero)
                dq = -y_true[r, j] / qc * weight
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


# ---- the losses that average an elementwise term over the last axis ----------------------------
# loss[r] = mean_j term(y_true[r, j], y_pred[r, j]),  grad[r, j] = term'(...) / k. Each loss below
# writes its term (value, d value / d y_pred) as a small function of one element; the loop is
# written once here and inlined into each loss (numba compiles one loop per term).
@njit(inline="always")
def _mean_of_terms(y_true, y_pred, term, constants):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    kk = dt(k)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        total = dt(0)
        for j in range(k):
            value, slope = term(y_true[r, j], y_pred[r, j], constants)
            total += value
            grad[r, j] = slope / kk
        loss[r] = total / kk
    return loss, grad


@njit(inline="always")
def _squared_error(t, p, two):
    diff = t - p
    return diff * diff, -two * diff


@njit(cache=True, error_model="numpy")
def mean_squared_error_value_and_grad(y_true, y_pred):
    return _mean_of_terms(y_true, y_pred, _squared_error, y_pred.dtype.type(2))


@njit(inline="always")
def _absolute_error(t, p, unused):
    diff = t - p
    return abs(diff), -np.sign(diff)


@njit(cache=True, error_model="numpy")
def mean_absolute_error_value_and_grad(y_true, y_pred):
    return _mean_of_terms(y_true, y_pred, _absolute_error, y_pred.dtype.type(0))


@njit(inline="always")
def _absolute_percentage_error(t, p, constants):
    eps, hundred = constants
    d = max(abs(t), eps)
    ratio = (t - p) / d
    return abs(ratio), -hundred * np.sign(ratio) / d


@njit(cache=True, error_model="numpy")
def mean_absolute_percentage_error_value_and_grad(y_true, y_pred, epsilon):
    dt = y_pred.dtype.type
    loss, grad = _mean_of_terms(y_true, y_pred, _absolute_percentage_error,
                                (dt(epsilon), dt(100)))
    return loss * dt(100), grad


@njit(inline="always")
def _squared_logarithmic_error(t, p, constants):
    eps, zero, one, two = constants
    pm = max(p, eps)
    diff = np.log(pm + one) - np.log(max(t, eps) + one)
    return diff * diff, two * diff / (pm + one) if p >= eps else zero


@njit(cache=True, error_model="numpy")
def mean_squared_logarithmic_error_value_and_grad(y_true, y_pred, epsilon):
    dt = y_pred.dtype.type
    return _mean_of_terms(y_true, y_pred, _squared_logarithmic_error,
                          (dt(epsilon), dt(0), dt(1), dt(2)))


@njit(inline="always")
def _huber(t, p, constants):
    d, half = constants
    error = p - t
    if abs(error) <= d:
        return half * error * error, error
    return d * abs(error) - half * (d * d), d * np.sign(error)


@njit(cache=True, error_model="numpy")
def huber_value_and_grad(y_true, y_pred, delta):
    dt = y_pred.dtype.type
    return _mean_of_terms(y_true, y_pred, _huber, (dt(delta), dt(0.5)))


@njit(inline="always")
def _log_cosh(t, p, constants):
    zero, one, two, log2 = constants
    x = p - t
    y = x * -two
    e = np.exp(-abs(y))
    sigmoid = one / (one + e) if y >= zero else e / (one + e)
    return x + (max(y, zero) + np.log1p(e)) - log2, one - two * sigmoid


@njit(cache=True, error_model="numpy")
def log_cosh_value_and_grad(y_true, y_pred, log2):
    dt = y_pred.dtype.type
    return _mean_of_terms(y_true, y_pred, _log_cosh, (dt(0), dt(1), dt(2), dt(log2)))


@njit(cache=True, error_model="numpy")
def cosine_similarity_value_and_grad(y_true, y_pred, epsilon):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one, cap = dt(0), dt(1), dt(1.0 / epsilon)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        sst, ssp = zero, zero
        for j in range(k):
            sst += y_true[r, j] * y_true[r, j]
            ssp += y_pred[r, j] * y_pred[r, j]
        rt = min(one / np.sqrt(sst), cap)
        rsqrt = one / np.sqrt(ssp)
        rp = min(rsqrt, cap)
        total, dot = zero, zero
        for j in range(k):
            tn = y_true[r, j] * rt
            total -= tn * (y_pred[r, j] * rp)
            dot += tn * y_pred[r, j]
        for j in range(k):
            through = rp * rp * rp * y_pred[r, j] * dot if rsqrt <= cap else zero
            grad[r, j] = -(y_true[r, j] * rt) * rp + through
        loss[r] = total
    return loss, grad


@njit(inline="always")
def _hinge(t, p, constants):
    zero, one = constants
    margin = one - t * p
    return max(margin, zero), -t if margin >= zero else zero


@njit(cache=True, error_model="numpy")
def hinge_value_and_grad(y_true, y_pred):
    dt = y_pred.dtype.type
    return _mean_of_terms(y_true, y_pred, _hinge, (dt(0), dt(1)))


@njit(inline="always")
def _squared_hinge(t, p, constants):
    zero, one, two = constants
    hinge = max(one - t * p, zero)
    return hinge * hinge, -two * t * hinge


@njit(cache=True, error_model="numpy")
def squared_hinge_value_and_grad(y_true, y_pred):
    dt = y_pred.dtype.type
    return _mean_of_terms(y_true, y_pred, _squared_hinge, (dt(0), dt(1), dt(2)))


@njit(cache=True, error_model="numpy")
def categorical_hinge_value_and_grad(y_true, y_pred):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one = dt(0), dt(1)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        pos = zero
        neg = (one - y_true[r, 0]) * y_pred[r, 0]
        for j in range(k):
            pos += y_true[r, j] * y_pred[r, j]
            neg = max(neg, (one - y_true[r, j]) * y_pred[r, j])
        count = zero
        for j in range(k):
            if (one - y_true[r, j]) * y_pred[r, j] == neg:
                count += one
        margin = neg - pos + one
        loss[r] = max(margin, zero)
        for j in range(k):
            if margin >= zero:
                tie = (one - y_true[r, j]) * y_pred[r, j] == neg
                grad[r, j] = ((one - y_true[r, j]) / count if tie else zero) - y_true[r, j]
            else:
                grad[r, j] = zero
    return loss, grad


@njit(cache=True, error_model="numpy")
def kl_divergence_value_and_grad(y_true, y_pred, epsilon):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one, eps = dt(0), dt(1), dt(epsilon)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        total = zero
        for j in range(k):
            tc = min(max(y_true[r, j], eps), one)
            x = y_pred[r, j]
            pc = min(max(x, eps), one)
            total += tc * np.log(tc / pc)
            grad[r, j] = -tc / pc if (x >= eps and x <= one) else zero
        loss[r] = total
    return loss, grad


@njit(inline="always")
def _poisson(t, p, constants):
    one, eps = constants
    shifted = p + eps
    return p - t * np.log(shifted), one - t / shifted


@njit(cache=True, error_model="numpy")
def poisson_value_and_grad(y_true, y_pred, epsilon):
    dt = y_pred.dtype.type
    return _mean_of_terms(y_true, y_pred, _poisson, (dt(1), dt(epsilon)))


@njit(cache=True, error_model="numpy")
def _power_and_slope(x, gamma, one):
    """x ** gamma and gamma * x ** (gamma - 1), the slope 0 when gamma == 0 (see numpy_ref)."""
    if gamma == 0:
        return one, x * 0
    return x**gamma, gamma * x ** (gamma - one)


@njit(cache=True, error_model="numpy")
def binary_focal_crossentropy_value_and_grad(y_true, y_pred, apply_class_balancing, alpha,
                                             gamma, epsilon, from_logits):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    kk, zero, one, two = dt(k), dt(0), dt(1), dt(2)
    low, high, a, g = dt(epsilon), dt(1.0 - epsilon), dt(alpha), dt(gamma)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    for r in range(rows):
        total = zero
        for j in range(k):
            t, x = y_true[r, j], y_pred[r, j]
            if from_logits:
                e = np.exp(-abs(x))
                p = one / (one + e) if x >= zero else e / (one + e)
                bce = max(x, zero) - x * t + np.log1p(e)
                dbce = p - t
                dp = p * (one - p)
            else:
                p = x
                pc = min(max(x, low), high)
                bce = -(t * np.log(pc) + (one - t) * np.log(one - pc))
                inside = x >= low and x <= high
                dbce = (one - t) / (one - pc) - t / pc if inside else zero
                dp = one
            p_t = t * p + (one - t) * (one - p)
            focal, slope = _power_and_slope(one - p_t, g, one)
            w = t * a + (one - t) * (one - a) if apply_class_balancing else one
            total += w * focal * bce
            grad[r, j] = w * (-(two * t - one) * slope * dp * bce + focal * dbce) / kk
        loss[r] = total / kk
    return loss, grad


@njit(cache=True, error_model="numpy")
def categorical_focal_crossentropy_value_and_grad(y_true, y_pred, alpha, gamma, epsilon,
                                                  from_logits):
    dt = y_pred.dtype.type
    rows, k = y_pred.shape
    zero, one = dt(0), dt(1)
    low, high, g = dt(epsilon), dt(1.0 - epsilon), dt(gamma)
    loss = np.zeros(rows, dtype=y_pred.dtype)
    grad = np.empty((rows, k), dtype=y_pred.dtype)
    p = np.empty(k, dtype=y_pred.dtype)
    for r in range(rows):
        if from_logits:
            m = y_pred[r, 0]
            for j in range(1, k):
                m = max(m, y_pred[r, j])
            sumexp = zero
            for j in range(k):
                p[j] = np.exp(y_pred[r, j] - m)
                sumexp += p[j]
            for j in range(k):
                p[j] = p[j] / sumexp
        else:
            for j in range(k):
                p[j] = y_pred[r, j]
        s = zero
        for j in range(k):
            s += p[j]
        total, dot = zero, zero
        for j in range(k):
            q = p[j] / s
            qc = min(max(q, low), high)
            cce = -y_true[r, j] * np.log(qc)
            modulating, slope = _power_and_slope(one - qc, g, one)
            total += modulating * alpha[r, j] * cce
            dq = zero
            if q >= low and q <= high:
                dq = alpha[r, j] * (-slope * cce - modulating * y_true[r, j] / qc)
            grad[r, j] = dq
            dot += dq * q
        dot_p = zero
        for j in range(k):
            grad[r, j] = (grad[r, j] - dot) / s
            dot_p += grad[r, j] * p[j]
        if from_logits:
            for j in range(k):
                grad[r, j] = p[j] * (grad[r, j] - dot_p)
        loss[r] = total
    return loss, grad
