"""Embedding lookup: row i of the table for index i.

Forward:   y[..., :] = embeddings[indices[...], :]
Backward:  dembeddings[i, :] = sum of dy[..., :] over the positions where indices == i
           (rows no index names get 0; an index used twice adds both gradients)

Shapes: embeddings (input_dim, output_dim); indices (rows,) int64, already checked to be in
[0, input_dim) (the layer flattens the batch); y and dy (rows, output_dim);
dembeddings (input_dim, output_dim).
"""

import numpy as np

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
# numpy_ref/optimizers.py, whose formulas these repeat with grad^2 -> grad_square).
__all__ += ["adam_update_rows", "rmsprop_update_rows", "adagrad_update_rows"]


def adam_update_rows(var, grad, grad_square, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    t = var.dtype.type
    m += (grad - m) * t(1.0 - beta_1)
    v += (grad_square - v) * t(1.0 - beta_2)
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    var -= (m * t(alpha)) / (np.sqrt(v) + t(epsilon))


def rmsprop_update_rows(var, grad, grad_square, velocity, average_grad, momentum_buf,
                        learning_rate, rho, momentum, epsilon):
    t = var.dtype.type
    rho_, one_minus_rho, eps = t(rho), t(1.0 - rho), t(epsilon)
    velocity[...] = rho_ * velocity + one_minus_rho * grad_square
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


def adagrad_update_rows(var, grad, grad_square, accumulator, learning_rate, epsilon):
    t = var.dtype.type
    accumulator += grad_square
    var -= (t(learning_rate) * grad) / np.sqrt(accumulator + t(epsilon))
