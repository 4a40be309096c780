"""numba twins of `numpy_ref/conv.py`: im2col + one BLAS GEMM per group.

How (the what is the reference's): for a 2-D convolution, every output position's receptive
field is copied into one row of `cols` (kernel rows, kernel cols, channels: the kernel's own
layout), so the whole convolution is cols @ kernel.reshape(-1, filters), a single GEMM. The
backward pass is the same GEMMs transposed: dkernel = cols.T @ dz, dcols = dz @ kernel.T, and
col2im adds each dcols row back onto the input positions it was copied from. The copies run
in parallel over the batch (each sample writes only its own rows / its own dx).

Conv1D runs as a 2-D convolution with one row; Conv3D runs the reference code (a loop of
GEMMs over kernel offsets: already BLAS-bound, not specialized here).
"""

import numpy as np
from numba import njit, prange

from ..numpy_ref import conv as reference

__all__ = ["conv_forward", "conv_backward"]


@njit(cache=True, parallel=True)
def _im2col(x, kh, kw, sh, sw, dh, dw, oh, ow, c0, cin):
    """cols[(b, i, j), (p, q, c)] = x[b, i*sh + p*dh, j*sw + q*dw, c0 + c]."""
    batch = x.shape[0]
    cols = np.empty((batch * oh * ow, kh * kw * cin), x.dtype)
    for b in prange(batch):
        for i in range(oh):
            for j in range(ow):
                row = (b * oh + i) * ow + j
                col = 0
                for p in range(kh):
                    for q in range(kw):
                        for c in range(cin):
                            cols[row, col] = x[b, i * sh + p * dh, j * sw + q * dw, c0 + c]
                            col += 1
    return cols


@njit(cache=True, parallel=True)
def _col2im(dcols, dx, kh, kw, sh, sw, dh, dw, oh, ow, c0, cin):
    """dx[b, i*sh + p*dh, j*sw + q*dw, c0 + c] += dcols[(b, i, j), (p, q, c)]."""
    for b in prange(dx.shape[0]):
        for i in range(oh):
            for j in range(ow):
                row = (b * oh + i) * ow + j
                col = 0
                for p in range(kh):
                    for q in range(kw):
                        for c in range(cin):
                            dx[b, i * sh + p * dh, j * sw + q * dw, c0 + c] += dcols[row, col]
                            col += 1


@njit(cache=True)
def _conv2d_forward(x, kernel, bias, sh, sw, dh, dw, groups):
    kh, kw, cin, filters = kernel.shape
    batch, h, w = x.shape[0], x.shape[1], x.shape[2]
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    fg = filters // groups
    z = np.empty((batch * oh * ow, filters), x.dtype)
    for g in range(groups):
        cols = _im2col(x, kh, kw, sh, sw, dh, dw, oh, ow, g * cin, cin)
        w_g = np.ascontiguousarray(kernel[:, :, :, g * fg:(g + 1) * fg]).reshape(kh * kw * cin,
                                                                                   fg)
        if groups == 1:
            np.dot(cols, w_g, z)
        else:
            z[:, g * fg:(g + 1) * fg] = np.dot(cols, w_g)
    if bias is not None:
        for r in range(z.shape[0]):
            for f in range(filters):
                z[r, f] += bias[f]
    return z.reshape(batch, oh, ow, filters)


@njit(cache=True)
def _conv2d_backward(dz, x, kernel, sh, sw, dh, dw, groups):
    kh, kw, cin, filters = kernel.shape
    batch, oh, ow = dz.shape[0], dz.shape[1], dz.shape[2]
    fg = filters // groups
    dz_rows = np.ascontiguousarray(dz).reshape(batch * oh * ow, filters)
    dx = np.zeros(x.shape, x.dtype)
    dkernel = np.empty(kernel.shape, x.dtype)
    for g in range(groups):
        cols = _im2col(x, kh, kw, sh, sw, dh, dw, oh, ow, g * cin, cin)
        dz_g = np.ascontiguousarray(dz_rows[:, g * fg:(g + 1) * fg])
        w_g = np.ascontiguousarray(kernel[:, :, :, g * fg:(g + 1) * fg]).reshape(kh * kw * cin,
                                                                                   fg)
        dkernel[:, :, :, g * fg:(g + 1) * fg] = np.dot(cols.T, dz_g).reshape(kh, kw, cin, fg)
        dcols = np.dot(dz_g, np.ascontiguousarray(w_g.T))
        _col2im(dcols, dx, kh, kw, sh, sw, dh, dw, oh, ow, g * cin, cin)
    dbias = np.zeros(filters, x.dtype)
    for r in range(dz_rows.shape[0]):
        for f in range(filters):
            dbias[f] += dz_rows[r, f]
    return dx, dkernel, dbias


def _as_2d(x, kernel, strides, dilation_rate):
    """A 1-D problem as a 2-D one with a single row (views, no copies)."""
    return (x[:, None], kernel[None], (1, *strides), (1, *dilation_rate))


def conv_forward(x, kernel, bias, strides, dilation_rate, groups):
    if kernel.ndim == 5:
        return reference.conv_forward(x, kernel, bias, strides, dilation_rate, groups)
    one_d = kernel.ndim == 3
    if one_d:
        x, kernel, strides, dilation_rate = _as_2d(x, kernel, strides, dilation_rate)
    z = _conv2d_forward(np.ascontiguousarray(x), np.ascontiguousarray(kernel), bias,
                        *strides, *dilation_rate, groups)
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
                                          *dilation_rate, groups)
    return (dx[:, 0], dkernel[0], dbias) if one_d else (dx, dkernel, dbias)
