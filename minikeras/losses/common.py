"""Shared plumbing of the per-sample loss functions: input conversion, axis handling, checks.

Every per-sample function `fn(y_true, y_pred, ...)` has a private twin `_fn` returning
`(values, dvalues/dy_pred, mask or None)`; both run a row kernel from `minikeras.kernels`
on 2-D views whose last axis is the one the loss reduces over.
"""

import numbers

import numpy as np

from ..config import floatx
from .loss import squeeze_or_expand_to_same_rank, unbroadcast


def as_float(y_pred):
    y_pred = np.asarray(y_pred)
    return y_pred if y_pred.dtype.kind == "f" else y_pred.astype(floatx())


def check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r}")


def check_same_shape(y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError("Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={y_true.shape}, output.shape={y_pred.shape}")


def check_number(loss, name, value, low=None, high=None):
    """Raise ValueError naming the argument unless `value` is a real number in [low, high]."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok and (low is None or value >= low) and (high is None or value <= high):
        return
    bounds = f" in [{low}, {high}]" if high is not None else f" >= {low}" if low is not None else ""
    raise ValueError(f"Argument `{name}` of {loss} must be a finite number{bounds}. "
                     f"Received: {name}={value!r}")


def along_axis(kernel, y_true, y_pred, axis, *args):
    """Run a row kernel over `axis`: values have y_pred's shape minus `axis`, grads its shape."""
    check_axis(axis)
    t, p = np.moveaxis(y_true, axis, -1), np.moveaxis(y_pred, axis, -1)
    k = p.shape[-1]
    values, grad = kernel(t.reshape(-1, k), p.reshape(-1, k), *args)
    return values.reshape(p.shape[:-1]), np.moveaxis(grad.reshape(p.shape), -1, axis)


def paired(y_true, y_pred, match_ranks):
    """Convert y_pred to float and y_true to its dtype; match ranks as Keras's function does."""
    y_pred = as_float(y_pred)
    y_true = np.asarray(y_true).astype(y_pred.dtype, copy=False)
    if match_ranks:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


def broadcast_loss(kernel, y_true, y_pred, *args, axis=-1, match_ranks=True):
    """Run `kernel` on y_true and y_pred broadcast together, as Keras's NumPy-style ops do.

    The gradient is summed back over broadcast axes and shaped as the y_pred given.
    Returns (values, dvalues/dy_pred, None).
    """
    shape = np.shape(y_pred)
    y_true, y_pred = paired(y_true, y_pred, match_ranks)
    t, p = np.broadcast_arrays(y_true, y_pred)
    values, grad = along_axis(kernel, t, p, axis, *args)
    return values, unbroadcast(grad, y_pred.shape).reshape(shape), None
