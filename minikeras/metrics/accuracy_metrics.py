"""Accuracy metrics: 1.0 where a prediction matches its label, averaged (Keras's
`accuracy_metrics.py`). The per-sample functions:

    accuracy:                     y_true == y_pred
    binary_accuracy:              y_true == (y_pred > threshold)
    categorical_accuracy:         argmax(y_true) == argmax(y_pred)
    sparse_categorical_accuracy:  y_true == argmax(y_pred)
    top_k_categorical_accuracy:   argmax(y_true) is among the k largest y_pred
    sparse_top_k_categorical_accuracy: y_true is among the k largest y_pred
                                  (from_sorted_ids: y_true is in y_pred[:, :k])

"Among the k largest" follows TensorFlow's `in_top_k`: the label is in when fewer than k
classes score strictly higher, so ties at the boundary all count; a non-finite score or a
label outside [0, classes) never does.
"""

import numpy as np

from .. import kernels
from ..config import floatx
from .metric import squeeze_or_expand_to_same_rank
from .reduction_metrics import _Wrapper


def _as_float(y_pred):
    y_pred = np.asarray(y_pred)
    return y_pred if y_pred.dtype.kind == "f" else y_pred.astype(floatx())


def _argmax_matches(labels, y_pred):
    labels = np.broadcast_to(labels.astype(y_pred.dtype), y_pred.shape[:-1])
    k = y_pred.shape[-1]
    matches = kernels.metrics.argmax_matches(labels.reshape(-1), y_pred.reshape(-1, k))
    return matches.reshape(labels.shape)


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"Argument `k` must be a positive integer. Received: k={k!r}")


def accuracy(y_true, y_pred):
    """matches = (y_true == y_pred), elementwise after Keras's rank matching."""
    y_pred = _as_float(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true).astype(y_pred.dtype), y_pred)
    return (y_true == y_pred).astype(floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """matches = (y_true == (y_pred > threshold)), elementwise (shapes matched as Keras)."""
    y_pred = _as_float(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(np.asarray(y_true).astype(y_pred.dtype), y_pred)
    t, p = np.broadcast_arrays(y_true, y_pred)
    matches = kernels.metrics.binary_accuracy_matches(t.ravel(), p.ravel(), float(threshold))
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


def _in_top_k(labels, y_pred, k):
    """labels: any shape of ids; y_pred: (..., classes) -> matches with labels' shape."""
    classes = y_pred.shape[-1]
    flat = labels.reshape(-1).astype(np.int64)
    matches = kernels.metrics.top_k_matches(flat, y_pred.reshape(-1, classes), int(k))
    return matches.reshape(labels.shape).astype(floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """matches = argmax(y_true) in top_k(y_pred); y_true one-hot (batch, ..., classes)."""
    _check_k(k)
    y_pred = _as_float(y_pred)
    return _in_top_k(np.argmax(np.asarray(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """matches = y_true in top_k(y_pred); y_true ids (batch,) or (batch, 1).

    from_sorted_ids=True: y_pred holds class ids sorted best first, and the match is
    y_true in y_pred[:, :k].
    """
    _check_k(k)
    y_pred = np.asarray(y_pred)
    if from_sorted_ids:
        labels = np.asarray(y_true).astype(y_pred.dtype)
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        matches = np.any(labels.reshape(-1, 1) == ids, axis=1)
        return matches.reshape(labels.shape).astype(floatx())
    # Keras casts the labels to int32 before comparing, so 1.7 counts as class 1
    return _in_top_k(np.asarray(y_true).astype(np.int32), _as_float(y_pred), k)


class Accuracy(_Wrapper):
    """How often y_pred equals y_true exactly."""

    _direction = "up"
    fn = staticmethod(accuracy)

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class BinaryAccuracy(_Wrapper):
    """How often (y_pred > threshold) equals the 0/1 label."""

    _direction = "up"  # EarlyStopping(mode='auto') maximizes it, as in Keras
    fn, config_keys = staticmethod(binary_accuracy), ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(_Wrapper):
    """How often argmax(y_pred) equals argmax of the one-hot label."""

    _direction = "up"
    fn = staticmethod(categorical_accuracy)

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SparseCategoricalAccuracy(_Wrapper):
    """How often argmax(y_pred) equals the integer label."""

    _direction = "up"
    fn = staticmethod(sparse_categorical_accuracy)

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)


class TopKCategoricalAccuracy(_Wrapper):
    """How often the one-hot label's class is among the k best-scored classes."""

    _direction = "up"
    fn, config_keys = staticmethod(top_k_categorical_accuracy), ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        _check_k(k)
        super().__init__(name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(_Wrapper):
    """How often the integer label is among the k best-scored classes."""

    _direction = "up"
    fn, config_keys = staticmethod(sparse_top_k_categorical_accuracy), ("k",)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        _check_k(k)
        super().__init__(name=name, dtype=dtype, k=k, from_sorted_ids=from_sorted_ids)
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = super().get_config()
        if self.from_sorted_ids:  # Keras lists the key only when it is set
            config["from_sorted_ids"] = True
        return config
