"""numba twins of `numpy_ref/conv.py`: im2col + BLAS GEMMs, sample by sample.

How (the what is the reference's): for a 2-D convolution, every output position's receptive
field is copied into one row of `cols` (kernel rows, kernel cols, channels: the kernel's own
layout), so one sample's convolution is cols @ kernel.reshape(-1, filters), one GEMM per
group. The backward pass is the same GEMMs transposed: dkernel += cols.T @ dz, dcols =
dz @ kernel.T, and col2im adds each dcols row back onto the input positions it came from.
The samples are split into one slab per numba thread; each thread keeps one sample's cols
(cache-sized, instead of the whole batch's) and runs its GEMMs in single-thread BLAS blocks
(blocks.py: OpenBLAS's own threads would spin on the cores these threads use). dkernel and
dbias are summed slab by slab, so their last bits depend on the thread count.

Conv1D runs as a 2-D convolution with one row; Conv3D runs the reference code (a loop of
GEMMs over kernel offsets: already BLAS-bound, not specialized here).
"""

import numpy as np
from numba import njit, prange

from ..numpy_ref import conv as reference
from . import blocks

__all__ = ["conv_forward", "conv_backward"]


@njit(cache=True)
def _im2col(x, b, cols, kh, kw, sh, sw, dh, dw, ow, c0):
    """cols[(i, j), (p, q, c)] = x[b, i*sh + p*dh, j*sw + q*dw, c0 + c] for one sample b."""
    cin = cols.shape[1] // (kh * kw)
    for row in range(cols.shape[0]):
        i, j = row // ow, row % ow
        col = 0
        for p in range(kh):
            for q in range(kw):
                for c in range(cin):
                    cols[row, col] = x[b, i * sh + p * dh, j * sw + q * dw, c0 + c]
                    col += 1


@njit(cache=True)
def _col2im(dcols, dx, b, kh, kw, sh, sw, dh, dw, ow, c0):
    """dx[b, i*sh + p*dh, j*sw + q*dw, c0 + c] += dcols[(i, j), (p, q, c)]."""
    cin = dcols.shape[1] // (kh * kw)
    for row in range(dcols.shape[0]):
        i, j = row // ow, row % ow
        col = 0
        for p in range(kh):
            for q in range(kw):
                for c in range(cin):
                    dx[b, i * sh + p * dh, j * sw + q * dw, c0 + c] += dcols[row, col]
                    col += 1


@njit(cache=True)
def _forward_samples(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, ow, b0, b1, block):
    """z[b] = im2col(x[b]) @ w (per group) + bias for the samples b0..b1-1."""
    rows, filters = z.shape[1], z.shape[2]
    groups, k, fg = w_groups.shape
    cols = np.empty((rows, k), x.dtype)
    zg = np.empty((rows, fg), x.dtype)
    for b in range(b0, b1):
        for g in range(groups):
            _im2col(x, b, cols, kh, kw, sh, sw, dh, dw, ow, g * (k // (kh * kw)))
            if groups == 1:
                blocks.gemm_rows(cols, w_groups[0], z[b], 0, rows, block)
            else:
                blocks.gemm_rows(cols, w_groups[g], zg, 0, rows, block)
                z[b, :, g * fg:(g + 1) * fg] = zg
        if bias.shape[0]:  # no bias: an empty array (one compiled variant, not two)
            for r in range(rows):
                for f in range(filters):
                    z[b, r, f] += bias[f]


@njit(cache=True, parallel=True)
def _forward_slabs(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, ow, slab, block):
    batch = z.shape[0]
    for p in prange(blocks.slab_count(batch, slab)):
        _forward_samples(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, ow, p * slab,
                         min(batch, (p + 1) * slab), block)


@njit(cache=True)
def _backward_samples(dz, x, w_groups_t, dx, dkernel, dbias, kh, kw, sh, sw, dh, dw, ow, b0,
                      b1, block):
    """For the samples b0..b1-1: dkernel += cols.T @ dz, dbias += dz's rows, and
    dcols = dz @ w.T added into dx by col2im (per group)."""
    rows, filters = dz.shape[1], dz.shape[2]
    groups, fg, k = w_groups_t.shape
    cols = np.empty((rows, k), x.dtype)
    dcols = np.empty((rows, k), x.dtype)
    dzg = np.empty((rows, fg), x.dtype)
    term = np.empty((k, fg), x.dtype)
    for b in range(b0, b1):
        for g in range(groups):
            c0 = g * (k // (kh * kw))
            _im2col(x, b, cols, kh, kw, sh, sw, dh, dw, ow, c0)
            dzg[:, :] = dz[b, :, g * fg:(g + 1) * fg]
            for s in range(0, rows, block):
                e = min(rows, s + block)
                np.dot(cols[s:e].T, dzg[s:e], term)
                dkernel[g] += term
            blocks.gemm_rows(dzg, w_groups_t[g], dcols, 0, rows, block)
            _col2im(dcols, dx, b, kh, kw, sh, sw, dh, dw, ow, c0)
        for r in range(rows):
            for f in range(filters):
                dbias[f] += dz[b, r, f]


@njit(cache=True, parallel=True)
def _backward_slabs(dz, x, w_groups_t, dx, dkernel_parts, dbias_parts, kh, kw, sh, sw, dh, dw,
                    ow, slab, block):
    batch = dz.shape[0]
    for p in prange(dkernel_parts.shape[0]):
        _backward_samples(dz, x, w_groups_t, dx, dkernel_parts[p], dbias_parts[p], kh, kw, sh,
                          sw, dh, dw, ow, p * slab, min(batch, (p + 1) * slab), block)


@njit(cache=True)
def _conv2d_forward(x, kernel, bias, sh, sw, dh, dw, groups, threads, limit):
    kh, kw, cin, filters = kernel.shape
    batch, h, w = x.shape[0], x.shape[1], x.shape[2]
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    fg, k = filters // groups, kh * kw * cin
    w_groups = np.empty((groups, k, fg), x.dtype)  # (kh, kw, cin) rows: the cols' layout
    flat = kernel.reshape(k, filters)
    for g in range(groups):
        w_groups[g] = flat[:, g * fg:(g + 1) * fg]
    z = np.empty((batch, oh * ow, filters), x.dtype)
    slab = blocks.slab_size(batch, oh * ow * k * filters, threads, limit)
    block = blocks.block_size(k * fg, limit)
    if slab >= batch:  # one slab: no thread launch (it costs more than small work)
        _forward_samples(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, ow, 0, batch, block)
    else:
        _forward_slabs(x, w_groups, bias, z, kh, kw, sh, sw, dh, dw, ow, slab, block)
    return z.reshape(batch, oh, ow, filters)


@njit(cache=True)
def _conv2d_backward(dz, x, kernel, sh, sw, dh, dw, groups, threads, limit):
    kh, kw, cin, filters = kernel.shape
    batch, oh, ow = dz.shape[0], dz.shape[1], dz.shape[2]
    fg, k = filters // groups, kh * kw * cin
    w_groups_t = np.empty((groups, fg, k), x.dtype)
    flat = kernel.reshape(k, filters)
    for g in range(groups):
        w_groups_t[g] = flat[:, g * fg:(g + 1) * fg].T
    slab = blocks.slab_size(batch, oh * ow * k * filters, threads, limit)
    parts = blocks.slab_count(batch, slab)
    dx = np.zeros(x.shape, x.dtype)
    dkernel_parts = np.zeros((parts, groups, k, fg), x.dtype)
    dbias_parts = np.zeros((parts, filters), x.dtype)
    dz3, block = dz.reshape(batch, oh * ow, filters), blocks.block_size(k * fg, limit)
    if parts == 1:
        _backward_samples(dz3, x, w_groups_t, dx, dkernel_parts[0], dbias_parts[0], kh, kw, sh,
                          sw, dh, dw, ow, 0, batch, block)
    else:
        _backward_slabs(dz3, x, w_groups_t, dx, dkernel_parts, dbias_parts, kh, kw, sh, sw, dh,
                        dw, ow, slab, block)
    for p in range(1, parts):
        dkernel_parts[0] += dkernel_parts[p]
        dbias_parts[0] += dbias_parts[p]
    dkernel = np.empty((k, filters), x.dtype)
    for g in range(groups):
        dkernel[:, g * fg:(g + 1) * fg] = dkernel_parts[0, g]
    return dx, dkernel.reshape(kh, kw, cin, filters), dbias_parts[0]


def _as_2d(x, kernel, strides, dilation_rate):
    """A 1-D problem as a 2-D one with a single row (views, no copies)."""
    return (x[:, None], kernel[None], (1, *strides), (1, *dilation_rate))


def conv_forward(x, kernel, bias, strides, dilation_rate, groups):
    if kernel.ndim == 5:
        return reference.conv_forward(x, kernel, bias, strides, dilation_rate, groups)
    one_d = kernel.ndim == 3
    if one_d:
        x, kernel, strides, dilation_rate = _as_2d(x, kernel, strides, dilation_rate)
    with blocks.LAUNCH:
        z = _conv2d_forward(np.ascontiguousarray(x), np.ascontiguousarray(kernel),
                            np.zeros(0, x.dtype) if bias is None else bias.astype(x.dtype),
                            *strides, *dilation_rate, groups, *blocks.plan())
    return z[:, 0] if one_d else z


def conv_backward(dz, x, kernel, strides, dilation_rate, groups):
    if kernel.ndim == 5:
        return reference.conv_backward(dz, x, kernel, strides, dilation_rate, groups)
    one_d = kernel.ndim == 3
    if one_d:
        x, kernel, strides, dilation_rate = _as_2d(x, kernel, strides, dilation_rate)
        dz = dz[:, None]
    with blocks.LAUNCH:
        dx, dkernel, dbias = _conv2d_backward(np.ascontiguousarray(dz, dtype=x.dtype),
                                              np.ascontiguousarray(x),
                                              np.ascontiguousarray(kernel), *strides,
                                              *dilation_rate, groups, *blocks.plan())
    return (dx[:, 0], dkernel[0], dbias) if one_d else (dx, dkernel, dbias)
