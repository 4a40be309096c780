"""The Loss base class and Keras's reductions: how per-sample values become one number.

A loss runs in two steps. The per-sample function gives one value per sample (the mean or sum
over the last axis); the Loss object weights those values and reduces them to a scalar:

    values = fn(y_true, y_pred)                          (batch, ...)  y_pred's shape minus `axis`
    loss   = sum(values * sample_weight) / divisor        divisor: number of values for
                                                           "sum_over_batch_size"/"mean", 1 for "sum"
    dy_pred = dLoss/dvalues * dvalues/dy_pred             (kernels give dvalues/dy_pred per row)
"""

import numpy as np

from ..config import floatx
from ..utils.naming import to_snake_case

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


def unbroadcast(d, shape):
    """Sum a gradient over the axes that broadcasting added or stretched, back to `shape`."""
    d = d.sum(axis=tuple(range(d.ndim - len(shape)))) if d.ndim > len(shape) else d
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and d.shape[i] != 1)
    return d.sum(axis=stretched, keepdims=True) if stretched else d


_unbroadcast = unbroadcast  # the name losses.py used before it became a package


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
    dvalues = dweighted if w is None else unbroadcast(dweighted * w, v.shape)
    return loss, np.broadcast_to(dvalues, v.shape).reshape(values.shape)


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
