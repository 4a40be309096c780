"""kernels/plan.py's numpy_blas_on_calling_thread: the Orthogonal initializer's QR runs on
NumPy's BLAS with one thread (so no BLAS pool is left spinning into a fit), and the count
is given back after."""

import numpy as np
import pytest

from minikeras import initializers
from minikeras.kernels import plan

NUMPY_BLAS = plan.openblas_threads("numpy")


@pytest.mark.skipif(NUMPY_BLAS is None, reason="NumPy's bundled OpenBLAS not found")
def test_numpy_blas_runs_on_one_thread_inside_and_is_restored(monkeypatch):
    set_threads, get_threads = NUMPY_BLAS
    before = get_threads()
    set_threads(2)
    try:
        seen = []
        real_qr = np.linalg.qr

        def qr(a):
            seen.append(get_threads())
            return real_qr(a)

        monkeypatch.setattr(np.linalg, "qr", qr)
        weights = initializers.Orthogonal(seed=3)((64, 256))
        assert seen == [1], "the QR ran with NumPy's BLAS on more than the calling thread"
        assert get_threads() == 2, "NumPy's BLAS thread count was not given back"
        monkeypatch.setattr(np.linalg, "qr", real_qr)
        assert np.allclose(weights @ weights.T, np.eye(64), atol=1e-5)  # rows orthonormal
        assert np.array_equal(weights, initializers.Orthogonal(seed=3)((64, 256)))
    finally:
        set_threads(before)


def test_context_gives_the_count_back_after_an_error():
    found = plan.openblas_threads("numpy")
    before = found[1]() if found else None
    with pytest.raises(RuntimeError):
        with plan.numpy_blas_on_calling_thread():
            raise RuntimeError("inside")
    assert (found[1]() if found else None) == before
