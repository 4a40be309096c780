"""numba twins of `numpy_ref/dense.py`: BLAS matmuls, bias add and column sums fused in loops."""

import numpy as np
from numba import njit, prange

from . import blocks

__all__ = ["dense_forward", "dense_backward", "projection_forward", "projection_backward"]


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


# ---- the recurrent layers' input projection: rows in slabs over threads, BLAS in blocks -------
@njit(cache=True, parallel=True)
def _projection_forward_loop(x, kernel, bias, z, slab, block):
    n, units = z.shape
    for p in prange(blocks.slab_count(n, slab)):
        r0, r1 = p * slab, min(n, (p + 1) * slab)
        blocks.gemm_rows(x, kernel, z, r0, r1, block)
        if bias is not None:
            for i in range(r0, r1):
                for j in range(units):
                    z[i, j] += bias[j]


@njit(cache=True)
def projection_forward_core(x, kernel, bias, threads, limit):
    """z = x @ kernel + bias for x (rows, features), kernel (features, units), contiguous."""
    z = np.empty((x.shape[0], kernel.shape[1]), kernel.dtype)
    macs = kernel.size
    _projection_forward_loop(x, kernel, bias, z, blocks.slab_size(x.shape[0], macs, threads, limit),
                             blocks.block_size(macs, limit))
    return z


def _one_block(rows, kernel):
    """True when the whole projection is one single-thread GEMM: then dense_forward/backward
    compute it as the slab loops would, without a thread launch (~10 us, the whole step of a
    small recurrent layer's projection)."""
    return rows * kernel.size <= blocks.SINGLE_THREAD_MACS


def projection_forward(x, kernel, bias):
    """dense_forward for many rows (blocks.py: why slabs and blocks)."""
    if _one_block(x.shape[0], kernel):
        return dense_forward(x, kernel, bias)
    with blocks.LAUNCH:
        return projection_forward_core(np.ascontiguousarray(x), np.ascontiguousarray(kernel),
                                       bias, *blocks.plan())


@njit(cache=True, parallel=True)
def _projection_backward_loop(dz, x, kernel_t, dx, dkernel_parts, dbias_parts, slab, block):
    n, units = dz.shape
    for p in prange(dkernel_parts.shape[0]):
        term = np.empty(dkernel_parts.shape[1:], dz.dtype)
        for s in range(p * slab, min(n, (p + 1) * slab), block):
            e = min(n, (p + 1) * slab, s + block)
            np.dot(dz[s:e], kernel_t, dx[s:e])
            np.dot(x[s:e].T, dz[s:e], term)
            for i in range(term.shape[0]):
                for j in range(units):
                    dkernel_parts[p, i, j] += term[i, j]
            for i in range(s, e):
                for j in range(units):
                    dbias_parts[p, j] += dz[i, j]


@njit(cache=True)
def projection_backward_core(dz, x, kernel, threads, limit):
    """(dx, dkernel, dbias) of projection_forward_core; dkernel and dbias summed slab by slab."""
    n, units = dz.shape
    macs = kernel.size
    slab = blocks.slab_size(n, macs, threads, limit)
    parts = blocks.slab_count(n, slab)
    dx = np.empty((n, kernel.shape[0]), dz.dtype)
    dkernel_parts = np.zeros((parts, kernel.shape[0], units), dz.dtype)
    dbias_parts = np.zeros((parts, units), dz.dtype)
    _projection_backward_loop(dz, x, np.ascontiguousarray(kernel.T), dx, dkernel_parts,
                              dbias_parts, slab, blocks.block_size(macs, limit))
    for p in range(1, parts):
        dkernel_parts[0] += dkernel_parts[p]
        dbias_parts[0] += dbias_parts[p]
    return dx, dkernel_parts[0], dbias_parts[0]


def projection_backward(dz, x, kernel):
    """dense_backward for many rows: dx by rows; dkernel and dbias summed over the slabs."""
    if _one_block(dz.shape[0], kernel):
        return dense_backward(dz, x, kernel)
    with blocks.LAUNCH:
        return projection_backward_core(np.ascontiguousarray(dz), np.ascontiguousarray(x),
                                        np.ascontiguousarray(kernel), *blocks.plan())
