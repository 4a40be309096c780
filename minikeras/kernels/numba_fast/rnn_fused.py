"""The fused time loops behind `numba_fast/rnn.py` for small layers: the whole sequence is
one compiled loop; each step walks the batch once doing the recurrent matmul, the gate
activations, the state update and the mask, with no temporaries. Equations, shapes and
masking rules: `numpy_ref/rnn.py`. `_act` / `_slope` (activation by integer code, and its
slope written with the output) are shared with the step kernels (and any other cell's loop).
Scalars are computed in float64 and rounded once into the output dtype.
"""

import math

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _act(z, code):
    if code == 1:
        return math.tanh(z)
    if code == 2:
        e = math.exp(-abs(z))
        return 1 / (1 + e) if z >= 0 else e / (1 + e)
    if code == 3:
        return z if z > 0 else 0.0
    if code == 4:
        return min(max(z + 3, 0.0), 6.0) / 6
    return z


@njit(cache=True, inline="always")
def _slope(y, code):
    if code == 1:
        return 1 - y * y
    if code == 2:
        return y * (1 - y)
    if code == 3:
        return 1.0 if y > 0 else 0.0
    if code == 4:
        return 1 / 6 if 0 < y < 1 else 0.0
    return 1.0


@njit(cache=True, inline="always")
def _output_grad(dout_step, dout_carry, b, j, used, zero_output_for_mask):
    """dLoss/d(output) of step t for row b, unit j, with what later masked steps carried back.

    A masked step (used False) repeats the last output unless zero_output_for_mask, so its
    gradient flows back to the step that produced it: the carry keeps it until a used step
    takes it (and is cleared there). Every backward time loop reads its output gradient here.
    """
    dout = dout_step + dout_carry[b, j]
    dout_carry[b, j] = 0 if (zero_output_for_mask or used) else dout
    return dout


# ---- SimpleRNN ------------------------------------------------------------------------------
@njit(cache=True)
def _simple_rnn_forward_fused(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                              zero_output_for_mask):
    batch, steps, u = xz.shape
    dtype = xz.dtype
    outputs = np.zeros((batch, steps, u), dtype)
    hprev = np.zeros((batch, steps, u), dtype)
    hnew = np.zeros((batch, steps, u), dtype)
    h = np.empty((batch, u), dtype)
    h[:] = h0
    out = np.zeros((batch, u), dtype)
    hr = np.empty(u, dtype)
    z = np.empty(u, dtype)
    for t in range(steps):
        for b in range(batch):
            m = mask[b, t]
            for k in range(u):
                hprev[b, t, k] = h[b, k]
                hr[k] = h[b, k] * recurrent_mask[0, b, k]
                z[k] = xz[b, t, k]
            for k in range(u):
                hk = hr[k]
                for j in range(u):
                    z[j] += hk * recurrent_kernel[k, j]
            for j in range(u):
                y = _act(z[j], activation)
                hnew[b, t, j] = y
                if m != 0:
                    h[b, j] = y
                    out[b, j] = y
                elif zero_output_for_mask:
                    out[b, j] = 0
                outputs[b, t, j] = out[b, j]
    return outputs, h, hprev, hnew


@njit(cache=True)
def _simple_rnn_backward_fused(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask,
                               hprev, hnew, activation, zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dtype = doutputs.dtype
    dxz = np.zeros((batch, steps, u), dtype)
    drecurrent_kernel = np.zeros((u, u), dtype)
    dh = np.empty((batch, u), dtype)
    dh[:] = dh_last
    dout_carry = np.zeros((batch, u), dtype)
    dz = np.empty(u, dtype)
    for t in range(steps - 1, -1, -1):
        for b in range(batch):
            m = mask[b, t]
            for j in range(u):
                dout = _output_grad(doutputs[b, t, j], dout_carry, b, j, m != 0,
                                    zero_output_for_mask)
                if m != 0:
                    dz[j] = (dout + dh[b, j]) * _slope(hnew[b, t, j], activation)
                else:
                    dz[j] = 0
                dxz[b, t, j] = dz[j]
            if m == 0:
                continue  # dh passes through unchanged
            for k in range(u):
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
def _lstm_forward_fused(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
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
    h[:] = h0
    c[:] = c0
    out = np.zeros((batch, u), dtype)
    z = np.empty(four_u, dtype)
    for t in range(steps):
        for b in range(batch):
            m = mask[b, t]
            for j in range(four_u):
                z[j] = xz[b, t, j]
            for k in range(u):
                hprev[b, t, k] = h[b, k]
                cprev[b, t, k] = c[b, k]
                for g in range(4):
                    hk = h[b, k] * recurrent_mask[g, b, k]
                    for j in range(g * u, (g + 1) * u):
                        z[j] += hk * recurrent_kernel[k, j]
            for j in range(u):
                i = _act(z[j], recurrent_activation)
                f = _act(z[u + j], recurrent_activation)
                gg = _act(z[2 * u + j], activation)
                o = _act(z[3 * u + j], recurrent_activation)
                gates[b, t, j] = i
                gates[b, t, u + j] = f
                gates[b, t, 2 * u + j] = gg
                gates[b, t, 3 * u + j] = o
                cnew[b, t, j] = f * c[b, j] + i * gg
                c_new = cnew[b, t, j]  # rounded to the dtype, as the reference keeps it
                h_new = o * _act(c_new, activation)
                if m != 0:
                    h[b, j] = h_new
                    c[b, j] = c_new
                    out[b, j] = h_new
                elif zero_output_for_mask:
                    out[b, j] = 0
                outputs[b, t, j] = out[b, j]
    return outputs, h, c, hprev, cprev, gates, cnew


@njit(cache=True)
def _lstm_backward_fused(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                         hprev, cprev, gates, cnew, activation, recurrent_activation,
                         zero_output_for_mask):
    batch, steps, u = doutputs.shape
    four_u = 4 * u
    dtype = doutputs.dtype
    dxz = np.zeros((batch, steps, four_u), dtype)
    drecurrent_kernel = np.zeros((u, four_u), dtype)
    dh = np.empty((batch, u), dtype)
    dc = np.empty((batch, u), dtype)
    dh[:] = dh_last
    dc[:] = dc_last
    dout_carry = np.zeros((batch, u), dtype)
    dz = np.empty(four_u, dtype)
    for t in range(steps - 1, -1, -1):
        for b in range(batch):
            m = mask[b, t]
            for j in range(u):
                dout = _output_grad(doutputs[b, t, j], dout_carry, b, j, m != 0,
                                    zero_output_for_mask)
                if m == 0:
                    for g in range(4):
                        dz[g * u + j] = 0
                    continue
                i = gates[b, t, j]
                f = gates[b, t, u + j]
                gg = gates[b, t, 2 * u + j]
                o = gates[b, t, 3 * u + j]
                a = _act(cnew[b, t, j], activation)
                dh_new = dout + dh[b, j]
                dc_new = dc[b, j] + dh_new * o * _slope(a, activation)
                dz[j] = dc_new * gg * _slope(i, recurrent_activation)
                dz[u + j] = dc_new * cprev[b, t, j] * _slope(f, recurrent_activation)
                dz[2 * u + j] = dc_new * i * _slope(gg, activation)
                dz[3 * u + j] = dh_new * a * _slope(o, recurrent_activation)
                dc[b, j] = dc_new * f
            for j in range(four_u):
                dxz[b, t, j] = dz[j]
            if m == 0:
                continue  # dh and dc pass through unchanged
            for k in range(u):
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
