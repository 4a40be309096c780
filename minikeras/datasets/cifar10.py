"""CIFAR-10: 50,000 + 10,000 32x32 colour images in 10 classes."""

import os

import numpy as np

from .. import config
from ..utils.file_utils import get_file
from .cifar import load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """((x_train, y_train), (x_test, y_test)): uint8 images (n, 32, 32, 3) (channels_first:
    (n, 3, 32, 32)), uint8 labels (n, 1).

    Keras sizes the training arrays for exactly 50,000 images; minikeras takes the batches as
    they are (the same arrays for the real file).
    """
    path = get_file(fname="cifar-10-batches-py-target", origin=ORIGIN, extract=True,
                    file_hash=FILE_HASH)
    path = os.path.join(path, "cifar-10-batches-py")
    batches = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in batches]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in batches]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return _arrange(x_train, y_train, x_test, y_test)


def _arrange(x_train, y_train, x_test, y_test):
    """Labels as (n, 1) uint8 columns, images channels last unless configured otherwise."""
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test), (len(y_test), 1)).astype(y_train.dtype)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test)
