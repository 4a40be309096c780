"""Dense: the fully connected layer, `output = activation(x @ kernel + bias)`.

Forward (x: (batch, input_dim); inputs of higher rank act on the last axis):
    z = x @ kernel + bias                  kernel: (input_dim, units), bias: (units,)
    y = activation(z)                      y: (batch, units)
Backward, given dy = dLoss/dy:
    dz      = activation'(z) * dy          (softmax: the Jacobian-vector product)
    dkernel = x.T @ dz
    dbias   = sum over the batch of dz
    dx      = dz @ kernel.T
The math lives in `kernels.dense.dense_forward/dense_backward` and `activations.backward`; this
class creates the weights and keeps what backward needs.
"""

import numbers

import numpy as np

from .. import activations, constraints, initializers, kernels, legacy, regularizers
from .base import Layer
from .weight_options import set_weight_options


class Dense(Layer):
    min_ndim = 2
    supports_masking = True  # a mask passes through, as in Keras 3

    @legacy.renamed_kwargs({"output_dim": "units", "init": "kernel_initializer",
                            "W_regularizer": "kernel_regularizer",
                            "b_regularizer": "bias_regularizer",
                            "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint",
                            "bias": "use_bias"})
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        if lora_rank is not None or quantization_config is not None:
            raise ValueError("minikeras's Dense does not support LoRA or quantization "
                             f"(got lora_rank={lora_rank!r}, "
                             f"quantization_config={quantization_config!r}).")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_options(
            self, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(input_dim, self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def forward(self, x, training=False):
        lead_shape = x.shape[:-1]
        # (batch * ..., input_dim), C-ordered: a strided input (an RNN's last step
        # outputs[:, -1]) would compile the kernels a second time for its layout
        x2 = np.ascontiguousarray(x.reshape(-1, x.shape[-1]))
        bias = self.bias.value if self.use_bias else None
        z = kernels.dense.dense_forward(x2, self.kernel.value, bias)
        y = self.activation(z)
        self._cache = (x2, z, y, lead_shape)
        return y.reshape(*lead_shape, self.units)

    def backward(self, dy):
        x2, z, y, lead_shape = self._cache
        dz = activations.backward(self.activation, dy.reshape(-1, self.units), z, y)
        return self.backward_from_logits(dz)

    @property
    def logits(self):
        """z = x @ kernel + bias from the last forward pass (the activation's input)."""
        x2, z, y, lead_shape = self._cache
        return z.reshape(*lead_shape, self.units)

    def backward_from_logits(self, dz):
        """Backward from dLoss/dz, skipping the activation (crossentropy-from-logits path)."""
        x2, z, y, lead_shape = self._cache
        dz = dz.reshape(-1, self.units)
        dx, dkernel, dbias = kernels.dense.dense_backward(dz, x2, self.kernel.value)
        self.kernel.grad = dkernel
        if self.use_bias:
            self.bias.grad = dbias
        return dx.reshape(*lead_shape, x2.shape[-1])

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        return config
