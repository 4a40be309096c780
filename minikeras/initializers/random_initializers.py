"""Random initializers: normal/uniform draws and the variance-scaling family (Glorot, He,
LeCun), and Orthogonal (Keras's random_initializers.py). Seeds: see `minikeras.utils.random`.
"""

import math
import numbers

import numpy as np

from ..kernels import plan
from ..utils import random as mk_random
from .initializer import Initializer, _float_dtype, standardize_shape


class RandomInitializer(Initializer):
    """Base of the random initializers: holds `seed` (None or a non-negative int)."""

    def __init__(self, seed=None):
        self.seed = mk_random.validate_seed(seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """w ~ N(mean, stddev^2)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return mk_random.normal(standardize_shape(shape), self.mean, self.stddev,
                                _float_dtype(dtype), self.seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """w ~ N(mean, stddev^2), with draws beyond mean +- 2 stddev drawn again."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return mk_random.truncated_normal(standardize_shape(shape), self.mean, self.stddev,
                                          _float_dtype(dtype), self.seed)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """w ~ U[minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return mk_random.uniform(standardize_shape(shape), self.minval, self.maxval,
                                 _float_dtype(dtype), self.seed)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape, as Keras counts them.

    given axes:   fan_in = prod(shape[input_axes]),  fan_out = prod(shape[output_axes])
    rank 0:       fan_in = fan_out = 1
    rank 1:       fan_in = fan_out = shape[0]
    rank 2:       fan_in = shape[0], fan_out = shape[1]          (Dense kernel: (in, out))
    rank >= 3:    r = prod(shape[:-2]) (receptive field); fan_in = shape[-2] * r,
                  fan_out = shape[-1] * r                          (conv kernel: (..., in, out))
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class VarianceScaling(RandomInitializer):
    """Draws whose variance is `scale / n`, with n the fan chosen by `mode`.

    n = max(1, fan_in) | max(1, fan_out) | max(1, (fan_in + fan_out) / 2)    for mode
        "fan_in" | "fan_out" | "fan_avg";  s = scale / n
    truncated_normal:    w ~ TruncatedNormal(0, sqrt(s) / .87962566103423978)  (cut at 2 stddev;
                         the divisor restores the variance the cut removes)
    untruncated_normal:  w ~ N(0, stddev = sqrt(s))
    uniform:             w ~ U[-limit, limit), limit = sqrt(3 * s)
    ("normal" means "truncated_normal", as in Keras.)
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if not isinstance(scale, numbers.Real) or scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale!r}")
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of {modes}")
        distribution = str(distribution).lower()
        distribution = "truncated_normal" if distribution == "normal" else distribution
        distributions = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in distributions:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. "
                             f"Please use one of {distributions}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = standardize_shape(shape), _float_dtype(dtype)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": max(1.0, fan_in), "fan_out": max(1.0, fan_out),
             "fan_avg": max(1.0, (fan_in + fan_out) / 2.0)}[self.mode]
        scale = self.scale / n
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.87962566103423978
            return mk_random.truncated_normal(shape, 0.0, stddev, dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return mk_random.normal(shape, 0.0, math.sqrt(scale), dtype, self.seed)
        limit = math.sqrt(3.0 * scale)
        return mk_random.uniform(shape, -limit, limit, dtype, self.seed)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _VarianceScalingPreset(VarianceScaling):
    """A VarianceScaling with fixed (scale, mode, distribution); only seed and axes vary."""
    PRESET = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        scale, mode, distribution = self.PRESET
        super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_VarianceScalingPreset):
    """Glorot (Xavier) uniform: w ~ U[-limit, limit), limit = sqrt(6 / (fan_in + fan_out))."""
    PRESET = (1.0, "fan_avg", "uniform")


class GlorotNormal(_VarianceScalingPreset):
    """Glorot normal: truncated normal with stddev sqrt(2 / (fan_in + fan_out)) after the cut."""
    PRESET = (1.0, "fan_avg", "truncated_normal")


class LecunUniform(_VarianceScalingPreset):
    """LeCun uniform: w ~ U[-limit, limit), limit = sqrt(3 / fan_in)."""
    PRESET = (1.0, "fan_in", "uniform")


class LecunNormal(_VarianceScalingPreset):
    """LeCun normal: truncated normal with stddev sqrt(1 / fan_in) after the cut."""
    PRESET = (1.0, "fan_in", "truncated_normal")


class HeUniform(_VarianceScalingPreset):
    """He uniform: w ~ U[-limit, limit), limit = sqrt(6 / fan_in)."""
    PRESET = (2.0, "fan_in", "uniform")


class HeNormal(_VarianceScalingPreset):
    """He normal: truncated normal with stddev sqrt(2 / fan_in) after the cut."""
    PRESET = (2.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (times `gain`), from the QR decomposition of a Gaussian matrix.

    rows = prod(shape[:-1]), cols = shape[-1];  a ~ N(0, 1) of shape (max(rows, cols),
    min(rows, cols));  q, r = qr(a);  q = q * sign(diag(r))  (makes q uniformly distributed);
    w = gain * reshape(q if rows >= cols else q^T, shape).
    So columns are orthonormal when rows >= cols, rows are orthonormal otherwise.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = standardize_shape(shape), _float_dtype(dtype)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = mk_random.normal((max(rows, cols), min(rows, cols)), dtype=np.float64, seed=self.seed)
        with plan.numpy_blas_on_calling_thread():  # no BLAS pool left spinning (plan.py)
            q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return np.asarray(self.gain * q.reshape(shape), dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
