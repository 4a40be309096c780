"""Keras 3's activation functions, each with its derivative, found by name.

Each activation is a plain function with Keras's name and signature, `relu(x, ...) -> y`, on
arrays of any shape; float32 and float64 are kept, other input becomes floatx() (Keras keeps
ints for a few of them). The math is in the kernel twins `kernels.<name>_forward` and
`kernels.<name>_backward`; their equations are in kernels/numpy_ref/activations.py.

    backward(fn, dy, x, y, **params) -> dx    dLoss/dx for y = fn(x, **params), given dLoss/dy
    get(identifier)                           None -> linear; "relu", "swish", ...; a callable
    serialize(fn) / deserialize(name)         Keras writes a built-in by its name: "relu"
    register_derivative(fn, grad_fn)          grad_fn(dy, x, y) -> dx, for your own functions

Shapes: x, y, dy, dx share one shape (glu halves `axis` in y and dy).
Not here: sparsemax (Keras 3.15's formula does not sum to 1 once two inputs are in the support).
"""

import inspect
import math
import warnings

import numpy as np

from . import config, kernels
from .kernels import codes
from .kernels.numpy_ref.activations import GELU_COEFF, SQRT_HALF
from .utils.lookup import lookup
from .utils.serialization import serialize_object


def _as_float(x):
    """x as a float32 or float64 array (other dtypes become floatx(); float16 becomes float32)."""
    x = np.asarray(x)
    if x.dtype != np.float32 and x.dtype != np.float64:
        x = x.astype(np.float64 if config.floatx() == "float64" else np.float32)
    return x


def _scalars(x, **params):
    """The parameters as scalars of x's dtype (so float32 math stays float32); None -> +inf."""
    values = []
    for name, value in params.items():
        if isinstance(value, (bool, np.bool_)):
            values.append(bool(value))
            continue
        try:
            values.append(x.dtype.type(np.inf if value is None else value))
        except (TypeError, ValueError):
            raise TypeError(f"`{name}` must be a number, but received {name}={value!r}.") from None
    return tuple(values)


def _backend_slope(x, negative_slope):
    """leaky_relu's slope as the backend holds it, in x's dtype: TF keeps a float32 attribute
    (so float64 math uses float32(s)); JAX (`config.set_numerics("jax")`) casts it exactly."""
    (slope,) = _scalars(x, negative_slope=negative_slope)
    return config.backend_float(float(slope), x.dtype)


def _gelu_constants(x):
    """gelu's 1/sqrt(2) and 0.044715 as the backend casts them to x's dtype, as Python floats
    (the kernels' arguments): float32-rounded on TF, exact in float64 on JAX."""
    return tuple(float(config.backend_float(c, x.dtype))
                 for c in (SQRT_HALF, GELU_COEFF))


def _kernel_call(fn, x, **params):
    """(kernel name without _forward/_backward, its scalar arguments) for activation `fn`.

    Most kernels take fn's parameters as scalars of x's dtype. leaky_relu (and relu's leaky
    case, which Keras runs as leaky_relu) and gelu take Python-float constants as the Keras
    backend that `config.numerics()` names casts them."""
    if fn is leaky_relu:
        return "leaky_relu", (_backend_slope(x, params["negative_slope"]),)
    if fn is gelu:
        return "gelu", (bool(params["approximate"]), *_gelu_constants(x))
    values = _scalars(x, **params)
    if fn is relu and values[0] != 0 and values[1] == np.inf and values[2] == 0:
        return "leaky_relu", (_backend_slope(x, params["negative_slope"]),)
    return fn.__name__, values


def _apply(kernel, x, *params):
    """Run an elementwise kernel on x flattened (so numba compiles one version per dtype)."""
    return kernel(x.reshape(-1), *params).reshape(x.shape)


def _rowwise(kernel, axis, *arrays):
    """Run a row-wise kernel along `axis` (int, tuple, or None for all): move it last, flatten."""
    ndim = arrays[0].ndim
    if ndim and isinstance(axis, (int, np.integer)) and axis in (-1, ndim - 1):
        lead = arrays[0].shape[:-1]  # the usual case, axis=-1: no transposes
        out = kernel(*(np.ascontiguousarray(a.reshape(math.prod(lead), a.shape[-1]))
                       for a in arrays))
        return out.reshape((*lead, out.shape[-1]))
    try:
        axes = np.lib.array_utils.normalize_axis_tuple(range(ndim) if axis is None else axis, ndim)
    except (np.exceptions.AxisError, TypeError):
        raise ValueError(f"`axis`={axis!r} is not a valid axis (or tuple of axes) for an input "
                         f"of shape {arrays[0].shape}.") from None
    order = [a for a in range(ndim) if a not in axes] + list(axes)
    moved = [a.transpose(order) for a in arrays]
    lead = moved[0].shape[: ndim - len(axes)]
    rows = math.prod(lead)
    out = kernel(*(np.ascontiguousarray(m.reshape(rows, math.prod(m.shape[len(lead):])))
                   for m in moved))
    tail = moved[0].shape[len(lead):] if len(axes) != 1 else (out.shape[1],)
    return out.reshape((*lead, *tail)).transpose(np.argsort(order))


# ---- the activations, with Keras's names and signatures -------------------------------------
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: max(x, 0), with Keras's leaky slope, cap and threshold options."""
    x = _as_float(x)
    name, args = _kernel_call(relu, x, negative_slope=negative_slope, max_value=max_value,
                              threshold=threshold)
    return _apply(getattr(kernels.activations, name + "_forward"), x, *args)


def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, else negative_slope * x."""
    x = _as_float(x)
    return _apply(kernels.activations.leaky_relu_forward, x, _backend_slope(x, negative_slope))


def relu6(x):
    """ReLU capped at 6: min(max(x, 0), 6)."""
    return _apply(kernels.activations.relu6_forward, _as_float(x))


def elu(x, alpha=1.0):
    """Exponential linear unit: x where x > 0, else alpha * (exp(x) - 1)."""
    x = _as_float(x)
    return _apply(kernels.activations.elu_forward, x, *_scalars(x, alpha=alpha))


def selu(x):
    """Scaled ELU: 1.0507 * x where x > 0, else 1.0507 * 1.6733 * (exp(x) - 1)."""
    return _apply(kernels.activations.selu_forward, _as_float(x))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: max(x, 0) + alpha * expm1(min(x, 0) / alpha)."""
    x = _as_float(x)
    return _apply(kernels.activations.celu_forward, x, *_scalars(x, alpha=alpha))


def sigmoid(x):
    """Logistic sigmoid: 1 / (1 + exp(-x))."""
    return _apply(kernels.activations.sigmoid_forward, _as_float(x))


def tanh(x):
    """Hyperbolic tangent."""
    return _apply(kernels.activations.tanh_forward, _as_float(x))


def softplus(x):
    """Smooth ReLU: log(exp(x) + 1), in TensorFlow's overflow-free form."""
    return _apply(kernels.activations.softplus_forward, _as_float(x))


def softsign(x):
    """x / (|x| + 1)."""
    return _apply(kernels.activations.softsign_forward, _as_float(x))


def silu(x):
    """Swish (SiLU): x * sigmoid(x)."""
    return _apply(kernels.activations.silu_forward, _as_float(x))


def gelu(x, approximate=False):
    """Gaussian error linear unit: x * P(N(0, 1) <= x); approximate=True uses the tanh form."""
    x = _as_float(x)
    return _apply(kernels.activations.gelu_forward, x, bool(approximate), *_gelu_constants(x))


def mish(x):
    """x * tanh(softplus(x))."""
    return _apply(kernels.activations.mish_forward, _as_float(x))


def exponential(x):
    """exp(x)."""
    return _apply(kernels.activations.exponential_forward, _as_float(x))


def hard_sigmoid(x):
    """Keras 3's hard sigmoid: relu6(x + 3) / 6 (0 below -3, 1 above 3, linear between)."""
    return _apply(kernels.activations.hard_sigmoid_forward, _as_float(x))


def hard_silu(x):
    """Hard swish: x * hard_sigmoid(x)."""
    return _apply(kernels.activations.hard_silu_forward, _as_float(x))


def hard_tanh(x):
    """clip(x, -1, 1)."""
    return _apply(kernels.activations.hard_tanh_forward, _as_float(x))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = _as_float(x)
    return _apply(kernels.activations.hard_shrink_forward, x, *_scalars(x, threshold=threshold))


def soft_shrink(x, threshold=0.5):
    """x moved threshold toward 0, and 0 where |x| <= threshold."""
    x = _as_float(x)
    return _apply(kernels.activations.soft_shrink_forward, x, *_scalars(x, threshold=threshold))


def tanh_shrink(x):
    """x - tanh(x)."""
    return _apply(kernels.activations.tanh_shrink_forward, _as_float(x))


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    x = _as_float(x)
    return _apply(kernels.activations.threshold_forward, x, *_scalars(x, threshold=threshold,
                                                  default_value=default_value))


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    return _apply(kernels.activations.sparse_plus_forward, _as_float(x))


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return _apply(kernels.activations.sparse_sigmoid_forward, _as_float(x))


def squareplus(x, b=4):
    """Smooth ReLU: (x + sqrt(x^2 + b)) / 2."""
    x = _as_float(x)
    return _apply(kernels.activations.squareplus_forward, x, *_scalars(x, b=b))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return _apply(kernels.activations.log_sigmoid_forward, _as_float(x))


def linear(x):
    """The identity: returns x itself, unchanged (as Keras does)."""
    return x


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (an int, a tuple of ints, or None for all)."""
    x = _as_float(x)
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        warnings.warn(f"You are using a softmax over axis {axis} of a tensor of shape {x.shape}. "
                      "This axis has size 1. The softmax operation will always return the value "
                      "1, which is likely not what you intended. Did you mean to use a sigmoid "
                      "instead?", stacklevel=2)
    return _rowwise(kernels.activations.softmax_forward, axis, x)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, computed as x - max - log(sum(exp(x - max)))."""
    return _rowwise(kernels.activations.log_softmax_forward, axis, _as_float(x))


def glu(x, axis=-1):
    """Gated linear unit: split x in halves a | b along `axis`; a * sigmoid(b)."""
    x = _as_float(x)
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"`axis` must be an int axis of the input (shape {x.shape}), but "
                         f"received axis={axis!r}.")
    if x.shape[axis] % 2 != 0:
        raise ValueError("axis size must be divisible by 2. "
                         f"Received: x.shape={x.shape} with axis={axis}")
    return _rowwise(kernels.activations.glu_forward, axis, x)


swish = silu
hard_swish = hard_silu

ALL_OBJECTS = (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
    soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
    sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear, mish,
    log_softmax, log_sigmoid,
)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
_NOT_IMPLEMENTED = {"sparsemax": "Keras 3.15's sparsemax threshold is wrong (its outputs do not "
                                 "sum to 1), so minikeras leaves it out."}


# ---- derivatives ----------------------------------------------------------------------------
def _elementwise_derivative(fn):
    """dLoss/dx for a built-in elementwise `fn`: its parameters (defaults unless given) to the
    kernel `<name>_backward(dy, x, y, *params)`."""
    defaults = {p.name: p.default for p in list(inspect.signature(fn).parameters.values())[1:]}

    def derivative(dy, x, y, **params):
        unknown = params.keys() - defaults.keys()
        if unknown:
            raise TypeError(f"Activation `{fn.__name__}` has no parameter(s) {sorted(unknown)}; "
                            f"it takes {list(defaults)}.")
        values = {**defaults, **params} if params else defaults
        missing = [name for name, value in values.items() if value is inspect.Parameter.empty]
        if missing:
            raise TypeError(f"The derivative of `{fn.__name__}` needs {missing} (no defaults).")
        x = _as_float(x)
        dy, y = np.asarray(dy, x.dtype).reshape(-1), np.asarray(y, x.dtype).reshape(-1)
        name, args = _kernel_call(fn, x, **values)  # looked up per call: tests swap paths
        dx = getattr(kernels.activations, name + "_backward")(dy, x.reshape(-1), y, *args)
        return dx.reshape(x.shape)

    return derivative


def _rowwise_derivative(kernel):
    def derivative(dy, x, y, axis=-1):
        x = _as_float(x)
        dy, y = np.asarray(dy, x.dtype), np.asarray(y, x.dtype)
        return _rowwise(getattr(kernels.activations, kernel), axis, dy, x, y)

    return derivative


_DERIVATIVES = {fn: _elementwise_derivative(fn) for fn in ALL_OBJECTS
                if fn not in (linear, softmax, log_softmax, glu)}
_DERIVATIVES[linear] = lambda dy, x, y: dy
_DERIVATIVES[softmax] = _rowwise_derivative("softmax_backward")
_DERIVATIVES[log_softmax] = _rowwise_derivative("log_softmax_backward")
_DERIVATIVES[glu] = _rowwise_derivative("glu_backward")
_CUSTOM_DERIVATIVES = {}


def register_derivative(fn, grad_fn):
    """Teach `backward` the derivative of activation `fn`: grad_fn(dy, x, y) -> dLoss/dx."""
    if not callable(fn) or not callable(grad_fn):
        raise TypeError(f"register_derivative(fn, grad_fn) needs two callables, but received "
                        f"fn={fn!r}, grad_fn={grad_fn!r}.")
    _CUSTOM_DERIVATIVES[fn] = grad_fn


def kernel_code(fn, allowed=None):
    """The code (kernels/codes.py) under which compiled kernels may apply activation `fn`
    themselves, or None: fn must be minikeras's own function of a coded name (in `allowed`
    where given), with no derivative registered over it (register_derivative), which only the
    general path would call."""
    try:
        custom = fn in _CUSTOM_DERIVATIVES
    except TypeError:  # an unhashable callable
        custom = False
    return None if custom else codes.activation_code_or_none(fn, allowed)


def backward(fn, dy, x, y, **params):
    """dLoss/dx for y = fn(x, **params), given dy = dLoss/dy, the input x and the output y.

    fn is anything `get` accepts; params default to fn's own defaults (e.g. softmax axis=-1).
    """
    fn = get(fn)
    try:
        derivative = _CUSTOM_DERIVATIVES.get(fn) or _DERIVATIVES.get(fn)
    except TypeError:  # an unhashable callable
        derivative = None
    if derivative is None:
        raise ValueError(
            f"Training through activation {_name_of(fn)!r} needs its derivative, and minikeras "
            "does not know it. Register one with `minikeras.activations.register_derivative(fn, "
            "grad_fn)`, where grad_fn(dy, x, y) returns dLoss/dx.")
    return derivative(dy, x, y, **params)


# ---- names ----------------------------------------------------------------------------------
def _name_of(fn):
    return getattr(fn, "__name__", None) or type(fn).__name__


def get(identifier):
    """The activation function for an identifier: None -> linear, a name, a callable, or a dict."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        if identifier in _NOT_IMPLEMENTED:
            raise ValueError(f"Activation {identifier!r} is not available: "
                             f"{_NOT_IMPLEMENTED[identifier]}")
        return lookup("activation", identifier, ALL_OBJECTS_DICT)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r} "
                     "(expected None, a name such as 'relu', a callable, or a serialized dict).")


def serialize(activation):
    """Keras's serialized form: a built-in's name ("relu"; swish is "silu"), else __name__."""
    if any(activation is fn for fn in ALL_OBJECTS):
        return activation.__name__
    if hasattr(activation, "get_config"):
        return serialize_object(activation, type(activation).__module__)
    if getattr(activation, "__name__", None) not in (None, "<lambda>"):
        return activation.__name__
    raise ValueError(f"Unknown activation function {activation!r} cannot be serialized: it has "
                     "no name. Use a named function (def), or give it get_config().")


def deserialize(config, custom_objects=None):
    """The activation named by `config` (a name, or Keras's {"class_name": "function", ...})."""
    custom_objects = custom_objects or {}
    if isinstance(config, dict):
        if config.get("class_name") == "function":
            return deserialize(config.get("config"), custom_objects)
        cls = custom_objects.get(config.get("class_name"))
        if cls is None:
            raise ValueError(f"Could not deserialize activation {config!r}: its class_name is "
                             "not 'function' and not in custom_objects.")
        return cls.from_config(config.get("config") or {})
    if isinstance(config, str) and config in custom_objects:
        return custom_objects[config]
    return get(config)
