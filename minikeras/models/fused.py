"""The fused training path: a whole epoch of a Dense stack in one kernel call.

On the tutorials' small MLPs a training step is ~20 us of arithmetic and ~200 us of Python
(layer calls, loss wrappers, optimizer bookkeeping, metric updates). When a model and its
`fit` call need nothing a batch-level Python hook could change, `fit` hands each epoch to
`kernels.fused.dense_stack_epoch` (see `kernels/numpy_ref/fused.py` for its steps) and only does the
epoch-level bookkeeping here: copy the weights and optimizer slots into flat buffers, run the
epoch, copy them back, then feed the loss tracker and the metrics the per-batch numbers the
layer-by-layer path would have given them. The results are the general path's to rounding
(float64: <= 1e-12; float32: the same numbers, tests/models/test_fused.py holds both).

Used (`plan_fused` returns a plan) only when ALL of these hold, else `fit` takes the general
path, unchanged:
  - MINIKERAS_KERNELS=numba (the NumPy reference path keeps the readable per-layer loop; the
    fused kernel's NumPy twin exists for the twin test and for reading)
  - every layer is a trainable Dense with a bias, no regularizer, constraint or activity
    regularizer; hidden activations linear/relu (Keras's defaults)/sigmoid; all one dtype;
    a Dropout (0 < rate < 1, no noise_shape) may follow any Dense but the last: its masks are
    drawn here, batch by batch, with the layer's own draws, and applied in the kernel
  - the loss (Keras's defaults: reduction "sum_over_batch_size", no label smoothing,
    from_logits=False, axis=-1) is binary crossentropy after a sigmoid, (sparse) categorical
    crossentropy after a softmax (both in the from-logits form, only when
    `Trainer._logits_loss` uses it, i.e. config.logits_crossentropy() is True), or
    mean squared / absolute error after linear/relu/sigmoid
  - the optimizer is SGD, Adam (no amsgrad) or RMSprop (no momentum, not centered), with a
    constant learning rate and no clipping, weight decay, EMA, loss scaling or accumulation
  - x is 2-D, y fits the output (no sample or class weights), shuffle is True or False
  - no callback has a batch-level hook (ProgbarLogger is fine at verbose 0 or 2, and at
    verbose=1 into a pipe or file, where it writes one line per epoch; a live bar on a
    terminal redraws batch by batch, so it takes the general path), and `train_step` is not
    overridden

`evaluate`, `predict` and the validation run inside `fit` take the same shortcut for inference
(`plan_fused_forward`, `kernels.fused.dense_stack_forward`: every batch's forward pass in one call,
then the loss tracker and metrics fed as the test steps would); it needs less (see there).
"""

import numpy as np

from .. import activations, kernels, losses
from ..callbacks.callback import Callback
from ..callbacks.progbar_logger import ProgbarLogger
from ..layers.dense import Dense
from ..layers.dropout import Dropout
from ..metrics import accuracy_metrics
from ..metrics.reduction_metrics import Mean, MeanMetricWrapper
from ..optimizers.adam import Adam
from ..optimizers.base import keras_cast
from ..optimizers.rmsprop import RMSprop
from ..optimizers.sgd import SGD
from ..utils.progbar import is_dynamic_display
from ..variable import Variable

ACT_CODES = {activations.linear: 0, activations.relu: 1, activations.sigmoid: 2}
LOGITS_LOSSES = {losses.binary_crossentropy: (activations.sigmoid, 0),
                 losses.categorical_crossentropy: (activations.softmax, 1),
                 losses.sparse_categorical_crossentropy: (activations.softmax, 2)}
PLAIN_LOSSES = {losses.mean_squared_error: 3, losses.mean_absolute_error: 4}
BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")
# metrics whose per-sample values are exactly 0 or 1: one update per epoch sums the same
ZERO_ONE = (accuracy_metrics.categorical_accuracy, accuracy_metrics.sparse_categorical_accuracy)


def plan_fused(model, x, y, sample_weight, shuffle, cbs):
    """A FusedEpochs for this fit call, or None when the general path must run it."""
    from .trainer import Trainer

    if kernels.KERNELS != "numba" or type(model).train_step is not Trainer.train_step:
        return None
    if sample_weight is not None or shuffle not in (True, False) or x.ndim != 2:
        return None
    if not _callbacks_epoch_only(cbs):
        return None
    dense, dropouts = _dense_and_dropouts(model.layers)
    if dense is None or not model.trainable:
        return None
    layers = dense
    dtype, opt = x.dtype, model.optimizer
    if any(v.value.dtype != dtype for v in model.trainable_weights):
        return None
    if opt.built and any(id(v) not in opt._indices for v in model.trainable_weights):
        return None
    codes = _loss_and_activation_codes(model.loss, layers, dtype)
    if codes is None or _optimizer_code(model.optimizer) is None:
        return None
    if codes[1] <= 2 and model._logits_loss() is None:  # the probability form: general path
        return None
    targets = _targets(y, codes[1], layers[-1].units, dtype)
    if targets is None:
        return None
    return FusedEpochs(model, dense, dropouts, x, *targets, *codes)


def plan_fused_forward(model, x, cbs, y=None, sample_weight=None):
    """A FusedForward for this predict (y None) or evaluate call, or None for the general path.

    Inference needs less than training: Dropout layers (any) are the identity, the Dense
    layers need not be trainable, and predict applies the last layer's own activation (any)
    to the kernel's logits. Evaluate also needs what plan_fused needs of the loss, and no
    penalty (regularizer) to add. Callbacks may not have test/predict batch hooks (ProgbarLogger
    is fine unless it draws a live bar).
    """
    from .sequential import Sequential
    from .trainer import Trainer

    if (kernels.KERNELS != "numba" or type(model).forward is not Sequential.forward
            or x.ndim != 2 or x.shape[0] == 0 or sample_weight is not None
            or not _callbacks_without(cbs, "predict" if y is None else "test")):
        return None
    dense = [layer for layer in model.layers if type(layer) is not Dropout]
    if not dense or any(type(layer) is not Dense or not layer.use_bias for layer in dense):
        return None
    if any(v.value.dtype != x.dtype for layer in dense for v in (layer.kernel, layer.bias)):
        return None
    if y is None:
        hidden = [ACT_CODES.get(layer.activation) for layer in dense[:-1]]
        if None in hidden:
            return None
        return FusedForward(model, dense, x, np.array(hidden + [0], dtype=np.int64))
    if type(model).test_step is not Trainer.test_step or not all(map(_penalty_free, dense)):
        return None
    codes = _loss_and_activation_codes(model.loss, dense, x.dtype)
    if codes is None or (codes[1] <= 2 and model._logits_loss() is None):
        return None
    targets = _targets(y, codes[1], dense[-1].units, x.dtype)
    if targets is None:
        return None
    return FusedForward(model, dense, x, *codes, *targets)


def _callbacks_without(cbs, mode):
    """True when no callback has a `mode` ("test"/"predict") batch hook that would print."""
    hooks = (f"on_{mode}_batch_begin", f"on_{mode}_batch_end")
    for cb in cbs.callbacks:
        if isinstance(cb, ProgbarLogger) and (not _live_bar(cb) or (
                mode == "test" and cb._called_in_fit)):
            continue
        if any(getattr(type(cb), hook, None) is not getattr(Callback, hook, None)
               for hook in hooks):
            return False
    return True


def _live_bar(cb):
    """Whether a ProgbarLogger redraws its bar batch by batch: verbose=1 on a terminal (or in
    a notebook). Into a pipe or file it writes one line when all steps are done, which the
    fused paths give it the same way."""
    return cb.verbose == 1 and is_dynamic_display()


def _penalty_free(layer):
    return (layer.kernel_regularizer is None and layer.bias_regularizer is None
            and layer.activity_regularizer is None)


def _dense_and_dropouts(layers):
    """(the Dense layers, {index of a Dense: the Dropout right after it}), or (None, None)."""
    dense, dropouts = [], {}
    for i, layer in enumerate(layers):
        if _plain_dense(layer):
            dense.append(layer)
        elif (type(layer) is Dropout and 0 < layer.rate < 1 and layer.noise_shape is None
              and i + 1 < len(layers) and dense and len(dense) - 1 not in dropouts):
            dropouts[len(dense) - 1] = layer
        else:
            return None, None
    return (dense or None), dropouts


def _callbacks_epoch_only(cbs):
    for cb in cbs.callbacks:
        if isinstance(cb, ProgbarLogger) and not _live_bar(cb):
            continue
        if any(getattr(type(cb), hook, None) is not getattr(Callback, hook, None)
               for hook in BATCH_HOOKS):
            return False
    return True


def _plain_dense(layer):
    return (type(layer) is Dense and layer.trainable and layer.use_bias
            and layer.kernel_regularizer is None and layer.bias_regularizer is None
            and layer.activity_regularizer is None and layer.kernel_constraint is None
            and layer.bias_constraint is None)


def _loss_and_activation_codes(loss, layers, dtype):
    """(act_codes, loss_code) or None; codes as in kernels/numpy_ref/fused.py."""
    if (not isinstance(loss, losses.LossFunctionWrapper) or loss.reduction != "sum_over_batch_size"
            or np.dtype(loss.dtype) != dtype):
        return None
    kwargs = dict(loss._fn_kwargs)
    if kwargs.pop("from_logits", False) or kwargs.pop("label_smoothing", 0.0) \
            or kwargs.pop("axis", -1) != -1 or kwargs.pop("ignore_class", None) is not None \
            or kwargs:
        return None
    hidden = [ACT_CODES.get(layer.activation) for layer in layers[:-1]]
    if None in hidden:
        return None
    last = layers[-1].activation
    if loss.fn in LOGITS_LOSSES:
        head, loss_code = LOGITS_LOSSES[loss.fn]
        if last is not head:
            return None
        return np.array(hidden + [0], dtype=np.int64), loss_code
    if loss.fn in PLAIN_LOSSES and last in ACT_CODES:
        return np.array(hidden + [ACT_CODES[last]], dtype=np.int64), PLAIN_LOSSES[loss.fn]
    return None


def _optimizer_code(opt):
    if (opt.clipnorm or opt.clipvalue or opt.global_clipnorm or opt.weight_decay
            or opt.use_ema or opt.loss_scale_factor is not None
            or opt.gradient_accumulation_steps or not isinstance(opt._learning_rate, Variable)):
        return None
    if type(opt) is SGD:
        return 0
    if type(opt) is Adam and not opt.amsgrad:
        return 1
    if type(opt) is RMSprop and not opt.centered and not opt.momentum:
        return 2
    return None


def _targets(y, loss_code, units, dtype):
    """(y2d (n, units) float, labels (n,) int64) as the loss sees them, or None."""
    n = y.shape[0]
    if loss_code == 2:
        flat = y.reshape(n, -1)
        if flat.shape[1] != 1 or (y.ndim > 1 and y.shape[-1] != 1):
            return None
        labels = flat[:, 0].astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= units
                            or np.any(labels != flat[:, 0])):
            return None  # the general path raises the error
        return np.zeros((n, 1), dtype=dtype), labels
    if y.dtype != dtype or not (y.shape == (n, units) or (units == 1 and y.shape == (n,))):
        return None
    return np.ascontiguousarray(y.reshape(n, units)), np.zeros(n, dtype=np.int64)


class FusedEpochs:
    """Flat buffers for one fit call; `run_epoch(order)` trains one epoch in one kernel call."""

    def __init__(self, model, dense, dropouts, x, y2d, labels, act_codes, loss_code):
        self.model, self.x, self.y2d, self.labels = model, np.ascontiguousarray(x), y2d, labels
        self.dense, self.dropouts = dense, dropouts
        self.drop_cols = np.full(len(dense), -1, dtype=np.int64)
        self.drop_rates = np.zeros(len(dense))
        columns = 0
        for index, layer in sorted(dropouts.items()):
            self.drop_cols[index], self.drop_rates[index] = columns, float(layer.rate)
            columns += dense[index].units
        self.keep_columns = columns
        self.act_codes, self.loss_code = act_codes, loss_code
        self.variables = model.trainable_weights
        sizes = [v.value.size for v in self.variables]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.layout = np.array([[self.offsets[2 * i], self.offsets[2 * i + 1],
                                 layer.kernel.shape[0], layer.units]
                                for i, layer in enumerate(dense)], dtype=np.int64)
        self.dtype = x.dtype
        self.params = np.empty(self.offsets[-1], dtype=self.dtype)
        self.opt_code = _optimizer_code(model.optimizer)

    # ---- flat buffers <-> Variables --------------------------------------------------------
    def _slots(self):
        opt = self.model.optimizer
        if not opt.built:
            opt.build(self.variables)
        index = [opt._get_variable_index(v) for v in self.variables]
        if self.opt_code == 0:
            return [[opt.momentums[i] for i in index]] if opt.momentum != 0 else []
        if self.opt_code == 1:
            return [[opt._momentums[i] for i in index], [opt._velocities[i] for i in index]]
        return [[opt._velocities[i] for i in index]]

    def _gather(self, variables):
        flat = np.empty(self.offsets[-1], dtype=self.dtype)
        for v, a, b in zip(variables, self.offsets[:-1], self.offsets[1:], strict=True):
            flat[a:b] = v.value.ravel()
        return flat

    def _scatter(self, flat, variables):
        for v, a, b in zip(variables, self.offsets[:-1], self.offsets[1:], strict=True):
            v.value[...] = flat[a:b].reshape(v.value.shape)

    # ---- one epoch -----------------------------------------------------------------------------
    def _hyper_and_step_scalars(self, steps):
        """The optimizer's scalars, as its update_step computes them (Adam: alpha per step)."""
        opt, dt = self.model.optimizer, self.dtype
        lr = opt.learning_rate
        if self.opt_code == 0:
            return np.array([float(keras_cast(lr, dt)), float(keras_cast(opt.momentum, dt)),
                             float(bool(opt.nesterov))]), np.zeros(1)
        if self.opt_code == 2:
            return np.array([float(keras_cast(lr, dt)), float(opt.rho),
                             float(opt.epsilon)]), np.zeros(1)
        t0 = int(opt.iterations)
        b1, b2, lr_ = keras_cast(opt.beta_1, dt), keras_cast(opt.beta_2, dt), keras_cast(lr, dt)
        alphas = np.empty(steps)
        for s in range(steps):  # Adam.update_step's own expressions, step by step
            local_step = dt.type(t0 + s + 1)
            alphas[s] = float(lr_ * np.sqrt(1 - b2 ** local_step) / (1 - b1 ** local_step))
        return np.array([float(opt.beta_1), float(opt.beta_2), float(opt.epsilon)]), alphas

    def run_epoch(self, order, batch_size, y):
        """Train one epoch over rows `order`; update the loss tracker and metrics as fit would:
        weights and optimizer slots into flat buffers, one kernel call, and back."""
        model, n = self.model, order.shape[0]
        steps = -(-n // batch_size)
        hyper, step_scalars = self._hyper_and_step_scalars(steps)
        slots = self._slots()
        params = self._gather(self.variables)
        flat_slots = [self._gather(s) for s in slots]
        empty = np.zeros(0, dtype=self.dtype)
        slot_1 = flat_slots[0] if flat_slots else empty
        slot_2 = flat_slots[1] if len(flat_slots) > 1 else empty
        logits = np.empty((n, self.layout[-1, 3]), dtype=self.dtype)
        values = np.empty(n, dtype=self.dtype)
        self._epoch_kernel(order, batch_size, params, hyper, step_scalars, slot_1, slot_2,
                           logits, values)
        self._scatter(params, self.variables)
        for flat, variables in zip(flat_slots, slots, strict=True):
            self._scatter(flat, variables)
        model.optimizer._iterations.value += steps
        _feed_loss_and_metrics(model, self.dense[-1], batch_size, logits, values,
                               y[order])

    def _epoch_kernel(self, order, batch_size, params, hyper, step_scalars, slot_1, slot_2,
                      logits, values):
        from ..config import epsilon

        keep = self._draw_dropout_masks(order.shape[0], batch_size)
        kernels.fused.dense_stack_epoch(self.x, self.y2d, self.labels, order, batch_size, params,
                                  self.layout, self.act_codes, self.drop_cols, self.drop_rates,
                                  keep, self.loss_code, epsilon(), self.opt_code, hyper,
                                  step_scalars, slot_1, slot_2, logits, values)

    def _draw_dropout_masks(self, n, batch_size):
        """Every batch's dropout masks, drawn as the per-batch forward passes draw them.

        Batch after batch, each Dropout layer in order calls its own `draw_noise(shape)` (its
        RNG, or injected noise), so seeded runs consume the same random numbers as before.
        Returns keep (n, K) uint8: row i holds the masks of the epoch's i-th row.
        """
        keep = np.zeros((n, self.keep_columns), dtype=np.uint8)
        if all(layer.noise_source is None for layer in self.dropouts.values()):
            self._draw_from_rngs(keep, n, batch_size)
            return keep
        for start in range(0, n if self.dropouts else 0, batch_size):
            rows = min(batch_size, n - start)
            for index, layer in sorted(self.dropouts.items()):
                col, units = self.drop_cols[index], self.dense[index].units
                mask = layer.draw_noise((rows, units))
                keep[start:start + rows, col:col + units] = mask.astype(bool, copy=False)
        return keep

    def _draw_from_rngs(self, keep, n, batch_size):
        """The same masks in a few large draws (no injected noise): Dropout's noise is
        `rng.random(size=(rows, units)) >= rate`, and a generator's uniform doubles come one
        after another, so one draw of (steps, batch_size * K_g) values gives every full batch's
        draws in order, where K_g sums the units of the layers sharing that generator (the
        global np.random for seed=None, else the layer's own); the last, partial batch is one
        more draw of (rows * K_g). Each batch's block splits into the layers' (rows, units).
        """
        groups = {}  # id(rng) -> [(Dropout, its column in keep, units)], in layer order
        for index, layer in sorted(self.dropouts.items()):
            groups.setdefault(id(layer._rng), []).append(
                (layer, self.drop_cols[index], self.dense[index].units))
        full = n // batch_size
        for group in groups.values():
            rng, width = group[0][0]._rng, sum(units for _, _, units in group)
            blocks = [(0, full, batch_size)] if full else []
            if full * batch_size < n:
                blocks.append((full * batch_size, 1, n - full * batch_size))
            for start, steps, rows in blocks:
                draws = rng.random(size=(steps, rows * width))
                offset = 0
                for layer, col, units in group:
                    kept = draws[:, offset:offset + rows * units] >= layer.rate
                    keep[start:start + steps * rows, col:col + units] = kept.reshape(-1, units)
                    offset += rows * units


class FusedForward:
    """Inference of a Dense stack in one kernel call (`kernels.fused.dense_stack_forward`)."""

    def __init__(self, model, dense, x, act_codes, loss_code=-1, y2d=None, labels=None):
        self.model, self.dense, self.x = model, dense, np.ascontiguousarray(x)
        self.act_codes, self.loss_code = act_codes, loss_code
        n, dtype = x.shape[0], x.dtype
        self.y2d = np.zeros((n, 1), dtype=dtype) if y2d is None else y2d
        self.labels = np.zeros(n, dtype=np.int64) if labels is None else labels
        layout, offset = [], 0
        for layer in dense:
            fan_in, units = layer.kernel.shape
            layout.append([offset, offset + fan_in * units, fan_in, units])
            offset += fan_in * units + units
        self.layout = np.array(layout, dtype=np.int64)
        self.params = np.concatenate([a for layer in dense
                                      for a in (layer.kernel.value.ravel(), layer.bias.value)])

    def logits(self, batch_size):
        """(logits (n, units), per-sample loss values (n,)), batch_size rows at a time."""
        from ..config import epsilon

        n = self.x.shape[0]
        logits = np.empty((n, self.layout[-1, 3]), dtype=self.x.dtype)
        values = np.empty(n if self.loss_code >= 0 else 0, dtype=self.x.dtype)
        kernels.fused.dense_stack_forward(self.x, self.y2d, self.labels, batch_size, self.params,
                                    self.layout, self.act_codes, self.loss_code, epsilon(),
                                    logits, values)
        return logits, values

    def predict(self, batch_size):
        """The model's outputs, as `predict` gives them."""
        return self.dense[-1].activation(self.logits(batch_size)[0])

    def evaluate(self, batch_size, y):
        """Update the loss tracker and the metrics as `evaluate`'s test steps would."""
        logits, values = self.logits(batch_size)
        _feed_loss_and_metrics(self.model, self.dense[-1], batch_size, logits, values, y)


def _feed_loss_and_metrics(model, last, batch_size, logits, values, y):
    """Update the loss tracker and the metrics as train_step / test_step would, batch by batch.

    values (n,): per-sample losses; logits (n, units): the last Dense layer's z, whose
    activation is the model's output; y (n, ...): the targets in the rows' order.
    """
    n, dtype = logits.shape[0], logits.dtype
    full = n // batch_size * batch_size  # row sums of the reshape = np.sum of each batch
    sums = values[:full].reshape(-1, batch_size).sum(axis=1)
    sizes = [batch_size] * (full // batch_size)
    if full < n:
        sums, sizes = np.append(sums, np.sum(values[full:])), sizes + [n - full]
    means = sums / np.asarray(sizes).astype(dtype)  # the step's loss of each batch
    _add_to_mean(model._loss_tracker, means.astype(dtype), sizes)
    if not model._metrics:
        return
    y_pred = last.activation(logits)
    for metric in model._metrics:
        fn = getattr(metric, "_fn", None)
        zero_one = fn in ZERO_ONE or (
            fn is accuracy_metrics.binary_accuracy and y_pred.shape[1] == 1)
        if isinstance(metric, MeanMetricWrapper) and zero_one and n < 2 ** 24:
            metric.update_state(y, y_pred)
            continue
        for start in range(0, n, batch_size):
            stop = start + batch_size
            metric.update_state(y[start:stop], y_pred[start:stop])


def _add_to_mean(tracker, means, sizes):
    """tracker.update_state(mean_b, sample_weight=size_b) for each batch b, in one pass.

    Mean's update is total += mean_b * size_b; count += size_b, each rounded to the tracker's
    dtype; np.cumsum adds in order, in that dtype, so the totals round exactly as the loop's.
    """
    if type(tracker) is not Mean:
        for mean, size in zip(means, sizes, strict=True):
            tracker.update_state(float(mean), sample_weight=size)
        return
    dt = tracker.total.dtype
    products = means.astype(dt) * np.asarray(sizes, dtype=dt)
    total = np.cumsum(np.concatenate([[tracker.total], products]).astype(dt))[-1]
    count = np.cumsum(np.concatenate([[tracker.count], sizes]).astype(dt))[-1]
    tracker.total, tracker.count = np.array(total, dtype=dt), np.array(count, dtype=dt)
