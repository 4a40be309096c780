"""Shared test tools: tolerance checks that print both values, and finite differences.

Tolerances are normwise: an array `mine` matches `theirs` to `rtol` when
    max |mine - theirs| <= rtol * max(max |theirs|, tiny)
so elements near zero (after cancellation) are judged against the array's scale, as a
float32 computation can only promise. The stated bounds (house rules):
"""

import numpy as np

F32_FORWARD = 1e-6  # float32 forward outputs and single optimizer steps
F32_TRAJECTORY = 1e-5  # float32 after 20 training steps
F64 = 1e-10  # float64 on both sides
FD = 1e-6  # float64 finite differences vs analytic gradients (central, h=1e-6)


def max_rel_error(mine, theirs):
    mine = np.asarray(mine, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    scale = max(float(np.max(np.abs(theirs))) if theirs.size else 0.0, 1e-30)
    return float(np.max(np.abs(mine - theirs))) / scale if theirs.size else 0.0


def assert_close(mine, theirs, rtol, name="tensor"):
    """Fail with the tensor's name, both values at the worst index, and the largest difference."""
    mine = np.atleast_1d(np.asarray(mine, dtype=np.float64))
    theirs = np.atleast_1d(np.asarray(theirs, dtype=np.float64))
    assert mine.shape == theirs.shape, (
        f"{name}: shape {mine.shape} (mine) vs {theirs.shape} (theirs)")
    if mine.size == 0:
        return
    assert np.all(np.isfinite(mine) == np.isfinite(theirs)), f"{name}: non-finite values differ"
    finite = np.isfinite(theirs)
    err = max_rel_error(np.where(finite, mine, 0), np.where(finite, theirs, 0))
    if err > rtol:
        diff = np.abs(mine - theirs)
        diff[~finite] = 0
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        raise AssertionError(
            f"{name}: max relative error {err:.3e} > {rtol:.0e}; "
            f"at index {tuple(int(i) for i in worst)} "
            f"mine={mine[worst]!r} theirs={theirs[worst]!r} |diff|={diff[worst]:.3e}"
        )


def assert_as_accurate(mine, theirs, exact, name, factor=4.0, floor=1e-6, unit_scale=True,
                       who=("compiled", "NumPy's")):
    """A float32 check against float64: `mine` is no further from `exact` (the computation run
    in float64 on the same float32 inputs) than `factor` x `theirs` (the other float32
    result) is, + `floor`. Distances are relative to max(1, max |exact|), or with
    unit_scale=False to max |exact|. `who` names mine and theirs in the failure message (by
    default a kernel twin: the compiled result against the NumPy reference's).

    Why not |mine - theirs| <= tol: where a recurrence amplifies rounding (a state that can
    grow, a sum that cancels), the two float32 results can be further apart than either is
    from float64 (seen: a GRU's dxz 1.05e-5 apart, compiled 2.2e-6 and NumPy 8.3e-6 from
    float64). A fault in the compiled code is an error of order 1 here; what passes is the
    float32 rounding both twins carry.
    """
    mine, theirs, exact = (np.asarray(a, dtype=np.float64) for a in (mine, theirs, exact))
    assert mine.shape == exact.shape, f"{name}: shape {mine.shape} vs {exact.shape}"
    assert np.array_equal(np.isfinite(mine), np.isfinite(exact)), f"{name}: non-finite differ"
    if exact.size == 0:
        return
    finite = np.isfinite(exact)
    largest = float(np.max(np.abs(exact[finite]), initial=0.0))
    scale = max(1.0, largest) if unit_scale else max(largest, 1e-30)
    mine_off = float(np.max(np.abs(np.where(finite, mine - exact, 0)))) / scale
    theirs_off = float(np.max(np.abs(np.where(finite, theirs - exact, 0)))) / scale
    assert mine_off <= factor * theirs_off + floor, (
        f"{name}: {who[0]} float32 {mine_off:.2e} from float64, {who[1]} float32 "
        f"{theirs_off:.2e} (allowed {factor:g} x that + {floor:.0e})")


def as_float64(items):
    """Kernel arguments in float64 (exactly the float32 values): arrays, lists of arrays;
    None stays None."""
    return tuple(item if item is None
                 else [np.asarray(a, np.float64) for a in item] if isinstance(item, list)
                 else np.asarray(item, np.float64) for item in items)


def assert_twins(names, mine, theirs, dtype, label, exact):
    """The numba twin's outputs `mine` against the NumPy reference's `theirs`, named `names`:
    in float64 equal to F64; in float32 assert_as_accurate against exact() (the reference run
    on as_float64 of the same inputs; called only then)."""
    exact = exact() if dtype == np.float32 else None
    for k, (name, a, b) in enumerate(zip(names, mine, theirs, strict=True)):
        assert a.shape == b.shape and a.dtype == np.dtype(dtype), name
        if exact is None:
            assert_close(a, b, F64, f"{label} {name}")
        else:
            assert_as_accurate(a, b, exact[k], f"{label} {name}")


def numeric_grad(f, x, h=1e-6):
    """Central finite differences of a scalar function f at float64 array x (x is restored).

    The same loop students get in `minikeras.utils.check_gradients`.
    """
    from minikeras.utils.gradient_check import central_differences

    x = np.asarray(x)
    assert x.dtype == np.float64, "finite differences need float64"
    # reshape(-1) must be a view, or the perturbations would go to a copy
    assert x.flags.c_contiguous, "numeric_grad needs a C-contiguous array (it perturbs in place)"
    return central_differences(f, x, h)


def use_dtype(dtype):
    """Switch minikeras and (if installed) Keras to `dtype` for the test; conftest restores it.

    Keras fixes its global dtype policy on first use, so the policy is set along with floatx.
    """
    from minikeras import config

    config.set_floatx(dtype)
    try:
        import keras
    except ImportError:
        return
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)


# ---- the fused training paths (tests/models/test_fused*.py) --------------------------------
FUSED_TOL = {"float32": 1e-6, "float64": 1e-12}  # fused path vs per-layer path


def fused_optimizers():
    """Fresh optimizers the fused paths run: Adam, SGD, SGD with Nesterov momentum, RMSprop."""
    from minikeras import optimizers

    return [optimizers.Adam(learning_rate=0.01), optimizers.SGD(learning_rate=0.05),
            optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
            optimizers.RMSprop(learning_rate=0.005)]


def assert_same_fit(general, fused, dtype, exact_weights=False):
    """Two fits' (history, weights, ...) agree to FUSED_TOL[dtype]: every logged value, every
    weight; with exact_weights, every weight bit for bit (the same kernels, in the same order)."""
    (h1, w1, *_), (h2, w2, *_) = general, fused
    assert h1.keys() == h2.keys()
    for key in h1:
        assert_close(h2[key], h1[key], FUSED_TOL[dtype], f"history {key}")
    for i, (mine, theirs) in enumerate(zip(w2, w1, strict=True)):
        if exact_weights:
            np.testing.assert_array_equal(mine, theirs, err_msg=f"weight {i}")
        else:
            assert_close(mine, theirs, FUSED_TOL[dtype], f"weight {i}")
