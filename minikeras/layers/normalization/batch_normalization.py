"""BatchNormalization: normalize each feature (along `axis`) over the batch, then scale and shift.

Forward (x of any rank; `axis` is the feature axis, every other axis is reduced):
    training (training=True and the layer trainable):
        mean, variance = moments of x over the batch (variance divides by n)
        moving_mean     = moving_mean * momentum + mean * (1 - momentum)
        moving_variance = moving_variance * momentum + variance * (1 - momentum)
    inference: mean, variance = moving_mean, moving_variance
    y = gamma * (x - mean) / sqrt(variance + epsilon) + beta
Backward (kernels/numpy_ref/normalization.py has the formulas): dgamma, dbeta, and dx, which
in training also flows through the batch statistics.

Weights in Keras's order and names: gamma (scale=True), beta (center=True), both trainable;
moving_mean, moving_variance, non-trainable (the optimizer never touches them; the forward
pass in training updates them, as Keras's call does). Each has shape (features,).
"""

import numbers

import numpy as np

from ... import constraints, initializers, kernels, regularizers
from ..base import Layer
from ..weight_options import set_weight_options


class BatchNormalization(Layer):
    supports_masking = True
    accepts_mask = True

    @property
    def weights_input_axis(self):
        """The normalized axis: gamma, beta and the moving statistics have its size."""
        return self.axis

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"BatchNormalization's `axis` must be an integer, got axis={axis!r}.")
        for arg, value in (("momentum", momentum), ("epsilon", epsilon)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"`{arg}` must be a number, got {arg}={value!r}.")
        if epsilon <= 0:
            raise ValueError(f"`epsilon` must be positive, got epsilon={epsilon!r}.")
        if renorm or synchronized:
            raise ValueError("minikeras's BatchNormalization does not support renorm or "
                             f"synchronized (got renorm={renorm!r}, "
                             f"synchronized={synchronized!r}).")
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        set_weight_options(
            self, beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            moving_mean_initializer=moving_mean_initializer,
            moving_variance_initializer=moving_variance_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.renorm, self.renorm_clipping, self.renorm_momentum = False, None, renorm_momentum
        self.synchronized = False
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def _features(self, shape):
        shape = tuple(shape)
        if not -len(shape) <= self.axis < len(shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape {shape}. "
                             f"Received: axis={self.axis}")
        if shape[self.axis] is None:
            raise ValueError(f"Axis {self.axis} of the input to {self.name!r} must be defined "
                             f"(got input shape {shape}).")
        return shape[self.axis]

    def build(self, input_shape):
        shape = (self._features(input_shape),)
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self._ndim = len(input_shape)
        self.built = True

    def check_input(self, x):
        if x.ndim != self._ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim={self._ndim}, found ndim={x.ndim}. Full shape "
                             f"received: {x.shape}")
        if self._features(x.shape) != self.moving_mean.shape[0]:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected axis {self.axis} of input shape to have value "
                             f"{self.moving_mean.shape[0]}, but received input with shape "
                             f"{x.shape}")

    def _rows(self, x):
        """x with the feature axis last, as (rows, features)."""
        moved = np.moveaxis(x, self.axis, -1)
        return np.ascontiguousarray(moved).reshape(-1, moved.shape[-1]), moved.shape

    def forward(self, x, training=False, mask=None):
        training = bool(training) and self.trainable
        if mask is not None and training:
            raise ValueError(f"minikeras's BatchNormalization ({self.name!r}) does not weight its "
                             "batch statistics by a mask yet; remove the mask (mask_zero / "
                             "Masking) before it, or train it without one.")
        rows, moved_shape = self._rows(x)
        gamma = self.gamma.value if self.scale else None
        beta = self.beta.value if self.center else None
        if training:
            mean, variance = kernels.normalization.batch_norm_moments(rows)
            m = x.dtype.type(self.momentum)
            rest = x.dtype.type(1.0 - self.momentum)
            self.moving_mean.assign(self.moving_mean.value * m + mean * rest)
            self.moving_variance.assign(self.moving_variance.value * m + variance * rest)
        else:
            mean, variance = self.moving_mean.value, self.moving_variance.value
        y = kernels.normalization.batch_norm_forward(rows, mean, variance, gamma, beta,
                                                     self.epsilon)
        self._cache = (rows, moved_shape, mean, variance, training)
        return np.moveaxis(y.reshape(moved_shape), -1, self.axis)

    def backward(self, dy):
        rows, moved_shape, mean, variance, training = self._cache
        dy_rows, _ = self._rows(dy)
        gamma = self.gamma.value if self.scale else None
        dx, dgamma, dbeta = kernels.normalization.batch_norm_backward(
            dy_rows, rows, mean, variance, gamma, self.epsilon, training)
        if self.scale:
            self.gamma.grad = dgamma
        if self.center:
            self.beta.grad = dbeta
        return np.moveaxis(dx.reshape(moved_shape), -1, self.axis)

    def compute_output_shape(self, input_shape):
        self._features(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized, "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum,
        })
        return config
