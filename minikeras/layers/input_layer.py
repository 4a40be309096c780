"""InputLayer and Input: declare the shape a Sequential model takes, so it builds at once.

`Input(shape=(8,))` returns a symbolic `KerasTensor` (shape `(None, 8)`); putting it first in
a Sequential (or `InputLayer(shape=(8,))`) builds every layer immediately, as Keras does.
"""

import numpy as np

from .. import config
from ..utils.naming import auto_name
from .base import Layer


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, ragged=None, **kwargs):
        for legacy in ("input_shape", "batch_input_shape"):
            if legacy in kwargs:  # Keras 3 still accepts these spellings here
                value = kwargs.pop(legacy)
                if legacy == "input_shape":
                    shape = value
                else:
                    batch_shape = value
        if sparse or ragged:
            raise ValueError("minikeras supports dense inputs only (sparse/ragged=True given).")
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument (e.g. `shape=(8,)`).")
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size, *tuple(shape))
        batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        for d in batch_shape[1:]:
            if d is not None and d <= 0:
                raise ValueError("`shape` dimensions must be positive, got "
                                 f"shape={batch_shape[1:]}")
        super().__init__(name=name or auto_name("input_layer"), dtype=dtype, **kwargs)
        self.batch_shape = batch_shape
        self.optional = optional
        self.built = True
        self.output = KerasTensor(batch_shape, self.dtype, name=self.name, input_layer=self)

    def forward(self, x, training=False):
        return x

    def backward(self, dy):
        return dy

    def compute_output_shape(self, input_shape):
        return self.batch_shape

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": self.optional}


class KerasTensor:
    """A symbolic input: a shape and a dtype, no values. Made by `Input`."""

    def __init__(self, shape, dtype=None, name=None, input_layer=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype or config.floatx()).name
        self.name = name
        self.input_layer = input_layer

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, "
                f"ragged=False, name={self.name}>")


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """Keras's `keras.Input`: returns the KerasTensor of a new InputLayer."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, optional=optional, ragged=ragged)
    return layer.output
