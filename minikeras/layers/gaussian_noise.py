"""GaussianNoise: in training, add zero-centred Gaussian noise to every input unit.

Forward:  y = x + n,   n ~ N(0, stddev^2), one draw per element     (training; y = x otherwise)
Backward: dx = dy      (the noise does not depend on x)
x, y, n, dx, dy: (batch, ...) any rank. Keras accepts stddev in [0, 1] only; so does this.
"""

from .dropout import NoiseLayer, check_rate


def gaussian_noise_forward(x, noise):
    """Additive noise: y = x + noise.  x, noise, y: (batch, ...)."""
    return x + noise


class GaussianNoise(NoiseLayer):
    def __init__(self, stddev, seed=None, **kwargs):
        self.stddev = check_rate(stddev, "stddev")
        super().__init__(seed=seed, **kwargs)

    @property
    def active(self):
        return self.stddev > 0

    def sample_noise(self, rng, shape):
        """n = stddev * z, z ~ N(0, 1), in the layer's dtype."""
        return (self.stddev * rng.standard_normal(size=shape)).astype(self.dtype)

    def apply(self, x, noise):
        return gaussian_noise_forward(x, noise.astype(x.dtype, copy=False))

    def apply_backward(self, dy, noise):
        return dy

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
