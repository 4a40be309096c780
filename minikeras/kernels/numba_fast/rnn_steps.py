"""The per-step kernels behind `numba_fast/rnn.py` for larger layers: a Python time loop in
which each step's recurrent matmul goes to BLAS (`h @ recurrent_kernel`) and the rest of the
step (the cell of cells.py on each sample's row, the mask) to one compiled kernel
(`_lstm_step`, ...). Equations, shapes and
masking rules: `numpy_ref/rnn.py`.
"""

import numpy as np
from numba import njit

from .cells import (
    keep_or_update,
    lstm_cell_backward,
    lstm_cell_forward,
    simple_rnn_cell_backward,
    simple_rnn_cell_forward,
    state_gradient,
    step_output,
)


def _recurrent_term(h, recurrent_kernel, recurrent_mask, no_dropout):
    """(h * r_g) @ U_g for every gate g, as one matmul when there is no recurrent dropout."""
    if no_dropout:
        return h @ recurrent_kernel
    gates = recurrent_mask.shape[0]
    u = recurrent_kernel.shape[1] // gates
    return np.concatenate([(h * recurrent_mask[g]) @ recurrent_kernel[:, g * u:(g + 1) * u]
                           for g in range(gates)], axis=1)


def _recurrent_backward(dz, recurrent_kernel, recurrent_mask, no_dropout):
    """sum_g (dz_g @ U_g.T) * r_g: the gradient on h_{t-1} through the recurrent matmul."""
    if no_dropout:
        return dz @ recurrent_kernel.T
    gates = recurrent_mask.shape[0]
    u = recurrent_kernel.shape[1] // gates
    return sum((dz[:, g * u:(g + 1) * u] @ recurrent_kernel[:, g * u:(g + 1) * u].T)
               * recurrent_mask[g] for g in range(gates))


def _recurrent_kernel_grad(hprev, dxz, recurrent_mask, no_dropout):
    """drecurrent_kernel = sum over steps and samples of (h_{t-1} * r_g).T @ dz_g."""
    u = hprev.shape[2]
    if no_dropout:
        return hprev.reshape(-1, u).T @ dxz.reshape(-1, dxz.shape[2])
    gates = recurrent_mask.shape[0]
    return np.concatenate([(hprev * recurrent_mask[g][:, None, :]).reshape(-1, u).T
                           @ dxz[:, :, g * u:(g + 1) * u].reshape(-1, u)
                           for g in range(gates)], axis=1)


@njit(cache=True)
def _lstm_step(z, h, c, out, m, gates_t, cnew_t, outputs_t, activation, recurrent_activation,
               zero_output_for_mask):
    batch, u = h.shape
    h_new = np.empty(u, h.dtype)
    for b in range(batch):
        lstm_cell_forward(z[b], c[b], gates_t[b], cnew_t[b], h_new, activation,
                          recurrent_activation)
        keep_or_update(c[b], cnew_t[b], m[b] != 0)
        keep_or_update(h[b], h_new, m[b] != 0)
        step_output(out[b], h_new, outputs_t[b], m[b] != 0, zero_output_for_mask)


@njit(cache=True)
def _lstm_step_backward(dout_t, dh, dc, carry, m, gates_t, cprev_t, cnew_t, dz,
                        activation, recurrent_activation, zero_output_for_mask):
    """Fills dz (batch, 4u); dc becomes dc_{t-1}; dh keeps only what skips the matmul."""
    batch, u = dh.shape
    dh_new = np.empty(u, dh.dtype)
    for b in range(batch):
        used = m[b] != 0
        state_gradient(dout_t[b], carry[b], dh[b], dh_new, used, zero_output_for_mask)
        if not used:
            dz[b] = 0
            continue
        lstm_cell_backward(dh_new, dc[b], gates_t[b], cprev_t[b], cnew_t[b], dz[b], activation,
                           recurrent_activation)
        dh[b] = 0


def lstm_forward_steps(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                       recurrent_activation, zero_output_for_mask):
    batch, steps, four_u = xz.shape
    u = four_u // 4
    outputs = np.zeros((batch, steps, u), xz.dtype)
    hprev, cprev, cnew = np.zeros_like(outputs), np.zeros_like(outputs), np.zeros_like(outputs)
    gates = np.zeros_like(xz)
    h, c = h0.astype(xz.dtype, copy=True), c0.astype(xz.dtype, copy=True)
    out = np.zeros_like(h)
    no_dropout = not np.any(recurrent_mask != 1)
    for t in range(steps):
        hprev[:, t], cprev[:, t] = h, c
        z = xz[:, t] + _recurrent_term(h, recurrent_kernel, recurrent_mask, no_dropout)
        _lstm_step(z, h, c, out, mask[:, t], gates[:, t], cnew[:, t], outputs[:, t], activation,
                   recurrent_activation, zero_output_for_mask)
    return outputs, h, c, hprev, cprev, gates, cnew


def lstm_backward_steps(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                        hprev, cprev, gates, cnew, activation, recurrent_activation,
                        zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dxz = np.zeros((batch, steps, 4 * u), doutputs.dtype)
    dh = dh_last.astype(doutputs.dtype, copy=True)
    dc = dc_last.astype(doutputs.dtype, copy=True)
    carry = np.zeros_like(dh)
    dz = np.zeros((batch, 4 * u), doutputs.dtype)
    no_dropout = not np.any(recurrent_mask != 1)
    for t in range(steps - 1, -1, -1):
        _lstm_step_backward(doutputs[:, t], dh, dc, carry, mask[:, t], gates[:, t],
                            cprev[:, t], cnew[:, t], dz, activation, recurrent_activation,
                            zero_output_for_mask)
        dxz[:, t] = dz
        dh += _recurrent_backward(dz, recurrent_kernel, recurrent_mask, no_dropout)
    drecurrent_kernel = _recurrent_kernel_grad(hprev, dxz, recurrent_mask, no_dropout)
    return dxz, drecurrent_kernel.astype(doutputs.dtype, copy=False), dh, dc


@njit(cache=True)
def _simple_rnn_step(z, h, out, m, hnew_t, outputs_t, activation, zero_output_for_mask):
    for b in range(h.shape[0]):
        simple_rnn_cell_forward(z[b], hnew_t[b], activation)
        keep_or_update(h[b], hnew_t[b], m[b] != 0)
        step_output(out[b], hnew_t[b], outputs_t[b], m[b] != 0, zero_output_for_mask)


@njit(cache=True)
def _simple_rnn_step_backward(dout_t, dh, carry, m, hnew_t, dz, activation,
                              zero_output_for_mask):
    batch, u = dh.shape
    dh_new = np.empty(u, dh.dtype)
    for b in range(batch):
        used = m[b] != 0
        state_gradient(dout_t[b], carry[b], dh[b], dh_new, used, zero_output_for_mask)
        if not used:
            dz[b] = 0
            continue
        simple_rnn_cell_backward(dh_new, hnew_t[b], dz[b], activation)
        dh[b] = 0


def simple_rnn_forward_steps(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                             zero_output_for_mask):
    outputs, hprev, hnew = np.zeros_like(xz), np.zeros_like(xz), np.zeros_like(xz)
    h = h0.astype(xz.dtype, copy=True)
    out = np.zeros_like(h)
    no_dropout = not np.any(recurrent_mask != 1)
    for t in range(xz.shape[1]):
        hprev[:, t] = h
        z = xz[:, t] + _recurrent_term(h, recurrent_kernel, recurrent_mask, no_dropout)
        _simple_rnn_step(z, h, out, mask[:, t], hnew[:, t], outputs[:, t], activation,
                         zero_output_for_mask)
    return outputs, h, hprev, hnew


def simple_rnn_backward_steps(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev,
                              hnew, activation, zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dxz = np.zeros_like(doutputs)
    dh = dh_last.astype(doutputs.dtype, copy=True)
    carry = np.zeros_like(dh)
    dz = np.zeros((batch, u), doutputs.dtype)
    no_dropout = not np.any(recurrent_mask != 1)
    for t in range(steps - 1, -1, -1):
        _simple_rnn_step_backward(doutputs[:, t], dh, carry, mask[:, t], hnew[:, t], dz,
                                  activation, zero_output_for_mask)
        dxz[:, t] = dz
        dh += _recurrent_backward(dz, recurrent_kernel, recurrent_mask, no_dropout)
    drecurrent_kernel = _recurrent_kernel_grad(hprev, dxz, recurrent_mask, no_dropout)
    return dxz, drecurrent_kernel.astype(doutputs.dtype, copy=False), dh
