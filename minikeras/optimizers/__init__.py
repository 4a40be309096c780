"""Optimizers, as `keras.optimizers`: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam,
Lion, Ftrl, the learning-rate schedules; get/serialize/deserialize.

    optimizer = optimizers.get("adam")          # or Adam(learning_rate=1e-3), or a dict
    optimizer.apply_gradients(zip(grads, variables))
"""

import sys
import types

from ..utils.serialization import deserialize_object, serialize_object
from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .base import Optimizer
from .ftrl import Ftrl
from .lion import Lion
from .nadam import Nadam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Lion", "Ftrl", "schedules", "get", "serialize", "deserialize"]

ALL_OBJECTS = (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """Keras's dict: {"module": "keras.optimizers", "class_name", "config", "registered_name"}."""
    return serialize_object(optimizer, "keras.optimizers")


def deserialize(config, custom_objects=None):
    """Rebuild an optimizer from `serialize`'s dict; built-in class names are case-insensitive."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"Could not interpret serialized optimizer: {config!r} (expected a dict "
                         "with 'class_name' and 'config').")
    custom_objects = custom_objects or {}
    name = config["class_name"]
    if name not in custom_objects:
        name = name.lower()
    return deserialize_object({**config, "class_name": name},
                              {**ALL_OBJECTS_DICT, **custom_objects}, "optimizer")


def get(identifier):
    """An Optimizer from a name ("adam", "SGD", ...), a serialized dict, or an instance."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r} (expected a "
                     "name such as 'adam', a dict from `serialize`, or an Optimizer instance).")



class _LegacyCallableModule(types.ModuleType):
    """Keras 2 tutorials call `optimizers.adam(lr=...)`; here `optimizers.adam` is the module
    holding `Adam` (Keras 3's layout). Calling the module builds the class, with a warning."""

    def __call__(self, *args, **kwargs):
        from ..legacy import warn_renamed

        cls = self._legacy_class
        short = self.__name__.rsplit(".", 1)[-1]
        warn_renamed(f"optimizers.{short}(...)", f"optimizers.{cls.__name__}(...)")
        return cls(*args, **kwargs)


for _cls in (SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax, Nadam):
    _module = sys.modules[_cls.__module__]
    _module.__class__ = _LegacyCallableModule
    _module._legacy_class = _cls
del _cls, _module
