"""numba twins of `numpy_ref/dense.py`: BLAS matmuls, bias add and column sums fused in loops."""

import numpy as np
from numba import njit, prange

from .. import plan as planner
from . import blocks
from .arrays import add_into, add_vector_into

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
# (blocks.py: why; kernels/plan.py: how many rows, projection_split)
@njit(cache=True)
def _projection_forward_rows(x, kernel, bias, z, r0, r1, block):
    blocks.gemm_rows(x, kernel, z, r0, r1, block)
    if bias is not None:
        for i in range(r0, r1):
            for j in range(z.shape[1]):
                z[i, j] += bias[j]


@njit(cache=True, parallel=blocks.PRANGE_ONLY)
def projection_forward_core(x, kernel, bias, threads, limit):
    """z = x @ kernel + bias for x (rows, features), kernel (features, units), contiguous."""
    z = np.empty((x.shape[0], kernel.shape[1]), kernel.dtype)
    macs = kernel.size
    n = x.shape[0]
    slab, block = blocks.slab_size(n, macs, threads, limit), blocks.block_size(macs, limit)
    for p in prange(blocks.slab_count(n, slab)):
        _projection_forward_rows(x, kernel, bias, z, p * slab, min(n, (p + 1) * slab), block)
    return z


def _projection(one_gemm, threaded, rows, kernel, *arrays):
    """threaded(*arrays, threads, limit) on the free threads, BLAS on each calling thread
    (kernels/plan.py: projection_split); or one_gemm(*arrays) where the rows are one block of
    that limit and one single-thread GEMM: then the slab loop would run that same GEMM
    (dense_forward/backward compute it as the slab loops do, the same bits), and this saves
    the thread launch (~10 us, the whole step of a small recurrent layer's projection)."""
    if planner.projection_in_one_gemm(rows, kernel.size):
        return one_gemm(*arrays)
    threads, limit = planner.projection_split(kernel.size)
    with blocks.LAUNCH, blocks.using_threads(threads), blocks.blas_on_calling_thread():
        return threaded(*arrays, threads, limit)


def projection_forward(x, kernel, bias):
    """dense_forward for many rows (blocks.py: why slabs and blocks)."""
    return _projection(dense_forward, projection_forward_core, x.shape[0], kernel,
                       np.ascontiguousarray(x), np.ascontiguousarray(kernel), bias)


@njit(cache=True)
def _projection_backward_rows(dz, x, kernel_t, dx, dkernel_part, dbias_part, r0, r1, block):
    units = dz.shape[1]
    term = np.empty(dkernel_part.shape, dz.dtype)
    for s in range(r0, r1, block):
        e = min(r1, s + block)
        np.dot(dz[s:e], kernel_t, dx[s:e])
        np.dot(x[s:e].T, dz[s:e], term)
        for i in range(term.shape[0]):
            for j in range(units):
                dkernel_part[i, j] += term[i, j]
        for i in range(s, e):
            for j in range(units):
                dbias_part[j] += dz[i, j]


@njit(cache=True, parallel=blocks.PRANGE_ONLY)
def projection_backward_core(dz, x, kernel, threads, limit):
    """(dx, dkernel, dbias) of projection_forward_core; dkernel and dbias summed slab by slab."""
    n, units = dz.shape
    macs = kernel.size
    slab = blocks.slab_size(n, macs, threads, limit)
    parts = blocks.slab_count(n, slab)
    dx = np.empty((n, kernel.shape[0]), dz.dtype)
    dkernel_parts = np.zeros((parts, kernel.shape[0], units), dz.dtype)
    dbias_parts = np.zeros((parts, units), dz.dtype)
    kernel_t, block = np.ascontiguousarray(kernel.T), blocks.block_size(macs, limit)
    for p in prange(parts):
        _projection_backward_rows(dz, x, kernel_t, dx, dkernel_parts[p], dbias_parts[p],
                                  p * slab, min(n, (p + 1) * slab), block)
    for p in range(1, parts):
        add_into(dkernel_parts[p], dkernel_parts[0])  # loops (arrays.py: why)
        add_vector_into(dbias_parts[p], dbias_parts[0])
    return dx, dkernel_parts[0], dbias_parts[0]


def projection_backward(dz, x, kernel):
    """dense_backward for many rows: dx by rows; dkernel and dbias summed over the slabs."""
    return _projection(dense_backward, projection_backward_core, dz.shape[0], kernel,
                       np.ascontiguousarray(dz), np.ascontiguousarray(x),
                       np.ascontiguousarray(kernel))
