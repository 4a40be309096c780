"""ReduceLROnPlateau: divide the learning rate when `monitor` stops improving, as Keras 3's.

At each epoch end (logs["learning_rate"] is set to the optimizer's current rate first):
    if cooling down:             cooldown_counter -= 1, wait = 0
    if improvement(current, best):   best = current, wait = 0
    elif not cooling down:       wait += 1
        if wait >= patience and lr > float32(min_lr):
            lr = max(lr * factor, min_lr)      (the optimizer's `learning_rate` is set)
            cooldown_counter = cooldown, wait = 0
An improvement is `current < best - min_delta` in "min" mode (MonitorCallback's rule).
"""

import warnings

import numpy as np

from ..utils.progbar import print_msg
from .monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by `factor` after `patience` epochs without improvement.

    monitor: logged quantity; factor: new_lr = lr * factor (< 1); patience: epochs to wait
    verbose: 1 prints each reduction; mode: "auto", "min" or "max"
    min_delta: smallest change that counts; cooldown: epochs to rest after a reduction
    min_lr: the learning rate never goes below this
    Unlike Keras 3, which accepts and ignores any other keyword (Keras 2's `epsilon`, say),
    an unknown keyword raises TypeError.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if kwargs:  # Keras accepts and ignores them; minikeras names the mistake
            raise TypeError("Unrecognized keyword argument(s) passed to ReduceLROnPlateau: "
                            f"{', '.join(sorted(kwargs))}")
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _reduce_optimizer_lr(self, optimizer, epoch):
        """lr = max(lr * factor, min_lr) when lr is above min_lr (compared in float32)."""
        old_lr = float(optimizer.learning_rate)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                      f"{new_lr}.")
        return True

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          "which is not available. Available metrics are: "
                          f"{','.join(list(logs.keys()))}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_optimizer_lr(self.model.optimizer,
                                                                         epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0
