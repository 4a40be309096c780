"""History: the record of every epoch's logs that `fit` returns, as Keras 3's."""

from .callback import Callback


class History(Callback):
    """Records each epoch's logs.

    history: dict name -> list of per-epoch values, e.g. {"loss": [0.7, 0.5], "val_loss": [...]}
             (kept across `fit` calls when the same History is reused, as Keras)
    epoch:   list of the epoch indices seen in the current `fit`
    params:  {"verbose", "epochs", "steps"} as given by the training loop
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
        # The model holds the latest History, as Keras sets it after every epoch.
        self.model.history = self
