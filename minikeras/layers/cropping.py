"""Cropping1D/2D: borders removed from the spatial axes (the inverse of ZeroPadding).

Forward:  y = x without `cropping` elements before and after each spatial axis
Backward: dx = dy with those borders put back as zeros
"""

from . import conv_args
from .base import Layer
from .zero_padding import pairs


class _Cropping(Layer):
    rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        self.cropping = pairs(cropping, self.rank, "cropping")
        self.data_format = conv_args.standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.built = True

    def compute_output_shape(self, input_shape):
        conv_args.check_rank(self, input_shape, self.rank)
        spatial, channels = conv_args.spatial_and_channels(input_shape, self.data_format)
        out = []
        for n, (b, a) in zip(spatial, self.cropping, strict=True):
            if n is not None and b + a >= n:
                raise ValueError(f"`cropping` {self.cropping} leaves nothing of input shape "
                                 f"{tuple(input_shape)} (layer {self.name!r}).")
            out.append(None if n is None else n - b - a)
        return conv_args.with_channels(input_shape[0], out, channels, self.data_format)

    def check_input(self, x):
        self.compute_output_shape(x.shape)

    def forward(self, x, training=False):
        x = conv_args.to_channels_last(x, self.data_format)
        self._shape = x.shape
        return conv_args.from_channels_last(conv_args.unpad_spatial(x, self.cropping),
                                            self.data_format)

    def backward(self, dy):
        dy = conv_args.to_channels_last(dy, self.data_format)
        return conv_args.from_channels_last(conv_args.pad_spatial(dy, self.cropping),
                                            self.data_format)


class Cropping1D(_Cropping):
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping[0]}


class Cropping2D(_Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}
