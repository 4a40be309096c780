"""Learning-rate schedules: the learning rate as a function of the optimizer's step.

Pass one as `learning_rate=` to any optimizer; it is evaluated at `optimizer.iterations`
before each update. As in Keras (TensorFlow backend), a Python-float initial learning rate
makes the schedule compute in float32; a NumPy scalar keeps its own dtype.
"""

import numbers

import numpy as np

from ..utils.serialization import deserialize_object, serialize_object


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            "order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """The learning rate decays by `decay_rate` every `decay_steps` steps.

    p = step / decay_steps                 (floor(step / decay_steps) if staircase)
    lr(step) = initial_learning_rate * decay_rate^p
    step is a scalar (int); lr is a NumPy scalar of the schedule's dtype.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        for arg, value in [("initial_learning_rate", initial_learning_rate),
                           ("decay_rate", decay_rate), ("decay_steps", decay_steps)]:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"Argument `{arg}` must be a number. Received: {arg}={value!r}")
        if decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps="
                             f"{decay_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        t = _dtype_of(self.initial_learning_rate).type
        p = t(step) / t(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return t(self.initial_learning_rate) * t(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def _dtype_of(value):
    """The dtype TensorFlow gives `value`: float32 for Python numbers, else its own float dtype."""
    dtype = getattr(value, "dtype", None)
    return np.dtype(dtype) if dtype is not None and np.dtype(dtype).kind == "f" else np.dtype(
        "float32")


ALL_OBJECTS = {"ExponentialDecay": ExponentialDecay}


def serialize(learning_rate_schedule):
    """Keras's dict: {"module": "keras.optimizers.schedules", "class_name", "config", ...}."""
    return serialize_object(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from `serialize`'s dict (custom classes via custom_objects)."""
    return deserialize_object(config, {**ALL_OBJECTS, **(custom_objects or {})},
                              "learning rate schedule")
