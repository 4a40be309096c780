"""The Initializer base class and the shape/dtype checks every initializer uses."""

import numbers

import numpy as np

from .. import config


def standardize_shape(shape):
    """`shape` as a tuple of non-negative Python ints; raise TypeError/ValueError otherwise."""
    dims = (shape,) if isinstance(shape, numbers.Integral) else shape
    if not isinstance(dims, (tuple, list)) or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in dims):
        raise TypeError(f"`shape` must be a tuple of integers. Received: shape={shape!r}")
    if any(d < 0 for d in dims):
        raise ValueError(f"`shape` dimensions must be >= 0. Received: shape={shape!r}")
    return tuple(int(d) for d in dims)


def _float_dtype(dtype):
    dtype = np.dtype(dtype or config.floatx())
    if dtype.kind != "f":
        raise ValueError(f"Random initializers need a float dtype. Received: dtype={dtype.name!r}")
    return dtype


class Initializer:
    """Base class: `init(shape, dtype)` returns an array; `get_config()` its constructor kwargs."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())
