"""Dense (fully connected) layer math, before the activation.

Forward:   z = x @ kernel + bias
Backward:  dx = dz @ kernel.T,  dkernel = x.T @ dz,  dbias = sum over the batch of dz

Shapes: x (batch, input_dim), kernel (input_dim, units), bias (units,) or None,
z and dz (batch, units). `dname` is dLoss/dname (see NOTATION.md).
"""

__all__ = ["dense_forward", "dense_backward"]


def dense_forward(x, kernel, bias):
    z = x @ kernel
    if bias is not None:
        z += bias
    return z


def dense_backward(dz, x, kernel):
    """Return (dx, dkernel, dbias)."""
    dx = dz @ kernel.T
    dkernel = x.T @ dz
    dbias = dz.sum(axis=0)
    return dx, dkernel, dbias
