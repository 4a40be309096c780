"""Every loss kernel: the numba twin equals the NumPy reference (float32/float64, odd shapes,
batch 1, non-contiguous views, clipped entries), over hypothesis-drawn shapes."""

import numpy as np
from helpers import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import kernels
from minikeras.kernels.numpy_ref import losses as ref_losses

NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")
EPS = 1e-7


def _labels(rng, rows, k, dtype):
    return np.eye(k, dtype=dtype)[rng.integers(0, k, rows)]


# kernel name -> args(rng, y_true, y_pred, logits, from_logits, dtype); y_pred may be a view
ARGS = {
    "binary_crossentropy_value_and_grad":
        lambda r, t, p, z, fl, dt: [t, z if fl else p, EPS, fl],
    "categorical_crossentropy_value_and_grad":
        lambda r, t, p, z, fl, dt: [t, z if fl else p, EPS, fl],
    "sparse_categorical_crossentropy_value_and_grad":
        lambda r, t, p, z, fl, dt: [r.integers(0, p.shape[1], p.shape[0]), z if fl else p, EPS,
                                    fl],
    "mean_squared_error_value_and_grad": lambda r, t, p, z, fl, dt: [t, z],
    "mean_absolute_error_value_and_grad": lambda r, t, p, z, fl, dt: [t, z],
    "mean_absolute_percentage_error_value_and_grad":
        lambda r, t, p, z, fl, dt: [np.where(t > 0.8, 0, t - 0.5).astype(dt), z, EPS],
    # y_pred >= y_true + 0.7: where they meet, (a - b) cancels and ulps of float32 log differ
    "mean_squared_logarithmic_error_value_and_grad":
        lambda r, t, p, z, fl, dt: [t - 0.2, 1.5 + 3 * p, EPS],
    "huber_value_and_grad": lambda r, t, p, z, fl, dt: [t, z, np.dtype(dt).type(0.7)],
    # |error| >= 1: near 0, Keras's form x + softplus(-2x) - log 2 cancels, and the twins'
    # float32 log1p/exp differ by an ulp of log 2, a large error relative to the tiny result.
    # log2: log(2) exact (Keras on JAX) or float32-rounded (on TensorFlow), as config.numerics()
    "log_cosh_value_and_grad":
        lambda r, t, p, z, fl, dt: [t, (t + np.where(z < 0, -1, 1) * (1 + 9 * p)).astype(dt),
                                    float(r.choice([np.log(2.0), np.float32(np.log(2.0))]))],
    "cosine_similarity_value_and_grad": lambda r, t, p, z, fl, dt: [t - 0.5, z, EPS],
    "hinge_value_and_grad": lambda r, t, p, z, fl, dt: [np.sign(t - 0.5), z],
    "squared_hinge_value_and_grad": lambda r, t, p, z, fl, dt: [np.sign(t - 0.5), z],
    "categorical_hinge_value_and_grad":
        lambda r, t, p, z, fl, dt: [_labels(r, *p.shape, dt), np.round(z)],  # rounding: ties
    "kl_divergence_value_and_grad": lambda r, t, p, z, fl, dt: [t, p, EPS],
    "poisson_value_and_grad": lambda r, t, p, z, fl, dt: [t * 3, p, EPS],
    "binary_focal_crossentropy_value_and_grad":
        lambda r, t, p, z, fl, dt: [np.round(t), z if fl else p, bool(r.integers(2)), 0.3,
                                    float(r.choice([0.0, 1.5, 2.0])), EPS, fl],
    # logits in [-1, 1]: as p -> 1, float32's ulp of p is a growing relative error of 1 - p and
    # log p, which (1 - p)^gamma * log p carries into the loss (7e-6 apart at p = 0.98, gamma 2)
    "categorical_focal_crossentropy_value_and_grad":
        lambda r, t, p, z, fl, dt: [_labels(r, *p.shape, dt), z / 4 if fl else p,
                                    r.uniform(0, 1, p.shape).astype(dt),
                                    float(r.choice([0.0, 1.5, 2.0])), EPS, fl],
}


# Even with those logits, NumPy's float32 exp/log and the compiled libm ones differ by an ulp or
# two, which the focal product of four rounded factors carries: 1.6e-6 apart at worst over
# 200,000 random draws (rows <= 9, k <= 6, gamma 0/1.5/2), so 4e-6 for that kernel in float32.
FLOAT32_TOL = {"categorical_focal_crossentropy_value_and_grad": 4e-6}


def test_every_loss_kernel_has_a_twin_case():
    assert sorted(ARGS) == sorted(ref_losses.__all__)


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 9), k=st.integers(1, 6), strided=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]), from_logits=st.booleans(),
       seed=st.integers(0, 2**16))
def test_numba_twins_equal_numpy(rows, k, strided, dtype, from_logits, seed):
    rng = np.random.default_rng(seed)
    tol = 1e-6 if dtype == "float32" else 1e-13
    big = rng.uniform(0.0, 1.0, (rows, 2 * k)).astype(dtype)
    big[0, 0] = 0.0 if k > 1 else 0.5  # one clipped entry (a row of zeros has no distribution)
    y_pred = big[:, ::2] if strided else np.ascontiguousarray(big[:, :k])
    logits = (y_pred * 8 - 4).astype(dtype)
    y_true = rng.uniform(0, 1, (rows, k)).astype(dtype)
    for name in ref_losses.__all__:
        args = ARGS[name](rng, y_true, y_pred, logits, from_logits, dtype)
        pairs = zip(NUMPY[name](*args), NUMBA[name](*args), ("loss", "grad"), strict=True)
        for ref, fast, what in pairs:
            loose = FLOAT32_TOL.get(name, tol) if dtype == "float32" else tol
            assert ref.dtype == fast.dtype == np.dtype(dtype), f"{name} {what} dtype"
            assert ref.shape == fast.shape, f"{name} {what} shape"
            assert_close(fast, ref, loose, f"{name} {what} (numba vs numpy)")
