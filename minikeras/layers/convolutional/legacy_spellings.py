"""Keras 1's convolution constructors, as functions that build the modern layers (each use
warns, naming the modern spelling). The argument renames they share with the classes are
legacy_args.py's."""

import warnings

from .conv1d import Conv1D
from .conv2d import Conv2D


def Convolution1D(nb_filter=None, filter_length=None, **kwargs):  # noqa: N802 - Keras's name
    """Keras 1's Conv1D: Convolution1D(nb_filter, filter_length, ...)."""
    warnings.warn("`Convolution1D(nb_filter, filter_length)` is a Keras 1 spelling; use "
                  "`Conv1D(filters, kernel_size)` instead.", DeprecationWarning, stacklevel=2)
    if nb_filter is not None:
        kwargs["filters"] = nb_filter
    if filter_length is not None:
        kwargs["kernel_size"] = filter_length
    return Conv1D(**kwargs)


def Convolution2D(nb_filter=None, nb_row=None, nb_col=None, **kwargs):  # noqa: N802
    """Keras 1's Conv2D: Convolution2D(nb_filter, nb_row, nb_col, ...); also Keras 2's alias
    Convolution2D(filters, kernel_size)."""
    warnings.warn("`Convolution2D(nb_filter, nb_row, nb_col)` is a Keras 1 spelling; use "
                  "`Conv2D(filters, (rows, cols))` instead.", DeprecationWarning, stacklevel=2)
    if nb_filter is not None:
        kwargs["filters"] = nb_filter
    if nb_row is not None:
        if "kernel_size" in kwargs:
            raise TypeError("Convolution2D got both `nb_row`/`nb_col` and `kernel_size`.")
        kwargs["kernel_size"] = nb_row if nb_col is None else (nb_row, nb_col)
    return Conv2D(**kwargs)
