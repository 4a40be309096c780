"""GlobalMax/AveragePooling1D/2D/3D: one value per channel, over all spatial positions.

Forward (x channels_last (batch, *spatial, channels); channels_first is moved there):
    average:  y[b, c] = sum over positions p of x[b, p, c] / positions
              (1D with a mask (batch, steps): only the unmasked steps, as Keras)
    max:      y[b, c] = max over positions p of x[b, p, c]
Backward:
    average:  dx[b, p, c] = dy[b, c] / positions              (masked steps get 0)
    max:      dx[b, p, c] = dy[b, c] / ties where x[b, p, c] == y[b, c], else 0
              (TensorFlow's reduce_max gradient shares it equally among equal maxima)
keepdims=True keeps the spatial axes with size 1.
"""

import numpy as np

from .. import conv_args
from ..base import Layer


def global_average_forward(x, mask):
    """x (batch, positions, channels), mask (batch, positions) of 0/1 or None -> (batch, ch)."""
    if mask is None:
        return x.mean(axis=1)
    return (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1)[:, None]


def global_average_backward(dy, positions, mask):
    if mask is None:
        return np.repeat(dy[:, None, :] / dy.dtype.type(positions), positions, axis=1)
    return mask[..., None] * (dy / mask.sum(axis=1)[:, None])[:, None, :]


def global_max_forward(x):
    return x.max(axis=1)


def global_max_backward(dy, x, y):
    hits = (x == y[:, None, :]).astype(dy.dtype)
    return hits * (dy / hits.sum(axis=1))[:, None, :]


class BaseGlobalPooling(Layer):
    rank = None
    mode = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        self.data_format = conv_args.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        super().__init__(**kwargs)
        self.built = True

    def _check_shape(self, shape):
        conv_args.check_rank(self, shape, self.rank)

    def check_input(self, x):
        self._check_shape(x.shape)

    def compute_output_shape(self, input_shape):
        self._check_shape(input_shape)
        _, channels = conv_args.spatial_and_channels(input_shape, self.data_format)
        if not self.keepdims:
            return (input_shape[0], channels)
        return conv_args.with_channels(input_shape[0], (1,) * self.rank, channels,
                                       self.data_format)

    def forward(self, x, training=False, mask=None):
        x = conv_args.to_channels_last(x, self.data_format)
        shape = x.shape
        rows = x.reshape(shape[0], -1, shape[-1])          # (batch, positions, channels)
        if self.mode == "max":
            y = global_max_forward(rows)
        else:
            if mask is not None:
                mask = np.asarray(mask).reshape(shape[0], -1).astype(x.dtype)
            y = global_average_forward(rows, mask)
        self._cache = (shape, rows, y, mask)
        if self.keepdims:
            y = conv_args.from_channels_last(y.reshape(shape[0], *(1,) * self.rank, -1),
                                             self.data_format)
        return y

    def backward(self, dy):
        shape, rows, y, mask = self._cache
        dy = dy.reshape(shape[0], shape[-1])
        if self.mode == "max":
            dx = global_max_backward(dy, rows, y)
        else:
            dx = global_average_backward(dy, rows.shape[1], mask)
        return conv_args.from_channels_last(dx.reshape(shape), self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


def _make(name, rank, mode, masking=False):
    doc = f"{name}: the {mode} over every spatial position (global_pooling.py)."
    attrs = {"rank": rank, "mode": mode, "__doc__": doc, "accepts_mask": masking}
    return type(name, (BaseGlobalPooling,), attrs)


GlobalAveragePooling1D = _make("GlobalAveragePooling1D", 1, "average", masking=True)
GlobalAveragePooling2D = _make("GlobalAveragePooling2D", 2, "average")
GlobalAveragePooling3D = _make("GlobalAveragePooling3D", 3, "average")
GlobalMaxPooling1D = _make("GlobalMaxPooling1D", 1, "max")
GlobalMaxPooling2D = _make("GlobalMaxPooling2D", 2, "max")
GlobalMaxPooling3D = _make("GlobalMaxPooling3D", 3, "max")
