"""fit / evaluate / predict when the data comes as batches (a generator, a PyDataset /
Sequence), or when `validation_data` does: the same steps and callbacks as trainer.py's
per-batch loop, with each batch taken from a `BatchSource` (utils/data_adapters.py).

trainer.py calls these from its first lines, so its own array loop stays as it is.
"""

import warnings

import numpy as np

from .. import callbacks as callbacks_module
from ..callbacks.callback_list import pythonify_logs
from ..utils import data
from ..utils.data_adapters import (
    ArrayBatches,
    BatchSource,
    check_fit_arguments,
    is_batch_source,
    prepare,
)


def fit_batches(model, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                steps_per_epoch, validation_steps, validation_batch_size, validation_freq):

    check_fit_arguments(x, y, sample_weight, batch_size, validation_split)
    epochs = data.check_positive_int(epochs, "epochs", allow_none=False, minimum=0)
    initial_epoch = data.check_positive_int(initial_epoch, "initial_epoch", minimum=0)
    steps_per_epoch = data.check_positive_int(steps_per_epoch, "steps_per_epoch")
    validation_steps = data.check_positive_int(validation_steps, "validation_steps")
    if is_batch_source(x):
        source = BatchSource(x, shuffle=shuffle)
    else:  # arrays, with a generator as validation_data
        # (validation_split is ignored when validation_data is given, as in Keras)
        x, y, sample_weight = model._prepare(x, y, sample_weight, class_weight)
        source, class_weight = ArrayBatches(x, y, sample_weight, batch_size or 32, shuffle), None
    val = None
    if validation_data is not None:
        if is_batch_source(validation_data):
            val = BatchSource(validation_data, what="validation_data")
        else:
            vx, vy, vsw = model._prepare(*data.unpack_validation_data(validation_data))
            val = ArrayBatches(vx, vy, vsw, validation_batch_size or batch_size or 32, False)
    steps = steps_per_epoch or source.num_batches()
    verbose = data.check_verbose(verbose)
    cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                        add_progbar=verbose != 0, model=model,
                                        verbose=verbose, epochs=epochs, steps=steps)
    model.stop_training = False
    cbs.on_train_begin()
    initial_epoch = model._initial_epoch or initial_epoch
    logs = {}
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        cbs.on_epoch_begin(epoch)
        for step, batch in source.epoch(steps_per_epoch):
            bx, by, bsw = prepare(model, batch, step, source.kind, class_weight)
            cbs.on_train_batch_begin(step)
            model.train_step(bx, by, bsw)
            cbs.on_train_batch_end(step, model._logs())
            if model.stop_training:
                break
        if source.exhausted and model.loss_tracker.count == 0:
            _ran_out()  # nothing was trained this epoch: Keras stops without an epoch end
            break
        logs = model._logs()
        if val is not None and (epoch + 1) % validation_freq == 0:
            val_logs = run_test(model, val, validation_steps, cbs)
            logs.update({f"val_{name}": value for name, value in val_logs.items()})
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
        if source.exhausted and epoch + 1 < epochs:
            _ran_out()
            break
    if model.optimizer.use_ema:
        model.optimizer.finalize_variable_values(model.trainable_weights)
    cbs.on_train_end(logs)
    return model.history


def _ran_out():
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                  "dataset or generator can generate at least `steps_per_epoch * epochs` "
                  "batches.", stacklevel=4)


def run_test(model, source, steps, cbs):
    model.reset_metrics()
    cbs.on_test_begin()
    for step, batch in source.epoch(steps):
        bx, by, bsw = prepare(model, batch, step, source.kind)
        cbs.on_test_batch_begin(step)
        model.test_step(bx, by, bsw)
        cbs.on_test_batch_end(step, model._logs())
    logs = model._logs()
    cbs.on_test_end(logs)
    return logs


def evaluate_batches(model, x, y, batch_size, sample_weight, verbose, steps, callbacks,
                     return_dict):

    check_fit_arguments(x, y, sample_weight, batch_size, 0.0)
    steps = data.check_positive_int(steps, "steps")
    source = BatchSource(x)
    verbose = data.check_verbose(verbose)
    cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0,
                                        model=model, verbose=verbose, epochs=1,
                                        steps=steps or source.num_batches())
    logs = run_test(model, source, steps, cbs)
    return pythonify_logs(logs) if return_dict else model._flatten_in_order(logs)


def predict_batches(model, x, batch_size, verbose, steps, callbacks):

    check_fit_arguments(x, None, None, batch_size, 0.0)
    steps = data.check_positive_int(steps, "steps")
    source = BatchSource(x)
    verbose = data.check_verbose(verbose)
    cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0,
                                        model=model, verbose=verbose, epochs=1,
                                        steps=steps or source.num_batches())
    cbs.on_predict_begin()
    outputs = []
    for step, batch in source.epoch(steps):
        bx, _, _ = prepare(model, batch, step, source.kind, targets=False)
        cbs.on_predict_batch_begin(step)
        outputs.append(model.infer(bx))
        cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
    cbs.on_predict_end()
    if not outputs:
        raise ValueError(f"The {source.kind} given to predict yielded no batches.")
    return np.concatenate(outputs, axis=0)


class Keras2GeneratorMethods:
    """Keras 2's fit_generator / evaluate_generator / predict_generator (Keras 3 removed them):
    each warns and calls fit / evaluate / predict, which take generators and Sequences.
    As Keras 2 required, a plain generator needs `steps_per_epoch` / `steps` (it may be
    endless); a Sequence defaults to its length. workers, use_multiprocessing and
    max_queue_size are accepted and ignored (batches are read in the calling thread)."""

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        from .. import legacy

        legacy.warn_renamed("model.fit_generator(generator, ...)", "model.fit(generator, ...)")
        _require_steps(generator, steps_per_epoch, "steps_per_epoch")
        if validation_data is not None and is_batch_source(validation_data):
            _require_steps(validation_data, validation_steps, "validation_steps")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        from .. import legacy

        legacy.warn_renamed("model.evaluate_generator(generator, ...)",
                            "model.evaluate(generator, ...)")
        _require_steps(generator, steps, "steps")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        from .. import legacy

        legacy.warn_renamed("model.predict_generator(generator, ...)",
                            "model.predict(generator, ...)")
        _require_steps(generator, steps, "steps")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def _require_steps(source, steps, name):
    if not is_batch_source(source):
        raise TypeError(f"Expected a generator or a Sequence, got {type(source).__name__}; "
                        "for arrays use fit / evaluate / predict.")
    if steps is None and not BatchSource(source).indexed:
        raise ValueError(f"`{name}=None` is only valid for a generator based on the "
                         "`keras.utils.Sequence` class. Please specify `" + name + "` or use "
                         "the `keras.utils.Sequence` class.")
