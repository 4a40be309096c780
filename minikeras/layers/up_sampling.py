"""UpSampling1D/2D: each element repeated `size` times along each spatial axis (nearest).

Forward:  y[b, i*s + r, c] = x[b, i, c]          for r in 0..s-1 (per spatial axis)
Backward: dx[b, i, c] = sum over r of dy[b, i*s + r, c]
"""

import numpy as np

from . import conv_args
from .base import Layer


class _UpSampling(Layer):
    rank = None

    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        if interpolation != "nearest":
            raise ValueError("minikeras's UpSampling supports interpolation='nearest' only, "
                             f"got interpolation={interpolation!r}.")
        self.size = conv_args.standardize_tuple(size, self.rank, "size")
        self.data_format = conv_args.standardize_data_format(data_format)
        self.interpolation = interpolation
        super().__init__(**kwargs)
        self.built = True

    def check_input(self, x):
        conv_args.check_rank(self, x.shape, self.rank)

    def compute_output_shape(self, input_shape):
        conv_args.check_rank(self, input_shape, self.rank)
        spatial, channels = conv_args.spatial_and_channels(input_shape, self.data_format)
        out = [None if n is None else n * s for n, s in zip(spatial, self.size, strict=True)]
        return conv_args.with_channels(input_shape[0], out, channels, self.data_format)

    def forward(self, x, training=False):
        y = conv_args.to_channels_last(x, self.data_format)
        for axis, s in enumerate(self.size, start=1):
            y = np.repeat(y, s, axis=axis)
        return conv_args.from_channels_last(y, self.data_format)

    def backward(self, dy):
        dy = conv_args.to_channels_last(dy, self.data_format)
        for axis, s in enumerate(self.size, start=1):
            shape = dy.shape
            dy = dy.reshape(*shape[:axis], shape[axis] // s, s, *shape[axis + 1:]).sum(axis + 1)
        return conv_args.from_channels_last(dy, self.data_format)


class UpSampling1D(_UpSampling):
    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
