"""compile / fit / evaluate / predict: the training loop, readable on one screen.

One training step (`train_step`):
    y_pred = forward through the layers (training=True)
    loss, dy_pred = loss.value_and_grad(y, y_pred, sample_weight)    # mean over the batch
    loss += regularization penalties (their gradients join in backward)
    backward through the layers in reverse, filling every weight's grad
    optimizer.apply_gradients(zip(grads, weights))
    update the loss tracker and the metrics with y_pred
`fit` = epochs -> batches -> train_step -> callbacks; the progress bar is a callback.
The one hook: where the model and the fit call allow it (a Dense or LSTM -> Dense stack, no
batch-level callback; fastpath/eligibility.py lists when), `fastpath.epoch_runner` returns a
runner and each epoch is one compiled call, `runner.run_epoch(batch_size)`, with the same
numbers as the batch loop; evaluate / predict ask `fastpath.inference_runner` the same way.
"""

import numpy as np

from .. import activations, config, fastpath, kernels, legacy, losses, optimizers
from .. import callbacks as callbacks_module
from .. import metrics as metrics_module
from ..callbacks.callback_list import pythonify_logs
from ..layers.base import call_layer
from ..utils import data
from ..utils.data_adapters import is_batch_source
from . import batch_loops


class Trainer(batch_loops.Keras2GeneratorMethods):
    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._initial_epoch = None  # set by BackupAndRestore to resume an interrupted fit
        self._loss_tracker = None
        self._metrics, self._metric_names = [], []

    # ---- compile -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        if loss is None:
            raise ValueError("minikeras needs a `loss` in compile() (e.g. "
                             "loss='binary_crossentropy'); custom train steps are not supported.")
        if loss_weights is not None and loss_weights not in ([1], [1.0], 1, 1.0):
            raise ValueError("`loss_weights` only applies to multi-output models, which "
                             f"Sequential is not; got loss_weights={loss_weights!r}.")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self._loss_spec = loss  # as the user wrote it (parity/ hands the same to Keras)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            metrics = [metrics]
        self._metric_specs = list(metrics or []) + list(weighted_metrics or [])
        self._weighted = [False] * len(metrics or []) + [True] * len(weighted_metrics or [])
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._metrics = None  # resolved from the output shape when data first arrives
        if self.built:
            self._resolve_metrics()
        self.compiled = True
        self.stop_training = False

    def _resolve_metrics(self, y_shape=None):
        if self._metrics is None:
            shape = self.output_shape
            self._metrics = [
                metrics_module.get(spec, loss=self.loss, y_true_shape=y_shape, y_pred_shape=shape)
                for spec in self._metric_specs
            ]
            self._metric_names = metrics_module.log_names(self._metrics, self._weighted)

    @property
    def loss_tracker(self):
        """The Mean that averages the loss over an epoch's steps (logged as "loss")."""
        return self._loss_tracker

    @property
    def compiled_metrics(self):
        """The metrics given to compile(), resolved for the model's output ([] before)."""
        return list(self._metrics or [])

    def runs_default_steps(self, mode):
        """True when the model's `mode` step ("train", "test" or "predict") is minikeras's
        own. A subclass that overrides one must see every batch, so no epoch runner takes
        over its fit / evaluate / predict."""
        if mode == "train":
            return type(self).train_step is Trainer.train_step
        if mode == "test":
            return type(self).test_step is Trainer.test_step
        return True

    @property
    def metrics(self):
        if not self.compiled:
            return []
        return [self._loss_tracker] + list(self._metrics or [])

    @property
    def metrics_names(self):
        """["loss", "accuracy", ...]: the real names (Keras 3 says "compile_metrics")."""
        if not self.compiled:
            return []
        if self._metrics is None:
            return ["loss"] + [_spec_name(s) for s in self._metric_specs]
        return ["loss"] + self._metric_names

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _logs(self):
        """Keras's order: compiled metrics first, then the loss. Repeated names are numbered
        as Keras's CompileMetrics does (`metrics.log_names`); per-class or per-threshold
        results (F1Score(average=None), Precision(thresholds=[...])) stay arrays, as in Keras."""
        logs = {name: _log_value(m.result())
                for name, m in zip(self._metric_names, self._metrics, strict=True)}
        logs["loss"] = float(self._loss_tracker.result())
        return logs

    # ---- one step ------------------------------------------------------------------------------
    def _step_blas_threads(self):
        """BLAS on the free cores only, or, where a layer runs threaded loops of its own
        (Layer.runs_threaded_loops), on the calling thread: kernels.step_blas_threads."""
        return kernels.step_blas_threads(any(layer.runs_threaded_loops for layer in self.layers))

    def train_step(self, x, y, sample_weight=None):
        with self._step_blas_threads():
            loss, penalty, y_pred, _ = self.compute_gradients(x, y, sample_weight,
                                                              input_grads=False)
        variables = self.trainable_weights
        # with loss_scale_factor, Keras scales the loss and the optimizer unscales the grads
        grads = [self.optimizer.scale_loss(v.grad) for v in variables]
        self.optimizer.apply_gradients(zip(grads, variables, strict=True))
        self._update_metrics(loss + penalty, x.shape[0], y, y_pred, sample_weight)

    def test_step(self, x, y, sample_weight=None):
        with self._step_blas_threads():
            y_pred, penalty, _ = self._forward_with_penalties(x, training=False)
        logits_loss = self.logits_loss()
        if logits_loss is None:
            loss = self.loss(y, y_pred, sample_weight)
        else:
            loss = logits_loss(y, self.layers[-1].logits, sample_weight)
        self._update_metrics(loss + penalty, x.shape[0], y, y_pred, sample_weight)

    def _forward_with_penalties(self, x, training):
        """Forward pass plus the regularization penalties Keras adds to the loss."""
        penalty, outputs, mask = 0.0, [], None
        for layer in self.layers:
            x, mask = call_layer(layer, x, training, mask)
            outputs.append(x)
            penalty += layer.regularization_loss() if layer.trainable and self.trainable else 0.0
            if layer.activity_regularizer is not None:  # Keras 3 divides by the batch size
                penalty += float(layer.activity_regularizer(x)) / x.shape[0]
        return x, penalty, outputs

    def compute_gradients(self, x, y, sample_weight=None, input_grads=True):
        """Forward (training=True), loss, and backward: fills every weight's `grad`.

        Returns (loss, penalty, y_pred, dinputs): the data loss, the regularization penalty,
        the prediction, and dLoss/d(input) of each layer, first layer first (parity/ compares
        these with Keras's). Changes no weight. With input_grads=False (training), backward
        stops at the lowest layer that has trainable weights: nothing below it needs a
        gradient, so e.g. a preprocessing Lambda without a derivative can come first; the
        layers not reached get None in dinputs, and so does that lowest layer (its
        `backward_weights` skips its input gradient).
        """
        y_pred, penalty, outputs = self._forward_with_penalties(x, training=True)
        logits_loss = self.logits_loss()
        last = self.layers[-1]
        if logits_loss is None:
            loss, dy = self.loss.value_and_grad(y, y_pred, sample_weight)
        else:  # start backward at the logits, as Keras on TensorFlow differentiates
            loss, dz = logits_loss.value_and_grad(y, last.logits, sample_weight)
        dinputs = []
        lowest = 0 if input_grads else next(
            (i for i, layer in enumerate(self.layers) if layer.trainable_weights), len(outputs))
        for depth, (layer, out) in enumerate(zip(reversed(self.layers), reversed(outputs),
                                                 strict=True)):
            if len(outputs) - 1 - depth < lowest:
                dinputs.append(None)
                continue
            activity = None
            if layer.activity_regularizer is not None:  # d(penalty)/d(output), Keras's / batch
                activity = layer.activity_regularizer.gradient(out).astype(out.dtype) / len(out)
            if layer is last and logits_loss is not None:
                if activity is not None:  # through the activation, onto the logits
                    dz = dz + activations.backward(layer.activation, activity, layer.logits, out)
                dy = layer.backward_from_logits(dz)
            elif len(outputs) - 1 - depth == lowest and not input_grads:
                layer.backward_weights(dy if activity is None else dy + activity)
                dy = None  # nothing below needs it
            else:
                dy = layer.backward(dy if activity is None else dy + activity)
            layer.add_regularizer_grads()
            dinputs.append(dy)
        return loss, penalty, y_pred, dinputs[::-1]

    def logits_loss(self):
        """The from_logits twin of the loss when Keras on TensorFlow would use it, else None.

        Keras's TensorFlow backend computes binary (categorical) crossentropy from the logits
        whenever the model's output comes straight from a sigmoid (softmax): the loss is then
        log-sum-exp based and its gradient w.r.t. the logits is exactly (p - y) / batch, with no
        clipping at 1e-7. minikeras does the same (here and in evaluate), so float32 training
        matches Keras on TensorFlow and saturated outputs keep their gradient. Keras's JAX and
        NumPy backends use the clipped-probability formula; the two agree except where
        p < 1e-7 or p > 1 - 1e-7.
        """
        last = self.layers[-1]
        fn = getattr(self.loss, "fn", None)
        kwargs = self.loss.fn_kwargs if hasattr(self.loss, "fn_kwargs") else {}
        head = {losses.binary_crossentropy: activations.sigmoid,
                losses.categorical_crossentropy: activations.softmax,
                losses.sparse_categorical_crossentropy: activations.softmax}.get(fn)
        if (head is None or not config.logits_crossentropy() or kwargs.get("from_logits")
                or kwargs.get("axis", -1) != -1
                or getattr(last, "activation", None) is not head
                or not hasattr(last, "backward_from_logits")):
            return None
        return self.loss.with_fn_kwargs(from_logits=True)

    def _update_metrics(self, loss, batch_size, y, y_pred, sample_weight):
        self._loss_tracker.update_state(loss, sample_weight=batch_size)
        for metric, weighted in zip(self._metrics, self._weighted, strict=True):
            metric.update_state(y, y_pred, sample_weight=sample_weight if weighted else None)

    # ---- fit -------------------------------------------------------------------------------------
    @legacy.renamed_kwargs({"nb_epoch": "epochs"})
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        self._assert_compiled("fit")
        if is_batch_source(x) or is_batch_source(validation_data):  # generators, PyDataset
            return batch_loops.fit_batches(
                self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                steps_per_epoch, validation_steps, validation_batch_size, validation_freq)
        batch_size = data.check_positive_int(batch_size, "batch_size") or 32
        epochs = data.check_positive_int(epochs, "epochs", allow_none=False, minimum=0)
        initial_epoch = data.check_positive_int(initial_epoch, "initial_epoch", minimum=0)
        data.check_validation_split(validation_split)
        x, y, sample_weight = self._prepare(x, y, sample_weight, class_weight)
        if validation_data is not None:
            val = self._prepare(*data.unpack_validation_data(validation_data))
        elif validation_split:
            (x, y, sample_weight), val = data.train_validation_split((x, y, sample_weight),
                                                                     validation_split)
        else:
            val = None
        steps = -(-x.shape[0] // batch_size)
        verbose = data.check_verbose(verbose)
        cbs = callbacks_module.CallbackList(callbacks, add_history=True,
                                            add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        cbs.on_train_begin()
        initial_epoch = self._initial_epoch or initial_epoch  # as Keras's trainer does
        logs = {}
        runner = fastpath.epoch_runner(self, x, y, sample_weight, shuffle, cbs)  # or None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            if runner is not None:  # the hook: the whole epoch in one compiled call
                runner.run_epoch(batch_size)
                cbs.on_train_batch_end(steps - 1, self._logs())  # progress: all steps done
            else:
                for step, idx in enumerate(data.batch_indices(x.shape[0], batch_size, shuffle)):
                    cbs.on_train_batch_begin(step)
                    weights = None if sample_weight is None else sample_weight[idx]
                    self.train_step(x[idx], y[idx], weights)
                    cbs.on_train_batch_end(step, self._logs())
                    if self.stop_training:
                        break
            logs = self._logs()
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_test(*val, validation_batch_size or batch_size, cbs)
                logs.update({f"val_{name}": value for name, value in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        if self.optimizer.use_ema:  # Keras swaps in the moving averages when fit ends
            self.optimizer.finalize_variable_values(self.trainable_weights)
        cbs.on_train_end(logs)
        return self.history

    # ---- evaluate / predict ----------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        self._assert_compiled("evaluate")
        if is_batch_source(x):  # generators, PyDataset
            return batch_loops.evaluate_batches(self, x, y, batch_size, sample_weight, verbose,
                                                steps, callbacks, return_dict)
        batch_size = data.check_positive_int(batch_size, "batch_size") or 32
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        steps = -(-x.shape[0] // batch_size)
        verbose = data.check_verbose(verbose)
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0,
                                            model=self, verbose=verbose, epochs=1,
                                            steps=steps)
        logs = self._run_test(x, y, sample_weight, batch_size, cbs)
        return pythonify_logs(logs) if return_dict else self._flatten_in_order(logs)

    def _run_test(self, x, y, sample_weight, batch_size, cbs):
        self.reset_metrics()
        cbs.on_test_begin()
        runner = fastpath.inference_runner(self, x, cbs, y, sample_weight)  # or None
        if runner is not None:  # every batch's forward pass in one compiled call
            runner.evaluate(batch_size, y)
            cbs.on_test_batch_end(-(-x.shape[0] // batch_size) - 1, self._logs())
        else:
            for step, idx in enumerate(data.batch_indices(x.shape[0], batch_size, shuffle=False)):
                cbs.on_test_batch_begin(step)
                weights = None if sample_weight is None else sample_weight[idx]
                self.test_step(x[idx], y[idx], weights)
                cbs.on_test_batch_end(step, self._logs())
        logs = self._logs()
        cbs.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        if is_batch_source(x):  # generators, PyDataset
            return batch_loops.predict_batches(self, x, batch_size, verbose, steps, callbacks)
        batch_size = data.check_positive_int(batch_size, "batch_size") or 32
        x = self._prepare_x(x)
        steps = -(-x.shape[0] // batch_size)
        verbose = data.check_verbose(verbose)
        if steps == 1 and verbose == 0 and not callbacks:
            # one batch, no progress bar, no callback to tell: the forward pass alone, without
            # the callback list and its hooks (W6's model on one sample: 51 -> 47 us)
            with self._step_blas_threads():
                return np.array(self.infer(x))  # a new array, as Keras returns
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0,
                                            model=self, verbose=verbose, epochs=1,
                                            steps=steps)
        cbs.on_predict_begin()
        # every batch's forward pass in one compiled call where it can; not for one batch,
        # where the layers' own kernels (`infer`) give the same numbers and the runner's setup
        # (its checks, the flat copy of the weights) costs more than it saves: a 1-sample
        # predict of W1's MLP 27 us against 36 us, of W6's LSTM 82 us against 94 us (and
        # ~40 us since the LSTM's `infer` runs in one call)
        runner = fastpath.inference_runner(self, x, cbs) if steps > 1 else None
        if runner is not None:
            outputs = [runner.predict(batch_size)]
            cbs.on_predict_batch_end(steps - 1, {"outputs": outputs[0]})
        else:
            outputs = []
            for step, start in enumerate(range(0, x.shape[0], batch_size)):
                cbs.on_predict_batch_begin(step)
                with self._step_blas_threads():
                    outputs.append(self.infer(x[start:start + batch_size]))
                cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        return np.concatenate(outputs, axis=0)

    # ---- single batches (Keras resets the metrics first) -----------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        self._assert_compiled("train_on_batch")
        x, y, sample_weight = self._prepare(x, y, sample_weight, class_weight)
        self.reset_metrics()
        self.train_step(x, y, sample_weight)
        logs = self._logs()
        return pythonify_logs(logs) if return_dict else self._flatten_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        self.reset_metrics()
        self.test_step(x, y, sample_weight)
        logs = self._logs()
        return pythonify_logs(logs) if return_dict else self._flatten_in_order(logs)

    def predict_on_batch(self, x):
        return self.infer(self._prepare_x(x))

    # ---- Keras 2 methods that Keras 3 removed (see legacy.py) ----------------------------
    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2's class prediction: argmax over several outputs, > 0.5 for a single unit."""
        legacy.warn_renamed("model.predict_classes(x)",
                            "np.argmax(model.predict(x), axis=-1) (or > 0.5 for one sigmoid unit)")
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2's `predict_proba`: the model's outputs, as `predict` returns them."""
        legacy.warn_renamed("model.predict_proba(x)", "model.predict(x)")
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    # ---- checks, once, before any kernel runs ------------------------------------------------
    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method}()`.")

    def _prepare_x(self, x):
        layers = self.layers
        if not layers:
            raise ValueError(f"Sequential model {self.name!r} has no layers.")
        x = data.as_data(x, "x", layers[0].dtype)
        self.check_input(x)
        return x

    def _prepare(self, x, y, sample_weight=None, class_weight=None):
        x = self._prepare_x(x)
        if y is None:
            raise ValueError("`y` is required to train or evaluate (got y=None).")
        y = data.as_data(y, "y")
        if sample_weight is not None and class_weight is not None:
            raise ValueError("Arguments `sample_weight` and `class_weight` cannot be specified "
                             "at the same time.")
        if class_weight is not None:
            sample_weight = data.class_weight_to_sample_weight(y, class_weight)
        if sample_weight is not None:
            sample_weight = data.as_data(sample_weight, "sample_weight", x.dtype)
        data.check_same_length({"x": x, "y": y, "sample_weight": sample_weight})
        self._resolve_metrics(y.shape)
        # y is the whole dataset: a declared (stateful) batch size is not its sample count
        losses.check_targets(self.loss, y, (None, *self.output_shape[1:]))
        if y.dtype.kind == "f" or not getattr(self.loss, "sparse_labels", False):
            y = y.astype(x.dtype, copy=False)
        return x, y, sample_weight

    def _flatten_in_order(self, logs):
        values = [logs["loss"]] + [logs[name] for name in self._metric_names]
        return values[0] if len(values) == 1 else values


def _log_value(value):
    return float(value) if np.ndim(value) == 0 else np.asarray(value)


def _spec_name(spec):
    return spec if isinstance(spec, str) else getattr(spec, "name", getattr(spec, "__name__", "m"))
