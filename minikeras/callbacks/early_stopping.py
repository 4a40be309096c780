"""EarlyStopping: stop `fit` when the monitored quantity stops improving, as Keras 3's.

At each epoch end (from `start_from_epoch` on, and when `monitor` is in the logs):
    wait += 1
    if improvement(current, best):   best = current, best_epoch = epoch (and best weights);
                                     wait = 0 only if current also beats `baseline` (when given)
    elif wait >= patience and epoch > 0:   stopped_epoch = epoch, model.stop_training = True
At train end, with restore_best_weights, the model gets the best epoch's weights back, even
when no epoch beat the baseline. The first epoch is never stopped on (epoch > 0).
"""

import warnings

from ..utils.progbar import print_msg
from .monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops training when `monitor` has not improved for `patience` epochs.

    monitor: logged quantity ("val_loss"); min_delta: smallest change that counts as improvement
    patience: epochs without improvement before stopping; verbose: 1 prints when it acts
    mode: "auto", "min" or "max"; baseline: a value the quantity must beat to reset the wait
    restore_best_weights: put back the best epoch's weights at the end (model.get/set_weights)
    start_from_epoch: epochs of warm-up before monitoring starts
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        for name, value in [("patience", patience), ("start_from_epoch", start_from_epoch)]:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"`{name}` must be a number of epochs. Received: {name}={value!r}")
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        # The same instance may be reused across fit calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Nothing saved yet: the current weights are the best so far.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Restart the wait only when beating both the baseline and the previous best.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """logs[monitor], or None with a warning listing the names that are there."""
        logs = logs or {}
        monitor_value = logs.get(self.monitor)
        if monitor_value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(list(logs.keys()))}",
                stacklevel=2,
            )
        return monitor_value
