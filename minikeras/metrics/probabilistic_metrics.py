"""Probabilistic metrics: running means of the crossentropy, KL divergence and Poisson losses
(Keras's `probabilistic_metrics.py`). Each one's formula is its loss function's, in
`minikeras.losses`; the metric weights and averages the per-sample values.
"""

from .. import losses
from .reduction_metrics import _Wrapper


class KLDivergence(_Wrapper):
    """Running mean of sum(y_true * log(y_true / y_pred)) (both clipped to [eps, 1])."""

    _direction, loss_name = "down", "kl_divergence"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(name=name, dtype=dtype)


class Poisson(_Wrapper):
    """Running mean of mean(y_pred - y_true * log(y_pred + eps))."""

    _direction, loss_name = "down", "poisson"

    def __init__(self, name="poisson", dtype=None):
        super().__init__(name=name, dtype=dtype)


class BinaryCrossentropy(_Wrapper):
    """Running mean of the binary crossentropy (config as Keras: no `axis`)."""

    _direction = "down"
    fn, config_keys = staticmethod(losses.binary_crossentropy), ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(_Wrapper):
    """Running mean of the categorical crossentropy over `axis`."""

    _direction = "down"
    fn = staticmethod(losses.categorical_crossentropy)
    config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_Wrapper):
    """Running mean of the sparse categorical crossentropy; ignore_class labels count 0."""

    _direction = "down"
    fn = staticmethod(losses.sparse_categorical_crossentropy)
    config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(name=name, dtype=dtype, from_logits=from_logits,
                         ignore_class=ignore_class, axis=axis)
