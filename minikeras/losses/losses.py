"""Loss classes, as `keras.losses` has them: LossFunctionWrapper and one class per function.

Each class holds its function's arguments and passes them on; `Loss` (loss.py) weights and
reduces the per-sample values. `VALUES_AND_GRADS` maps every built-in per-sample function to
its private twin returning (values, dvalues/dy_pred, mask or None); metrics use it too.
"""

import copy

import numpy as np

from ..utils.lookup import lookup
from .common import check_number
from .hinge import (
    _categorical_hinge,
    _hinge,
    _squared_hinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from .loss import Loss, squeeze_or_expand_to_same_rank
from .probabilistic import (
    _binary_crossentropy,
    _binary_focal_crossentropy,
    _categorical_crossentropy,
    _categorical_focal_crossentropy,
    _kl_divergence,
    _poisson,
    _sparse_categorical_crossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    check_focal_args,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from .regression import (
    _cosine_similarity,
    _huber,
    _log_cosh,
    _mean_absolute_error,
    _mean_absolute_percentage_error,
    _mean_squared_error,
    _mean_squared_logarithmic_error,
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)

# fn -> the same loss returning (values, dvalues/dy_pred, mask or None); metrics use the mask.
VALUES_AND_GRADS = {
    binary_crossentropy: _binary_crossentropy,
    categorical_crossentropy: _categorical_crossentropy,
    sparse_categorical_crossentropy: _sparse_categorical_crossentropy,
    mean_squared_error: _mean_squared_error,
    mean_absolute_error: _mean_absolute_error,
    mean_absolute_percentage_error: _mean_absolute_percentage_error,
    mean_squared_logarithmic_error: _mean_squared_logarithmic_error,
    cosine_similarity: _cosine_similarity,
    huber: _huber,
    log_cosh: _log_cosh,
    hinge: _hinge,
    squared_hinge: _squared_hinge,
    categorical_hinge: _categorical_hinge,
    kl_divergence: _kl_divergence,
    poisson: _poisson,
    binary_focal_crossentropy: _binary_focal_crossentropy,
    categorical_focal_crossentropy: _categorical_focal_crossentropy,
}
FUNCTIONS = {fn.__name__: fn for fn in VALUES_AND_GRADS}


class LossFunctionWrapper(Loss):
    """A Loss around a per-sample function `fn(y_true, y_pred, **kwargs)`, ranks matched first."""

    _config_keys = None  # subclasses: the fn kwargs their Keras get_config lists

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        for key in self._config_keys or ():
            setattr(self, key, kwargs[key])

    @property
    def fn_kwargs(self):
        """The keyword arguments `fn` is called with (a copy)."""
        return dict(self._fn_kwargs)

    def with_fn_kwargs(self, **changes):
        """A copy of this loss whose `fn` gets these keyword arguments changed."""
        twin = copy.copy(self)
        twin._fn_kwargs = {**self._fn_kwargs, **changes}
        return twin

    @property
    def sparse_labels(self):
        return self.fn is sparse_categorical_crossentropy

    @property
    def grad_axis(self):
        return self._fn_kwargs.get("axis", -1)

    def _values_and_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if self.fn in VALUES_AND_GRADS:
            values, _, mask = VALUES_AND_GRADS[self.fn](y_true, y_pred, **self._fn_kwargs)
            return values, mask
        return np.asarray(self.fn(y_true, y_pred, **self._fn_kwargs)), None

    def call(self, y_true, y_pred):
        return self._values_and_mask(y_true, y_pred)[0]

    def call_and_grad(self, y_true, y_pred):
        if self.fn not in VALUES_AND_GRADS:
            raise TypeError(
                f"Loss function {self.fn!r} has no gradient. minikeras has no autograd: subclass "
                "minikeras.losses.Loss and implement call_and_grad(y_true, y_pred) -> (values, "
                "dvalues_dy_pred, mask), or use a built-in loss.")
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return VALUES_AND_GRADS[self.fn](y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        if self._config_keys is not None:
            return {**super().get_config(), **{k: getattr(self, k) for k in self._config_keys}}
        return {**super().get_config(), "fn": self.fn.__name__, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if "fn" not in config:
            return cls(**config)
        config = dict(config)
        fn = config.pop("fn")
        return cls(lookup("loss function", fn, FUNCTIONS) if isinstance(fn, str) else fn,
                   **config)


class MeanSquaredError(LossFunctionWrapper):
    """loss = mean(square(y_true - y_pred)) over the last axis, then reduced."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """loss = mean(abs(y_true - y_pred)) over the last axis, then reduced."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """loss = 100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps))), then reduced."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """loss = mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))), reduced."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


class LogCosh(LossFunctionWrapper):
    """loss = mean(log(cosh(y_pred - y_true))) over the last axis, then reduced."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """loss = mean(maximum(1 - y_true * y_pred, 0)); 0/1 labels become -1/1."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """loss = mean(square(maximum(1 - y_true * y_pred, 0))); 0/1 labels become -1/1."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """loss = maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


class KLDivergence(LossFunctionWrapper):
    """loss = sum(y_true * log(y_true / y_pred)), both clipped to [eps, 1], then reduced."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """loss = mean(y_pred - y_true * log(y_pred + eps)) over the last axis, then reduced."""

    _config_keys = ()

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """loss = -sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis`, then reduced.

    Differs from Keras: get_config also holds `axis` (Keras drops it, so a saved and reloaded
    loss silently goes back to axis=-1); Keras's from_config accepts the key.
    """

    _config_keys = ("axis",)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)


class Huber(LossFunctionWrapper):
    """loss = mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2), e = y_pred - y_true.

    Differs from Keras: get_config also holds `delta` (Keras drops it, so a saved and reloaded
    loss silently goes back to delta=1.0), and delta < 0 raises ValueError.
    """

    _config_keys = ("delta",)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        check_number("Huber", "delta", delta, low=0)
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy for 0/1 labels; label_smoothing squeezes them towards 0.5."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary crossentropy scaled by (1 - p_t)^gamma, optionally by alpha / 1 - alpha per class.

    p_t = y_true p + (1 - y_true)(1 - p); loss = mean(weight * (1 - p_t)^gamma * bce) over
    `axis`. Bad gamma (< 0), alpha (outside [0, 1]) or label_smoothing raise ValueError here.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        check_focal_args("BinaryFocalCrossentropy", alpha, gamma, label_smoothing, binary=True)
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for one-hot labels; label_smoothing mixes in ls / num_classes."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy scaled by alpha (1 - q)^gamma per class, summed over `axis`.

    alpha: a number or a list with one number per class. Bad gamma (< 0), alpha or
    label_smoothing raise ValueError here.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        check_focal_args("CategoricalFocalCrossentropy", alpha, gamma, label_smoothing,
                         binary=False)
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class ids; labels equal to `ignore_class` count for nothing."""

    _config_keys = ("from_logits", "ignore_class")  # Keras leaves `axis` out

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)


CLASSES = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson)}
