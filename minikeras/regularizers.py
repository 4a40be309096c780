"""Regularizers: weight penalties added to the loss, as `keras.regularizers` computes them.

Each regularizer is called as `reg(w) -> float` (the penalty, computed in w's dtype) and has
`reg.gradient(w) -> ndarray` (d penalty / d w, same shape and dtype as w), which the layer adds to
the weight's gradient in its backward pass.

Keras on TensorFlow multiplies by every factor through a float32 tensor (`ops.cast(0.3,
"float64")` converts 0.3 to float32 first), so even a float64 penalty uses the float32-rounded
factor; minikeras does the same (`cast_factor(value, dtype)`), so float64 penalties match Keras to
rounding. `L1` and `OrthogonalRegularizer` also *store* the rounded value (`L1(0.1).l1 ==
0.10000000149011612`, and so in `get_config()`), while `L2` and `L1L2` store Python floats, as
Keras does. With `config.set_numerics("jax")` the factors are exact (Keras on JAX with x64), and
`L1(0.1).l1 == 0.1`.
"""

import inspect
import numbers
import types

import numpy as np

from . import config
from .utils.lookup import lookup
from .utils.naming import to_snake_case
from .utils.serialization import deserialize_object, serialize_object


def validate_float_arg(value, name):
    """`value` as a float if it is a finite number >= 0; raise ValueError otherwise."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value) or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


def cast_factor(value, dtype):
    """The factor `value` in `dtype` as Keras's cast makes it: rounded through float32 first
    (tensorflow numerics), or exact (jax numerics; see `config.backend_float`)."""
    return config.backend_float(float(value), dtype)


def stored_factor(value):
    """A factor as Keras stores it, `ops.convert_to_tensor(value)`: float32-rounded on
    TensorFlow, a float64 on JAX with x64 (so exact), returned as a Python float."""
    return float(config.backend_float(float(value), np.float64))


def _as_float_array(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(config.floatx())


class Regularizer:
    """Base class: `reg(w)` is the penalty (0 here), `reg.gradient(w)` its derivative."""

    def __call__(self, x):
        return 0.0

    def gradient(self, x):
        return np.zeros_like(_as_float_array(x))

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """Both penalties: the sum of L1's and L2's.

    penalty = l1 * sum(|x|) + l2 * sum(x^2)       (a term whose factor is 0 is left out)
    dx      = l1 * sign(x) + 2 * l2 * x            x, dx: any shape
    Defaults are l1 = l2 = 0 (Keras 3; the "l1l2" string gives this no-op too).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = _as_float_array(x)
        penalty = x.dtype.type(0.0)
        if self.l1 != 0.0:
            penalty += cast_factor(self.l1, x.dtype) * np.sum(np.abs(x))
        if self.l2 != 0.0:
            penalty += cast_factor(self.l2, x.dtype) * np.sum(np.square(x))
        return float(penalty)

    def gradient(self, x):
        x = _as_float_array(x)
        dx = np.zeros_like(x)
        if self.l1 != 0.0:
            dx += cast_factor(self.l1, x.dtype) * np.sign(x)
        if self.l2 != 0.0:
            dx += 2 * cast_factor(self.l2, x.dtype) * x
        return dx

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """The L1 penalty, which pushes weights to exactly zero.

    penalty = l1 * sum(|x|)
    dx      = l1 * sign(x)          (0 at x = 0, as TensorFlow's gradient of |x|)
    x, dx: any shape.  `l1` is rounded to float32, as Keras stores it (exact with jax numerics).
    """

    def __init__(self, l1=0.01):
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, name="l1")

    @property
    def l1(self):
        return stored_factor(self._l1)

    @l1.setter
    def l1(self, value):
        self._l1 = float(value)

    def __call__(self, x):
        x = _as_float_array(x)
        return float(cast_factor(self.l1, x.dtype) * np.sum(np.abs(x)))

    def gradient(self, x):
        x = _as_float_array(x)
        return cast_factor(self.l1, x.dtype) * np.sign(x)

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """The L2 penalty (weight decay).

    penalty = l2 * sum(x^2)          (no 1/2: Keras's form)
    dx      = 2 * l2 * x             x, dx: any shape
    """

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = _as_float_array(x)
        return float(cast_factor(self.l2, x.dtype) * np.sum(np.square(x)))

    def gradient(self, x):
        x = _as_float_array(x)
        return 2 * cast_factor(self.l2, x.dtype) * x

    def get_config(self):
        return {"l2": self.l2}


def normalize_rows(x):
    """Each row scaled to unit length, as Keras's `ops.normalize(x, axis=1)`.

    s_i = min(1 / ||x_i||, 1 / eps);  u_i = s_i * x_i          x, u: (m, n); s: (m, 1)
    """
    with np.errstate(divide="ignore"):
        inv_norm = 1.0 / np.sqrt(np.sum(np.square(x), axis=1, keepdims=True))
    return x * np.minimum(inv_norm, x.dtype.type(1.0 / config.epsilon()))


def normalize_rows_backward(du, x):
    """dx of `normalize_rows`: du projected off each row's direction, over its norm.

    unclipped rows (s = 1/||x||):  dx_i = s_i * (du_i - u_i * (u_i . du_i))
    clipped rows (s = 1/eps):      dx_i = du_i / eps
    du, x, dx: (m, n)
    """
    norm = np.sqrt(np.sum(np.square(x), axis=1, keepdims=True))
    clipped = norm < config.epsilon()
    safe_norm = np.where(clipped, 1.0, norm)
    u = x / safe_norm
    dx = (du - u * np.sum(u * du, axis=1, keepdims=True)) / safe_norm
    return np.where(clipped, du / config.epsilon(), dx).astype(x.dtype)


class OrthogonalRegularizer(Regularizer):
    """Penalizes rows (or columns) that are not orthogonal to each other.

    rows mode, x: (m, n):  u = normalize_rows(x);  p = u u^T   (m, m, cosines);
    penalty = factor * 0.5 * sum_{i != j} |p_ij| / (m (m - 1) / 2)
    backward: g = c * sign(p) * (1 - I), c = factor * 0.5 / (m (m - 1) / 2);
              du = 2 g u;  dx = normalize_rows_backward(du, x)
    columns mode applies the same to x^T.  `factor` is rounded to float32, as Keras stores it
    (exact with jax numerics).
    A single row (m = 1) has no pairs: the penalty is 0/0 = nan, as in Keras.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in ("rows", "columns"):
            raise ValueError('Invalid value for argument `mode`. Expected one of '
                             f'{{"rows", "columns"}}. Received: mode={mode}')
        self.mode = mode

    @property
    def factor(self):
        return stored_factor(self._factor)

    @factor.setter
    def factor(self, value):
        self._factor = float(value)

    def _rows(self, x):
        x = _as_float_array(x)
        if x.ndim != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. "
                             f"Received: inputs.shape={x.shape}")
        return x if self.mode == "rows" else x.T

    def __call__(self, x):
        x = self._rows(x)
        u = normalize_rows(x)
        m = x.shape[0]
        off_diagonal = (u @ u.T) * (1.0 - np.eye(m, dtype=x.dtype))
        num_pairs = m * (m - 1.0) / 2.0
        with np.errstate(invalid="ignore", divide="ignore"):
            return float(cast_factor(self.factor, x.dtype) * x.dtype.type(0.5)
                         * np.sum(np.abs(off_diagonal)) / x.dtype.type(num_pairs))

    def gradient(self, x):
        rows = self._rows(x)
        u = normalize_rows(rows)
        m = rows.shape[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.float64(self.factor) * 0.5 / (m * (m - 1.0) / 2.0)
        g = c * np.sign(u @ u.T) * (1.0 - np.eye(m))
        drows = normalize_rows_backward((2.0 * g @ u).astype(rows.dtype), rows)
        return drows if self.mode == "rows" else drows.T

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# ---- lookup and serialization ---------------------------------------------------------------
def WeightRegularizer(l1=0.0, l2=0.0):  # noqa: N802 (a Keras 1 class name)
    """Keras 1's `WeightRegularizer(l1, l2)`: the same as `L1L2(l1, l2)` (warns)."""
    from .legacy import warn_renamed

    warn_renamed("regularizers.WeightRegularizer(l1, l2)", "regularizers.L1L2(l1, l2)")
    return L1L2(l1=l1, l2=l2)


ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})

# Keras's lowercase names (keras.regularizers.l1, ...); note `get("l1_l2")` is an error in Keras 3
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


def serialize(regularizer):
    """Keras's dict for a regularizer: {"module", "class_name", "config", "registered_name"}."""
    if regularizer is None:
        return None
    if isinstance(regularizer, types.FunctionType):  # a custom function, in Keras's form
        return {"module": "builtins", "class_name": "function", "config": regularizer.__name__,
                "registered_name": "function"}
    if not isinstance(regularizer, Regularizer):
        raise TypeError(f"Cannot serialize {regularizer!r}: expected a minikeras Regularizer, "
                        "a function or None.")
    return serialize_object(regularizer, "keras.regularizers")


def deserialize(config):
    """Rebuild a regularizer from Keras's dict ({"class_name", "config"}) or a name."""
    if isinstance(config, str):
        return get(config)
    return deserialize_object(config, ALL_OBJECTS_DICT, "regularizer")


def get(identifier):
    """A regularizer from None, a name ("l1", "l2", "l1l2", "orthogonal_regularizer", or the
    class names), a Keras dict, a class or a callable `f(w) -> penalty`."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("regularizer", identifier, ALL_OBJECTS_DICT)()
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r} (expected "
                     "None, a name, a dict or a callable)")
