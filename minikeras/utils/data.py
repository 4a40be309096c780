"""Input checks, the validation split and batching for fit/evaluate/predict.

Every check happens here, once, before any kernel runs: a bad argument raises ValueError or
TypeError naming the argument, the value and what was expected.
"""

import math
import numbers
import warnings

import numpy as np


def to_numeric_array(x, dtype, argname="inputs"):
    """np.asarray(x, dtype) with a clear error for non-numeric or empty data."""
    if type(x) is np.ndarray:  # the usual case, first (hasattr below costs ~0.3 us)
        array = x
    else:
        if hasattr(x, "to_numpy"):  # pandas DataFrame / Series
            x = x.to_numpy()
        try:
            array = np.asarray(x)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"`{argname}` could not be converted to an array: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"`{argname}` must be numeric (bool, int or float), but got an array of dtype "
            f"{array.dtype} (first item: {array.flat[0]!r})." if array.size else
            f"`{argname}` must be numeric, but got an array of dtype {array.dtype}."
        )
    if dtype is not None and warn_overflow(array, dtype, argname):
        with np.errstate(over="ignore"):  # warned once above, naming the argument
            return array.astype(dtype, copy=False)
    return array.astype(dtype, copy=False)


def warn_overflow(array, dtype, argname):
    """Warn (naming the argument) if casting `array` to `dtype` turns finite values into inf,
    e.g. float64 1e39 -> float32 inf; Keras casts silently and trains to an inf loss.
    Returns whether it warned. Two reductions in the usual case (everything in range)."""
    target = np.dtype(dtype)
    if (target.kind != "f" or array.dtype == target or array.dtype.kind not in "iuf"
            or not array.size):
        return False
    limit = float(np.finfo(target).max)
    source_max = (np.finfo(array.dtype).max if array.dtype.kind == "f"
                  else np.iinfo(array.dtype).max)
    if source_max <= limit:
        return False
    top, bottom = array.max(), array.min()
    if -limit <= bottom and top <= limit:  # False for NaN: then look closer
        return False
    with np.errstate(invalid="ignore"):
        over = (np.abs(array) > limit) & np.isfinite(array)
    if not over.any():
        return False
    import warnings

    first = tuple(int(i) for i in np.argwhere(over)[0])
    warnings.warn(f"`{argname}` has {int(over.sum())} finite value(s) beyond {target.name}'s "
                  f"range (+-{limit:.8g}), first at index {first}: {array[first].item()!r}. "
                  f"Cast to the model's dtype {target.name}, they become inf (and the loss inf); "
                  "rescale the data or use a float64 model.", stacklevel=4)
    return True


def as_data(data, name, dtype=None):
    """x, y or sample_weight (array, list, DataFrame, Series) as a non-empty numeric array."""
    if data is None:
        raise ValueError(f"`{name}` is required, but got None.")
    if isinstance(data, (dict, tuple)) and name == "x":
        raise TypeError(f"`{name}` must be one array (minikeras Sequential models take a "
                        f"single input), but got a {type(data).__name__}.")
    array = to_numeric_array(data, dtype, argname=name)
    if array.ndim == 0 or array.shape[0] == 0 or array.size == 0:
        raise ValueError(f"`{name}` is empty (shape {array.shape}); expected at least one sample.")
    # np.minimum propagates NaN: one reduction without a temporary, then a closer look
    if array.dtype.kind == "f" and math.isnan(np.minimum.reduce(array, axis=None)):
        nan = np.isnan(array)
        if nan.any():
            if nan.all():
                raise ValueError(f"`{name}` contains only NaN values (shape {array.shape}).")
            warnings.warn(f"`{name}` contains {int(nan.sum())} NaN value(s) (first at index "
                          f"{tuple(int(i) for i in np.argwhere(nan)[0])}); the loss will be NaN.",
                          stacklevel=3)
    return array


def check_positive_int(value, name, allow_none=True, minimum=1):
    """`batch_size`, `epochs`... must be integers >= minimum (None allowed where Keras allows)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, but got {name}={value!r} "
                        f"({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, but got {name}={value!r}.")
    return int(value)


def check_same_length(arrays):
    """All of x, y, sample_weight must have the same number of samples."""
    lengths = {name: a.shape[0] for name, a in arrays.items() if a is not None}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n} samples" for name, n in lengths.items())
        raise ValueError(f"Data cardinality is ambiguous: {described}. Make sure all arrays "
                         "contain the same number of samples.")


def check_validation_split(validation_split):
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real):
        raise TypeError(f"`validation_split` must be a float in [0, 1), got {validation_split!r}.")
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"`validation_split` must be in [0, 1), got {validation_split!r}.")


def train_validation_split(arrays, validation_split):
    """Keras's split: the LAST `validation_split` fraction, taken before any shuffling."""
    check_validation_split(validation_split)
    n = next(a.shape[0] for a in arrays if a is not None)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`."
            " Either provide more data, or a different value for the `validation_split` argument."
        )
    train = tuple(None if a is None else a[:split_at] for a in arrays)
    val = tuple(None if a is None else a[split_at:] for a in arrays)
    return train, val


def batch_indices(n, batch_size, shuffle):
    """The index arrays of one epoch: shuffled with NumPy's global RNG (so `np.random.seed`
    makes runs repeatable), the last batch possibly partial, as Keras's array adapter does."""
    if shuffle == "batch":
        starts = np.arange(0, n, batch_size)
        order = np.random.permutation(len(starts))
        return [np.arange(starts[i], min(starts[i] + batch_size, n)) for i in order]
    order = epoch_order(n, shuffle)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def epoch_order(n, shuffle):
    """The rows of one epoch in the order they are trained: np.random.permutation(n) with
    shuffle=True (one draw from NumPy's global RNG), else 0 .. n-1."""
    return np.random.permutation(n) if shuffle else np.arange(n)


def class_weight_to_sample_weight(y, class_weight):
    """Each sample gets the weight of its class (integer labels, or argmax of one-hot)."""
    if not isinstance(class_weight, dict):
        raise TypeError(f"`class_weight` must be a dict {{class: weight}}, got {class_weight!r}.")
    labels = np.argmax(y, axis=-1) if (y.ndim > 1 and y.shape[-1] > 1) else y.reshape(-1)
    labels = np.round(labels).astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(f"`class_weight` has no entry for class(es) {missing}; "
                         f"it covers {sorted(class_weight)}.")
    return np.array([class_weight[int(c)] for c in labels], dtype=np.float64)


def check_verbose(verbose):
    """fit/evaluate/predict's `verbose`: 0, 1, 2 or "auto" (which is 1)."""
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 0, 1, 2 or 'auto', got verbose={verbose!r}.")
    return verbose


def unpack_validation_data(validation_data):
    """(x_val, y_val, val_sample_weight or None) from fit's `validation_data`."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                         "(x_val, y_val, val_sample_weight), got "
                         f"{type(validation_data).__name__}.")
    return tuple(validation_data) + (None,) * (3 - len(validation_data))
