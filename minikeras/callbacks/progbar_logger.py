"""ProgbarLogger: prints the progress bar during `fit`, `evaluate` and `predict`, as Keras 3's.

verbose=1: "Epoch i/N" (only when N > 1), then a live bar per epoch whose last line shows the
           epoch-end logs: the training metrics, then the val_ ones (logs arrive sorted by name).
verbose=2: "Epoch i/N", then one line per epoch when it ends.
Inside `fit` the validation run is silent (Keras: `_called_in_fit`); `evaluate` and `predict`
called on their own draw their own bar. Every value is shown as given (no averaging here:
the loop already passes running means).
"""

from ..utils.progbar import Progbar, is_dynamic_display, print_msg
from .callback import Callback


class ProgbarLogger(Callback):
    """Prints metrics to stdout with a Progbar; params need "verbose", "epochs" and "steps"."""

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    @property
    def called_in_fit(self):
        """True inside fit: the validation runs then print nothing (Keras's `_called_in_fit`)."""
        return self._called_in_fit

    @property
    def live(self):
        """Whether the bar redraws batch by batch: verbose=1 on a terminal (or in a notebook).
        Into a pipe or file it writes one line when all steps are done."""
        return self.verbose == 1 and is_dynamic_display()

    def set_params(self, params):
        missing = [key for key in ("verbose", "epochs", "steps") if key not in params]
        if missing:
            raise ValueError(
                f"ProgbarLogger needs the params {missing} from the training loop. "
                f"Received: params={params!r}"
            )
        self.verbose = 1 if params["verbose"] == "auto" else params["verbose"]
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation inside fit prints nothing

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            # stateless_metrics=set(): every value is shown as passed, never averaged again.
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                                   stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1  # one-based
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        if self.target is None:  # unknown number of steps: now it is known
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
