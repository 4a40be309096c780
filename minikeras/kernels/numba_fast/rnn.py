"""numba twins of `numpy_ref/rnn.py`: the SimpleRNN and LSTM time loops, compiled.

The equations, shapes and masking rules are in the reference module; each cell's compiled
math is in cells.py. Which loop runs a call is `kernels/plan.py`'s choice (its docstring
lists the loops and the measurements behind the thresholds):
- "fused", rnn_fused.py: small layers; the whole sequence in one compiled loop, no BLAS.
- "gemm", rnn_gemm.py: the others; BLAS GEMMs and the cell in one compiled loop, the batch
  over threads.
The inference twins (`lstm_inference`, `simple_rnn_inference`: predict's forward pass with its
input projection, no cache) are rnn_gemm.py's one-thread loop; the layers call them where
plan.inference_in_one_call says the loop above would compute the same numbers.
"""

from .. import plan as planner
from .rnn_fused import (
    lstm_backward_fused,
    lstm_forward_fused,
    simple_rnn_backward_fused,
    simple_rnn_forward_fused,
)
from .rnn_gemm import (
    lstm_backward_gemm,
    lstm_forward_gemm,
    lstm_inference,
    simple_rnn_backward_gemm,
    simple_rnn_forward_gemm,
    simple_rnn_inference,
)

__all__ = ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward",
           "simple_rnn_inference", "lstm_inference"]


def simple_rnn_forward(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                       zero_output_for_mask):
    return _planned("simple_rnn", xz, recurrent_kernel, simple_rnn_forward_gemm,
                    simple_rnn_forward_fused, xz, recurrent_kernel, h0, mask, recurrent_mask,
                    activation, zero_output_for_mask)


def simple_rnn_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, hnew,
                        activation, zero_output_for_mask):
    return _planned("simple_rnn", doutputs, recurrent_kernel, simple_rnn_backward_gemm,
                    simple_rnn_backward_fused, doutputs, dh_last, recurrent_kernel, mask,
                    recurrent_mask, hprev, hnew, activation, zero_output_for_mask)


def lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                 recurrent_activation, zero_output_for_mask):
    return _planned("lstm", xz, recurrent_kernel, lstm_forward_gemm, lstm_forward_fused, xz,
                    recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                    recurrent_activation, zero_output_for_mask)


def lstm_backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
                  cprev, gates, cnew, activation, recurrent_activation, zero_output_for_mask):
    return _planned("lstm", doutputs, recurrent_kernel, lstm_backward_gemm, lstm_backward_fused,
                    doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
                    cprev, gates, cnew, activation, recurrent_activation, zero_output_for_mask)


def _planned(cell, batch_array, recurrent_kernel, gemm, fused, *args):
    """Run the loop kernels/plan.py chooses for this call (the batch: batch_array's rows; the
    units: recurrent_kernel's) on args; the GEMM loop also takes the plan (threads, blocks)."""
    plan = planner.choose(cell, batch_array.shape[0], recurrent_kernel.shape[0])
    if plan.loop == "gemm":
        return gemm(*args, plan)
    return fused(*args)
