"""numba twins of `numpy_ref/conv.py`: im2col + BLAS GEMMs, a few samples at a time.

How (the what is the reference's): for a 2-D convolution, every output position's receptive
field is copied into one row of `cols` (kernel rows, kernel cols, channels: the kernel's own
layout), so the convolution of a chunk of samples is cols @ kernel.reshape(-1, filters), one
GEMM per group. The backward pass is the same GEMMs transposed: dkernel += cols.T @ dz,
dcols = dz @ kernel.T, and col2im adds each dcols row back onto the input positions it came
from. The copies run on one thread and each GEMM is big enough (CHUNK_ROWS rows) for
OpenBLAS to use every core; no numba threads, so none compete with OpenBLAS's (blocks.py's
concern): at W7's conv2 shapes a whole-sample GEMM ran at 119 GFLOP/s on one core and 219 on
two, 14-row single-thread blocks at ~25 (measured on this 2-core machine).

Conv1D runs as a 2-D convolution with one row; Conv3D runs the reference code (a loop of
GEMMs over kernel offsets: already BLAS-bound, not specialized here).
"""

import numpy as np
from numba import njit

from ..numpy_ref import conv as reference

__all__ = ["conv_forward", "conv_backward"]


CHUNK_ROWS = 4096  # im2col rows per GEMM: a few samples' worth, cache-friendly, BLAS-efficient


@njit(cache=True)
def _im2col(x, b0, b1, cols, kh, kw, sh, sw, dh, dw, oh, ow, c0):
    """cols[((b - b0), i, j), (p, q, c)] = x[b, i*sh + p*dh, j*sw + q*dw, c0 + c]."""
    cin = cols.shape[1] // (kh * kw)
    row = 0
    for b in range(b0, b1):
        for i in range(oh):
            for j in range(ow):
                col = 0
                for p in range(kh):
                    for q in range(kw):
                        for c in range(cin):
                            cols[row, col] = x[b, i * sh + p * dh, j * sw + q * dw, c0 + c]
                            col += 1
                row += 1


@njit(cache=True)
def _col2im(dcols, dx, b0, b1, kh, kw, sh, sw, dh, dw, oh, ow, c0):
    """dx[b, i*sh + p*dh, j*sw + q*dw, c0 + c] += dcols[((b - b0), i, j), (p, q, c)]."""
    cin = dcols.shape[1] // (kh * kw)
    row = 0
    for b in range(b0, b1):
        for i in range(oh):
            for j in range(ow):
                col = 0
                for p in range(kh):
                    for q in range(kw):
                        for c in range(cin):
                            dx[b, i * sh + p * dh, j * sw + q * dw, c0 + c] += dcols[row, col]
                            col += 1
                row += 1


@njit(cache=True)
def _conv2d_forward(x, kernel, bias, sh, sw, dh, dw, groups, chunk_rows):
    kh, kw, cin, filters = kernel.shape
    batch, h, w = x.shape[0], x.shape[1], x.shape[2]
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    fg, k, rows = filters // groups, kh * kw * cin, oh * ow
    flat = kernel.reshape(k, filters)
    w_groups = np.empty((groups, k, fg), x.dtype)  # (kh, kw, cin) rows: the cols' layout
    for g in range(groups):
        w_groups[g] = flat[:, g * fg:(g + 1) * fg]
    z = np.empty((batch * rows, filters), x.dtype)
    chunk = max(1, chunk_rows // max(1, rows))  # samples per GEMM
    cols = np.empty((min(batch, chunk) * rows, k), x.dtype)
    for b0 in range(0, batch, chunk):
        b1 = min(batch, b0 + chunk)
        n = (b1 - b0) * rows
        for g in range(groups):
            _im2col(x, b0, b1, cols, kh, kw, sh, sw, dh, dw, oh, ow, g * cin)
            if groups == 1:
                np.dot(cols[:n], w_groups[0], z[b0 * rows:b1 * rows])
            else:
                z[b0 * rows:b1 * rows, g * fg:(g + 1) * fg] = np.dot(cols[:n], w_groups[g])
    if bias.shape[0]:  # no bias: an empty array (one compiled variant, not two)
        for r in range(z.shape[0]):
            for f in range(filters):
                z[r, f] += bias[f]
    return z.reshape(batch, oh, ow, filters)


@njit(cache=True)
def _conv2d_backward(dz, x, kernel, sh, sw, dh, dw, groups, chunk_rows):
    kh, kw, cin, filters = kernel.shape
    batch, oh, ow = dz.shape[0], dz.shape[1], dz.shape[2]
    fg, k, rows = filters // groups, kh * kw * cin, oh * ow
    flat = kernel.reshape(k, filters)
    w_groups_t = np.empty((groups, fg, k), x.dtype)
    for g in range(groups):
        w_groups_t[g] = flat[:, g * fg:(g + 1) * fg].T
    dz2 = dz.reshape(batch * rows, filters)
    dx = np.zeros(x.shape, x.dtype)
    dkernel = np.zeros((k, filters), x.dtype)
    chunk = max(1, chunk_rows // max(1, rows))
    cols = np.empty((min(batch, chunk) * rows, k), x.dtype)
    dcols = np.empty((min(batch, chunk) * rows, k), x.dtype)
    for b0 in range(0, batch, chunk):
        b1 = min(batch, b0 + chunk)
        n = (b1 - b0) * rows
        for g in range(groups):
            _im2col(x, b0, b1, cols, kh, kw, sh, sw, dh, dw, oh, ow, g * cin)
            dz_g = np.ascontiguousarray(dz2[b0 * rows:b1 * rows, g * fg:(g + 1) * fg])
            dkernel[:, g * fg:(g + 1) * fg] += np.dot(cols[:n].T, dz_g)
            np.dot(dz_g, w_groups_t[g], dcols[:n])
            _col2im(dcols, dx, b0, b1, kh, kw, sh, sw, dh, dw, oh, ow, g * cin)
    dbias = np.zeros(filters, x.dtype)
    for r in range(dz2.shape[0]):
        for f in range(filters):
            dbias[f] += dz2[r, f]
    return dx, dkernel.reshape(kh, kw, cin, filters), dbias


def _as_2d(x, kernel, strides, dilation_rate):
    """A 1-D problem as a 2-D one with a single row (views, no copies)."""
    return (x[:, None], kernel[None], (1, *strides), (1, *dilation_rate))


def conv_forward(x, kernel, bias, strides, dilation_rate, groups):
    if kernel.ndim == 5:
        return reference.conv_forward(x, kernel, bias, strides, dilation_rate, groups)
    one_d = kernel.ndim == 3
    if one_d:
        x, kernel, strides, dilation_rate = _as_2d(x, kernel, strides, dilation_rate)
    z = _conv2d_forward(np.ascontiguousarray(x), np.ascontiguousarray(kernel),
                        np.zeros(0, x.dtype) if bias is None else bias.astype(x.dtype),
                        *strides, *dilation_rate, groups, CHUNK_ROWS)
    return z[:, 0] if one_d else z


def conv_backward(dz, x, kernel, strides, dilation_rate, groups):
    if kernel.ndim == 5:
        return reference.conv_backward(dz, x, kernel, strides, dilation_rate, groups)
    one_d = kernel.ndim == 3
    if one_d:
        x, kernel, strides, dilation_rate = _as_2d(x, kernel, strides, dilation_rate)
        dz = dz[:, None]
    dx, dkernel, dbias = _conv2d_backward(np.ascontiguousarray(dz, dtype=x.dtype),
                                          np.ascontiguousarray(x),
                                          np.ascontiguousarray(kernel), *strides,
                                          *dilation_rate, groups, CHUNK_ROWS)
    return (dx[:, 0], dkernel[0], dbias) if one_d else (dx, dkernel, dbias)
