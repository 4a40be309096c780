"""GRU: the gated recurrent unit, Keras 3's layer with its weights, defaults and config.

Weights (gate order z, r, h along the last axis, as Keras, so they copy unchanged):
    kernel (features, 3u)   recurrent_kernel (u, 3u)
    bias   (2, 3u) with reset_after=True (row 0: input bias, row 1: recurrent bias),
           (3u,) with reset_after=False (input bias only)
Forward at each step t (sigma = recurrent_activation, default sigmoid; act = activation,
default tanh; before the loop, xz = x @ kernel + input_bias for all steps at once;
b = the recurrent bias row, zeros without one):
    z  = sigma(xz_z + h_{t-1} @ U_z + b_z)
    r  = sigma(xz_r + h_{t-1} @ U_r + b_r)
    reset_after=True:   hh = act(xz_h + r * (h_{t-1} @ U_h + b_h))
    reset_after=False:  hh = act(xz_h + (r * h_{t-1}) @ U_h)
    h_t = z * h_{t-1} + (1 - z) * hh                     output_t = h_t
Backward at step t, from the last step down (dh = dLoss/dh_t from the output and later
steps; primes are slopes written with the activations' outputs):
    da  = dh * (1 - z) * act'(hh)          (a: the candidate's pre-activation)
    dz_ = dh * (h_{t-1} - hh) * sigma'(z)
    reset_after:  dr_ = da * (h_{t-1} @ U_h + b_h) * sigma'(r);  dU_h += h_{t-1}.T @ (da * r)
    else:         dr_ = (da @ U_h.T) * h_{t-1} * sigma'(r);       dU_h += (r * h_{t-1}).T @ da
    dU_z += h_{t-1}.T @ dz_       dU_r += h_{t-1}.T @ dr_
    dh_{t-1} = dh * z + dz_ @ U_z.T + dr_ @ U_r.T + (the candidate's path to h_{t-1})
and after the loop dkernel = x.T @ dxz, dinput_bias = sum of dxz (dxz = [dz_, dr_, da]),
dx = dxz @ kernel.T. The loops, with dropout masks and masking written in, are
`kernels.gru.gru_forward / gru_backward` (kernels/numpy_ref/gru.py reads like the equations).

Dropout (Keras 3 semantics): without recurrent_dropout, one input mask (batch, features) for
all three gates; with recurrent_dropout > 0 (Keras switches to implementation 1), three input
masks and three recurrent masks (batch, u), one per gate. Masks are drawn once per call.

Differences from Keras: `activation` and `recurrent_activation` must be one of linear, tanh,
sigmoid, relu, hard_sigmoid (the compiled loops know these); `use_cudnn` is accepted and has
no effect; `implementation` (Keras's legacy argument, popped from the config as Keras does)
only chooses one input-dropout mask (2, default) or three (1).
"""

import numpy as np

from ... import activations, kernels
from .cell_utils import (
    check_units,
    check_use_cudnn,
    initializers_config,
    input_projection,
    input_projection_backward,
    recurrent_kernel,
    regularizers_constraints_config,
    set_cell_options,
)
from .rnn import RNN


class GRU(RNN):
    cell_name = "gru_cell"
    inference_cell = "gru"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
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
        self.reset_after = bool(reset_after)
        self.use_cudnn = use_cudnn
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        self.state_size = [self.units]
        self.kernel = self.recurrent_kernel = self.bias = None

    def input_mask_count(self):
        return 3 if self.implementation == 1 else 1

    def recurrent_mask_count(self):
        return 3

    def build_cell(self, input_dim):
        u = self.units
        self.kernel = self.add_weight((input_dim, 3 * u), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight((u, 3 * u), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint,
                                                name="recurrent_kernel")
        if self.use_bias:
            shape = (2, 3 * u) if self.reset_after else (3 * u,)
            self.bias = self.add_weight(shape, self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")

    def _biases(self):
        """(input bias (3u,) or None, recurrent bias (3u,): zeros unless reset_after)."""
        zeros = np.zeros(3 * self.units, self.dtype)
        if not self.use_bias:
            return None, zeros
        if self.reset_after:
            return self.bias.value[0], np.ascontiguousarray(self.bias.value[1])
        return self.bias.value, zeros

    def run_sequence(self, x, states, mask, input_masks, recurrent_masks):
        input_bias, recurrent_bias = self._biases()
        xz = input_projection(x, self.kernel.value, input_bias, input_masks)
        outputs, h, *cache = kernels.gru.gru_forward(
            xz, recurrent_kernel(self), recurrent_bias, states[0], mask, recurrent_masks,
            *self._codes, self.reset_after, self.zero_output_for_mask)
        self._cache = (x, mask, input_masks, recurrent_masks, *cache)
        return outputs, [h]

    def run_inference(self, x, states):
        """run_sequence's outputs and final state without mask, dropout or cache (RNN.infer)."""
        input_bias, recurrent_bias = self._biases()
        outputs, h = kernels.gru.gru_inference(x, self.kernel.value, input_bias,
                                               recurrent_kernel(self), recurrent_bias,
                                               states[0], *self._codes, self.reset_after)
        return outputs, [h]

    def backprop_sequence(self, doutputs, dfinal_states):
        x, mask, input_masks, recurrent_masks, *cache = self._cache
        dxz, drecurrent_kernel, drecurrent_bias, dh0 = kernels.gru.gru_backward(
            doutputs, dfinal_states[0], recurrent_kernel(self), mask, recurrent_masks, *cache,
            *self._codes, self.reset_after, self.zero_output_for_mask)
        dx, dkernel, dbias = input_projection_backward(dxz, x, self.kernel.value, input_masks)
        self.kernel.grad = dkernel
        self.recurrent_kernel.grad = drecurrent_kernel
        if self.use_bias:
            self.bias.grad = np.stack([dbias, drecurrent_bias]) if self.reset_after else dbias
        return dx, [dh0]

    def cell_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            **initializers_config(self),
            **regularizers_constraints_config(self),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "reset_after": self.reset_after,
            "seed": self.seed,
        }
