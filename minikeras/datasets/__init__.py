"""The tutorials' datasets, as `keras.datasets` loads them.

Each `load_data()` downloads its file once with `minikeras.utils.get_file` into the Keras cache
($KERAS_HOME or ~/.keras, subfolder `datasets`), from Keras 3's URL, under Keras 3's file
name and checked against Keras 3's hash, so a file Keras downloaded is reused (and the other way
round); and returns the same arrays as Keras 3 (dtypes, shapes, order, shuffle seeds).
Files are untrusted: `.npz` object arrays and CIFAR pickles are read with an unpickler that
rebuilds NumPy arrays and nothing else (files.py).
"""

from . import (  # noqa: F401
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
