"""Keras 2's `keras.utils.np_utils`: to_categorical and normalize, now in `minikeras.utils`."""

from .. import legacy
from . import numerical_utils


def to_categorical(y, num_classes=None, dtype="float32"):
    """Keras 2's to_categorical (warns; `minikeras.utils.to_categorical` is the modern spelling).

    Keras 2 returned `dtype` (float32 by default); Keras 3 returns float64. This spelling keeps
    the Keras 2 result.
    """
    legacy.warn_renamed("minikeras.utils.np_utils.to_categorical",
                        "minikeras.utils.to_categorical")
    return numerical_utils.to_categorical(y, num_classes).astype(dtype)


def normalize(x, axis=-1, order=2):
    legacy.warn_renamed("minikeras.utils.np_utils.normalize", "minikeras.utils.normalize")
    return numerical_utils.normalize(x, axis, order)
