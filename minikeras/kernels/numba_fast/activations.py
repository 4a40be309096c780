"""numba twins of `numpy_ref/activations.py`: one fused pass per call, no temporaries.

The equations and shapes are in the reference module's docstrings. Elementwise kernels walk
the flattened array (`ravel` is a view for contiguous input, a copy otherwise; activations.py
passes flat arrays, so numba compiles one version per dtype); the row-wise kernels walk
(rows, n) arrays row by row. Intermediate math may run in float64 (numba promotes float32 with
float64 literals), which rounds once instead of at every step; where a float32 rounding
decides a branch (hard_sigmoid's x + 3 < 6) the constant is made in x's dtype.

Shared with the reference: a loop here calls the scalar libm exp/log/tanh per element, while
NumPy's ufuncs use SIMD versions, so where those dominate, NumPy wins and the twin *is* the
reference function. Measured (float32, 64 x 128, one core; NumPy time / loop time, > 1 means
the loop is faster): tanh_forward with libm's tanh 0.03 (so float32 uses cells.py's
polynomial tanh instead), softplus 0.2 / 0.3, log_sigmoid 0.2 / 0.3, mish 0.1 / 0.1,
exponential 0.1 / 0.8, tanh_shrink 0.03 / 0.1, softmax_forward 0.5, log_softmax 0.5 / 0.4,
celu_forward 0.2, softsign 0.5 / 0.5, squareplus_backward 0.7; against relu_backward 11,
leaky_relu 17 / 12, gelu 5 / 4, sigmoid_backward 2.5, hard_silu 1.9 / 3.1 for the loops kept.
"""

import math

import numpy as np
from numba import njit

from .. import codes
from ..numpy_ref import activations as reference
from ..numpy_ref.activations import (  # noqa: F401  (shared twins, see above)
    __all__,
    celu_forward,
    exponential_backward,
    exponential_forward,
    log_sigmoid_backward,
    log_sigmoid_forward,
    log_softmax_backward,
    log_softmax_forward,
    mish_backward,
    mish_forward,
    softmax_forward,
    softplus_backward,
    softplus_forward,
    softsign_backward,
    softsign_forward,
    squareplus_backward,
    tanh_shrink_backward,
    tanh_shrink_forward,
)
from . import cells

# The reference module's constants (numba freezes them when it compiles; cache.py's package
# stamp recompiles these kernels when the reference changes). gelu's SQRT_HALF and GELU_COEFF
# reach its kernels as arguments, cast as the backend casts them (see the reference).
SELU_SCALE = reference.SELU_SCALE
SELU_SCALE_ALPHA = reference.SELU_SCALE_ALPHA
SQRT_HALF = reference.SQRT_HALF
GELU_COEFF = reference.GELU_COEFF
SQRT_2_OVER_PI = reference.SQRT_2_OVER_PI
TWO_OVER_SQRT_PI = reference.TWO_OVER_SQRT_PI


# ---- scalar helper, inlined into the loops by LLVM -------------------------------------------
@njit(cache=True)
def _sigmoid(v):
    z = math.exp(-abs(v))
    return 1 / (1 + z) if v >= 0 else z / (1 + z)


# ---- the ReLU family -------------------------------------------------------------------------
@njit(cache=True)
def relu_forward(x, negative_slope, max_value, threshold):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    leaky = negative_slope != 0 and max_value == np.inf and threshold == 0
    for i in range(y.size):
        v = x1[i]
        if leaky:
            y[i] = v if v > 0 else v * np.float32(negative_slope)  # TF's float32 attribute
            continue
        pos = (v if v > threshold else 0) if threshold != 0 else max(v, 0)
        if max_value < np.inf:
            pos = min(max(pos, 0), max_value)
        y[i] = pos - negative_slope * max(threshold - v, 0) if negative_slope != 0 else pos
    return y.reshape(x.shape)


@njit(cache=True)
def relu_backward(dy, x, y, negative_slope, max_value, threshold):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    leaky = negative_slope != 0 and max_value == np.inf and threshold == 0
    relu6 = threshold == 0 and max_value == 6
    for i in range(dx.size):
        v, g = x1[i], d1[i]
        if leaky:
            dx[i] = g if v > 0 else g * np.float32(negative_slope)
            continue
        if relu6:
            passes = 0 < v < 6
        else:
            passes = v > threshold and (max_value == np.inf or 0 <= v <= max_value)
        dx[i] = g if passes else 0
        if negative_slope != 0 and v < threshold:
            dx[i] += g * negative_slope
    return dx.reshape(dy.shape)


@njit(cache=True)
def relu6_forward(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = min(max(x1[i], 0), 6)
    return y.reshape(x.shape)


@njit(cache=True)
def relu6_backward(dy, x, y):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] if 0 < x1[i] < 6 else 0
    return dx.reshape(dy.shape)


@njit(cache=True)
def leaky_relu_forward(x, negative_slope):
    x1, y, s = x.ravel(), np.empty(x.size, x.dtype), x.dtype.type(negative_slope)
    for i in range(y.size):
        y[i] = x1[i] if x1[i] > 0 else x1[i] * s
    return y.reshape(x.shape)


@njit(cache=True)
def leaky_relu_backward(dy, x, y, negative_slope):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    s = dy.dtype.type(negative_slope)
    for i in range(dx.size):
        dx[i] = d1[i] if x1[i] > 0 else d1[i] * s
    return dx.reshape(dy.shape)


@njit(cache=True)
def elu_forward(x, alpha):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = x1[i] if x1[i] > 0 else alpha * (math.exp(x1[i]) - 1)
    return y.reshape(x.shape)


@njit(cache=True)
def elu_backward(dy, x, y, alpha):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        if x1[i] > 0:
            dx[i] = d1[i]
            continue
        e = math.exp(x1[i]) - 1
        dx[i] = (e + 1) * (alpha * d1[i]) if e < 0 else alpha * d1[i]
    return dx.reshape(dy.shape)


@njit(cache=True)
def selu_forward(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        v = x1[i]
        y[i] = SELU_SCALE_ALPHA * (math.exp(v) - 1) if v < 0 else SELU_SCALE * v
    return y.reshape(x.shape)


@njit(cache=True)
def selu_backward(dy, x, y):
    d1, y1, dx = dy.ravel(), y.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] * (y1[i] + SELU_SCALE_ALPHA) if y1[i] < 0 else d1[i] * SELU_SCALE
    return dx.reshape(dy.shape)


@njit(cache=True)
def celu_backward(dy, x, y, alpha):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        v, g = x1[i], d1[i]
        dx[i] = (g if v >= 0 else 0) + (g * math.exp(min(v, 0) / alpha) if v <= 0 else 0)
    return dx.reshape(dy.shape)


# ---- sigmoid, tanh and their relatives ---------------------------------------------------------
@njit(cache=True)
def sigmoid_forward(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = _sigmoid(x1[i])
    return y.reshape(x.shape)


@njit(cache=True)
def sigmoid_backward(dy, x, y):
    d1, y1, dx = dy.ravel(), y.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] * y1[i] * (1 - y1[i])
    return dx.reshape(dy.shape)


def tanh_forward(x):
    """float32: `cells.tanh` element by element, the tanh of every compiled loop (the recurrent
    cells, the fused Dense epoch), so a tanh Dense layer gives the same bits on the per-layer
    and the fused path; a branch-free polynomial LLVM vectorizes (within 3 ulp of the correctly
    rounded value; NumPy's: 1 ulp). float64: NumPy's tanh (the compiled loops call libm there,
    so the two paths agree to rounding, not bit for bit)."""
    if x.dtype == np.float32:
        return _tanh_forward_float32(np.ascontiguousarray(x))
    return reference.tanh_forward(x)


@njit(cache=True, error_model="numpy")
def _tanh_forward_float32(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = cells.tanh(x1[i])
    return y.reshape(x.shape)


@njit(cache=True)
def tanh_backward(dy, x, y):
    d1, y1, dx = dy.ravel(), y.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] * (1 - y1[i] * y1[i])
    return dx.reshape(dy.shape)


@njit(cache=True)
def silu_forward(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = x1[i] * _sigmoid(x1[i])
    return y.reshape(x.shape)


@njit(cache=True)
def silu_backward(dy, x, y):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        s = _sigmoid(x1[i])
        dx[i] = d1[i] * (s * (1 + x1[i] * (1 - s)))
    return dx.reshape(dy.shape)


@njit(cache=True)
def gelu_forward(x, approximate, sqrt_half, gelu_coeff):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    sqrt_half, gelu_coeff = float(sqrt_half), float(gelu_coeff)
    for i in range(y.size):
        v = x1[i]
        if approximate:
            y[i] = 0.5 * v * (1 + math.tanh(SQRT_2_OVER_PI * (v + gelu_coeff * v * v * v)))
        else:
            y[i] = 0.5 * v * math.erfc(-v * sqrt_half)
    return y.reshape(x.shape)


@njit(cache=True)
def gelu_backward(dy, x, y, approximate, sqrt_half, gelu_coeff):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    sqrt_half, gelu_coeff = float(sqrt_half), float(gelu_coeff)
    for i in range(dx.size):
        v = x1[i]
        if approximate:
            t = math.tanh(SQRT_2_OVER_PI * (v + gelu_coeff * v * v * v))
            g = d1[i] * (0.5 * v) * (1 - t * t) * SQRT_2_OVER_PI
            dx[i] = d1[i] * (1 + t) * 0.5 + g + (g * gelu_coeff * 3) * v * v
        else:
            u = -v * sqrt_half
            density = (TWO_OVER_SQRT_PI * sqrt_half) * math.exp(-u * u)
            dx[i] = d1[i] * (0.5 * math.erfc(u) + 0.5 * v * density)
    return dx.reshape(dy.shape)


@njit(cache=True)
def squareplus_forward(x, b):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = (x1[i] + math.sqrt(x1[i] * x1[i] + b)) / 2
    return y.reshape(x.shape)


# ---- piecewise-linear shapes -------------------------------------------------------------------
@njit(cache=True)
def hard_sigmoid_forward(x):
    x1, y, three = x.ravel(), np.empty(x.size, x.dtype), x.dtype.type(3)
    for i in range(y.size):
        y[i] = min(max(x1[i] + three, 0), 6) / 6
    return y.reshape(x.shape)


@njit(cache=True)
def hard_sigmoid_backward(dy, x, y):
    d1, x1, dx, three = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype), x.dtype.type(3)
    for i in range(dx.size):
        dx[i] = d1[i] / 6 if 0 < x1[i] + three < 6 else 0
    return dx.reshape(dy.shape)


@njit(cache=True)
def hard_silu_forward(x):
    x1, y, three = x.ravel(), np.empty(x.size, x.dtype), x.dtype.type(3)
    for i in range(y.size):
        y[i] = x1[i] * (min(max(x1[i] + three, 0), 6) / 6)
    return y.reshape(x.shape)


@njit(cache=True)
def hard_silu_backward(dy, x, y):
    d1, x1, dx, three = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype), x.dtype.type(3)
    for i in range(dx.size):
        t = x1[i] + three
        dx[i] = d1[i] * (min(max(t, 0), 6) / 6) + ((d1[i] * x1[i]) / 6 if 0 < t < 6 else 0)
    return dx.reshape(dy.shape)


@njit(cache=True)
def hard_tanh_forward(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = min(max(x1[i], -1), 1)
    return y.reshape(x.shape)


@njit(cache=True)
def hard_tanh_backward(dy, x, y):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] if -1 <= x1[i] <= 1 else 0
    return dx.reshape(dy.shape)


@njit(cache=True)
def hard_shrink_forward(x, threshold):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = x1[i] if abs(x1[i]) > threshold else 0
    return y.reshape(x.shape)


@njit(cache=True)
def hard_shrink_backward(dy, x, y, threshold):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] if abs(x1[i]) > threshold else 0
    return dx.reshape(dy.shape)


@njit(cache=True)
def soft_shrink_forward(x, threshold):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        v = x1[i]
        y[i] = v - threshold if v > threshold else (v + threshold if v < -threshold else 0)
    return y.reshape(x.shape)


@njit(cache=True)
def soft_shrink_backward(dy, x, y, threshold):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] if (x1[i] > threshold or x1[i] < -threshold) else 0
    return dx.reshape(dy.shape)


@njit(cache=True)
def threshold_forward(x, threshold, default_value):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        y[i] = x1[i] if x1[i] > threshold else default_value
    return y.reshape(x.shape)


@njit(cache=True)
def threshold_backward(dy, x, y, threshold, default_value):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = d1[i] if x1[i] > threshold else 0
    return dx.reshape(dy.shape)


@njit(cache=True)
def sparse_plus_forward(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        v = x1[i]
        y[i] = 0 if v <= -1 else (0.25 * (v + 1) * (v + 1) if v < 1 else v)
    return y.reshape(x.shape)


@njit(cache=True)
def sparse_plus_backward(dy, x, y):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        v = x1[i]
        dx[i] = 0 if v <= -1 else (0.5 * (v + 1) * d1[i] if v < 1 else d1[i])
    return dx.reshape(dy.shape)


@njit(cache=True)
def sparse_sigmoid_forward(x):
    x1, y = x.ravel(), np.empty(x.size, x.dtype)
    for i in range(y.size):
        v = x1[i]
        y[i] = 0 if v <= -1 else (1 if v >= 1 else 0.5 * (v + 1))
    return y.reshape(x.shape)


@njit(cache=True)
def sparse_sigmoid_backward(dy, x, y):
    d1, x1, dx = dy.ravel(), x.ravel(), np.empty(dy.size, dy.dtype)
    for i in range(dx.size):
        dx[i] = 0.5 * d1[i] if -1 < x1[i] < 1 else 0
    return dx.reshape(dy.shape)


# ---- row-wise: x and y are (rows, n), the activation runs along the last axis ------------------
@njit(cache=True)
def softmax_backward(dy, x, y):
    rows, n = y.shape
    dx = np.empty((rows, n), dy.dtype)
    for r in range(rows):
        dot = 0.0
        for j in range(n):
            dot += dy[r, j] * y[r, j]
        for j in range(n):
            dx[r, j] = (dy[r, j] - dot) * y[r, j]
    return dx


@njit(cache=True)
def glu_forward(x):
    rows, n = x.shape[0], x.shape[1] // 2
    y = np.empty((rows, n), x.dtype)
    for r in range(rows):
        for j in range(n):
            y[r, j] = x[r, j] * _sigmoid(x[r, n + j])
    return y


@njit(cache=True)
def glu_backward(dy, x, y):
    rows, n = dy.shape
    dx = np.empty((rows, 2 * n), dy.dtype)
    for r in range(rows):
        for j in range(n):
            s = _sigmoid(x[r, n + j])
            dx[r, j] = dy[r, j] * s
            dx[r, n + j] = (dy[r, j] * x[r, j]) * s * (1 - s)
    return dx


# ---- by activation code (kernels/codes.py): the passes of the compiled layers and epochs ----
# error_model="numpy": a float division by zero gives inf/nan instead of raising, which lets
# LLVM vectorize these loops (the Python error model's check blocks it); the numbers are the
# same. Each loop writes the expressions of the kernels above (the same bits), element by
# element: the fused Dense epochs and the convolutions' fused activation call them.
@njit(cache=True, error_model="numpy")
def activate_into(z, out, code):
    """out = act(z), element by element with the expressions of relu_forward / tanh_forward /
    sigmoid_forward (so the same bits); z, out C-contiguous of one shape (code LINEAR: a copy)."""
    z1, o1 = z.ravel(), out.ravel()
    if code == codes.RELU:
        for i in range(z1.size):
            o1[i] = max(z1[i], 0)
    elif code == codes.TANH:
        for i in range(z1.size):
            o1[i] = cells.tanh(z1[i])
    elif code == codes.SIGMOID:
        for i in range(z1.size):
            o1[i] = _sigmoid(z1[i])
    else:
        for i in range(z1.size):
            o1[i] = z1[i]


@njit(cache=True, error_model="numpy")
def activation_backward_into(dy, z, y, out, code):
    """out = act'(z) * dy, with the expressions of relu_backward / tanh_backward /
    sigmoid_backward; out may be dy itself."""
    d1, z1, y1, o1 = dy.ravel(), z.ravel(), y.ravel(), out.ravel()
    if code == codes.RELU:
        for i in range(d1.size):
            o1[i] = d1[i] if z1[i] > 0 else 0
    elif code == codes.TANH:
        for i in range(d1.size):
            o1[i] = d1[i] * (1 - y1[i] * y1[i])
    elif code == codes.SIGMOID:
        for i in range(d1.size):
            o1[i] = d1[i] * y1[i] * (1 - y1[i])
    else:
        for i in range(d1.size):
            o1[i] = d1[i]
