"""Callbacks: hooks around the training loop, as `keras.callbacks` exposes them.

The contract between the loop (`minikeras/models/trainer.py`) and the callbacks, as Keras 3's
TensorFlow trainer keeps it:

fit(x, y, epochs, verbose, callbacks, ...):
    callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                             model=model, verbose=verbose, epochs=epochs, steps=steps_per_epoch)
    model.stop_training = False
    callbacks.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        reset the metrics (the loss tracker too)
        callbacks.on_epoch_begin(epoch)
        for step, batch in enumerate(batches):
            callbacks.on_train_batch_begin(step)
            logs = train_step(batch)                    # see "logs" below
            callbacks.on_train_batch_end(step, logs)
            if model.stop_training: break
        epoch_logs = dict(logs)                         # the metrics after the last step
        if validation: epoch_logs.update({"val_" + k: v for k, v in
                                          evaluate(..., callbacks=callbacks, return_dict=True)})
        callbacks.on_epoch_end(epoch, epoch_logs)
        if model.stop_training: break
    callbacks.on_train_end(epoch_logs of the last epoch run, or None if none ran)
    return model.history                                # the History, set by CallbackList

evaluate(x, y, verbose, callbacks, ...):
    unless `callbacks` is already a CallbackList (validation inside fit passes fit's own, so
    its ProgbarLogger stays silent), callbacks = CallbackList(callbacks, add_progbar=verbose != 0,
    model=model, verbose=verbose, epochs=1, steps=number_of_batches)
    reset the metrics; callbacks.on_test_begin()
    per batch: on_test_batch_begin(step); logs = test_step(batch); on_test_batch_end(step, logs)
    callbacks.on_test_end(final logs)

predict(x, verbose, callbacks, ...): the same CallbackList(..., epochs=1, steps=...), then
    on_predict_begin(); per batch on_predict_batch_begin(step),
    on_predict_batch_end(step, {"outputs": batch_predictions}); on_predict_end()

logs: a dict of the model's metric results after this step, in `model.metrics` order:
    {"loss": running mean of the batch losses this epoch (weighted by batch size, as Keras's
    Mean tracker), "<metric name>": running value of each compiled metric}. Before any hook sees
    them, CallbackList sorts the keys and turns values into Python floats (`pythonify_logs`),
    so callbacks receive e.g. {"accuracy": 0.70, "loss": 0.55} and at epoch end
    {"accuracy", "loss", "val_accuracy", "val_loss"} in that order.
steps: the number of batches per epoch, or None when unknown (the bar then counts up).
verbose: 0 silent, 1 live bar, 2 one line per epoch, or "auto" (= 1).

The model must have: `stop_training` (read after each batch and epoch), `history` (set here),
`get_weights()` / `set_weights(weights)` (EarlyStopping's restore_best_weights), and, for
EarlyStopping(mode="auto") on a metric other than loss, `metrics` whose items (or their
`.metrics` lists) have a `name` and a `_direction` of "up" or "down" as Keras metrics do.
The training callbacks also use: `model.optimizer.learning_rate` (read with float(), set to a
float: ReduceLROnPlateau, LearningRateScheduler, which also write logs["learning_rate"] at epoch
end so `history` records it), `model.save(path, overwrite=True)` and
`model.save_weights(path, overwrite=True)` (ModelCheckpoint), and `model.built`,
`model.save_weights`, `model.load_weights` plus `fit` reading `model._initial_epoch` after
`on_train_begin` (BackupAndRestore, to resume at the saved epoch).
"""

from .backup_and_restore import BackupAndRestore
from .callback import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .learning_rate_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .monitor_callback import MonitorCallback
from .progbar_logger import ProgbarLogger
from .reduce_lr_on_plateau import ReduceLROnPlateau
from .terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
