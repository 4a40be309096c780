"""SimpleRNN: the fully connected recurrent layer, Keras 3's weights, defaults and config.

Weights: kernel (features, u), recurrent_kernel (u, u), bias (u,).
Forward at each step t (before the loop, xz = x @ kernel + bias for all steps at once):
    h_t = activation(xz_t + h_{t-1} @ recurrent_kernel)           output_t = h_t
Backward at step t, from the last step down (dh_t = dLoss/dh_t from later steps):
    dz = (dy_t + dh_t) * activation'(h_t)
    drecurrent_kernel += h_{t-1}.T @ dz        dh_{t-1} = dz @ recurrent_kernel.T
and after the loop dkernel = x.T @ dxz, dbias = sum of dxz, dx = dxz @ kernel.T.
The loops are `kernels.rnn.simple_rnn_forward / simple_rnn_backward`; masking, dropout (one
input mask (batch, features) and one recurrent mask (batch, u) per call, as Keras) and
states are the RNN base's (rnn.py).

Differences from Keras: `activation` must be one of linear, tanh, sigmoid, relu,
hard_sigmoid (the compiled loops know these).
"""

from ... import activations, kernels
from .cell_utils import (
    check_units,
    initializers_config,
    input_projection,
    input_projection_backward,
    recurrent_kernel,
    regularizers_constraints_config,
    set_cell_options,
)
from .rnn import RNN


class SimpleRNN(RNN):
    cell_name = "simple_rnn_cell"
    inference_cell = "simple_rnn"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        self.units = check_units(units)
        super().__init__(dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        set_cell_options(
            self, activation, None, use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        self.state_size = [self.units]
        self.kernel = self.recurrent_kernel = self.bias = None

    def input_mask_count(self):
        return 1

    def recurrent_mask_count(self):
        return 1

    def build_cell(self, input_dim):
        u = self.units
        self.kernel = self.add_weight((input_dim, u), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight((u, u), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint,
                                                name="recurrent_kernel")
        if self.use_bias:
            self.bias = self.add_weight((u,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")

    def run_sequence(self, x, states, mask, input_masks, recurrent_masks):
        bias = self.bias.value if self.use_bias else None
        xz = input_projection(x, self.kernel.value, bias, input_masks)
        outputs, h, *cache = kernels.rnn.simple_rnn_forward(
            xz, recurrent_kernel(self), states[0], mask, recurrent_masks, self._codes[0],
            self.zero_output_for_mask)
        self._cache = (x, mask, input_masks, recurrent_masks, *cache)
        return outputs, [h]

    def run_inference(self, x, states):
        """run_sequence's outputs and final state without mask, dropout or cache (RNN.infer)."""
        bias = self.bias.value if self.use_bias else None
        outputs, h = kernels.rnn.simple_rnn_inference(x, self.kernel.value, bias,
                                                      recurrent_kernel(self), states[0],
                                                      self._codes[0])
        return outputs, [h]

    def backprop_sequence(self, doutputs, dfinal_states):
        x, mask, input_masks, recurrent_masks, *cache = self._cache
        dxz, drecurrent_kernel, dh0 = kernels.rnn.simple_rnn_backward(
            doutputs, dfinal_states[0], recurrent_kernel(self), mask, recurrent_masks,
            *cache, self._codes[0], self.zero_output_for_mask)
        dx, dkernel, dbias = input_projection_backward(dxz, x, self.kernel.value, input_masks)
        self.kernel.grad = dkernel
        self.recurrent_kernel.grad = drecurrent_kernel
        if self.use_bias:
            self.bias.grad = dbias
        return dx, [dh0]

    def cell_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **initializers_config(self),
            **regularizers_constraints_config(self),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }
