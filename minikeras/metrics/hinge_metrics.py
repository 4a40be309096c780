"""Hinge metrics: running means of the hinge losses (Keras's `hinge_metrics.py`); labels are
-1/1 (0/1 are mapped to -1/1 by the loss functions in `minikeras.losses`)."""

from .reduction_metrics import _Wrapper


class Hinge(_Wrapper):
    """Running mean of mean(max(1 - y_true * y_pred, 0))."""

    _direction, loss_name = "down", "hinge"

    def __init__(self, name="hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class SquaredHinge(_Wrapper):
    """Running mean of mean(max(1 - y_true * y_pred, 0)^2)."""

    _direction, loss_name = "down", "squared_hinge"

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)


class CategoricalHinge(_Wrapper):
    """Running mean of max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""

    _direction, loss_name = "down", "categorical_hinge"

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(name=name, dtype=dtype)
