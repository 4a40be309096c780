"""numba twins of `numpy_ref/embedding.py`: a gather and a scatter-add, as plain loops."""

import numpy as np
from numba import njit

from .optimizers import adagrad_update, adam_update, rmsprop_update

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
    """adam_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    adam_update(var, grad, m, v, v_hat, alpha, beta_1, beta_2, epsilon, grad_square)


@njit(cache=True)
def rmsprop_update_rows(var, grad, grad_square, velocity, average_grad, momentum_buf,
                        learning_rate, rho, momentum, epsilon):
    """rmsprop_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    rmsprop_update(var, grad, velocity, average_grad, momentum_buf, learning_rate, rho,
                   momentum, epsilon, grad_square)


@njit(cache=True)
def adagrad_update_rows(var, grad, grad_square, accumulator, learning_rate, epsilon):
    """adagrad_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    adagrad_update(var, grad, accumulator, learning_rate, epsilon, grad_square)
