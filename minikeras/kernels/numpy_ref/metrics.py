"""Accuracy math: which predictions match their labels, as 1.0 or 0.0 per sample.

    binary:  matches = (y_true == (y_pred > threshold))     y_true, y_pred, matches: (n,)
    argmax:  matches = (labels == argmax_j y_pred[:, j])     labels, matches: (rows,)
                                                             y_pred: (rows, k)
Labels come in y_pred's float dtype (Keras compares them as floats); ties in argmax go to the
first index, as NumPy and TensorFlow do. Inputs are assumed finite.
"""

import numpy as np

__all__ = ["binary_accuracy_matches", "argmax_matches"]


def binary_accuracy_matches(y_true, y_pred, threshold):
    predicted = (y_pred > y_pred.dtype.type(threshold)).astype(y_pred.dtype)
    return (y_true == predicted).astype(y_pred.dtype)


def argmax_matches(labels, y_pred):
    return (labels == np.argmax(y_pred, axis=-1)).astype(y_pred.dtype)
