"""A Dense stack's epoch (and its evaluate / predict) in one compiled call.

On the tutorials' small MLPs a training step is ~20 us of arithmetic and ~200 us of Python
(layer calls, loss wrappers, optimizer bookkeeping, metric updates). When the model and the
fit call allow it (eligibility.py), `fit` hands each epoch to `kernels.fused.dense_stack_epoch`
(its steps: kernels/numpy_ref/fused.py) and only does the epoch's bookkeeping here: weights
and optimizer slots into flat buffers, the epoch's dropout masks drawn as the layers would
draw them, one kernel call, the buffers back, then the loss tracker and metrics fed as the
plain loop's steps would have fed them. Same numbers as the plain loop (tests/models/
test_fused.py: float32 bit for bit, float64 to 1e-12).

Which models: Dense layers only (linear/relu/tanh/sigmoid hidden activations, a bias, no
regularizer or constraint), a Dropout may follow any Dense but the last; the loss binary or
(sparse) categorical crossentropy after a sigmoid/softmax (computed from the logits, as the
plain loop does on Keras-on-TensorFlow numerics), or mean squared / absolute error; SGD, Adam
(no amsgrad) or RMSprop (no momentum, not centered) with a constant learning rate.
"""

import numpy as np

from .. import config, kernels
from ..kernels import codes
from ..layers.dropout import Dropout
from ..utils.data import epoch_order
from . import eligibility
from .feed import activate_logits, feed_loss_and_metrics
from .flat import FlatOptimizerState, FlatParameters, optimizer_scalars


class DenseEpochRunner:
    """Flat buffers for one fit call; `run_epoch(batch_size)` trains one epoch in one call."""

    @classmethod
    def for_fit(cls, model, x, y, shuffle):
        """A runner for this fit call, or None (eligibility.fit_allows_runner already holds)."""
        if x.ndim != 2:
            return None
        dense, dropouts = eligibility.dense_and_dropouts(model.layers)
        if dense is None:
            return None
        found = eligibility.head(model, dense, x, y)
        return None if found is None else cls(model, dense, dropouts, x, y, shuffle, *found)

    def __init__(self, model, dense, dropouts, x, y, shuffle, act_codes, loss_code, y2d, labels):
        self.model, self.dense, self.dropouts = model, dense, dropouts
        self.x, self.y, self.shuffle = np.ascontiguousarray(x), y, shuffle
        self.y2d, self.labels = y2d, labels
        self.act_codes, self.loss_code = act_codes, loss_code
        self.opt_code = eligibility.optimizer_code(model.optimizer)
        self.flat = FlatParameters(model.trainable_weights, x.dtype)
        self.layout = self.flat.dense_layout(dense, first=0)
        self.drop_cols = np.full(len(dense), -1, dtype=np.int64)
        self.drop_rates = np.zeros(len(dense))
        columns = 0
        for index, layer in sorted(dropouts.items()):
            self.drop_cols[index], self.drop_rates[index] = columns, float(layer.rate)
            columns += dense[index].units
        self.keep_columns = columns

    def run_epoch(self, batch_size):
        """Train one epoch; update the loss tracker and the metrics as fit's steps would."""
        model, opt = self.model, self.model.optimizer
        order = epoch_order(self.x.shape[0], self.shuffle)
        n = order.shape[0]
        steps = -(-n // batch_size)
        hyper, step_scalars = optimizer_scalars(opt, self.opt_code, self.flat.dtype, steps)
        state = FlatOptimizerState(opt, self.flat)
        params = self.flat.gather()
        slot_1, slot_2 = state.gather()
        logits = np.empty((n, self.layout[-1, 3]), dtype=self.flat.dtype)
        values = np.empty(n, dtype=self.flat.dtype)
        self.compiled_epoch(order, batch_size, params, hyper, step_scalars, slot_1, slot_2,
                            logits, values)
        self.flat.scatter(params)
        state.scatter(slot_1, slot_2)
        opt.iterations.assign(int(opt.iterations) + steps)
        feed_loss_and_metrics(model, self.dense[-1], batch_size, logits, values, self.y[order])

    def compiled_epoch(self, order, batch_size, params, hyper, step_scalars, slot_1, slot_2,
                       logits, values):
        keep = self.draw_dropout_masks(order.shape[0], batch_size)
        kernels.fused.dense_stack_epoch(
            self.x, self.y2d, self.labels, order, batch_size, params, self.layout,
            self.act_codes, self.drop_cols, self.drop_rates, keep, self.loss_code,
            config.epsilon(), self.opt_code, hyper, step_scalars, slot_1, slot_2, logits, values,
            True)

    # ---- dropout masks ------------------------------------------------------------------------
    def draw_dropout_masks(self, n, batch_size):
        """Every batch's dropout masks, drawn as the per-batch forward passes draw them.

        Batch after batch, each Dropout layer in order calls its own `draw_noise(shape)` (its
        RNG, or injected noise), so seeded runs consume the same random numbers as the plain
        loop. Returns keep (n, K) uint8: row i holds the masks of the epoch's i-th row.
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
            groups.setdefault(id(layer.rng), []).append(
                (layer, self.drop_cols[index], self.dense[index].units))
        full = n // batch_size
        for group in groups.values():
            rng, width = group[0][0].rng, sum(units for _, _, units in group)
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


class DenseInference:
    """A Dense stack's forward pass over a whole array in one call (predict, or evaluate with
    the loss and metrics fed as the test steps would)."""

    @classmethod
    def for_call(cls, model, x, callbacks, y=None, sample_weight=None):
        """A runner for this predict (y None) or evaluate call, or None for the plain loop.

        Inference needs less than training (eligibility.inference_head): Dropout layers (any)
        are the identity, the Dense layers need not be trainable, and predict applies the last
        layer's own activation (any) to the kernel's logits.
        """
        if not eligibility.inference_allows_runner(model, x, 2, callbacks, y, sample_weight):
            return None
        dense = [layer for layer in model.layers if type(layer) is not Dropout]
        found = eligibility.inference_head(model, dense, x, y)
        return None if found is None else cls(model, dense, x, *found)

    def __init__(self, model, dense, x, act_codes, loss_code=None, y2d=None, labels=None,
                 before=()):
        """`before`: variables ahead of the Dense layers' in the flat buffer (an LSTM's)."""
        self.model, self.dense, self.x = model, dense, np.ascontiguousarray(x)
        n, dtype, units = x.shape[0], x.dtype, dense[-1].units
        # predict reads the logits only: any loss compiled for the model serves (so predict
        # after fit reuses fit's compiled kernel); mean squared error on zeros otherwise
        if loss_code is None:  # (act_codes end in LINEAR: predict activates the logits)
            loss_code = eligibility.any_fused_loss_code(model)
        self.act_codes, self.loss_code = act_codes, loss_code
        self.y2d = np.zeros((n, units), dtype=dtype) if y2d is None else y2d
        self.labels = np.zeros(n, dtype=np.int64) if labels is None else labels
        variables = [*before, *(v for layer in dense for v in (layer.kernel, layer.bias))]
        self.flat = FlatParameters(variables, dtype)
        self.layout = self.flat.dense_layout(dense, first=len(before))

    def logits(self, batch_size):
        """(logits (n, units), per-sample loss values (n,)), batch_size rows at a time: the
        epoch kernel with train=False (no dropout, no backward pass, no update)."""
        n, dtype = self.x.shape[0], self.x.dtype
        logits = np.empty((n, self.layout[-1, 3]), dtype=dtype)
        values = np.empty(n, dtype=dtype)
        none = np.full(len(self.dense), -1, dtype=np.int64)
        unused = np.zeros(0, dtype=dtype)
        kernels.fused.dense_stack_epoch(
            self.x, self.y2d, self.labels, np.arange(n, dtype=np.int64), batch_size,
            self.flat.gather(), self.layout, self.act_codes, none, np.zeros(len(self.dense)),
            np.zeros((n, 0), dtype=np.uint8), self.loss_code, config.epsilon(), codes.SGD,
            np.zeros(3), np.zeros(1), unused, unused, logits, values, False)
        return logits, values

    def predict(self, batch_size):
        """The model's outputs, as `predict` gives them."""
        return activate_logits(self.dense[-1], self.logits(batch_size)[0])

    def evaluate(self, batch_size, y):
        """Update the loss tracker and the metrics as `evaluate`'s test steps would."""
        logits, values = self.logits(batch_size)
        feed_loss_and_metrics(self.model, self.dense[-1], batch_size, logits, values, y)
