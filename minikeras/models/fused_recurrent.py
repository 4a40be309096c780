"""The fused training path for recurrent stacks (LSTM -> Dense): a whole epoch in one kernel.

`plan_fused_recurrent` mirrors `fused.plan_fused` (same arguments, same FusedEpochs-like
result with `run_epoch(order, batch_size, y)`), for models `fused.py` does not take: the
airline tutorial's `LSTM(4) -> Dense(1)` spends ~190 us a training step in Python around
~10 us of arithmetic (and W6's LSTM(64), batch 64, ~0.5 ms around ~2 ms). Each epoch goes
to `kernels.lstm_dense_epoch` (its steps: `kernels/numpy_ref/rnn_epoch.py`); the
bookkeeping around it (flat buffers, optimizer slots and scalars, loss tracker, metrics) is
fused.py's. The results are the general path's, bit for bit in the tested cases
(tests/models/test_fused_recurrent.py: the kernels are the same, in the same order); where a
small LSTM's input projection is large enough for the layer to thread it, to rounding.

Used only when ALL of these hold, else `fit` takes the general path, unchanged:
  - everything `plan_fused` asks of the kernels switch (numba), train_step, callbacks,
    sample weights, shuffle, dtypes, loss and optimizer (see fused.py)
  - the first layer is an LSTM with return_sequences, return_state, go_backwards and stateful
    all False, a bias, no dropout or recurrent_dropout, no regularizer (activity included) or
    constraint, trainable; x is 3-D and carries no mask (no Masking layer)
  - the rest are plain Dense layers (fused.py's rule; no Dropout between them)
  - at this batch size and at the last, partial one, the layer itself runs the same time
    loops (`kernels.plan.epoch_plan`: rnn_fused.py's for both, or rnn_gemm.py's for both), so
    the kernel calls the same loops (and the same input projection kernels); the batch size
    is known only in `run_epoch`, which otherwise
    runs the per-batch `train_step` loop itself (what `fit` would have run: no batch hook is
    there to call)
"""

import numpy as np

from .. import kernels
from ..kernels import plan as planner
from ..layers.rnn.lstm import LSTM
from .fused import (
    FusedEpochs,
    _callbacks_epoch_only,
    _loss_and_activation_codes,
    _optimizer_code,
    _plain_dense,
    _targets,
)


def plan_fused_recurrent(model, x, y, sample_weight, shuffle, cbs):
    """A fused plan for this fit call, or None when the general path must run it."""
    from .trainer import Trainer

    if kernels.KERNELS != "numba" or type(model).train_step is not Trainer.train_step:
        return None
    if sample_weight is not None or shuffle not in (True, False) or x.ndim != 3:
        return None
    layers = model.layers
    if (len(layers) < 2 or not _plain_lstm(layers[0]) or not model.trainable
            or not all(_plain_dense(layer) for layer in layers[1:])
            or not _callbacks_epoch_only(cbs)):
        return None
    dtype, opt = x.dtype, model.optimizer
    if any(v.value.dtype != dtype for v in model.trainable_weights):
        return None
    if opt.built and any(id(v) not in opt._indices for v in model.trainable_weights):
        return None
    dense = layers[1:]
    codes = _loss_and_activation_codes(model.loss, dense, dtype)
    if codes is None or _optimizer_code(opt) is None:
        return None
    if codes[1] <= 2 and model._logits_loss() is None:  # the probability form: general path
        return None
    targets = _targets(y, codes[1], dense[-1].units, dtype)
    if targets is None:
        return None
    return FusedRecurrentEpochs(model, layers[0], dense, x, *targets, *codes)


def _plain_lstm(layer):
    return (type(layer) is LSTM and layer.built and layer.trainable and layer.use_bias
            and not (layer.return_sequences or layer.return_state or layer.go_backwards
                     or layer.stateful)
            and layer.dropout == 0 and layer.recurrent_dropout == 0
            and layer.injected_masks is None
            and all(getattr(layer, f"{w}_{kind}") is None
                    for w in ("kernel", "recurrent", "bias")
                    for kind in ("regularizer", "constraint"))
            and layer.activity_regularizer is None)


def _lstm_loop(batch, lstm):
    """The time loop the layer runs at this batch size (kernels/plan.py's choice)."""
    return planner.choose("lstm", batch, lstm.units).loop


class FusedRecurrentEpochs(FusedEpochs):
    """Flat buffers for one fit call of LSTM -> Dense ...; `run_epoch` trains one epoch in one
    kernel call (the buffers, optimizer slots and scalars are FusedEpochs')."""

    def __init__(self, model, lstm, dense, x, y2d, labels, act_codes, loss_code):
        self.model, self.x, self.y2d, self.labels = model, np.ascontiguousarray(x), y2d, labels
        self.lstm, self.dense = lstm, dense
        self.act_codes, self.loss_code = act_codes, loss_code
        self.lstm_codes = np.array([*lstm._codes, int(lstm.zero_output_for_mask)],
                                   dtype=np.int64)
        self.variables = model.trainable_weights  # kernel, recurrent_kernel, bias, then Dense
        sizes = [v.value.size for v in self.variables]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.lstm_layout = np.array([*self.offsets[:3], x.shape[2], lstm.units], dtype=np.int64)
        self.layout = np.array([[self.offsets[3 + 2 * i], self.offsets[4 + 2 * i],
                                 layer.kernel.shape[0], layer.units]
                                for i, layer in enumerate(dense)], dtype=np.int64)
        self.dtype = x.dtype
        self.opt_code = _optimizer_code(model.optimizer)

    def applies(self, batch_size):
        """True when the layer-by-layer path would run the LSTM, for every batch of the epoch,
        on loops this kernel calls: rnn_fused.py's for all, or rnn_gemm.py's for all."""
        plan = self._plan(batch_size)
        return plan is not None and plan.loop in ("fused", "gemm")

    def _plan(self, batch_size):
        return planner.epoch_plan("lstm", self.x.shape[0], batch_size, self.lstm.units)

    def run_epoch(self, order, batch_size, y):
        """Train one epoch over rows `order` (FusedEpochs.run_epoch with the LSTM kernel), or,
        for an LSTM whose layer would run other loops, batch by batch on the general path."""
        if not self.applies(batch_size):
            for start in range(0, order.shape[0], batch_size):
                rows = order[start:start + batch_size]
                self.model.train_step(self.x[rows], y[rows], None)
            return
        super().run_epoch(order, batch_size, y)

    def _epoch_kernel(self, order, batch_size, params, hyper, step_scalars, slot_1, slot_2,
                      logits, values):
        from ..config import epsilon
        from ..kernels.numba_fast.blocks import LAUNCH

        with LAUNCH:  # the GEMM loops launch numba's threads
            kernels.lstm_dense_epoch(self.x, self.y2d, self.labels, order, batch_size, params,
                                     self.lstm_layout, self.lstm_codes, self.layout,
                                     self.act_codes, self.loss_code, epsilon(), self.opt_code,
                                     hyper, step_scalars, slot_1, slot_2, logits, values,
                                     self._plan(batch_size))
