"""One training epoch of a stack of Dense layers, every batch in one call (the fused path).

`fastpath/dense_epoch.py` runs this when a model is Dense layers only with a loss and optimizer
listed below; it computes the numbers the layer-by-layer `train_step` computes, batch after batch:

    for each batch b (rows order[start:stop] of x, y, labels):
        h_0 = x_b
        z_l = h_l @ kernel_l + bias_l;  h_{l+1} = dropout_l(act_l(z_l))  (l = 0 .. L-1)
        dropout_l(a) = where(keep, a * (1 / (1 - rate_l)), 0) with this batch's rows of keep
                       (the identity where drop_cols[l] < 0; the masks are drawn by the caller)
        values, dout = loss kernel at the output (the logits z_{L-1} for codes 0-2, the
                       activated h_L for codes 3-4): per-sample losses and d(value)/d(out)
        dz_{L-1} = dout / rows    (times act' for codes 3-4)             Keras's mean over batch
        for l = L-1 .. 0:  dx, dkernel_l, dbias_l = dense_backward(dz_l, h_l, kernel_l)
                           dz_{l-1} = act_{l-1}'(dropout_{l-1}(dx))
        params = optimizer update(params, grads)                         one flat update
        logits_out[start:stop] = z_{L-1};  values_out[start:stop] = values

Codes (kernels/codes.py): act_codes LINEAR, RELU, TANH or SIGMOID per layer; loss_code one of the
fused losses (the three crossentropies from the logits, mean squared / absolute error);
opt_code SGD (hyper = lr, momentum, nesterov), ADAM (hyper = beta_1, beta_2, epsilon;
step_scalars[s] = alpha of step s, from the optimizer's own `step_size`) or RMSPROP without
momentum or centering (hyper = lr, rho, epsilon).

Shapes: x (n, d); y (n, units) float targets (unused by code 2); labels (n,) int64 class ids
(used by code 2 only); order (n,) int64 row order; params, slot_1, slot_2 (P,) one flat buffer
each (kernel_l then bias_l, layer after layer); layout (L, 4) int64 rows (kernel offset,
bias offset, fan_in, units); act_codes (L,); drop_cols (L,) int64 (the column of keep where
layer l's dropout mask starts, -1 for none); drop_rates (L,) float64; keep (n, K) uint8 (row i:
the mask of the i-th row of this epoch's order); hyper (3,) float64; step_scalars (steps,) float64;
logits_out (n, units_L); values_out (n,). Returns the number of steps taken.

train=False runs inference instead (evaluate / predict, and fit's validation): the forward
pass and the loss values of every batch, no backward pass and no update; the caller passes
drop_cols all -1 (Dropout is the identity in inference) and any loss code (predict reads only
logits_out).
"""

import numpy as np

from .. import codes
from . import losses
from .activations import activate, activation_backward
from .dense import dense_backward, dense_forward
from .dropout import dropout_forward
from .optimizers import adam_update, rmsprop_update, sgd_update

__all__ = ["dense_stack_epoch"]


def _dropout(a, keep, start, col, rate):
    """Inverted dropout of a (rows, units) with this batch's keep columns (identity if col < 0):
    where(keep, a * (1 / (1 - rate)), 0); the same expression gives the backward pass."""
    if col < 0:
        return a
    return dropout_forward(a, keep[start:start + a.shape[0], col:col + a.shape[1]].astype(bool),
                           rate)


def _loss(y_true, labels, out, code, epsilon):
    """(values (rows,), d(values)/d(out) (rows, units)) of loss code 0-4."""
    if code == codes.BINARY_CROSSENTROPY_LOGITS:
        return losses.binary_crossentropy_value_and_grad(y_true, out, epsilon, True)
    if code == codes.CATEGORICAL_CROSSENTROPY_LOGITS:
        return losses.categorical_crossentropy_value_and_grad(y_true, out, epsilon, True)
    if code == codes.SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS:
        return losses.sparse_categorical_crossentropy_value_and_grad(labels, out, epsilon, True)
    if code == codes.MEAN_SQUARED_ERROR:
        return losses.mean_squared_error_value_and_grad(y_true, out)
    return losses.mean_absolute_error_value_and_grad(y_true, out)


def _views(params, layout, layer):
    """(kernel (fan_in, units), bias (units,)): views of layer `layer` in the flat buffer."""
    k_off, b_off, fan_in, units = (int(v) for v in layout[layer])
    return params[k_off:k_off + fan_in * units].reshape(fan_in, units), params[b_off:b_off + units]


def _optimizer_update(params, grads, slot_1, slot_2, opt_code, hyper, alpha):
    """One update of every parameter, by the per-layer path's optimizer kernels: 0 codes.SGD
    (hyper: lr, momentum, nesterov), 1 Adam (beta_1, beta_2, epsilon; alpha: this step's
    lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)), 2 RMSprop (lr, rho, epsilon)."""
    if opt_code == codes.SGD:
        velocity = slot_1 if hyper[1] != 0.0 else None
        sgd_update(params, grads, velocity, hyper[0], hyper[1], hyper[2] != 0.0)
    elif opt_code == codes.ADAM:
        adam_update(params, grads, slot_1, slot_2, None, alpha, hyper[0], hyper[1], hyper[2])
    else:
        rmsprop_update(params, grads, slot_1, None, None, hyper[0], hyper[1], 0.0, hyper[2])


def dense_stack_epoch(x, y, labels, order, batch_size, params, layout, act_codes, drop_cols,
                      drop_rates, keep, loss_code, epsilon, opt_code, hyper, step_scalars,
                      slot_1, slot_2, logits_out, values_out, train):
    n, n_layers = order.shape[0], layout.shape[0]
    grads = np.zeros_like(params)
    grad_views = [_views(grads, layout, layer) for layer in range(n_layers)]
    step = 0
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        # forward: hs[l] is layer l's input, zs[l] its logits, acts[l] its activated output
        hs, zs, acts = [x[rows]], [], []
        for layer in range(n_layers):
            kernel, bias = _views(params, layout, layer)
            zs.append(dense_forward(hs[-1], kernel, bias))
            acts.append(activate(zs[-1], act_codes[layer]))
            hs.append(_dropout(acts[-1], keep, start, drop_cols[layer], drop_rates[layer]))
        from_logits = loss_code <= codes.SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS
        values, dout = _loss(y[rows], labels[rows], zs[-1] if from_logits else hs[-1],
                             loss_code, epsilon)
        logits_out[start:start + len(rows)] = zs[-1]
        values_out[start:start + len(rows)] = values
        if not train:  # inference: the forward pass and the loss values only
            step += 1
            continue
        t = params.dtype.type
        dz = dout * (t(1) / t(len(rows)))  # Keras's sum_over_batch_size: 1/n per value
        if not from_logits:
            dz = activation_backward(dz, zs[-1], acts[-1], act_codes[-1])
        # backward
        for layer in range(n_layers - 1, -1, -1):
            kernel, _ = _views(params, layout, layer)
            dx, dkernel, dbias = dense_backward(dz, hs[layer], kernel)
            grad_views[layer][0][...] = dkernel
            grad_views[layer][1][...] = dbias
            if layer > 0:
                dx = _dropout(dx, keep, start, drop_cols[layer - 1], drop_rates[layer - 1])
                dz = activation_backward(dx, zs[layer - 1], acts[layer - 1],
                                         act_codes[layer - 1])
        # one optimizer update over every parameter
        _optimizer_update(params, grads, slot_1, slot_2, opt_code, hyper, step_scalars[step])
        step += 1
    return step
