"""Learning-rate schedules, as `keras.optimizers.schedules`: the learning rate as a function of
the optimizer's step. Pass one as `learning_rate=` to any optimizer; it is evaluated at
`optimizer.iterations` before each update.

    lr = schedules.CosineDecay(0.0, decay_steps=1000, warmup_target=0.1, warmup_steps=100)
    lr(np.arange(1100))        # minikeras extension: an array of steps gives every value at once
"""

from ...utils.serialization import deserialize_object, serialize_object
from .learning_rate_schedule import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]

ALL_OBJECTS = {cls.__name__: cls for cls in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """Keras's dict: {"module": "keras.optimizers.schedules", "class_name", "config", ...}."""
    return serialize_object(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from `serialize`'s dict (custom classes via custom_objects)."""
    return deserialize_object(config, {**ALL_OBJECTS, **(custom_objects or {})},
                              "learning rate schedule")
