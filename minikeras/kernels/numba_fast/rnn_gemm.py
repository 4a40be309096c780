"""The time loops of larger LSTM and SimpleRNN layers: BLAS GEMMs per step and the cell
(cells.py) in one compiled loop, the batch split over threads.

At W6's size (batch 64, 64 units) a step is a (batch, u) @ (u, 4u) GEMM and 5 * batch * u
transcendentals. The whole sequence runs in one compiled function per direction (G gates:
4 for the LSTM, 1 for SimpleRNN; r_g the recurrent-dropout masks):

    forward, step t:  z = h_{t-1} @ U + xz_t                 (BLAS, numba's np.dot;
                                                              per gate (h * r_g) @ U_g
                                                              with recurrent dropout)
                      the cell on each sample's row of z      (gates, states, mask)
    backward, step t: dz_t = the cell's backward on each row
                      dh_{t-1} += dz_t @ U.T                 (BLAS; per gate, times r_g)
                      with recurrent dropout, per gate:
                      drecurrent_kernel_g += (h_{t-1} * r_g)^T @ dz_g,t   (BLAS)
    after the loop:   drecurrent_kernel = sum over t of h_{t-1}^T @ dz_t  (without dropout:
                                                              a few big GEMMs over all steps)

Samples are independent through the time loop, so the batch is cut into one slab of rows per
thread (`prange`); each thread runs all the steps on its slab, with its GEMMs in row blocks
(blocks.py says why; `kernels/plan.py` sizes both). drecurrent_kernel is summed in parts (the
steps in chunks, or with recurrent dropout each slab's own), added up in order at the end. The
equations, shapes and masking rules are `numpy_ref/rnn.py`'s. Buffers
are time-major (T, batch, .) so each step's rows are contiguous for BLAS; the caches go out as
(batch, T, .) views of them, the reference's shapes, and come back into backward as the same
buffers. The SimpleRNN's cache `hnew` travels in the `gates` buffer (G = 1), and it has no
cell state (c buffers of width 0).
"""

import numpy as np
from numba import njit, prange

from . import blocks
from .arrays import add_into, copy_into, copy_vector_into
from .cells import (
    keep_or_update,
    lstm_cell_backward,
    lstm_cell_forward,
    simple_rnn_cell_backward,
    simple_rnn_cell_forward,
    state_gradient,
    step_output,
)
from .dense import dense_forward


# Shared with gru_gemm.py, the GRU's loop of the same design: time_major, gate_kernels,
# gate_kernels_transposed, step_scratch, recurrent_term, recurrent_backward, kernel_gradient.
def time_major(a):
    """(batch, T, k) -> contiguous (T, batch, k); free for the views this module hands out."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


@njit(cache=True)
def gate_kernels(recurrent_kernel, gates):
    """(G, u, u): each gate's columns of U as its own contiguous matrix (for BLAS)."""
    u = recurrent_kernel.shape[0]
    out = np.empty((gates, u, u), recurrent_kernel.dtype)
    for g in range(gates):
        copy_into(recurrent_kernel[:, g * u:(g + 1) * u], out[g])  # arrays.py
    return out


@njit(cache=True)
def gate_kernels_transposed(recurrent_kernel, gates):
    """(G, u, u): each gate's U_g.T, contiguous (the backward's per-gate GEMMs)."""
    out = gate_kernels(recurrent_kernel, gates)
    for g in range(gates):
        copy_into(out[g].T.copy(), out[g])
    return out


@njit(inline="always")
def step_scratch(batch, width, u, dtype):
    """A forward loop's per-step rows: (batch, width) for the step's pre-activations, then
    three (batch, u); each slab uses its own rows."""
    return (np.empty((batch, width), dtype), np.empty((batch, u), dtype),
            np.empty((batch, u), dtype), np.empty((batch, u), dtype))


@njit(cache=True, error_model="numpy")
def recurrent_term(h, kernel, gate_kernels, recurrent_mask, dropout, z, masked, term, r0, r1,
                   block):
    """z[r0:r1] = h @ U, or with recurrent dropout, per gate (h * r_g) @ U_g."""
    if not dropout:
        blocks.gemm_rows(h, kernel, z, r0, r1, block)
        return
    u = h.shape[1]
    for g in range(gate_kernels.shape[0]):
        for b in range(r0, r1):
            for j in range(u):
                masked[b, j] = h[b, j] * recurrent_mask[g, b, j]
        blocks.gemm_rows(masked, gate_kernels[g], term, r0, r1, block)
        for b in range(r0, r1):
            for j in range(u):
                z[b, g * u + j] = term[b, j]


# ---- forward --------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def _forward_rows(xz, kernel, gate_kernels, recurrent_mask, dropout, h, c, mask, gates, hprev,
                  cprev, cnew, outputs, activation, recurrent_activation, zero_output_for_mask,
                  block, scratch, out, r0, r1):
    """All the steps for rows r0:r1 (one thread's slab)."""
    steps, batch, width = gates.shape
    lstm = c.shape[1] > 0
    z, masked, term, h_new = scratch  # (batch, width), then 3 x (batch, u); rows r0:r1 used
    for t in range(steps):
        for b in range(r0, r1):
            for j in range(h.shape[1]):
                hprev[t, b, j] = h[b, j]
            for j in range(c.shape[1]):
                cprev[t, b, j] = c[b, j]
        recurrent_term(h, kernel, gate_kernels, recurrent_mask, dropout, z, masked, term, r0,
                       r1, block)
        for b in range(r0, r1):
            for j in range(width):
                z[b, j] += xz[b, t, j]
            used = mask[b, t] != 0
            if lstm:
                lstm_cell_forward(z[b], cprev[t, b], gates[t, b], cnew[t, b], h_new[b],
                                  activation, recurrent_activation)
                keep_or_update(c[b], cnew[t, b], used)
            else:
                simple_rnn_cell_forward(z[b], gates[t, b], activation)
                copy_vector_into(gates[t, b], h_new[b])
            keep_or_update(h[b], h_new[b], used)
            step_output(out[b], h_new[b], outputs[t, b], used, zero_output_for_mask)


@njit(cache=True, parallel=blocks.PRANGE_ONLY)
def forward_core(xz, recurrent_kernel, recurrent_mask, dropout, h, c, mask, activation,
                 recurrent_activation, zero_output_for_mask, threads, limit):
    """The forward loop on fresh time-major buffers; h (batch, u) and c (batch, u; width 0
    for SimpleRNN) are updated in place. xz (batch, T, G u), recurrent_kernel (u, G u),
    recurrent_mask (G, batch, u; read only with dropout) and mask contiguous, one dtype.
    Returns outputs, hprev, cprev, gates, cnew, each (T, batch, .). The caller sets the
    thread count (blocks.using_threads)."""
    batch, steps, width = xz.shape
    u = h.shape[1]
    gates = np.empty((steps, batch, width), xz.dtype)
    hprev = np.empty((steps, batch, u), xz.dtype)
    outputs = np.empty_like(hprev)
    cprev = np.empty((steps, batch, c.shape[1]), xz.dtype)
    cnew = np.empty_like(cprev)
    kernels = gate_kernels(recurrent_kernel, width // u if dropout else 0)
    scratch = step_scratch(batch, width, u, xz.dtype)
    out = np.zeros((batch, u), xz.dtype)
    slab = blocks.slab_size(batch, u * width, threads, limit)
    block = blocks.block_size(u * width, limit)
    for p in prange(blocks.slab_count(batch, slab)):
        _forward_rows(xz, recurrent_kernel, kernels, recurrent_mask, dropout, h, c, mask,
                      gates, hprev, cprev, cnew, outputs, activation, recurrent_activation,
                      zero_output_for_mask, block, scratch, out, p * slab,
                      min(batch, (p + 1) * slab))
    return outputs, hprev, cprev, gates, cnew


def _forward(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, codes, zero_output_for_mask,
             plan):
    dtype = xz.dtype
    h = h0.astype(dtype, order="C", copy=True)  # updated in place
    c = (np.empty((h.shape[0], 0), dtype) if c0 is None
         else c0.astype(dtype, order="C", copy=True))
    dropout = bool(np.any(recurrent_mask != 1))
    with blocks.LAUNCH, blocks.using_threads(plan.threads), blocks.blas_on_calling_thread():
        caches = forward_core(
            np.ascontiguousarray(xz), np.ascontiguousarray(recurrent_kernel, dtype),
            np.ascontiguousarray(recurrent_mask, dtype), dropout, h, c,
            np.ascontiguousarray(mask, dtype), *codes, bool(zero_output_for_mask),
            plan.threads, plan.block_limit)
    return h, c, [a.transpose(1, 0, 2) for a in caches]  # (batch, T, .) views


def lstm_forward_gemm(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                      recurrent_activation, zero_output_for_mask, plan):
    h, c, (outputs, hprev, cprev, gates, cnew) = _forward(
        xz, recurrent_kernel, h0, c0, mask, recurrent_mask, (activation, recurrent_activation),
        zero_output_for_mask, plan)
    return outputs, h, c, hprev, cprev, gates, cnew


def simple_rnn_forward_gemm(xz, recurrent_kernel, h0, mask, recurrent_mask, activation,
                            zero_output_for_mask, plan):
    h, _, (outputs, hprev, _, hnew, _) = _forward(
        xz, recurrent_kernel, h0, None, mask, recurrent_mask, (activation, activation),
        zero_output_for_mask, plan)
    return outputs, h, hprev, hnew


# ---- inference: predict's forward pass, nothing kept for backward --------------------------
@njit(cache=True, error_model="numpy")
def inference_core(x, kernel, bias, recurrent_kernel, h0, c0, activation, recurrent_activation):
    """The input projection and the forward loop in one call, on this thread, for a batch
    without mask or dropout: outputs (batch, T, u) of x (batch, T, features), and the final
    h and c (c0 of width 0 for SimpleRNN); no cache. The same numbers as dense_forward then
    forward_core where the layer would run that loop as one GEMM of all rows per step
    (kernels/plan.py: inference_in_one_call); what it saves is the Python between them, the
    cache buffers and the thread launch: W6's LSTM(64) on one sample, 30 steps, 53 -> 26 us."""
    batch, steps, features = x.shape
    width = recurrent_kernel.shape[1]
    xz = dense_forward(x.reshape(batch * steps, features), kernel, bias)
    h, c = h0.copy(), c0.copy()
    outputs = np.empty((batch, steps, h.shape[1]), x.dtype)
    z = np.empty((batch, width), x.dtype)
    gates = np.empty(width, x.dtype)
    c_new = np.empty(c.shape[1], x.dtype)
    for t in range(steps):
        np.dot(h, recurrent_kernel, z)
        for b in range(batch):
            for j in range(width):
                z[b, j] += xz[b * steps + t, j]
            if c.shape[1] > 0:
                lstm_cell_forward(z[b], c[b], gates, c_new, outputs[b, t], activation,
                                  recurrent_activation)
                copy_vector_into(c_new, c[b])
            else:
                simple_rnn_cell_forward(z[b], outputs[b, t], activation)
            copy_vector_into(outputs[b, t], h[b])
    return outputs, h, c


def _inference(x, kernel, bias, recurrent_kernel, h0, c0, codes):
    dtype = x.dtype
    c0 = np.empty((h0.shape[0], 0), dtype) if c0 is None else c0
    return inference_core(np.ascontiguousarray(x), np.ascontiguousarray(kernel), bias,
                          np.ascontiguousarray(recurrent_kernel),
                          np.ascontiguousarray(h0, dtype), np.ascontiguousarray(c0, dtype),
                          *codes)


def lstm_inference(x, kernel, bias, recurrent_kernel, h0, c0, activation, recurrent_activation):
    return _inference(x, kernel, bias, recurrent_kernel, h0, c0,
                      (activation, recurrent_activation))


def simple_rnn_inference(x, kernel, bias, recurrent_kernel, h0, activation):
    outputs, h, _ = _inference(x, kernel, bias, recurrent_kernel, h0, None,
                               (activation, activation))
    return outputs, h


# ---- backward -------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def recurrent_backward(dz, hprev_t, kernel_t, gate_kernels_t, recurrent_mask, dropout,
                       dh_recurrent, parts, masked, column, term_g, square, s, e):
    """Rows s:e: dh_recurrent = dz @ U.T; or with recurrent dropout, per gate
    (dz_g @ U_g.T) * r_g, and parts += (h_{t-1} * r_g)^T @ dz_g (without dropout,
    drecurrent_kernel waits for the whole loop: kernel_gradient)."""
    if not dropout:
        np.dot(dz[s:e], kernel_t, dh_recurrent[s:e])
        return
    u = hprev_t.shape[1]
    dh_recurrent[s:e] = 0
    for g in range(gate_kernels_t.shape[0]):
        for b in range(s, e):
            for j in range(u):
                column[b, j] = dz[b, g * u + j]
                masked[b, j] = hprev_t[b, j] * recurrent_mask[g, b, j]
        np.dot(column[s:e], gate_kernels_t[g], square[s:e])
        for b in range(s, e):
            for j in range(u):
                dh_recurrent[b, j] += square[b, j] * recurrent_mask[g, b, j]
        np.dot(masked[s:e].T, column[s:e], term_g)
        for q in range(u):
            for j in range(u):
                parts[q, g * u + j] += term_g[q, j]


@njit(cache=True, error_model="numpy")
def _backward_rows(dout, dh, dc, kernel_t, gate_kernels_t, recurrent_mask, dropout, mask,
                   gates, hprev, cprev, cnew, dxz, parts, activation, recurrent_activation,
                   zero_output_for_mask, block, scratch, r0, r1):
    """All the steps, last first, for rows r0:r1 (one thread's slab); parts (u, G u) is the
    slab's drecurrent_kernel."""
    steps, batch, width = gates.shape
    u = dh.shape[1]
    lstm = dc.shape[1] > 0
    dh_recurrent, carry, dh_new, masked, column, square, a = scratch  # (batch, u) each
    for b in range(r0, r1):
        dh_recurrent[b] = 0  # dz_{t+1} @ U.T
        carry[b] = 0
    term_g = np.empty((u, u), dh.dtype)  # one gate's h_{t-1}^T @ dz_t, with recurrent dropout
    for t in range(steps - 1, -1, -1):
        dz = dxz[t]
        for b in range(r0, r1):
            used = mask[b, t] != 0
            for j in range(u):
                dh[b, j] += dh_recurrent[b, j]
            state_gradient(dout[b, t], carry[b], dh[b], dh_new[b], used, zero_output_for_mask)
            if not used:  # dh (and dc) pass through unchanged
                for j in range(width):
                    dz[b, j] = 0
                continue
            if lstm:
                lstm_cell_backward(dh_new[b], dc[b], gates[t, b], cprev[t, b], cnew[t, b], a[b],
                                   dz[b], activation, recurrent_activation)
            else:
                simple_rnn_cell_backward(dh_new[b], gates[t, b], dz[b], activation)
            for j in range(u):
                dh[b, j] = 0
        for s in range(r0, r1, block):
            recurrent_backward(dz, hprev[t], kernel_t, gate_kernels_t, recurrent_mask,
                               dropout, dh_recurrent, parts, masked, column, term_g,
                               square, s, min(r1, s + block))
    for b in range(r0, r1):
        for j in range(u):
            dh[b, j] += dh_recurrent[b, j]


@njit(cache=True, error_model="numpy")
def _kernel_gradient_chunk(hprev, dxz, part, chunks, p):
    """part = sum over chunk p's steps t and every row of h_{t-1}^T @ dz_t: one GEMM of
    (u, steps * batch) @ (steps * batch, G u) on the time-major buffers."""
    steps, batch, u = hprev.shape
    t0, t1 = blocks.chunk_bounds(steps, chunks, p)
    if t1 > t0:
        rows = (t1 - t0) * batch
        np.dot(hprev[t0:t1].reshape(rows, u).T, dxz[t0:t1].reshape(rows, dxz.shape[2]), part)


@njit(cache=True, parallel=True, error_model="numpy")
def kernel_gradient(hprev, dxz, parts):
    """drecurrent_kernel without recurrent dropout, once the time loop is done: the steps cut
    into parts.shape[0] chunks (the slab count: it does not depend on the threads, so neither
    do the bits), chunk p's GEMM into parts[p], over the threads. One big GEMM per chunk
    instead of a thin one per step and slab (K = the slab's rows, 16 at W8). Measured on this
    project's 2-core AMD EPYC, the backward kernel alone, both versions alternated in one
    process (ms, min of 60, 2 threads; AVX2 / AVX-512 OpenBLAS kernels), per step -> after:
        LSTM(128) batch 32, 80 steps (W8)   6.16 -> 5.41    4.61 -> 3.88
        LSTM(128) batch 64, 80 steps      11.13 -> 10.40    8.26 -> 7.64
        LSTM(64)  batch 64, 30 steps (W6)   0.96 -> 0.91    0.44 -> 0.47
        LSTM(64)  batch 32, 80 steps        2.38 -> 2.21    0.98 -> 1.02
    (the one loss: at 64 units, AVX-512 kernels, a thin GEMM is already quick and the chunks
    read the caches back from memory). These GEMMs are not cut to the plan's block limit:
    where SciPy's BLAS cannot be kept on the calling thread (plan.blas_pinnable() False, a
    SciPy without its bundled OpenBLAS) they may wake its thread pool (blocks.py: why that
    is slow; the numbers are the same)."""
    chunks = parts.shape[0]
    for p in prange(chunks):
        _kernel_gradient_chunk(hprev, dxz, parts[p], chunks, p)


@njit(cache=True, parallel=blocks.PRANGE_ONLY)
def backward_core(doutputs, dh, dc, recurrent_kernel, recurrent_mask, dropout, mask, hprev,
                  cprev, gates, cnew, activation, recurrent_activation, zero_output_for_mask,
                  threads, limit):
    """Backward of forward_core from its time-major caches; dh, dc (batch, u; dc width 0 for
    SimpleRNN) go in as the gradients on the last states and come out as those on the initial
    ones. Returns dxz (T, batch, G u) and drecurrent_kernel (summed part by part: slabs of
    rows with recurrent dropout, else chunks of steps)."""
    steps, batch, width = gates.shape
    u = dh.shape[1]
    slab = blocks.slab_size(batch, width * u, threads, limit)
    block = blocks.block_size(width * u, limit)
    parts = np.zeros((blocks.slab_count(batch, slab), u, width), gates.dtype)
    dxz = np.empty((steps, batch, width), gates.dtype)
    kernel_t = np.ascontiguousarray(recurrent_kernel.T)
    gate_kernels_t = gate_kernels_transposed(recurrent_kernel, width // u if dropout else 0)
    scratch = (np.empty((batch, u), dh.dtype), np.empty((batch, u), dh.dtype),
               np.empty((batch, u), dh.dtype), np.empty((batch, u), dh.dtype),
               np.empty((batch, u), dh.dtype), np.empty((batch, u), dh.dtype),
               np.empty((batch, u), dh.dtype))
    for p in prange(parts.shape[0]):
        _backward_rows(doutputs, dh, dc, kernel_t, gate_kernels_t, recurrent_mask, dropout,
                       mask, gates, hprev, cprev, cnew, dxz, parts[p], activation,
                       recurrent_activation, zero_output_for_mask, block, scratch, p * slab,
                       min(batch, (p + 1) * slab))
    if not dropout:
        kernel_gradient(hprev, dxz, parts)
    for p in range(1, parts.shape[0]):
        add_into(parts[p], parts[0])
    return dxz, parts[0]


def _backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
              cprev, gates, cnew, codes, zero_output_for_mask, plan):
    dtype = gates.dtype  # the forward's; gradients of another dtype are cast to it
    dh = dh_last.astype(dtype, order="C", copy=True)
    dc = (np.empty((dh.shape[0], 0), dtype) if dc_last is None
          else dc_last.astype(dtype, order="C", copy=True))
    empty = np.empty((hprev.shape[0], hprev.shape[1], 0), dtype)
    with blocks.LAUNCH, blocks.using_threads(plan.threads), blocks.blas_on_calling_thread():
        dxz, drecurrent_kernel = backward_core(
            np.ascontiguousarray(doutputs, dtype), dh, dc,
            np.ascontiguousarray(recurrent_kernel, dtype),
            np.ascontiguousarray(recurrent_mask, dtype), bool(np.any(recurrent_mask != 1)),
            np.ascontiguousarray(mask, dtype),
            *(time_major(a) for a in (hprev, empty if cprev is None else cprev, gates,
                                      empty if cnew is None else cnew)),
            *codes, bool(zero_output_for_mask), plan.threads, plan.block_limit)
    return dxz.transpose(1, 0, 2), drecurrent_kernel, dh, dc


def lstm_backward_gemm(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                       hprev, cprev, gates, cnew, activation, recurrent_activation,
                       zero_output_for_mask, plan):
    return _backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask, hprev,
                     cprev, gates, cnew, (activation, recurrent_activation),
                     zero_output_for_mask, plan)


def simple_rnn_backward_gemm(doutputs, dh_last, recurrent_kernel, mask, recurrent_mask, hprev,
                             hnew, activation, zero_output_for_mask, plan):
    dxz, drecurrent_kernel, dh, _ = _backward(
        doutputs, dh_last, None, recurrent_kernel, mask, recurrent_mask, hprev, None, hnew,
        None, (activation, activation), zero_output_for_mask, plan)
    return dxz, drecurrent_kernel, dh
