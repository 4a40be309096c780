"""Label checks before training: catch labels that cannot fit the loss, with a clear message."""

import numpy as np

from .loss import squeeze_or_expand_to_same_rank
from .losses import VALUES_AND_GRADS
from .probabilistic import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
)


def check_targets(loss, y_true, y_pred_shape):
    """Raise a ValueError naming the problem when labels `y_true` cannot fit the loss.

    y_true: the whole label array; y_pred_shape: the model's output shape (batch may be None).
    Catches integer class ids given to categorical_crossentropy (or its focal variant), one-hot
    labels given to sparse_categorical_crossentropy, class ids outside [0, units), labels
    outside [0, 1] for binary_crossentropy (or its focal variant), and label shapes that do not
    match the output.
    """
    from . import get  # the package's `get`; imported here to avoid a cycle

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
        _check_class_ids(loss, y_true, out, units, known, is_integer, as_ids)
        return
    if fn in (categorical_crossentropy, categorical_focal_crossentropy) and units > 1 \
            and as_ids and is_integer:
        raise ValueError(
            f"{name} expects one-hot labels of shape {out}, but `y` has shape "
            f"{y_true.shape} and holds integer class ids. Use "
            "loss='sparse_categorical_crossentropy', or one-hot encode `y`.")
    if known:
        t, p = squeeze_or_expand_to_same_rank(np.broadcast_to(0.0, y_true.shape),
                                              np.broadcast_to(0.0, out))
        if t.shape != p.shape:
            raise ValueError(f"`y` has shape {y_true.shape}, which does not match the model "
                             f"output shape {out} for loss {name!r}.")
    if fn in (binary_crossentropy, binary_focal_crossentropy) and y_true.size \
            and (y_true.min() < 0 or y_true.max() > 1):
        raise ValueError(f"{name} expects labels in [0, 1]; `y` holds values from "
                         f"{y_true.min()} to {y_true.max()}.")


def _check_class_ids(loss, y_true, out, units, known, is_integer, as_ids):
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
