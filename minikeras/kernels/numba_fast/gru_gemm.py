"""The time loop of larger GRU layers: BLAS GEMMs per step and the cell (cells.py) in one
compiled loop, the batch split over threads; rnn_gemm.py's design for the LSTM, with the
GRU's two ways of resetting.

The equations, shapes and masking rules are `numpy_ref/gru.py`'s (u = units, r_g the
recurrent-dropout mask of gate g, b the recurrent bias). Per step t, on a slab's rows:

    forward   p = [(h * r_z) @ U_z, (h * r_r) @ U_r, (h * r_h) @ U_h] + b    (BLAS; one GEMM
                                                      h @ U where reset_after and no dropout)
              z, r on each row (gru_cell_gates)
              reset_after: q = p_h (the cell multiplies it by r)
              else:        q = r * h * r_h, then p_h = q @ U_h            (BLAS, a second GEMM)
              hh, h_new on each row (gru_cell_output), the mask
    backward  dz_, da on each row (gru_cell_backward); dh_{t-1} = dh_new * z + ...
              reset_after: dq = da * r, dr_ (gru_cell_reset_backward); dp = [dz_, dr_, dq]
              else:        dq = da @ U_h.T (BLAS), dr_, dh_{t-1} += dq * r * r_h; dp = dxz
              dh_{t-1} += [dp_z, dp_r, dp_h] @ U.T, gate by gate times r_g   (BLAS; without
                                                      reset_after, no h gate: its term is dq's)
    after the loop: drecurrent_kernel = sum over t of h_{t-1}^T @ dp_t      (reset_after
              without dropout: rnn_gemm.py's few big GEMMs over all steps; else accumulated
              per step and gate, with the gate's input h * r_g, or q for U_h)

dp is the gradient on p, the recurrent terms; drecurrent_bias is its sum over steps and rows
(only meaningful with reset_after: 0 in its candidate columns otherwise, as the reference).
The recurrent GEMMs (h's terms forward, dh's and U's gradients backward) are rnn_gemm.py's own
(recurrent_term, recurrent_backward, kernel_gradient), given the gates fed h * r_g.
Buffers are time-major (T, batch, .), slabs and blocks are rnn_gemm.py's (blocks.py); the
caches go out as (batch, T, .) views, the reference's shapes. The recurrent sums are in the
arrays' dtype, as the reference's (the small-layer loop in gru.py keeps them in float64).
"""

import numpy as np
from numba import njit, prange

from . import blocks
from .arrays import add_into
from .cells import (
    gru_cell_backward,
    gru_cell_gates,
    gru_cell_output,
    gru_cell_reset_backward,
    keep_or_update,
    state_gradient,
    step_output,
)
from .dense import dense_forward
from .rnn_gemm import (
    gate_kernels,
    gate_kernels_transposed,
    kernel_gradient,
    recurrent_backward,
    recurrent_term,
    step_scratch,
    time_major,
)


# ---- forward --------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _forward_rows(xz, kernel, gate_kernels, recurrent_bias, recurrent_mask, per_gate, h, mask,
                  gates, hprev, q_all, outputs, activation, recurrent_activation, reset_after,
                  zero_output_for_mask, block, scratch, out, r0, r1):
    """All the steps for rows r0:r1 (one thread's slab)."""
    steps, batch, width = gates.shape
    u = h.shape[1]
    p, masked, term, h_new = scratch  # (batch, 3u), then 3 x (batch, u); rows r0:r1 used
    h_gates = gate_kernels[:3 if reset_after else 2]  # the gates whose term is (h * r_g) @ U_g
    for t in range(steps):
        for b in range(r0, r1):
            for j in range(u):
                hprev[t, b, j] = h[b, j]
        recurrent_term(h, kernel, h_gates, recurrent_mask, per_gate, p, masked, term, r0, r1,
                       block)
        for b in range(r0, r1):
            for j in range(2 * u):
                p[b, j] += recurrent_bias[j]
            gru_cell_gates(xz[b, t], p[b, :2 * u], gates[t, b], recurrent_activation)
            for j in range(u):
                if reset_after:
                    q_all[t, b, j] = p[b, 2 * u + j] + recurrent_bias[2 * u + j]
                else:
                    q_all[t, b, j] = gates[t, b, u + j] * (h[b, j] * recurrent_mask[2, b, j])
        if not reset_after:  # the candidate's recurrent term q @ U_h, after r
            blocks.gemm_rows(q_all[t], gate_kernels[2], term, r0, r1, block)
        for b in range(r0, r1):
            candidate = q_all[t, b] if reset_after else term[b]
            gru_cell_output(xz[b, t], candidate, h[b], gates[t, b], h_new[b], activation,
                            reset_after)
            used = mask[b, t] != 0
            keep_or_update(h[b], h_new[b], used)
            step_output(out[b], h_new[b], outputs[t, b], used, zero_output_for_mask)


@njit(inline="always")
def _forward_buffers(recurrent_kernel, batch, steps, per_gate, dtype):
    """The forward loop's caches (gates (T, batch, 3u), hprev, q_all, outputs (T, batch, u)),
    the per-gate kernels it reads where per_gate, its step scratch and the output carry."""
    u, width = recurrent_kernel.shape
    gates = np.empty((steps, batch, width), dtype)
    hprev = np.empty((steps, batch, u), dtype)
    return (gates, hprev, np.empty_like(hprev), np.empty_like(hprev),
            gate_kernels(recurrent_kernel, 3 if per_gate else 0),
            step_scratch(batch, width, u, dtype), np.zeros((batch, u), dtype))


@njit(cache=True, parallel=blocks.PRANGE_ONLY)
def gru_forward_core(xz, recurrent_kernel, recurrent_bias, recurrent_mask, dropout, h, mask,
                     activation, recurrent_activation, reset_after, zero_output_for_mask,
                     threads, limit):
    """The forward loop on fresh time-major buffers; h (batch, u) is updated in place. xz
    (batch, T, 3u), recurrent_kernel (u, 3u), recurrent_mask (3, batch, u; read only with
    dropout or without reset_after) and mask contiguous, one dtype. Returns outputs, hprev,
    gates, q_all, each (T, batch, .). The caller sets the thread count."""
    batch, steps, width = xz.shape
    u = h.shape[1]
    per_gate = dropout or not reset_after
    gates, hprev, q_all, outputs, kernels, scratch, out = _forward_buffers(
        recurrent_kernel, batch, steps, per_gate, xz.dtype)
    slab = blocks.slab_size(batch, u * width, threads, limit)
    block = blocks.block_size(u * width, limit)
    for s in prange(blocks.slab_count(batch, slab)):
        _forward_rows(xz, recurrent_kernel, kernels, recurrent_bias, recurrent_mask, per_gate,
                      h, mask, gates, hprev, q_all, outputs, activation, recurrent_activation,
                      reset_after, zero_output_for_mask, block, scratch, out, s * slab,
                      min(batch, (s + 1) * slab))
    return outputs, hprev, gates, q_all


def gru_forward_gemm(xz, recurrent_kernel, recurrent_bias, h0, mask, recurrent_mask,
                     activation, recurrent_activation, reset_after, zero_output_for_mask, plan):
    dtype = xz.dtype
    h = h0.astype(dtype, order="C", copy=True)  # updated in place
    with blocks.LAUNCH, blocks.using_threads(plan.threads), blocks.blas_on_calling_thread():
        caches = gru_forward_core(
            np.ascontiguousarray(xz), np.ascontiguousarray(recurrent_kernel, dtype),
            np.ascontiguousarray(recurrent_bias, dtype),
            np.ascontiguousarray(recurrent_mask, dtype), bool(np.any(recurrent_mask != 1)), h,
            np.ascontiguousarray(mask, dtype), activation, recurrent_activation,
            bool(reset_after), bool(zero_output_for_mask), plan.threads, plan.block_limit)
    outputs, hprev, gates, q_all = (a.transpose(1, 0, 2) for a in caches)  # (batch, T, .)
    return outputs, h, hprev, gates, q_all


# ---- inference: predict's forward pass, nothing kept for backward --------------------------
@njit(cache=True, error_model="numpy")
def gru_inference_core(x, kernel, bias, recurrent_kernel, recurrent_bias, h0, activation,
                       recurrent_activation, reset_after):
    """The input projection and the forward loop in one call, on this thread, for a batch
    without mask or dropout: outputs (T, batch, u) of x (batch, T, features), and the final
    h. The same numbers as dense_forward then gru_forward_core where the layer would run
    that loop as one slab and one GEMM of all rows per step (kernels/plan.py:
    inference_in_one_call): it runs that loop's own step function (_forward_rows) on all
    rows; what it saves is the Python between them and the thread launch."""
    batch, steps, features = x.shape
    u, width = recurrent_kernel.shape
    xz = dense_forward(x.reshape(batch * steps, features), kernel, bias)
    h = h0.copy()
    per_gate = not reset_after
    gates, hprev, q_all, outputs, kernels, scratch, out = _forward_buffers(
        recurrent_kernel, batch, steps, per_gate, x.dtype)
    every_step = np.ones((batch, steps), x.dtype)
    zero_output_for_mask = every_step.size < 0  # never read; a run-time bool, not a literal
    _forward_rows(xz.reshape(batch, steps, width), recurrent_kernel, kernels, recurrent_bias,
                  np.ones((3, batch, u), x.dtype), per_gate, h, every_step, gates, hprev,
                  q_all, outputs, activation, recurrent_activation, reset_after,
                  zero_output_for_mask, max(1, batch), scratch, out, blocks.FIRST, batch)
    return outputs, h


def gru_inference(x, kernel, bias, recurrent_kernel, recurrent_bias, h0, activation,
                  recurrent_activation, reset_after):
    dtype = x.dtype
    outputs, h = gru_inference_core(
        np.ascontiguousarray(x), np.ascontiguousarray(kernel), bias,
        np.ascontiguousarray(recurrent_kernel), np.ascontiguousarray(recurrent_bias, dtype),
        np.ascontiguousarray(h0, dtype), activation, recurrent_activation, bool(reset_after))
    return outputs.transpose(1, 0, 2), h


# ---- backward -------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _backward_rows(dout, dh, gate_kernels_t, kernel_t, recurrent_mask, per_gate, mask, hprev,
                   gates, q_all, dxz, dp, parts, activation, recurrent_activation, reset_after,
                   zero_output_for_mask, block, scratch, r0, r1):
    """All the steps, last first, for rows r0:r1 (one thread's slab); parts (u, 3u) is the
    slab's drecurrent_kernel where it is summed per step (per_gate)."""
    steps, batch, width = gates.shape
    u = dh.shape[1]
    dh_recurrent, carry, dh_new, masked, column, square = scratch  # (batch, u) each
    for b in range(r0, r1):
        for j in range(u):
            dh_recurrent[b, j] = 0  # the recurrent GEMMs' share of dh_t, from step t + 1
            carry[b, j] = 0
    term_g = np.empty((u, u), dh.dtype)
    h_gates_t = gate_kernels_t[:3 if reset_after else 2]  # U_g.T of the gates fed h * r_g
    for t in range(steps - 1, -1, -1):
        for b in range(r0, r1):
            used = mask[b, t] != 0
            for j in range(u):
                dh[b, j] += dh_recurrent[b, j]
            state_gradient(dout[b, t], carry[b], dh[b], dh_new[b], used, zero_output_for_mask)
            if not used:  # dh passes through unchanged; dxz and dp stay 0
                for j in range(width):
                    dxz[t, b, j] = 0
                    dp[t, b, j] = 0
                continue
            gru_cell_backward(dh_new[b], hprev[t, b], gates[t, b], dxz[t, b], activation,
                              recurrent_activation)
            if reset_after:  # dq = da * r goes into dp's candidate columns
                gru_cell_reset_backward(dxz[t, b], q_all[t, b], dp[t, b, 2 * u:], gates[t, b],
                                        recurrent_activation, reset_after)
                for j in range(2 * u):
                    dp[t, b, j] = dxz[t, b, j]
            for j in range(u):
                dh[b, j] = dh_new[b, j] * gates[t, b, j]  # through z * h_{t-1}
        if not reset_after:  # dq = da @ U_h.T, then dr_ and dq * r * r_h
            for b in range(r0, r1):
                for j in range(u):
                    column[b, j] = dxz[t, b, 2 * u + j]
            blocks.gemm_rows(column, gate_kernels_t[2], square, r0, r1, block)
            for b in range(r0, r1):
                if mask[b, t] == 0:
                    continue
                for j in range(u):
                    masked[b, j] = hprev[t, b, j] * recurrent_mask[2, b, j]
                gru_cell_reset_backward(dxz[t, b], masked[b], square[b], gates[t, b],
                                        recurrent_activation, reset_after)
                for j in range(u):
                    dh[b, j] += square[b, j] * gates[t, b, u + j] * recurrent_mask[2, b, j]
            for s in range(r0, r1, block):  # U_h's gradient: q^T @ da
                e = min(r1, s + block)
                np.dot(q_all[t, s:e].T, column[s:e], term_g)
                for k in range(u):
                    for j in range(u):
                        parts[k, 2 * u + j] += term_g[k, j]
        for s in range(r0, r1, block):
            recurrent_backward(dp[t], hprev[t], kernel_t, h_gates_t, recurrent_mask, per_gate,
                               dh_recurrent, parts, masked, column, term_g, square, s,
                               min(r1, s + block))
    for b in range(r0, r1):
        for j in range(u):
            dh[b, j] += dh_recurrent[b, j]


@njit(cache=True, parallel=blocks.PRANGE_ONLY)
def gru_backward_core(doutputs, dh, recurrent_kernel, recurrent_mask, dropout, mask, hprev,
                      gates, q_all, activation, recurrent_activation, reset_after,
                      zero_output_for_mask, threads, limit):
    """Backward of gru_forward_core from its time-major caches; dh (batch, u) goes in as the
    gradient on the last state and comes out as the one on the initial state. Returns dxz
    and dp (T, batch, 3u; one array without reset_after) and drecurrent_kernel (summed part
    by part: slabs of rows, or chunks of steps for reset_after without dropout)."""
    steps, batch, width = gates.shape
    u = dh.shape[1]
    per_gate = dropout or not reset_after
    slab = blocks.slab_size(batch, width * u, threads, limit)
    block = blocks.block_size(width * u, limit)
    parts = np.zeros((blocks.slab_count(batch, slab), u, width), gates.dtype)
    dxz = np.empty((steps, batch, width), gates.dtype)
    dp = np.empty((steps, batch, width), gates.dtype) if reset_after else dxz
    kernel_t = np.ascontiguousarray(recurrent_kernel.T)
    gate_kernels_t = gate_kernels_transposed(recurrent_kernel, 3 if per_gate else 0)
    scratch = (np.empty((batch, u), dh.dtype), np.empty((batch, u), dh.dtype),
               np.empty((batch, u), dh.dtype), np.empty((batch, u), dh.dtype),
               np.empty((batch, u), dh.dtype), np.empty((batch, u), dh.dtype))
    for s in prange(parts.shape[0]):
        _backward_rows(doutputs, dh, gate_kernels_t, kernel_t, recurrent_mask, per_gate, mask,
                       hprev, gates, q_all, dxz, dp, parts[s], activation,
                       recurrent_activation, reset_after, zero_output_for_mask, block, scratch,
                       s * slab, min(batch, (s + 1) * slab))
    if not per_gate:
        kernel_gradient(hprev, dp, parts)
    for p in range(1, parts.shape[0]):
        add_into(parts[p], parts[0])
    return dxz, dp, parts[0]


def gru_backward_gemm(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev, gates,
                      q_all, activation, recurrent_activation, reset_after,
                      zero_output_for_mask, plan):
    dtype = gates.dtype  # the forward's; gradients of another dtype are cast to it
    dh = dh_last.astype(dtype, order="C", copy=True)
    with blocks.LAUNCH, blocks.using_threads(plan.threads), blocks.blas_on_calling_thread():
        dxz, dp, drecurrent_kernel = gru_backward_core(
            np.ascontiguousarray(doutputs, dtype), dh,
            np.ascontiguousarray(recurrent_kernel, dtype),
            np.ascontiguousarray(recurrent_mask, dtype), bool(np.any(recurrent_mask != 1)),
            np.ascontiguousarray(mask, dtype),
            *(time_major(a) for a in (hprev, gates, q_all)), activation,
            recurrent_activation, bool(reset_after), bool(zero_output_for_mask),
            plan.threads, plan.block_limit)
    u = dh.shape[1]
    drecurrent_bias = dp.reshape(-1, 3 * u).sum(axis=0)
    if not reset_after:
        drecurrent_bias[2 * u:] = 0  # no recurrent bias on the candidate (the reference's)
    return dxz.transpose(1, 0, 2), drecurrent_kernel, drecurrent_bias, dh
