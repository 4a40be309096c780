"""Constraints: projections applied to a weight after each optimizer update, as Keras has them.

A constraint is called as `c(w) -> ndarray`, a new array of w's shape and dtype; the optimizer
writes it back in place (`variable.value[...] = c(variable.value)`). The norms are taken along
`axis` (0 for a Dense kernel (input_dim, units): one norm per unit; [0, 1, 2] for a conv kernel)
and keep that axis, so they broadcast against w.
"""

import inspect
import numbers
import types

import numpy as np

from . import config
from .utils.lookup import lookup
from .utils.naming import to_snake_case
from .utils.serialization import deserialize_object, serialize_object


def _validate_axis(axis):
    ok = isinstance(axis, numbers.Integral) or (
        isinstance(axis, (list, tuple)) and all(isinstance(a, numbers.Integral) for a in axis))
    if isinstance(axis, bool) or not ok:
        raise TypeError(f"`axis` must be an integer or a list of integers. Received: axis={axis!r}")
    return axis


def _validate_number(value, name, minimum=0.0):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= minimum:
        raise ValueError(f"`{name}` must be a number >= {minimum}. Received: {name}={value!r}")
    return value


def _as_float_array(w):
    w = np.asarray(w)
    return w if w.dtype.kind == "f" else w.astype(config.floatx())


def norms(w, axis):
    """The L2 norms along `axis`, kept for broadcasting: n = sqrt(sum(w^2, axis)).

    w: any shape; n: w's shape with 1 on the reduced axes.
    """
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: the identity projection, c(w) = w."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Caps each norm at `max_value`.

    n = norms(w, axis);  w' = w * (clip(n, 0, max_value) / (eps + n))
    (eps outside the norm, as Keras: a norm below max_value shrinks by the factor n / (eps + n))
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = _validate_number(max_value, "max_value")
        self.axis = _validate_axis(axis)

    def __call__(self, w):
        w = _as_float_array(w)
        n = norms(w, self.axis)
        desired = np.clip(n, 0, self.max_value)
        return (w * (desired / (config.epsilon() + n))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clips negative weights to zero: w' = max(w, 0)."""

    def __call__(self, w):
        return np.maximum(_as_float_array(w), 0)


class UnitNorm(Constraint):
    """Scales each norm to one: w' = w / (eps + norms(w, axis))."""

    def __init__(self, axis=0):
        self.axis = _validate_axis(axis)

    def __call__(self, w):
        w = _as_float_array(w)
        return (w / (config.epsilon() + norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each norm into [min_value, max_value], by the fraction `rate` of the way.

    n = norms(w, axis);  desired = rate * clip(n, min_value, max_value) + (1 - rate) * n
    w' = w * (desired / (eps + n))
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _validate_number(min_value, "min_value")
        self.max_value = _validate_number(max_value, "max_value", minimum=min_value)
        self.rate = _validate_number(rate, "rate")
        self.axis = _validate_axis(axis)

    def __call__(self, w):
        w = _as_float_array(w)
        n = norms(w, self.axis)
        desired = self.rate * np.clip(n, self.min_value, self.max_value) + (1 - self.rate) * n
        return (w * (desired / (config.epsilon() + n))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# ---- lookup and serialization ---------------------------------------------------------------
ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})

# Keras's lowercase names (keras.constraints.max_norm, ...)
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm


def serialize(constraint):
    """Keras's dict for a constraint: {"module", "class_name", "config", "registered_name"}."""
    if constraint is None:
        return None
    if isinstance(constraint, types.FunctionType):  # a custom function, in Keras's form
        return {"module": "builtins", "class_name": "function", "config": constraint.__name__,
                "registered_name": "function"}
    if not isinstance(constraint, Constraint):
        raise TypeError(f"Cannot serialize {constraint!r}: expected a minikeras Constraint, "
                        "a function or None.")
    return serialize_object(constraint, "keras.constraints")


def deserialize(config):
    """Rebuild a constraint from Keras's dict ({"class_name", "config"}) or a name."""
    if isinstance(config, str):
        return get(config)
    return deserialize_object(config, ALL_OBJECTS_DICT, "constraint")


def get(identifier):
    """A constraint from None, a name ("max_norm", "non_neg", "unit_norm", "min_max_norm", or
    the class names), a Keras dict, a class or a callable `f(w) -> w'`."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("constraint", identifier, ALL_OBJECTS_DICT)()
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r} (expected "
                     "None, a name, a dict or a callable)")
