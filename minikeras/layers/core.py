"""Keras 2's `keras.layers.core` path, for old tutorials' imports: the classes of
`minikeras.layers`, with a DeprecationWarning naming the modern import."""

import warnings

from .activation import Activation
from .dense import Dense
from .dropout import Dropout
from .flatten import Flatten
from .lambda_layer import Lambda
from .masking import Masking
from .permute import Permute
from .repeat_vector import RepeatVector
from .reshape import Reshape
from .spatial_dropout import SpatialDropout1D

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Lambda", "Masking", "Permute",
           "RepeatVector", "Reshape", "SpatialDropout1D"]

warnings.warn("`minikeras.layers.core` is Keras 2's module path; import the layers from "
              "`minikeras.layers` instead.", DeprecationWarning, stacklevel=2)
