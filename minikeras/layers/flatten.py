"""Flatten: reshapes (batch, d1, d2, ...) to (batch, d1 * d2 * ...). Backward reshapes back."""

import math

from .base import Layer


class Flatten(Layer):
    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError("`data_format` must be 'channels_last' or 'channels_first', "
                             f"got {data_format!r}.")
        self.data_format = data_format or "channels_last"

    def forward(self, x, training=False):
        self._input_shape = x.shape
        if self.data_format == "channels_first" and x.ndim > 2:
            x = x.transpose(0, *range(2, x.ndim), 1)  # Keras moves channels last first
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        shape = self._input_shape
        if self.data_format == "channels_first" and len(shape) > 2:
            moved = (shape[0], *shape[2:], shape[1])
            return dy.reshape(moved).transpose(0, len(shape) - 1, *range(1, len(shape) - 1))
        return dy.reshape(shape)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        flat = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], flat)

    def check_input(self, x):
        pass  # Flatten accepts any feature shape

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
