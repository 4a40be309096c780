"""Keras 2's `keras.layers.embeddings` path: Embedding is in `minikeras.layers` (importing it
from here warns, naming that path)."""

from .. import legacy

_NAMES = ("Embedding",)


def __getattr__(name):
    if name in _NAMES:
        from .. import layers

        legacy.warn_renamed(f"minikeras.layers.embeddings.{name}", f"minikeras.layers.{name}")
        return getattr(layers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
