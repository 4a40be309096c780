"""The per-step kernels behind `numba_fast/rnn.py` for larger layers: a Python time loop in
which each step's recurrent matmul goes to BLAS (`h @ recurrent_kernel`) and the rest of the
step (gates, states, mask) to one compiled kernel (`_lstm_step`, ...). Equations, shapes and
masking rules: `numpy_ref/rnn.py`.
"""

import numpy as np
from numba import njit

from .rnn_fused import _act, _output_grad, _slope


def _recurrent_term(h, recurrent_kernel, recurrent_mask, plain):
    """(h * r_g) @ U_g for every gate g, as one matmul when there is no recurrent dropout."""
    if plain:
        return h @ recurrent_kernel
    gates = recurrent_mask.shape[0]
    u = recurrent_kernel.shape[1] // gates
    return np.concatenate([(h * recurrent_mask[g]) @ recurrent_kernel[:, g * u:(g + 1) * u]
                           for g in range(gates)], axis=1)


def _recurrent_backward(dz, recurrent_kernel, recurrent_mask, plain):
    """sum_g (dz_g @ U_g.T) * r_g: the gradient on h_{t-1} through the recurrent matmul."""
    if plain:
        return dz @ recurrent_kernel.T
    gates = recurrent_mask.shape[0]
    u = recurrent_kernel.shape[1] // gates
    return sum((dz[:, g * u:(g + 1) * u] @ recurrent_kernel[:, g * u:(g + 1) * u].T)
               * recurrent_mask[g] for g in range(gates))


def _recurrent_kernel_grad(hprev, dxz, recurrent_mask, plain):
    """drecurrent_kernel = sum over steps and samples of (h_{t-1} * r_g).T @ dz_g."""
    u = hprev.shape[2]
    if plain:
        return hprev.reshape(-1, u).T @ dxz.reshape(-1, dxz.shape[2])
    gates = recurrent_mask.shape[0]
    return np.concatenate([(hprev * recurrent_mask[g][:, None, :]).reshape(-1, u).T
                           @ dxz[:, :, g * u:(g + 1) * u].reshape(-1, u)
                           for g in range(gates)], axis=1)


@njit(cache=True)
def _lstm_step(z, h, c, out, m, gates_t, cnew_t, outputs_t, activation, recurrent_activation,
               zero_output_for_mask):
    batch, u = h.shape
    for b in range(batch):
        for j in range(u):
            i = _act(z[b, j], recurrent_activation)
            f = _act(z[b, u + j], recurrent_activation)
            gg = _act(z[b, 2 * u + j], activation)
            o = _act(z[b, 3 * u + j], recurrent_activation)
            gates_t[b, j] = i
            gates_t[b, u + j] = f
            gates_t[b, 2 * u + j] = gg
            gates_t[b, 3 * u + j] = o
            cnew_t[b, j] = f * c[b, j] + i * gg
            c_new = cnew_t[b, j]
            h_new = o * _act(c_new, activation)
            if m[b] != 0:
                h[b, j] = h_new
                c[b, j] = c_new
                out[b, j] = h_new
            elif zero_output_for_mask:
                out[b, j] = 0
            outputs_t[b, j] = out[b, j]


@njit(cache=True)
def _lstm_step_backward(dout_t, dh, dc, dout_carry, m, gates_t, cprev_t, cnew_t, dz,
                        activation, recurrent_activation, zero_output_for_mask):
    """Fills dz (batch, 4u); dc becomes dc_{t-1}; dh keeps only what skips the matmul."""
    batch, u = dh.shape
    for b in range(batch):
        for j in range(u):
            dout = _output_grad(dout_t[b, j], dout_carry, b, j, m[b] != 0, zero_output_for_mask)
            if m[b] == 0:
                for g in range(4):
                    dz[b, g * u + j] = 0
                continue
            i = gates_t[b, j]
            f = gates_t[b, u + j]
            gg = gates_t[b, 2 * u + j]
            o = gates_t[b, 3 * u + j]
            a = _act(cnew_t[b, j], activation)
            dh_new = dout + dh[b, j]
            dc_new = dc[b, j] + dh_new * o * _slope(a, activation)
            dz[b, j] = dc_new * gg * _slope(i, recurrent_activation)
            dz[b, u + j] = dc_new * cprev_t[b, j] * _slope(f, recurrent_activation)
            dz[b, 2 * u + j] = dc_new * i * _slope(gg, activation)
            dz[b, 3 * u + j] = dh_new * a * _slope(o, recurrent_activation)
            dc[b, j] = dc_new * f
            dh[b, j] = 0


def _lstm_forward_blas(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                       recurrent_activation, zero_output_for_mask):
    batch, steps, four_u = xz.shape
    u = four_u // 4
    outputs = np.zeros((batch, steps, u), xz.dtype)
    hprev, cprev, cnew = np.zeros_like(outputs), np.zeros_like(outputs), np.zeros_like(outputs)
    gates = np.zeros_like(xz)
    h, c = h0.astype(xz.dtype, copy=True), c0.astype(xz.dtype, copy=True)
    out = np.zeros_like(h)
    plain = not np.any(recurrent_mask != 1)
    for t in range(steps):
        hprev[:, t], cprev[:, t] = h, c
        z = xz[:, t] + _recurrent_term(h, recurrent_kernel, recurrent_mask, plain)
        _lstm_step(z, h, c, out, mask[:, t], gates[:, t], cnew[:, t], outputs[:, t], activation,
                   recurrent_activation, zero_output_for_mask)
    return outputs, h, c, hprev, cprev, gates, cnew


def _lstm_backward_blas(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                        hprev, cprev, gates, cnew, activation, recurrent_activation,
                        zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dxz = np.zeros((batch, steps, 4 * u), doutputs.dtype)
    dh = dh_last.astype(doutputs.dtype, copy=True)
    dc = dc_last.astype(doutputs.dtype, copy=True)
    dout_carry = np.zeros_like(dh)
    dz = np.zeros((batch, 4 * u), doutputs.dtype)
    plain = not np.any(recurrent_mask != 1)
    for t in range(steps - 1, -1, -1):
        _lstm_step_backward(doutputs[:, t], dh, dc, dout_carry, mask[:, t], gates[:, t],
                            cprev[:, t], cnew[:, t], dz, activation, recurrent_activation,
                            zero_output_for_mask)
        dxz[:, t] = dz
        dh += _recurrent_backward(dz, recurrent_kernel, recurrent_mask, plain)
    drecurrent_kernel = _recurrent_kernel_grad(hprev, dxz, recurrent_mask, plain)
    return dxz, drecurrent_kernel.astype(doutputs.dtype, copy=False), dh, dc


@njit(cache=True)
def _simple_rnn_step(z, h, out, m, hnew_t, outputs_t, activation, zero_output_for_mask):
    batch, u = h.shape
    for b in range(batch):
        for j in range(u):
            y = _act(z[b, j], activation)
            hnew_t[b, j] = y
            if m[b] != 0:
                h[b, j] = y
                out[b, j] = y
            elif zero_output_for_mask:
                out[b, j] = 0
            outputs_t[b, j] = out[b, j]


@njit(cache=True)
def _simple_rnn_step_backward(dout_t, dh, dout_carry, m, hnew_t, dz, activation,
                              zero_output_for_mask):
    batch, u = dh.shape
    for b in range(batch):
        for j in range(u):
            dout = _output_grad(dout_t[b, j], dout_carry, b, j, m[b] != 0, zero_output_for_mask)
            if m[b] == 0:
                dz[b, j] = 0
                continue
            dz[b, j] = (dout + dh[b, j]) * _slope(hnew_t[b, j], activation)
            dh[b, j] = 0


def _simple_rnn_forward_blas(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                             zero_output_for_mask):
    outputs, hprev, hnew = np.zeros_like(xz), np.zeros_like(xz), np.zeros_like(xz)
    h = h0.astype(xz.dtype, copy=True)
    out = np.zeros_like(h)
    plain = not np.any(recurrent_mask != 1)
    for t in range(xz.shape[1]):
        hprev[:, t] = h
        z = xz[:, t] + _recurrent_term(h, recurrent_kernel, recurrent_mask, plain)
        _simple_rnn_step(z, h, out, mask[:, t], hnew[:, t], outputs[:, t], activation,
                         zero_output_for_mask)
    return outputs, h, hprev, hnew


def _simple_rnn_backward_blas(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev,
                              hnew, activation, zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dxz = np.zeros_like(doutputs)
    dh = dh_last.astype(doutputs.dtype, copy=True)
    dout_carry = np.zeros_like(dh)
    dz = np.zeros((batch, u), doutputs.dtype)
    plain = not np.any(recurrent_mask != 1)
    for t in range(steps - 1, -1, -1):
        _simple_rnn_step_backward(doutputs[:, t], dh, dout_carry, mask[:, t], hnew[:, t], dz,
                                  activation, zero_output_for_mask)
        dxz[:, t] = dz
        dh += _recurrent_backward(dz, recurrent_kernel, recurrent_mask, plain)
    drecurrent_kernel = _recurrent_kernel_grad(hprev, dxz, recurrent_mask, plain)
    return dxz, drecurrent_kernel.astype(doutputs.dtype, copy=False), dh
