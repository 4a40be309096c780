"""Layers, at the names `keras.layers` uses."""

from .activation import Activation
from .alpha_dropout import AlphaDropout
from .base import Layer
from .convolutional import Conv1D, Conv2D, Conv3D
from .convolutional.legacy_spellings import Convolution1D, Convolution2D
from .cropping import Cropping1D, Cropping2D
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .gaussian_dropout import GaussianDropout
from .gaussian_noise import GaussianNoise
from .input_layer import Input, InputLayer, KerasTensor
from .lambda_layer import Lambda
from .masking import Masking
from .normalization import BatchNormalization, LayerNormalization
from .permute import Permute
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from .repeat_vector import RepeatVector
from .reshape import Reshape
from .rnn import (
    GRU,
    LSTM,
    Bidirectional,
    ConvLSTM1D,
    ConvLSTM2D,
    ConvLSTM3D,
    SimpleRNN,
    TimeDistributed,
)
from .spatial_dropout import SpatialDropout1D
from .up_sampling import UpSampling1D, UpSampling2D
from .zero_padding import ZeroPadding1D, ZeroPadding2D

__all__ = ["Activation", "AlphaDropout", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "BatchNormalization", "Bidirectional", "Conv1D", "Conv2D",
           "Conv3D", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
           "Convolution1D", "Convolution2D", "Cropping1D", "Cropping2D", "Dense",
           "Dropout", "Embedding", "Flatten", "GaussianDropout", "GaussianNoise",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GRU", "Input",
           "InputLayer", "KerasTensor", "Lambda", "Layer", "LayerNormalization", "LSTM",
           "Masking", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Permute", "RepeatVector",
           "Reshape", "SimpleRNN", "SpatialDropout1D", "TimeDistributed", "UpSampling1D",
           "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D"]


def deserialize(spec):
    """Rebuild a layer from Keras's serialized dict ({"class_name", "config", ...})."""
    from ..utils.lookup import lookup

    classes = {name: globals()[name] for name in __all__
               if name not in ("Input", "KerasTensor", "Convolution1D", "Convolution2D")}
    cls = lookup("layer class", spec.get("class_name"), classes)
    layer = cls.from_config(dict(spec.get("config") or {}))
    build = spec.get("build_config")
    if build and build.get("input_shape") is not None:
        layer.build_from_shape(build["input_shape"])
    return layer
