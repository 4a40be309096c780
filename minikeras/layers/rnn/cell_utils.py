"""What every recurrent cell shares outside its time loop: argument checks, the weights'
initializer/regularizer/constraint options, the dropout masks, and the input projection done
for all time steps before the loop (one matmul, in row blocks for mid-sized ones)."""

import numbers

import numpy as np

from ... import activations, constraints, initializers, kernels, regularizers
from ...kernels import codes
from ..weight_options import set_weight_options

WEIGHTS = ("kernel", "recurrent", "bias")  # option prefixes: kernel_initializer, ...


def set_cell_options(layer, activation, recurrent_activation, use_bias, **weight_options):
    """What every recurrent layer keeps of its arguments: `activation` and (None for SimpleRNN)
    `recurrent_activation` as functions, their codes for the compiled loops (`layer._codes`,
    kernels/codes.py), `use_bias`, and the kernel / recurrent / bias options
    (set_weight_options)."""
    layer.activation = activations.get(activation)
    layer._codes = (activation_code(layer.activation, "activation"),)
    if recurrent_activation is not None:
        layer.recurrent_activation = activations.get(recurrent_activation)
        layer._codes += (activation_code(layer.recurrent_activation, "recurrent_activation"),)
    layer.use_bias = bool(use_bias)
    set_weight_options(layer, **weight_options)


def lstm_options_config(layer):
    """The config keys an LSTM cell and a ConvLSTM cell share, after their shape keys, in
    Keras's order (activations, use_bias, initializers, unit_forget_bias, regularizers and
    constraints, dropouts, seed)."""
    return {
        "activation": activations.serialize(layer.activation),
        "recurrent_activation": activations.serialize(layer.recurrent_activation),
        "use_bias": layer.use_bias,
        **initializers_config(layer),
        "unit_forget_bias": layer.unit_forget_bias,
        **regularizers_constraints_config(layer),
        "dropout": layer.dropout,
        "recurrent_dropout": layer.recurrent_dropout,
        "seed": layer.seed,
    }


def initializers_config(layer):
    """Keras's serialized kernel/recurrent/bias initializers, in Keras's key order."""
    return {f"{w}_initializer": initializers.serialize(getattr(layer, f"{w}_initializer"))
            for w in WEIGHTS}


def regularizers_constraints_config(layer):
    """Keras's serialized regularizers (activity included) then constraints, in its order."""
    config = {f"{w}_regularizer": regularizers.serialize(getattr(layer, f"{w}_regularizer"))
              for w in WEIGHTS}
    config["activity_regularizer"] = regularizers.serialize(layer.activity_regularizer)
    config.update({f"{w}_constraint": constraints.serialize(getattr(layer, f"{w}_constraint"))
                   for w in WEIGHTS})
    return config


def check_use_cudnn(use_cudnn):
    """Keras's check (and message) for `use_cudnn`, which minikeras accepts and ignores."""
    if use_cudnn not in ("auto", True, False):
        raise ValueError("Invalid valid received for argument `use_cudnn`. Expected one of "
                         f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn!r}")

def activation_code(fn, argname):
    """The kernel code for an activation function (kernels/codes.py); ValueError for one the
    time loops lack."""
    return codes.activation_code(fn, argname)


def check_units(units):
    if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
        raise ValueError("Received an invalid value for argument `units`, expected a positive "
                         f"integer, got {units!r}.")
    return int(units)


def check_rate(rate, argname):
    """Keras clips dropout rates into [0, 1]; a non-number is an error."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise TypeError(f"`{argname}` must be a float in [0, 1]; received {argname}={rate!r}.")
    return min(1.0, max(0.0, float(rate)))


def dropout_masks(rng, count, shape, rate, dtype):
    """`count` inverted-dropout masks: 1/(1 - rate) where kept (probability 1 - rate), else 0.

    Returns (count, *shape).
    """
    keep = np.asarray(rng.random(size=(count, *shape))) >= rate
    return (keep / (1.0 - rate)).astype(dtype)


def recurrent_kernel(layer):
    """The layer's recurrent kernel in C order: the loops walk its rows (Keras's orthogonal
    initializer hands back a transposed, Fortran-ordered array)."""
    return np.ascontiguousarray(layer.recurrent_kernel.value)


def input_projection(x, kernel, bias, input_masks):
    """All time steps' input terms in one matmul per mask: xz = (x * m_g) @ kernel_g + bias_g.

    With one mask, every gate sees the same dropped-out input (one projection kernel call:
    on the numba path, row slabs over threads in single-thread BLAS blocks, see
    kernels/numba_fast/blocks.py); with one mask per gate (Keras's LSTM with
    recurrent_dropout, GRU), gate g's columns use mask g.
    Shapes: x (batch, T, features), kernel (features, G*u), bias (G*u,) or None,
    input_masks (n, batch, features) with n = 1 or G; returns xz (batch, T, G*u).
    """
    batch, steps, features = x.shape
    n = input_masks.shape[0]
    if n == 1:  # the usual case: one kernel call, no copy of xz
        xm = (x * input_masks[0][:, None, :]).reshape(batch * steps, features)
        xz = kernels.dense.projection_forward(xm, kernel, bias)
        return xz.reshape(batch, steps, kernel.shape[1])
    width = kernel.shape[1] // n
    xz = np.empty((batch * steps, kernel.shape[1]), kernel.dtype)
    for g in range(n):
        xm = (x * input_masks[g][:, None, :]).reshape(batch * steps, features)
        cols = slice(g * width, (g + 1) * width)
        kernel_g, bias_g = np.ascontiguousarray(kernel[:, cols]), None if bias is None \
            else bias[cols]
        xz[:, cols] = kernels.dense.projection_forward(xm, kernel_g, bias_g)
    return xz.reshape(batch, steps, kernel.shape[1])


def input_projection_backward(dxz, x, kernel, input_masks):
    """Backward of `input_projection`.

        dkernel_g = (x * m_g).T @ dxz_g     dbias = sum over batch and time of dxz
        dx        = sum_g (dxz_g @ kernel_g.T) * m_g
    Shapes as `input_projection`; returns dx (batch, T, features), dkernel, dbias (G*u,).
    Rows go in time-major order (T * batch): the time loops hand dxz back as a (batch, T, .)
    view of a (T, batch, .) buffer, so that order reads it without a copy.
    """
    batch, steps, features = x.shape
    n = input_masks.shape[0]
    width = kernel.shape[1] // n
    dx = np.zeros((steps, batch, features), x.dtype)
    dkernel = np.zeros_like(kernel)
    dbias = np.zeros(kernel.shape[1], kernel.dtype)
    dxz = dxz.transpose(1, 0, 2)
    for g in range(n):
        mask = input_masks[g][None, :, :]
        xm = (x.transpose(1, 0, 2) * mask).reshape(steps * batch, features)
        cols = slice(g * width, (g + 1) * width)
        dz = np.ascontiguousarray(dxz[:, :, cols]).reshape(steps * batch, width)
        dxm, dkernel[:, cols], dbias[cols] = kernels.dense.projection_backward(
            dz, xm, np.ascontiguousarray(kernel[:, cols]))
        dx += dxm.reshape(steps, batch, features) * mask
    return np.ascontiguousarray(dx.transpose(1, 0, 2)), dkernel, dbias
