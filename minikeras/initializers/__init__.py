"""Initializers: the first values of a layer's weights, as `keras.initializers` draws them.

Every initializer is called as `init(shape, dtype=None) -> ndarray` (dtype defaults to
`config.floatx()`). Random ones follow `minikeras.utils.random`: seed=None draws from NumPy's
global RNG (new values each call, repeatable after `np.random.seed`); an int seed gives the same
values on every call, as Keras 3 does.
"""

import inspect
import types

import numpy as np

from .. import config
from ..utils.lookup import lookup
from ..utils.naming import to_snake_case
from ..utils.serialization import deserialize_object, serialize_object
from .constant_initializers import Constant, Identity, Ones, Zeros
from .initializer import Initializer, standardize_shape
from .random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)

__all__ = ["Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
           "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
           "RandomInitializer", "RandomNormal", "RandomUniform", "TruncatedNormal",
           "VarianceScaling", "Zeros", "compute_fans", "deserialize", "get", "serialize",
           "standardize_shape"]


# ---- lookup and serialization ---------------------------------------------------------------
ALL_OBJECTS = (Initializer, Constant, Identity, Ones, Zeros, GlorotNormal, GlorotUniform,
               HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal,
               RandomUniform, TruncatedNormal, VarianceScaling)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({"IdentityInitializer": Identity, "normal": RandomNormal, "one": Ones,
                         "OrthogonalInitializer": Orthogonal, "uniform": RandomUniform,
                         "zero": Zeros})

# Keras's lowercase function-style names (keras.initializers.glorot_uniform, ...)
constant, zeros, ones, identity, orthogonal = Constant, Zeros, Ones, Identity, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_uniform, glorot_normal = VarianceScaling, GlorotUniform, GlorotNormal
lecun_uniform, lecun_normal, he_uniform, he_normal = LecunUniform, LecunNormal, HeUniform, HeNormal


def serialize(initializer):
    """Keras's dict for an initializer: {"module", "class_name", "config", "registered_name"}."""
    if initializer is None:
        return None
    if isinstance(initializer, types.FunctionType):  # a custom function, in Keras's form
        return {"module": "builtins", "class_name": "function", "config": initializer.__name__,
                "registered_name": "function"}
    if not isinstance(initializer, Initializer):
        raise TypeError(f"Cannot serialize {initializer!r}: expected a minikeras Initializer, "
                        "a function or None.")
    # Keras exports the base class as `keras.Initializer`, so its module is "keras"
    module = "keras" if type(initializer) is Initializer else "keras.initializers"
    return serialize_object(initializer, module)


def deserialize(config):
    """Rebuild an initializer from Keras's dict ({"class_name", "config"}) or a name."""
    if isinstance(config, str):
        return get(config)
    return deserialize_object(config, ALL_OBJECTS_DICT, "initializer")


def _from_array(array):
    """An initializer that returns a copy of `array` (whose shape must match) in the dtype."""

    def initialize_fn(shape, dtype=None):
        if standardize_shape(shape) != array.shape:
            raise ValueError(f"Expected `shape` to be {array.shape} for direct tensor as "
                             f"initializer. Received shape={shape}")
        return np.array(array, dtype=np.dtype(dtype or config.floatx()))

    return initialize_fn


def get(identifier):
    """An initializer from None, a name, a Keras dict, an array, a class or a callable.

    None -> None; "glorot_uniform" / "GlorotUniform" / aliases -> a new instance;
    dict -> deserialize; ndarray -> returns that array; class -> class(); callable -> itself.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return lookup("initializer", identifier, ALL_OBJECTS_DICT)()
    if isinstance(identifier, (np.ndarray, np.generic)):
        return _from_array(np.asarray(identifier))
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r} (expected "
                     "None, a name, a dict, an array or a callable)")
