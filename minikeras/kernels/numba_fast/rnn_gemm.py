"""The LSTM time loops behind `numba_fast/rnn.py` for large layers: BLAS GEMMs and
vectorized gates in one compiled loop, the batch split over threads.

At W6's size (batch 64, 64 units) a step is a (batch, u) @ (u, 4u) GEMM and 5 * batch * u
transcendentals. The whole sequence runs in one compiled function per direction:

    forward, step t:  z = h_{t-1} @ U + xz_t                (BLAS, numba's np.dot)
                      i f o = tanh(z / 2) / 2 + 1/2,  g = tanh(z)
                      c_new = f * c + i * g,  h_new = o * tanh(c_new)     (masking as the reference)
    backward, step t: dz_t from the cached gates and tanh(c_new)
                      dh_{t-1} += dz_t @ U.T                (BLAS)
                      drecurrent_kernel += h_{t-1}^T @ dz_t (BLAS)

Samples are independent through the time loop, so the batch is cut into one slab of rows per
thread (`prange`); each thread runs all the steps on its slab, with its GEMMs in row blocks
that keep OpenBLAS on the calling thread (blocks.py says why), and keeps its own
drecurrent_kernel, summed at the end. tanh is `_tanh` below: a polynomial written so LLVM
vectorizes it (compiled libm calls are scalar, ~15 ns each; this is ~0.7 ns). Only Keras's
default activations (tanh, sigmoid) and no recurrent dropout take this loop (`rnn.py`
picks); the equations, shapes and masking rules are `numpy_ref/rnn.py`'s. Buffers are
time-major (T, batch, .) so each step's rows are contiguous for BLAS; the caches go out as
(batch, T, .) views of them, the reference's shapes, and come back into backward as the same
buffers.
"""

import math

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from ..codes import SIGMOID, TANH
from . import blocks
from .rnn_fused import _output_grad


def gemm_applies(activation, recurrent_activation, recurrent_mask):
    """True when this loop computes the layer: tanh/sigmoid, no recurrent dropout."""
    return (activation == TANH and recurrent_activation == SIGMOID
            and not np.any(recurrent_mask != 1))


# ---- tanh, vectorizable -----------------------------------------------------------
def _tanh(a):
    """tanh(a) in a's precision. float32: at most 3 ulp from the correctly rounded value
    (NumPy's float32 tanh: 1 ulp). How often it is exactly that value depends on the inputs:
    92.7% on a grid over [-12, 12], normals and log-spaced tiny values (NumPy: 70%), 74.8% on
    evenly spaced float32 bit patterns in [1e-6, 9.2] (NumPy: 84.1%). float64 calls libm.
    Note: numba's cache watches each file alone; after editing this or blocks.py, clear
    `__pycache__` so the cached loops that call them are recompiled."""
    return np.tanh(a)


@njit(error_model="numpy", fastmath={"contract"})
def _tanh_float32(a):
    # tanh |a| = m / (m + 2) with m = e^y - 1, y = 2|a| (|a| clamped to 9.1: past it float32
    # tanh is 1). m = 2^k (1 + p) - 1 where y = k ln 2 + r, |r| <= ln(2) / 2 (ln 2 split in a
    # short head and a tail, so k ln 2 is exact enough) and p = e^r - 1 by its Taylor series to
    # r^7. 2^k is an integer shift (k <= 26). All float32, no calls, no branches but selects,
    # so LLVM vectorizes a loop of these 8 lanes wide: ~0.7 ns each here (libm: ~15 ns).
    f = np.float32
    x = min(abs(a), f(9.1))
    y = x + x
    k = np.int32(y * f(1.4426950408889634) + f(0.5))  # round(y / ln 2); y >= 0
    kf = f(k)
    r = (y - kf * f(0.693145751953125)) - kf * f(1.4286068203094173e-06)
    p = r * (f(1) + r * (f(1 / 2) + r * (f(1 / 6) + r * (f(1 / 24) + r * (f(1 / 120) + r * (
        f(1 / 720) + r * f(1 / 5040)))))))
    two_k = f(np.int32(1) << k)
    m = two_k * p + (two_k - f(1))
    return np.float32(math.copysign(m / (m + f(2)), a))


@overload(_tanh)
def _tanh_impl(a):
    if isinstance(a, types.Float) and a.bitwidth == 32:
        return lambda a: _tanh_float32(a)
    return lambda a: math.tanh(a)


# ---- helpers --------------------------------------------------------------------------------
@njit(cache=True)
def _gate_affine(u, dtype):
    """scale, shift (4u,): gate = scale * tanh(scale * z) + shift is sigmoid on the i, f, o
    columns (scale = shift = 1/2: exact in binary, so no rounding is added) and tanh on g."""
    scale = np.full(4 * u, 0.5, dtype)
    shift = np.full(4 * u, 0.5, dtype)
    scale[2 * u:3 * u] = 1
    shift[2 * u:3 * u] = 0
    return scale, shift


def _time_major(a):
    """(batch, T, k) -> contiguous (T, batch, k); free for the views this module hands out."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


# ---- forward --------------------------------------------------------------------------------
@njit(cache=True, parallel=True, error_model="numpy")
def _lstm_forward_loop(xz, kernel, h, c, out, mask, gates, hprev, cprev, cnew, outputs,
                       zero_output_for_mask, slab, block, scale, shift):
    steps, batch, four_u = gates.shape
    u = four_u // 4
    for p in prange(blocks.slab_count(batch, slab)):
        r0 = p * slab
        r1 = min(batch, r0 + slab)
        for t in range(steps):
            z = gates[t]
            for b in range(r0, r1):
                for j in range(u):
                    hprev[t, b, j] = h[b, j]
            blocks.gemm_rows(h, kernel, z, r0, r1, block)
            for b in range(r0, r1):
                used = mask[b, t] != 0
                for j in range(four_u):  # i f o = tanh(z / 2) / 2 + 1/2, g = tanh(z)
                    a = scale[j] * (z[b, j] + xz[b, t, j])
                    z[b, j] = scale[j] * _tanh(a) + shift[j]
                for j in range(u):
                    cprev[t, b, j] = c[b, j]
                    cnew[t, b, j] = z[b, u + j] * c[b, j] + z[b, j] * z[b, 2 * u + j]
                    h_new = z[b, 3 * u + j] * _tanh(cnew[t, b, j])
                    if used:
                        c[b, j] = cnew[t, b, j]
                        h[b, j] = h_new
                        out[b, j] = h_new
                    elif zero_output_for_mask:
                        out[b, j] = 0
                    outputs[t, b, j] = out[b, j]


@njit(cache=True)
def lstm_forward_gemm_core(xz, recurrent_kernel, h, c, mask, zero_output_for_mask, threads,
                           limit):
    """The forward loop on fresh time-major buffers; h, c (batch, u) are updated in place.
    Returns outputs, hprev, cprev, gates, cnew, each (T, batch, .). xz (batch, T, 4u),
    recurrent_kernel and mask contiguous, all of one dtype."""
    batch, steps, four_u = xz.shape
    u = four_u // 4
    gates = np.empty((steps, batch, four_u), xz.dtype)
    hprev = np.empty((steps, batch, u), xz.dtype)
    cprev, cnew, outputs = np.empty_like(hprev), np.empty_like(hprev), np.empty_like(hprev)
    scale, shift = _gate_affine(u, xz.dtype)
    _lstm_forward_loop(xz, recurrent_kernel, h, c, np.zeros_like(h), mask, gates, hprev, cprev,
                       cnew, outputs, zero_output_for_mask,
                       blocks.slab_size(batch, u * four_u, threads, limit),
                       blocks.block_size(u * four_u, limit), scale, shift)
    return outputs, hprev, cprev, gates, cnew


def _lstm_forward_gemm(xz, recurrent_kernel, h0, c0, mask, recurrent_mask, activation,
                       recurrent_activation, zero_output_for_mask):
    dtype = xz.dtype
    h, c = (s.astype(dtype, order="C", copy=True) for s in (h0, c0))  # updated in place
    with blocks.LAUNCH:
        outputs, hprev, cprev, gates, cnew = lstm_forward_gemm_core(
            np.ascontiguousarray(xz), np.ascontiguousarray(recurrent_kernel, dtype), h, c,
            np.ascontiguousarray(mask, dtype), bool(zero_output_for_mask), *blocks.plan())
    outputs, hprev, cprev, gates, cnew = (a.transpose(1, 0, 2)  # (batch, T, .) views
                                          for a in (outputs, hprev, cprev, gates, cnew))
    return outputs, h, c, hprev, cprev, gates, cnew


# ---- backward -------------------------------------------------------------------------------
@njit(cache=True, parallel=True, error_model="numpy")
def _lstm_backward_loop(dout, dh, dc, kernel_t, mask, gates, hprev, cprev, cnew, dxz,
                        drecurrent_parts, zero_output_for_mask, slab, block):
    steps, batch, four_u = gates.shape
    u = four_u // 4
    for p in prange(drecurrent_parts.shape[0]):
        r0 = p * slab
        r1 = min(batch, r0 + slab)
        dh_recurrent = np.zeros((r1 - r0, u), dh.dtype)  # dz_{t+1} @ U.T for this slab
        dout_carry = np.zeros((r1 - r0, u), dh.dtype)
        step_term = np.empty((u, four_u), dh.dtype)
        for t in range(steps - 1, -1, -1):
            dz = dxz[t]
            for b in range(r0, r1):
                used = mask[b, t] != 0
                k = b - r0
                for j in range(u):
                    d_out = _output_grad(dout[b, t, j], dout_carry, k, j, used,
                                         zero_output_for_mask)
                    dh_total = dh[b, j] + dh_recurrent[k, j]
                    if not used:
                        dh[b, j] = dh_total
                        dz[b, j] = 0
                        dz[b, u + j] = 0
                        dz[b, 2 * u + j] = 0
                        dz[b, 3 * u + j] = 0
                        continue
                    i = gates[t, b, j]
                    f = gates[t, b, u + j]
                    g = gates[t, b, 2 * u + j]
                    o = gates[t, b, 3 * u + j]
                    a = _tanh(cnew[t, b, j])
                    dh_new = d_out + dh_total
                    dc_new = dc[b, j] + dh_new * o * (1 - a * a)
                    dz[b, j] = dc_new * g * (i * (1 - i))
                    dz[b, u + j] = dc_new * cprev[t, b, j] * (f * (1 - f))
                    dz[b, 2 * u + j] = dc_new * i * (1 - g * g)
                    dz[b, 3 * u + j] = dh_new * a * (o * (1 - o))
                    dc[b, j] = dc_new * f
                    dh[b, j] = 0
            for s in range(r0, r1, block):
                e = min(r1, s + block)
                np.dot(dz[s:e], kernel_t, dh_recurrent[s - r0:e - r0])
                np.dot(hprev[t, s:e].T, dz[s:e], step_term)
                for q in range(u):
                    for j in range(four_u):
                        drecurrent_parts[p, q, j] += step_term[q, j]
        for b in range(r0, r1):
            for j in range(u):
                dh[b, j] += dh_recurrent[b - r0, j]


@njit(cache=True)
def lstm_backward_gemm_core(doutputs, dh, dc, recurrent_kernel, mask, hprev, cprev, gates,
                            cnew, zero_output_for_mask, threads, limit):
    """Backward of lstm_forward_gemm_core from its time-major caches; dh, dc (batch, u) go in
    as the gradients on the last state and come out as those on the initial one.
    Returns dxz (T, batch, 4u) and drecurrent_kernel (summed slab by slab)."""
    steps, batch, four_u = gates.shape
    u = four_u // 4
    slab = blocks.slab_size(batch, four_u * u, threads, limit)
    parts = np.zeros((blocks.slab_count(batch, slab), u, four_u), gates.dtype)
    dxz = np.empty((steps, batch, four_u), gates.dtype)
    _lstm_backward_loop(doutputs, dh, dc, np.ascontiguousarray(recurrent_kernel.T), mask, gates,
                        hprev, cprev, cnew, dxz, parts, zero_output_for_mask, slab,
                        blocks.block_size(four_u * u, limit))
    for p in range(1, parts.shape[0]):
        parts[0] += parts[p]
    return dxz, parts[0]


def _lstm_backward_gemm(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_mask,
                        hprev, cprev, gates, cnew, activation, recurrent_activation,
                        zero_output_for_mask):
    dtype = gates.dtype  # the forward's; gradients of another dtype are cast to it
    dh, dc = (s.astype(dtype, order="C", copy=True) for s in (dh_last, dc_last))
    with blocks.LAUNCH:
        dxz, drecurrent_kernel = lstm_backward_gemm_core(
            np.ascontiguousarray(doutputs, dtype), dh, dc,
            np.ascontiguousarray(recurrent_kernel, dtype),
            np.ascontiguousarray(mask, dtype),
            *(_time_major(a) for a in (hprev, cprev, gates, cnew)),
            bool(zero_output_for_mask), *blocks.plan())
    return dxz.transpose(1, 0, 2), drecurrent_kernel, dh, dc
