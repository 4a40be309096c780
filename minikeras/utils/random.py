"""The project's randomness: one rule for where every random number comes from.

Rule (a minikeras guarantee beyond Keras):
    seed=None  -> draw from NumPy's global RNG (`np.random.*`), so one `np.random.seed(7)`
                  (or `set_random_seed(7)`) at the top of a script makes the whole run repeatable,
                  and successive calls give new values.
    seed=int   -> draw from a fresh `np.random.default_rng(seed)` on every call, so a seeded
                  initializer returns the same values each time it is called (Keras 3 semantics).

Both sources answer the same calls: `.normal(loc, scale, size)`, `.uniform(low, high, size)`,
`.standard_normal(size)` and `.random(size)`; draws are float64 and callers cast to their dtype.
"""

import numbers
import random as _python_random

import numpy as np


def set_random_seed(seed):
    """Seed Python's `random` and NumPy's global RNG, as `keras.utils.set_random_seed` does."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed!r} "
            f"(of type {type(seed)})"
        )
    _python_random.seed(int(seed))
    np.random.seed(int(seed))


def validate_seed(seed, name="seed"):
    """Return `seed` as None or a Python int >= 0; raise ValueError for anything else."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(
            f"`{name}` argument should be None or a non-negative integer. Received: {name}={seed!r}"
        )
    return int(seed)


def rng_for(seed):
    """The source to draw from: NumPy's global RNG for seed=None, a fresh Generator for an int.

    The global source is the `np.random` module itself: its functions draw from the state that
    `np.random.seed` sets.
    """
    seed = validate_seed(seed)
    return np.random if seed is None else np.random.default_rng(seed)


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    """Samples of N(mean, stddev^2): x = mean + stddev * z, z ~ N(0, 1).  x: shape."""
    z = np.asarray(rng_for(seed).standard_normal(size=tuple(shape)))
    return np.asarray(mean + stddev * z, dtype=dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    """Samples of N(mean, stddev^2) cut at two standard deviations, as `keras.random` draws them.

    z ~ N(0, 1), and every z with |z| > 2 is drawn again until none is left;
    x = mean + stddev * z.  The cut shrinks the standard deviation to .87962566 * stddev.
    x: shape.
    """
    rng = rng_for(seed)
    z = np.array(rng.standard_normal(size=tuple(shape)), dtype=np.float64)
    outside = np.abs(z) > 2.0
    while outside.any():
        z[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(z) > 2.0
    return np.asarray(mean + stddev * z, dtype=dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    """Samples of U[minval, maxval): x = minval + (maxval - minval) * u, u ~ U[0, 1).  x: shape."""
    u = np.asarray(rng_for(seed).random(size=tuple(shape)))
    return np.asarray(minval + (maxval - minval) * u, dtype=dtype)
