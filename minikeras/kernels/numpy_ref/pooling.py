"""Max and average pooling (1D/2D/3D), channels_last, on an input the layer has already padded.

One window offset k at a time, as conv.py: every output position o looks at x[b, o*s + k, c].

Max:      y[b, o, c] = max over k of x[b, o*s + k, c]      (padding holds -inf)
          arg[b, o, c] = the first k (in C order) reaching the max
          dx[b, o*s + arg, c] += dy[b, o, c]                (the gradient goes to one element)
          3-D (TensorFlow's MaxPool3DGrad): dx += dy at every k where x equals the max
Average:  y[b, o, c] = (sum over k of x[b, o*s + k, c]) / count[o]
          dx[b, o*s + k, c] += dy[b, o, c] / count[o]       (for every k)
count[o] is how many of the window's elements are real input, not padding ('same' padding
averages over the real ones only, as TensorFlow does).

Shapes: x (batch, *in_spatial, channels) padded; y, dy, arg (batch, *out_spatial, channels);
count (*out_spatial,); pool_size and strides: tuples of n ints;
out = (in - pool) // strides + 1 per axis. arg is int64 (the flat offset in the window).
"""

import numpy as np

from .conv import conv_output_shape, window

__all__ = ["max_pool_forward", "max_pool_backward", "max_pool_backward_ties", "avg_pool_forward",
           "avg_pool_backward"]


def _output_shape(x_shape, pool_size, strides):
    return conv_output_shape(x_shape[1:-1], pool_size, strides, (1,) * len(pool_size))


def max_pool_forward(x, pool_size, strides):
    """Return (y, arg): the window maxima and which offset held each."""
    out = _output_shape(x.shape, pool_size, strides)
    ones = (1,) * len(pool_size)
    y = np.full((x.shape[0], *out, x.shape[-1]), -np.inf, dtype=x.dtype)
    arg = np.zeros(y.shape, dtype=np.int64)
    for flat, k in enumerate(np.ndindex(*pool_size)):
        candidate = x[window(k, strides, ones, out)]
        larger = candidate > y                              # strict: the first maximum wins
        y[larger] = candidate[larger]
        arg[larger] = flat
    return y, arg


def max_pool_backward(dy, arg, x_shape, pool_size, strides):
    """dx (x_shape): each dy goes to the element its window's maximum came from."""
    out, ones = dy.shape[1:-1], (1,) * len(pool_size)
    dx = np.zeros(x_shape, dtype=dy.dtype)
    for flat, k in enumerate(np.ndindex(*pool_size)):
        dx[window(k, strides, ones, out)] += np.where(arg == flat, dy, 0)
    return dx


def max_pool_backward_ties(dy, x, y, pool_size, strides):
    """dx (x.shape) with TensorFlow's 3-D rule: dy goes, whole, to EVERY element equal to its
    window's maximum (its 1-D/2-D rule, max_pool_backward, picks the first one only)."""
    out, ones = dy.shape[1:-1], (1,) * len(pool_size)
    dx = np.zeros(x.shape, dtype=dy.dtype)
    for k in np.ndindex(*pool_size):
        at = window(k, strides, ones, out)
        dx[at] += np.where(x[at] == y, dy, 0)
    return dx


def avg_pool_forward(x, pool_size, strides, count):
    """y = window sums / count (count: real elements per window, (*out_spatial,))."""
    out, ones = _output_shape(x.shape, pool_size, strides), (1,) * len(pool_size)
    total = np.zeros((x.shape[0], *out, x.shape[-1]), dtype=x.dtype)
    for k in np.ndindex(*pool_size):
        total += x[window(k, strides, ones, out)]
    return total / count[..., None].astype(x.dtype)


def avg_pool_backward(dy, x_shape, pool_size, strides, count):
    """dx (x_shape): each window's dy / count, spread over the window."""
    out, ones = dy.shape[1:-1], (1,) * len(pool_size)
    share = dy / count[..., None].astype(dy.dtype)
    dx = np.zeros(x_shape, dtype=dy.dtype)
    for k in np.ndindex(*pool_size):
        dx[window(k, strides, ones, out)] += share
    return dx
