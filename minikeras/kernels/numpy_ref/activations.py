"""Activation functions and their derivatives: the NumPy reference kernels.

Every activation is a pair, side by side:

    <name>_forward(x, *params) -> y
    <name>_backward(dy, x, y, *params) -> dx        dx = dLoss/dx, dy = dLoss/dy

Shapes: x, y, dy and dx share one shape (any rank), except the row-wise kernels
(softmax, log_softmax, glu), which take 2-D arrays (rows, n) and work along the last axis;
`activations.py` moves the user's axis there. Parameters are scalars of x's dtype, so float32
math stays float32; `max_value=None` arrives as +inf.

The formulas are TensorFlow's kernels, which Keras calls on its TensorFlow backend (the
parity target); where TF's form differs from the textbook, the docstring says so. At a kink
the derivative is the one TF's gradient gives (relu'(0) = 0, hard_tanh'(1) = 1, ...).
"""

import math

import numpy as np

from .. import codes

__all__ = [f"{name}_{pass_}" for name in (
    "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "sigmoid", "tanh", "softplus",
    "softsign", "silu", "gelu", "mish", "exponential", "hard_sigmoid", "hard_silu", "hard_tanh",
    "hard_shrink", "soft_shrink", "tanh_shrink", "threshold", "sparse_plus", "sparse_sigmoid",
    "squareplus", "log_sigmoid", "softmax", "log_softmax", "glu",
) for pass_ in ("forward", "backward")]

SELU_SCALE = 1.0507009873554804934193349852946
SELU_SCALE_ALPHA = 1.7580993408473768599402175208123  # scale * alpha, alpha = 1.6732632...
# gelu's two Python-float constants, exact. The kernels take them as arguments, as the backend
# casts them: TF's gelu makes them with tf.cast(python_float, dtype), which goes through
# float32, so float64 math uses the float32-rounded values there; JAX keeps them exact
# (activations.py passes config.backend_float of these).
SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)
GELU_COEFF = 0.044715
SQRT_2_OVER_PI = 0.7978845608028654
TWO_OVER_SQRT_PI = 1.1283791670955126
_erfc = np.vectorize(math.erfc, otypes=[np.float64])  # NumPy has no erf; float64, then cast


# ---- the ReLU family -------------------------------------------------------------------------
def _relu_passes(x, max_value, threshold):
    """Where the positive part carries the gradient (see relu_forward)."""
    if threshold == 0 and max_value == 6:  # Keras calls relu6 here: open at both ends
        return (x > 0) & (x < 6)
    passes = x > threshold
    if max_value < np.inf:  # clip(pos, 0, max_value) passes the gradient on [0, max_value]
        passes &= (x >= 0) & (x <= max_value)
    return passes


def relu_forward(x, negative_slope, max_value, threshold):
    """Keras's ReLU with its three options, in Keras's order of operations.

    leaky case (negative_slope != 0, max_value = inf, threshold = 0):
        y = x if x > 0 else negative_slope * x
    otherwise:
        pos = (x if x > threshold else 0) if threshold != 0 else max(x, 0)
        pos = clip(pos, 0, max_value)                      if max_value < inf
        y   = pos - negative_slope * max(threshold - x, 0)
    backward: dx = dy * [pos passes] + negative_slope * dy * [x < threshold]
        pos passes where x > threshold and, with a max_value, 0 <= x <= max_value;
        for (max_value 6, threshold 0) Keras uses relu6, which passes only 0 < x < 6.
    """
    if negative_slope != 0 and max_value == np.inf and threshold == 0:
        return leaky_relu_forward(x, np.float32(negative_slope))  # TF's float32 attribute
    pos = np.where(x > threshold, x, 0) if threshold != 0 else np.maximum(x, 0)
    if max_value < np.inf:
        pos = np.clip(pos, 0, max_value)
    if negative_slope != 0:
        pos = pos - negative_slope * np.maximum(threshold - x, 0)
    return pos


def relu_backward(dy, x, y, negative_slope, max_value, threshold):
    if negative_slope != 0 and max_value == np.inf and threshold == 0:
        return leaky_relu_backward(dy, x, y, np.float32(negative_slope))
    dx = np.where(_relu_passes(x, max_value, threshold), dy, 0)
    if negative_slope != 0:
        dx = dx + np.where(x < threshold, dy * negative_slope, 0)
    return dx


def relu6_forward(x):
    """ReLU capped at 6.  y = min(max(x, 0), 6);  dx = dy * [0 < x < 6]."""
    return np.minimum(np.maximum(x, 0), 6)


def relu6_backward(dy, x, y):
    return np.where((x > 0) & (x < 6), dy, 0)


def leaky_relu_forward(x, negative_slope):
    """ReLU with a slope below zero.  y = x if x > 0 else s*x;  dx = dy if x > 0 else s*dy.

    s is used as given, in x's dtype: TF keeps it as a float32 attribute, so for TF's float64
    math the caller passes float32(s) (activations.py passes config.backend_float(s, dtype);
    relu_forward rounds it itself). TF selects on x > 0, so a slope above 1 is kept as given
    (Keras's NumPy backend takes max(x, s*x)).
    """
    return np.where(x > 0, x, x * x.dtype.type(negative_slope))


def leaky_relu_backward(dy, x, y, negative_slope):
    return np.where(x > 0, dy, dy * dy.dtype.type(negative_slope))


def elu_forward(x, alpha):
    """Exponential linear unit.  y = x if x > 0 else alpha * (exp(x) - 1).

    backward: dx = dy if x > 0 else (e + 1) * (alpha * dy),  e = exp(x) - 1
    (TF writes exp(x) - 1, not expm1, and its gradient (e + 1); at x = 0, dx = alpha * dy.)
    """
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def elu_backward(dy, x, y, alpha):
    e = np.exp(np.minimum(x, 0)) - 1
    return np.where(x > 0, dy, np.where(e < 0, (e + 1) * (alpha * dy), alpha * dy))


def selu_forward(x):
    """Scaled ELU.  y = scale * x if x >= 0 else scale_alpha * (exp(x) - 1).

    backward (TF, from y): dx = dy * (y + scale_alpha) if y < 0 else dy * scale
    """
    return np.where(x < 0, SELU_SCALE_ALPHA * (np.exp(np.minimum(x, 0)) - 1), SELU_SCALE * x)


def selu_backward(dy, x, y):
    return np.where(y < 0, dy * (y + SELU_SCALE_ALPHA), dy * SELU_SCALE)


def celu_forward(x, alpha):
    """Continuously differentiable ELU.  y = max(x, 0) + alpha * expm1(min(x, 0) / alpha).

    backward: dx = dy * [x >= 0] + dy * exp(min(x, 0) / alpha) * [x <= 0]
    (TF's max/min gradients both pass at x = 0, so TF gives dx = 2 * dy there; so do we.)
    """
    return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)


def celu_backward(dy, x, y, alpha):
    return np.where(x >= 0, dy, 0) + np.where(x <= 0, dy * np.exp(np.minimum(x, 0) / alpha), 0)


# ---- sigmoid, tanh and their relatives ---------------------------------------------------------
def sigmoid_forward(x):
    """Logistic sigmoid.  y = 1 / (1 + exp(-x)), evaluated without overflow;  dx = dy * y * (1 - y).
    """
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_backward(dy, x, y):
    return dy * y * (1 - y)


def tanh_forward(x):
    """Hyperbolic tangent.  y = tanh(x);  dx = dy * (1 - y * y)."""
    return np.tanh(x)


def tanh_backward(dy, x, y):
    return dy * (1 - y * y)


def softplus_forward(x):
    """Smooth ReLU.  y = log(1 + exp(x)), as TF's kernel evaluates it:

    y = x if x > -t;  exp(x) if x < t;  log1p(exp(x)) otherwise,  t = log(machine eps) + 2
    backward: dx = dy / (exp(-x) + 1)
    """
    t = np.log(np.finfo(x.dtype).eps) + 2  # -13.94 (float32), -34.04 (float64)
    e = np.exp(np.minimum(x, -t))  # the clamp only avoids overflow in the unused branch
    return np.where(x > -t, x, np.where(x < t, e, np.log1p(e)))


def softplus_backward(dy, x, y):
    with np.errstate(over="ignore"):
        return dy / (np.exp(-x) + 1)


def log_sigmoid_forward(x):
    """Log of the sigmoid.  y = -softplus(-x);  dx = dy / (exp(x) + 1)."""
    return -softplus_forward(-x)


def log_sigmoid_backward(dy, x, y):
    with np.errstate(over="ignore"):
        return dy / (np.exp(x) + 1)


def softsign_forward(x):
    """y = x / (|x| + 1);  dx = dy / (|x| + 1)^2."""
    return x / (np.abs(x) + 1)


def softsign_backward(dy, x, y):
    return dy / np.square(np.abs(x) + 1)


def silu_forward(x):
    """Swish.  y = x * sigmoid(x);  dx = dy * s * (1 + x * (1 - s)),  s = sigmoid(x)."""
    return x * sigmoid_forward(x)


def silu_backward(dy, x, y):
    s = sigmoid_forward(x)
    return dy * (s * (1 + x * (1 - s)))


def gelu_forward(x, approximate, sqrt_half, gelu_coeff):
    """Gaussian error linear unit (TF's forms).

    exact:       y  = 0.5 * x * erfc(u),  u = -x * sqrt_half          (sqrt_half = 1 / sqrt(2))
                 dx = dy * (0.5 * erfc(u) + 0.5 * x * (2 / sqrt(pi)) * exp(-u^2) * sqrt_half)
    approximate: y  = 0.5 * x * (1 + t),  t = tanh(sqrt(2/pi) * (x + c * x^3))   (c = 0.044715)
                 dx = 0.5 * dy * (1 + t) + g * (1 + 3 * c * x^2),
                 g = dy * 0.5 * x * (1 - t^2) * sqrt(2/pi)
    sqrt_half and gelu_coeff (c) are Python floats: SQRT_HALF and GELU_COEFF as the backend
    casts them (float32-rounded on TF, exact on JAX).
    """
    sqrt_half, gelu_coeff = float(sqrt_half), float(gelu_coeff)
    if approximate:
        return 0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + gelu_coeff * x**3)))
    return 0.5 * x * _erfc(-x * sqrt_half).astype(x.dtype)


def gelu_backward(dy, x, y, approximate, sqrt_half, gelu_coeff):
    sqrt_half, gelu_coeff = float(sqrt_half), float(gelu_coeff)
    if approximate:  # in the order TF's autodiff takes, to round as it does in float32
        t = np.tanh(SQRT_2_OVER_PI * (x + gelu_coeff * x**3))
        g = dy * (0.5 * x) * (1 - t * t) * SQRT_2_OVER_PI  # dLoss/d(x + 0.044715 x^3)
        return dy * (1 + t) * 0.5 + g + (g * gelu_coeff * 3) * x**2
    u = -x * sqrt_half
    density = (TWO_OVER_SQRT_PI * sqrt_half) * np.exp(-u * u)
    return dy * (0.5 * _erfc(u).astype(x.dtype) + 0.5 * x * density)


def mish_forward(x):
    """Mish.  y = x * t,  t = tanh(softplus(x));  dx = dy * t + (dy * x) * (1 - t^2) * sigmoid(x).

    (TF's softplus gradient writes sigmoid(x) as 1 / (exp(-x) + 1).)
    """
    return x * np.tanh(softplus_forward(x))


def mish_backward(dy, x, y):
    t = np.tanh(softplus_forward(x))
    with np.errstate(over="ignore"):
        return dy * t + (dy * x) * (1 - t * t) / (np.exp(-x) + 1)


def exponential_forward(x):
    """y = exp(x);  dx = dy * y."""
    return np.exp(x)


def exponential_backward(dy, x, y):
    return dy * y


def tanh_shrink_forward(x):
    """y = x - tanh(x);  dx = dy - dy * (1 - t^2),  t = tanh(x)  (TF's order; = dy * t^2)."""
    return x - np.tanh(x)


def tanh_shrink_backward(dy, x, y):
    t = np.tanh(x)
    return dy - dy * (1 - t * t)


def squareplus_forward(x, b):
    """y = (x + r) / 2,  r = sqrt(x^2 + b);  dx = g + g * x / r,  g = dy / 2."""
    return (x + np.sqrt(np.square(x) + b)) / 2


def squareplus_backward(dy, x, y, b):
    g = dy / 2
    return g + g / np.sqrt(np.square(x) + b) * x


# ---- piecewise-linear shapes -------------------------------------------------------------------
def hard_sigmoid_forward(x):
    """Keras 3's hard sigmoid.  y = relu6(x + 3) / 6;  dx = dy / 6 * [0 < x + 3 < 6]."""
    return np.minimum(np.maximum(x + 3, 0), 6) / 6


def hard_sigmoid_backward(dy, x, y):
    t = x + 3
    return np.where((t > 0) & (t < 6), dy / 6, 0)


def hard_silu_forward(x):
    """Hard swish.  y = x * h,  h = hard_sigmoid(x).

    backward: dx = dy * h + (dy * x) / 6 * [0 < x + 3 < 6]
    """
    return x * hard_sigmoid_forward(x)


def hard_silu_backward(dy, x, y):
    t = x + 3
    return dy * hard_sigmoid_forward(x) + np.where((t > 0) & (t < 6), (dy * x) / 6, 0)


def hard_tanh_forward(x):
    """Clip to [-1, 1].  y = clip(x, -1, 1);  dx = dy * [-1 <= x <= 1] (TF passes at the ends)."""
    return np.clip(x, -1, 1)


def hard_tanh_backward(dy, x, y):
    return np.where((x >= -1) & (x <= 1), dy, 0)


def hard_shrink_forward(x, threshold):
    """y = x if |x| > threshold else 0;  dx = dy * [|x| > threshold]."""
    return np.where(np.abs(x) > threshold, x, 0)


def hard_shrink_backward(dy, x, y, threshold):
    return np.where(np.abs(x) > threshold, dy, 0)


def soft_shrink_forward(x, threshold):
    """y = x - threshold if x > threshold;  x + threshold if x < -threshold;  else 0.

    backward: dx = dy * [|x| > threshold]
    """
    return np.where(x > threshold, x - threshold, np.where(x < -threshold, x + threshold, 0))


def soft_shrink_backward(dy, x, y, threshold):
    return np.where((x > threshold) | (x < -threshold), dy, 0)


def threshold_forward(x, threshold, default_value):
    """y = x if x > threshold else default_value;  dx = dy * [x > threshold]."""
    return np.where(x > threshold, x, default_value)


def threshold_backward(dy, x, y, threshold, default_value):
    return np.where(x > threshold, dy, 0)


def sparse_plus_forward(x):
    """y = 0 if x <= -1;  (x + 1)^2 / 4 if x < 1;  x otherwise.

    backward: dx = 0 if x <= -1;  dy * (x + 1) / 2 if x < 1;  dy otherwise
    """
    return np.where(x <= -1, 0, np.where(x < 1, 0.25 * np.square(x + 1), x))


def sparse_plus_backward(dy, x, y):
    return np.where(x <= -1, 0, np.where(x < 1, 0.5 * (x + 1) * dy, dy))


def sparse_sigmoid_forward(x):
    """y = 0 if x <= -1;  1 if x >= 1;  (x + 1) / 2 otherwise;  dx = dy / 2 * [-1 < x < 1]."""
    return np.where(x <= -1, 0, np.where(x >= 1, 1, 0.5 * (x + 1)))


def sparse_sigmoid_backward(dy, x, y):
    return np.where((x > -1) & (x < 1), 0.5 * dy, 0)


# ---- row-wise: x and y are (rows, n), the activation runs along the last axis ------------------
def softmax_forward(x):
    """Softmax of each row (TF's form: shift by the max, multiply by 1 / sum).

    e = exp(x - max_j x_j);  y = e * (1 / sum_j e_j)
    backward: dx = (dy - sum_j dy_j * y_j) * y
    """
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e * (1 / e.sum(axis=-1, keepdims=True))


def softmax_backward(dy, x, y):
    return (dy - (dy * y).sum(axis=-1, keepdims=True)) * y


def log_softmax_forward(x):
    """Log-softmax of each row.  s = x - max_j x_j;  y = s - log(sum_j exp(s_j)).

    backward: dx = dy - (sum_j dy_j) * exp(y)
    """
    s = x - x.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def log_softmax_backward(dy, x, y):
    return dy - dy.sum(axis=-1, keepdims=True) * np.exp(y)


def glu_forward(x):
    """Gated linear unit: split each row in halves a | b;  y = a * sigmoid(b).

    backward: da = dy * s,  db = (dy * a) * s * (1 - s),  s = sigmoid(b);  dx = [da | db]
    Shapes: x, dx (rows, 2n);  y, dy (rows, n).
    """
    a, b = np.split(x, 2, axis=-1)
    return a * sigmoid_forward(b)


def glu_backward(dy, x, y):
    a, b = np.split(x, 2, axis=-1)
    s = sigmoid_forward(b)
    return np.concatenate([dy * s, (dy * a) * s * (1 - s)], axis=-1)


# ---- by activation code (kernels/codes.py) ----------------------------------------------------
def activate(z, code):
    """act(z) for an activation code (kernels/codes.py) LINEAR, RELU, TANH or SIGMOID: the
    fused Dense epochs and the convolutions' fused activation; z any shape."""
    t = z.dtype.type
    if code == codes.RELU:
        return relu_forward(z.ravel(), t(0), t(np.inf), t(0)).reshape(z.shape)
    if code == codes.TANH:
        return tanh_forward(z)
    if code == codes.SIGMOID:
        return sigmoid_forward(z.ravel()).reshape(z.shape)
    return z


def activation_backward(dy, z, y, code):
    """dLoss/dz = act'(z) * dy for an activation code LINEAR, RELU, TANH or SIGMOID; all of
    one shape. Each derivative reads y alone but relu's, which reads z > 0: y > 0 there too."""
    t = z.dtype.type
    if code == codes.RELU:
        return relu_backward(dy.ravel(), z.ravel(), y.ravel(), t(0), t(np.inf),
                             t(0)).reshape(z.shape)
    if code == codes.TANH:
        return tanh_backward(dy, z, y)
    if code == codes.SIGMOID:
        return sigmoid_backward(dy.ravel(), z.ravel(), y.ravel()).reshape(z.shape)
    return dy
