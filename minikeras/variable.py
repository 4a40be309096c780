"""Variable: a named NumPy array that a layer owns and an optimizer updates.

A Variable holds `value` (the weights, an ndarray updated in place so views stay valid),
`grad` (dLoss/dvalue, filled by the owning layer's backward pass, same shape), and
Keras's bookkeeping: `name` ("kernel"), `path` ("sequential/dense/kernel"), `trainable`,
and an optional `constraint` the optimizer applies after each update.
"""

import numpy as np

from . import config


class Variable:
    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None,
                 constraint=None, regularizer=None, path=None):
        if dtype is None and isinstance(initializer, np.ndarray):
            dtype = initializer.dtype  # Keras keeps an array's own dtype
        dtype = np.dtype(dtype or config.floatx())
        if isinstance(initializer, (str, dict)):  # "zeros", "glorot_uniform", a Keras dict
            from . import initializers

            initializer = initializers.get(initializer)
        if callable(initializer) and not isinstance(initializer, np.ndarray):
            if shape is None:
                raise ValueError("`shape` is required when `initializer` is a callable.")
            value = initializer(tuple(shape), dtype=dtype.name)
        else:
            value = initializer
        value = np.array(value, dtype=dtype, copy=True, order="C")  # kernels expect C order
        if shape is not None and value.shape != tuple(shape):
            raise ValueError(
                f"Initial value for variable {name!r} has shape {value.shape}, "
                f"expected {tuple(shape)}."
            )
        self.value = value
        self.grad = None
        self.name = name or "variable"
        self.path = path or self.name
        self.trainable = bool(trainable)
        self.constraint = constraint
        self.regularizer = regularizer

    # Keras's read API
    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype.name

    @property
    def ndim(self):
        return self.value.ndim

    @property
    def size(self):
        return self.value.size

    def numpy(self):
        """A copy of the current value."""
        return self.value.copy()

    def __int__(self):
        return int(self.value)

    def __float__(self):
        return float(self.value)

    def __index__(self):
        return int(self.value)

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    # Keras's write API: all in place, so any view of `value` sees the change
    def assign(self, value):
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(
                f"Cannot assign to variable {self.path!r}: it has shape {self.value.shape}, "
                f"but the new value has shape {value.shape}."
            )
        self.value[...] = value
        return self

    def assign_add(self, value):
        self.value += np.asarray(value, dtype=self.value.dtype)
        return self

    def assign_sub(self, value):
        self.value -= np.asarray(value, dtype=self.value.dtype)
        return self

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self.value}>")
