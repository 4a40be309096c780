"""numba twins of `numpy_ref/conv.py`: im2col + BLAS GEMMs, a slab of samples per thread.

How (the what is the reference's): for a 2-D convolution, every output position's receptive
field is copied into one row of `cols` (kernel rows, kernel cols, channels: the kernel's own
layout), so a convolution is cols @ kernel.reshape(-1, filters), one GEMM per group. The
backward pass is the same GEMMs transposed: dkernel = cols.T @ dz, dcols = dz @ kernel.T, and
col2im (_im2col's `back`) adds each dcols row back onto the input positions it came from.
The batch is cut into slabs of a few samples (kernels/plan.py's CONV_SLAB_ROWS im2col rows);
numba's threads share the slabs out (`prange`), each copying its slab's cols and giving BLAS
one GEMM per slab and group. SciPy's OpenBLAS (the one numba calls) is kept on the calling
thread meanwhile (blocks.blas_on_calling_thread), so no BLAS pool competes with these
threads; where that cannot be done the GEMMs are cut into SINGLE_THREAD_MACS row blocks
(blocks.py). A coded activation (relu, tanh, sigmoid) runs inside the slab too: on its z rows
right after their GEMM, and on its dy rows (dz = act'(z) * dy, from y) before the backward
GEMMs, while they are in cache, instead of two more passes over the whole output. Each slab
writes its own samples' z and dx rows (no races) and its own part of dkernel and dbias; the
parts are added in slab order. The slabs depend on the shapes only, so the bits do not depend
on the thread count.

Conv1D runs as a 2-D convolution with one row; Conv3D runs the reference code (a loop of
GEMMs over kernel offsets: already BLAS-bound, not specialized here) with this path's
activation loops around it (so the same numbers as the activation functions give).
"""

import numpy as np
from numba import njit, prange

from .. import codes
from .. import plan as planner
from ..numpy_ref import conv as reference
from . import blocks
from .activations import activate_into, activation_backward_into
from .arrays import add_into, add_vector_into, copy_into

__all__ = ["conv_forward", "conv_backward"]


@njit(inline="always")
def _im2col(x, b, cols, r0, kh, kw, sh, sw, dh, dw, oh, ow, c0, back):
    """cols[r0 + (i, j), (p, q, c)] = x[b, i*sh + p*dh, j*sw + q*dw, c0 + c] for one sample b
    (its oh * ow rows from row r0); with `back` (col2im), its transpose: x[...] += cols[...],
    each column added back onto the input position it came from. Plain index loops: at W7's
    conv2 they ran 3x faster than a version copying contiguous runs through flat views (4.4
    vs 13.7 ms a batch). Inlined into its callers (numba's inline="always"), so the literal
    `back` they pass is a constant there and the branch leaves the innermost loop: as a
    separate function, with `back` tested per element, W7's conv2 forward took 36.6 ms a batch
    on one thread against 30.4 ms inlined (back to back, min of 15)."""
    cin = cols.shape[1] // (kh * kw)
    for i in range(oh):
        for j in range(ow):
            row, col = r0 + i * ow + j, 0
            for p in range(kh):
                for q in range(kw):
                    for c in range(cin):
                        if back:
                            x[b, i * sh + p * dh, j * sw + q * dw, c0 + c] += cols[row, col]
                        else:
                            cols[row, col] = x[b, i * sh + p * dh, j * sw + q * dw, c0 + c]
                        col += 1


@njit(cache=True)
def samples_per_slab(batch, rows, slab_rows):
    """Samples per slab: enough for slab_rows im2col rows (at least 1), and more where that
    would make more than blocks.MAX_SLABS slabs (each backward slab keeps a dkernel part)."""
    return max(1, (slab_rows + rows - 1) // max(1, rows),
               (batch + blocks.MAX_SLABS - 1) // blocks.MAX_SLABS)


@njit(cache=True)
def _forward_slab(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, oh, ow, b0, b1, block, act):
    """z rows of the samples b0..b1-1 = act(im2col(x[b0:b1]) @ w (per group) + bias).
    z: (batch * oh * ow, filters); w_groups: (groups, kh * kw * cin_per_group, filters_per_group).
    """
    rows, filters = oh * ow, z.shape[1]
    groups, k, fg = w_groups.shape
    n = (b1 - b0) * rows
    zs = z[b0 * rows:b1 * rows]
    cols = np.empty((n, k), x.dtype)
    zg = np.empty((n if groups > 1 else 0, fg), x.dtype)
    for g in range(groups):
        for b in range(b0, b1):
            _im2col(x, b, cols, (b - b0) * rows, kh, kw, sh, sw, dh, dw, oh, ow,
                    g * (k // (kh * kw)), False)
        if groups == 1:
            blocks.gemm_rows(cols, w_groups[0], zs, blocks.FIRST, n, block)
        else:
            blocks.gemm_rows(cols, w_groups[g], zg, blocks.FIRST, n, block)
            copy_into(zg, zs[:, g * fg:(g + 1) * fg])
    if bias.shape[0]:  # no bias: an empty array (one compiled variant, not two)
        for r in range(n):
            for f in range(filters):
                zs[r, f] += bias[f]
    if act != codes.LINEAR:
        activate_into(zs, zs, act)


@njit(cache=True, parallel=True)
def _forward_slabs(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, oh, ow, per, block, act):
    batch = x.shape[0]
    for p in prange(blocks.slab_count(batch, per)):
        _forward_slab(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, oh, ow, p * per,
                      min(batch, (p + 1) * per), block, act)


@njit(cache=True)
def _backward_slab(dy, y, x, w_groups_t, dx, dkernel, dbias, kh, kw, sh, sw, dh, dw, oh, ow,
                   b0, b1, block, act):
    """For the samples b0..b1-1: dz = act'(z) * dy (from y; dy itself for LINEAR), then
    dkernel = cols.T @ dz and dbias = dz's row sums (this slab's parts, zeroed by the caller),
    and dcols = dz @ w.T added into dx by col2im (per group; not where dx has no rows: the
    model's first layer). dy, y: (batch * oh * ow, filters) (y empty for LINEAR);
    w_groups_t: (groups, filters_per_group, k)."""
    rows, filters = oh * ow, dy.shape[1]
    groups, fg, k = w_groups_t.shape
    n, need_dx = (b1 - b0) * rows, dx.shape[0] > 0
    dzs = dy[b0 * rows:b1 * rows]
    if act != codes.LINEAR:
        dzs = np.empty((n, filters), dy.dtype)
        ys = y[b0 * rows:b1 * rows]
        activation_backward_into(dy[b0 * rows:b1 * rows], ys, ys, dzs, act)
    cols = np.empty((n, k), x.dtype)
    dcols = np.empty((n if need_dx else 0, k), x.dtype)
    dzg = np.empty((n, fg), x.dtype)
    term = np.empty((k, fg), x.dtype)
    for g in range(groups):
        c0 = g * (k // (kh * kw))
        for b in range(b0, b1):
            _im2col(x, b, cols, (b - b0) * rows, kh, kw, sh, sw, dh, dw, oh, ow, c0, False)
        copy_into(dzs[:, g * fg:(g + 1) * fg], dzg)
        for s in range(0, n, block):
            e = min(n, s + block)
            np.dot(cols[s:e].T, dzg[s:e], term)
            add_into(term, dkernel[g])
        if not need_dx:
            continue
        blocks.gemm_rows(dzg, w_groups_t[g], dcols, blocks.FIRST, n, block)
        for b in range(b0, b1):
            _im2col(dx, b, dcols, (b - b0) * rows, kh, kw, sh, sw, dh, dw, oh, ow, c0, True)
    for r in range(n):
        for f in range(filters):
            dbias[f] += dzs[r, f]


@njit(cache=True, parallel=True)
def _backward_slabs(dy, y, x, w_groups_t, dx, dkernel_parts, dbias_parts, kh, kw, sh, sw, dh,
                    dw, oh, ow, per, block, act):
    batch = x.shape[0]
    for p in prange(dkernel_parts.shape[0]):
        _backward_slab(dy, y, x, w_groups_t, dx, dkernel_parts[p], dbias_parts[p], kh, kw, sh,
                       sw, dh, dw, oh, ow, p * per, min(batch, (p + 1) * per), block, act)


@njit(cache=True)
def _conv2d_forward(x, kernel, bias, sh, sw, dh, dw, groups, slab_rows, limit, act):
    kh, kw, cin, filters = kernel.shape
    batch, h, w = x.shape[0], x.shape[1], x.shape[2]
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    fg, k = filters // groups, kh * kw * cin
    w_groups = np.empty((groups, k, fg), x.dtype)  # (kh, kw, cin) rows: the cols' layout
    flat = kernel.reshape(k, filters)
    for g in range(groups):
        copy_into(flat[:, g * fg:(g + 1) * fg], w_groups[g])
    z = np.empty((batch * oh * ow, filters), x.dtype)
    per = samples_per_slab(batch, oh * ow, slab_rows)
    block = blocks.block_size(k * fg, limit)
    if per >= batch:  # one slab: no thread launch (it costs more than small work)
        _forward_slab(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, oh, ow, blocks.FIRST, batch,
                      block, act)
    else:
        _forward_slabs(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, oh, ow, per, block, act)
    return z.reshape(batch, oh, ow, filters)


@njit(cache=True)
def _conv2d_backward(dy, y, x, kernel, sh, sw, dh, dw, groups, slab_rows, limit, need_dx, act):
    kh, kw, cin, filters = kernel.shape
    batch, oh, ow = dy.shape[0], dy.shape[1], dy.shape[2]
    fg, k = filters // groups, kh * kw * cin
    w_groups_t = np.empty((groups, fg, k), x.dtype)
    flat = kernel.reshape(k, filters)
    for g in range(groups):
        copy_into(flat[:, g * fg:(g + 1) * fg].T, w_groups_t[g])
    per = samples_per_slab(batch, oh * ow, slab_rows)
    parts = blocks.slab_count(batch, per)
    dx = np.zeros(x.shape if need_dx else (0, 0, 0, 0), x.dtype)
    dkernel_parts = np.zeros((parts, groups, k, fg), x.dtype)
    dbias_parts = np.zeros((parts, filters), x.dtype)
    dy2, block = dy.reshape(batch * oh * ow, filters), blocks.block_size(k * fg, limit)
    y2 = y.reshape(y.shape[0] * oh * ow, filters)  # no rows for LINEAR
    if parts == 1:
        _backward_slab(dy2, y2, x, w_groups_t, dx, dkernel_parts[0], dbias_parts[0], kh, kw,
                       sh, sw, dh, dw, oh, ow, blocks.FIRST, batch, block, act)
    else:
        _backward_slabs(dy2, y2, x, w_groups_t, dx, dkernel_parts, dbias_parts, kh, kw, sh, sw,
                        dh, dw, oh, ow, per, block, act)
    for p in range(1, parts):
        add_vector_into(dkernel_parts[p].reshape(-1), dkernel_parts[0].reshape(-1))  # arrays.py
        add_vector_into(dbias_parts[p], dbias_parts[0])
    dkernel = np.empty((k, filters), x.dtype)
    for g in range(groups):
        copy_into(dkernel_parts[0, g], dkernel[:, g * fg:(g + 1) * fg])
    return dx, dkernel.reshape(kh, kw, cin, filters), dbias_parts[0]


def _split():
    """(threads, slab_rows, block_limit) from kernels/plan.py."""
    threads, limit = planner.conv_split()
    return threads, planner.CONV_SLAB_ROWS, limit


def _as_2d(x, kernel, strides, dilation_rate):
    """A 1-D problem as a 2-D one with a single row (views, no copies)."""
    return (x[:, None], kernel[None], (1, *strides), (1, *dilation_rate))


def conv_forward(x, kernel, bias, strides, dilation_rate, groups, activation=codes.LINEAR):
    if kernel.ndim == 5:  # the reference's GEMMs, then this path's activation loop
        z = reference.conv_forward(x, kernel, bias, strides, dilation_rate, groups)
        if activation != codes.LINEAR:
            activate_into(z, z, activation)
        return z
    one_d = kernel.ndim == 3
    if one_d:
        x, kernel, strides, dilation_rate = _as_2d(x, kernel, strides, dilation_rate)
    threads, slab_rows, limit = _split()
    with blocks.LAUNCH, blocks.using_threads(threads), blocks.blas_on_calling_thread():
        z = _conv2d_forward(np.ascontiguousarray(x), np.ascontiguousarray(kernel),
                            np.zeros(0, x.dtype) if bias is None else bias.astype(x.dtype),
                            *strides, *dilation_rate, groups, slab_rows, limit, activation)
    return z[:, 0] if one_d else z


def conv_backward(dy, x, kernel, strides, dilation_rate, groups, need_dx=True,
                  activation=codes.LINEAR, y=None):
    reference.check_output_given(activation, y)
    if kernel.ndim == 5:  # this path's activation derivative, then the reference's GEMMs
        if activation != codes.LINEAR:
            dy, y = np.ascontiguousarray(dy, x.dtype), np.ascontiguousarray(y, x.dtype)
            dz = np.empty_like(dy)
            activation_backward_into(dy, y, y, dz, activation)
            dy = dz
        return reference.conv_backward(dy, x, kernel, strides, dilation_rate, groups, need_dx)
    if activation == codes.LINEAR:
        y = np.empty((0,) + dy.shape[1:], x.dtype)
    one_d = kernel.ndim == 3
    if one_d:
        x, kernel, strides, dilation_rate = _as_2d(x, kernel, strides, dilation_rate)
        dy, y = dy[:, None], y[:, None]
    threads, slab_rows, limit = _split()
    with blocks.LAUNCH, blocks.using_threads(threads), blocks.blas_on_calling_thread():
        dx, dkernel, dbias = _conv2d_backward(np.ascontiguousarray(dy, dtype=x.dtype),
                                              np.ascontiguousarray(y, dtype=x.dtype),
                                              np.ascontiguousarray(x),
                                              np.ascontiguousarray(kernel), *strides,
                                              *dilation_rate, groups, slab_rows, limit, need_dx,
                                              activation)
    if not need_dx:
        return None, (dkernel[0] if one_d else dkernel), dbias
    return (dx[:, 0], dkernel[0], dbias) if one_d else (dx, dkernel, dbias)
