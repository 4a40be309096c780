"""Hinge losses as per-sample functions: hinge, squared_hinge, categorical_hinge.

Keras turns 0/1 labels into -1/1 when EVERY label in the batch is 0 or 1; labels that are
already -1/1 (or anything else) are used as given. The math is in
`minikeras/kernels/*/losses.py`.
"""

import numpy as np

from .. import kernels
from .common import broadcast_loss, paired


def convert_binary_labels_to_hinge(y_true):
    """2 y - 1 when all labels are 0 or 1 (over the whole array, as Keras), else y unchanged."""
    if np.all((y_true == 0) | (y_true == 1)):
        return 2.0 * y_true - 1.0
    return y_true


def _hinge(y_true, y_pred):
    y_true, y_pred = paired(y_true, y_pred, match_ranks=False)
    return broadcast_loss(kernels.losses.hinge_value_and_grad,
                          convert_binary_labels_to_hinge(y_true), y_pred, match_ranks=False)


def _squared_hinge(y_true, y_pred):
    y_true, y_pred = paired(y_true, y_pred, match_ranks=False)
    return broadcast_loss(kernels.losses.squared_hinge_value_and_grad,
                          convert_binary_labels_to_hinge(y_true), y_pred, match_ranks=False)


def _categorical_hinge(y_true, y_pred):
    return broadcast_loss(kernels.losses.categorical_hinge_value_and_grad, y_true, y_pred,
                          match_ranks=False)


def hinge(y_true, y_pred):
    """Per-sample mean over the last axis of max(1 - y_true * y_pred, 0); labels -1/1 or 0/1."""
    return _hinge(y_true, y_pred)[0]


def squared_hinge(y_true, y_pred):
    """Per-sample mean over the last axis of max(1 - y_true * y_pred, 0)^2; labels -1/1 or 0/1."""
    return _squared_hinge(y_true, y_pred)[0]


def categorical_hinge(y_true, y_pred):
    """Per-sample max(neg - pos + 1, 0): pos = sum(t p), neg = max((1 - t) p); t one-hot."""
    return _categorical_hinge(y_true, y_pred)[0]
