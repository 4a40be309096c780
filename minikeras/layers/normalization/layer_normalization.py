"""LayerNormalization: normalize each sample over its feature axis (or axes), then scale/shift.

Forward (the `axis` axes are normalized together; every other index is its own row):
    mean, variance = moments of each row's features (variance divides by the count)
    y = gamma * (x - mean) / sqrt(variance + epsilon) + beta        gamma, beta: the axes' shape
Backward: kernels/numpy_ref/normalization.py (layer_norm_backward) has the formulas.
Weights as Keras: gamma (scale=True), beta (center=True), trainable, shaped like the axes.
"""

import numbers

import numpy as np

from ... import constraints, initializers, kernels, regularizers
from ..base import Layer
from ..weight_options import set_weight_options


class LayerNormalization(Layer):
    supports_masking = True

    @property
    def weights_input_axis(self):
        """The normalized axis (gamma and beta have its size); None for several axes."""
        return None if isinstance(self.axis, (list, tuple)) else self.axis

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if kwargs.pop("rms_scaling", False):
            raise ValueError("minikeras's LayerNormalization does not support the deprecated "
                             "rms_scaling=True (Keras warns that it scales by the variance).")
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
            if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                       for a in axis):
                raise TypeError(f"`axis` must be an int or a list of ints, got axis={axis!r}.")
            if any(a < 0 for a in axis) and any(a >= 0 for a in axis):
                # Keras 3.15 sorts the raw values (-1 before 1), shapes gamma in that order
                # and then reshapes it to the axes' natural order: the scales land on the
                # wrong features. minikeras refuses instead of copying that.
                raise ValueError("LayerNormalization's `axis` mixes negative and non-negative "
                                 f"axes (axis={axis!r}); write them all one way, e.g. all "
                                 "non-negative.")
        elif isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or epsilon <= 0:
            raise ValueError(f"`epsilon` must be a positive number, got epsilon={epsilon!r}.")
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self.center, self.scale = bool(center), bool(scale)
        set_weight_options(
            self, beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.gamma = self.beta = None

    def _axes(self, ndim):
        """The normalized axes as sorted non-negative ints, checked against the rank."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -ndim <= a < ndim:
                raise ValueError(f"Axis {a} is out of bounds for an input of rank {ndim}. "
                                 f"Received: axis={self.axis}")
        return sorted({a % ndim for a in axes})

    def build(self, input_shape):
        axes = self._axes(len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"The normalized axes of {self.name!r} must be defined; got input "
                             f"shape {tuple(input_shape)} for axis={self.axis}.")
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]  # Keras
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self._shape = shape
        self.built = True

    def check_input(self, x):
        axes = self._axes(x.ndim)
        if tuple(x.shape[a] for a in axes) != self._shape:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected axes {self.axis} of input shape to have sizes "
                             f"{self._shape}, but received input with shape {x.shape}")

    def _rows(self, x):
        """x with the normalized axes last (in order), as (rows, features); and the order."""
        axes = self._axes(x.ndim)
        order = [a for a in range(x.ndim) if a not in axes] + axes
        moved = np.transpose(x, order)
        return np.ascontiguousarray(moved).reshape(-1, int(np.prod(self._shape))), order, \
            moved.shape

    def forward(self, x, training=False):
        rows, order, moved_shape = self._rows(x)
        gamma = self.gamma.value.reshape(-1) if self.scale else None
        beta = self.beta.value.reshape(-1) if self.center else None
        y = kernels.normalization.layer_norm_forward(rows, gamma, beta, self.epsilon)
        self._cache = (rows, order, moved_shape)
        return np.transpose(y.reshape(moved_shape), np.argsort(order))

    def backward(self, dy):
        rows, order, moved_shape = self._cache
        dy_rows = np.ascontiguousarray(np.transpose(dy, order)).reshape(rows.shape)
        gamma = self.gamma.value.reshape(-1) if self.scale else None
        dx, dgamma, dbeta = kernels.normalization.layer_norm_backward(dy_rows, rows, gamma,
                                                                      self.epsilon)
        if self.scale:
            self.gamma.grad = dgamma.reshape(self._shape)
        if self.center:
            self.beta.grad = dbeta.reshape(self._shape)
        return np.transpose(dx.reshape(moved_shape), np.argsort(order))

    def compute_output_shape(self, input_shape):
        self._axes(len(input_shape))
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, "rms_scaling": False,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
