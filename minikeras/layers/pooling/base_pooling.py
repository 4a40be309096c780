"""The pooling layers' shared class: Max/AveragePooling1D/2D/3D differ in `rank` and `mode`.

Forward (channels_last; channels_first inputs are moved there and back):
    x_padded = pad(x)           'same': TensorFlow's split (conv_args); max pads with -inf
    max:      y = max of each pool_size window, stepping by strides (remember which element)
    average:  y = mean of each window's real (non-padding) elements
Backward: max sends each dy to its window's maximum (the first one in 1-D/2-D; every tied one
in 3-D, as TensorFlow does); average spreads dy / count over the window.
The math is kernels/numpy_ref/pooling.py; this class checks and keeps the cache.
"""

import numpy as np

from ... import kernels
from .. import conv_args
from ..base import Layer


def window_counts(in_spatial, pool_size, strides, pads):
    """count[o] = how many elements of window o are real input (not padding), (*out,)."""
    count = np.ones((), dtype=np.int64)
    for n, k, s, (before, after) in zip(in_spatial, pool_size, strides, pads, strict=True):
        out = (n + before + after - k) // s + 1
        starts = np.arange(out) * s - before                 # first element, in x's indices
        ends = starts + k
        per_axis = np.minimum(ends, n) - np.maximum(starts, 0)
        count = np.multiply.outer(count, per_axis)
    return count


class BasePooling(Layer):
    rank = None
    mode = None  # "max" or "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        self.pool_size = conv_args.standardize_tuple(pool_size, self.rank, "pool_size")
        self.strides = conv_args.standardize_tuple(
            self.pool_size if strides is None else strides, self.rank, "strides")
        self.padding = conv_args.standardize_padding(padding)
        self.data_format = conv_args.standardize_data_format(data_format)
        super().__init__(name=name, **kwargs)
        self.built = True

    def _check_shape(self, shape):
        shape = tuple(shape)
        conv_args.check_rank(self, shape, self.rank)
        spatial, channels = conv_args.spatial_and_channels(shape, self.data_format)
        out = [conv_args.output_length(n, k, s, 1, self.padding)
               for n, k, s in zip(spatial, self.pool_size, self.strides, strict=True)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                "Computed output size would be zero or negative: the pool is larger than the "
                f"input with padding='valid'. Received inputs shape={shape}, "
                f"pool_size={self.pool_size}, strides={self.strides}.")
        return spatial, channels, out

    def compute_output_shape(self, input_shape):
        _, channels, out = self._check_shape(input_shape)
        return conv_args.with_channels(input_shape[0], out, channels, self.data_format)

    def check_input(self, x):
        self._check_shape(x.shape)

    def forward(self, x, training=False):
        x = conv_args.to_channels_last(x, self.data_format)
        pads = conv_args.pad_amounts(x.shape[1:-1], self.pool_size, self.strides,
                                     (1,) * self.rank, self.padding)
        if self.mode == "max":
            xp = conv_args.pad_spatial(x, pads, -np.inf)
            y, arg = kernels.pooling.max_pool_forward(xp, self.pool_size, self.strides)
            # 3-D: TensorFlow sends the gradient to every tied maximum, so keep x and y
            self._cache = (xp.shape, pads, (xp, y) if self.rank == 3 else arg, None)
        else:
            xp = conv_args.pad_spatial(x, pads)
            count = window_counts(x.shape[1:-1], self.pool_size, self.strides, pads)
            y = kernels.pooling.avg_pool_forward(xp, self.pool_size, self.strides, count)
            self._cache = (xp.shape, pads, None, count)
        return conv_args.from_channels_last(y, self.data_format)

    def backward(self, dy):
        padded_shape, pads, arg, count = self._cache
        dy = np.ascontiguousarray(conv_args.to_channels_last(dy, self.data_format))
        if self.mode == "max" and self.rank == 3:
            dxp = kernels.pooling.max_pool_backward_ties(dy, *arg, self.pool_size, self.strides)
        elif self.mode == "max":
            dxp = kernels.pooling.max_pool_backward(dy, arg, padded_shape, self.pool_size,
                                                    self.strides)
        else:
            dxp = kernels.pooling.avg_pool_backward(dy, padded_shape, self.pool_size, self.strides,
                                            count)
        dx = conv_args.unpad_spatial(dxp, pads)
        return conv_args.from_channels_last(dx, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("pool_size", "strides"):
            if isinstance(config.get(key), list):
                config[key] = tuple(config[key])
        return cls(**config)
