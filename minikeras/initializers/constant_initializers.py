"""Constant initializers: Constant, Zeros, Ones, Identity (Keras's constant_initializers.py)."""

import numpy as np

from .. import config
from .initializer import Initializer, standardize_shape


class Constant(Initializer):
    """Every entry equals `value`: w = value * ones(shape) (an array value broadcasts)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        dtype = np.dtype(dtype or config.floatx())
        shape = standardize_shape(shape)
        return np.asarray(self.value, dtype=dtype) * np.ones(shape, dtype=dtype)

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):  # Keras's serialize_keras_object form for arrays
            value = {"class_name": "__numpy__",
                     "config": {"value": value.tolist(), "dtype": value.dtype.name}}
        elif isinstance(value, np.generic):
            value = value.item()
        return {"value": value}

    @classmethod
    def from_config(cls, config):
        value = config["value"]
        if isinstance(value, dict) and value.get("class_name") == "__numpy__":
            value = np.array(value["config"]["value"], dtype=value["config"]["dtype"])
        return cls(value)


class Zeros(Initializer):
    """w = 0."""

    def __call__(self, shape, dtype=None):
        return np.zeros(standardize_shape(shape), dtype=np.dtype(dtype or config.floatx()))


class Ones(Initializer):
    """w = 1."""

    def __call__(self, shape, dtype=None):
        return np.ones(standardize_shape(shape), dtype=np.dtype(dtype or config.floatx()))


class Identity(Initializer):
    """w = gain * eye(rows, cols), for 2-D shapes only.

    Keras 3 leaves `gain` out of `get_config()` (it returns {}); so does minikeras, to serialize
    exactly as Keras does.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = np.dtype(dtype or config.floatx())
        return np.asarray(self.gain * np.eye(*shape, dtype=dtype), dtype=dtype)
