"""Layers, at the names `keras.layers` uses."""

from .activation import Activation
from .alpha_dropout import AlphaDropout
from .base import Layer
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .gaussian_dropout import GaussianDropout
from .gaussian_noise import GaussianNoise
from .input_layer import Input, InputLayer, KerasTensor
from .lambda_layer import Lambda
from .masking import Masking
from .permute import Permute
from .repeat_vector import RepeatVector
from .reshape import Reshape
from .rnn import GRU, LSTM, Bidirectional, SimpleRNN, TimeDistributed
from .spatial_dropout import SpatialDropout1D

__all__ = ["Activation", "AlphaDropout", "Bidirectional", "Dense", "Dropout", "Flatten", "GRU",
           "GaussianDropout", "GaussianNoise", "Input", "InputLayer", "KerasTensor", "LSTM",
           "Lambda", "Layer", "Masking", "Permute", "RepeatVector", "Reshape", "SimpleRNN",
           "SpatialDropout1D", "TimeDistributed"]


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
