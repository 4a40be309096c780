"""Layers, at the names `keras.layers` uses."""

from .activation import Activation
from .base import Layer
from .dense import Dense
from .flatten import Flatten
from .input_layer import Input, InputLayer, KerasTensor

__all__ = ["Activation", "Dense", "Flatten", "Input", "InputLayer", "KerasTensor", "Layer"]


def deserialize(spec):
    """Rebuild a layer from Keras's serialized dict ({"class_name", "config", ...})."""
    from ..utils.lookup import lookup

    classes = {name: globals()[name] for name in __all__ if name not in ("Input", "KerasTensor")}
    cls = lookup("layer class", spec.get("class_name"), classes)
    layer = cls.from_config(dict(spec.get("config") or {}))
    build = spec.get("build_config")
    if build and build.get("input_shape") is not None:
        layer.build_from_shape(build["input_shape"])
    return layer
