"""ConvLSTM: an LSTM whose input and recurrent matmuls are convolutions (Keras 3's ConvLSTM base
of ConvLSTM1D/2D/3D, with its weights, defaults and config).

Weights (gate order i, f, c, o along the last axis, as Keras, so they copy unchanged):
    kernel (*kernel_size, channels, 4F)   recurrent_kernel (*kernel_size, F, 4F)   bias (4F,)
Forward at each step t (x_t: (batch, *spatial, channels), channels_last):
    z = conv(x_t, kernel; strides, padding, dilation_rate) + bias
        + conv(h_{t-1}, recurrent_kernel; stride 1, 'same')
    i, f, o = recurrent_activation(z_i, z_f, z_o)   g = activation(z_c)
    c_t = f * c_{t-1} + i * g        h_t = o * activation(c_t)        output_t = h_t
The backward pass, through time, is in kernels/numpy_ref/conv_lstm.py (equations and shapes);
masking (a Masking layer upstream, or `mask=`), states, go_backwards, stateful and the
dropout masks are the RNN base's (rnn.py). channels_first data is moved to channels_last and
back around the kernels; states and outputs are in the layer's data_format, as Keras's.

Dropout (Keras 3 semantics): four input masks of the step input's shape and, with
recurrent_dropout, four recurrent masks of h's shape, one per gate, drawn once per call and
used at every step.

Differences from Keras: `activation` and `recurrent_activation` must be one of linear, tanh,
sigmoid, relu, hard_sigmoid (the loops' codes, as LSTM); `filters` must be a positive integer
and `strides` positive (Keras accepts strides=0 and fails later).
"""

import numpy as np

from ... import kernels
from .. import conv_args
from .cell_utils import (
    lstm_options_config,
    set_cell_options,
)
from .rnn import RNN


class ConvLSTM(RNN):
    cell_name = "conv_lstm_cell"
    rank = None
    min_ndim = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        rank = self.rank
        self.filters = conv_args.check_positive_int(filters, "filters")
        self.kernel_size = conv_args.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_args.standardize_tuple(strides, rank, "strides")
        self.padding = conv_args.standardize_padding(padding)
        self.data_format = conv_args.standardize_data_format(data_format)
        self.dilation_rate = conv_args.standardize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("Specifying `strides > 1` is not compatible with `dilation_rate > "
                             "1`. Please provide `strides=1` or `dilation_rate=1`. Received: "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        super().__init__(dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        set_cell_options(
            self, activation, recurrent_activation, use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [self.filters, self.filters]
        self.kernel = self.recurrent_kernel = self.bias = None
        self.spatial = self.out_spatial = self.channels = None

    @property
    def units(self):
        return self.filters

    # ---- shapes -------------------------------------------------------------------------------
    def _step_shape(self, shape):
        """(spatial, channels, output spatial) of an input (batch, T, *step) shape; Keras's
        errors for a wrong rank, an unknown spatial size or channel count, an empty output."""
        shape = tuple(shape)
        if len(shape) != self.rank + 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim={self.rank + 3}, found ndim={len(shape)}. Full "
                             f"shape received: {shape}")
        spatial, channels = conv_args.spatial_and_channels(shape[1:], self.data_format)
        if None in spatial:
            raise ValueError("ConvLSTM layers only support static input shapes for the spatial "
                             f"dimension. Received invalid input shape: input_shape={shape}")
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             f"None. Full input shape received: input_shape={shape}")
        out = [conv_args.output_length(n, k, s, d, self.padding) for n, k, s, d in
               zip(spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True)]
        if any(o <= 0 for o in out):
            raise ValueError(
                "Computed output size would be zero or negative: the kernel is larger than the "
                f"input with padding='valid'. Received inputs shape={shape}, "
                f"kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}, "
                f"strides={self.strides}, padding={self.padding!r}.")
        return tuple(spatial), channels, tuple(out)

    def check_sequence(self, x):
        spatial, channels, _ = self._step_shape(x.shape)
        if self.built and (spatial, channels) != (self.spatial, self.channels):
            step = conv_args.with_channels(None, self.spatial, self.channels,
                                           self.data_format)[1:]
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected shape (batch, timesteps, {', '.join(map(str, step))}), "
                             f"but received an input of shape {x.shape}.")

    def state_shapes(self, batch):
        shape = conv_args.with_channels(batch, self.out_spatial, self.filters, self.data_format)
        return [shape, shape]

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        _, _, out = self._step_shape(input_shape)
        state = conv_args.with_channels(batch, out, self.filters, self.data_format)
        output = (batch, steps, *state[1:]) if self.return_sequences else state
        if self.return_state:
            return [output, state, state]
        return output

    # ---- weights ------------------------------------------------------------------------------
    def input_mask_count(self):
        return 4 if self.dropout > 0 else 1

    def recurrent_mask_count(self):
        return 4 if self.recurrent_dropout > 0 else 1

    def build(self, input_shape):
        self.spatial, self.channels, self.out_spatial = self._step_shape(input_shape)
        f4 = 4 * self.filters
        self.kernel = self.add_weight((*self.kernel_size, self.channels, f4),
                                      self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight((*self.kernel_size, self.filters, f4),
                                                self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint,
                                                name="recurrent_kernel")
        if self.use_bias:
            init, u = self.bias_initializer, self.filters
            if self.unit_forget_bias:
                def init(shape, dtype=None, base=self.bias_initializer):
                    """Keras: [bias_init(F), ones(F), bias_init(2F)], forget gate starts at 1."""
                    return np.concatenate([base((u,), dtype=dtype), np.ones(u, dtype),
                                           base((2 * u,), dtype=dtype)])
            self.bias = self.add_weight((f4,), init, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        self.built = True

    # ---- the time loop ------------------------------------------------------------------------
    def _last(self, a, axis):
        """channels_first -> channels_last: the channel axis `axis` moves to the end."""
        return conv_args.to_channels_last(a, self.data_format, axis)

    def _first(self, a, axis):
        return conv_args.from_channels_last(a, self.data_format, axis)

    @staticmethod
    def _one_if_ones(masks):
        """Four all-ones masks (dropout set, inference) act as one: one convolution, not 4."""
        return masks[:1] if masks.shape[0] > 1 and np.all(masks == 1) else masks

    def run_sequence(self, x, states, mask, input_masks, recurrent_masks):
        x = np.ascontiguousarray(self._last(x, 2))
        h0, c0 = (np.ascontiguousarray(self._last(s, 1)) for s in states)
        input_masks = self._one_if_ones(np.ascontiguousarray(self._last(input_masks, 2)))
        recurrent_masks = self._one_if_ones(
            np.ascontiguousarray(self._last(recurrent_masks, 2)))
        pads = tuple(conv_args.pad_amounts(self.spatial, self.kernel_size, self.strides,
                                           self.dilation_rate, self.padding))
        bias = self.bias.value if self.use_bias else None
        kernel = np.ascontiguousarray(self.kernel.value)
        recurrent_kernel = np.ascontiguousarray(self.recurrent_kernel.value)
        xz = kernels.conv_lstm.conv_lstm_input_forward(x, kernel, bias, input_masks,
                                                       self.strides, self.dilation_rate, pads)
        outputs, h, c, *cache = kernels.conv_lstm.conv_lstm_forward(
            xz, recurrent_kernel, h0, c0, mask, recurrent_masks, *self._codes,
            self.zero_output_for_mask)
        self._cache = (x, mask, input_masks, recurrent_masks, pads, kernel, recurrent_kernel,
                       *cache)
        return self._first(outputs, 2), [self._first(h, 1), self._first(c, 1)]

    def backprop_sequence(self, doutputs, dfinal_states):
        x, mask, input_masks, recurrent_masks, pads, kernel, recurrent_kernel, *cache = \
            self._cache
        dh, dc = (np.ascontiguousarray(self._last(d, 1)) for d in dfinal_states)
        dxz, drecurrent_kernel, dh0, dc0 = kernels.conv_lstm.conv_lstm_backward(
            np.ascontiguousarray(self._last(doutputs, 2)), dh, dc, recurrent_kernel, mask,
            recurrent_masks, *cache, *self._codes, self.zero_output_for_mask)
        dx, dkernel, dbias = kernels.conv_lstm.conv_lstm_input_backward(
            dxz, x, kernel, input_masks, self.strides, self.dilation_rate, pads)
        self.kernel.grad = dkernel
        self.recurrent_kernel.grad = drecurrent_kernel
        if self.use_bias:
            self.bias.grad = dbias
        return self._first(dx, 2), [self._first(dh0, 1), self._first(dc0, 1)]

    # ---- config -------------------------------------------------------------------------------
    def cell_config(self):
        return {**conv_args.geometry_config(self), **lstm_options_config(self)}
