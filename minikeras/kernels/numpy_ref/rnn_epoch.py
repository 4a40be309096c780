"""One training epoch of LSTM -> Dense ... -> Dense, every batch in one call (the fused path),
or its inference over a whole array (train=False).

`models/fused_recurrent.py` runs this for the airline tutorial's kind of model (one LSTM that
returns its last output, then Dense layers); it computes the numbers the layer-by-layer
`train_step` computes, batch after batch, with the same kernels in the same order:

    for each batch b (rows order[start:stop] of x, y, labels), x_b (rows, T, features):
        xz = x_b @ kernel + bias                       all steps at once (the layer's
                                                       input projection, one matmul)
        outputs, cache = lstm_forward(xz, recurrent_kernel, h0 = c0 = 0, no mask)
        h_0 = outputs[:, -1]                           the LSTM's output (rows, u)
        z_l = h_l @ kernel_l + bias_l;  h_{l+1} = act_l(z_l)         Dense l = 0 .. L-1
        values, dout = loss kernel at the output (the logits z_{L-1} for loss codes 0-2,
                       the activated h_L for codes 3-4)
        dz_{L-1} = dout / rows  (times act' for codes 3-4)            Keras's mean over batch
        for l = L-1 .. 0:  dh_l, dkernel_l, dbias_l = dense_backward(dz_l, h_l, kernel_l)
                           dz_{l-1} = act_{l-1}'(dh_l)
        doutputs = 0 except doutputs[:, -1] = dh_0
        dxz, drecurrent_kernel = lstm_backward(doutputs, 0, 0, ..., cache)
        dkernel, dbias = x_b^T @ dxz, sum of dxz        (dense_backward of the projection)
        params = optimizer update(params, grads)        one flat update, as fused.py's
        logits_out[start:stop] = z_{L-1};  values_out[start:stop] = values

Codes and optimizer scalars are `numpy_ref/fused.py`'s (act_codes of the Dense layers, loss_code,
opt_code, opt_constants, step_scalars); lstm_codes = (activation, recurrent_activation,
zero_output_for_mask) of the LSTM, as `numpy_ref/rnn.py` codes them.
Shapes: x (n, T, features); y (n, units_L); labels (n,) int64; order (n,) int64; params,
opt_state_1, opt_state_2 (P,) one flat buffer each: the LSTM's kernel (features, 4u),
recurrent_kernel (u, 4u) and bias (4u,), then kernel_l and bias_l of each Dense layer;
lstm_layout (5,) int64 (kernel offset, recurrent offset, bias offset, features, u); layout
(L, 4) int64 rows (kernel offset, bias offset, fan_in, units); logits_out (n, units_L);
values_out (n,).
plan: `kernels.plan.epoch_plan`'s Plan, the time loop and GEMM blocks the numba twin runs
(the layer's own choice); the math does not depend on it, and this reference ignores it.
opt_constants, opt_state_1, opt_state_2: fused.py's optimizer constants and two state slots.
Returns the number of steps taken.

train=False runs inference instead (evaluate / predict), as fused.py's dense_stack_epoch does:
the LSTM and Dense forward passes and the loss values of every batch, no backward pass and no
update (the optimizer arguments are not read; predict passes any loss code and reads only
logits_out).
"""

import numpy as np

from .activations import activate, activation_backward
from .dense import dense_backward, dense_forward
from .fused import _loss, _optimizer_update, _views
from .rnn import lstm_backward, lstm_forward

__all__ = ["lstm_dense_epoch"]


def _lstm_views(params, lstm_layout):
    """(kernel (features, 4u), recurrent_kernel (u, 4u), bias (4u,)): views into params."""
    k_off, r_off, b_off, features, u = (int(v) for v in lstm_layout)
    return (params[k_off:k_off + features * 4 * u].reshape(features, 4 * u),
            params[r_off:r_off + u * 4 * u].reshape(u, 4 * u), params[b_off:b_off + 4 * u])


def lstm_dense_epoch(x, y, labels, order, batch_size, params, lstm_layout, lstm_codes, layout,
                     act_codes, loss_code, epsilon, opt_code, opt_constants, step_scalars,
                     opt_state_1, opt_state_2, logits_out, values_out, train, plan):
    n, steps, features = x.shape
    n_layers = layout.shape[0]
    activation, recurrent_activation, zero_output_for_mask = (int(c) for c in lstm_codes)
    grads = np.zeros_like(params)
    lstm_grads = _lstm_views(grads, lstm_layout)
    dense_grads = [_views(grads, layout, layer) for layer in range(n_layers)]
    t = params.dtype.type
    step = 0
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        batch = len(rows)
        # the LSTM, forward
        kernel, recurrent_kernel, bias = _lstm_views(params, lstm_layout)
        xb = x[rows].reshape(batch * steps, features)
        xz = dense_forward(xb, kernel, bias).reshape(batch, steps, -1)
        u = recurrent_kernel.shape[0]
        zeros = np.zeros((batch, u), params.dtype)
        mask = np.ones((batch, steps), params.dtype)
        recurrent_mask = np.ones((4, batch, u), params.dtype)
        outputs, _, _, *cache = lstm_forward(xz, recurrent_kernel, zeros, zeros, mask,
                                             recurrent_mask, activation, recurrent_activation,
                                             zero_output_for_mask)
        # the Dense layers, forward: hs[l] is layer l's input, zs[l] its logits, acts[l] output
        hs, zs, acts = [outputs[:, -1]], [], []
        for layer in range(n_layers):
            dense_kernel, dense_bias = _views(params, layout, layer)
            zs.append(dense_forward(hs[-1], dense_kernel, dense_bias))
            acts.append(activate(zs[-1], act_codes[layer]))
            hs.append(acts[-1])
        from_logits = loss_code <= 2
        values, dout = _loss(y[rows], labels[rows], zs[-1] if from_logits else hs[-1],
                             loss_code, epsilon)
        logits_out[start:start + batch] = zs[-1]
        values_out[start:start + batch] = values
        if not train:  # inference: the forward passes and the loss values only
            step += 1
            continue
        dz = dout * (t(1) / t(batch))  # Keras's sum_over_batch_size: 1/n per value
        if not from_logits:
            dz = activation_backward(dz, zs[-1], acts[-1], act_codes[-1])
        # backward: the Dense layers, then the LSTM from its last output
        for layer in range(n_layers - 1, -1, -1):
            dense_kernel, _ = _views(params, layout, layer)
            dh, dense_grads[layer][0][...], dense_grads[layer][1][...] = dense_backward(
                dz, hs[layer], dense_kernel)
            if layer > 0:
                dz = activation_backward(dh, zs[layer - 1], acts[layer - 1],
                                         act_codes[layer - 1])
        doutputs = np.zeros((batch, steps, u), params.dtype)
        doutputs[:, -1] = dh
        dxz, lstm_grads[1][...], _, _ = lstm_backward(
            doutputs, zeros, zeros, recurrent_kernel, mask, recurrent_mask, *cache, activation,
            recurrent_activation, zero_output_for_mask)
        _, lstm_grads[0][...], lstm_grads[2][...] = dense_backward(
            dxz.reshape(batch * steps, -1), xb, kernel)
        # one optimizer update over every parameter
        _optimizer_update(params, grads, opt_state_1, opt_state_2, opt_code, opt_constants,
                          step_scalars[step])
        step += 1
    return step
