"""Metrics, as `keras.metrics` has them: stateful running means over an epoch.

A metric keeps two numbers in its dtype (float32 by default), as Keras's variables do:

    update_state:  total += sum(values * sample_weight),   count += sum(sample_weight)
                   (no weights: count += number of samples)
    result:        total / count  (0 when count is 0)

`MeanMetricWrapper(fn)` feeds it the per-sample values fn(y_true, y_pred); values with more
axes than the weights are first averaged over the extra axes. The trainer's loss tracker is
`Mean(name="loss")`, updated with the batch loss and sample_weight = batch size, as Keras does.
"""

import numpy as np

from . import kernels, losses
from .config import floatx
from .losses import squeeze_or_expand_to_same_rank
from .utils.lookup import lookup
from .utils.naming import to_snake_case
from .utils.serialization import deserialize_object, serialize_object


def reduce_to_samplewise_values(values, sample_weight, dtype, mask=None):
    """Keras's weighting: match ranks, average extra axes, multiply; return (values, weights).

    A mask (from a loss's ignore_class) zeroes weights, but only when weights are given (as
    in Keras: without sample weights, masked values count as 0 in the mean).
    """
    values = np.asarray(values).astype(dtype)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight).astype(dtype)
        sample_weight = losses.apply_mask(sample_weight, mask, np.dtype(dtype), "sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = np.mean(values, axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = np.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = np.mean(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = np.mean(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Metric:
    """Base class: `update_state(...)` accumulates, `result()` reads, `reset_state()` clears."""

    def __init__(self, dtype=None, name=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = np.dtype(dtype or floatx()).name

    def __call__(self, *args, **kwargs):
        """Update with one batch, then return the running result (as Keras)."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The weighted running mean of the values given to `update_state(values, sample_weight)`."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def update_state(self, values, sample_weight=None, mask=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, self.dtype, mask)
        self.total += np.sum(values)
        if sample_weight is not None:
            self.count += np.sum(sample_weight)
        else:
            self.count += self.count.dtype.type(values.shape[0] if values.ndim else 1)

    def reset_state(self):
        self.total = np.zeros((), dtype=self.dtype)
        self.count = np.zeros((), dtype=self.dtype)

    def result(self):
        return float(self.total / self.count) if self.count else 0.0


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function fn(y_true, y_pred, **kwargs)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._fn in losses.VALUES_AND_GRADS:  # a loss: it may mask entries (ignore_class)
            values, _, mask = losses.VALUES_AND_GRADS[self._fn](y_true, y_pred, **self._fn_kwargs)
        else:
            values, mask = self._fn(y_true, y_pred, **self._fn_kwargs), None
        super().update_state(values, sample_weight=sample_weight, mask=mask)

    def get_config(self):
        return {**super().get_config(), "fn": self._fn.__name__, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn")
        return cls(lookup("metric function", fn, FUNCTIONS) if isinstance(fn, str) else fn,
                   **config)


# ---- accuracy functions: 1.0 where a prediction matches its label ---------------------------


def _as_float(y_pred):
    y_pred = np.asarray(y_pred)
    return y_pred if y_pred.dtype.kind == "f" else y_pred.astype(floatx())


def _argmax_matches(labels, y_pred):
    labels = np.broadcast_to(labels.astype(y_pred.dtype), y_pred.shape[:-1])
    k = y_pred.shape[-1]
    return kernels.argmax_matches(labels.reshape(-1), y_pred.reshape(-1, k)).reshape(labels.shape)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """matches = (y_true == (y_pred > threshold)), elementwise (shapes matched as Keras)."""
    y_pred = _as_float(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true).astype(y_pred.dtype), y_pred)
    t, p = np.broadcast_arrays(y_true, y_pred)
    matches = kernels.binary_accuracy_matches(t.ravel(), p.ravel(), float(threshold))
    return matches.reshape(t.shape).astype(floatx())


def categorical_accuracy(y_true, y_pred):
    """matches = (argmax(y_true) == argmax(y_pred)) over the last axis; y_true one-hot."""
    y_pred = _as_float(y_pred)
    labels = np.argmax(np.asarray(y_true), axis=-1)
    if labels.ndim == y_pred.ndim:  # Keras's rank fix-up: squeeze, compare, restore the shape
        return _argmax_matches(labels[..., 0], y_pred).reshape(labels.shape).astype(floatx())
    return _argmax_matches(labels, y_pred).astype(floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """matches = (y_true == argmax(y_pred)); y_true integer ids of shape (n,) or (n, 1)."""
    y_pred = _as_float(y_pred)
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        matches = _argmax_matches(y_true[..., 0], y_pred).reshape(y_true.shape)
    else:
        matches = _argmax_matches(y_true, y_pred)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches.astype(floatx())


# ---- metric classes ---------------------------------------------------------------------------


class _Wrapper(MeanMetricWrapper):
    """A MeanMetricWrapper whose Keras config lists `name`, `dtype` and the keys below."""

    fn, config_keys = None, ()

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(type(self).fn, name=name, dtype=dtype, **kwargs)
        for key in self.config_keys:
            setattr(self, key, kwargs[key])

    def get_config(self):
        return {**Metric.get_config(self), **{k: getattr(self, k) for k in self.config_keys}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class BinaryAccuracy(_Wrapper):
    _direction = "up"  # EarlyStopping(mode='auto') maximizes it, as in Keras
    fn, config_keys = staticmethod(binary_accuracy), ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(_Wrapper):
    _direction = "up"  # EarlyStopping(mode='auto') maximizes it, as in Keras
    fn = staticmethod(categorical_accuracy)

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SparseCategoricalAccuracy(_Wrapper):
    _direction = "up"  # EarlyStopping(mode='auto') maximizes it, as in Keras
    fn = staticmethod(sparse_categorical_accuracy)

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanSquaredError(_Wrapper):
    _direction = "down"
    fn = staticmethod(losses.mean_squared_error)

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class MeanAbsoluteError(_Wrapper):
    _direction = "down"
    fn = staticmethod(losses.mean_absolute_error)

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name=name, dtype=dtype)


class BinaryCrossentropy(_Wrapper):
    _direction = "down"
    fn, config_keys = staticmethod(losses.binary_crossentropy), ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(_Wrapper):
    _direction = "down"
    fn = staticmethod(losses.categorical_crossentropy)
    config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Wrapper):
    _direction = "down"
    fn = staticmethod(losses.sparse_categorical_crossentropy)
    config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)


# ---- lookup ---------------------------------------------------------------------------------

CLASSES = {cls.__name__: cls for cls in (
    Mean, MeanMetricWrapper, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy)}
FUNCTIONS = {fn.__name__: fn for fn in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, *losses.FUNCTIONS.values())}
ALL_OBJECTS_DICT = {**CLASSES, **{to_snake_case(name): cls for name, cls in CLASSES.items()},
                    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
                    "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError}


def _accuracy_class(loss, y_true_shape, y_pred_shape):
    """Keras 3's rule (compile_utils.get_metric): binary if the output has 1 unit, sparse if the
    labels have a lower rank or a last axis of 1 (and the output more than 1 unit), else
    categorical. Without y_true_shape the loss says what the labels look like."""
    units = None if y_pred_shape is None else y_pred_shape[-1]
    if units == 1:
        return BinaryAccuracy
    if y_true_shape is not None and y_pred_shape is not None:
        sparse = len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1 and units > 1
    else:
        loss = losses.get(loss)
        fn = getattr(loss, "fn", None)
        if units is None and fn is losses.binary_crossentropy:
            return BinaryAccuracy
        sparse = bool(getattr(loss, "sparse_labels", False))
    return SparseCategoricalAccuracy if sparse else CategoricalAccuracy


def get(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """Return a Metric named as Keras's compile names it.

    "accuracy"/"acc" (any case) pick Binary/Sparse/CategoricalAccuracy by the shapes (see
    `_accuracy_class`) and keep the name as written; other strings ("mse", "binary_accuracy",
    "MeanSquaredError") are looked up and also keep the name as written; Metric instances keep
    their name; classes are instantiated; plain functions are wrapped under their snake_case name.
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return _accuracy_class(loss, y_true_shape, y_pred_shape)(name=identifier)
    if isinstance(identifier, dict):
        metric = deserialize(identifier)
    elif isinstance(identifier, str):
        metric = lookup("metric", identifier, {k: v for k, v in ALL_OBJECTS_DICT.items()
                                               if v is not MeanMetricWrapper})
        metric = metric()
        metric.name = identifier
    elif isinstance(identifier, type) and issubclass(identifier, Metric):
        metric = identifier()
    elif isinstance(identifier, Metric):
        metric = identifier
    elif callable(identifier):
        name = getattr(identifier, "__name__", type(identifier).__name__)
        metric = MeanMetricWrapper(identifier, name=to_snake_case(name))
    else:
        raise ValueError(f"Could not interpret metric identifier: {identifier!r} (expected a "
                         "name such as 'accuracy', a Metric instance or class, or a function).")
    return metric


def serialize(metric):
    return serialize_object(metric, "keras.metrics")


def deserialize(config):
    if isinstance(config, str):
        return get(config)
    return deserialize_object(config, CLASSES, "metric")
