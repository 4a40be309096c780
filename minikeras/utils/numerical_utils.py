"""to_categorical and normalize, as `keras.utils` has them (keras/src/utils/numerical_utils.py).

to_categorical(y, num_classes):  one_hot[..., c] = 1.0 where y == c, else 0.0
normalize(x, axis, order):       x / ||x||_order along `axis` (a zero norm counts as 1)
"""

import numbers

import numpy as np


def to_categorical(x, num_classes=None):
    """Class labels (integers 0 .. num_classes - 1) to a one-hot float64 matrix, class axis last.

    x: labels of any shape (a trailing axis of size 1 is dropped, as Keras does);
    returns x.shape (without that axis) + (num_classes,), float64 as Keras returns for NumPy input.

    Where minikeras differs: Keras wraps a negative label around (-1 marks the last class) and
    silently truncates 1.5 to 1; minikeras raises a ValueError naming the label.
    """
    values = np.asarray(x)
    if values.dtype.kind not in "iub" and not (values.dtype.kind == "f"):
        raise TypeError(f"`to_categorical` expects integer class labels, but got an array of "
                        f"dtype {values.dtype} (first value {values.reshape(-1)[:1].tolist()}).")
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            first = values.reshape(-1)[np.flatnonzero(bad.reshape(-1))[0]].item()
            raise ValueError(f"`to_categorical` expects integer class labels, but got the "
                             f"non-integer label {first!r}.")
    labels = values.astype("int64")
    shape = labels.shape
    if shape and shape[-1] == 1 and len(shape) > 1:  # (n, 1) -> (n,), as Keras does
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if labels.size and labels.min() < 0:
        raise ValueError(f"Class labels must be >= 0, but `to_categorical` got the label "
                         f"{int(labels.min())}.")
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
            raise TypeError(f"`num_classes` must be an integer, got num_classes={num_classes!r}.")
    if not num_classes:  # Keras infers it from None and from 0
        num_classes = int(labels.max()) + 1 if labels.size else 0
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"Class label {int(labels.max())} is out of range for "
                         f"num_classes={num_classes} (labels must be 0 .. {num_classes - 1}).")
    categorical = np.zeros((labels.shape[0], int(num_classes)))
    categorical[np.arange(labels.shape[0]), labels] = 1
    return categorical.reshape(shape + (int(num_classes),))


def normalize(x, axis=-1, order=2):
    """x divided by its `order`-norm along `axis` (rows of zeros stay zeros).

    x: a NumPy array (a list is converted); returns an array of the same shape.
    Where minikeras differs: Keras turns axis=0 into -1 when it re-expands the norm (`axis or
    -1`), so normalize(x, axis=0) fails or divides by the wrong norms; minikeras uses axis 0.
    """
    x = np.asarray(x)
    norm = np.linalg.norm(x, order, axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm
