"""The LSTM time loops behind `numba_fast/rnn.py` for large layers: GEMMs plus SIMD gates.

At W6's size (batch 64, 64 units) a step is a (batch, u) @ (u, 4u) GEMM and 5 * batch * u
transcendentals. Compiled scalar libm calls cost ~15 ns each there, NumPy's SIMD tanh ~0.3 ns,
so this loop keeps the GEMMs in BLAS and the transcendentals in NumPy ufuncs, with the
arithmetic between them in small compiled kernels, all on buffers allocated once per call:

    forward, step t:  z = (h_{t-1} @ U + xz_t) * s          s = 1/2 on the sigmoid gates, 1 on g
                      z = tanh(z)                           sigmoid(x) = tanh(x / 2) / 2 + 1/2
                      i f g o from z; c_new = f * c + i * g (compiled: `_lstm_gates_and_cell`)
                      h_new = o * tanh(c_new)               (compiled: `_lstm_output`, masking)
    backward, step t: dz_t from the cached gates and tanh(c_new) (compiled: `_lstm_dz`)
                      dh_{t-1} += dz_t @ U.T                (one GEMM)
                      drecurrent_kernel += h_{t-1}^T @ dz_t (one GEMM)

Scaling by 1/2 is exact in binary floating point, so z * s loses nothing. Only Keras's default
activations (tanh, sigmoid) and no recurrent dropout take this loop (`rnn.py` picks); the
equations, shapes and masking rules are `numpy_ref/rnn.py`'s. Buffers are time-major
(T, batch, .) so each step's slice is contiguous for BLAS; the caches go out as (batch, T, .)
views of them, the reference's shapes, and come back into backward as the same buffers.
"""

import numpy as np
from numba import njit

from .rnn_fused import _output_grad

TANH, SIGMOID = 1, 2  # the activation codes this loop implements
# OpenBLAS runs a GEMM of up to 4 * 65536 multiply-adds on the calling thread and wakes its
# thread pool for bigger ones; the woken threads then spin, and on 2 shared cores they take
# the core the time loop needs (measured at W6's 64 x 64 @ 64 x 256 between compiled kernels:
# one GEMM 0.5-5.5 ms, the same as four 16-row GEMMs 0.03-0.06 ms). So every GEMM of the
# loop is split into row blocks under that size, and drecurrent_kernel is accumulated step
# by step rather than in one 30-step GEMM (forward + backward of W6's batch, float32, default
# threads, a loaded machine: 46-52 ms with the one GEMM, 15 ms step by step, the same as with
# OPENBLAS_NUM_THREADS=1). Large batches too (W6's predict of 10,000 sequences in batches of
# 1024: 2.8-4.0 s with one GEMM a step, 0.47-0.67 s in 16-row blocks). The price: on a
# machine with idle cores the big GEMMs forgo BLAS's threads.
SINGLE_THREAD_MACS = 4 * 65536


def gemm_applies(activation, recurrent_activation, recurrent_mask):
    """True when this loop computes the layer: tanh/sigmoid, no recurrent dropout."""
    return (activation == TANH and recurrent_activation == SIGMOID
            and not np.any(recurrent_mask != 1))


def _gate_scale(u, dtype):
    """s (4u,): 1/2 on the i, f, o columns (sigmoid via tanh), 1 on the g columns."""
    scale = np.full(4 * u, 0.5, dtype)
    scale[2 * u:3 * u] = 1
    return scale


def _row_blocks(rows, inner, cols):
    """Row slices for `_matmul_into`: each block's GEMM stays on one thread when it can."""
    per_block = max(1, SINGLE_THREAD_MACS // max(1, inner * cols))
    return [slice(r, r + per_block) for r in range(0, rows, per_block)]


def _matmul_into(a, b, out, blocks):
    """out = a @ b, one BLAS call per row block."""
    for rows in blocks:
        np.matmul(a[rows], b, out=out[rows])


def _time_major(a):
    """(batch, T, k) -> contiguous (T, batch, k); free for the views this module hands out."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


@njit(cache=True)
def _lstm_gates_and_cell(z, c, m, cprev_t, cnew_t):
    """z (batch, 4u): tanh of the scaled pre-activations -> the gates i f g o, in place;
    cprev_t = c; cnew_t = f * c + i * g; c = cnew_t where the step is used (m != 0)."""
    batch, u = c.shape
    for b in range(batch):
        for j in range(u):
            i = 0.5 * z[b, j] + 0.5
            f = 0.5 * z[b, u + j] + 0.5
            g = z[b, 2 * u + j]
            z[b, j] = i
            z[b, u + j] = f
            z[b, 3 * u + j] = 0.5 * z[b, 3 * u + j] + 0.5
            cprev_t[b, j] = c[b, j]
            cnew_t[b, j] = f * c[b, j] + i * g
            if m[b] != 0:
                c[b, j] = cnew_t[b, j]


@njit(cache=True)
def _lstm_output(gates_t, tanh_c, h, out, m, outputs_t, zero_output_for_mask):
    """h_new = o * tanh(c_new); the masked update of h and the output; outputs_t = out."""
    batch, u = h.shape
    for b in range(batch):
        for j in range(u):
            h_new = gates_t[b, 3 * u + j] * tanh_c[b, j]
            if m[b] != 0:
                h[b, j] = h_new
                out[b, j] = h_new
            elif zero_output_for_mask:
                out[b, j] = 0
            outputs_t[b, j] = out[b, j]


@njit(cache=True)
def _lstm_dz(dout_t, dh, dh_recurrent, dc, dout_carry, m, gates_t, cprev_t, tanh_c, dz,
             zero_output_for_mask):
    """dz (batch, 4u) of step t; dc becomes dc_{t-1}; dh keeps what skips the matmul.

    dh + dh_recurrent is the gradient on h_t (dh_recurrent = dz_{t+1} @ U.T)."""
    batch, u = dh.shape
    for b in range(batch):
        for j in range(u):
            dout = _output_grad(dout_t[b, j], dout_carry, b, j, m[b] != 0, zero_output_for_mask)
            dh_total = dh[b, j] + dh_recurrent[b, j]
            if m[b] == 0:
                dh[b, j] = dh_total
                for g in range(4):
                    dz[b, g * u + j] = 0
                continue
            i = gates_t[b, j]
            f = gates_t[b, u + j]
            g = gates_t[b, 2 * u + j]
            o = gates_t[b, 3 * u + j]
            a = tanh_c[b, j]
            dh_new = dout + dh_total
            dc_new = dc[b, j] + dh_new * o * (1 - a * a)
            dz[b, j] = dc_new * g * (i * (1 - i))
            dz[b, u + j] = dc_new * cprev_t[b, j] * (f * (1 - f))
            dz[b, 2 * u + j] = dc_new * i * (1 - g * g)
            dz[b, 3 * u + j] = dh_new * a * (o * (1 - o))
            dc[b, j] = dc_new * f
            dh[b, j] = 0


def _lstm_forward_gemm(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                       recurrent_activation, zero_output_for_mask):
    batch, steps, four_u = xz.shape
    u = four_u // 4
    dtype = xz.dtype
    scale = _gate_scale(u, dtype)
    scaled_kernel = recurrent_kernel * scale  # exact: the scales are powers of two
    scaled_xz = (xz * scale).transpose(1, 0, 2)  # (T, batch, 4u) view
    gates = np.empty((steps, batch, four_u), dtype)
    hprev, cprev, cnew, outputs = (np.empty((steps, batch, u), dtype) for _ in range(4))
    h, c = h0.astype(dtype, copy=True), c0.astype(dtype, copy=True)
    out = np.zeros_like(h)
    tanh_c = np.empty_like(h)
    mask_tm = np.ascontiguousarray(mask.T)
    blocks = _row_blocks(batch, u, four_u)
    for t in range(steps):
        hprev[t] = h
        z = gates[t]
        _matmul_into(h, scaled_kernel, z, blocks)
        np.add(z, scaled_xz[t], out=z)
        np.tanh(z, out=z)
        _lstm_gates_and_cell(z, c, mask_tm[t], cprev[t], cnew[t])
        np.tanh(cnew[t], out=tanh_c)
        _lstm_output(z, tanh_c, h, out, mask_tm[t], outputs[t], zero_output_for_mask)
    outputs, hprev, cprev, gates, cnew = (a.transpose(1, 0, 2)  # (batch, T, .) views
                                          for a in (outputs, hprev, cprev, gates, cnew))
    return outputs, h, c, hprev, cprev, gates, cnew


def _lstm_backward_gemm(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                        hprev, cprev, gates, cnew, activation, recurrent_activation,
                        zero_output_for_mask):
    batch, steps, u = doutputs.shape
    dtype = doutputs.dtype
    hprev, cprev, gates, cnew = (_time_major(a) for a in (hprev, cprev, gates, cnew))
    dout_tm = doutputs.transpose(1, 0, 2)
    mask_tm = np.ascontiguousarray(mask.T)
    dxz = np.empty((steps, batch, 4 * u), dtype)
    dh = dh_last.astype(dtype, copy=True)
    dc = dc_last.astype(dtype, copy=True)
    dh_recurrent = np.zeros_like(dh)
    dout_carry = np.zeros_like(dh)
    tanh_c = np.empty_like(dh)
    kernel_t = np.ascontiguousarray(recurrent_kernel.T)
    hprev_t = np.ascontiguousarray(hprev.transpose(0, 2, 1))  # (T, u, batch): h_{t-1}^T
    drecurrent_kernel = np.zeros((u, 4 * u), dtype)
    step_term = np.empty_like(drecurrent_kernel)
    blocks, kernel_blocks = _row_blocks(batch, 4 * u, u), _row_blocks(u, batch, 4 * u)
    for t in range(steps - 1, -1, -1):
        np.tanh(cnew[t], out=tanh_c)
        _lstm_dz(dout_tm[t], dh, dh_recurrent, dc, dout_carry, mask_tm[t], gates[t], cprev[t],
                 tanh_c, dxz[t], zero_output_for_mask)
        _matmul_into(dxz[t], kernel_t, dh_recurrent, blocks)
        _matmul_into(hprev_t[t], dxz[t], step_term, kernel_blocks)
        drecurrent_kernel += step_term
    dh += dh_recurrent
    return dxz.transpose(1, 0, 2), drecurrent_kernel, dh, dc
