"""The small layers' time loops: the whole sequence is one compiled loop; each step walks the
batch, does the recurrent matmul by hand (no BLAS call, no temporaries) and hands each
sample's row to the cell (cells.py). At tutorial sizes (airline: batch 1, 4 units) Python's
per-step overhead and BLAS's per-call overhead are the cost, and this removes both.
Equations, shapes and masking rules: `numpy_ref/rnn.py`; the cells: `cells.py`.
"""

import numpy as np
from numba import njit

from . import cells
from .arrays import copy_into


# ---- SimpleRNN ------------------------------------------------------------------------------
@njit(cache=True)
def simple_rnn_forward_fused(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                             zero_output_for_mask):
    batch, steps, u = xz.shape
    dtype = xz.dtype
    outputs = np.zeros((batch, steps, u), dtype)
    hprev = np.zeros((batch, steps, u), dtype)
    hnew = np.zeros((batch, steps, u), dtype)
    h = np.empty((batch, u), dtype)
    copy_into(h0, h)
    out = np.zeros((batch, u), dtype)
    z = np.empty(u, dtype)
    for t in range(steps):
        for b in range(batch):
            for j in range(u):
                hprev[b, t, j] = h[b, j]
                z[j] = xz[b, t, j]
            for k in range(u):  # z += (h * r) @ U
                hk = h[b, k] * recurrent_mask[0, b, k]
                for j in range(u):
                    z[j] += hk * recurrent_kernel[k, j]
            cells.simple_rnn_cell_forward(z, hnew[b, t], activation)
            used = mask[b, t] != 0
            cells.keep_or_update(h[b], hnew[b, t], used)
            cells.step_output(out[b], hnew[b, t], outputs[b, t], used, zero_output_for_mask)
    return outputs, h, hprev, hnew


@njit(cache=True)
def simple_rnn_backward_fused(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask,
                              hprev, hnew, activation, zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dtype = doutputs.dtype
    dxz = np.zeros((batch, steps, u), dtype)
    drecurrent_kernel = np.zeros((u, u), dtype)
    dh = np.empty((batch, u), dtype)
    copy_into(dh_last, dh)
    carry = np.zeros((batch, u), dtype)
    dh_new = np.empty(u, dtype)
    for t in range(steps - 1, -1, -1):
        for b in range(batch):
            used = mask[b, t] != 0
            cells.state_gradient(doutputs[b, t], carry[b], dh[b], dh_new, used,
                                 zero_output_for_mask)
            if not used:
                continue  # dh passes through unchanged; dxz stays 0
            dz = dxz[b, t]
            cells.simple_rnn_cell_backward(dh_new, hnew[b, t], dz, activation)
            for k in range(u):  # dU += (h * r).T @ dz;  dh = (dz @ U.T) * r
                r = recurrent_mask[0, b, k]
                hk = hprev[b, t, k] * r
                acc = 0.0
                for j in range(u):
                    drecurrent_kernel[k, j] += hk * dz[j]
                    acc += dz[j] * recurrent_kernel[k, j]
                dh[b, k] = acc * r
    return dxz, drecurrent_kernel, dh


# ---- LSTM -----------------------------------------------------------------------------------
@njit(cache=True)
def lstm_forward_fused(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                       recurrent_activation, zero_output_for_mask):
    batch, steps, four_u = xz.shape
    u = four_u // 4
    dtype = xz.dtype
    outputs = np.zeros((batch, steps, u), dtype)
    hprev = np.zeros((batch, steps, u), dtype)
    cprev = np.zeros((batch, steps, u), dtype)
    cnew = np.zeros((batch, steps, u), dtype)
    gates = np.zeros((batch, steps, four_u), dtype)
    h = np.empty((batch, u), dtype)
    c = np.empty((batch, u), dtype)
    copy_into(h0, h)
    copy_into(c0, c)
    out = np.zeros((batch, u), dtype)
    z = np.empty(four_u, dtype)
    h_new = np.empty(u, dtype)
    for t in range(steps):
        for b in range(batch):
            for j in range(four_u):
                z[j] = xz[b, t, j]
            for k in range(u):  # z_g += (h * r_g) @ U_g
                hprev[b, t, k] = h[b, k]
                cprev[b, t, k] = c[b, k]
                for g in range(4):
                    hk = h[b, k] * recurrent_mask[g, b, k]
                    for j in range(g * u, (g + 1) * u):
                        z[j] += hk * recurrent_kernel[k, j]
            cells.lstm_cell_forward(z, cprev[b, t], gates[b, t], cnew[b, t], h_new, activation,
                                    recurrent_activation)
            used = mask[b, t] != 0
            cells.keep_or_update(c[b], cnew[b, t], used)
            cells.keep_or_update(h[b], h_new, used)
            cells.step_output(out[b], h_new, outputs[b, t], used, zero_output_for_mask)
    return outputs, h, c, hprev, cprev, gates, cnew


@njit(cache=True)
def lstm_backward_fused(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                        hprev, cprev, gates, cnew, activation, recurrent_activation,
                        zero_output_for_mask):
    batch, steps, u = doutputs.shape
    four_u = 4 * u
    dtype = doutputs.dtype
    dxz = np.zeros((batch, steps, four_u), dtype)
    drecurrent_kernel = np.zeros((u, four_u), dtype)
    dh = np.empty((batch, u), dtype)
    dc = np.empty((batch, u), dtype)
    copy_into(dh_last, dh)
    copy_into(dc_last, dc)
    carry = np.zeros((batch, u), dtype)
    dh_new = np.empty(u, dtype)
    a = np.empty(u, dtype)  # act(c_new)
    for t in range(steps - 1, -1, -1):
        for b in range(batch):
            used = mask[b, t] != 0
            cells.state_gradient(doutputs[b, t], carry[b], dh[b], dh_new, used,
                                 zero_output_for_mask)
            if not used:
                continue  # dh and dc pass through unchanged; dxz stays 0
            dz = dxz[b, t]
            cells.lstm_cell_backward(dh_new, dc[b], gates[b, t], cprev[b, t], cnew[b, t], a, dz,
                                     activation, recurrent_activation)
            for k in range(u):  # dU_g += (h * r_g).T @ dz_g;  dh = sum_g (dz_g @ U_g.T) * r_g
                acc = 0.0
                hp = hprev[b, t, k]
                for g in range(4):
                    r = recurrent_mask[g, b, k]
                    hk = hp * r
                    part = 0.0
                    for j in range(g * u, (g + 1) * u):
                        drecurrent_kernel[k, j] += hk * dz[j]
                        part += dz[j] * recurrent_kernel[k, j]
                    acc += part * r
                dh[b, k] = acc
    return dxz, drecurrent_kernel, dh, dc
