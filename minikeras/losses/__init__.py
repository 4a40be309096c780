"""Losses, as `keras.losses` has them: per-sample functions, Loss classes, `get`, `check_targets`.

    loss.py           Loss (the base class), reductions and sample weights
    losses.py         LossFunctionWrapper, one class per loss, VALUES_AND_GRADS, FUNCTIONS
    probabilistic.py  crossentropies, focal crossentropies, kl_divergence, poisson
    regression.py     mean squared/absolute(/percentage/logarithmic) error, cosine, huber, log_cosh
    hinge.py          hinge, squared_hinge, categorical_hinge
    checks.py         check_targets: clear errors for labels that cannot fit the loss

Every per-sample function has a twin returning its gradient (no autograd); the math of both is
in `minikeras/kernels/numpy_ref/losses.py` (readable) and `numba_fast/losses.py` (fast).
"""

from ..utils.lookup import lookup
from ..utils.naming import to_snake_case
from ..utils.serialization import deserialize_object, serialize_object
from .checks import check_targets
from .hinge import categorical_hinge, convert_binary_labels_to_hinge, hinge, squared_hinge
from .loss import (
    REDUCTIONS,
    Loss,
    apply_mask,
    reduce_weighted_values,
    squeeze_or_expand_to_same_rank,
    standardize_reduction,
)
from .losses import (
    CLASSES,
    FUNCTIONS,
    VALUES_AND_GRADS,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from .probabilistic import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from .regression import (
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)

# Keras's losses.ALL_OBJECTS_DICT aliases (keras/src/losses/__init__.py).
ALIASES = {"bce": binary_crossentropy, "BCE": binary_crossentropy,
           "kld": kl_divergence, "KLD": kl_divergence,
           "mae": mean_absolute_error, "MAE": mean_absolute_error,
           "mse": mean_squared_error, "MSE": mean_squared_error,
           "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
           "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error}
ALL_OBJECTS_DICT = {**CLASSES, **FUNCTIONS, **ALIASES}


def get(identifier):
    """Return a Loss: from a name or alias, a class, an instance, a config dict, or a function.

    Names of functions ("mse", "binary_crossentropy") give a LossFunctionWrapper named as
    written, as Keras's compile does; plain callables are wrapped under their snake_case name.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        identifier = deserialize(identifier)
        if isinstance(identifier, Loss):
            return identifier
    if isinstance(identifier, str):
        obj = lookup("loss", identifier, {k: v for k, v in ALL_OBJECTS_DICT.items()
                                          if v not in (Loss, LossFunctionWrapper)})
        return obj() if isinstance(obj, type) else LossFunctionWrapper(obj, name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "__name__", type(identifier).__name__)
        return LossFunctionWrapper(identifier, name=to_snake_case(name))
    raise ValueError(f"Could not interpret loss identifier: {identifier!r} (expected a loss name "
                     "such as 'mse', a Loss instance or class, a config dict, or a function).")


def serialize(loss):
    """Keras's dict for a Loss; a function serializes as Keras writes functions."""
    if isinstance(loss, Loss):
        return serialize_object(loss, "keras.losses")
    return {"module": "builtins", "class_name": "function", "config": loss.__name__,
            "registered_name": "function"}


def deserialize(config):
    """Inverse of `serialize`: a Loss instance, or the per-sample function for a function."""
    if isinstance(config, str):
        return get(config)
    if isinstance(config, dict) and config.get("class_name") == "function":
        return lookup("loss function", config.get("config"), {**FUNCTIONS, **ALIASES})
    return deserialize_object(config, CLASSES, "loss")


__all__ = [
    "REDUCTIONS", "Loss", "LossFunctionWrapper", "apply_mask", "reduce_weighted_values",
    "squeeze_or_expand_to_same_rank", "standardize_reduction", "VALUES_AND_GRADS", "FUNCTIONS",
    "CLASSES", "ALIASES", "ALL_OBJECTS_DICT", "get", "serialize", "deserialize", "check_targets",
    "convert_binary_labels_to_hinge", "BinaryCrossentropy", "BinaryFocalCrossentropy",
    "CategoricalCrossentropy", "CategoricalFocalCrossentropy", "CategoricalHinge",
    "CosineSimilarity", "Hinge", "Huber", "KLDivergence", "LogCosh", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_hinge", "cosine_similarity", "hinge", "huber", "kl_divergence", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "poisson", "sparse_categorical_crossentropy",
    "squared_hinge",
]
