"""Every kernel exists on both paths with the same name and signature; the switch works."""

import inspect
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import kernels

NUMPY = kernels.load_path("numpy")
NUMBA = kernels.load_path("numba")


def test_same_names_on_both_paths():
    assert sorted(NUMPY) == sorted(NUMBA)
    assert len(NUMPY) >= 2


@pytest.mark.parametrize("name", sorted(NUMPY))
def test_same_signature(name):
    ref = inspect.signature(NUMPY[name])
    fast = inspect.signature(getattr(NUMBA[name], "py_func", NUMBA[name]))
    assert ref == fast, f"{name}: {ref} (numpy) vs {fast} (numba)"


@pytest.mark.parametrize("path", ["numpy", "numba"])
def test_switch_selects_path(path):
    code = ("import minikeras.kernels as k; f = k.dense.dense_forward; "
            "print(k.KERNELS, hasattr(f, 'py_func'))")
    env = dict(os.environ, MINIKERAS_KERNELS=path)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [path, str(path == "numba")]


def test_unknown_path_is_a_clear_error():
    env = dict(os.environ, MINIKERAS_KERNELS="cuda")
    result = subprocess.run([sys.executable, "-c", "import minikeras.kernels"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "MINIKERAS_KERNELS='cuda'" in result.stderr


def _dense_case(rng, batch, n_in, units, dtype, transposed, with_bias):
    x = rng.normal(size=(n_in, batch) if transposed else (batch, n_in)).astype(dtype)
    x = x.T if transposed else x  # a non-contiguous view when transposed
    kernel = rng.normal(size=(n_in, units)).astype(dtype)
    bias = rng.normal(size=units).astype(dtype) if with_bias else None
    dz = rng.normal(size=(batch, units)).astype(dtype)
    return x, kernel, bias, dz


@settings(max_examples=40, deadline=None)
@given(batch=st.integers(1, 9), n_in=st.integers(1, 7), units=st.integers(1, 6),
       dtype=st.sampled_from([np.float32, np.float64]), transposed=st.booleans(),
       with_bias=st.booleans(), seed=st.integers(0, 2**16))
def test_dense_twins_equal(batch, n_in, units, dtype, transposed, with_bias, seed):
    rng = np.random.default_rng(seed)
    x, kernel, bias, dz = _dense_case(rng, batch, n_in, units, dtype, transposed, with_bias)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    z_ref = NUMPY["dense_forward"](x, kernel, bias)
    z_fast = NUMBA["dense_forward"](x, kernel, bias)
    assert z_fast.dtype == z_ref.dtype == dtype
    np.testing.assert_allclose(z_fast, z_ref, rtol=tol, atol=tol)
    for ref, fast in zip(NUMPY["dense_backward"](dz, x, kernel),
                         NUMBA["dense_backward"](dz, x, kernel), strict=True):
        assert fast.dtype == ref.dtype == dtype and fast.shape == ref.shape
        np.testing.assert_allclose(fast, ref, rtol=tol, atol=tol * max(1, n_in, batch))


def test_without_scipy_the_numba_path_falls_back_to_numpy_with_a_warning():
    # numba's np.dot needs scipy's BLAS bindings; a --no-deps install without scipy must still
    # train (on the reference kernels) and say why, instead of failing inside numba.
    code = ("import sys, warnings; sys.modules['scipy'] = None\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    from minikeras import kernels\n"
            "print(kernels.KERNELS, kernels.dense.dense_forward.__module__)\n"
            "print(any('scipy is not installed' in str(x.message) for x in w))\n")
    env = {**os.environ, "MINIKERAS_KERNELS": "numba"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout.split()
    assert out == ["numpy", "minikeras.kernels.numpy_ref.dense", "True"]
