"""numba twins of `numpy_ref/dense.py`: BLAS matmuls, bias add and column sums fused in loops."""

import numpy as np
from numba import njit

__all__ = ["dense_forward", "dense_backward"]


@njit(cache=True)
def dense_forward(x, kernel, bias):
    z = np.dot(np.ascontiguousarray(x), np.ascontiguousarray(kernel))
    if bias is not None:
        n, units = z.shape
        for i in range(n):
            for j in range(units):
                z[i, j] += bias[j]
    return z


@njit(cache=True)
def dense_backward(dz, x, kernel):
    dz = np.ascontiguousarray(dz)
    dx = np.dot(dz, np.ascontiguousarray(kernel).T)
    dkernel = np.dot(np.ascontiguousarray(x).T, dz)
    n, units = dz.shape
    dbias = np.zeros(units, dtype=dz.dtype)
    for i in range(n):
        for j in range(units):
            dbias[j] += dz[i, j]
    return dx, dkernel, dbias
