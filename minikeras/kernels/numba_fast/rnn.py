"""numba twins of `numpy_ref/rnn.py`: the SimpleRNN and LSTM time loops, compiled.

The equations, shapes and masking rules are in the reference module. Three strategies behind
each public function, chosen by size (measured, see FUSED_MAX_WORK below):
- small layers, rnn_fused.py: the whole sequence is one compiled loop; each step walks the
  batch once doing the recurrent matmul, the gate activations, the state update and the mask
  with no temporaries. At tutorial sizes (airline: batch 1, 4 units) Python's per-step
  overhead is the cost, and this removes it.
- larger layers, rnn_steps.py: a Python time loop; each step's matmul goes to BLAS and the
  rest of the step to one compiled kernel.
- large LSTM layers with Keras's default activations (tanh, sigmoid) and no recurrent
  dropout, rnn_gemm.py: the whole sequence in one compiled loop per direction, BLAS GEMMs
  per step (in row blocks that keep OpenBLAS on one thread), a vectorized tanh for the
  gates, the batch split over numba's threads.
- other large layers: the NumPy reference itself (BLAS matmuls, SIMD exp/tanh over the batch).
"""

from ..numpy_ref import rnn as reference
from .rnn_epoch import lstm_dense_epoch  # noqa: F401  (the fused LSTM -> Dense epoch)
from .rnn_fused import (  # noqa: F401  (_act, _slope: shared with other cells' loops, e.g. GRU)
    _act,
    _lstm_backward_fused,
    _lstm_forward_fused,
    _simple_rnn_backward_fused,
    _simple_rnn_forward_fused,
    _slope,
)
from .rnn_gemm import _lstm_backward_gemm, _lstm_forward_gemm, gemm_applies
from .rnn_steps import (
    _lstm_backward_blas,
    _lstm_forward_blas,
    _simple_rnn_backward_blas,
    _simple_rnn_forward_blas,
)

__all__ = ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward",
           "lstm_dense_epoch"]


# ---- which loop runs --------------------------------------------------------------------------
# Which loop runs is decided by size (CPU time, float32, one thread, forward + backward of
# 10 steps; numpy_ref / fused / BLAS-per-step, in us):
#   batch 8, units 8:       1115 /   107 /   226      fused loops win (no per-step Python)
#   batch 8, units 32:      1288 /   752 /   502      BLAS for the matmul wins
#   batch 32, units 32:     1952 /  3032 /  1591
#   batch 64, units 32:     2813 /  6136 /  3620      NumPy wins: its exp/tanh run SIMD over
#   batch 64, units 128:    9967 / 65980 / 13449      the batch, the loops call scalar libm
# so: batch * units * (gates * units) < FUSED_MAX_WORK -> the fused loops;
# else batch * units < BLAS_STEP_MAX_CELLS -> a Python time loop with each step's matmul in
# BLAS and the rest of the step in one compiled kernel (`_lstm_step`, ...);
# else the NumPy reference itself (as activations.py does where NumPy wins).
# An LSTM with tanh/sigmoid and no recurrent dropout past FUSED_MAX_WORK takes rnn_gemm.py's
# loop instead of "blas"/"numpy". Measured (float32, 30 steps, shared 2-core machine, medians):
#   W6's LSTM(64), batch 64, forward + backward:  numpy 67 ms / gemm 22 ms / blas 1370 ms
#   forward only, in us (fused / gemm / blas):    batch 1, units 64:   192 /  199 /  294
#                                                 batch 4, units 64:   863 /  296 /  935
#                                                 batch 16, units 32: 1618 /  360 / 1682
FUSED_MAX_WORK = 16384
BLAS_STEP_MAX_CELLS = 2048
STRATEGY = None  # None: by size as above; "fused", "blas", "gemm" or "numpy" forces one (tests)


def _strategy(batch, recurrent_kernel):
    if STRATEGY is not None:
        return STRATEGY
    if batch * recurrent_kernel.size < FUSED_MAX_WORK:
        return "fused"
    if batch * recurrent_kernel.shape[0] < BLAS_STEP_MAX_CELLS:
        return "blas"
    return "numpy"


# ---- the public twins: pick a loop by size ------------------------------------------------
def simple_rnn_forward(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                       zero_output_for_mask):
    run = {"fused": _simple_rnn_forward_fused, "blas": _simple_rnn_forward_blas,
           "numpy": reference.simple_rnn_forward}[_strategy(xz.shape[0], recurrent_kernel)]
    return run(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
               zero_output_for_mask)


def simple_rnn_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, hnew,
                        activation, zero_output_for_mask):
    run = {"fused": _simple_rnn_backward_fused, "blas": _simple_rnn_backward_blas,
           "numpy": reference.simple_rnn_backward}[_strategy(doutputs.shape[0],
                                                             recurrent_kernel)]
    return run(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, hnew,
               activation, zero_output_for_mask)


def _lstm_strategy(batch, recurrent_kernel, recurrent_mask, activation, recurrent_activation):
    """_strategy, with rnn_gemm.py's loop for the large LSTMs it computes."""
    applies = gemm_applies(activation, recurrent_activation, recurrent_mask)
    strategy = _strategy(batch, recurrent_kernel)
    if STRATEGY is None and strategy != "fused" and applies:
        return "gemm"
    if strategy == "gemm" and not applies:  # forced, but this layer is not one it computes
        return "blas"
    return strategy


def lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                 recurrent_activation, zero_output_for_mask):
    run = {"fused": _lstm_forward_fused, "blas": _lstm_forward_blas,
           "gemm": _lstm_forward_gemm, "numpy": reference.lstm_forward}[
        _lstm_strategy(xz.shape[0], recurrent_kernel, recurrent_mask, activation,
                       recurrent_activation)]
    return run(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
               recurrent_activation, zero_output_for_mask)


def lstm_backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
                  cprev, gates, cnew, activation, recurrent_activation, zero_output_for_mask):
    run = {"fused": _lstm_backward_fused, "blas": _lstm_backward_blas,
           "gemm": _lstm_backward_gemm, "numpy": reference.lstm_backward}[
        _lstm_strategy(doutputs.shape[0], recurrent_kernel, recurrent_mask, activation,
                       recurrent_activation)]
    return run(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev, cprev,
               gates, cnew, activation, recurrent_activation, zero_output_for_mask)
