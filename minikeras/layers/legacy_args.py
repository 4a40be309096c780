"""Keras 1/2 spellings of the convolution, pooling and embedding layers' arguments, accepted
with a DeprecationWarning naming the modern one (see minikeras/legacy.py for the others).

| old spelling                                  | Keras 3                                  |
|-----------------------------------------------|------------------------------------------|
| Convolution1D(nb_filter, filter_length)       | Conv1D(filters, kernel_size)             |
| Convolution2D(nb_filter, nb_row, nb_col)      | Conv2D(filters, (rows, cols))            |
| border_mode= / subsample= / subsample_length= | padding= / strides= / strides=           |
| atrous_rate= / init= / bias=                  | dilation_rate= / kernel_initializer= / use_bias= |
| W_/b_regularizer=, W_/b_constraint=           | kernel_/bias_regularizer=, ..._constraint= |
| dim_ordering='th' / 'tf'                      | data_format='channels_first' / 'channels_last' |
| MaxPooling1D(pool_length=, stride=)           | pool_size= / strides=                    |
| Embedding(init=, W_regularizer=,              | embeddings_initializer=,                 |
|           W_constraint=)                      | embeddings_regularizer=, _constraint=    |
| Embedding(input_length=)                      | removed (Keras 3 warns and ignores it)   |
"""

import functools
import warnings

from .. import legacy

CONV = {"nb_filter": "filters", "filter_length": "kernel_size", "border_mode": "padding",
        "subsample": "strides", "subsample_length": "strides", "atrous_rate": "dilation_rate",
        "init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
        "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
        "b_constraint": "bias_constraint", "bias": "use_bias"}
POOLING = {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"}
EMBEDDING = {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
             "W_constraint": "embeddings_constraint"}
DIM_ORDERING = {"th": "channels_first", "tf": "channels_last", "default": None}


def dim_ordering(kwargs, where):
    """dim_ordering='th'|'tf'|'default' -> data_format (warned)."""
    if "dim_ordering" not in kwargs:
        return kwargs
    value = kwargs.pop("dim_ordering")
    if value not in DIM_ORDERING:
        raise ValueError(f"`dim_ordering` must be 'th', 'tf' or 'default', got {value!r}.")
    if "data_format" in kwargs and kwargs["data_format"] is not None:
        raise TypeError(f"{where} got both `dim_ordering` (Keras 1/2 spelling) and "
                        "`data_format`; use only `data_format`.")
    new = DIM_ORDERING[value]
    warnings.warn(f"`{where}(dim_ordering={value!r})` is a Keras 1/2 spelling; use "
                  f"`data_format={new!r}` instead.", DeprecationWarning, stacklevel=4)
    kwargs["data_format"] = new
    return kwargs


def accepts(renames):
    """Decorate a layer's __init__ to take the old keywords in `renames` and dim_ordering."""

    def decorate(init):
        @functools.wraps(init)
        def wrapper(self, *args, **kwargs):
            where = type(self).__name__
            legacy.rename_kwargs(kwargs, renames, where, stacklevel=3)
            return init(self, *args, **dim_ordering(kwargs, where))

        return wrapper

    return decorate


def Convolution1D(nb_filter=None, filter_length=None, **kwargs):  # noqa: N802 - Keras's name
    """Keras 1's Conv1D: Convolution1D(nb_filter, filter_length, ...)."""
    from .convolutional import Conv1D

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
    from .convolutional import Conv2D

    warnings.warn("`Convolution2D(nb_filter, nb_row, nb_col)` is a Keras 1 spelling; use "
                  "`Conv2D(filters, (rows, cols))` instead.", DeprecationWarning, stacklevel=2)
    if nb_filter is not None:
        kwargs["filters"] = nb_filter
    if nb_row is not None:
        if "kernel_size" in kwargs:
            raise TypeError("Convolution2D got both `nb_row`/`nb_col` and `kernel_size`.")
        kwargs["kernel_size"] = nb_row if nb_col is None else (nb_row, nb_col)
    return Conv2D(**kwargs)
