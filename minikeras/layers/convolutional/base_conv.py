"""The convolution layers' shared class: Conv1D, Conv2D and Conv3D differ only in `rank`.

Forward (channels_last; channels_first inputs are moved there and back):
    x_padded = pad(x)                                   'valid': none; 'same'/'causal': conv_args
    z = conv(x_padded, kernel, strides, dilation_rate, groups) + bias
    y = activation(z)
Backward, given dy:
    dz = activation'(z) * dy
    dx_padded, dkernel, dbias = conv_backward(dz, ...);  dx = dx_padded without the padding
The math is `kernels.conv.conv_forward/conv_backward` (kernels/numpy_ref/conv.py reads like the
equations); this class checks arguments, creates the weights and keeps what backward needs.
The library's linear, relu, tanh and sigmoid run inside those kernels (`activation=` a code
of kernels/codes.py: y from conv_forward, dz from dy and y in conv_backward; the same
expressions as the activation functions, so the same numbers; float64 tanh to rounding);
any other activation, or one with a derivative registered over it, runs on z after the
kernel, and its derivative before it.

Weights as Keras: kernel (*kernel_size, in_channels / groups, filters), bias (filters,).
"""

import numpy as np

from ... import activations, constraints, initializers, kernels, regularizers
from ...kernels import codes
from .. import conv_args, legacy_args
from ..base import Layer
from ..weight_options import set_weight_options

# The activations the convolution kernels apply themselves (by code).
KERNEL_ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")


class BaseConv(Layer):
    runs_threaded_loops = True
    rank = None

    @property
    def weights_input_axis(self):
        """The channels axis: the kernel's input-channel dimension was made from it."""
        return 1 if self.data_format == "channels_first" else -1

    @legacy_args.accepts(legacy_args.CONV)
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        if lora_rank is not None:
            raise ValueError(f"minikeras's {type(self).__name__} does not support LoRA "
                             f"(got lora_rank={lora_rank!r}).")
        rank = self.rank
        self.filters = conv_args.check_positive_int(filters, "filters")
        self.groups = conv_args.check_positive_int(groups, "groups")
        if self.filters % self.groups:
            raise ValueError("The number of filters must be evenly divisible by the number of "
                             f"groups. Received: groups={groups}, filters={filters}.")
        self.kernel_size = conv_args.standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_args.standardize_tuple(strides, rank, "strides")
        self.dilation_rate = conv_args.standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = conv_args.standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = conv_args.standardize_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > "
                             f"1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.kernel = None
        self.bias = None

    # ---- shapes ---------------------------------------------------------------------------
    def _check_shape(self, shape):
        """Keras's errors for a wrong rank, a bad channel count or an empty output."""
        shape = tuple(shape)
        conv_args.check_rank(self, shape, self.rank)
        spatial, channels = conv_args.spatial_and_channels(shape, self.data_format)
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs to {type(self).__name__} "
                             f"should be defined. Received input shape {shape} "
                             f"(data_format={self.data_format!r}).")
        if channels % self.groups:
            raise ValueError("The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {channels} channels (full input shape is {shape}).")
        out = [conv_args.output_length(n, k, s, d, self.padding) for n, k, s, d in
               zip(spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(
                "Computed output size would be zero or negative: the kernel is larger than the "
                f"input with padding='valid'. Received inputs shape={shape}, "
                f"kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}, "
                f"strides={self.strides}, padding={self.padding!r}.")
        return spatial, channels, out

    def compute_output_shape(self, input_shape):
        _, _, out = self._check_shape(input_shape)
        return conv_args.with_channels(input_shape[0], out, self.filters, self.data_format)

    def build(self, input_shape):
        _, channels, _ = self._check_shape(input_shape)
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels // self.groups, self.filters), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def check_input(self, x):
        _, channels, _ = self._check_shape(x.shape)
        expected = self.kernel.shape[-2] * self.groups
        if channels != expected:
            axis = 1 if self.data_format == "channels_first" else -1
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected axis {axis} of input shape to have value {expected}, "
                             f"but received input with shape {x.shape}")

    # ---- forward / backward ---------------------------------------------------------------
    def kernel_activation(self):
        """The code of the activation when the kernels apply it (the library's own linear,
        relu, tanh or sigmoid, no derivative registered over it, float32 or float64 weights),
        else None."""
        if self.kernel.value.dtype not in (np.float32, np.float64):
            return None  # float16: the activation functions compute in float32
        return activations.kernel_code(self.activation, KERNEL_ACTIVATIONS)

    def forward(self, x, training=False):
        x = conv_args.to_channels_last(x, self.data_format)
        pads = conv_args.pad_amounts(x.shape[1:-1], self.kernel_size, self.strides,
                                     self.dilation_rate, self.padding)
        xp = conv_args.pad_spatial(x, pads)
        bias = self.bias.value if self.use_bias else None
        code = self.kernel_activation()
        out = kernels.conv.conv_forward(xp, self.kernel.value, bias, self.strides,
                                        self.dilation_rate, self.groups,
                                        codes.LINEAR if code is None else code)
        z, y = (None, out) if code is not None else (out, self.activation(out))
        self._cache = (xp, pads, z, y, code)
        return conv_args.from_channels_last(y, self.data_format)

    def backward(self, dy, need_dx=True):
        xp, pads, z, y, code = self._cache
        dy = conv_args.to_channels_last(dy, self.data_format)
        if code is None:  # the activation's derivative here; the kernel starts from dz
            dy, code = activations.backward(self.activation, dy, z, y), codes.LINEAR
        dxp, dkernel, dbias = kernels.conv.conv_backward(dy, xp, self.kernel.value, self.strides,
                                                         self.dilation_rate, self.groups, need_dx,
                                                         code, y)
        self.kernel.grad = dkernel
        if self.use_bias:
            self.bias.grad = dbias
        if not need_dx:
            return None
        dx = conv_args.unpad_spatial(dxp, pads)
        return conv_args.from_channels_last(dx, self.data_format)

    def backward_weights(self, dy):
        """The weights' gradients only: no dcols GEMM, no col2im (the model's first layer)."""
        self.backward(dy, need_dx=False)

    def get_config(self):
        config = super().get_config()
        config.update({
            **conv_args.geometry_config(self),
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("kernel_size", "strides", "dilation_rate"):  # JSON gives lists
            if isinstance(config.get(key), list):
                config[key] = tuple(config[key])
        return cls(**config)
