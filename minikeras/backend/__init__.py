"""`keras.backend` as tutorials call it (`from keras import backend as K`): settings and
clear_session. Keras 2's tensor functions (K.mean, K.sum, ...) are not here; minikeras models
take NumPy arrays."""

from ..config import backend as _backend_name
from ..config import (  # noqa: F401
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from ..utils.naming import get_uid, reset_uids


def backend():
    """"numpy": the array library minikeras runs on (Keras: "tensorflow", "jax", ...)."""
    return _backend_name()


def clear_session(free_memory=True):
    """Reset the automatic layer names (`dense`, `dense_1`, ...), as Keras's clear_session
    does; minikeras keeps no graph or device memory to free."""
    reset_uids()


def image_dim_ordering():
    """Keras 1's name: "tf" for channels_last, "th" for channels_first (warns)."""
    from .. import legacy

    legacy.warn_renamed("K.image_dim_ordering()", "K.image_data_format()")
    return "tf" if image_data_format() == "channels_last" else "th"


__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
           "image_dim_ordering", "set_epsilon", "set_floatx", "set_image_data_format"]
