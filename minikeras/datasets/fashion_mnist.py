"""Fashion-MNIST: 60,000 + 10,000 28x28 grayscale images of 10 kinds of clothing.

Stored as four gzipped IDX files: labels after an 8-byte header, images after a 16-byte one.
"""

import gzip
import os

import numpy as np

from ..utils.file_utils import get_file
from .files import ORIGIN_FOLDER

FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def load_data():
    """((x_train, y_train), (x_test, y_test)): uint8 (n, 28, 28) images and uint8 (n,) labels."""
    folder = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=ORIGIN_FOLDER + name, cache_subdir=folder) for name in FILES]
    y_train, x_train = _labels(paths[0]), _images(paths[1])
    y_test, x_test = _labels(paths[2]), _images(paths[3])
    for x, y, name in ((x_train, y_train, "train"), (x_test, y_test, "t10k")):
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"The fashion-mnist {name} files disagree: {y.shape[0]} labels "
                             f"but {x.shape[0]} images.")
    return (x_train, y_train), (x_test, y_test)


def _labels(path):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)


def _images(path):
    with gzip.open(path, "rb") as f:
        pixels = np.frombuffer(f.read(), np.uint8, offset=16)
    if pixels.size % (28 * 28):
        raise ValueError(f"{path} holds {pixels.size} pixels, not a whole number of 28x28 "
                         "images: the file is damaged.")
    return pixels.reshape(-1, 28, 28)
