"""LambdaCallback: a callback made of plain functions, as Keras 3's.

Each function replaces the hook of the same name, so it takes that hook's arguments:
on_epoch_begin/end(epoch, logs), on_train_begin/end(logs), on_train_batch_begin/end(batch, logs)
(logs by keyword), and any other `on_*` hook of Callback passed as a keyword.
Unlike Keras, which stores any keyword silently, an unknown hook name raises ValueError.
"""

from ..utils.lookup import lookup
from .callback import Callback

HOOKS = sorted(name for name in vars(Callback) if name.startswith("on_"))


class LambdaCallback(Callback):
    """Calls the given functions at the matching hooks."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name in kwargs:
            lookup("LambdaCallback hook", name, {hook: hook for hook in HOOKS})
        for name, function in [*kwargs.items(), *hooks.items()]:
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"`{name}` must be a function. Received: {name}={function!r}")
            setattr(self, name, function)
