"""numba twins of `numpy_ref/optimizers.py`: each update is one fused loop over the elements.

`a.flat[i]` walks any array in C order and writes through to it, so the loop updates var and
its slots in place whatever their ndim or strides (a plain index for contiguous arrays).
Scalars are rounded to var's dtype first (`t = var.dtype.type`), so float32 math stays in
float32 and rounds like Keras's; `np.sqrt` keeps the dtype (`math.sqrt` would not).
A slot that is None compiles out of the loop.
"""

import numpy as np
from numba import njit

__all__ = ["sgd_update", "adam_update", "rmsprop_update"]


@njit(cache=True)
def sgd_update(var, grad, velocity, learning_rate, momentum, nesterov):
    t = var.dtype.type
    lr = t(learning_rate)
    mu = t(momentum)
    for i in range(var.size):
        step = grad.flat[i] * lr
        if velocity is None:
            var.flat[i] -= step
        else:
            vel = velocity.flat[i] * mu - step
            velocity.flat[i] = vel
            if nesterov:
                var.flat[i] += vel * mu - step
            else:
                var.flat[i] += vel


@njit(cache=True)
def adam_update(var, grad, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    t = var.dtype.type
    one_minus_beta_1, one_minus_beta_2 = t(1.0 - beta_1), t(1.0 - beta_2)
    alpha_, eps = t(alpha), t(epsilon)
    for i in range(var.size):
        g = grad.flat[i]
        m_i = m.flat[i] + (g - m.flat[i]) * one_minus_beta_1
        v_i = v.flat[i] + (g * g - v.flat[i]) * one_minus_beta_2
        m.flat[i] = m_i
        v.flat[i] = v_i
        if v_hat is not None:
            v_i = np.maximum(v_hat.flat[i], v_i)
            v_hat.flat[i] = v_i
        var.flat[i] -= (m_i * alpha_) / (np.sqrt(v_i) + eps)


@njit(cache=True)
def rmsprop_update(var, grad, velocity, average_grad, momentum_buf,
                   learning_rate, rho, momentum, epsilon):
    t = var.dtype.type
    rho_, one_minus_rho, eps = t(rho), t(1.0 - rho), t(epsilon)
    lr, mu = t(learning_rate), t(momentum)
    for i in range(var.size):
        g = grad.flat[i]
        vel = rho_ * velocity.flat[i] + one_minus_rho * (g * g)
        velocity.flat[i] = vel
        if average_grad is not None:
            avg = rho_ * average_grad.flat[i] + one_minus_rho * g
            average_grad.flat[i] = avg
            denominator = vel - avg * avg + eps
        else:
            denominator = vel + eps
        increment = (lr * g) / np.sqrt(denominator)
        if momentum_buf is not None:
            mom = mu * momentum_buf.flat[i] + increment
            momentum_buf.flat[i] = mom
            var.flat[i] -= mom
        else:
            var.flat[i] -= increment
