"""numba twin of `numpy_ref/rnn_epoch.py`: one epoch of LSTM -> Dense ... (or, train=False,
its inference over a whole array) in ONE compiled call.

The equations, codes and shapes are in the reference module's docstring. This loop calls the
numba kernels the layer-by-layer path calls, in the same order, on the same dtypes: for each
batch, the time loops the layer would pick (`numba_fast/rnn.py`: rnn_fused.py's for a small
LSTM, rnn_gemm.py's for a large one), the input projection as `layers/rnn/cell_utils.py` runs
it (its backward in time-major rows; with the small loops dense_forward/backward, which
`fastpath/lstm_epoch.py` allows only where the layer's projection is one single-thread GEMM
too; with the large ones the threaded projection kernels at the layer's block limit, which
compute the same bits where the layer takes that one-GEMM shortcut:
kernels/plan.py's projection_in_one_gemm), then fused.py's Dense, loss and optimizer
pieces. So it computes the layer path's numbers (tests/models/test_fused_recurrent.py
compares them to 1e-6 in float32, 1e-12 in float64). What it saves is
the Python between them (~190 us a step on the airline tutorial's LSTM(4), batch 1; ~0.5 ms on
W6's LSTM(64), batch 64).
The caller passes `kernels.plan.epoch_plan`'s Plan: the loop the layer would run, the same
for every batch of the epoch. The epoch is written once (`_epoch`) and compiled once per loop
shape (`_epoch_small_lstm`, `_epoch_large_lstm`: each passes its batch forward and backward,
`_small_*` / `_large_*`), so a small LSTM's first fit does not compile the GEMM loops
(the airline tutorial's first run with an empty cache: 21 s, not 33 s). `train` is a run-time
flag, so evaluate and predict after fit run fit's compiled epoch.
Cached callers of an edited file recompile by themselves: every kernel's cache is stamped by
the whole package (cache.py).
"""

import numpy as np
from numba import njit

from .. import codes
from .. import plan as planner
from . import blocks
from .arrays import copy_into, copy_vector_into
from .dense import (
    dense_backward,
    dense_forward,
    projection_backward_core,
    projection_forward_core,
)
from .fused import _activate, _activation_backward, compiled_loss
from .optimizers import adam_update, rmsprop_update, sgd_update
from .rnn_fused import lstm_backward_fused, lstm_forward_fused
from .rnn_gemm import backward_core, forward_core

__all__ = ["lstm_dense_epoch"]


def lstm_dense_epoch(x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout,
                     act_codes, loss_code, epsilon, opt_code, opt_constants, step_scalars,
                     opt_state_1, opt_state_2, logits_out, values_out, train, plan):
    """`plan` (kernels/plan.py's Plan, from `plan.epoch_plan`): the loop every batch takes,
    "fused" or "gemm", and the threads and GEMM blocks of the "gemm" one. train=False: the
    forward passes and loss values only (the optimizer arguments are not read)."""
    if plan.loop not in ("fused", "gemm"):
        raise ValueError(f"lstm_dense_epoch runs the 'fused' or the 'gemm' time loops; received "
                         f"plan.loop={plan.loop!r} (kernels.plan.epoch_plan says which applies)")
    args = (x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout, act_codes,
            loss_code, compiled_loss(loss_code, params.dtype), epsilon, opt_code, opt_constants,
            step_scalars, opt_state_1, opt_state_2, logits_out, values_out, bool(train))
    if plan.loop == "fused":
        return _epoch_small_lstm(*args)
    features, u = lstm_layout[3], lstm_layout[4]
    _, projection_limit = planner.projection_split(features * 4 * u)  # as the layer's
    last_limit = plan.last_block_limit or plan.block_limit  # a smaller last batch's blocks
    with blocks.LAUNCH, blocks.using_threads(plan.threads), blocks.blas_on_calling_thread():
        return _epoch_large_lstm(*args, plan.threads, plan.block_limit, last_limit,
                                 projection_limit)


# ---- the pieces both epochs share -------------------------------------------------------------
@njit(cache=True)
def _batch(x, y, labels, order, start, stop):
    """Rows order[start:stop]: x as (rows * T, features), y, labels."""
    steps, features = x.shape[1], x.shape[2]
    batch = stop - start
    xb = np.empty((batch * steps, features), dtype=x.dtype)
    yb = np.empty((batch, y.shape[1]), dtype=y.dtype)
    lb = np.empty(batch, dtype=labels.dtype)
    for r in range(batch):
        i = order[start + r]
        copy_into(x[i], xb[r * steps:(r + 1) * steps])
        copy_vector_into(y[i], yb[r])
        lb[r] = labels[i]
    return xb, yb, lb


@njit(cache=True)
def _time_major_rows(rows, batch, steps):
    """(batch * T, k) rows in batch-major order -> the same rows time-major, (T * batch, k):
    the order the layer's projection backward sums them in (layers/rnn/cell_utils.py)."""
    out = np.empty_like(rows)
    for r in range(batch):
        for s in range(steps):
            for j in range(rows.shape[1]):
                out[s * batch + r, j] = rows[r * steps + s, j]
    return out


@njit(cache=True)
def _lstm_weights(params, lstm_layout):
    """kernel (features, 4u), recurrent_kernel (u, 4u), bias (4u,): views into params."""
    k_off, r_off, b_off, features, u = (lstm_layout[0], lstm_layout[1], lstm_layout[2],
                                        lstm_layout[3], lstm_layout[4])
    return (params[k_off:k_off + features * 4 * u].reshape(features, 4 * u),
            params[r_off:r_off + u * 4 * u].reshape(u, 4 * u), params[b_off:b_off + 4 * u])


@njit(cache=True)
def _dense_head(h0, yb, lb, params, grads, layout, act_codes, loss_code, loss, epsilon,
                logits_out, values_out, start, train):
    """The Dense layers and the loss on the LSTM's last output h0 (batch, u): writes the
    batch's logits and loss values, and with train their gradients into grads; returns
    dLoss/dh0 (batch, u), or (0, 0) without train."""
    n_layers = layout.shape[0]
    dt = params.dtype.type
    batch = h0.shape[0]
    # forward: hs[l] is layer l's input; zs[l + 1], acts[l + 1] its logits and output
    hs = [h0]
    zs = [h0]
    acts = [h0]
    for layer in range(n_layers):
        d_off, c_off, fan_in, units = layout[layer]
        dense_kernel = params[d_off:d_off + fan_in * units].reshape(fan_in, units)
        z = dense_forward(hs[layer], dense_kernel, params[c_off:c_off + units])
        a = _activate(z, act_codes[layer])
        zs.append(z)
        acts.append(a)
        hs.append(a)
    from_logits = loss_code <= codes.SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS
    out = zs[n_layers] if from_logits else acts[n_layers]
    values, dout = loss(yb, lb, out, epsilon)
    copy_into(zs[n_layers], logits_out[start:start + batch])
    copy_vector_into(values, values_out[start:start + batch])
    if not train:  # inference: no backward pass
        return np.empty((0, 0), dtype=params.dtype)
    dz = dout * (dt(1) / dt(batch))  # Keras's sum_over_batch_size: d(loss)/d(values) = 1/n
    if not from_logits:
        dz = _activation_backward(dz, zs[n_layers], acts[n_layers], act_codes[n_layers - 1])
    # backward, last layer first
    dh = dz
    for layer in range(n_layers - 1, -1, -1):
        d_off, c_off, fan_in, units = layout[layer]
        dense_kernel = params[d_off:d_off + fan_in * units].reshape(fan_in, units)
        dh, dkernel, dbias = dense_backward(dz, hs[layer], dense_kernel)
        copy_vector_into(dkernel.ravel(), grads[d_off:d_off + fan_in * units])
        copy_vector_into(dbias, grads[c_off:c_off + units])
        if layer > 0:
            dz = _activation_backward(dh, zs[layer], acts[layer], act_codes[layer - 1])
    return dh


@njit(cache=True)
def _lstm_grads_and_update(params, grads, lstm_layout, dkernel, drecurrent_kernel, dbias,
                           opt_state_1, opt_state_2, opt_code, opt_constants, alpha):
    """Store the LSTM's gradients, then one optimizer update over every parameter."""
    k_off, r_off, b_off = lstm_layout[0], lstm_layout[1], lstm_layout[2]
    copy_vector_into(dkernel.ravel(), grads[k_off:k_off + dkernel.size])
    copy_vector_into(drecurrent_kernel.ravel(), grads[r_off:r_off + drecurrent_kernel.size])
    copy_vector_into(dbias, grads[b_off:b_off + dbias.size])
    k = opt_constants  # SGD: lr, momentum, nesterov; Adam: beta_1, beta_2, epsilon;
    #                    RMSprop: lr, rho, epsilon (kernels/codes.py)
    if opt_code == 0:
        if k[1] != 0.0:
            sgd_update(params, grads, opt_state_1, k[0], k[1], k[2] != 0.0)
        else:
            sgd_update(params, grads, None, k[0], k[1], k[2] != 0.0)  # nesterov unread
    elif opt_code == 1:
        adam_update(params, grads, opt_state_1, opt_state_2, None, alpha, k[0], k[1], k[2])
    else:
        rmsprop_update(params, grads, opt_state_1, None, None, k[0], k[1], 0.0, k[2])


# ---- the two loop shapes: one batch's LSTM forward and backward --------------------------------
# forward(xb, kernel, recurrent_kernel, bias, batch, steps, lstm_codes, threads, limits) ->
#     (h_T: the last output (batch, u), the cache its backward reads)
# backward(dh_T, xb, kernel, recurrent_kernel, cache, lstm_codes, threads, limits) ->
#     (dkernel, drecurrent_kernel, dbias)
# limits: the GEMM block limits (the time loop's, the input projection's; kernels/plan.py)
# Each is inlined into its epoch (numba's inline="always"; only that epoch calls it): compiled
# on its own, each was optimized by LLVM by itself and then again inside the epoch that links
# it. Empty numba cache, AMD EPYC, alternating: the W6 model's first fit 45-50 -> 41-43 s, the
# airline tutorial 27-32 -> 26-29 s; warm, in one process, alternating: the airline's epoch
# (92 batches of 1) 410-420 -> 388-390 us; W6's (63 batches of 64) 104-107 -> 106-109 ms
# (min of 12-80, four runs; medians 108-122 -> 109-121 ms: within the hour's noise, 1-2% if
# real).
@njit(inline="always")
def _small_forward(xb, kernel, recurrent_kernel, bias, batch, steps, lstm_codes, threads,
                   limits):
    """rnn_fused.py's time loop; the projection by dense_forward (what the layer's projection
    kernels run when it is one single-thread GEMM)."""
    u = recurrent_kernel.shape[0]
    zeros = np.zeros((batch, u), dtype=kernel.dtype)
    mask = np.ones((batch, steps), dtype=kernel.dtype)
    recurrent_mask = np.ones((4, batch, u), dtype=kernel.dtype)
    xz = dense_forward(xb, kernel, bias).reshape(batch, steps, 4 * u)
    outputs, _, _, hprev, cprev, gates, cnew = lstm_forward_fused(
        xz, recurrent_kernel, zeros, zeros, mask, recurrent_mask, lstm_codes[0], lstm_codes[1],
        lstm_codes[2] != 0)
    cache = (zeros, mask, recurrent_mask, hprev, cprev, gates, cnew)
    return np.ascontiguousarray(outputs[:, steps - 1, :]), cache


@njit(inline="always")
def _small_backward(dh, xb, kernel, recurrent_kernel, cache, lstm_codes, threads, limits):
    """rnn_fused.py's backward loop; the projection's backward in time-major rows, as
    cell_utils orders them."""
    zeros, mask, recurrent_mask, hprev, cprev, gates, cnew = cache
    batch, steps, u = hprev.shape
    doutputs = np.zeros((batch, steps, u), dtype=kernel.dtype)
    copy_into(dh, doutputs[:, steps - 1, :])
    dxz, drecurrent_kernel, _, _ = lstm_backward_fused(
        doutputs, zeros, zeros, recurrent_kernel, mask, recurrent_mask, hprev, cprev, gates,
        cnew, lstm_codes[0], lstm_codes[1], lstm_codes[2] != 0)
    _, dkernel, dbias = dense_backward(
        _time_major_rows(dxz.reshape(batch * steps, 4 * u), batch, steps),
        _time_major_rows(xb, batch, steps), kernel)
    return dkernel, drecurrent_kernel, dbias


@njit(cache=True)
def _no_recurrent_dropout(like):
    """An empty recurrent mask (never read) and dropout=False as a run-time bool, the types
    the layer path passes: a literal False would make numba compile forward_core or
    backward_core and their loops (9-11 s each with an empty cache) a second time."""
    no_mask = np.empty((0, 0, 0), dtype=like.dtype)
    return no_mask, no_mask.size > 0


@njit(inline="always")
def _large_forward(xb, kernel, recurrent_kernel, bias, batch, steps, lstm_codes, threads,
                   limits):
    """rnn_gemm.py's loop (caches time-major) and the threaded projection kernel."""
    u = recurrent_kernel.shape[0]
    limit, projection_limit = limits
    mask = np.ones((batch, steps), dtype=kernel.dtype)
    no_mask, dropout = _no_recurrent_dropout(kernel)
    xz = projection_forward_core(xb, kernel, bias, threads, projection_limit)
    outputs, hprev, cprev, gates, cnew = forward_core(
        xz.reshape(batch, steps, 4 * u), recurrent_kernel, no_mask, dropout,
        np.zeros((batch, u), dtype=kernel.dtype), np.zeros((batch, u), dtype=kernel.dtype),
        mask, lstm_codes[0], lstm_codes[1], lstm_codes[2] != 0, threads, limit)
    return outputs[steps - 1].copy(), (mask, hprev, cprev, gates, cnew)


@njit(inline="always")
def _large_backward(dh, xb, kernel, recurrent_kernel, cache, lstm_codes, threads, limits):
    """rnn_gemm.py's backward loop and the threaded projection backward, in time-major rows
    as cell_utils runs it."""
    limit, projection_limit = limits
    mask, hprev, cprev, gates, cnew = cache
    steps, batch, u = hprev.shape
    doutputs = np.zeros((batch, steps, u), dtype=kernel.dtype)
    copy_into(dh, doutputs[:, steps - 1, :])
    no_mask, dropout = _no_recurrent_dropout(kernel)
    dxz, drecurrent_kernel = backward_core(
        doutputs, np.zeros((batch, u), dtype=kernel.dtype),
        np.zeros((batch, u), dtype=kernel.dtype), recurrent_kernel, no_mask, dropout, mask,
        hprev, cprev, gates, cnew, lstm_codes[0], lstm_codes[1], lstm_codes[2] != 0, threads,
        limit)
    _, dkernel, dbias = projection_backward_core(
        dxz.reshape(steps * batch, 4 * u), _time_major_rows(xb, batch, steps), kernel, threads,
        projection_limit)
    return dkernel, drecurrent_kernel, dbias


# ---- the epoch: written once, compiled once per loop shape ----------------------------------
@njit(inline="always")
def _epoch(x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout, act_codes,
           loss_code, loss, epsilon, opt_code, opt_constants, step_scalars, opt_state_1,
           opt_state_2, logits_out, values_out, train, forward, backward, threads, limits,
           last_limits):
    """Batch after batch: the LSTM forward (`forward`), the Dense head and the loss, and with
    train the backward (`backward`) and one optimizer update. Returns the number of steps.
    limits: the full batches' GEMM block limits, last_limits a smaller last batch's."""
    n, steps, _ = x.shape
    grads = np.zeros(params.size if train else 0, dtype=params.dtype)  # read with train only
    step = 0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        xb, yb, lb = _batch(x, y, labels, order, start, stop)
        kernel, recurrent_kernel, bias = _lstm_weights(params, lstm_layout)
        blocks_b = limits if stop - start == batch_size else last_limits
        h_last, cache = forward(xb, kernel, recurrent_kernel, bias, stop - start, steps,
                                lstm_codes, threads, blocks_b)
        dh = _dense_head(h_last, yb, lb, params, grads, layout, act_codes, loss_code, loss,
                         epsilon, logits_out, values_out, start, train)
        if train:
            dkernel, drecurrent_kernel, dbias = backward(dh, xb, kernel, recurrent_kernel, cache,
                                                         lstm_codes, threads, blocks_b)
            _lstm_grads_and_update(params, grads, lstm_layout, dkernel, drecurrent_kernel, dbias,
                                   opt_state_1, opt_state_2, opt_code, opt_constants,
                                   step_scalars[step] if opt_code == codes.ADAM else 0.0)
        step += 1
    return step


@njit(cache=True)
def _epoch_small_lstm(x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout,
                      act_codes, loss_code, loss, epsilon, opt_code, opt_constants,
                      step_scalars, opt_state_1, opt_state_2, logits_out, values_out, train):
    return _epoch(x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout,
                  act_codes, loss_code, loss, epsilon, opt_code, opt_constants, step_scalars,
                  opt_state_1, opt_state_2, logits_out, values_out, train, _small_forward,
                  _small_backward, 1, (0, 0), (0, 0))


@njit(cache=True)
def _epoch_large_lstm(x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout,
                      act_codes, loss_code, loss, epsilon, opt_code, opt_constants,
                      step_scalars, opt_state_1, opt_state_2, logits_out, values_out, train,
                      threads, limit, last_limit, projection_limit):
    return _epoch(x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout,
                  act_codes, loss_code, loss, epsilon, opt_code, opt_constants, step_scalars,
                  opt_state_1, opt_state_2, logits_out, values_out, train, _large_forward,
                  _large_backward, threads, (limit, projection_limit),
                  (last_limit, projection_limit))
