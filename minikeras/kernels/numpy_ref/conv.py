"""Convolution (Conv1D/2D/3D) math, channels_last, on an input the layer has already padded.

One kernel offset k = (k1, ..., kn) at a time ("shift and multiply"): every output position o
reads the input at o * strides + k * dilation_rate, so for each k the whole output gets one
matrix product with the kernel's (in_channels, filters) slice at k.

Forward:   z[b, o, :] = bias + sum over k of  x[b, o*s + k*d, :] @ kernel[k]
Backward:  dkernel[k] = sum over b, o of  outer(x[b, o*s + k*d, :], dz[b, o, :])
           dx[b, o*s + k*d, :] += dz[b, o, :] @ kernel[k].T        (for every k)
           dbias = sum over b, o of dz[b, o, :]

Activation (codes LINEAR, RELU, TANH, SIGMOID of kernels/codes.py): conv_forward returns
y = act(z), and conv_backward takes dy = dLoss/dy and that y, and starts from
dz = act'(z) * dy, written with y alone (relu: y > 0 exactly where z > 0). LINEAR: y is z.

Groups: the channels split into `groups` equal parts; group g's filters read only group g's
input channels, so kernel[k] is (in_channels / groups, filters) and each group is its own
product (`_grouped_matmul`).

Shapes (n = 1, 2 or 3 spatial axes): x (batch, *in_spatial, in_channels) padded;
kernel (*kernel_size, in_channels / groups, filters); bias (filters,) or None;
z and dz (batch, *out_spatial, filters), out = (in - d * (k - 1) - 1) // s + 1 per axis.
strides and dilation_rate: tuples of n ints.
"""

import numpy as np

from .. import codes
from .activations import activate, activation_backward

__all__ = ["conv_forward", "conv_backward"]


def conv_output_shape(in_spatial, kernel_size, strides, dilation_rate):
    """Output positions per spatial axis of a 'valid' convolution of the padded input."""
    return tuple((n - d * (k - 1) - 1) // s + 1
                 for n, k, s, d in zip(in_spatial, kernel_size, strides, dilation_rate,
                                       strict=True))


def window(k, strides, dilation_rate, out_spatial):
    """The index of x[:, o*s + k*d, :] for all output positions o (a strided view)."""
    return (slice(None),) + tuple(
        slice(ki * d, ki * d + s * (o - 1) + 1, s)
        for ki, s, d, o in zip(k, strides, dilation_rate, out_spatial, strict=True)
    ) + (slice(None),)


def _grouped_matmul(a, w, groups):
    """a (..., in_channels) @ w (in_channels / groups, filters), group by group."""
    if groups == 1:
        return a @ w
    cin, cout = w.shape[0], w.shape[1] // groups
    a = a.reshape(*a.shape[:-1], groups, cin)
    out = np.einsum("...gi,igo->...go", a, w.reshape(cin, groups, cout))
    return out.reshape(*out.shape[:-2], groups * cout)


def conv_forward(x, kernel, bias, strides, dilation_rate, groups, activation=codes.LINEAR):
    """y = act(z), z = bias + sum over kernel offsets k of x[:, o*s + k*d, :] @ kernel[k]."""
    out = conv_output_shape(x.shape[1:-1], kernel.shape[:-2], strides, dilation_rate)
    z = np.zeros((x.shape[0], *out, kernel.shape[-1]), dtype=x.dtype)
    for k in np.ndindex(*kernel.shape[:-2]):
        z += _grouped_matmul(x[window(k, strides, dilation_rate, out)], kernel[k], groups)
    if bias is not None:
        z += bias
    return activate(z, activation)


def conv_backward(dy, x, kernel, strides, dilation_rate, groups, need_dx=True,
                  activation=codes.LINEAR, y=None):
    """Return (dx, dkernel, dbias); dx has the padded input's shape (None where not need_dx:
    the model's first layer in training). y: conv_forward's output (not read for LINEAR)."""
    check_output_given(activation, y)
    dz = dy if activation == codes.LINEAR else activation_backward(dy, y, y, activation)
    out = dz.shape[1:-1]
    cin, filters = kernel.shape[-2], kernel.shape[-1]
    dz_rows = dz.reshape(-1, filters)                       # (batch * positions, filters)
    dx = np.zeros_like(x) if need_dx else None
    dkernel = np.zeros_like(kernel)
    for k in np.ndindex(*kernel.shape[:-2]):
        at = window(k, strides, dilation_rate, out)
        x_rows = x[at].reshape(-1, x.shape[-1])             # (batch * positions, in_channels)
        if groups == 1:
            dkernel[k] = x_rows.T @ dz_rows
        else:
            xg = x_rows.reshape(-1, groups, cin)
            dzg = dz_rows.reshape(-1, groups, filters // groups)
            dkernel[k] = np.einsum("ngi,ngo->igo", xg, dzg).reshape(cin, filters)
        if need_dx:
            dx[at] += _grouped_matmul(dz, _transpose_groups(kernel[k], groups), groups)
    return dx, dkernel, dz_rows.sum(axis=0)


def check_output_given(activation, y):
    """conv_backward needs conv_forward's output y for any activation but LINEAR."""
    if activation != codes.LINEAR and y is None:
        raise ValueError(f"conv_backward with activation code {activation} needs `y`, "
                         "conv_forward's output (the derivative is written with it); "
                         "received y=None.")


def _transpose_groups(w, groups):
    """w (in/groups, filters) -> its per-group transpose (filters/groups, in_channels), so that
    _grouped_matmul(dz, it, groups) is dz @ w.T within each group."""
    cin, cout = w.shape[0], w.shape[1] // groups
    return w.reshape(cin, groups, cout).transpose(2, 1, 0).reshape(cout, groups * cin)
