"""CallbackList: one object that calls a hook on every callback, as Keras 3's.

Before any hook sees them, logs go through `pythonify_logs`: keys sorted, nested dicts
flattened, values turned into Python floats where `float(value)` works. That sort is why Keras
prints "accuracy" before "loss" and why `history.history` lists its keys alphabetically.

Keras may run the batch-end hooks on a thread pool when no callback overrides them; minikeras
calls every hook in order on the calling thread (same results, nothing to wait for).
"""

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger


def pythonify_logs(logs):
    """A new dict: keys sorted, nested dicts flattened in, values float(value) where that works."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        try:
            value = float(value)
        except Exception:  # arrays of predictions, strings: kept as they are (Keras: bare except)
            pass
        result[key] = value
    return result


def flatten_callbacks(callbacks):
    """None, a Callback, or (nested) lists/tuples of them -> a flat list of Callbacks."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if isinstance(callbacks, (list, tuple)):
        return [cb for item in callbacks for cb in flatten_callbacks(item)]
    raise TypeError(
        "`callbacks` must be a Callback, a list of Callbacks or None. Received: "
        f"callbacks={callbacks!r} of type {type(callbacks).__name__}"
    )


def _first(callbacks, kind):
    """The first callback of type `kind`, or None (a loop: predict(verbose=0) builds a
    CallbackList of none on every call)."""
    for callback in callbacks:
        if isinstance(callback, kind):
            return callback
    return None


class CallbackList(Callback):
    """Calls each hook on every callback in `callbacks`, in order.

    add_history: append a History unless one is in `callbacks`; it becomes `model.history`
    add_progbar: append a ProgbarLogger unless one is in `callbacks`
    model: given to every callback with `set_model`
    **params: given to every callback with `set_params` (the loop passes verbose, epochs, steps)
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = flatten_callbacks(callbacks)
        self._in_begin_end_block_count = 0
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._progbar = _first(self.callbacks, ProgbarLogger)
        self._history = _first(self.callbacks, History)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _each(self, hook, args, logs, logs_by_keyword=False):
        """Call `hook(*args, logs)` on every callback, with the logs made plain once for all.

        Batch hooks get `logs=` by keyword, the others by position, as Keras passes them.
        """
        if not self.callbacks:  # predict(verbose=0): every hook of every batch comes here
            return
        logs = pythonify_logs(logs)
        for callback in self.callbacks:
            method = getattr(callback, hook)
            if logs_by_keyword:
                method(*args, logs=logs)
            else:
                method(*args, logs)

    def _begin(self, hook, logs):
        self._in_begin_end_block_count += 1
        self._each(hook, (), logs)

    def _end(self, hook, logs):
        self._each(hook, (), logs)
        self._in_begin_end_block_count -= 1
        if self._in_begin_end_block_count < 0:
            raise ValueError(f"`{hook}` called without a matching `{hook[:-3]}begin`.")

    def on_train_begin(self, logs=None):
        self._begin("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._end("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._begin("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._end("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._begin("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._end("on_predict_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", (epoch,), logs)

    def on_epoch_end(self, epoch, logs=None):
        self._each("on_epoch_end", (epoch,), logs)

    def on_batch_begin(self, batch, logs=None):
        self._each("on_batch_begin", (batch,), logs, logs_by_keyword=True)

    def on_batch_end(self, batch, logs=None):
        self._each("on_batch_end", (batch,), logs, logs_by_keyword=True)

    def on_train_batch_begin(self, batch, logs=None):
        self._each("on_train_batch_begin", (batch,), logs, logs_by_keyword=True)

    def on_train_batch_end(self, batch, logs=None):
        self._each("on_train_batch_end", (batch,), logs, logs_by_keyword=True)

    def on_test_batch_begin(self, batch, logs=None):
        self._each("on_test_batch_begin", (batch,), logs, logs_by_keyword=True)

    def on_test_batch_end(self, batch, logs=None):
        self._each("on_test_batch_end", (batch,), logs, logs_by_keyword=True)

    def on_predict_batch_begin(self, batch, logs=None):
        self._each("on_predict_batch_begin", (batch,), logs, logs_by_keyword=True)

    def on_predict_batch_end(self, batch, logs=None):
        self._each("on_predict_batch_end", (batch,), logs, logs_by_keyword=True)
