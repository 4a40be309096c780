"""numba == NumPy for the metric kernels: top-k matches and confusion counts, over odd shapes,
batch 1, non-contiguous views, ties and exact threshold values, float32 and float64."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import kernels

NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")


def _scores(rng, rows, cols, dtype, strided, grid):
    """Scores in [-0.1, 1.1] (clipping exercised), on a 1/grid lattice when grid (ties)."""
    big = rng.uniform(-0.1, 1.1, (rows, 2 * cols))
    if grid:
        big = np.round(big * grid) / grid
    big = big.astype(dtype)
    return big[:, ::2] if strided else big[:, :cols]


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 9), classes=st.integers(1, 7), k=st.integers(1, 8),
       strided=st.booleans(), grid=st.sampled_from([0, 4]),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_top_k_matches_twins(rows, classes, k, strided, grid, dtype, seed):
    rng = np.random.default_rng(seed)
    scores = _scores(rng, rows, classes, dtype, strided, grid)
    labels = rng.integers(-1, classes + 1, rows)  # out-of-range labels never match
    if rows > 1:
        scores[0, 0] = np.nan
    ref, fast = NUMPY["top_k_matches"](labels, scores, k), NUMBA["top_k_matches"](labels, scores, k)
    assert ref.dtype == fast.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(fast, ref)


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 4), num=st.integers(2, 12),
       strided=st.booleans(), grid=st.sampled_from([0, 10]), clamp=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_confusion_counts_twins(rows, cols, num, strided, grid, clamp, dtype, seed):
    rng = np.random.default_rng(seed)
    scores = _scores(rng, rows, cols, dtype, strided, grid)
    labels = rng.integers(0, 3, (rows, cols)).astype(dtype)  # 2 is a positive label too
    weights = rng.uniform(0, 2, (rows, cols)).astype(dtype)
    thresholds = np.sort(rng.uniform(0, 1, num)).astype(dtype)
    rtol = 1e-6 if dtype == "float32" else 1e-13  # sums in a different order
    for name, args in [("confusion_counts", (labels, scores, weights, thresholds)),
                       ("confusion_counts_bucketed", (labels, scores, weights, num, clamp))]:
        ref, fast = NUMPY[name](*args), NUMBA[name](*args)
        for which, r, f in zip(("tp", "fp", "tn", "fn"), ref, fast, strict=True):
            assert r.shape == f.shape == (num, cols) and r.dtype == f.dtype == np.dtype(dtype)
            np.testing.assert_allclose(f, r, rtol=rtol, atol=rtol * rows * 2,
                                       err_msg=f"{name} {which}")


def test_bucketed_equals_thresholds_on_an_even_grid():
    """On thresholds i/(T-1), Keras's bucket path counts what `y_pred > threshold` counts."""
    rng = np.random.default_rng(5)
    scores = rng.uniform(0, 1, (50, 2))
    labels, weights = rng.integers(0, 2, (50, 2)).astype(float), rng.uniform(0, 1, (50, 2))
    num = 11
    even = np.arange(num) / (num - 1)
    for path in (NUMPY, NUMBA):
        a = path["confusion_counts"](labels, scores, weights, even)
        b = path["confusion_counts_bucketed"](labels, scores, weights, num, False)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
