"""numba twins of `numpy_ref/rnn.py`: the SimpleRNN and LSTM time loops, compiled.

The equations, shapes and masking rules are in the reference module; each cell's compiled
math is in cells.py. Which loop runs a call is `kernels/plan.py`'s choice (its docstring
lists the loops and the measurements behind the thresholds):
- "fused", rnn_fused.py: small layers; the whole sequence in one compiled loop, no BLAS.
- "gemm", rnn_gemm.py: the others; BLAS GEMMs and the cell in one compiled loop, the batch
  over threads.
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
    simple_rnn_backward_gemm,
    simple_rnn_forward_gemm,
)

__all__ = ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward"]


def simple_rnn_forward(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                       zero_output_for_mask):
    plan = planner.choose("simple_rnn", xz.shape[0], recurrent_kernel.shape[0])
    args = (xz, recurrent_kernel, h0, mask, recurrent_mask, activation, zero_output_for_mask)
    if plan.loop == "gemm":
        return simple_rnn_forward_gemm(*args, plan)
    return simple_rnn_forward_fused(*args)


def simple_rnn_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, hnew,
                        activation, zero_output_for_mask):
    plan = planner.choose("simple_rnn", doutputs.shape[0], recurrent_kernel.shape[0])
    args = (doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, hnew, activation,
            zero_output_for_mask)
    if plan.loop == "gemm":
        return simple_rnn_backward_gemm(*args, plan)
    return simple_rnn_backward_fused(*args)


def lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                 recurrent_activation, zero_output_for_mask):
    plan = planner.choose("lstm", xz.shape[0], recurrent_kernel.shape[0])
    args = (xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
            recurrent_activation, zero_output_for_mask)
    if plan.loop == "gemm":
        return lstm_forward_gemm(*args, plan)
    return lstm_forward_fused(*args)


def lstm_backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
                  cprev, gates, cnew, activation, recurrent_activation, zero_output_for_mask):
    plan = planner.choose("lstm", doutputs.shape[0], recurrent_kernel.shape[0])
    args = (doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev, cprev,
            gates, cnew, activation, recurrent_activation, zero_output_for_mask)
    if plan.loop == "gemm":
        return lstm_backward_gemm(*args, plan)
    return lstm_backward_fused(*args)
