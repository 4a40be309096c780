"""Reshape: give each sample a new shape, `(batch, *target_shape)`; one entry may be -1
(or None, as Keras allows): it is worked out from the input's size.

Forward:  y  = x.reshape(batch, *target_shape)      x: (batch, d1, d2, ...), same size per sample
Backward: dx = dy.reshape(x.shape)
"""

import math
import numbers

from .base import Layer


def check_target_shape(target_shape):
    """Keras's check: a tuple of non-negative ints (or None), at most one of them -1."""
    try:
        target_shape = tuple(target_shape)
    except TypeError:
        raise TypeError("Reshape's `target_shape` must be a tuple of integers, got "
                        f"target_shape={target_shape!r}.") from None
    for dim in target_shape:
        if dim is None:
            continue
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError("Each dimension in `target_shape` must be an integer. "
                            f"Received: target_shape={target_shape}.")
        if dim < -1:
            raise ValueError("Each dimension in `target_shape` must be a non-negative integer, "
                             "or `-1` for a single unknown dimension. "
                             f"Received: target_shape={target_shape}.")
    if target_shape.count(-1) > 1:
        raise ValueError("There must be at most one unknown dimension (-1) in `target_shape`. "
                         f"Received: target_shape={target_shape}.")
    return tuple(None if d is None else int(d) for d in target_shape)


def resolve_target_shape(sample_shape, target_shape):
    """The per-sample output shape, with -1 worked out (None when the input size is unknown).

    sample_shape: the input shape without the batch axis. Raises ValueError when the sizes
    cannot match.
    """
    if target_shape.count(None) + target_shape.count(-1) > 1:
        raise ValueError("Reshape can work out only one unknown dimension (-1 or None). "
                         f"Received: target_shape={target_shape}")
    target_shape = tuple(-1 if d is None else d for d in target_shape)
    if None in sample_shape:
        return tuple(None if d == -1 else d for d in target_shape)
    size = math.prod(sample_shape)
    if -1 not in target_shape:
        if size != math.prod(target_shape):
            raise ValueError("The total size of the tensor must be unchanged. Received: "
                             f"input_shape={tuple(sample_shape)}, target_shape={target_shape}")
        return target_shape
    known = math.prod(d for d in target_shape if d != -1)
    if known == 0 or size % known != 0:
        raise ValueError("The total size of the tensor must be unchanged, but the input size "
                         f"is not divisible by the known sizes. Received: "
                         f"input_shape={tuple(sample_shape)}, target_shape={target_shape}")
    return tuple(size // known if d == -1 else d for d in target_shape)


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = check_target_shape(target_shape)
        self.built = True

    def forward(self, x, training=False):
        self._input_shape = x.shape
        return x.reshape(x.shape[0], *resolve_target_shape(x.shape[1:], self.target_shape))

    def backward(self, dy):
        return dy.reshape(self._input_shape)

    def check_input(self, x):
        resolve_target_shape(x.shape[1:], self.target_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *resolve_target_shape(tuple(input_shape)[1:], self.target_shape))

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
