"""Weights and optimizer slots as flat buffers, the form the compiled epochs take.

An epoch runner copies the model's trainable Variables (and the optimizer's slots for them)
into one flat array each, hands those to the kernel, and copies them back after the epoch.
`layout` rows say where each layer's kernel and bias start in the buffer.
"""

import itertools

import numpy as np

from ..kernels import codes
from ..optimizers.base import keras_cast


class FlatParameters:
    """Offsets of `variables` in a flat buffer, and the copies in and out of it."""

    def __init__(self, variables, dtype):
        self.variables = list(variables)
        self.dtype = np.dtype(dtype)
        sizes = [v.value.size for v in self.variables]
        self.offsets = np.array([0, *itertools.accumulate(sizes)], dtype=np.int64)

    def dense_layout(self, dense, first):
        """(L, 4) int64 rows (kernel offset, bias offset, fan_in, units) of the Dense layers,
        whose kernel and bias are variables first + 2 l and first + 2 l + 1."""
        return np.array([[self.offsets[first + 2 * i], self.offsets[first + 2 * i + 1],
                          layer.kernel.shape[0], layer.units]
                         for i, layer in enumerate(dense)], dtype=np.int64)

    def gather(self, variables=None):
        """One flat copy of `variables` (default: the model's), in this buffer's layout."""
        flat = np.empty(self.offsets[-1], dtype=self.dtype)
        for v, a, b in zip(variables or self.variables, self.offsets[:-1], self.offsets[1:],
                           strict=True):
            flat[a:b] = v.value.ravel()
        return flat

    def scatter(self, flat, variables=None):
        """Write a flat buffer back into `variables` (default: the model's)."""
        for v, a, b in zip(variables or self.variables, self.offsets[:-1], self.offsets[1:],
                           strict=True):
            v.value[...] = flat[a:b].reshape(v.value.shape)


def optimizer_scalars(opt, opt_code, dtype, steps):
    """(hyper (3,) float64, step_scalars (steps,) float64) for the fused update of `opt_code`.

    SGD: lr, momentum, nesterov (each cast as SGD.update_step casts it); RMSprop: lr, rho,
    epsilon; Adam: beta_1, beta_2, epsilon, and the step size of each of the epoch's steps,
    from Adam.step_size (the optimizer's own formula).
    """
    dtype = np.dtype(dtype)
    lr = opt.learning_rate
    if opt_code == codes.SGD:
        return np.array([float(keras_cast(lr, dtype)), float(keras_cast(opt.momentum, dtype)),
                         float(bool(opt.nesterov))]), np.zeros(1)
    if opt_code == codes.RMSPROP:
        return np.array([float(keras_cast(lr, dtype)), float(opt.rho),
                         float(opt.epsilon)]), np.zeros(1)
    t0 = int(opt.iterations)
    alphas = np.array([float(opt.step_size(lr, t0 + s, dtype)) for s in range(steps)])
    return np.array([float(opt.beta_1), float(opt.beta_2), float(opt.epsilon)]), alphas


class FlatOptimizerState:
    """The optimizer's slots for the model's variables, as flat buffers (slot_1, slot_2; an
    empty array where the optimizer has fewer)."""

    def __init__(self, opt, flat_parameters):
        if not opt.built:
            opt.build(flat_parameters.variables)
        self.opt, self.flat = opt, flat_parameters
        self.slots = opt.slot_variables(flat_parameters.variables)

    def gather(self):
        buffers = [self.flat.gather(s) for s in self.slots]
        empty = np.zeros(0, dtype=self.flat.dtype)
        return (buffers[0] if buffers else empty), (buffers[1] if len(buffers) > 1 else empty)

    def scatter(self, slot_1, slot_2):
        for flat, variables in zip((slot_1, slot_2), self.slots, strict=False):
            self.flat.scatter(flat, variables)
