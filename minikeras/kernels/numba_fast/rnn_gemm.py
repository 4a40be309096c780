"""The large LSTMs' time loops: BLAS GEMMs per step and the cell (cells.py) in one compiled
loop, the batch split over threads.

At W6's size (batch 64, 64 units) a step is a (batch, u) @ (u, 4u) GEMM and 5 * batch * u
transcendentals. The whole sequence runs in one compiled function per direction:

    forward, step t:  z = h_{t-1} @ U + xz_t                 (BLAS, numba's np.dot)
                      gates, c_new, h_new = the cell on each sample's row of z
    backward, step t: dz_t = the cell's backward on each row
                      dh_{t-1} += dz_t @ U.T                 (BLAS)
                      drecurrent_kernel += h_{t-1}^T @ dz_t  (BLAS)

Samples are independent through the time loop, so the batch is cut into one slab of rows per
thread (`prange`); each thread runs all the steps on its slab, with its GEMMs in row blocks
(blocks.py says why; `kernels/plan.py` sizes both), and keeps its own drecurrent_kernel,
summed at the end. No recurrent dropout here (the plan sends that to the other loops); the
equations, shapes and masking rules are `numpy_ref/rnn.py`'s. Buffers are time-major
(T, batch, .) so each step's rows are contiguous for BLAS; the caches go out as (batch, T, .)
views of them, the reference's shapes, and come back into backward as the same buffers.
"""

import numpy as np
from numba import njit, prange

from . import blocks
from .cells import (
    keep_or_update,
    lstm_cell_backward,
    lstm_cell_forward,
    state_gradient,
    step_output,
)


def _time_major(a):
    """(batch, T, k) -> contiguous (T, batch, k); free for the views this module hands out."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


# ---- forward --------------------------------------------------------------------------------
@njit(cache=True, parallel=True, error_model="numpy")
def _lstm_forward_loop(xz, kernel, h, c, mask, gates, hprev, cprev, cnew, outputs, activation,
                       recurrent_activation, zero_output_for_mask, slab, block):
    steps, batch, four_u = gates.shape
    u = four_u // 4
    z = np.empty((batch, four_u), xz.dtype)  # this step's pre-activations; slabs own rows
    h_new = np.empty((batch, u), xz.dtype)
    out = np.zeros((batch, u), xz.dtype)
    for p in prange(blocks.slab_count(batch, slab)):
        r0 = p * slab
        r1 = min(batch, r0 + slab)
        for t in range(steps):
            for b in range(r0, r1):
                for j in range(u):
                    hprev[t, b, j] = h[b, j]
                    cprev[t, b, j] = c[b, j]
            blocks.gemm_rows(h, kernel, z, r0, r1, block)
            for b in range(r0, r1):
                for j in range(four_u):
                    z[b, j] += xz[b, t, j]
                lstm_cell_forward(z[b], cprev[t, b], gates[t, b], cnew[t, b], h_new[b],
                                  activation, recurrent_activation)
                used = mask[b, t] != 0
                keep_or_update(c[b], cnew[t, b], used)
                keep_or_update(h[b], h_new[b], used)
                step_output(out[b], h_new[b], outputs[t, b], used, zero_output_for_mask)


@njit(cache=True)
def lstm_forward_gemm_core(xz, recurrent_kernel, h, c, mask, activation, recurrent_activation,
                           zero_output_for_mask, threads, limit):
    """The forward loop on fresh time-major buffers; h, c (batch, u) are updated in place.
    Returns outputs, hprev, cprev, gates, cnew, each (T, batch, .). xz (batch, T, 4u),
    recurrent_kernel and mask contiguous, all of one dtype."""
    batch, steps, four_u = xz.shape
    u = four_u // 4
    gates = np.empty((steps, batch, four_u), xz.dtype)
    hprev = np.empty((steps, batch, u), xz.dtype)
    cprev, cnew, outputs = np.empty_like(hprev), np.empty_like(hprev), np.empty_like(hprev)
    _lstm_forward_loop(xz, recurrent_kernel, h, c, mask, gates, hprev, cprev, cnew, outputs,
                       activation, recurrent_activation, zero_output_for_mask,
                       blocks.slab_size(batch, u * four_u, threads, limit),
                       blocks.block_size(u * four_u, limit))
    return outputs, hprev, cprev, gates, cnew


def lstm_forward_gemm(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                      recurrent_activation, zero_output_for_mask, plan):
    dtype = xz.dtype
    h, c = (s.astype(dtype, order="C", copy=True) for s in (h0, c0))  # updated in place
    with blocks.LAUNCH:
        outputs, hprev, cprev, gates, cnew = lstm_forward_gemm_core(
            np.ascontiguousarray(xz), np.ascontiguousarray(recurrent_kernel, dtype), h, c,
            np.ascontiguousarray(mask, dtype), activation, recurrent_activation,
            bool(zero_output_for_mask), plan.threads, plan.block_limit)
    outputs, hprev, cprev, gates, cnew = (a.transpose(1, 0, 2)  # (batch, T, .) views
                                          for a in (outputs, hprev, cprev, gates, cnew))
    return outputs, h, c, hprev, cprev, gates, cnew


# ---- backward -------------------------------------------------------------------------------
@njit(cache=True, parallel=True, error_model="numpy")
def _lstm_backward_loop(dout, dh, dc, kernel_t, mask, gates, hprev, cprev, cnew, dxz,
                        drecurrent_parts, activation, recurrent_activation,
                        zero_output_for_mask, slab, block):
    steps, batch, four_u = gates.shape
    u = four_u // 4
    dh_recurrent = np.zeros((batch, u), dh.dtype)  # dz_{t+1} @ U.T; slabs own rows
    carry = np.zeros((batch, u), dh.dtype)
    dh_new = np.empty((batch, u), dh.dtype)
    for p in prange(drecurrent_parts.shape[0]):
        r0 = p * slab
        r1 = min(batch, r0 + slab)
        step_term = np.empty((u, four_u), dh.dtype)
        for t in range(steps - 1, -1, -1):
            dz = dxz[t]
            for b in range(r0, r1):
                used = mask[b, t] != 0
                for j in range(u):
                    dh[b, j] += dh_recurrent[b, j]
                state_gradient(dout[b, t], carry[b], dh[b], dh_new[b], used,
                               zero_output_for_mask)
                if not used:  # dh and dc pass through unchanged
                    for j in range(four_u):
                        dz[b, j] = 0
                    continue
                lstm_cell_backward(dh_new[b], dc[b], gates[t, b], cprev[t, b], cnew[t, b],
                                   dz[b], activation, recurrent_activation)
                for j in range(u):
                    dh[b, j] = 0
            for s in range(r0, r1, block):
                e = min(r1, s + block)
                np.dot(dz[s:e], kernel_t, dh_recurrent[s:e])
                np.dot(hprev[t, s:e].T, dz[s:e], step_term)
                for q in range(u):
                    for j in range(four_u):
                        drecurrent_parts[p, q, j] += step_term[q, j]
        for b in range(r0, r1):
            for j in range(u):
                dh[b, j] += dh_recurrent[b, j]


@njit(cache=True)
def lstm_backward_gemm_core(doutputs, dh, dc, recurrent_kernel, mask, hprev, cprev, gates,
                            cnew, activation, recurrent_activation, zero_output_for_mask,
                            threads, limit):
    """Backward of lstm_forward_gemm_core from its time-major caches; dh, dc (batch, u) go in
    as the gradients on the last state and come out as those on the initial one.
    Returns dxz (T, batch, 4u) and drecurrent_kernel (summed slab by slab)."""
    steps, batch, four_u = gates.shape
    u = four_u // 4
    slab = blocks.slab_size(batch, four_u * u, threads, limit)
    parts = np.zeros((blocks.slab_count(batch, slab), u, four_u), gates.dtype)
    dxz = np.empty((steps, batch, four_u), gates.dtype)
    _lstm_backward_loop(doutputs, dh, dc, np.ascontiguousarray(recurrent_kernel.T), mask, gates,
                        hprev, cprev, cnew, dxz, parts, activation, recurrent_activation,
                        zero_output_for_mask, slab, blocks.block_size(four_u * u, limit))
    for p in range(1, parts.shape[0]):
        parts[0] += parts[p]
    return dxz, parts[0]


def lstm_backward_gemm(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                       hprev, cprev, gates, cnew, activation, recurrent_activation,
                       zero_output_for_mask, plan):
    dtype = gates.dtype  # the forward's; gradients of another dtype are cast to it
    dh, dc = (s.astype(dtype, order="C", copy=True) for s in (dh_last, dc_last))
    with blocks.LAUNCH:
        dxz, drecurrent_kernel = lstm_backward_gemm_core(
            np.ascontiguousarray(doutputs, dtype), dh, dc,
            np.ascontiguousarray(recurrent_kernel, dtype),
            np.ascontiguousarray(mask, dtype),
            *(_time_major(a) for a in (hprev, cprev, gates, cnew)),
            activation, recurrent_activation, bool(zero_output_for_mask), plan.threads,
            plan.block_limit)
    return dxz.transpose(1, 0, 2), drecurrent_kernel, dh, dc
