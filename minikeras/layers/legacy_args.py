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
