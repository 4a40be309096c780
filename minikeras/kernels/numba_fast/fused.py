"""numba twin of `numpy_ref/fused.py`: one epoch of a Dense stack (dense_stack_epoch), or its
inference over a whole array (train=False), in ONE compiled call.

The equations, codes and shapes are in the reference module's docstring. The numbers are the
layer-by-layer path's, bit for bit: the same BLAS calls (np.dot with the same operands and
layouts), and the elementwise steps (bias, relu, dropout, column sums, the optimizer update)
written with the same expressions as the kernels that path calls. What the epoch saves:
  - the Python between the kernels (~200 us a step on small MLPs);
  - allocations: every per-layer buffer is made once per epoch, the GEMMs write into them
    (np.dot(a, b, out)), dkernel straight into the flat gradient buffer;
  - the first layer's dx (nothing needs dLoss/dx): on W4 a fifth of the GEMM FLOPs;
  - a second pass over the parameters: each layer is updated as soon as its gradient is known
    (after its dx is computed with the old kernel), which changes no number, since the update
    is elementwise; the update loops are vectorized (error_model="numpy", see below), ~3.5x
    faster than the scalar loop on W4's 670k parameters.
Cached callers of an edited file recompile by themselves: every kernel's cache is stamped by
the whole package (cache.py).
"""

import numpy as np
from numba import njit, types
from numba.core.types.function_type import CompileResultWAP
from numba.core.typing.typeof import typeof_impl

from .. import codes
from . import losses
from .activations import activate_into, activation_backward_into
from .arrays import copy_into, copy_vector_into

__all__ = ["dense_stack_epoch"]


@njit(cache=True)
def _activate(z, code):
    """act(z) as a new array (the LSTM epoch's Dense head); see activations.activate_into."""
    out = np.empty_like(z)
    activate_into(z, out, code)
    return out


@njit(cache=True)
def _activation_backward(dy, z, y, code):
    """act'(z) * dy as a new array; see activations.activation_backward_into."""
    out = np.empty_like(dy)
    activation_backward_into(dy, z, y, out, code)
    return out


# The loss is a compiled function the epoch kernels take as an argument (numba's first-class
# functions): each of the five losses below is a small kernel of its own, compiled the first
# time a model uses it and cached on disk, and its type (`types.FunctionType` of its
# signature) is the same for all five, so an epoch kernel compiles once per dtype for every
# loss. Changing a model's loss compiles that loss alone (~0.4 s), not the whole epoch (~3 s,
# when the loss was chosen at the epoch's compile time). The call goes through a function
# pointer once a batch, which costs nothing measurable next to a batch's work.
@njit(cache=True, error_model="numpy")
def _binary_crossentropy_logits(y_true, labels, out, epsilon):
    return losses.binary_crossentropy_value_and_grad(y_true, out, epsilon, True)


@njit(cache=True, error_model="numpy")
def _categorical_crossentropy_logits(y_true, labels, out, epsilon):
    return losses.categorical_crossentropy_value_and_grad(y_true, out, epsilon, True)


@njit(cache=True, error_model="numpy")
def _sparse_categorical_crossentropy_logits(y_true, labels, out, epsilon):
    return losses.sparse_categorical_crossentropy_value_and_grad(labels, out, epsilon, True)


@njit(cache=True, error_model="numpy")
def _mean_squared_error(y_true, labels, out, epsilon):
    return losses.mean_squared_error_value_and_grad(y_true, out)


@njit(cache=True, error_model="numpy")
def _mean_absolute_error(y_true, labels, out, epsilon):
    return losses.mean_absolute_error_value_and_grad(y_true, out)


LOSS_KERNELS = {
    codes.BINARY_CROSSENTROPY_LOGITS: _binary_crossentropy_logits,
    codes.CATEGORICAL_CROSSENTROPY_LOGITS: _categorical_crossentropy_logits,
    codes.SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS: _sparse_categorical_crossentropy_logits,
    codes.MEAN_SQUARED_ERROR: _mean_squared_error,
    codes.MEAN_ABSOLUTE_ERROR: _mean_absolute_error,
}


def loss_signature(dtype):
    """(y_true (rows, units), labels (rows,) int64, out (rows, units), epsilon) ->
    (values (rows,), d(values)/d(out) (rows, units)): every loss kernel's, in x's dtype."""
    real = types.float32 if np.dtype(dtype) == np.float32 else types.float64
    matrix = types.Array(real, 2, "C")
    return types.Tuple((types.Array(real, 1, "C"), matrix))(
        matrix, types.Array(types.int64, 1, "C"), matrix, types.float64)


class CompiledLoss(CompileResultWAP):
    """A loss kernel compiled for one signature, as the epoch kernels take it (a first-class
    function: numba passes its address). Its numba type is computed once here, because numba's
    generic typing of such objects costs ~14 us a call (this: ~3 us)."""

    def __init__(self, compile_result):
        super().__init__(compile_result)
        self.numba_type = types.FunctionType(compile_result.signature)


@typeof_impl.register(CompiledLoss)
def _typeof_compiled_loss(value, context):
    return value.numba_type


_compiled_losses = {}


def compiled_loss(code, dtype):
    """The CompiledLoss of loss code `code` (kernels/codes.py) for arrays of `dtype`: compiled
    on first use (or loaded from numba's disk cache), then kept."""
    found = _compiled_losses.get((code, dtype))  # (predict's 1-sample call counts us)
    if found is None:
        kernel, signature = LOSS_KERNELS[int(code)], loss_signature(dtype)
        kernel.compile(signature)
        found = CompiledLoss(kernel.overloads[signature.args])
        _compiled_losses[int(code), np.dtype(dtype)] = found
    return found


# ---- in-place pieces of the training step (buffers allocated once per epoch) -------------------
# error_model="numpy": a float division by zero gives inf/nan instead of raising, which lets
# LLVM vectorize these loops (the Python error model's check blocks it); the numbers are the
# same. Each loop writes the expressions of the kernel it replaces, element by element.
@njit(cache=True, error_model="numpy")
def _dropout_into(a, keep, start, col, rate, out):
    scale = a.dtype.type(1.0 / (1.0 - rate))
    zero = a.dtype.type(0)
    rows, units = a.shape
    for r in range(rows):
        for j in range(units):
            out[r, j] = a[r, j] * scale if keep[start + r, col + j] else zero


@njit(cache=True, error_model="numpy")
def _add_bias(z, bias):
    n, units = z.shape
    for i in range(n):
        for j in range(units):
            z[i, j] += bias[j]


@njit(cache=True, error_model="numpy")
def _column_sums_into(dz, out):
    """out = dz.sum(axis=0), summed row after row as dense_backward sums it."""
    for j in range(out.size):
        out[j] = 0
    n, units = dz.shape
    for i in range(n):
        for j in range(units):
            out[j] += dz[i, j]


@njit(cache=True, error_model="numpy")
def _update(params, grads, slot_1, slot_2, opt_code, hyper, alpha):
    """The optimizer update of one layer's slices (its kernel and bias, contiguous in the flat
    buffers): the expressions of sgd_update / adam_update / rmsprop_update, element by element,
    in place. (Loops run over range(size) of the slices: LLVM vectorizes those, not a
    range(a, b) over the whole buffers.)"""
    t = params.dtype.type
    if opt_code == codes.SGD:
        lr, mu, nesterov = t(hyper[0]), t(hyper[1]), hyper[2] != 0.0
        for i in range(params.size):
            step = grads[i] * lr
            if hyper[1] == 0.0:
                params[i] -= step
            else:
                vel = slot_1[i] * mu - step
                slot_1[i] = vel
                if nesterov:
                    params[i] += vel * mu - step
                else:
                    params[i] += vel
    elif opt_code == codes.ADAM:
        one_minus_beta_1, one_minus_beta_2 = t(1.0 - hyper[0]), t(1.0 - hyper[1])
        alpha_, eps = t(alpha), t(hyper[2])
        for i in range(params.size):
            g = grads[i]
            m_i = slot_1[i] + (g - slot_1[i]) * one_minus_beta_1
            v_i = slot_2[i] + (g * g - slot_2[i]) * one_minus_beta_2
            slot_1[i] = m_i
            slot_2[i] = v_i
            params[i] -= (m_i * alpha_) / (np.sqrt(v_i) + eps)
    else:
        lr, rho_, one_minus_rho, eps = t(hyper[0]), t(hyper[1]), t(1.0 - hyper[1]), t(hyper[2])
        for i in range(params.size):
            g = grads[i]
            vel = rho_ * slot_1[i] + one_minus_rho * (g * g)
            slot_1[i] = vel
            params[i] -= (lr * g) / np.sqrt(vel + eps)


def dense_stack_epoch(x, y, labels, order, batch_size, params, layout, act_codes, drop_cols,
                      drop_rates, keep, loss_code, epsilon, opt_code, hyper, step_scalars,
                      slot_1, slot_2, logits_out, values_out, train):
    return _dense_stack_epoch(x, y, labels, order, batch_size, params, layout, act_codes,
                              drop_cols, drop_rates, keep, loss_code,
                              compiled_loss(loss_code, params.dtype),
                              epsilon, opt_code, hyper, step_scalars, slot_1, slot_2,
                              logits_out, values_out, bool(train))


@njit(cache=True)
def _dense_stack_epoch(x, y, labels, order, batch_size, params, layout, act_codes, drop_cols,
                       drop_rates, keep, loss_code, loss, epsilon, opt_code, hyper,
                       step_scalars, slot_1, slot_2, logits_out, values_out, train):
    n = order.shape[0]
    n_layers = layout.shape[0]
    dt = params.dtype.type
    bs = min(batch_size, n)
    grads = np.zeros_like(params)
    # per-layer buffers, batch_size rows each (the last batch uses their first rows):
    # zs[l] logits, acts[l] activated, hs[l + 1] layer l's output after dropout (hs[0]: x_b),
    # dzs[l] dLoss/dz_l, dxs[l] dLoss/d(input of layer l) (dxs[0] is never computed)
    dtype = params.dtype
    zs = [np.empty((bs, layout[layer, 3]), dtype=dtype) for layer in range(n_layers)]
    acts = [np.empty((bs, layout[layer, 3]), dtype=dtype) for layer in range(n_layers)]
    dzs = [np.empty((bs, layout[layer, 3]), dtype=dtype) for layer in range(n_layers)]
    dxs = [np.empty((bs, layout[layer, 2]), dtype=dtype) for layer in range(n_layers)]
    hs = [np.empty((bs, x.shape[1]), dtype=dtype)]
    for layer in range(n_layers):
        hs.append(np.empty((bs, layout[layer, 3]), dtype=dtype) if drop_cols[layer] >= 0
                  else acts[layer])
    yb = np.empty((bs, y.shape[1]), dtype=y.dtype)
    lb = np.empty(bs, dtype=labels.dtype)
    step = 0
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        rows = stop - start
        xb = hs[0][:rows]
        for r in range(rows):
            i = order[start + r]
            for j in range(x.shape[1]):
                xb[r, j] = x[i, j]
            for j in range(y.shape[1]):
                yb[r, j] = y[i, j]
            lb[r] = labels[i]
        # forward
        for layer in range(n_layers):
            k_off, b_off, fan_in, units = layout[layer]
            kernel = params[k_off:k_off + fan_in * units].reshape(fan_in, units)
            z, a = zs[layer][:rows], acts[layer][:rows]
            np.dot(hs[layer][:rows], kernel, z)
            _add_bias(z, params[b_off:b_off + units])
            activate_into(z, a, act_codes[layer])
            if drop_cols[layer] >= 0:
                _dropout_into(a, keep, start, drop_cols[layer], drop_rates[layer],
                              hs[layer + 1][:rows])
        last = n_layers - 1
        from_logits = loss_code <= codes.SPARSE_CATEGORICAL_CROSSENTROPY_LOGITS
        out = zs[last][:rows] if from_logits else acts[last][:rows]
        values, dout = loss(yb[:rows], lb[:rows], out, epsilon)
        copy_into(zs[last][:rows], logits_out[start:stop])
        copy_vector_into(values, values_out[start:stop])
        if not train:  # inference: the forward pass and the loss values only
            step += 1
            continue
        dz = dzs[last][:rows]
        copy_into(dout * (dt(1) / dt(rows)), dz)  # Keras's sum_over_batch_size: 1/n per value
        if not from_logits:
            activation_backward_into(dz, zs[last][:rows], acts[last][:rows], dz,
                                     act_codes[last])
        # backward, last layer first; each layer's update as soon as its gradient is known
        for layer in range(last, -1, -1):
            k_off, b_off, fan_in, units = layout[layer]
            kernel = params[k_off:k_off + fan_in * units].reshape(fan_in, units)
            dz = dzs[layer][:rows]
            if layer > 0:  # with the kernel before its update
                np.dot(dz, kernel.T, dxs[layer][:rows])
            np.dot(hs[layer][:rows].T, dz,
                   grads[k_off:k_off + fan_in * units].reshape(fan_in, units))
            _column_sums_into(dz, grads[b_off:b_off + units])
            end = b_off + units  # kernel_l and bias_l: params[k_off:end]
            _update(params[k_off:end], grads[k_off:end], slot_1[k_off:end], slot_2[k_off:end],
                    opt_code, hyper, step_scalars[step] if opt_code == codes.ADAM else 0.0)
            if layer > 0:
                dx = dxs[layer][:rows]
                below = layer - 1
                if drop_cols[below] >= 0:
                    _dropout_into(dx, keep, start, drop_cols[below], drop_rates[below], dx)
                activation_backward_into(dx, zs[below][:rows], acts[below][:rows],
                                         dzs[below][:rows], act_codes[below])
        step += 1
    return step
