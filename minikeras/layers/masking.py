"""Masking: mark the timesteps whose features all equal `mask_value` as missing.

Forward (x: (batch, timesteps, features)):
    mask = any(x != mask_value, axis=-1)          (batch, timesteps): True = a real timestep
    y    = where(mask[..., None], x, 0)           masked timesteps become zeros (as Keras)
Backward: dx = where(mask[..., None], dy, 0)
The mask travels with the output (`compute_mask`) to the layers that take one (LSTM, GRU, ...):
Sequential hands it to each later layer's `forward(x, training, mask=mask)`.
"""

import numbers

import numpy as np

from .base import Layer


def timestep_mask(x, mask_value):
    """mask = any(x != mask_value, axis=-1): True where a timestep holds data.

    x: (batch, timesteps, features) (any rank >= 1). Returns bool, x.shape[:-1].
    """
    return np.any(x != mask_value, axis=-1)


def masking_forward(x, mask):
    """y = where(mask[..., None], x, 0).  x: (batch, timesteps, features); mask: x.shape[:-1]."""
    return np.where(mask[..., None], x, x.dtype.type(0))


def masking_backward(dy, mask):
    """dx = where(mask[..., None], dy, 0): masked timesteps pass no gradient."""
    return masking_forward(dy, mask)


class Masking(Layer):
    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise TypeError(f"Masking's `mask_value` must be a number, got "
                            f"mask_value={mask_value!r} (of type {type(mask_value).__name__}).")
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.built = True
        self._mask = None

    def forward(self, x, training=False):
        self._mask = timestep_mask(x, self.mask_value)
        return masking_forward(x, self._mask)

    def backward(self, dy):
        return masking_backward(dy, self._mask)

    def compute_mask(self, inputs, mask=None):
        return timestep_mask(inputs, self.mask_value)

    def check_input(self, x):
        if x.ndim < 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected min_ndim=2 ((batch, timesteps, features)), found "
                             f"ndim={x.ndim}. Full shape received: {x.shape}")

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
