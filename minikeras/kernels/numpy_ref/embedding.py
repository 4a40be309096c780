"""Embedding lookup: row i of the table for index i.

Forward:   y[..., :] = embeddings[indices[...], :]
Backward:  dembeddings[i, :] = sum of dy[..., :] over the positions where indices == i
           (rows no index names get 0; an index used twice adds both gradients)

Shapes: embeddings (input_dim, output_dim); indices (rows,) int64, already checked to be in
[0, input_dim) (the layer flattens the batch); y and dy (rows, output_dim);
dembeddings (input_dim, output_dim).
"""

import numpy as np

from .optimizers import adagrad_update, adam_update, rmsprop_update

__all__ = ["embedding_forward", "embedding_backward"]


def embedding_forward(embeddings, indices):
    return embeddings[indices]


def embedding_backward(dy, indices, input_dim):
    dembeddings = np.zeros((input_dim, dy.shape[1]), dtype=dy.dtype)
    np.add.at(dembeddings, indices, dy)  # unbuffered: repeated indices accumulate
    return dembeddings


# ---- Keras's optimizer steps on a table's row gradients ----------------------------------------
# On TensorFlow, an Embedding's gradient reaches the optimizer as rows (IndexedSlices: one row
# of dy per lookup, not summed). Keras's optimizers square that gradient row by row and only
# then sum the rows of the same index, so where an index appears more than once in a batch the
# "grad^2" of Adam, RMSprop and Adagrad is grad_square = sum over lookups of dy_row^2, not
# (sum of dy_rows)^2. Everything linear in the gradient sees the summed grad, as in the dense
# steps. The layer computes grad_square with embedding_backward(dy * dy, ...). Shapes: all
# arrays are the table's (input_dim, output_dim); the scalars are the dense steps' (see
# numpy_ref/optimizers.py: these call its updates with grad_square for grad^2).
__all__ += ["adam_update_rows", "rmsprop_update_rows", "adagrad_update_rows"]


def adam_update_rows(var, grad, grad_square, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    """adam_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    adam_update(var, grad, m, v, v_hat, alpha, beta_1, beta_2, epsilon, grad_square)


def rmsprop_update_rows(var, grad, grad_square, velocity, average_grad, momentum_buf,
                        learning_rate, rho, momentum, epsilon):
    """rmsprop_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    rmsprop_update(var, grad, velocity, average_grad, momentum_buf, learning_rate, rho,
                   momentum, epsilon, grad_square)


def adagrad_update_rows(var, grad, grad_square, accumulator, learning_rate, epsilon):
    """adagrad_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    adagrad_update(var, grad, accumulator, learning_rate, epsilon, grad_square)
