"""Which compiled time loop runs a recurrent layer, on how many threads, in which GEMM blocks:
decided here and nowhere else.

`choose(cell, batch, units, ...)` returns a `Plan`; the numba twins (numba_fast/rnn.py,
gru.py) run the loop it names, the epoch kernels (numba_fast/rnn_epoch.py) take it as an
argument, and the whole-epoch path asks `epoch_plan` which loop every batch of an epoch
would take. The math never depends on the plan, only the speed (and, where rows are summed
slab by slab, the last bits: blocks.py). The loops:

    "fused"  numba_fast/rnn_fused.py (LSTM, SimpleRNN), gru.py (GRU): one compiled loop over
             the whole sequence, the recurrent matmul by hand; no BLAS or Python per step.
    "steps"  numba_fast/rnn_steps.py: a Python time loop, each step's matmul one BLAS call,
             the rest one compiled call (LSTM with recurrent dropout, SimpleRNN).
    "gemm"   numba_fast/rnn_gemm.py: one compiled loop, BLAS GEMMs per step in row blocks,
             the batch over numba's threads (LSTM without recurrent dropout).
    "numpy"  the NumPy reference itself: BLAS matmuls and SIMD ufuncs over the batch.

Tests and benchmarks force a loop or a block size with `forced(...)`.
"""

import os
from contextlib import contextmanager
from typing import NamedTuple

import numba
import numpy as np

from .codes import SIGMOID, TANH

LOOPS = ("fused", "steps", "gemm", "numpy")
GATES = {"simple_rnn": 1, "gru": 3, "lstm": 4}


class Plan(NamedTuple):
    """loop: one of LOOPS; threads: numba threads the loop may use (1 but for "gemm");
    block_limit: the most multiply-adds one BLAS call may take (so that BLAS stays on the
    calling thread)."""
    loop: str
    threads: int
    block_limit: int


# ---- the thresholds, and the measurements behind them -----------------------------------------
# work = batch * units * (gates * units): the multiply-adds of one step's recurrent matmul.
#
# FUSED_MAX_WORK: below it the loop with the matmul written by hand wins (no per-call cost),
# above it BLAS wins. LSTM and SimpleRNN (CPU time, float32, forward + backward of 10 steps,
# us; numpy_ref / fused / steps):
#   batch 8, units 8:       1115 /   107 /   226      fused loops win (no per-step Python)
#   batch 8, units 32:      1288 /   752 /   502      BLAS for the matmul wins
#   batch 32, units 32:     1952 /  3032 /  1591
# LSTM forward only, 30 steps, us (fused / gemm): batch 1, units 64: 192 / 199;
#   batch 4, units 64: 863 / 296; batch 16, units 32: 1618 / 360.
# GRU (numpy_ref / fused, same setup; the fused GRU loop keeps float64 sums):
#   batch 8, units 32: 823 / 396;  batch 16, units 32: 1073 / 763;  batch 8, units 64:
#   1523 / 2898;  batch 32, units 32: 1345 / 1541  -> 65536.
FUSED_MAX_WORK = {"lstm": 16384, "simple_rnn": 16384, "gru": 65536}
# STEPS_MAX_CELLS (batch * units): past it a step's elementwise work is large enough for
# NumPy's SIMD ufuncs over the batch to beat the per-row compiled step (batch 64, units 32:
# numpy 2813 / steps 3620 us; batch 64, units 128: 9967 / 13449).
STEPS_MAX_CELLS = 2048
# SINGLE_THREAD_MACS: OpenBLAS runs a GEMM of up to 4 * 65536 multiply-adds on the calling
# thread and wakes its pool past that (blocks.py: the pool's spinning threads cost W6's fit
# 10.7-11.5 s against 1.85 s with blocks under this size). MINIKERAS_BLOCK_MACS overrides it.
SINGLE_THREAD_MACS = int(os.environ.get("MINIKERAS_BLOCK_MACS", 4 * 65536))

# GEMM_CODES: the (activation, recurrent_activation) pairs the rule sends to the GEMM loop
# (it computes every pair; the others measured faster on the NumPy reference, see below).
GEMM_CODES = {(TANH, SIGMOID)}

_forced = {"loop": None, "block_limit": None, "threads": None}


@contextmanager
def forced(loop=None, block_limit=None, threads=None):
    """Within the block, every recurrent layer on the numba path runs `loop` (where that loop
    computes the layer: "gemm" is the LSTM's without recurrent dropout, "steps" not the GRU's;
    elsewhere the rule picks), GEMMs are cut to `block_limit` multiply-adds and split over
    `threads` (None: unchanged). For tests and benchmarks:

        with plan.forced(loop="gemm", block_limit=1):   # one-row GEMM blocks
            layer(x)
    """
    if loop is not None and loop not in LOOPS:
        raise ValueError(f"`loop` must be one of {LOOPS} or None; received loop={loop!r}.")
    old = dict(_forced)
    _forced.update(loop=loop, block_limit=block_limit, threads=threads)
    try:
        yield
    finally:
        _forced.update(old)


def _runs(loop, cell, recurrent_dropout):
    """True when `loop` can compute this cell."""
    if loop == "gemm":
        return cell == "lstm" and not recurrent_dropout
    if loop == "steps":
        return cell != "gru"
    return True


def choose(cell, batch, units, activation=TANH, recurrent_activation=SIGMOID,
           recurrent_dropout=False):
    """The Plan for one call of a recurrent layer's time loop.

    cell: "lstm", "gru" or "simple_rnn"; batch, units: the loop's shapes; activation,
    recurrent_activation: kernels/codes.py's codes; recurrent_dropout: whether recurrent
    dropout is on, as a bool or as the recurrent-dropout masks themselves (on when any entry
    is not 1; looked at only where it matters: the test costs ~2 us, a small layer's step
    ~3 us).
    """
    if cell not in GATES:
        raise ValueError(f"`cell` must be one of {sorted(GATES)}; received cell={cell!r}.")
    limit = _forced["block_limit"] or SINGLE_THREAD_MACS
    loop = _forced["loop"]
    if loop is None and batch * units * GATES[cell] * units < FUSED_MAX_WORK[cell]:
        return Plan("fused", 1, limit)
    dropout = bool(np.any(recurrent_dropout != 1)) if isinstance(recurrent_dropout, np.ndarray) \
        else bool(recurrent_dropout)
    if loop is None or not _runs(loop, cell, dropout):
        loop = _by_size(cell, batch, units, (activation, recurrent_activation), dropout)
    threads = (_forced["threads"] or numba.get_num_threads()) if loop == "gemm" else 1
    return Plan(loop, threads, limit)


def _by_size(cell, batch, units, codes, recurrent_dropout):
    if batch * units * GATES[cell] * units < FUSED_MAX_WORK[cell]:
        return "fused"
    if _runs("gemm", cell, recurrent_dropout) and codes in GEMM_CODES:
        return "gemm"
    if cell != "gru" and batch * units < STEPS_MAX_CELLS:
        return "steps"
    return "numpy"


def epoch_plan(cell, rows, batch_size, units, activation=TANH, recurrent_activation=SIGMOID):
    """The Plan every batch of an epoch takes (`rows` samples in batches of `batch_size`, the
    last one possibly smaller, no recurrent dropout), or None when the batches would take
    different loops. What the whole-epoch kernels ask before they run an epoch in one call."""
    sizes = {min(batch_size, rows), rows % batch_size or min(batch_size, rows)}
    plans = {choose(cell, size, units, activation, recurrent_activation) for size in sizes}
    return plans.pop() if len(plans) == 1 else None
