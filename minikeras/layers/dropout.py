"""Dropout: in training, zero each input unit with probability `rate` and scale the rest up.

Forward (inverted dropout, Keras 3 on TensorFlow: `tf.nn.experimental.stateless_dropout`):
    keep  = u >= rate                       u ~ U[0, 1), one draw per element of the noise shape
    scale = 1 / (1 - rate)                  computed in float64, then cast to the input's dtype
    y     = where(keep, x * scale, 0)       training; y = x in inference
Backward, given dy = dLoss/dy:
    dx    = where(keep, dy * scale, 0)      training; dx = dy in inference
`keep` has the noise shape (default: x's shape) and broadcasts over the axes where it is 1.
rate == 1 gives zeros (as Keras); rate == 0 is the identity.

This module also holds what every random-noise layer shares (`NoiseLayer`) and the hook that
injects chosen noise instead of random draws (`injected_noise`), used by the parity tests:

    with injected_noise(model.layers[1], masks):   # masks: arrays, or a function (shape, dtype)
        model.fit(x, y, shuffle=False)             # each training call takes the next mask

The shapes: x, y, dx, dy: (batch, ...) any rank; keep: the noise shape, broadcastable to x.
"""

import contextlib
import numbers

import numpy as np

from .. import kernels
from ..utils.random import rng_for, validate_seed
from .base import Layer


# ---- the math --------------------------------------------------------------------------------
def dropout_forward(x, keep, rate):
    """Inverted dropout with a given keep mask: y = where(keep, x * (1 / (1 - rate)), 0).

    x: (batch, ...); keep: bool, broadcastable to x. Returns y: x's shape and dtype.
    The math: kernels/numpy_ref/dropout.py (a one-pass loop on the compiled path).
    """
    return kernels.dropout.dropout_forward(x, keep, rate)


def dropout_backward(dy, keep, rate):
    """dLoss/dx of inverted dropout: dx = where(keep, dy * (1 / (1 - rate)), 0).

    dy: (batch, ...); keep: bool, broadcastable to dy. Returns dx: dy's shape and dtype.
    """
    return dropout_forward(dy, keep, rate)


def concrete_noise_shape(noise_shape, input_shape):
    """The noise shape with each None replaced by the input's size on that axis (as Keras)."""
    if noise_shape is None:
        return tuple(input_shape)
    return tuple(input_shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))


# ---- argument checks ---------------------------------------------------------------------------
def check_rate(rate, name="rate"):
    """Return `rate` if it is a real number in [0, 1]; else raise naming it and its value."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise TypeError(f"Invalid value received for argument `{name}`. Expected a float value "
                        f"between 0 and 1. Received: {name}={rate!r} (of type "
                        f"{type(rate).__name__})")
    if not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `{name}`. Expected a float "
                         f"value between 0 and 1. Received: {name}={rate}")
    return rate


def check_noise_shape(noise_shape):
    """Keras's check: None, or a tuple of positive ints and Nones (a list becomes a tuple)."""
    if noise_shape is None:
        return None
    if isinstance(noise_shape, str):
        raise ValueError("Invalid value received for argument `noise_shape`. Expected a tuple "
                         f"or list of integers. Received: noise_shape={noise_shape}")
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError("Invalid value received for argument `noise_shape`. Expected an "
                         "iterable of integers (e.g., a tuple or list). "
                         f"Received: noise_shape={noise_shape}") from None
    for i, dim in enumerate(noise_shape):
        if dim is None:
            continue
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise ValueError("Invalid value received for argument `noise_shape`. Expected all "
                             f"elements to be integers or None. Received element at index {i}: "
                             f"{dim} (type: {type(dim).__name__})")
        if dim <= 0:
            raise ValueError("Invalid value received for argument `noise_shape`. Expected all "
                             "dimensions to be positive integers or None. Received negative or "
                             f"zero value at index {i}: {dim}")
    return tuple(None if dim is None else int(dim) for dim in noise_shape)


def check_noise_fits(noise_shape, input_shape, layer_name):
    """Raise ValueError unless a noise of `noise_shape` broadcasts exactly to `input_shape`."""
    try:
        fits = np.broadcast_shapes(noise_shape, input_shape) == tuple(input_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"Layer {layer_name!r}: noise_shape={tuple(noise_shape)} does not "
                         f"broadcast to the input shape {tuple(input_shape)}; expected one entry "
                         "per input axis, each 1, None or equal to the input's size.")


# ---- what the random-noise layers share ------------------------------------------------------
class NoiseLayer(Layer):
    """A layer that adds randomness in training and is the identity in inference.

    Randomness: `seed=None` draws from NumPy's global RNG (so `np.random.seed` makes a run
    repeatable); an int seed gives the layer its own generator, created once, so successive
    training calls draw new values that repeat from run to run (Keras's SeedGenerator).
    Subclasses define `active` (False: nothing to draw), `noise_shape_for(x)`,
    `sample_noise(rng, shape)` and `apply(x, noise)` / `apply_backward(dy, noise)`.
    """

    supports_masking = True

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = validate_seed(seed)
        self._rng = rng_for(self.seed)
        self.noise_source = None  # set by `injected_noise`
        self._noise = None
        self.built = True  # no weights: built at construction, as Keras's `_build_at_init`

    @property
    def active(self):
        return True

    @property
    def rng(self):
        """The generator this layer draws its noise from (np.random's global one for
        seed=None, else its own): layers sharing one draw in turn from the same stream."""
        return self._rng

    def noise_shape_for(self, x):
        return x.shape

    def draw_noise(self, shape):
        """The layer's noise for one training call: injected if a source is set, else random."""
        if self.noise_source is None:
            return self.sample_noise(self._rng, shape)
        noise = np.asarray(self.noise_source(tuple(shape), self.dtype))
        if noise.shape != tuple(shape):
            raise ValueError(f"injected_noise: layer {self.name!r} needs noise of shape "
                             f"{tuple(shape)}, but the source gave shape {noise.shape}.")
        return noise

    def forward(self, x, training=False):
        if not (training and self.active):
            self._noise = None
            return x
        self._noise = self.draw_noise(self.noise_shape_for(x))
        return self.apply(x, self._noise)

    def backward(self, dy):
        return dy if self._noise is None else self.apply_backward(dy, self._noise)

    def check_input(self, x):
        pass  # no weights: any feature shape is fine (subclasses may fix the rank)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


@contextlib.contextmanager
def injected_noise(layer, source):
    """Make `layer` take its training-mode noise from `source` instead of its RNG.

    source: a function (shape, dtype) -> array, called once per training-mode call, or an
    iterable of arrays taken in order. The noise is what the layer would draw: the keep mask
    (bool or 0/1) for Dropout, SpatialDropout1D and AlphaDropout; the additive noise for
    GaussianNoise; the multiplicative noise for GaussianDropout. Restores the RNG on exit.
    """
    if not isinstance(layer, NoiseLayer):
        raise TypeError(f"injected_noise needs a random-noise layer (Dropout, GaussianNoise, "
                        f"...), got {layer!r}.")
    if not callable(source):
        arrays, count = iter(source), [0]

        def source(shape, dtype):
            count[0] += 1
            try:
                return next(arrays)
            except StopIteration:
                raise ValueError(f"injected_noise: layer {layer.name!r} asked for noise "
                                 f"#{count[0]}, but only {count[0] - 1} were given.") from None

    previous, layer.noise_source = layer.noise_source, source
    try:
        yield layer
    finally:
        layer.noise_source = previous


# ---- the layer -----------------------------------------------------------------------------------
class Dropout(NoiseLayer):
    """Keras's `Dropout(rate, noise_shape=None, seed=None)`; the equations are at the top.

    rate:        fraction of the input units to drop, in [0, 1].
    noise_shape: None (one draw per element), or the mask's shape, one entry per input axis:
                 1 shares the mask along that axis, None takes the input's size; e.g.
                 (None, 1, features) drops the same features at every timestep.
    seed:        None (NumPy's global RNG) or an int (the layer's own generator).
    Beyond Keras: a noise_shape that does not fit the input is a ValueError naming both
    shapes, raised before anything is drawn; NumPy integers are accepted in noise_shape.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        self.rate = check_rate(rate)
        self.noise_shape = check_noise_shape(noise_shape)
        super().__init__(seed=seed, **kwargs)

    @property
    def active(self):
        return self.rate > 0

    def noise_shape_for(self, x):
        if self.noise_shape is None:
            return x.shape
        shape = concrete_noise_shape(self.noise_shape, x.shape)
        check_noise_fits(shape, x.shape, self.name)
        return shape

    def sample_noise(self, rng, shape):
        """keep = u >= rate, u ~ U[0, 1): each unit kept with probability 1 - rate."""
        return rng.random(size=shape) >= self.rate

    def forward(self, x, training=False):
        if training and self.rate >= 1.0:  # Keras returns zeros and draws nothing
            self._noise = np.zeros((1,) * x.ndim, dtype=bool)
            return np.zeros_like(x)
        return super().forward(x, training)

    def apply(self, x, keep):
        return dropout_forward(x, keep.astype(bool, copy=False), self.rate)

    def apply_backward(self, dy, keep):
        return dropout_backward(dy, keep.astype(bool, copy=False), self.rate)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
