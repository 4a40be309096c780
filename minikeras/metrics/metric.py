"""The Metric base class and the shape rules every metric shares (Keras's `metric.py`).

A metric is a running statistic over an epoch: `update_state(...)` adds one batch,
`result()` reads the value so far, `reset_state()` starts again. The state lives in NumPy
scalars/arrays of the metric's dtype (float32 by default), as Keras keeps it in variables.
"""

import numpy as np

from ..config import floatx
from ..utils.naming import auto_name, to_snake_case


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rank matching: (n,) vs (n, 1) -> both (n, 1); (n, T) vs (n, T, 1) -> both (n, T).

    With expand_rank_1=False a rank-1 array stays rank 1 and the other one is squeezed.
    """
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


def apply_mask(sample_weight, mask, dtype):
    """Zero the weights of masked entries (Keras's `apply_mask` with reduction "sum").

    mask: bool array or None; sample_weight: array or None. Without weights the mask itself
    becomes the weights (1.0 kept, 0.0 masked).
    """
    if mask is None:
        return sample_weight
    float_mask = np.asarray(mask).astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def reduce_to_samplewise_values(values, sample_weight, dtype, mask=None, reduce_fn=np.mean):
    """Keras's weighting: match ranks, reduce extra axes, multiply; return (values, weights).

        values:        (batch, ...)  -> reduced with reduce_fn over the axes the weights lack
        sample_weight: scalar, (batch,), (batch, 1), ... -> broadcast, then reduced to (batch,)
        returned values = reduce(values) * weights, reduced to (batch,)

    reduce_fn is np.mean for Mean and np.sum for Sum. A mask (from a loss's ignore_class)
    zeroes weights, but only when weights are given (as in Keras: without sample weights,
    masked values count as 0 in the mean).
    """
    values = np.asarray(values).astype(dtype)
    if sample_weight is not None:
        sample_weight = apply_mask(np.asarray(sample_weight).astype(dtype), mask, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = np.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


def divide_no_nan(x, y):
    """x / y elementwise, 0 where y == 0 (Keras's `ops.divide_no_nan`); arrays keep x's dtype."""
    x, y = np.asarray(x), np.asarray(y)
    safe = np.where(y == 0, np.ones_like(y), y)
    return np.where(y == 0, np.zeros_like(x), x / safe).astype(x.dtype)


def as_result(value):
    """A scalar result as a Python float; per-threshold or per-class results as arrays."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


class Metric:
    """Base class: `update_state(...)` accumulates, `result()` reads, `reset_state()` clears.

    name=None gives the snake_case class name, then `_1`, `_2`, ... for later instances in
    the same session (Keras's `auto_name`), e.g. `auc`, `auc_1`.
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.dtype = np.dtype(dtype or floatx()).name

    def __call__(self, *args, **kwargs):
        """Update with one batch, then return the running result (as Keras)."""
        self.update_state(*args, **kwargs)
        return self.result()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        raise NotImplementedError(f"{type(self).__name__} must implement reset_state().")

    def _zeros(self, shape=()):
        return np.zeros(shape, dtype=self.dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
