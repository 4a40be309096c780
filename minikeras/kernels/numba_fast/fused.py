"""numba twin of `numpy_ref/fused.py`: one epoch of a Dense stack in ONE compiled call.

The equations, codes and shapes are in the reference module's docstring. This loop calls the
very numba kernels the layer-by-layer path calls (dense_forward/backward, relu/sigmoid, the
loss kernels, the optimizer updates), in the same order, on the same dtypes, so it computes the
same numbers; what it saves is the Python between them (~200 us a step on small MLPs).
Note: numba's on-disk cache watches only this file; after editing a kernel it calls, clear
`__pycache__` (or touch this file) so the cached epoch loop is recompiled.
"""

import numpy as np
from numba import njit

from .activations import relu_backward, relu_forward, sigmoid_backward, sigmoid_forward
from .dense import dense_backward, dense_forward
from .losses import (
    binary_crossentropy_value_and_grad,
    categorical_crossentropy_value_and_grad,
    mean_absolute_error_value_and_grad,
    mean_squared_error_value_and_grad,
    sparse_categorical_crossentropy_value_and_grad,
)
from .optimizers import adam_update, rmsprop_update, sgd_update

__all__ = ["dense_stack_epoch"]


@njit(cache=True)
def _activate(z, code):
    if code == 1:
        zero = z.dtype.type(0)
        return relu_forward(z.ravel(), zero, z.dtype.type(np.inf), zero).reshape(z.shape)
    if code == 2:
        return sigmoid_forward(z.ravel()).reshape(z.shape)
    return z


@njit(cache=True)
def _activation_backward(dy, z, y, code):
    if code == 1:
        zero = z.dtype.type(0)
        return relu_backward(dy.ravel(), z.ravel(), y.ravel(), zero, z.dtype.type(np.inf),
                             zero).reshape(z.shape)
    if code == 2:
        return sigmoid_backward(dy.ravel(), z.ravel(), y.ravel()).reshape(z.shape)
    return dy


@njit(cache=True)
def _dropout(a, keep, start, col, rate):
    scale = a.dtype.type(1.0 / (1.0 - rate))
    zero = a.dtype.type(0)
    out = np.empty_like(a)
    rows, units = a.shape
    for r in range(rows):
        for j in range(units):
            out[r, j] = a[r, j] * scale if keep[start + r, col + j] else zero
    return out


@njit(cache=True)
def _loss(y_true, labels, out, code, epsilon):
    if code == 0:
        return binary_crossentropy_value_and_grad(y_true, out, epsilon, True)
    if code == 1:
        return categorical_crossentropy_value_and_grad(y_true, out, epsilon, True)
    if code == 2:
        return sparse_categorical_crossentropy_value_and_grad(labels, out, epsilon, True)
    if code == 3:
        return mean_squared_error_value_and_grad(y_true, out)
    return mean_absolute_error_value_and_grad(y_true, out)


@njit(cache=True)
def dense_stack_epoch(x, y, labels, order, batch_size, params, layout, act_codes, drop_cols,
                      drop_rates, keep, loss_code, epsilon, opt_code, hyper, step_scalars,
                      slot_1, slot_2, logits_out, values_out):
    n = order.shape[0]
    n_layers = layout.shape[0]
    dt = params.dtype.type
    grads = np.zeros_like(params)
    step = 0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        rows = stop - start
        xb = np.empty((rows, x.shape[1]), dtype=x.dtype)
        yb = np.empty((rows, y.shape[1]), dtype=y.dtype)
        lb = np.empty(rows, dtype=labels.dtype)
        for r in range(rows):
            xb[r, :] = x[order[start + r]]
            yb[r, :] = y[order[start + r]]
            lb[r] = labels[order[start + r]]
        # forward: hs[l] is layer l's input; zs[l + 1], acts[l + 1] its logits and output
        hs = [xb]
        zs = [xb]
        acts = [xb]
        for layer in range(n_layers):
            k_off, b_off, fan_in, units = layout[layer]
            kernel = params[k_off:k_off + fan_in * units].reshape(fan_in, units)
            bias = params[b_off:b_off + units]
            z = dense_forward(hs[layer], kernel, bias)
            a = _activate(z, act_codes[layer])
            zs.append(z)
            acts.append(a)
            if drop_cols[layer] >= 0:
                a = _dropout(a, keep, start, drop_cols[layer], drop_rates[layer])
            hs.append(a)
        last = act_codes[n_layers - 1]
        from_logits = loss_code <= 2
        out = zs[n_layers] if from_logits else acts[n_layers]
        values, dout = _loss(yb, lb, out, loss_code, epsilon)
        logits_out[start:stop] = zs[n_layers]
        values_out[start:stop] = values
        dz = dout * (dt(1) / dt(rows))  # Keras's sum_over_batch_size: d(loss)/d(values) = 1/n
        if not from_logits:
            dz = _activation_backward(dz, zs[n_layers], acts[n_layers], last)
        # backward, last layer first
        for layer in range(n_layers - 1, -1, -1):
            k_off, b_off, fan_in, units = layout[layer]
            kernel = params[k_off:k_off + fan_in * units].reshape(fan_in, units)
            dx, dkernel, dbias = dense_backward(dz, hs[layer], kernel)
            grads[k_off:k_off + fan_in * units] = dkernel.ravel()
            grads[b_off:b_off + units] = dbias
            if layer > 0:
                if drop_cols[layer - 1] >= 0:
                    dx = _dropout(dx, keep, start, drop_cols[layer - 1], drop_rates[layer - 1])
                dz = _activation_backward(dx, zs[layer], acts[layer], act_codes[layer - 1])
        # one update over every parameter (the flat buffers)
        if opt_code == 0:
            if hyper[1] != 0.0:
                sgd_update(params, grads, slot_1, hyper[0], hyper[1], hyper[2] != 0.0)
            else:
                sgd_update(params, grads, None, hyper[0], hyper[1], False)
        elif opt_code == 1:
            adam_update(params, grads, slot_1, slot_2, None, step_scalars[step], hyper[0],
                        hyper[1], hyper[2])
        else:
            rmsprop_update(params, grads, slot_1, None, None, hyper[0], hyper[1], 0.0, hyper[2])
        step += 1
    return step
