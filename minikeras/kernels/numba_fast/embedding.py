"""numba twins of `numpy_ref/embedding.py`: a gather and a scatter-add, as plain loops."""

import numpy as np
from numba import njit

__all__ = ["embedding_forward", "embedding_backward"]


@njit(cache=True)
def embedding_forward(embeddings, indices):
    y = np.empty((indices.shape[0], embeddings.shape[1]), embeddings.dtype)
    for r in range(indices.shape[0]):
        y[r] = embeddings[indices[r]]
    return y


@njit(cache=True)
def embedding_backward(dy, indices, input_dim):
    dembeddings = np.zeros((input_dim, dy.shape[1]), dy.dtype)
    for r in range(indices.shape[0]):
        row = indices[r]
        for j in range(dy.shape[1]):
            dembeddings[row, j] += dy[r, j]
    return dembeddings


# ---- Keras's optimizer steps on a table's row gradients (numpy_ref/embedding.py says why) ------
__all__ += ["adam_update_rows", "rmsprop_update_rows", "adagrad_update_rows"]


@njit(cache=True)
def adam_update_rows(var, grad, grad_square, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    t = var.dtype.type
    one_minus_beta_1, one_minus_beta_2 = t(1.0 - beta_1), t(1.0 - beta_2)
    alpha_, eps = t(alpha), t(epsilon)
    for i in range(var.size):
        g = grad.flat[i]
        m_i = m.flat[i] + (g - m.flat[i]) * one_minus_beta_1
        v_i = v.flat[i] + (grad_square.flat[i] - v.flat[i]) * one_minus_beta_2
        m.flat[i] = m_i
        v.flat[i] = v_i
        if v_hat is not None:
            v_i = np.maximum(v_hat.flat[i], v_i)
            v_hat.flat[i] = v_i
        var.flat[i] -= (m_i * alpha_) / (np.sqrt(v_i) + eps)


@njit(cache=True)
def rmsprop_update_rows(var, grad, grad_square, velocity, average_grad, momentum_buf,
                        learning_rate, rho, momentum, epsilon):
    t = var.dtype.type
    rho_, one_minus_rho, eps = t(rho), t(1.0 - rho), t(epsilon)
    lr, mu = t(learning_rate), t(momentum)
    for i in range(var.size):
        g = grad.flat[i]
        vel = rho_ * velocity.flat[i] + one_minus_rho * grad_square.flat[i]
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


@njit(cache=True)
def adagrad_update_rows(var, grad, grad_square, accumulator, learning_rate, epsilon):
    t = var.dtype.type
    lr, eps = t(learning_rate), t(epsilon)
    for i in range(var.size):
        g = grad.flat[i]
        acc = accumulator.flat[i] + grad_square.flat[i]
        accumulator.flat[i] = acc
        var.flat[i] -= (lr * g) / np.sqrt(acc + eps)
