"""Optimizer update rules in Keras 3's exact order of operations: SGD, Adam (and AdamW, whose
decoupled weight decay runs in the Optimizer base before this update), RMSprop, Adagrad,
Adadelta, Adamax, Nadam, Lion and Ftrl.

Every array is updated in place (`a[...] = ...`, `a -= ...`), so views of it stay valid.
Scalars arrive as plain floats and are rounded to the variable's dtype before use, as Keras
casts them, so float32 arithmetic rounds step by step the way Keras's does. Coefficients that
Keras computes in Python (`1 - beta_1`, `1 - rho`) are computed in double, then rounded;
those Keras computes from tensors already cast to the variable's dtype (Nadam's `1 - u_t`,
Lion's `1 - beta_1`) are computed here from rounded scalars, in the variable's dtype.

Shapes: var, grad and every slot array (velocity, m, v, ...) share one shape, any ndim.
A slot that an option does not use is None. grad has var's dtype (the caller casts it).
"""

import numpy as np

__all__ = ["sgd_update", "adam_update", "rmsprop_update", "adagrad_update", "adadelta_update",
           "adamax_update", "nadam_update", "lion_update", "ftrl_update"]


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


def adam_update(var, grad, m, v, v_hat, alpha, beta_1, beta_2, epsilon, grad_square=None):
    """Adam (AMSGrad when v_hat is given), Keras's form with the bias correction in alpha.

    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)        (the caller computes it)
    m = m + (grad - m) * (1 - beta_1)
    v = v + (grad^2 - v) * (1 - beta_2)
    v_hat = max(v_hat, v); use v_hat for v                   (AMSGrad only)
    var = var - (m * alpha) / (sqrt(v) + epsilon)

    Textbook Adam divides m_hat = m/(1-beta_1^t) by sqrt(v_hat) + epsilon; Keras folds both
    corrections into alpha, so its epsilon acts on the uncorrected sqrt(v).
    grad_square: grad^2 as the caller squared it (an Embedding's rows, squared lookup by lookup
    as Keras's sparse update does: kernels/numpy_ref/embedding.py); None: grad * grad.
    """
    t = var.dtype.type
    m += (grad - m) * t(1.0 - beta_1)
    v += ((grad * grad if grad_square is None else grad_square) - v) * t(1.0 - beta_2)
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    var -= (m * t(alpha)) / (np.sqrt(v) + t(epsilon))


def rmsprop_update(var, grad, velocity, average_grad, momentum_buf,
                   learning_rate, rho, momentum, epsilon, grad_square=None):
    """RMSprop, plain, centered (average_grad given) and/or with momentum (momentum_buf given).

    velocity = rho * velocity + (1 - rho) * grad^2
    centered:      average_grad = rho * average_grad + (1 - rho) * grad
                   denominator = velocity - average_grad^2 + epsilon
    not centered:  denominator = velocity + epsilon
    increment = (lr * grad) / sqrt(denominator)
    momentum:      momentum_buf = momentum * momentum_buf + increment;  var = var - momentum_buf
    no momentum:   var = var - increment
    grad_square: grad^2 as the caller squared it (see adam_update); None: grad * grad.
    """
    t = var.dtype.type
    rho_, one_minus_rho, eps = t(rho), t(1.0 - rho), t(epsilon)
    velocity[...] = rho_ * velocity + one_minus_rho * (
        grad * grad if grad_square is None else grad_square)
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


def adagrad_update(var, grad, accumulator, learning_rate, epsilon, grad_square=None):
    """Adagrad: each element's step shrinks with the sum of its squared gradients so far.

    accumulator = accumulator + grad^2          (starts at initial_accumulator_value)
    var = var - (lr * grad) / sqrt(accumulator + epsilon)
    grad_square: grad^2 as the caller squared it (see adam_update); None: grad * grad.
    """
    t = var.dtype.type
    accumulator += grad * grad if grad_square is None else grad_square
    var -= (t(learning_rate) * grad) / np.sqrt(accumulator + t(epsilon))


def adadelta_update(var, grad, accumulated_grad, accumulated_delta_var, learning_rate, rho,
                    epsilon):
    """Adadelta: the step is the ratio of running RMS of past steps to running RMS of gradients.

    rms(x) = sqrt(x + epsilon)
    accumulated_grad = rho * accumulated_grad + (1 - rho) * grad^2
    delta_var = -(rms(accumulated_delta_var) * grad) / rms(accumulated_grad)
    accumulated_delta_var = rho * accumulated_delta_var + (1 - rho) * delta_var^2
    var = var + lr * delta_var
    """
    t = var.dtype.type
    rho_, one_minus_rho, eps = t(rho), t(1.0 - rho), t(epsilon)
    accumulated_grad[...] = rho_ * accumulated_grad + one_minus_rho * (grad * grad)
    delta_var = -((np.sqrt(accumulated_delta_var + eps) * grad) /
                  np.sqrt(accumulated_grad + eps))
    accumulated_delta_var[...] = (rho_ * accumulated_delta_var +
                                  one_minus_rho * (delta_var * delta_var))
    var += t(learning_rate) * delta_var


def adamax_update(var, grad, m, u, learning_rate, beta_1_power, beta_1, beta_2, epsilon):
    """Adamax: Adam with the infinity norm u in place of the RMS of the gradients.

    beta_1_power = beta_1^t, t = iterations + 1       (the caller computes it, in var's dtype)
    m = m + (grad - m) * (1 - beta_1)
    u = max(beta_2 * u, |grad|)
    var = var - (lr * m) / ((1 - beta_1_power) * (u + epsilon))
    """
    t = var.dtype.type
    m += (grad - m) * t(1.0 - beta_1)
    np.maximum(t(beta_2) * u, np.abs(grad), out=u)
    var -= (t(learning_rate) * m) / ((t(1.0) - t(beta_1_power)) * (u + t(epsilon)))


def nadam_update(var, grad, m, v, learning_rate, beta_1, beta_2, u_t, u_t_1, u_product_t,
                 beta_2_power, epsilon):
    """Nadam: Adam with Nesterov momentum (Dozat's form with the 0.96 momentum schedule).

    The caller computes, in var's dtype (t = iterations + 1):
        u_t = beta_1 * (1 - 0.5 * 0.96^t),  u_t_1 = beta_1 * (1 - 0.5 * 0.96^(t+1))
        u_product_t = u_1 * u_2 * ... * u_t (kept by the optimizer),  beta_2_power = beta_2^t
    m = m + (grad - m) * (1 - beta_1)
    v = v + (grad^2 - v) * (1 - beta_2)
    m_hat = (u_t_1 * m) / (1 - u_product_t * u_t_1) + ((1 - u_t) * grad) / (1 - u_product_t)
    v_hat = v / (1 - beta_2_power)
    var = var - (m_hat * lr) / (sqrt(v_hat) + epsilon)
    """
    t = var.dtype.type
    one = t(1.0)
    u_t_1_, u_product_t_ = t(u_t_1), t(u_product_t)
    m += (grad - m) * (one - t(beta_1))
    v += (grad * grad - v) * (one - t(beta_2))
    m_hat = ((u_t_1_ * m) / (one - u_product_t_ * u_t_1_) +
             ((one - t(u_t)) * grad) / (one - u_product_t_))
    v_hat = v / (one - t(beta_2_power))
    var -= (m_hat * t(learning_rate)) / (np.sqrt(v_hat) + t(epsilon))


def lion_update(var, grad, m, learning_rate, beta_1, beta_2):
    """Lion: a step of fixed size lr per element, in the sign of an interpolated momentum.

    var = var - lr * sign(m * beta_1 + grad * (1 - beta_1))
    m = m * beta_2 + grad * (1 - beta_2)
    """
    t = var.dtype.type
    b1, b2 = t(beta_1), t(beta_2)
    var -= t(learning_rate) * np.sign(m * b1 + grad * (t(1.0) - b1))
    m[...] = m * b2 + grad * (t(1.0) - b2)


def power(x, p):
    """x^p computed in float64 and rounded to x's dtype: correctly rounded almost always.

    NumPy's own float32 power (SIMD) can be an ulp or two off, and numba's rounds differently,
    so both twins take this path (float32 twins then agree bit for bit; in float64 NumPy's and
    libm's pow still differ by an ulp now and then). TensorFlow's pow matches neither exactly.
    """
    return (x.astype(np.float64) ** np.float64(p)).astype(x.dtype)


def ftrl_update(var, grad, accumulator, linear, learning_rate, learning_rate_power,
                l1_regularization_strength, l2_regularization_strength,
                l2_shrinkage_regularization_strength, beta):
    """FTRL-Proximal: var is solved in closed form from the accumulated linear term.

    p = -learning_rate_power;  l2_reg = l2 + beta / (2 * lr)
    grad_shrunk = grad + 2 * l2_shrinkage * var
    new_accumulator = accumulator + grad^2
    linear = linear + grad_shrunk - ((new_accumulator^p - accumulator^p) / lr) * var
    quadratic = new_accumulator^p / lr + 2 * l2_reg
    var = (clip(linear, -l1, l1) - linear) / quadratic      (0 where |linear| <= l1)
    accumulator = new_accumulator
    """
    t = var.dtype.type
    lr, p = t(learning_rate), t(-learning_rate_power)
    l1 = t(l1_regularization_strength)
    l2_reg = t(l2_regularization_strength) + t(beta) / (t(2.0) * lr)
    grad_shrunk = grad + t(2 * l2_shrinkage_regularization_strength) * var
    new_accumulator = accumulator + grad * grad
    new_accumulator_p = power(new_accumulator, p)
    linear += grad_shrunk - ((new_accumulator_p - power(accumulator, p)) / lr) * var
    quadratic = new_accumulator_p / lr + t(2.0) * l2_reg
    var[...] = (np.clip(linear, -l1, l1) - linear) / quadratic
    accumulator[...] = new_accumulator
