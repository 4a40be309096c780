"""ConvLSTM (ConvLSTM1D/2D/3D): an LSTM whose matmuls are convolutions, channels_last.

Weights (gate order i, f, c, o along the last axis, as Keras):
    kernel (*k, C, 4F)   recurrent_kernel (*k, F, 4F)   bias (4F,)
Forward at step t (sigma = recurrent_activation, act = activation; conv_s = the layer's
convolution of x: its strides, dilation and padding; conv_same = stride 1, 'same' padding):
    z_g = conv_s(x_t * m_g, kernel_g) + bias_g + conv_same(h_{t-1} * r_g, recurrent_kernel_g)
    i = sigma(z_i)   f = sigma(z_f)   g = act(z_c)   o = sigma(z_o)
    c_t = f * c_{t-1} + i * g
    h_t = o * act(c_t)                                              output_t = h_t
m_g, r_g: Keras's per-gate dropout masks (one per gate when dropout / recurrent_dropout is on;
a single all-ones mask otherwise, and then each side is one convolution with all 4F columns).
The input terms do not depend on h, so all time steps go through one convolution before the
loop (`conv_lstm_input_forward`, a batch of batch * T images); the loop
(`conv_lstm_forward`) adds the recurrent convolution step by step. Backward mirrors them:
`conv_lstm_backward` runs the LSTM backward of kernels/numpy_ref/rnn.py elementwise and sends
each step's dz back through the recurrent convolution, then `conv_lstm_input_backward` sends
all steps' dz back through the input convolution at once.

Masking (a Masking layer upstream) is the RNN's: a skipped step keeps h and c; its output is
the previous output (0 with zero_output_for_mask).

Shapes (batch; T steps; S_in, S: the input's and the output's spatial axes; n = 1 or 4 masks):
    x (batch, T, *S_in, C)        input_masks (n, batch, *S_in, C)
    xz (batch, T, *S, 4F)         recurrent_masks (n, batch, *S, F)
    h0, c0, h_T, c_T (batch, *S, F)   outputs (batch, T, *S, F)   mask (batch, T) 0/1
    pads: ((before, after), ...) per spatial axis of the input convolution (conv_args.py)
'same' padding of the recurrent convolution (stride 1, TensorFlow's rule): before = (k - 1) // 2,
after = k - 1 - before.

The convolutions are `kernels.conv`'s: this file's functions call the reference ones; the
numba twin (numba_fast/conv_lstm.py) runs the very same loops below with the compiled ones.
"""

import numpy as np

from . import conv as conv_ref
from .rnn import activation_slope, apply_activation

__all__ = ["conv_lstm_input_forward", "conv_lstm_input_backward", "conv_lstm_forward",
           "conv_lstm_backward"]


# ---- the public twins: the loops below, on the reference convolutions ----------------------
def conv_lstm_input_forward(x, kernel, bias, input_masks, strides, dilation_rate, pads):
    """xz[:, t] = concat_g conv_s(x[:, t] * m_g, kernel_g) + bias, all steps at once."""
    return input_forward(conv_ref, x, kernel, bias, input_masks, strides, dilation_rate, pads)


def conv_lstm_input_backward(dxz, x, kernel, input_masks, strides, dilation_rate, pads):
    """Returns dx (batch, T, *S_in, C), dkernel, dbias (4F,)."""
    return input_backward(conv_ref, dxz, x, kernel, input_masks, strides, dilation_rate, pads)


def conv_lstm_forward(xz, recurrent_kernel, h0, c0, mask, recurrent_masks, activation,
                      recurrent_activation, zero_output_for_mask):
    """Returns outputs, h_T, c_T and the cache for backward: hprev, cprev (batch, T, *S, F) the
    states entering each step, gates (batch, T, *S, 4F) = i f g o, cnew (batch, T, *S, F)."""
    return forward_loop(conv_ref, xz, recurrent_kernel, h0, c0, mask, recurrent_masks,
                        activation, recurrent_activation, zero_output_for_mask)


def conv_lstm_backward(doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_masks,
                       hprev, cprev, gates, cnew, activation, recurrent_activation,
                       zero_output_for_mask):
    """Returns dxz (batch, T, *S, 4F), drecurrent_kernel, dh0, dc0 (batch, *S, F)."""
    return backward_loop(conv_ref, doutputs, dh_last, dc_last, recurrent_kernel, mask,
                         recurrent_masks, hprev, cprev, gates, cnew, activation,
                         recurrent_activation, zero_output_for_mask)


# ---- per-gate convolutions ------------------------------------------------------------------
def pad(a, pads):
    """a (batch, *S, channels) with zeros around its spatial axes."""
    if not any(b or e for b, e in pads):
        return a
    return np.pad(a, [(0, 0), *pads, (0, 0)])


def unpad(da, pads):
    index = tuple(slice(b, n - e) for (b, e), n in zip(pads, da.shape[1:-1], strict=True))
    return da[(slice(None), *index, slice(None))]


def same_pads(kernel_size):
    return tuple(((k - 1) // 2, k - 1 - (k - 1) // 2) for k in kernel_size)


def gate_conv(conv, a, masks, kernel, bias, strides, dilation_rate, pads):
    """concat over gates g of conv(pad(a * masks[g]), kernel_g) + bias; one convolution with
    all columns when there is one mask.  a (N, *S_a, ch), masks (n, N, *S_a, ch)."""
    n = masks.shape[0]
    if n == 1:
        return conv.conv_forward(pad(a * masks[0], pads), kernel, bias, strides,
                                 dilation_rate, 1)
    width = kernel.shape[-1] // n
    parts = []
    for g in range(n):
        cols = slice(g * width, (g + 1) * width)
        parts.append(conv.conv_forward(pad(a * masks[g], pads),
                                       np.ascontiguousarray(kernel[..., cols]),
                                       None if bias is None else bias[cols], strides,
                                       dilation_rate, 1))
    return np.concatenate(parts, axis=-1)


def gate_conv_backward(conv, dz, a, masks, kernel, strides, dilation_rate, pads):
    """Backward of gate_conv: da = sum_g unpad(conv_backward_g) * masks[g]; returns
    (da, dkernel, dbias)."""
    n = masks.shape[0]
    width = kernel.shape[-1] // n
    da = np.zeros_like(a)
    dkernel = np.zeros_like(kernel)
    dbias = np.zeros(kernel.shape[-1], kernel.dtype)
    for g in range(n):
        cols = slice(g * width, (g + 1) * width)
        dap, dkernel[..., cols], dbias[cols] = conv.conv_backward(
            np.ascontiguousarray(dz[..., cols]), pad(a * masks[g], pads),
            np.ascontiguousarray(kernel[..., cols]), strides, dilation_rate, 1)
        da += unpad(dap, pads) * masks[g]
    return da, dkernel, dbias


def _steps_as_batch(a):
    """(batch, T, ...) -> (batch * T, ...), and back with .reshape(batch, T, ...)."""
    return a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])


def _repeat_masks(masks, steps):
    """(n, batch, ...) -> (n, batch * T, ...): the same mask at every step (Keras)."""
    n, batch = masks.shape[:2]
    return np.broadcast_to(masks[:, :, None], (n, batch, steps, *masks.shape[2:])).reshape(
        n, batch * steps, *masks.shape[2:])


def input_forward(conv, x, kernel, bias, input_masks, strides, dilation_rate, pads):
    batch, steps = x.shape[:2]
    xz = gate_conv(conv, _steps_as_batch(x), _repeat_masks(input_masks, steps), kernel, bias,
                   strides, dilation_rate, pads)
    return xz.reshape(batch, steps, *xz.shape[1:])


def input_backward(conv, dxz, x, kernel, input_masks, strides, dilation_rate, pads):
    batch, steps = x.shape[:2]
    dx, dkernel, dbias = gate_conv_backward(
        conv, _steps_as_batch(np.ascontiguousarray(dxz)), _steps_as_batch(x),
        _repeat_masks(input_masks, steps), kernel, strides, dilation_rate, pads)
    return dx.reshape(x.shape), dkernel, dbias


# ---- the time loop --------------------------------------------------------------------------
def forward_loop(conv, xz, recurrent_kernel, h0, c0, mask, recurrent_masks, activation,
                 recurrent_activation, zero_output_for_mask):
    batch, steps = xz.shape[:2]
    f4 = xz.shape[-1]
    u = f4 // 4
    ones = (1,) * (recurrent_kernel.ndim - 2)
    pads = same_pads(recurrent_kernel.shape[:-2])
    outputs = np.zeros((*xz.shape[:-1], u), xz.dtype)
    hprev, cprev, cnew = np.zeros_like(outputs), np.zeros_like(outputs), np.zeros_like(outputs)
    gates = np.zeros_like(xz)
    h, c = h0.astype(xz.dtype), c0.astype(xz.dtype)
    out = np.zeros_like(h)
    for t in range(steps):
        m = mask[:, t].reshape(batch, *ones, 1)
        hprev[:, t], cprev[:, t] = h, c
        z = xz[:, t] + gate_conv(conv, h, recurrent_masks, recurrent_kernel, None,
                                 (1,) * len(ones), (1,) * len(ones), pads)
        i = apply_activation(z[..., :u], recurrent_activation)
        f = apply_activation(z[..., u:2 * u], recurrent_activation)
        g = apply_activation(z[..., 2 * u:3 * u], activation)
        o = apply_activation(z[..., 3 * u:], recurrent_activation)
        c_new = f * c + i * g
        h_new = o * apply_activation(c_new, activation)
        gates[:, t] = np.concatenate([i, f, g, o], axis=-1)
        cnew[:, t] = c_new
        h = np.where(m > 0, h_new, h)
        c = np.where(m > 0, c_new, c)
        out = np.where(m > 0, h_new, 0 if zero_output_for_mask else out)
        outputs[:, t] = out
    return outputs, h, c, hprev, cprev, gates, cnew


def backward_loop(conv, doutputs, dh_last, dc_last, recurrent_kernel, mask, recurrent_masks,
                  hprev, cprev, gates, cnew, activation, recurrent_activation,
                  zero_output_for_mask):
    """The LSTM backward of numpy_ref/rnn.py's lstm_backward, with the recurrent matmul's
    transpose replaced by the recurrent convolution's backward:
        dz = [dz_i dz_f dz_c dz_o] from (dh_new, dc_new) as in lstm_backward
        drecurrent_kernel += dkernel of conv_same(h_{t-1} * r_g) for dz_g
        dh = sum_g unpad(dinput of that convolution) * r_g + (1 - m) * dh
        dc = dc_new * f + (1 - m) * dc
    """
    batch, steps = doutputs.shape[:2]
    u = doutputs.shape[-1]
    ones = (1,) * (recurrent_kernel.ndim - 2)
    unit = (1,) * len(ones)
    pads = same_pads(recurrent_kernel.shape[:-2])
    dxz = np.zeros((*doutputs.shape[:-1], 4 * u), doutputs.dtype)
    drecurrent_kernel = np.zeros_like(recurrent_kernel)
    dh, dc = dh_last.astype(doutputs.dtype), dc_last.astype(doutputs.dtype)
    dout_carry = np.zeros_like(dh)
    for t in range(steps - 1, -1, -1):
        m = mask[:, t].reshape(batch, *ones, 1)
        dout = doutputs[:, t] + dout_carry
        dout_carry = 0 * dout if zero_output_for_mask else (1 - m) * dout
        gt = gates[:, t]
        i, f, g, o = (gt[..., k * u:(k + 1) * u] for k in range(4))
        a = apply_activation(cnew[:, t], activation)
        dh_new = m * (dout + dh)
        dc_new = m * dc + dh_new * o * activation_slope(a, activation)
        dz = np.concatenate([dc_new * g * activation_slope(i, recurrent_activation),
                             dc_new * cprev[:, t] * activation_slope(f, recurrent_activation),
                             dc_new * i * activation_slope(g, activation),
                             dh_new * a * activation_slope(o, recurrent_activation)], axis=-1)
        dxz[:, t] = dz
        dh_prev, dkernel, _ = gate_conv_backward(conv, dz, hprev[:, t], recurrent_masks,
                                                 recurrent_kernel, unit, unit, pads)
        drecurrent_kernel += dkernel
        dh = dh_prev + (1 - m) * dh
        dc = dc_new * f + (1 - m) * dc
    return dxz, drecurrent_kernel, dh, dc
