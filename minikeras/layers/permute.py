"""Permute: reorder the non-batch axes of each sample; `dims` counts them from 1.

Forward:  y  = transpose(x, (0, *dims))          e.g. dims=(2, 1): (batch, a, b) -> (batch, b, a)
Backward: dx = transpose(dy, inverse of (0, *dims))
"""

import numbers

import numpy as np

from .base import Layer


def permute_forward(x, dims):
    """y = x with axes (0, *dims).  x: (batch, d1, ..., dk) -> y: (batch, d_dims[0], ...)."""
    return np.transpose(x, (0, *dims))


def permute_backward(dy, dims):
    """dx = dy with the inverse permutation applied, so dx has x's shape."""
    return np.transpose(dy, np.argsort((0, *dims)))


class Permute(Layer):
    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise TypeError(f"Permute's `dims` must be a tuple of integers, got "
                            f"dims={dims!r}.") from None
        if any(isinstance(d, bool) or not isinstance(d, numbers.Integral) for d in dims) or \
                sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of "
                             "indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.dims = tuple(int(d) for d in dims)

    def forward(self, x, training=False):
        return permute_forward(x, self.dims)

    def backward(self, dy):
        return permute_backward(dy, self.dims)

    def check_input(self, x):
        self.compute_output_shape(x.shape)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim={len(self.dims) + 1} for dims={self.dims}, found "
                             f"ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config
