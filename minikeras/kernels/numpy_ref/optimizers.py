"""Optimizer update rules (SGD, Adam, RMSprop) in Keras 3's exact order of operations.

Every array is updated in place (`a[...] = ...`, `a -= ...`), so views of it stay valid.
Scalars arrive as plain floats and are rounded to the variable's dtype before use, as Keras
casts them, so float32 arithmetic rounds step by step the way Keras's does. Coefficients that
Keras computes in Python (`1 - beta_1`, `1 - rho`) are computed in double, then rounded.

Shapes: var, grad and every slot array (velocity, m, v, ...) share one shape, any ndim.
A slot that an option does not use is None. grad has var's dtype (the caller casts it).
"""

import numpy as np

__all__ = ["sgd_update", "adam_update", "rmsprop_update"]


def sgd_update(var, grad, velocity, learning_rate, momentum, nesterov):
    """Gradient descent, plain or with (Nesterov) momentum.

    velocity is None (momentum == 0):   var = var - grad * lr
    otherwise:                          velocity = velocity * momentum - grad * lr
                      nesterov=False:   var = var + velocity
                      nesterov=True:    var = var + (velocity * momentum - grad * lr)
    """
    t = var.dtype.type
    lr = t(learning_rate)
    if velocity is None:
        var -= grad * lr
        return
    mu = t(momentum)
    velocity[...] = velocity * mu - grad * lr
    if nesterov:
        var += velocity * mu - grad * lr
    else:
        var += velocity


def adam_update(var, grad, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    """Adam (AMSGrad when v_hat is given), Keras's form with the bias correction in alpha.

    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)        (the caller computes it)
    m = m + (grad - m) * (1 - beta_1)
    v = v + (grad^2 - v) * (1 - beta_2)
    v_hat = max(v_hat, v); use v_hat for v                   (AMSGrad only)
    var = var - (m * alpha) / (sqrt(v) + epsilon)

    Textbook Adam divides m_hat = m/(1-beta_1^t) by sqrt(v_hat) + epsilon; Keras folds both
    corrections into alpha, so its epsilon acts on the uncorrected sqrt(v).
    """
    t = var.dtype.type
    m += (grad - m) * t(1.0 - beta_1)
    v += (grad * grad - v) * t(1.0 - beta_2)
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    var -= (m * t(alpha)) / (np.sqrt(v) + t(epsilon))


def rmsprop_update(var, grad, velocity, average_grad, momentum_buf,
                   learning_rate, rho, momentum, epsilon):
    """RMSprop, plain, centered (average_grad given) and/or with momentum (momentum_buf given).

    velocity = rho * velocity + (1 - rho) * grad^2
    centered:      average_grad = rho * average_grad + (1 - rho) * grad
                   denominator = velocity - average_grad^2 + epsilon
    not centered:  denominator = velocity + epsilon
    increment = (lr * grad) / sqrt(denominator)
    momentum:      momentum_buf = momentum * momentum_buf + increment;  var = var - momentum_buf
    no momentum:   var = var - increment
    """
    t = var.dtype.type
    rho_, one_minus_rho, eps = t(rho), t(1.0 - rho), t(epsilon)
    velocity[...] = rho_ * velocity + one_minus_rho * (grad * grad)
    if average_grad is not None:
        average_grad[...] = rho_ * average_grad + one_minus_rho * grad
        denominator = velocity - average_grad * average_grad + eps
    else:
        denominator = velocity + eps
    increment = (t(learning_rate) * grad) / np.sqrt(denominator)
    if momentum_buf is not None:
        momentum_buf[...] = t(momentum) * momentum_buf + increment
        var -= momentum_buf
    else:
        var -= increment
