"""TimeDistributed: apply one layer, with one set of weights, to every time step of a sequence.

Forward (x: (batch, T, *features); the wrapped layer maps (n, *features) -> (n, *out)):
    y[:, t] = layer(x[:, t])  for every t, computed as one call on the folded batch:
    y = layer(x.reshape(batch * T, *features)).reshape(batch, T, *out)
Backward, given dy (batch, T, *out):
    dx = layer.backward(dy.reshape(batch * T, *out)).reshape(batch, T, *features)
and the wrapped layer's weight gradients are its own backward's (summed over every step, since
the folded batch holds every step). Keras loops over the steps; folding gives the same numbers
with one call.

Weights are the wrapped layer's, at Keras's paths (`<wrapper>/<layer>/<weight>`, also for a
layer built before it was wrapped, whose path Keras leaves alone); get_config
nests the layer as Keras writes it: {"layer": {"module", "class_name", "config", ...}}.

Differences from Keras: the wrapped layer must act on each sample independently (Dense,
Activation, Dropout, Flatten, ...); a recurrent layer inside TimeDistributed is not supported.
A Dropout inside draws its mask for the folded batch (independent per step, as in Keras).
"""

import numpy as np

from ..base import Layer, serialize_layer, to_numeric_array


def deserialize_nested(spec):
    """Rebuild a wrapped layer from Keras's serialized dict (recurrent layers and wrappers
    included): `minikeras.layers.deserialize`, after checking it is a dict."""
    from .. import deserialize  # the layers package, which holds this module

    if not isinstance(spec, dict):
        raise TypeError(f"A nested layer must be given as Keras's serialized dict "
                        f"{{'class_name': ..., 'config': ...}}; received {spec!r}.")
    return deserialize(spec)


def serialize_nested(layer):
    """Keras's serialized dict of a layer (with its build_config once built)."""
    return serialize_layer(layer)


def nest_path(layer, parent_path):
    """Put a wrapped layer (and any weights it already has) under its wrapper's path, as Keras
    names the weights of a layer built inside a wrapper: `<wrapper>/<layer>/...`."""
    prefix = f"{parent_path}/"
    if not layer.path.startswith(prefix):
        layer.path = prefix + layer.path
    for variable in layer.weights:
        if not variable.path.startswith(prefix):
            variable.path = prefix + variable.path


def check_wrapped(layer, wrapper):
    if not isinstance(layer, Layer):
        raise ValueError(f"Please initialize `{wrapper}` layer with a `keras.layers.Layer` "
                         f"instance. Received: {layer!r}")
    return layer


class TimeDistributed(Layer):
    min_ndim = 3
    supports_masking = True

    @property
    def runs_threaded_loops(self):
        return self.layer.runs_threaded_loops

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = check_wrapped(layer, "TimeDistributed")
        if getattr(layer, "state_size", None) is not None:
            raise ValueError("minikeras's TimeDistributed wraps layers that act on each sample "
                             f"(Dense, Activation, ...); received the recurrent layer "
                             f"{layer.name!r}.")

    @staticmethod
    def _child_shape(input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        nest_path(self.layer, self.path)
        self.layer.build_from_shape(self._child_shape(input_shape))
        self._weights = self.layer._weights
        self.built = True

    def check_input(self, x):
        if x.ndim < 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             "expected an input of shape (batch, timesteps, ...) with at least "
                             f"3 dimensions, but received an input of shape {x.shape}.")
        self.layer.check_input(x.reshape(-1, *x.shape[2:]))

    def __call__(self, inputs, training=False, mask=None):
        x = to_numeric_array(inputs, self.dtype)
        if x.ndim < 3:
            self.check_input(x)
        self.build_from_shape(x.shape)
        self.check_input(x)
        return self.forward(x, training=training)

    def forward(self, x, training=False):
        batch, steps = x.shape[:2]
        y = self.layer.forward(x.reshape(batch * steps, *x.shape[2:]), training=training)
        self._lead = (batch, steps)
        return y.reshape(batch, steps, *y.shape[1:])

    def backward(self, dy):
        batch, steps = self._lead
        dx = self.layer.backward(np.asarray(dy).reshape(batch * steps, *dy.shape[2:]))
        return dx.reshape(batch, steps, *dx.shape[1:])

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_nested(self.layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(deserialize_nested(config.pop("layer")), **config)

    def nested_layers(self):
        """[(attribute, layer)]: the layer this wrapper holds, under the attribute name Keras
        saves its weights by (`layer/vars` in `.keras`/`.weights.h5`)."""
        return [("layer", self.layer)]
