"""An LSTM -> Dense ... stack's epoch in one compiled call (the airline tutorial's model).

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
would run a loop this kernel does not (`epoch_loop` is None) the epoch runs the plain steps.
"""

import numpy as np

from .. import config, kernels
from ..kernels import codes, plan
from ..utils.data import epoch_order
from . import eligibility
from .dense_epoch import DenseEpochRunner


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
        self.lstm_codes = np.array([codes.activation_code(lstm.activation),
                                    codes.activation_code(lstm.recurrent_activation),
                                    int(lstm.zero_output_for_mask)], dtype=np.int64)
        # the variables: the LSTM's kernel, recurrent_kernel and bias, then each Dense's two
        offsets = self.flat.offsets
        self.lstm_layout = np.array([*offsets[:3], x.shape[2], lstm.units], dtype=np.int64)
        self.layout = self.flat.dense_layout(dense, first=3)

    def epoch_loop(self, batch_size):
        """kernels/plan.py's Plan that every batch of an epoch at this batch size takes, when
        it is one of the kernel's loops ("fused" or "gemm"), else None."""
        found = plan.epoch_plan("lstm", self.x.shape[0], batch_size, self.lstm.units)
        return found if found is not None and found.loop in ("fused", "gemm") else None

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
            self.opt_code, hyper, step_scalars, slot_1, slot_2, logits, values,
            self.epoch_loop(batch_size))
