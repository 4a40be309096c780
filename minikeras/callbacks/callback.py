"""Callback: the base class whose hooks `fit`, `evaluate` and `predict` call, as Keras 3's.

Every hook does nothing, except that `on_train_batch_begin/end` call the old aliases
`on_batch_begin/end`, so a callback written for either name works (Keras: backwards compatibility).
"""


class Callback:
    """Base class for callbacks: override the hooks you need.

    params: dict given by the training loop: {"verbose", "epochs", "steps"}
    model:  the model being trained, evaluated or run (set by `set_model`)
    logs:   dict name -> Python float; see minikeras/callbacks/__init__.py for what each hook gets
    """

    params = None
    _model = None

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    # Training: whole run, epochs, batches.
    def on_train_begin(self, logs=None):
        """Called once at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called once at the end of `fit`; logs are the last epoch's logs."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (0-based `epoch`)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch; logs hold the epoch's metrics and their val_ twins."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch (0-based `batch` within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch; logs hold the metrics so far in this epoch."""
        self.on_batch_end(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatible alias of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatible alias of `on_train_batch_end`."""

    # Evaluation (also validation inside fit) and prediction.
    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate` and of each validation run in `fit`."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` or validation; logs are the final metrics."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation batch; logs hold the metrics so far."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction batch; logs are {"outputs": the batch's predictions}."""
