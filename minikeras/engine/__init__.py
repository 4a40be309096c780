"""Keras 2's `keras.engine` names that tutorials import: Layer, Input, InputLayer (now in
`minikeras.layers`) and Sequential (now `minikeras.Sequential`); each warns on import."""

from .. import legacy

_MODERN = {"Layer": "minikeras.layers.Layer", "Input": "minikeras.layers.Input",
           "InputLayer": "minikeras.layers.InputLayer", "Sequential": "minikeras.Sequential"}


def __getattr__(name):
    if name in _MODERN:
        import minikeras

        legacy.warn_renamed(f"minikeras.engine.{name}", _MODERN[name])
        return getattr(minikeras, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
