"""Bidirectional: run a recurrent layer forward and a copy of it backward in time, and merge.

Forward (x: (batch, T, features); y_f, y_b: each direction's output, (batch, T, u) with
return_sequences else (batch, u)):
    y_f = forward_layer(x)            a copy of `layer`, named forward_<name>
    y_b = backward_layer(x)           go_backwards=True, named backward_<name> (or yours)
    y_b = y_b reversed in time        (return_sequences only: back into input order)
    concat: y = [y_f, y_b] on the last axis     sum: y = y_f + y_b
    ave:    y = (y_f + y_b) / 2                  mul: y = y_f * y_b
    None:   [y_f, y_b]
Backward, given dy:
    concat: dy_f, dy_b = dy[..., :u], dy[..., u:]     sum: dy_f = dy_b = dy
    ave:    dy_f = dy_b = dy / 2                       mul: dy_f = dy * y_b, dy_b = dy * y_f
    dy_b reversed in time (return_sequences), then dx = forward.backward(dy_f)
    + backward.backward(dy_b); each direction fills its own weights' grads.
With return_state the output is [y, *forward states, *backward states] (with merge_mode=None
[y_f, y_b, *states]); `initial_state=` is split in half the same way.

Keras's rules: both directions return zeros at masked steps when returning sequences
(zero_output_for_mask = return_sequences); the two layers must differ in go_backwards and agree
in stateful, return_sequences and return_state. Weights: forward's then backward's, at
`<bidirectional>/forward_<name>/<cell>/<weight>` as Keras (here also for a layer that was
built before it was wrapped, e.g. by `deserialize`; Keras keeps that one's old path).

Differences from Keras: the wrapped layer must be one of minikeras's recurrent layers
(SimpleRNN, LSTM, GRU); a non-recurrent layer is a ValueError here, not a later crash.
"""

import numpy as np

from ..base import Layer, to_numeric_array
from .rnn import RNN
from .time_distributed import check_wrapped, deserialize_nested, nest_path, serialize_nested

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy(layer, name, **changes):
    """A fresh, unbuilt layer with `layer`'s config, renamed (Keras re-creates it)."""
    config = {**layer.get_config(), "name": name, **changes}
    return type(layer).from_config(config)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def merge(y_f, y_b, mode):
    """The merged output of both directions (module docstring); None -> [y_f, y_b]."""
    if mode == "concat":
        return np.concatenate([y_f, y_b], axis=-1)
    if mode == "sum":
        return y_f + y_b
    if mode == "ave":
        return (y_f + y_b) / 2
    if mode == "mul":
        return y_f * y_b
    return [y_f, y_b]


def merge_backward(dy, y_f, y_b, mode):
    """(dy_f, dy_b) from dLoss/d(merged output); for mode None, dy is [dy_f, dy_b]."""
    if mode == "concat":
        u = y_f.shape[-1]
        return dy[..., :u], dy[..., u:]
    if mode == "sum":
        return dy, dy
    if mode == "ave":
        return dy / 2, dy / 2
    if mode == "mul":
        return dy * y_b, dy * y_f
    return dy[0], dy[1]


class Bidirectional(Layer):
    min_ndim = 3
    supports_masking = True
    accepts_mask = True

    @property
    def runs_threaded_loops(self):
        return self.forward_layer.runs_threaded_loops or self.backward_layer.runs_threaded_loops

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        check_wrapped(layer, "Bidirectional")
        if backward_layer is not None:
            check_wrapped(backward_layer, "Bidirectional")
        for argname, value in (("layer", layer), ("backward_layer", backward_layer)):
            if value is not None and not isinstance(value, RNN):
                raise ValueError(f"`{argname}` of Bidirectional must be a recurrent layer "
                                 f"(SimpleRNN, LSTM, GRU); received {value!r}.")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, f"forward_{_strip(layer.name, 'forward_')}")
        self.backward_layer = backward_layer if backward_layer is not None else _copy(
            layer, f"backward_{_strip(layer.name, 'backward_')}", go_backwards=True)
        self._verify_layer_config()
        for direction in (self.forward_layer, self.backward_layer):
            direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.initial_state_grads = None

    def _verify_layer_config(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             f"`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{fwd.go_backwards}, backward_layer.go_backwards="
                             f"{bwd.go_backwards}")
        for attribute in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attribute) != getattr(bwd, attribute):
                raise ValueError("Forward layer and backward layer are expected to have the "
                                 f'same value for attribute "{attribute}", got '
                                 f'"{getattr(fwd, attribute)}" for forward layer and '
                                 f'"{getattr(bwd, attribute)}" for backward layer')

    # ---- weights and states --------------------------------------------------------------
    def build(self, input_shape):
        for direction in (self.forward_layer, self.backward_layer):
            nest_path(direction, self.path)
            direction.build_from_shape(input_shape)
        self._weights = self.forward_layer._weights + self.backward_layer._weights
        self.built = True
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    @property
    def states(self):
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        self.reset_state()

    # ---- the protocol --------------------------------------------------------------------
    def check_input(self, x):
        self.forward_layer.check_sequence(x)

    def __call__(self, inputs, initial_state=None, mask=None, training=False):
        x = to_numeric_array(inputs, self.dtype)
        self.check_input(x)
        self.build_from_shape(x.shape)
        self.check_input(x)
        return self.forward(x, training=training, mask=mask, initial_state=initial_state)

    def forward(self, x, training=False, mask=None, initial_state=None):
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
        y_f = self.forward_layer.forward(x, training=training, mask=mask,
                                         initial_state=forward_state)
        y_b = self.backward_layer.forward(x, training=training, mask=mask,
                                          initial_state=backward_state)
        states = []
        if self.return_state:
            states = [*y_f[1:], *y_b[1:]]
            y_f, y_b = y_f[0], y_b[0]
        if self.return_sequences:
            y_b = y_b[:, ::-1]
        self._cache = (y_f, y_b)
        output = merge(y_f, y_b, self.merge_mode)
        if self.return_state:
            return [*output, *states] if self.merge_mode is None else [output, *states]
        return output

    def backward(self, dy):
        """dy: dLoss/d(output); with return_state the list the forward returned, grads for
        each (None = 0); with merge_mode=None [dy_f, dy_b, ...]."""
        y_f, y_b = self._cache
        dstates = []
        if self.return_state:
            outputs = 2 if self.merge_mode is None else 1
            dy, dstates = (dy[:2] if outputs == 2 else dy[0]), list(dy[outputs:])
        dy_f, dy_b = merge_backward(self._zero_if_none(dy, y_f, y_b), y_f, y_b,
                                    self.merge_mode)
        if self.return_sequences:
            dy_b = dy_b[:, ::-1]
        n = len(self.forward_layer.state_size)
        if self.return_state:
            dy_f, dy_b = [dy_f, *dstates[:n]], [dy_b, *dstates[n:]]
        dx = self.forward_layer.backward(dy_f) + self.backward_layer.backward(dy_b)
        self.initial_state_grads = [*self.forward_layer.initial_state_grads,
                                    *self.backward_layer.initial_state_grads]
        return dx

    def _zero_if_none(self, dy, y_f, y_b):
        if self.merge_mode is None:
            return [np.zeros_like(y) if d is None else np.asarray(d, y.dtype)
                    for d, y in zip(dy, (y_f, y_b), strict=True)]
        if dy is None:
            return np.zeros_like(merge(y_f, y_b, self.merge_mode))
        return np.asarray(dy, y_f.dtype)

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        state_shapes = []
        if self.return_state:
            output_shape, state_shapes = output_shape[0], list(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = (*output_shape[:-1], output_shape[-1] * 2)
        if self.merge_mode is None:
            outputs = [output_shape, output_shape]
        else:
            outputs = [output_shape]
        if self.return_state:
            return [*outputs, *state_shapes, *state_shapes]
        return outputs[0] if self.merge_mode is not None else outputs

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = mask if self.merge_mode else [mask, mask]
        else:
            output_mask = None if self.merge_mode else [None, None]
        if self.return_state and self.states is not None:
            state_masks = [None] * len(self.states)
            if isinstance(output_mask, list):
                return output_mask + state_masks
            return [output_mask, *state_masks]
        return output_mask

    # ---- config --------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = serialize_nested(self.forward_layer)
        config["backward_layer"] = serialize_nested(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["layer"] = deserialize_nested(config["layer"])
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_nested(backward)
        return cls(**config)

    def nested_layers(self):
        """[(attribute, layer)]: each direction's RNN under the attribute name Keras saves its
        weights by (`forward_layer/cell/vars`, `backward_layer/cell/vars`)."""
        return [("forward_layer", self.forward_layer), ("backward_layer", self.backward_layer)]
