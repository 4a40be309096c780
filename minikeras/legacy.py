"""Keras 1/2 spellings from old tutorials: accepted with a DeprecationWarning that names the
modern spelling, where the old meaning is unambiguous (Keras 3 simply fails on these).

| old spelling                      | what minikeras does                                   |
|-----------------------------------|-------------------------------------------------------|
| Dense(output_dim=n)               | Dense(units=n)                                        |
| Dense(init="uniform")             | Dense(kernel_initializer="uniform")                   |
| W_regularizer= / b_regularizer=   | kernel_regularizer= / bias_regularizer=               |
| W_constraint= / b_constraint=     | kernel_constraint= / bias_constraint=                 |
| regularizers.WeightRegularizer    | regularizers.L1L2                                     |
| fit(nb_epoch=n)                   | fit(epochs=n)                                         |
| model.predict_classes(x)          | argmax for several outputs, > 0.5 for one sigmoid unit |
| model.predict_proba(x)            | model.predict(x)                                      |
| Adam(lr=..., decay=...)           | learning_rate=..., decay as Keras 2: lr / (1 + decay * t) |
|                                   | (every optimizer; see optimizers/validation.py)        |
| optimizers.adam(...), sgd(...)    | optimizers.Adam(...), SGD(...) (optimizers/__init__.py) |
| model.fit_generator(g, ...)       | model.fit(g, ...) (also evaluate_/predict_generator)  |
| LSTM(..., batch_size=n, input_shape=s) | Input(shape=s, batch_size=n) first               |
| keras.utils.np_utils / data_utils | minikeras.utils (to_categorical, get_file, Sequence)  |
| keras.layers.core / recurrent     | minikeras.layers                                      |
| keras.engine.Layer / Input        | minikeras.layers.Layer / Input                        |
"""

import functools
import warnings


def rename_kwargs(kwargs, renames, where, stacklevel=3):
    """Move each old keyword in `kwargs` to its new name, warning once per use.

    renames: {old name: new name}. Giving both spellings is an error naming both.
    """
    for old, new in renames.items():
        if old not in kwargs:
            continue
        if new in kwargs:
            raise TypeError(f"{where} got both `{old}` (Keras 1/2 spelling) and `{new}`; "
                            f"use only `{new}`.")
        warnings.warn(f"`{where}({old}=...)` is a Keras 1/2 spelling; use `{new}=...` instead.",
                      DeprecationWarning, stacklevel=stacklevel)
        kwargs[new] = kwargs.pop(old)
    return kwargs


def renamed_kwargs(renames):
    """Decorate a method so the old keyword names in `renames` map to the new ones (warned)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            where = type(self).__name__ if method.__name__ == "__init__" else method.__name__
            rename_kwargs(kwargs, renames, where, stacklevel=3)
            return method(self, *args, **kwargs)

        return wrapper

    return decorate


def warn_renamed(old, new, stacklevel=3):
    warnings.warn(f"`{old}` is a Keras 1/2 spelling; use `{new}` instead.", DeprecationWarning,
                  stacklevel=stacklevel)
