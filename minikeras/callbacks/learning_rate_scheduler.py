"""LearningRateScheduler: set the learning rate from a function of the epoch, as Keras 3's.

At each epoch begin:  lr = schedule(epoch, current_lr)   (or schedule(epoch) if it takes one
                      argument); the optimizer's `learning_rate` is set to it.
At each epoch end:    logs["learning_rate"] = the optimizer's learning rate, so `history`
                      records it (as Keras 3 does).
"""

import numpy as np

from ..utils.progbar import print_msg
from .callback import Callback


class LearningRateScheduler(Callback):
    """Calls `schedule(epoch, lr) -> new lr` at the start of every epoch.

    schedule: a function of (epoch index from 0, current learning rate as a float), or of the
              epoch alone; must return a float. verbose: 1 prints the rate it sets
    A `schedule` that is not callable raises TypeError here (Keras fails inside fit).
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):  # Keras fails later, inside fit
            raise TypeError("`schedule` must be a function (epoch, lr) -> lr. "
                            f"Received: schedule={schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:  # new API: schedule(epoch, lr)
            learning_rate = float(optimizer.learning_rate)
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # old API, for backward compatibility: schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        learning_rate = self._update_optimizer_lr(self.model.optimizer, epoch)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                      f"{learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
