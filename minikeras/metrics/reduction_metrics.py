"""Running sums and weighted means: Sum, Mean, MeanMetricWrapper (Keras's `reduction_metrics.py`).

    Sum:   total += sum(values * sample_weight)                      result = total
    Mean:  total += sum(values * sample_weight),  count += sum(sample_weight)
           (no weights: count += number of samples)                  result = total / count
                                                                     (0 when count is 0)
`MeanMetricWrapper(fn)` feeds Mean the per-sample values fn(y_true, y_pred); values with more
axes than the weights are first averaged over the extra axes. The trainer's loss tracker is
`Mean(name="loss")`, updated with the batch loss and sample_weight = batch size, as Keras does.
"""

import numpy as np

from .. import losses
from ..utils.lookup import lookup
from .metric import Metric, reduce_to_samplewise_values


class Sum(Metric):
    """The weighted running sum of the values given to `update_state(values, sample_weight)`.

    Extra axes beyond the weights' are summed (Keras's Sum uses `ops.sum` there, Mean `ops.mean`).
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, self.dtype,
                                                reduce_fn=np.sum)
        self.total += np.sum(values)

    def reset_state(self):
        self.total = self._zeros()

    def result(self):
        return float(self.total)


class Mean(Metric):
    """The weighted running mean of the values given to `update_state(values, sample_weight)`."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def update_state(self, values, sample_weight=None, mask=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, self.dtype, mask)
        self.total += np.sum(values)
        if sample_weight is not None:
            self.count += np.sum(sample_weight)
        else:
            self.count += self.count.dtype.type(values.shape[0] if values.ndim else 1)

    def update_state_batches(self, means, sizes):
        """update_state(mean_b, sample_weight=size_b) for each batch b, in one pass: total +=
        mean_b * size_b and count += size_b, each rounded to the metric's dtype in order
        (np.cumsum adds in order, in that dtype), so the sums are the loop's to the bit.
        means (steps,), sizes (steps,)."""
        dt = self.total.dtype
        products = np.asarray(means).astype(dt) * np.asarray(sizes, dtype=dt)
        total = np.cumsum(np.concatenate([[self.total], products]).astype(dt))[-1]
        count = np.cumsum(np.concatenate([[self.count], sizes]).astype(dt))[-1]
        self.total, self.count = np.array(total, dtype=dt), np.array(count, dtype=dt)

    def reset_state(self):
        self.total = self._zeros()
        self.count = self._zeros()

    def result(self):
        return float(self.total / self.count) if self.count else 0.0


def _is_loss_function(fn):
    return fn in losses.FUNCTIONS.values()


class MeanMetricWrapper(Mean):
    """The running mean of a per-sample function fn(y_true, y_pred, **kwargs).

    A loss function as `fn` gives `_direction = "down"` (EarlyStopping minimizes it), as Keras.
    name=None gives `mean_metric_wrapper`, `mean_metric_wrapper_1`, ... (Keras's auto_name).
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if _is_loss_function(fn):
            self._direction = "down"

    @property
    def fn(self):
        """The per-sample function whose mean this metric keeps."""
        return self._fn

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._fn in losses.VALUES_AND_GRADS:  # a loss: it may mask entries (ignore_class)
            values, _, mask = losses.VALUES_AND_GRADS[self._fn](y_true, y_pred, **self._fn_kwargs)
        else:
            values, mask = self._fn(y_true, y_pred, **self._fn_kwargs), None
        super().update_state(values, sample_weight=sample_weight, mask=mask)

    def get_config(self):
        return {**super().get_config(), "fn": self._fn.__name__, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        from . import all_functions

        config = dict(config)
        fn = config.pop("fn")
        return cls(lookup("metric function", fn, all_functions()) if isinstance(fn, str) else fn,
                   **config)


class _Wrapper(MeanMetricWrapper):
    """A MeanMetricWrapper whose Keras config lists `name`, `dtype` and `config_keys` only.

    Subclasses name their function either directly (`fn`) or by its name in
    `minikeras.losses.FUNCTIONS` (`loss_name`), looked up when the metric is built, so a
    metric over a loss works as soon as that loss exists.
    """

    fn, loss_name, config_keys = None, None, ()

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(self._resolve_fn(), name=name, dtype=dtype, **kwargs)
        for key in self.config_keys:
            setattr(self, key, kwargs[key])

    @classmethod
    def _resolve_fn(cls):
        if cls.fn is not None:
            return cls.fn
        if cls.loss_name not in losses.FUNCTIONS:
            raise NotImplementedError(
                f"{cls.__name__} needs the loss function {cls.loss_name!r}, which "
                "minikeras.losses does not define yet.")
        return losses.FUNCTIONS[cls.loss_name]

    def get_config(self):
        return {**Metric.get_config(self), **{k: getattr(self, k) for k in self.config_keys}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
