"""minikeras: Keras 3's Sequential API rebuilt from scratch in NumPy and numba."""

from . import config  # noqa: F401
