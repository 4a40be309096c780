"""Which loop runs a recurrent layer's time steps (placeholder: the recurrent-kernel rework
replaces this module with the one loop-choice function)."""

import numpy as np


def lstm_epoch_plan(n, batch_size, units, activation, recurrent_activation):
    """The loop plan `kernels.rnn.lstm_dense_epoch` takes when every batch of an epoch of n
    rows at this batch size runs one kind of loop it has (the small fused loops for all, or
    the GEMM loops for all), else None."""
    from .numba_fast import blocks
    from .numba_fast import rnn as fast

    sizes = {min(batch_size, n), n % batch_size or min(batch_size, n)}
    recurrent = np.empty((units, 4 * units))
    kinds = {fast._lstm_strategy(size, recurrent, np.ones(1), activation, recurrent_activation)
             for size in sizes}
    if kinds not in ({"fused"}, {"gemm"}):
        return None
    work = {"fused": 2 ** 62, "gemm": 0}.get(fast.STRATEGY, fast.FUSED_MAX_WORK)
    return np.array([work, *blocks.plan()], dtype=np.int64)
