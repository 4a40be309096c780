"""AlphaDropout: dropout for SELU networks, keeping the inputs' mean and variance.

Dropped units are set to SELU's negative saturation value alpha' = -alpha * scale, then an
affine map restores mean 0 and variance 1 (Klambauer et al., 2017; Keras 3's formula):
    keep = u >= rate                          u ~ U[0, 1) of the noise shape
    a    = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5
    b    = -a * alpha' * rate
    y    = a * (x * keep + alpha' * (1 - keep)) + b          training; y = x in inference
Backward: dx = a * keep * dy
x, y, dx, dy: (batch, ...) any rank; keep: the noise shape, broadcastable to x.
Keras keeps `noise_shape` exactly as given (a list stays a list) and does not check it;
this layer checks it like Dropout's but stores it as given, so configs stay identical.
"""

from .dropout import (
    NoiseLayer,
    check_noise_fits,
    check_noise_shape,
    check_rate,
    concrete_noise_shape,
)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def alpha_dropout_coefficients(rate):
    """(a, b, alpha') of the affine map above, as Python floats."""
    alpha_p = -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    return a, b, alpha_p


def alpha_dropout_forward(x, keep, rate):
    """y = a * (x * keep + alpha' * (1 - keep)) + b, in Keras's order of operations.

    x: (batch, ...); keep: 0/1 in x's dtype, broadcastable to x. Returns y: x's shape.
    """
    a, b, alpha_p = alpha_dropout_coefficients(rate)
    dtype = x.dtype.type
    return dtype(a) * (x * keep + dtype(alpha_p) * (dtype(1) - keep)) + dtype(b)


def alpha_dropout_backward(dy, keep, rate):
    """dx = a * (dy * keep).  dy: (batch, ...); keep: broadcastable to dy."""
    a, _, _ = alpha_dropout_coefficients(rate)
    return dy.dtype.type(a) * (dy * keep)


class AlphaDropout(NoiseLayer):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        self.rate = check_rate(rate)
        check_noise_shape(noise_shape)
        self.noise_shape = noise_shape
        super().__init__(seed=seed, **kwargs)

    @property
    def active(self):
        return self.rate > 0

    def noise_shape_for(self, x):
        shape = concrete_noise_shape(self.noise_shape, x.shape)
        check_noise_fits(shape, x.shape, self.name)
        return shape

    def sample_noise(self, rng, shape):
        """keep = u >= rate, u ~ U[0, 1)."""
        return rng.random(size=shape) >= self.rate

    def apply(self, x, keep):
        if self.rate >= 1:
            raise ValueError(f"AlphaDropout {self.name!r} with rate={self.rate} cannot run in "
                             "training: a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5 is "
                             "infinite. Expected rate < 1 (Keras: ZeroDivisionError).")
        return alpha_dropout_forward(x, keep.astype(x.dtype), self.rate)

    def apply_backward(self, dy, keep):
        return alpha_dropout_backward(dy, keep.astype(dy.dtype), self.rate)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
