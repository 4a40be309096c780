"""Probabilistic losses as per-sample functions: crossentropies, focal crossentropies, KL, Poisson.

Each public function returns one value per sample; its private twin (`_name`) also returns
dvalues/dy_pred and a mask (or None), for training and for metrics. The math is in
`minikeras/kernels/*/losses.py`.

The crossentropies use Keras's backend-agnostic formula on clipped probabilities (as its JAX and
NumPy backends do). Keras on TensorFlow may instead find the logits behind a final
sigmoid/softmax (`_keras_logits`) and use the logits formula; minikeras never does that, except
that binary_focal_crossentropy(from_logits=True) uses the logits form as Keras on TensorFlow does.
"""

import warnings

import numpy as np

from .. import kernels
from ..config import epsilon, numerics
from .common import (
    along_axis,
    as_float,
    broadcast_loss,
    check_axis,
    check_number,
    check_same_shape,
    paired,
)


def _smoothed_labels(y_true, label_smoothing, binary):
    """Binary: t (1 - ls) + ls / 2.  Categorical: t (1 - ls) + ls / num_classes (LAST axis)."""
    if not label_smoothing:
        return y_true
    smoothing = float(label_smoothing)
    target = 0.5 if binary else smoothing / y_true.dtype.type(y_true.shape[-1])
    return y_true * (1.0 - smoothing) + (0.5 * smoothing if binary else target)


def _warn_single_class(name, y_pred):
    if y_pred.shape[-1] == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider "
                      "using 'binary_crossentropy' if you only have 2 classes.",
                      SyntaxWarning, stacklevel=4)


def clip_tie_gradient():
    """The share of the gradient a probability exactly on a clip bound (eps or 1 - eps) gets.

    Keras on TensorFlow clips with tf.clip_by_value, whose gradient passes there (1.0); Keras
    on JAX with jnp.clip, i.e. maximum then minimum, whose gradient splits a tie evenly (0.5).
    A saturated float32 sigmoid lands exactly on 1 - eps often enough to matter (measured: the
    raw-input Pima network on JAX, NumPy kernels, 20 steps: loss 6.5e-3 apart with the whole
    gradient, 1.9e-7 with half). Follows config.numerics(), the backend minikeras mirrors
    (TensorFlow run eagerly computes this clipped form too, with the whole gradient). Binary
    and categorical crossentropy apply it; sparse categorical crossentropy on JAX is the
    categorical formula on one-hot labels (TensorFlow's clips, then renormalizes).
    """
    return 0.5 if numerics() == "jax" else 1.0


def _binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = paired(y_true, y_pred, match_ranks=False)
    y_true = _smoothed_labels(y_true, label_smoothing, binary=True)
    check_same_shape(y_true, y_pred)
    return (*along_axis(kernels.losses.binary_crossentropy_value_and_grad, y_true, y_pred, axis,
                        epsilon(), bool(from_logits), clip_tie_gradient()), None)


def _categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = paired(y_true, y_pred, match_ranks=False)
    _warn_single_class("categorical_crossentropy", y_pred)
    y_true = _smoothed_labels(y_true, label_smoothing, binary=False)
    check_same_shape(y_true, y_pred)
    return (*along_axis(kernels.losses.categorical_crossentropy_value_and_grad, y_true, y_pred,
                        axis, epsilon(), bool(from_logits), clip_tie_gradient()), None)


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                     axis=-1):
    check_axis(axis)
    y_pred = as_float(y_pred)
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
    if from_logits or numerics() == "tensorflow":
        values, grad = kernels.losses.sparse_categorical_crossentropy_value_and_grad(
            labels.reshape(-1), y_pred.reshape(-1, k), epsilon(), bool(from_logits))
    else:  # Keras on JAX: renormalize, clip, -log q_label: categorical on one-hot labels
        onehot = np.eye(k, dtype=y_pred.dtype)[labels.reshape(-1)]
        rows = y_pred.reshape(-1, k)
        if mask is not None:  # ignored rows (zeroed above) would divide 0 by 0; dropped below
            rows = np.where(mask.reshape(-1, 1), rows, y_pred.dtype.type(1))
        values, grad = kernels.losses.categorical_crossentropy_value_and_grad(
            onehot, rows, epsilon(), False, clip_tie_gradient())
    values, grad = values.reshape(labels.shape), grad.reshape(y_pred.shape)
    if mask is not None:
        values, grad = np.where(mask, values, 0), grad * mask[..., None]
    return values, grad, mask


def check_focal_args(loss, alpha, gamma, label_smoothing, binary):
    """Bad focal-loss arguments raise ValueError naming them (Keras accepts them silently)."""
    check_number(loss, "gamma", gamma, low=0)
    check_number(loss, "label_smoothing", label_smoothing, low=0, high=1)
    if binary:
        check_number(loss, "alpha", alpha, low=0, high=1)
        return
    values = np.asarray(alpha, dtype=object).ravel() if np.ndim(alpha) else [alpha]
    for value in values:
        if np.ndim(alpha) > 1:
            raise ValueError(f"Argument `alpha` of {loss} must be a number or a list of numbers "
                             f"(one per class). Received: alpha={alpha!r}")
        check_number(loss, "alpha", value)


def _binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                               gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    check_focal_args("binary_focal_crossentropy", alpha, gamma, label_smoothing, binary=True)
    y_true, y_pred = paired(y_true, y_pred, match_ranks=False)
    y_true = _smoothed_labels(y_true, label_smoothing, binary=True)
    check_same_shape(y_true, y_pred)
    return (*along_axis(kernels.losses.binary_focal_crossentropy_value_and_grad, y_true, y_pred,
                        axis, bool(apply_class_balancing), float(alpha), float(gamma), epsilon(),
                        bool(from_logits)), None)


def _categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                    label_smoothing=0.0, axis=-1):
    check_axis(axis)
    check_focal_args("categorical_focal_crossentropy", alpha, gamma, label_smoothing, binary=False)
    y_true, y_pred = paired(y_true, y_pred, match_ranks=False)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    y_true = _smoothed_labels(y_true, label_smoothing, binary=False)
    check_same_shape(y_true, y_pred)
    alpha_values = np.asarray(alpha, dtype=y_pred.dtype)
    if alpha_values.ndim and alpha_values.shape[-1] not in (1, y_pred.shape[-1]):
        raise ValueError(f"Argument `alpha` of categorical_focal_crossentropy has "
                         f"{alpha_values.shape[-1]} values, but y_pred has {y_pred.shape[-1]} "
                         f"classes (its last axis). Received: alpha={alpha!r}")
    # Keras multiplies alpha along the LAST axis, whatever `axis` is: broadcast it there first.
    alpha_full = np.moveaxis(np.broadcast_to(alpha_values, y_pred.shape), axis, -1)
    return (*along_axis(
        lambda t, p: kernels.losses.categorical_focal_crossentropy_value_and_grad(
            t, p, np.ascontiguousarray(alpha_full).reshape(p.shape), float(gamma), epsilon(),
            bool(from_logits)), y_true, y_pred, axis), None)


def _kl_divergence(y_true, y_pred):
    return broadcast_loss(kernels.losses.kl_divergence_value_and_grad, y_true, y_pred, epsilon(),
                          match_ranks=False)


def _poisson(y_true, y_pred):
    return broadcast_loss(kernels.losses.poisson_value_and_grad, y_true, y_pred, epsilon(),
                          match_ranks=False)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary crossentropy, the mean over `axis` (see kernels/*/losses.py)."""
    return _binary_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)[0]


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical crossentropy over `axis`; y_true one-hot (or a distribution)."""
    return _categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)[0]


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample crossentropy with integer class ids y_true (batch,) or (batch, 1)."""
    return _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis)[0]


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary crossentropy scaled by (1 - p_t)^gamma, the mean over `axis`.

    With from_logits=True the crossentropy part uses the stable logits form (as Keras on
    TensorFlow does); bad alpha/gamma/label_smoothing raise ValueError (Keras accepts them).
    """
    return _binary_focal_crossentropy(y_true, y_pred, apply_class_balancing, alpha, gamma,
                                      from_logits, label_smoothing, axis)[0]


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Per-sample sum over `axis` of alpha (1 - q)^gamma (-t log q), q the clipped probabilities.

    alpha: a number or one number per class (applied along the last axis, as Keras).
    Unlike Keras, y_true and y_pred must have the same shape (Keras broadcasts silently).
    """
    return _categorical_focal_crossentropy(y_true, y_pred, alpha, gamma, from_logits,
                                           label_smoothing, axis)[0]


def kl_divergence(y_true, y_pred):
    """Per-sample sum over the last axis of t log(t / p), both clipped to [eps, 1]."""
    return _kl_divergence(y_true, y_pred)[0]


def poisson(y_true, y_pred):
    """Per-sample mean over the last axis of p - t log(p + eps)."""
    return _poisson(y_true, y_pred)[0]
