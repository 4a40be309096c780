"""numba twins of `numpy_ref/rnn.py`: the SimpleRNN and LSTM time loops, compiled.

The equations, shapes and masking rules are in the reference module; each cell's compiled
math is in cells.py. Which loop runs a call is `kernels/plan.py`'s choice (its docstring
lists the loops and the measurements behind the thresholds):
- "fused", rnn_fused.py: small layers; the whole sequence in one compiled loop.
- "steps", rnn_steps.py: a Python time loop, BLAS for each step's matmul.
- "gemm", rnn_gemm.py: large LSTMs without recurrent dropout; BLAS GEMMs and the cell in one
  compiled loop, the batch over threads.
- "numpy": the NumPy reference itself.
"""

from .. import plan as planner
from ..numpy_ref import rnn as reference
from .rnn_fused import (
    lstm_backward_fused,
    lstm_forward_fused,
    simple_rnn_backward_fused,
    simple_rnn_forward_fused,
)
from .rnn_gemm import lstm_backward_gemm, lstm_forward_gemm
from .rnn_steps import (
    lstm_backward_steps,
    lstm_forward_steps,
    simple_rnn_backward_steps,
    simple_rnn_forward_steps,
)

__all__ = ["simple_rnn_forward", "simple_rnn_backward", "lstm_forward", "lstm_backward"]

SIMPLE_RNN_FORWARD = {"fused": simple_rnn_forward_fused, "steps": simple_rnn_forward_steps,
                      "numpy": reference.simple_rnn_forward}
SIMPLE_RNN_BACKWARD = {"fused": simple_rnn_backward_fused, "steps": simple_rnn_backward_steps,
                       "numpy": reference.simple_rnn_backward}
LSTM_FORWARD = {"fused": lstm_forward_fused, "steps": lstm_forward_steps,
                "numpy": reference.lstm_forward}
LSTM_BACKWARD = {"fused": lstm_backward_fused, "steps": lstm_backward_steps,
                 "numpy": reference.lstm_backward}


def _plan(cell, recurrent_kernel, recurrent_mask, batch, *codes):
    return planner.choose(cell, batch, recurrent_kernel.shape[0], *codes,
                          recurrent_dropout=recurrent_mask)


def simple_rnn_forward(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                       zero_output_for_mask):
    plan = _plan("simple_rnn", recurrent_kernel, recurrent_mask, xz.shape[0], activation)
    return SIMPLE_RNN_FORWARD[plan.loop](xz, recurrent_kernel, h0, mask, recurrent_mask,
                                         activation, zero_output_for_mask)


def simple_rnn_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, hnew,
                        activation, zero_output_for_mask):
    plan = _plan("simple_rnn", recurrent_kernel, recurrent_mask, doutputs.shape[0],
                 activation)
    return SIMPLE_RNN_BACKWARD[plan.loop](doutputs, dh_last, recurrent_kernel, mask,
                                          recurrent_mask, hprev, hnew, activation,
                                          zero_output_for_mask)


def lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                 recurrent_activation, zero_output_for_mask):
    plan = _plan("lstm", recurrent_kernel, recurrent_mask, xz.shape[0], activation,
                 recurrent_activation)
    args = (xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
            recurrent_activation, zero_output_for_mask)
    if plan.loop == "gemm":
        return lstm_forward_gemm(*args, plan)
    return LSTM_FORWARD[plan.loop](*args)


def lstm_backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
                  cprev, gates, cnew, activation, recurrent_activation, zero_output_for_mask):
    plan = _plan("lstm", recurrent_kernel, recurrent_mask, doutputs.shape[0], activation,
                 recurrent_activation)
    args = (doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev, cprev,
            gates, cnew, activation, recurrent_activation, zero_output_for_mask)
    if plan.loop == "gemm":
        return lstm_backward_gemm(*args, plan)
    return LSTM_BACKWARD[plan.loop](*args)
