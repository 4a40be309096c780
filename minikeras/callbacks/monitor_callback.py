"""MonitorCallback: watching one logged quantity for improvement, as Keras 3's base class.

An improvement of `current` over `reference` is
    mode "min":  current - min_delta <  reference      (min_delta stored as -|min_delta|)
    mode "max":  current - min_delta >  reference      (min_delta stored as +|min_delta|)
    mode "auto": "min" for loss / val_loss; otherwise the direction of the model's metric of
                 that name (its `_direction`, "up" or "down", as Keras metrics carry it).
Keras 3 (TensorFlow backend) compares with `ops.less` / `ops.greater`, which turn Python floats
into float32 tensors; logs always hold Python floats, so Keras compares in float32. minikeras
does the same (`as_keras_scalar`) so that its decisions match Keras's to the last bit.
"""

import warnings

import numpy as np

from .callback import Callback


def as_keras_scalar(x):
    """Python floats and ints become float32 / int32, as TensorFlow converts them.

    NumPy scalars and arrays (np.float64 included, though it subclasses float) keep their dtype.
    """
    if isinstance(x, (bool, np.generic)) or not isinstance(x, (int, float)):
        return np.asarray(x)
    return np.float32(x) if isinstance(x, float) else np.int32(x)


def metric_direction(model, name):
    """The `_direction` ("up"/"down") of the model's metric called `name`, or None.

    Looks through `model.metrics` and the `metrics` lists of containers in it (Keras looks in
    its CompileMetrics / MetricsList containers).
    """
    found = None
    for metric in getattr(model, "metrics", None) or []:
        for m in [metric, *(getattr(metric, "metrics", None) or [])]:
            if getattr(m, "name", None) == name and hasattr(m, "_direction"):
                found = m._direction
    return found


class MonitorCallback(Callback):
    """Base class for callbacks that watch `monitor` in the logs and judge improvements.

    monitor: name of the logged quantity; mode: "auto", "min" or "max"
    baseline: initial best value (None: the first value seen); min_delta: smallest improvement
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"`monitor` must be a metric name (str). Received: monitor={monitor!r}")
        if mode not in ["auto", "min", "max"]:
            warnings.warn(
                f"{self.__class__.__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Pick np.less or np.greater once, at the first epoch end (the model's metrics exist)."""
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            metric_name = self.monitor.removeprefix("val_")
            if metric_name == "loss":
                self.monitor_op = np.less
            direction = metric_direction(self.model, metric_name)
            if direction is not None:
                self.monitor_op = np.greater if direction == "up" else np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{self.__class__.__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric should be "
                    "maximized or minimized. Pass `mode='max'` in order to monitor based on the "
                    "highest metric value, or pass `mode='min'` in order to use the lowest value."
                )
        if self.monitor_op is np.less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        """True when monitor_value - min_delta beats reference_value (always, if no reference)."""
        if reference_value is None:
            return True
        return bool(self.monitor_op(as_keras_scalar(monitor_value - self.min_delta),
                                    as_keras_scalar(reference_value)))
