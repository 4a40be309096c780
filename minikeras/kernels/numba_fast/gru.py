"""numba twins of `numpy_ref/gru.py`: the GRU time loop fused per time step and sample.

The equations, shapes and masking rules are in the reference module. As for the LSTM
(numba_fast/rnn.py), the choice is by size: small layers run the whole sequence as one
compiled loop (each step walks the batch once doing the recurrent matmuls, the gates, the
state update and the mask, with no temporaries; at tutorial sizes Python's per-step overhead
is the cost); larger ones use the NumPy reference itself, whose per-step matmuls go to BLAS
and whose exp/tanh run SIMD over the batch. Measured (float32, forward + backward of 10 steps,
us, numpy_ref / fused; a shared 2-core machine, so +-30%):
    batch 1, units 4:      613 /   13        batch 8, units 8:      740 /   59
    batch 8, units 32:     823 /  396        batch 16, units 32:   1073 /  763
    batch 8, units 64:    1523 / 2898        batch 32, units 32:   1345 / 1541
so the fused loop runs while batch * recurrent_kernel.size < FUSED_MAX_WORK (65536).
Scalars are computed in float64 and rounded once into the output dtype.
"""

import numpy as np
from numba import njit

from ..numpy_ref import gru as reference
from .rnn import _act, _slope
from .rnn_fused import _output_grad

__all__ = ["gru_forward", "gru_backward"]

FUSED_MAX_WORK = 65536
STRATEGY = None  # None: by size; "fused" or "numpy" forces one (tests)


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
    h[:] = h0
    out = np.zeros((batch, u), dtype)
    pre = np.empty(three_u, np.float64)  # z | r | recurrent term of the candidate
    hr = np.empty(u, np.float64)
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
            for j in range(u):
                gates[b, t, j] = _act(xz[b, t, j] + pre[j], recurrent_activation)
                gates[b, t, u + j] = _act(xz[b, t, u + j] + pre[u + j], recurrent_activation)
            if reset_after:
                for j in range(u):
                    q_all[b, t, j] = pre[2 * u + j]
                    a = xz[b, t, 2 * u + j] + gates[b, t, u + j] * pre[2 * u + j]
                    gates[b, t, 2 * u + j] = _act(a, activation)
            else:
                for k in range(u):
                    hr[k] = gates[b, t, u + k] * (h[b, k] * recurrent_mask[2, b, k])
                    q_all[b, t, k] = hr[k]
                for j in range(u):
                    a = xz[b, t, 2 * u + j]
                    for k in range(u):
                        a += hr[k] * recurrent_kernel[k, 2 * u + j]
                    gates[b, t, 2 * u + j] = _act(a, activation)
            m = mask[b, t]
            for j in range(u):
                z = gates[b, t, j]
                h_new = z * h[b, j] + (1 - z) * gates[b, t, 2 * u + j]
                if m != 0:
                    h[b, j] = h_new
                    out[b, j] = h_new
                elif zero_output_for_mask:
                    out[b, j] = 0
                outputs[b, t, j] = out[b, j]
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
    dh[:] = dh_last
    dout_carry = np.zeros((batch, u), dtype)
    d = np.empty(3 * u, np.float64)  # dz_ | dr_ | da
    dq = np.empty(u, np.float64)
    dh_new = np.empty(u, np.float64)
    for t in range(steps - 1, -1, -1):
        for b in range(batch):
            m = mask[b, t]
            for j in range(u):
                dout = _output_grad(doutputs[b, t, j], dout_carry, b, j, m != 0,
                                    zero_output_for_mask)
                dh_new[j] = dout + dh[b, j]
            if m == 0:
                continue  # dh passes through unchanged; dxz stays 0
            for j in range(u):
                z = gates[b, t, j]
                hh = gates[b, t, 2 * u + j]
                d[2 * u + j] = dh_new[j] * (1 - z) * _slope(hh, activation)
                d[j] = dh_new[j] * (hprev[b, t, j] - hh) * _slope(z, recurrent_activation)
            if reset_after:
                for j in range(u):
                    r = gates[b, t, u + j]
                    dq[j] = d[2 * u + j] * r
                    d[u + j] = d[2 * u + j] * q_all[b, t, j] * _slope(r, recurrent_activation)
                    drecurrent_bias[2 * u + j] += dq[j]
            else:
                for k in range(u):
                    acc = 0.0
                    for j in range(u):
                        acc += d[2 * u + j] * recurrent_kernel[k, 2 * u + j]
                    dq[k] = acc
                    hk = hprev[b, t, k] * recurrent_mask[2, b, k]
                    d[u + k] = acc * hk * _slope(gates[b, t, u + k], recurrent_activation)
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


def _strategy(batch, recurrent_kernel):
    if STRATEGY is not None:
        return STRATEGY
    return "fused" if batch * recurrent_kernel.size < FUSED_MAX_WORK else "numpy"


def gru_forward(xz, recurrent_kernel, recurrent_bias, h0, mask, recurrent_mask, activation,
                recurrent_activation, reset_after, zero_output_for_mask):
    run = {"fused": _gru_forward_fused,
           "numpy": reference.gru_forward}[_strategy(xz.shape[0], recurrent_kernel)]
    return run(xz, recurrent_kernel, recurrent_bias, h0, mask, recurrent_mask, activation,
               recurrent_activation, reset_after, zero_output_for_mask)


def gru_backward(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, gates, q_all,
                 activation, recurrent_activation, reset_after, zero_output_for_mask):
    run = {"fused": _gru_backward_fused,
           "numpy": reference.gru_backward}[_strategy(doutputs.shape[0], recurrent_kernel)]
    return run(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, gates, q_all,
               activation, recurrent_activation, reset_after, zero_output_for_mask)
