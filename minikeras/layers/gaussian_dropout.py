"""GaussianDropout: in training, multiply every input unit by 1-centred Gaussian noise.

Forward:  y  = x * m,   m ~ N(1, sigma^2),  sigma = sqrt(rate / (1 - rate))   (training only)
Backward: dx = dy * m
x, y, m, dx, dy: (batch, ...) any rank. Same mean and variance per unit as Dropout(rate).
rate == 1 makes sigma infinite: a training call raises ValueError (Keras: ZeroDivisionError).
"""

import math

from .dropout import NoiseLayer, check_rate


def gaussian_dropout_forward(x, noise):
    """Multiplicative noise: y = x * noise.  x, noise, y: (batch, ...)."""
    return x * noise


def gaussian_dropout_backward(dy, noise):
    """dLoss/dx of y = x * noise: dx = dy * noise.  dy, noise, dx: (batch, ...)."""
    return dy * noise


class GaussianDropout(NoiseLayer):
    def __init__(self, rate, seed=None, **kwargs):
        self.rate = check_rate(rate)
        super().__init__(seed=seed, **kwargs)

    @property
    def active(self):
        return self.rate > 0

    def sample_noise(self, rng, shape):
        """m = 1 + sigma * z, z ~ N(0, 1), sigma = sqrt(rate / (1 - rate)), in the layer's dtype."""
        if self.rate >= 1:
            raise ValueError(f"GaussianDropout {self.name!r} with rate={self.rate} cannot run in "
                             "training: the noise's standard deviation sqrt(rate / (1 - rate)) "
                             "is infinite. Expected rate < 1.")
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return (1.0 + stddev * rng.standard_normal(size=shape)).astype(self.dtype)

    def apply(self, x, noise):
        return gaussian_dropout_forward(x, noise.astype(x.dtype, copy=False))

    def apply_backward(self, dy, noise):
        return gaussian_dropout_backward(dy, noise.astype(dy.dtype, copy=False))

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
