"""Epoch runners: where a model and its fit call allow it, a whole epoch in one compiled call.

`fit` is the plain loop (models/trainer.py) with one hook: before the epochs it asks
`epoch_runner(...)`; when that returns a runner, each epoch is `runner.run_epoch(batch_size)`
instead of the batch loop, with the same numbers (tests/models/test_fused*.py). `evaluate`,
`predict` and fit's validation ask `inference_runner(...)` the same way.

    eligibility.py   what the model, loss, optimizer, callbacks and data must be
    flat.py          weights and optimizer slots as the flat buffers the kernels take
    feed.py          the loss tracker and metrics fed as the plain steps would feed them
    dense_epoch.py   Dense (+ Dropout) stacks: DenseEpochRunner, DenseInference
    lstm_epoch.py    LSTM -> Dense stacks: LSTMEpochRunner, LSTMInference
The kernels they call: kernels/numpy_ref/fused.py and rnn_epoch.py (the steps, readable) and
their numba twins; which time loop an LSTM epoch runs: kernels/plan.py.
"""

from . import eligibility
from .dense_epoch import DenseEpochRunner, DenseInference
from .lstm_epoch import LSTMEpochRunner, LSTMInference

__all__ = ["epoch_runner", "inference_runner"]


def epoch_runner(model, x, y, sample_weight, shuffle, callbacks):
    """A runner whose `run_epoch(batch_size)` trains one epoch of this fit call, or None."""
    if not eligibility.fit_allows_runner(model, x, sample_weight, shuffle, callbacks):
        return None
    return (DenseEpochRunner.for_fit(model, x, y, shuffle)
            or LSTMEpochRunner.for_fit(model, x, y, shuffle))


def inference_runner(model, x, callbacks, y=None, sample_weight=None):
    """A runner with `predict(batch_size)` (y None) or `evaluate(batch_size, y)`, or None."""
    runner = {2: DenseInference, 3: LSTMInference}.get(x.ndim)  # (n, features), (n, T, features)
    return None if runner is None else runner.for_call(model, x, callbacks, y, sample_weight)
