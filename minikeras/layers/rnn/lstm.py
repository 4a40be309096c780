"""LSTM: long short-term memory, Keras 3's layer with its weights, defaults and config.

Weights (gate order i, f, c, o along the last axis, as Keras, so they copy unchanged):
    kernel (features, 4u)   recurrent_kernel (u, 4u)   bias (4u,)
Forward at each step t (sigma = recurrent_activation, default sigmoid; act = activation,
default tanh; before the loop, xz = x @ kernel + bias for all steps at once):
    [z_i z_f z_c z_o] = xz_t + h_{t-1} @ recurrent_kernel
    i = sigma(z_i)   f = sigma(z_f)   g = act(z_c)   o = sigma(z_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * act(c_t)                                      output_t = h_t
Backward at step t, from the last step down (dh_t, dc_t: dLoss/d of the states; a = act(c_t)):
    dh = dy_t + dh_t                                    (dy_t: from this step's output)
    dc = dc_t + dh * o * act'(a)
    dz_i = dc * g * sigma'(i)     dz_f = dc * c_{t-1} * sigma'(f)
    dz_c = dc * i * act'(g)       dz_o = dh * a * sigma'(o)
    drecurrent_kernel += h_{t-1}.T @ dz      dh_{t-1} = dz @ recurrent_kernel.T
    dc_{t-1} = dc * f
and after the loop dkernel = x.T @ dxz, dbias = sum of dxz, dx = dxz @ kernel.T.
The loops are `kernels.rnn.lstm_forward / lstm_backward` (kernels/numpy_ref/rnn.py reads like
these equations); masking, dropout and states are the RNN base's (rnn.py).

Dropout (Keras 3 semantics): without recurrent_dropout, one input mask (batch, features)
for all four gates; with recurrent_dropout > 0 (Keras switches to implementation 1), four
input masks and four recurrent masks (batch, u), one per gate. Masks are drawn once per call
and used at every step.

Differences from Keras: `activation` and `recurrent_activation` must be one of linear, tanh,
sigmoid, relu, hard_sigmoid (the compiled loops know these); `use_cudnn` and
`implementation` are accepted and have no effect.
"""

import numpy as np

from ... import kernels
from .cell_utils import (
    check_units,
    check_use_cudnn,
    input_projection,
    input_projection_backward,
    lstm_options_config,
    recurrent_kernel,
    set_cell_options,
)
from .rnn import RNN


class LSTM(RNN):
    cell_name = "lstm_cell"
    inference_cell = "lstm"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", implementation=2, **kwargs):
        check_use_cudnn(use_cudnn)
        self.units = check_units(units)
        super().__init__(dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        set_cell_options(
            self, activation, recurrent_activation, use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.use_cudnn = use_cudnn
        self.state_size = [self.units, self.units]
        self.kernel = self.recurrent_kernel = self.bias = None

    def input_mask_count(self):
        return 4 if self.recurrent_dropout > 0 else 1

    def recurrent_mask_count(self):
        return 4

    def build_cell(self, input_dim):
        u = self.units
        self.kernel = self.add_weight((input_dim, 4 * u), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight((u, 4 * u), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint,
                                                name="recurrent_kernel")
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                def init(shape, dtype=None, base=self.bias_initializer):
                    """Keras: [bias_init(u), ones(u), bias_init(2u)], forget gate starts at 1."""
                    return np.concatenate([base((u,), dtype=dtype), np.ones(u, dtype),
                                           base((2 * u,), dtype=dtype)])
            self.bias = self.add_weight((4 * u,), init, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")

    def run_sequence(self, x, states, mask, input_masks, recurrent_masks):
        bias = self.bias.value if self.use_bias else None
        xz = input_projection(x, self.kernel.value, bias, input_masks)
        outputs, h, c, *cache = kernels.rnn.lstm_forward(
            xz, recurrent_kernel(self), states[0], states[1], mask, recurrent_masks,
            *self._codes, self.zero_output_for_mask)
        self._cache = (x, mask, input_masks, recurrent_masks, *cache)
        return outputs, [h, c]

    def run_inference(self, x, states):
        """run_sequence's outputs and final states without mask, dropout or cache (RNN.infer)."""
        bias = self.bias.value if self.use_bias else None
        outputs, h, c = kernels.rnn.lstm_inference(x, self.kernel.value, bias,
                                                   recurrent_kernel(self), states[0], states[1],
                                                   *self._codes)
        return outputs, [h, c]

    def backprop_sequence(self, doutputs, dfinal_states):
        x, mask, input_masks, recurrent_masks, *cache = self._cache
        dxz, drecurrent_kernel, dh0, dc0 = kernels.rnn.lstm_backward(
            doutputs, dfinal_states[0], dfinal_states[1], recurrent_kernel(self), mask,
            recurrent_masks, *cache, *self._codes, self.zero_output_for_mask)
        dx, dkernel, dbias = input_projection_backward(dxz, x, self.kernel.value, input_masks)
        self.kernel.grad = dkernel
        self.recurrent_kernel.grad = drecurrent_kernel
        if self.use_bias:
            self.bias.grad = dbias
        return dx, [dh0, dc0]

    def cell_config(self):
        return {
            "units": self.units,
            **lstm_options_config(self),
        }
