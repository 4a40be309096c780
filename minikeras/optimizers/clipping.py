"""Gradient clipping as Keras 3 does it on TensorFlow, and Keras's cast of Python scalars.

Shapes: every gradient has its variable's shape; clipnorm and the norms are scalars.
"""

import numpy as np

from ..config import backend_float

__all__ = ["keras_cast", "clip_by_norm", "clip_by_global_norm"]


def keras_cast(value, dtype):
    """Keras's `ops.cast(value, dtype)`: on TensorFlow (the default numerics) a Python float
    becomes a float32 tensor first, so a float64 variable sees it rounded to float32
    (0.9 -> 0.8999999761581421); with `config.set_numerics("jax")` it is exact in dtype."""
    return backend_float(value, dtype)


def clip_by_norm(grad, clipnorm):
    """Scale one gradient so its L2 norm is at most clipnorm (TF's `tf.clip_by_norm`).

    grad = (grad * clipnorm) / max(||grad||_2, clipnorm)
    """
    t = grad.dtype.type
    l2norm = np.sqrt(np.sum(grad * grad))
    return (grad * t(clipnorm)) / np.maximum(l2norm, t(clipnorm))


def clip_by_global_norm(grads, clipnorm):
    """Scale all gradients together so their joint L2 norm is at most clipnorm.

    norm = sqrt(sum_i sum(g_i^2));  scale = clipnorm * min(1 / norm, 1 / clipnorm)
    scale += norm - norm   (NaN when norm is inf or NaN, as Keras);  g_i = g_i * scale
    """
    norm = np.sqrt(np.sum(np.stack([np.sum(g * g) for g in grads])))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = clipnorm * np.minimum(1.0 / norm, 1.0 / clipnorm) + (norm - norm)
    return [g * scale for g in grads]
