"""RepeatVector: repeat each sample's feature vector n times, (batch, f) -> (batch, n, f).

Forward:  y[b, t, :] = x[b, :]  for t = 0 .. n-1
Backward: dx = sum over t of dy[:, t, :]          (each copy passes its gradient back)
x, dx: (batch, features); y, dy: (batch, n, features).
"""

import numbers

import numpy as np

from .base import Layer


def repeat_vector_forward(x, n):
    """y = x repeated n times along a new axis 1.  x: (batch, f) -> y: (batch, n, f)."""
    return np.repeat(x[:, None, :], n, axis=1)


def repeat_vector_backward(dy):
    """dx = dy summed over the repeats.  dy: (batch, n, f) -> dx: (batch, f)."""
    return dy.sum(axis=1)


class RepeatVector(Layer):
    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)} (n={n!r}).")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = int(n)

    def forward(self, x, training=False):
        return repeat_vector_forward(x, self.n)

    def backward(self, dy):
        return repeat_vector_backward(dy)

    def check_input(self, x):
        self.compute_output_shape(x.shape)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim=2 (batch, features), found ndim={len(input_shape)}. "
                             f"Full shape received: {tuple(input_shape)}")
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
