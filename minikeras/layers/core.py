"""Keras 1/2's `keras.layers.core` path: Dense, Activation, Dropout, Flatten, ... are in
`minikeras.layers` (importing them from here warns, naming that path)."""

from .. import legacy

_NAMES = ("Activation", "Dense", "Dropout", "Flatten", "Lambda", "Masking", "Permute",
          "RepeatVector", "Reshape", "SpatialDropout1D", "ActivityRegularization")


def __getattr__(name):
    if name in _NAMES:
        from .. import layers

        if hasattr(layers, name):
            legacy.warn_renamed(f"minikeras.layers.core.{name}", f"minikeras.layers.{name}")
            return getattr(layers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
