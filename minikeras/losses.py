"""Losses, as `keras.losses` has them: per-sample functions, Loss classes, `get`, `check_targets`.

A loss runs in two steps. The per-sample function gives one value per sample (the mean or sum
over the last axis); the Loss object weights those values and reduces them to a scalar:

    values = fn(y_true, y_pred)                          (batch, ...)  y_pred's shape minus `axis`
    loss   = sum(values * sample_weight) / divisor        divisor: number of values for
                                                           "sum_over_batch_size"/"mean", 1 for "sum"
    dy_pred = dLoss/dvalues * dvalues/dy_pred             (kernels give dvalues/dy_pred per row)

The crossentropies use Keras's backend-agnostic formula on clipped probabilities (as its JAX and
NumPy backends do). Keras on TensorFlow in graph mode may instead find the logits behind a final
sigmoid/softmax (`_keras_logits`) and use the logits formula; minikeras never does that.
"""

import warnings

import numpy as np

from . import kernels
from .config import epsilon, floatx
from .utils.lookup import lookup
from .utils.naming import to_snake_case
from .utils.serialization import deserialize_object, serialize_object

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
                         f"Received: reduction={reduction!r}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rank matching: (n,) vs (n, 1) -> both (n, 1); (n, T) vs (n, T, 1) -> both (n, T)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _unbroadcast(d, shape):
    """Sum a gradient over the axes that broadcasting added or stretched, back to `shape`."""
    d = d.sum(axis=tuple(range(d.ndim - len(shape)))) if d.ndim > len(shape) else d
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and d.shape[i] != 1)
    return d.sum(axis=stretched, keepdims=True) if stretched else d


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a mask into the sample weights; under a mean, valid entries weigh total/valid."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total, valid = dtype.type(mask.size), dtype.type(mask.sum())
        float_mask = np.where(mask, total / valid if valid else dtype.type(0), 0).astype(dtype)
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size"):
    """Weight per-sample losses and reduce them as Keras does; also return dLoss/dvalues.

    weighted = values * sample_weight            (ranks matched, then broadcast)
    loss = sum(weighted) / divisor               divisor = weighted.size ("sum_over_batch_size",
                                                 "mean"), 1 ("sum"), sum(sample_weight)
                                                 ("mean_with_sample_weight"); x / 0 = 0
    dvalues = sample_weight / divisor            (summed back to values.shape)
    reduction None/"none": loss = weighted, and dvalues is the gradient of sum(weighted).
    """
    dtype = values.dtype
    sample_weight = apply_mask(None if sample_weight is None else
                                np.asarray(sample_weight).astype(dtype), mask, dtype, reduction)
    v, w = values, sample_weight
    if w is not None:
        v, w = squeeze_or_expand_to_same_rank(values, w)
    weighted = v if w is None else v * w
    if reduction in (None, "none") or weighted.shape in ((), (0,)):
        loss, scale = weighted, dtype.type(1)
    else:
        total = np.sum(weighted)
        if reduction == "sum":
            divisor = dtype.type(1)
        elif reduction == "mean_with_sample_weight" and w is not None:
            divisor = np.sum(w, dtype=dtype)
        else:
            divisor = dtype.type(weighted.size)
        loss = total / divisor if divisor else dtype.type(0)
        scale = dtype.type(1) / divisor if divisor else dtype.type(0)
    dweighted = np.broadcast_to(scale, weighted.shape)
    dvalues = dweighted if w is None else _unbroadcast(dweighted * w, v.shape)
    return loss, np.broadcast_to(dvalues, v.shape).reshape(values.shape)


# ---- per-sample functions; each _private twin also returns dvalues/dy_pred and a mask --------


def _as_float(y_pred):
    y_pred = np.asarray(y_pred)
    return y_pred if y_pred.dtype.kind == "f" else y_pred.astype(floatx())


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r}")


def _check_same_shape(y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={y_true.shape}, output.shape={y_pred.shape}")


def _along_axis(kernel, y_true, y_pred, axis, *args):
    """Run a row kernel over `axis`: values have y_pred's shape minus `axis`, grads its shape."""
    _check_axis(axis)
    t, p = np.moveaxis(y_true, axis, -1), np.moveaxis(y_pred, axis, -1)
    k = p.shape[-1]
    values, grad = kernel(t.reshape(-1, k), p.reshape(-1, k), *args)
    return values.reshape(p.shape[:-1]), np.moveaxis(grad.reshape(p.shape), -1, axis)


def _binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    if label_smoothing:
        smoothing = float(label_smoothing)
        y_true = y_true * (1.0 - smoothing) + 0.5 * smoothing
    _check_same_shape(y_true, y_pred)
    return (*_along_axis(kernels.binary_crossentropy_value_and_grad, y_true, y_pred, axis,
                         epsilon(), bool(from_logits)), None)


def _categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    if y_pred.shape[-1] == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, "
                      f"num_classes) with num_classes > 1. Received: y_pred.shape={y_pred.shape}."
                      " Consider using 'binary_crossentropy' if you only have 2 classes.",
                      SyntaxWarning, stacklevel=3)
    if label_smoothing:
        # Keras divides by the size of the LAST axis, whatever `axis` is.
        smoothing, num_classes = float(label_smoothing), y_pred.dtype.type(y_true.shape[-1])
        y_true = y_true * (1.0 - smoothing) + smoothing / num_classes
    _check_same_shape(y_true, y_pred)
    return (*_along_axis(kernels.categorical_crossentropy_value_and_grad, y_true, y_pred, axis,
                         epsilon(), bool(from_logits)), None)


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                     axis=-1):
    _check_axis(axis)
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true)
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError("Arguments `target` and `output` must have the same shape up until the "
                         f"last dimension: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")
    labels, mask = y_true.astype(np.int64), None
    if ignore_class is not None:
        mask = y_true != ignore_class
        labels, y_pred = np.where(mask, labels, 0), np.where(mask[..., None], y_pred, 0)
    k = y_pred.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        bad = labels[(labels < 0) | (labels >= k)].ravel()[0]
        raise ValueError(f"Received a label value of {bad} which is outside the valid range of "
                         f"[0, {k}) for sparse_categorical_crossentropy (y_pred has {k} classes).")
    values, grad = kernels.sparse_categorical_crossentropy_value_and_grad(
        labels.reshape(-1), y_pred.reshape(-1, k), epsilon(), bool(from_logits))
    values, grad = values.reshape(labels.shape), grad.reshape(y_pred.shape)
    if mask is not None:
        values, grad = np.where(mask, values, 0), grad * mask[..., None]
    return values, grad, mask


def _mean_error(kernel, y_true, y_pred):
    """Shared by MSE and MAE: Keras matches ranks, then NumPy broadcasting applies."""
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    t, p = np.broadcast_arrays(y_true, y_pred)
    values, grad = _along_axis(kernel, t, p, -1)
    return values, _unbroadcast(grad, y_pred.shape), None


def _mean_squared_error(y_true, y_pred):
    return _mean_error(kernels.mean_squared_error_value_and_grad, y_true, y_pred)


def _mean_absolute_error(y_true, y_pred):
    return _mean_error(kernels.mean_absolute_error_value_and_grad, y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary crossentropy, the mean over `axis` (see kernels/*/losses.py)."""
    return _binary_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)[0]


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical crossentropy over `axis`; y_true one-hot (or a distribution)."""
    return _categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)[0]


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample crossentropy with integer class ids y_true (batch,) or (batch, 1)."""
    return _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis)[0]


def mean_squared_error(y_true, y_pred):
    """Per-sample mean over the last axis of (y_true - y_pred)^2."""
    return _mean_squared_error(y_true, y_pred)[0]


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean over the last axis of |y_true - y_pred|."""
    return _mean_absolute_error(y_true, y_pred)[0]


# fn -> the same loss returning (values, dvalues/dy_pred, mask or None); metrics use the mask.
VALUES_AND_GRADS = {
    binary_crossentropy: _binary_crossentropy,
    categorical_crossentropy: _categorical_crossentropy,
    sparse_categorical_crossentropy: _sparse_categorical_crossentropy,
    mean_squared_error: _mean_squared_error,
    mean_absolute_error: _mean_absolute_error,
}


# ---- Loss objects ---------------------------------------------------------------------------


class Loss:
    """Base class: weights and reduces the per-sample values of `call` (Keras's `keras.Loss`).

    Subclasses give `call(y_true, y_pred) -> values`; to train with them, also
    `call_and_grad(y_true, y_pred) -> (values, dvalues/dy_pred, mask or None)`, where the
    derivative has y_pred's shape and the values are reduced over `self.grad_axis`.
    """

    sparse_labels = False  # True when y_true holds integer class ids
    grad_axis = -1

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = np.dtype(dtype or floatx()).name

    def _convert(self, y_true, y_pred):
        return (np.asarray(y_true).astype(self.dtype, copy=False),
                np.asarray(y_pred).astype(self.dtype, copy=False))

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss as a Python float (an array for reduction None/"none")."""
        values, mask = self._values_and_mask(*self._convert(y_true, y_pred))
        loss, _ = reduce_weighted_values(values, sample_weight, mask, self.reduction)
        return float(loss) if np.ndim(loss) == 0 else loss

    def value_and_grad(self, y_true, y_pred, sample_weight=None):
        """Return (loss, dy_pred): the reduced loss and dLoss/dy_pred (y_pred's shape and dtype).

        dy_pred = expand(dLoss/dvalues, grad_axis) * dvalues/dy_pred
        y_pred, dy_pred: (batch, ..., units); y_true: the same, or (batch, ...) class ids for the
        sparse loss; sample_weight: scalar, (batch,) or (batch, 1); loss: a Python float.
        """
        y_pred_in = np.asarray(y_pred)
        values, dvalues_dy, mask = self.call_and_grad(*self._convert(y_true, y_pred_in))
        loss, dvalues = reduce_weighted_values(values, sample_weight, mask, self.reduction)
        dy_pred = np.expand_dims(dvalues, self.grad_axis) * dvalues_dy
        loss = float(loss) if np.ndim(loss) == 0 else loss
        return loss, dy_pred.reshape(y_pred_in.shape).astype(y_pred_in.dtype, copy=False)

    def _values_and_mask(self, y_true, y_pred):
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def call_and_grad(self, y_true, y_pred):
        raise NotImplementedError(
            f"{type(self).__name__} has no gradient. minikeras has no autograd: implement "
            "call_and_grad(y_true, y_pred) -> (values, dvalues_dy_pred, mask) to train with it.")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


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


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy for 0/1 labels; label_smoothing squeezes them towards 0.5."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for one-hot labels; label_smoothing mixes in ls / num_classes."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class ids; labels equal to `ignore_class` count for nothing."""

    _config_keys = ("from_logits", "ignore_class")  # Keras leaves `axis` out

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)


# ---- lookup and serialization ---------------------------------------------------------------

CLASSES = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError)}
FUNCTIONS = {fn.__name__: fn for fn in VALUES_AND_GRADS}
ALIASES = {"bce": binary_crossentropy, "BCE": binary_crossentropy, "mae": mean_absolute_error,
           "MAE": mean_absolute_error, "mse": mean_squared_error, "MSE": mean_squared_error}
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


# ---- label checks before training -----------------------------------------------------------


def check_targets(loss, y_true, y_pred_shape):
    """Raise a ValueError naming the problem when labels `y_true` cannot fit the loss.

    y_true: the whole label array; y_pred_shape: the model's output shape (batch may be None).
    Catches integer class ids given to categorical_crossentropy, one-hot labels given to
    sparse_categorical_crossentropy, class ids outside [0, units), labels outside [0, 1] for
    binary_crossentropy, and label shapes that do not match the output.
    """
    loss = get(loss)
    y_true = np.asarray(y_true)
    if y_true.dtype.kind not in "biuf":
        raise TypeError(f"`y` must hold numbers; got dtype {y_true.dtype} for loss {loss.name!r}.")
    out = tuple(y_pred_shape)
    if y_true.ndim == 0:
        raise ValueError(f"`y` must have a batch axis; got a scalar for output shape {out}.")
    if out[0] is not None and y_true.shape[0] != out[0]:
        raise ValueError(f"`y` has {y_true.shape[0]} samples but the model output has {out[0]}.")
    fn = getattr(loss, "fn", None)
    if fn not in VALUES_AND_GRADS or out[-1] is None:
        return
    name, units, out = fn.__name__, out[-1], (y_true.shape[0],) + out[1:]
    known = None not in out  # sequence outputs may leave the time axis open
    is_integer = y_true.dtype.kind in "biu" or bool(np.all(np.mod(y_true, 1) == 0))
    as_ids = y_true.shape in (out[:-1], out[:-1] + (1,))
    if fn is sparse_categorical_crossentropy:
        if known and y_true.shape == out and units > 1:
            raise ValueError(
                f"sparse_categorical_crossentropy expects integer class ids of shape {out[:-1]} "
                f"or {out[:-1] + (1,)}, but `y` has shape {y_true.shape}, like one-hot labels. "
                "Use loss='categorical_crossentropy', or pass y.argmax(axis=-1).")
        if known and not as_ids:
            raise ValueError(f"`y` has shape {y_true.shape}; sparse_categorical_crossentropy "
                             f"with output shape {out} expects class ids of shape {out[:-1]}.")
        if not is_integer:
            raise ValueError("sparse_categorical_crossentropy expects integer class ids; `y` "
                             "holds non-integer values.")
        ignore = loss._fn_kwargs.get("ignore_class")
        ids = y_true if ignore is None else y_true[y_true != ignore]
        if ids.size and (ids.min() < 0 or ids.max() >= units):
            bad = ids[(ids < 0) | (ids >= units)].ravel()[0]
            raise ValueError(f"`y` holds class id {bad}, outside the valid range [0, {units}) "
                             f"for a model with {units} output units.")
        return
    if fn is categorical_crossentropy and units > 1 and as_ids and is_integer:
        raise ValueError(
            f"categorical_crossentropy expects one-hot labels of shape {out}, but `y` has shape "
            f"{y_true.shape} and holds integer class ids. Use "
            "loss='sparse_categorical_crossentropy', or one-hot encode `y`.")
    if known:
        t, p = squeeze_or_expand_to_same_rank(np.broadcast_to(0.0, y_true.shape),
                                              np.broadcast_to(0.0, out))
        if t.shape != p.shape:
            raise ValueError(f"`y` has shape {y_true.shape}, which does not match the model "
                             f"output shape {out} for loss {name!r}.")
    if fn is binary_crossentropy and y_true.size and (y_true.min() < 0 or y_true.max() > 1):
        raise ValueError("binary_crossentropy expects labels in [0, 1]; `y` holds values from "
                         f"{y_true.min()} to {y_true.max()}.")
