"""numba twins of `numpy_ref/gru.py`: the GRU time loops, compiled.

The equations, shapes and masking rules are in the reference module; the cell's compiled
math is cells.py's (gru_cell_*). `kernels/plan.py` chooses the loop, as for the LSTM:
- "fused", below: small layers; the whole sequence as one compiled loop, each step walking
  the batch once doing the recurrent matmuls by hand (sums kept in float64, rounded once),
  then the cell on each sample's row.
- "gemm", gru_gemm.py: the others; BLAS GEMMs and the cell in one compiled loop, the batch
  over threads.
The inference twin (`gru_inference`: predict's forward pass with its input projection, no
cache) is gru_gemm.py's loop on one thread; the layer calls it where
plan.inference_in_one_call says the loop above would compute the same numbers.
"""

import numpy as np
from numba import njit

from .. import plan as planner
from .arrays import copy_into
from .cells import (
    gru_cell_backward,
    gru_cell_gates,
    gru_cell_output,
    gru_cell_reset_backward,
    keep_or_update,
    state_gradient,
    step_output,
)
from .gru_gemm import gru_backward_gemm, gru_forward_gemm, gru_inference

__all__ = ["gru_forward", "gru_backward", "gru_inference"]


@njit(cache=True)
def _gru_forward_fused(xz, recurrent_kernel, recurrent_bias, h0, mask, recurrent_mask,
                       activation, recurrent_activation, reset_after, zero_output_for_mask):
    batch, steps, three_u = xz.shape
    u = three_u // 3
    dtype = xz.dtype
    outputs = np.zeros((batch, steps, u), dtype)
    hprev = np.zeros((batch, steps, u), dtype)
    q_all = np.zeros((batch, steps, u), dtype)
    gates = np.zeros((batch, steps, three_u), dtype)
    h = np.empty((batch, u), dtype)
    copy_into(h0, h)
    out = np.zeros((batch, u), dtype)
    pre = np.empty(three_u, np.float64)  # recurrent terms: z | r | the candidate's
    h_new = np.empty(u, dtype)
    for t in range(steps):
        for b in range(batch):
            for j in range(u):
                hprev[b, t, j] = h[b, j]
                pre[j] = recurrent_bias[j]
                pre[u + j] = recurrent_bias[u + j]
                pre[2 * u + j] = recurrent_bias[2 * u + j] if reset_after else 0.0
            for k in range(u):  # z and r (and the candidate's, with reset_after) matmuls
                hz = h[b, k] * recurrent_mask[0, b, k]
                hrr = h[b, k] * recurrent_mask[1, b, k]
                for j in range(u):
                    pre[j] += hz * recurrent_kernel[k, j]
                    pre[u + j] += hrr * recurrent_kernel[k, u + j]
                if reset_after:
                    hh_k = h[b, k] * recurrent_mask[2, b, k]
                    for j in range(u):
                        pre[2 * u + j] += hh_k * recurrent_kernel[k, 2 * u + j]
            gru_cell_gates(xz[b, t], pre[:2 * u], gates[b, t], recurrent_activation)
            if reset_after:  # q = (h * r_h) @ U_h + b_h; the cell multiplies it by r
                for j in range(u):
                    q_all[b, t, j] = pre[2 * u + j]
            else:  # q = r * (h * r_h); the candidate's recurrent term is q @ U_h
                for k in range(u):
                    q_all[b, t, k] = gates[b, t, u + k] * (h[b, k] * recurrent_mask[2, b, k])
                for j in range(u):
                    a = 0.0
                    for k in range(u):
                        a += q_all[b, t, k] * recurrent_kernel[k, 2 * u + j]
                    pre[2 * u + j] = a
            gru_cell_output(xz[b, t], pre[2 * u:], h[b], gates[b, t], h_new, activation,
                            reset_after)
            used = mask[b, t] != 0
            keep_or_update(h[b], h_new, used)
            step_output(out[b], h_new, outputs[b, t], used, zero_output_for_mask)
    return outputs, h, hprev, gates, q_all


@njit(cache=True)
def _gru_backward_fused(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev,
                        gates, q_all, activation, recurrent_activation, reset_after,
                        zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dtype = doutputs.dtype
    dxz = np.zeros((batch, steps, 3 * u), dtype)
    drecurrent_kernel = np.zeros((u, 3 * u), np.float64)
    drecurrent_bias = np.zeros(3 * u, np.float64)
    dh = np.empty((batch, u), dtype)
    copy_into(dh_last, dh)
    carry = np.zeros((batch, u), dtype)
    d = np.empty(3 * u, np.float64)  # dz_ | dr_ | da
    dq = np.empty(u, np.float64)
    h_reset = np.empty(u, np.float64)
    dh_new = np.empty(u, dtype)
    for t in range(steps - 1, -1, -1):
        for b in range(batch):
            used = mask[b, t] != 0
            state_gradient(doutputs[b, t], carry[b], dh[b], dh_new, used, zero_output_for_mask)
            if not used:
                continue  # dh passes through unchanged; dxz stays 0
            gru_cell_backward(dh_new, hprev[b, t], gates[b, t], d, activation,
                              recurrent_activation)
            if reset_after:
                gru_cell_reset_backward(d, q_all[b, t], dq, gates[b, t], recurrent_activation,
                                        reset_after)
                for j in range(u):
                    drecurrent_bias[2 * u + j] += dq[j]
            else:  # dq = da @ U_h.T, and the reset gate saw h * r_h
                for k in range(u):
                    acc = 0.0
                    for j in range(u):
                        acc += d[2 * u + j] * recurrent_kernel[k, 2 * u + j]
                    dq[k] = acc
                    h_reset[k] = hprev[b, t, k] * recurrent_mask[2, b, k]
                gru_cell_reset_backward(d, h_reset, dq, gates[b, t], recurrent_activation,
                                        reset_after)
            for j in range(3 * u):
                dxz[b, t, j] = d[j]
            for j in range(2 * u):
                drecurrent_bias[j] += d[j]
            for k in range(u):
                hp = hprev[b, t, k]
                hz = hp * recurrent_mask[0, b, k]
                hrr = hp * recurrent_mask[1, b, k]
                acc_z = 0.0
                acc_r = 0.0
                for j in range(u):
                    drecurrent_kernel[k, j] += hz * d[j]
                    drecurrent_kernel[k, u + j] += hrr * d[u + j]
                    acc_z += d[j] * recurrent_kernel[k, j]
                    acc_r += d[u + j] * recurrent_kernel[k, u + j]
                grad = (dh_new[k] * gates[b, t, k] + acc_z * recurrent_mask[0, b, k]
                        + acc_r * recurrent_mask[1, b, k])
                if reset_after:
                    hh_k = hp * recurrent_mask[2, b, k]
                    acc_h = 0.0
                    for j in range(u):
                        drecurrent_kernel[k, 2 * u + j] += hh_k * dq[j]
                        acc_h += dq[j] * recurrent_kernel[k, 2 * u + j]
                    grad += acc_h * recurrent_mask[2, b, k]
                else:
                    qk = q_all[b, t, k]
                    for j in range(u):
                        drecurrent_kernel[k, 2 * u + j] += qk * d[2 * u + j]
                    grad += dq[k] * gates[b, t, u + k] * recurrent_mask[2, b, k]
                dh[b, k] = grad
    return (dxz, drecurrent_kernel.astype(dtype), drecurrent_bias.astype(dtype), dh)


def gru_forward(xz, recurrent_kernel, recurrent_bias, h0, mask, recurrent_mask, activation,
                recurrent_activation, reset_after, zero_output_for_mask):
    plan = planner.choose("gru", xz.shape[0], recurrent_kernel.shape[0])
    args = (xz, recurrent_kernel, recurrent_bias, h0, mask, recurrent_mask, activation,
            recurrent_activation, reset_after, zero_output_for_mask)
    if plan.loop == "gemm":
        return gru_forward_gemm(*args, plan)
    return _gru_forward_fused(*args)


def gru_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, gates, q_all,
                 activation, recurrent_activation, reset_after, zero_output_for_mask):
    plan = planner.choose("gru", doutputs.shape[0], recurrent_kernel.shape[0])
    args = (doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, gates, q_all,
            activation, recurrent_activation, reset_after, zero_output_for_mask)
    if plan.loop == "gemm":
        return gru_backward_gemm(*args, plan)
    return _gru_backward_fused(*args)
