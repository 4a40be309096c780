"""numba twins of `numpy_ref/pooling.py`: direct loops over each output's window, on one
thread (memory-bound and cheap next to the convolutions; a parallel launch cost more than it
saved at W7's sizes). 1-D pooling runs as 2-D with one row; 3-D pooling runs the reference.
Ties in max pooling go to the first maximum in the window's row-major order, as the reference.
"""

import numpy as np
from numba import njit

from ..numpy_ref import pooling as reference

__all__ = ["max_pool_forward", "max_pool_backward", "max_pool_backward_ties", "avg_pool_forward",
           "avg_pool_backward"]

max_pool_backward_ties = reference.max_pool_backward_ties  # 3-D only: the reference code


@njit(cache=True)
def _max_forward(x, ph, pw, sh, sw):
    """Channels innermost: each window offset is one contiguous pass over the channels
    (W7's 2x2 pool of (128, 24, 24, 64): 6.0 ms with the window innermost)."""
    batch, h, w, c = x.shape
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    y = np.full((batch, oh, ow, c), -np.inf, x.dtype)
    arg = np.zeros((batch, oh, ow, c), np.int64)
    for b in range(batch):
        for i in range(oh):
            for j in range(ow):
                for p in range(ph):
                    for q in range(pw):
                        for ch in range(c):
                            v = x[b, i * sh + p, j * sw + q, ch]
                            if v > y[b, i, j, ch]:  # strict: the first maximum wins
                                y[b, i, j, ch] = v
                                arg[b, i, j, ch] = p * pw + q
    return y, arg


@njit(cache=True)
def _max_backward_tiled(dy, arg, dx, ph, pw):
    """strides == pool size (W7's): each dx element is in at most one window, so it is written
    once, without zeroing dx first (np.empty); 0 + dy keeps the zeros' sign as `+=` onto zeros.
    The rows and columns no window reaches are zeroed here."""
    batch, oh, ow, c = dy.shape
    h, w = dx.shape[1], dx.shape[2]
    zero = dx.dtype.type(0)
    for b in range(batch):
        for i in range(oh):
            for p in range(ph):
                for j in range(ow):
                    for q in range(pw):
                        k = p * pw + q
                        for ch in range(c):
                            dx[b, i * ph + p, j * pw + q, ch] = (
                                zero + dy[b, i, j, ch] if arg[b, i, j, ch] == k else zero)
                for col in range(ow * pw, w):
                    dx[b, i * ph + p, col, :] = zero
        for row in range(oh * ph, h):
            dx[b, row] = zero


@njit(cache=True)
def _max_backward(dy, arg, dx, pw, sh, sw):
    batch, oh, ow, c = dy.shape
    for b in range(batch):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    k = arg[b, i, j, ch]
                    dx[b, i * sh + k // pw, j * sw + k % pw, ch] += dy[b, i, j, ch]


@njit(cache=True)
def _avg_forward(x, ph, pw, sh, sw, count):
    batch, h, w, c = x.shape
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    y = np.zeros((batch, oh, ow, c), x.dtype)
    for b in range(batch):
        for i in range(oh):
            for j in range(ow):
                n = x.dtype.type(count[i, j])
                for ch in range(c):
                    total = x.dtype.type(0)
                    for p in range(ph):
                        for q in range(pw):
                            total += x[b, i * sh + p, j * sw + q, ch]
                    y[b, i, j, ch] = total / n
    return y


@njit(cache=True)
def _avg_backward(dy, dx, ph, pw, sh, sw, count):
    batch, oh, ow, c = dy.shape
    for b in range(batch):
        for i in range(oh):
            for j in range(ow):
                n = dy.dtype.type(count[i, j])
                for ch in range(c):
                    share = dy[b, i, j, ch] / n
                    for p in range(ph):
                        for q in range(pw):
                            dx[b, i * sh + p, j * sw + q, ch] += share


def _two_d(pool_size, strides):
    return (tuple(pool_size), tuple(strides)) if len(pool_size) == 2 else (
        (1, *pool_size), (1, *strides))


def max_pool_forward(x, pool_size, strides):
    if len(pool_size) == 3:
        return reference.max_pool_forward(x, pool_size, strides)
    (ph, pw), (sh, sw) = _two_d(pool_size, strides)
    y, arg = _max_forward(np.ascontiguousarray(x if len(pool_size) == 2 else x[:, None]),
                          ph, pw, sh, sw)
    return (y, arg) if len(pool_size) == 2 else (y[:, 0], arg[:, 0])


def max_pool_backward(dy, arg, x_shape, pool_size, strides):
    if len(pool_size) == 3:
        return reference.max_pool_backward(dy, arg, x_shape, pool_size, strides)
    (ph, pw), (sh, sw) = _two_d(pool_size, strides)
    one_d = len(pool_size) == 1
    shape = (x_shape[0], 1, *x_shape[1:]) if one_d else tuple(x_shape)
    dy = np.ascontiguousarray(dy[:, None] if one_d else dy)
    arg = np.ascontiguousarray(arg[:, None] if one_d else arg)
    if (sh, sw) == (ph, pw):  # windows do not overlap: every dx element written once
        dx = np.empty(shape, dy.dtype)
        _max_backward_tiled(dy, arg, dx, ph, pw)
    else:
        dx = np.zeros(shape, dy.dtype)
        _max_backward(dy, arg, dx, pw, sh, sw)
    return dx[:, 0] if one_d else dx


def avg_pool_forward(x, pool_size, strides, count):
    if len(pool_size) == 3:
        return reference.avg_pool_forward(x, pool_size, strides, count)
    (ph, pw), (sh, sw) = _two_d(pool_size, strides)
    one_d = len(pool_size) == 1
    y = _avg_forward(np.ascontiguousarray(x[:, None] if one_d else x), ph, pw, sh, sw,
                     np.ascontiguousarray(count[None] if one_d else count))
    return y[:, 0] if one_d else y


def avg_pool_backward(dy, x_shape, pool_size, strides, count):
    if len(pool_size) == 3:
        return reference.avg_pool_backward(dy, x_shape, pool_size, strides, count)
    (ph, pw), (sh, sw) = _two_d(pool_size, strides)
    one_d = len(pool_size) == 1
    dx = np.zeros((x_shape[0], 1, *x_shape[1:]) if one_d else x_shape, dy.dtype)
    _avg_backward(np.ascontiguousarray(dy[:, None] if one_d else dy), dx, ph, pw, sh, sw,
                  np.ascontiguousarray(count[None] if one_d else count))
    return dx[:, 0] if one_d else dx
