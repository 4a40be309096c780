"""numba twins of `numpy_ref/embedding.py`: a gather and a scatter-add, as plain loops."""

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from .. import plan as planner
from . import blocks
from .arrays import copy_vector_into
from .optimizers import adagrad_update, adam_update, rmsprop_update

__all__ = ["embedding_forward", "embedding_backward"]


@njit(cache=True)
def embedding_forward(embeddings, indices):
    y = np.empty((indices.shape[0], embeddings.shape[1]), embeddings.dtype)
    for r in range(indices.shape[0]):
        copy_vector_into(embeddings[indices[r]], y[r])  # a loop (arrays.py: why)
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
# A big table's step runs its rows in ROW_CHUNKS chunks over numba's threads; each element's
# update is the same expression either way, so the bits do not depend on the threads. Measured
# at W8's 20000 x 128 table, Adam, float32 (2-core AMD EPYC, idle, min of 20): 4.5 ms on the
# calling thread, 2.2 ms on two. Tables under THREADED_SIZE elements (the tutorials') update
# on the calling thread: no thread launch, and no threaded kernel to compile.
__all__ += ["adam_update_rows", "rmsprop_update_rows", "adagrad_update_rows"]
THREADED_SIZE = planner.THREADED_ELEMENTS
ROW_CHUNKS = planner.ELEMENT_CHUNKS


def adam_update_rows(var, grad, grad_square, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    """adam_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    _update_rows(adam_update, _adam_chunks, var, grad, m, v, v_hat, alpha, beta_1, beta_2,
                 epsilon, grad_square)


def rmsprop_update_rows(var, grad, grad_square, velocity, average_grad, momentum_buf,
                        learning_rate, rho, momentum, epsilon):
    """rmsprop_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    _update_rows(rmsprop_update, _rmsprop_chunks, var, grad, velocity, average_grad,
                 momentum_buf, learning_rate, rho, momentum, epsilon, grad_square)


def adagrad_update_rows(var, grad, grad_square, accumulator, learning_rate, epsilon):
    """adagrad_update with an Embedding's grad^2 squared lookup by lookup (grad_square)."""
    _update_rows(adagrad_update, _adagrad_chunks, var, grad, accumulator, learning_rate,
                 epsilon, grad_square)


def _update_rows(update, chunked, var, *args):
    """update(var, *args) on the calling thread, or for a big table chunked(var, *args,
    ROW_CHUNKS) on the free threads (the arrays are the table's shape, C-contiguous)."""
    if var.size < THREADED_SIZE:
        update(var, *args)
        return
    with blocks.LAUNCH, blocks.using_threads(planner.free_threads()):
        chunked(var, *args, ROW_CHUNKS)


def _rows(a, r0, r1):
    """a[r0:r1], or None for a slot the optimizer does not keep (compiled: the overload)."""
    return None if a is None else a[r0:r1]


@overload(_rows)
def _rows_overload(a, r0, r1):
    if isinstance(a, types.NoneType):
        return lambda a, r0, r1: None
    return lambda a, r0, r1: a[r0:r1]


@njit(cache=True, parallel=True)
def _adam_chunks(var, grad, m, v, v_hat, alpha, beta_1, beta_2, epsilon, grad_square, chunks):
    for p in prange(chunks):
        r0, r1 = blocks.chunk_bounds(var.shape[0], chunks, p)
        adam_update(var[r0:r1], grad[r0:r1], m[r0:r1], v[r0:r1], _rows(v_hat, r0, r1), alpha,
                    beta_1, beta_2, epsilon, grad_square[r0:r1])


@njit(cache=True, parallel=True)
def _rmsprop_chunks(var, grad, velocity, average_grad, momentum_buf, learning_rate, rho,
                    momentum, epsilon, grad_square, chunks):
    for p in prange(chunks):
        r0, r1 = blocks.chunk_bounds(var.shape[0], chunks, p)
        rmsprop_update(var[r0:r1], grad[r0:r1], velocity[r0:r1], _rows(average_grad, r0, r1),
                       _rows(momentum_buf, r0, r1), learning_rate, rho, momentum, epsilon,
                       grad_square[r0:r1])


@njit(cache=True, parallel=True)
def _adagrad_chunks(var, grad, accumulator, learning_rate, epsilon, grad_square, chunks):
    for p in prange(chunks):
        r0, r1 = blocks.chunk_bounds(var.shape[0], chunks, p)
        adagrad_update(var[r0:r1], grad[r0:r1], accumulator[r0:r1], learning_rate, epsilon,
                       grad_square[r0:r1])
