"""ZeroPadding1D/2D: zeros added around the spatial axes.

Forward:  y = x with `padding` zeros before and after each spatial axis (channels untouched)
Backward: dx = dy without those borders
Shapes: 1D (batch, steps, channels) -> (batch, before + steps + after, channels);
2D (batch, rows, cols, channels) -> (batch, rows + top + bottom, cols + left + right, channels)
(channels_first: channels on axis 1).
"""

from . import conv_args
from .base import Layer


def pairs(value, rank, name):
    """An int, (a, b) per axis, or one pair per axis -> ((before, after), ...) of ints >= 0."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * rank if rank > 1 else ((value, value),)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        value = (tuple(value),)
    value = tuple(value)
    if len(value) != rank:
        raise ValueError(f"`{name}` must be an int or {rank} pair(s) of ints, got {name}="
                         f"{value!r}.")
    out = []
    for v in value:
        pair = (v, v) if isinstance(v, int) and not isinstance(v, bool) else tuple(v)
        if len(pair) != 2:
            raise ValueError(f"`{name}` must hold (before, after) pairs, got {name}={value!r}.")
        out.append(tuple(conv_args.check_positive_int(p, name, allow_zero=True) for p in pair))
    return tuple(out)


class _ZeroPadding(Layer):
    rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        self.padding = pairs(padding, self.rank, "padding")
        self.data_format = conv_args.standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.built = True

    def check_input(self, x):
        conv_args.check_rank(self, x.shape, self.rank)

    def compute_output_shape(self, input_shape):
        conv_args.check_rank(self, input_shape, self.rank)
        spatial, channels = conv_args.spatial_and_channels(input_shape, self.data_format)
        out = [None if n is None else n + b + a
               for n, (b, a) in zip(spatial, self.padding, strict=True)]
        return conv_args.with_channels(input_shape[0], out, channels, self.data_format)

    def forward(self, x, training=False):
        x = conv_args.to_channels_last(x, self.data_format)
        return conv_args.from_channels_last(conv_args.pad_spatial(x, self.padding),
                                            self.data_format)

    def backward(self, dy):
        dy = conv_args.to_channels_last(dy, self.data_format)
        return conv_args.from_channels_last(conv_args.unpad_spatial(dy, self.padding),
                                            self.data_format)

    def get_config(self):
        config = super().get_config()
        padding = self.padding[0] if self.rank == 1 else self.padding
        config.update({"padding": padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
