"""An LSTM -> Dense ... stack's epoch (and its evaluate / predict) in one compiled call (the
airline tutorial's model, W6).

The airline tutorial's `LSTM(4) -> Dense(1)` spends ~190 us a training step in Python around
~10 us of arithmetic (W6's LSTM(64), batch 64: ~0.5 ms around ~2 ms). Each epoch goes to
`kernels.rnn_epoch.lstm_dense_epoch` (its steps: kernels/numpy_ref/rnn_epoch.py); the bookkeeping
around it (flat buffers, optimizer slots and scalars, loss tracker, metrics) is
dense_epoch.py's. Same numbers as the plain loop, bit for bit in the tested cases
(tests/models/test_fused_recurrent.py): the kernel runs the time loops the layer itself would
run at each batch size, which kernels/plan.py decides for both.

Which models: what DenseEpochRunner asks of the loss, optimizer and Dense layers (no Dropout
between them), after a first LSTM that returns its last output only, with a bias, no dropout,
state, regularizer or constraint, on 3-D x without a mask. At a batch size where the layer
would run a loop this kernel does not (`time_loop` is None) the epoch runs the plain steps.

Evaluate and predict (`LSTMInference`) run the same kernel with train=False: the forward
passes (and the loss values), as DenseInference does for Dense stacks. What it saves is the
Python between layers and batches: on W6's model (load 3.6-4.4 from other processes, this
2-core machine) evaluate of 4000 samples at batch 32 takes 54 ms against the layer path's
88 ms, predict 49 ms against 97 ms; at 1 sample (one LSTM forward, ~27 us of compute) the
runner's own set-up costs about what it saves (71 us against 68 us).
"""

import numpy as np

from .. import config, kernels
from ..kernels import codes, plan
from ..layers.dropout import Dropout
from ..utils.data import epoch_order
from . import eligibility
from .dense_epoch import DenseEpochRunner, DenseInference
from .feed import activate_logits, feed_loss_and_metrics


def lstm_codes(lstm):
    """(activation, recurrent_activation, zero_output_for_mask) as the kernels take them."""
    return np.array([codes.activation_code_or_none(lstm.activation),  # (the layer checked them)
                     codes.activation_code_or_none(lstm.recurrent_activation),
                     int(lstm.zero_output_for_mask)], dtype=np.int64)


def time_loop(lstm, x, batch_size):
    """kernels/plan.py's Plan that every batch of x (n, T, features) in batches of
    `batch_size` takes in the layer, when the epoch kernel runs it as the layer does, else None
    (then the runners run the plain steps). The kernel runs the "fused" and "gemm" loops; with
    the "fused" one its input projection is one GEMM (dense_forward / dense_backward), which
    is the layer's only where a batch's projection is one single-thread block (the layer cuts
    bigger ones into row slabs: other last bits, e.g. LSTM(4) on 64 features, 10 steps,
    batch 32)."""
    n, steps, _ = x.shape
    found = plan.epoch_plan("lstm", n, batch_size, lstm.units)
    if found is None or found.loop not in ("fused", "gemm"):
        return None
    if found.loop == "fused" and not plan.projection_in_one_gemm(
            min(batch_size, n) * steps, lstm.kernel.value.size):
        return None
    return found


class LSTMEpochRunner(DenseEpochRunner):
    """Flat buffers for one fit call of LSTM -> Dense ...; `run_epoch` trains one epoch in one
    kernel call, or step by step where the layer's loops are not the kernel's."""

    @classmethod
    def for_fit(cls, model, x, y, shuffle):
        layers = model.layers
        if (x.ndim != 3 or len(layers) < 2 or not eligibility.plain_lstm(layers[0])
                or not all(map(eligibility.plain_dense, layers[1:]))):
            return None
        found = eligibility.head(model, layers[1:], x, y)
        return None if found is None else cls(model, layers[0], layers[1:], x, y, shuffle,
                                              *found)

    def __init__(self, model, lstm, dense, x, y, shuffle, act_codes, loss_code, y2d, labels):
        super().__init__(model, dense, {}, x, y, shuffle, act_codes, loss_code, y2d, labels)
        self.lstm = lstm
        self.lstm_codes = lstm_codes(lstm)
        # the variables: the LSTM's kernel, recurrent_kernel and bias, then each Dense's two
        offsets = self.flat.offsets
        self.lstm_layout = np.array([*offsets[:3], x.shape[2], lstm.units], dtype=np.int64)
        self.layout = self.flat.dense_layout(dense, first=3)

    def epoch_loop(self, batch_size):
        """The time loop of every batch of an epoch at this batch size, or None (time_loop)."""
        return time_loop(self.lstm, self.x, batch_size)

    def run_epoch(self, batch_size):
        if self.epoch_loop(batch_size) is None:  # the plain loop's steps, in its order
            order = epoch_order(self.x.shape[0], self.shuffle)
            for start in range(0, order.shape[0], batch_size):
                rows = order[start:start + batch_size]
                self.model.train_step(self.x[rows], self.y[rows], None)
            return
        super().run_epoch(batch_size)

    def compiled_epoch(self, order, batch_size, params, hyper, step_scalars, slot_1, slot_2,
                       logits, values):
        kernels.rnn_epoch.lstm_dense_epoch(
            self.x, self.y2d, self.labels, order, batch_size, params, self.lstm_layout,
            self.lstm_codes, self.layout, self.act_codes, self.loss_code, config.epsilon(),
            self.opt_code, hyper, step_scalars, slot_1, slot_2, logits, values, True,
            self.epoch_loop(batch_size))


class LSTMInference(DenseInference):
    """An LSTM -> Dense ... stack's forward pass over a whole array in one kernel call
    (predict, or evaluate with the loss and metrics fed as the test steps would), or batch by
    batch where the layer's time loops are not the kernel's."""

    @classmethod
    def for_call(cls, model, x, callbacks, y=None, sample_weight=None):
        """A runner for this predict (y None) or evaluate call, or None for the plain loop.

        The model: an LSTM as eligibility.inference_lstm allows, then Dense and Dropout layers
        as DenseInference allows them (Dropout, the identity here, right after the LSTM too).
        """
        if not eligibility.inference_allows_runner(model, x, 3, callbacks, y, sample_weight):
            return None
        lstm, *rest = model.layers
        if not eligibility.inference_lstm(lstm, x, evaluate=y is not None):
            return None
        dense = [layer for layer in rest if type(layer) is not Dropout]
        found = eligibility.inference_head(model, dense, x, y)
        return None if found is None else cls(model, lstm, dense, x, *found)

    def __init__(self, model, lstm, dense, x, act_codes, loss_code=None, y2d=None, labels=None):
        super().__init__(model, dense, x, act_codes, loss_code, y2d, labels,
                         before=(lstm.kernel, lstm.recurrent_kernel, lstm.bias))
        self.lstm, self.lstm_codes = lstm, lstm_codes(lstm)
        self.lstm_layout = np.array([*self.flat.offsets[:3], x.shape[2], lstm.units],
                                    dtype=np.int64)

    def logits(self, batch_size, loop=None):
        """(logits (n, units), per-sample loss values (n,)), batch_size rows at a time: the
        LSTM epoch kernel with train=False, on `loop`, the time loop the layer would run
        (time_loop's, not None: predict / evaluate ask it first)."""
        n, dtype = self.x.shape[0], self.x.dtype
        logits = np.empty((n, self.layout[-1, 3]), dtype=dtype)
        values = np.empty(n, dtype=dtype)
        unused = np.zeros(0, dtype=dtype)
        kernels.rnn_epoch.lstm_dense_epoch(
            self.x, self.y2d, self.labels, np.arange(n, dtype=np.int64), batch_size,
            self.flat.gather(), self.lstm_layout, self.lstm_codes, self.layout, self.act_codes,
            self.loss_code, config.epsilon(), codes.SGD, np.zeros(3), np.zeros(1), unused,
            unused, logits, values, False, loop or time_loop(self.lstm, self.x, batch_size))
        return logits, values

    def predict(self, batch_size):
        """The model's outputs, as `predict` gives them."""
        loop = time_loop(self.lstm, self.x, batch_size)
        if loop is not None:
            return activate_logits(self.dense[-1], self.logits(batch_size, loop)[0])
        return np.concatenate([self.model.forward(self.x[start:start + batch_size],
                                                  training=False)
                               for start in range(0, self.x.shape[0], batch_size)])

    def evaluate(self, batch_size, y):
        """Update the loss tracker and the metrics as `evaluate`'s test steps would."""
        loop = time_loop(self.lstm, self.x, batch_size)
        if loop is not None:
            logits, values = self.logits(batch_size, loop)
            return feed_loss_and_metrics(self.model, self.dense[-1], batch_size, logits,
                                         values, y)
        for start in range(0, self.x.shape[0], batch_size):
            self.model.test_step(self.x[start:start + batch_size], y[start:start + batch_size])
