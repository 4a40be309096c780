"""Activation: applies an activation function on its own, `y = activation(x)`.

Backward: dx = activation'(x) * dy (softmax: y * (dy - sum(dy * y))), via `activations.backward`.
"""

from .. import activations
from .base import Layer


class Activation(Layer):
    supports_masking = True
    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def forward(self, x, training=False):
        y = self.activation(x)
        self._cache = (x, y)
        return y

    def backward(self, dy):
        x, y = self._cache
        return activations.backward(self.activation, dy, x, y)

    @property
    def logits(self):
        """The activation's input from the last forward pass."""
        return self._cache[0]

    def backward_from_logits(self, dz):
        """Backward from dLoss/d(input) directly (crossentropy-from-logits path)."""
        return dz

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
