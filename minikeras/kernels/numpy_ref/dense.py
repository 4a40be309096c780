"""Dense (fully connected) layer math, before the activation.

Forward:   z = x @ kernel + bias
Backward:  dx = dz @ kernel.T,  dkernel = x.T @ dz,  dbias = sum over the batch of dz

Shapes: x (batch, input_dim), kernel (input_dim, units), bias (units,) or None,
z and dz (batch, units). `dname` is dLoss/dname (see NOTATION.md).
"""

__all__ = ["dense_forward", "dense_backward", "projection_forward", "projection_backward"]


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


# The recurrent layers' input projection, all time steps at once: the same math as above on
# (batch * T, features) rows. Separate names because the numba twins differ in how they run
# it (row slabs over threads, single-thread BLAS blocks), not in what they compute.
projection_forward = dense_forward
projection_backward = dense_backward
