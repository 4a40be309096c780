"""Activations: Keras parity (forward, and TensorFlow's gradient), finite differences, twins, names.

Inputs come in three scales, each checked as its own array so the normwise tolerance means
something at every scale: typical values holding every kink point exactly (0, +-1, +-3, 6, ...,
where the derivative must be the one TF picks), large |x| (15..90) and tiny |x| (1e-7..1e-2).
"""

import contextlib
import importlib
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from minikeras import activations, config, kernels
from minikeras.kernels import load_path
from minikeras.kernels.numpy_ref.activations import __all__ as KERNEL_NAMES
from tests.helpers import F32_FORWARD, F64, FD, assert_close, numeric_grad, use_dtype

# (activation, keyword arguments): every activation, and the non-default options that change
# which branch of the formula runs.
CASES = [
    ("relu", {}), ("relu", {"negative_slope": 0.1}), ("relu", {"max_value": 6.0}),
    ("relu", {"max_value": 2.5}), ("relu", {"threshold": 0.5}), ("relu", {"threshold": -1.0}),
    ("relu", {"negative_slope": 0.2, "max_value": 6.0}),
    ("relu", {"negative_slope": 0.3, "max_value": 4.0, "threshold": 1.0}),
    ("relu", {"negative_slope": 0.5, "max_value": 3.0, "threshold": -0.5}),
    ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 1.5}), ("relu6", {}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {}), ("celu", {"alpha": 2.0}),
    ("sigmoid", {}), ("tanh", {}), ("softplus", {}), ("softsign", {}), ("silu", {}),
    ("swish", {}), ("gelu", {}), ("gelu", {"approximate": True}), ("mish", {}),
    ("exponential", {}), ("hard_sigmoid", {}), ("hard_silu", {}), ("hard_swish", {}),
    ("hard_tanh", {}), ("hard_shrink", {}), ("hard_shrink", {"threshold": 1.0}),
    ("soft_shrink", {}), ("soft_shrink", {"threshold": 1.5}), ("tanh_shrink", {}),
    ("threshold", {"threshold": 0.5, "default_value": -2.0}), ("sparse_plus", {}),
    ("sparse_sigmoid", {}), ("squareplus", {}), ("squareplus", {"b": 1.0}), ("log_sigmoid", {}),
    ("linear", {}), ("softmax", {}), ("softmax", {"axis": 0}), ("softmax", {"axis": (0, 2)}),
    ("softmax", {"axis": None}), ("log_softmax", {}), ("log_softmax", {"axis": 1}),
    ("glu", {}), ("glu", {"axis": 1}),
]
IDS = [name + "".join(f"-{k}={v}" for k, v in kw.items()) for name, kw in CASES]
# Every kink of every case above (the kwargs' thresholds and caps are among them).
KINKS = np.array([-6, -3, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2.5, 3, 4, 6], dtype=np.float64)
SHAPE = (4, 6, 8)  # 3-D, so softmax can run over axis 0, 1 and (0, 2); glu halves 6 and 8


def regions(seed=0, shape=SHAPE):
    """Typical values with every kink point, large |x|, tiny |x| (float64, one array each)."""
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    typical = rng.standard_normal(n) * 3
    typical[: KINKS.size] = KINKS[:n]
    rng.shuffle(typical)
    sign = rng.choice([-1.0, 1.0], n)
    return {"typical": typical.reshape(shape),
            "large": (sign * rng.uniform(15, 90, n)).reshape(shape),
            "tiny": (sign * 10 ** rng.uniform(-7, -2, n)).reshape(shape)}


# Where TF's own formula cancels, its float32 result is good only to eps times the size of the
# cancelling terms, not to eps * |result|: exp(x) - 1 for tiny x (terms ~ alpha), x - tanh(x)
# (terms ~ |x|), x + sqrt(x^2 + b) and 1 + tanh(.) (approximate gelu) at large negative x
# (terms ~ |x|); and the gradients dy * y * (1 - y), dy * (1 - y^2), (dy - sum(dy * y)) * y,
# (e + 1) * alpha * dy, (y + scale_alpha) * dy, g + g * x / r near saturation (terms ~ |dy|;
# glu, gelu: ~ |dy * x|). There the error is measured against that size (the floor) instead of
# max |result|.
def forward_floor(name, x, kw):
    big = float(np.max(np.abs(x), initial=0))
    return {"elu": kw.get("alpha", 1.0), "selu": 1.7581, "tanh_shrink": big, "squareplus": big,
            "gelu": big / 2 if kw.get("approximate") else 0.0}.get(name, 0.0)


def backward_floor(name, x, dy, kw):
    g = float(np.max(np.abs(dy), initial=0))
    if name in ("glu", "gelu"):
        return g * float(np.max(np.abs(x), initial=0))
    return g * {"sigmoid": 1.0, "tanh": 1.0, "softmax": 1.0, "tanh_shrink": 1.0, "selu": 1.7581,
                "squareplus": 1.0, "elu": kw.get("alpha", 1.0)}.get(name, 0.0)


def check(mine, theirs, tol, label, floor=0.0):
    """assert_close, with the scale raised to `floor`; returns the relative error."""
    finite = np.isfinite(theirs)
    assert np.array_equal(np.isfinite(mine), finite), f"{label}: non-finite values differ"
    diff = np.where(finite, np.abs(np.asarray(mine, np.float64) - theirs), 0)
    scale = max(float(np.max(np.abs(np.where(finite, theirs, 0)), initial=0)), floor, 1e-30)
    err = float(diff.max(initial=0)) / scale
    if err > tol:
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        raise AssertionError(f"{label}: max relative error {err:.3e} > {tol:.0e} (scale "
                             f"{scale:.3g}); at {tuple(int(i) for i in worst)} "
                             f"mine={mine[worst]!r} theirs={theirs[worst]!r}")
    return err


def keras_parity_errors(keras, tf, name, kwargs, dtype):
    """{(region, "forward"|"backward"): max relative error} against Keras on TensorFlow."""
    errors = {}
    theirs_fn = keras.activations.get(name)
    for region, x64 in regions().items():
        x = x64.astype(dtype)
        mine = activations.get(name)(x, **kwargs)
        dy = np.random.default_rng(1).standard_normal(mine.shape).astype(dtype)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            yt = theirs_fn(xt, **kwargs)
        dx_theirs = tape.gradient(yt, xt, output_gradients=tf.constant(dy)).numpy()
        dx_mine = activations.backward(name, dy, x, mine, **kwargs)
        assert mine.dtype == dx_mine.dtype == np.dtype(dtype), f"{name}: dtype not kept"
        tol = F32_FORWARD if dtype == "float32" else F64
        label, name = f"{name}{kwargs} {region} {dtype}", theirs_fn.__name__
        errors[region, "forward"] = check(mine, np.asarray(yt), tol, label + " forward",
                                          forward_floor(name, x, kwargs))
        errors[region, "backward"] = check(dx_mine, dx_theirs, tol, label + " backward",
                                           backward_floor(name, x, dy, kwargs))
    return errors


# ---- parity with Keras -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_forward_and_gradient_match_keras(name, kwargs, dtype):
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    use_dtype(dtype)
    keras_parity_errors(keras, tf, name, kwargs, dtype)


def test_relu_goldens_from_keras_docstring():
    # keras/src/activations/activations.py, the examples in relu's docstring
    x = np.array([-10, -5, 0.0, 5, 10], dtype=np.float32)
    assert_close(activations.relu(x), [0.0, 0.0, 0.0, 5.0, 10.0], 0, "relu")
    assert_close(activations.relu(x, negative_slope=0.5), [-5.0, -2.5, 0.0, 5.0, 10.0], 0, "leaky")
    assert_close(activations.relu(x, max_value=5.0), [0.0, 0.0, 0.0, 5.0, 5.0], 0, "max_value")
    assert_close(activations.relu(x, threshold=5.0), [-0.0, -0.0, 0.0, 0.0, 10.0], 0, "threshold")


# ---- derivatives -------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_backward_matches_finite_differences(name, kwargs):
    x = np.random.default_rng(2).standard_normal((2, 4, 6)) * 2
    near = np.min(np.abs(x[..., None] - KINKS), axis=-1) < 1e-3
    x[near] += 1e-2  # keep the step h = 1e-6 off every kink
    fn = activations.get(name)
    dy = np.random.default_rng(3).standard_normal(fn(x, **kwargs).shape)
    grad = numeric_grad(lambda: float(np.sum(dy * fn(x, **kwargs))), x)
    assert_close(activations.backward(name, dy, x, fn(x, **kwargs), **kwargs), grad, FD, name)


def test_custom_derivative_is_used_and_unknown_one_is_refused():
    def cube(x):
        return x**3

    x, dy = np.array([1.0, -2.0]), np.array([1.0, 1.0])
    with pytest.raises(ValueError, match="activation 'cube' needs its derivative"):
        activations.backward(cube, dy, x, cube(x))
    activations.register_derivative(cube, lambda dy, x, y: 3 * x**2 * dy)
    assert_close(activations.backward(cube, dy, x, cube(x)), [3.0, 12.0], 0, "cube'")
    with pytest.raises(TypeError, match="two callables"):
        activations.register_derivative(cube, "3x^2")


# ---- numba twins == NumPy reference ------------------------------------------------------------
NUMPY, NUMBA = load_path("numpy"), load_path("numba")
PAIRS = sorted({n.rsplit("_", 1)[0] for n in KERNEL_NAMES})
ROWWISE = {"softmax", "log_softmax", "glu"}
PARAMS = {"relu": [{"negative_slope": 0.1, "max_value": 2.5, "threshold": 0.5},
                   {"negative_slope": 0.0, "max_value": None, "threshold": 0.0},
                   {"negative_slope": 0.2, "max_value": None, "threshold": 0.0},
                   {"negative_slope": 0.3, "max_value": 6.0, "threshold": 0.0},
                   {"negative_slope": 0.0, "max_value": 4.0, "threshold": -1.0}],
          "gelu": [{"approximate": a, "sqrt_half": h, "gelu_coeff": c}
                   for a in (False, True)
                   for h, c in [(0.7071067811865476, 0.044715),  # exact (jax numerics)
                                (0.7071067690849304, 0.044714998453855515)]],  # float32 (TF)
          "leaky_relu": [{"negative_slope": 0.2}], "elu": [{"alpha": 0.7}],
          "celu": [{"alpha": 0.8}], "hard_shrink": [{"threshold": 0.5}],
          "soft_shrink": [{"threshold": 0.5}], "squareplus": [{"b": 4.0}],
          "threshold": [{"threshold": 0.3, "default_value": -2.0}]}


def as_kernel_args(kw, dtype):
    """Keyword parameters -> the kernel's positional scalars (x's dtype; None -> inf)."""
    return tuple(v if isinstance(v, bool) else dtype(np.inf if v is None else v)
                 for v in kw.values())


def kernel_inputs(name, dtype, rng):
    """Odd sizes, one element / one row, and a non-contiguous view (float64 only: each layout
    costs numba a compile)."""
    base = rng.standard_normal((7, 12)) * 4
    base.flat[:KINKS.size] = KINKS
    views = [base, base[:1]] if name in ROWWISE else [base.reshape(-1)[:37], base.reshape(-1)[:1]]
    if dtype == np.float64:
        views.append(base[:, ::2] if name in ROWWISE else base.reshape(-1)[::3])
    return [v.astype(dtype, copy=False) if dtype != np.float64 else v for v in views]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", PAIRS)
def test_numba_twin_equals_numpy_reference(name, dtype):
    if all(NUMBA[f"{name}_{p}"] is NUMPY[f"{name}_{p}"] for p in ("forward", "backward")):
        pytest.skip("both kernels are shared with the reference (see numba_fast/activations.py)")
    rng = np.random.default_rng(4)
    tol = 2e-6 if dtype == np.float32 else 1e-13
    for kw in PARAMS.get(name, [{}]):
        params = as_kernel_args(kw, dtype)
        for x in kernel_inputs(name, dtype, rng):
            y = NUMPY[name + "_forward"](x, *params)
            y_fast = NUMBA[name + "_forward"](x, *params)
            dy = rng.standard_normal(y.shape).astype(dtype)
            dx = NUMPY[name + "_backward"](dy, x, y, *params)
            dx_fast = NUMBA[name + "_backward"](dy, x, y, *params)
            assert y_fast.dtype == dx_fast.dtype == y.dtype == dx.dtype == dtype
            label = f"{name}{kw} {x.shape} {dtype.__name__}"
            check(y_fast, y, tol, label + " forward", forward_floor(name, x, kw))
            check(dx_fast, dx, tol, label + " backward", backward_floor(name, x, dy, kw))


def test_twins_share_their_constants():
    from minikeras.kernels.numba_fast import activations as fast
    from minikeras.kernels.numpy_ref import activations as ref

    for constant in ("SELU_SCALE", "SELU_SCALE_ALPHA", "SQRT_HALF", "GELU_COEFF",
                     "SQRT_2_OVER_PI", "TWO_OVER_SQRT_PI"):
        assert getattr(fast, constant) == getattr(ref, constant), constant


@contextlib.contextmanager
def kernel_path(path):
    """Point `minikeras.kernels` at one path's activation kernels for a while."""
    saved = kernels.activations
    kernels.activations = importlib.import_module(
        f"minikeras.kernels.{kernels.PATHS[path]}.activations")
    try:
        yield
    finally:
        kernels.activations = saved


def fit_shape(kwargs, shape):
    """Make a drawn shape valid for the case: 3-D for axis 0 / (0, 2), even sides for glu."""
    shape = list(shape) + [3] * (3 - len(shape)) if "axis" in kwargs else list(shape)
    return tuple(2 * s for s in shape)  # even everywhere; strided views halve it again


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
@settings(max_examples=6, deadline=None, derandomize=True)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
       dtype=st.sampled_from(["float32", "float64"]), strided=st.booleans())
def test_both_paths_agree_on_any_shape(name, kwargs, shape, dtype, strided):
    x = regions(5, fit_shape(kwargs, shape))["typical"].astype(dtype)
    if strided:  # a non-contiguous view along the last axis (still even for glu)
        x = np.concatenate([x, x], axis=-1)[..., ::2]
    fn = activations.get(name)
    results = {}
    for path in ("numpy", "numba"):
        with kernel_path(path):
            y = fn(x, **kwargs)
            dy = np.random.default_rng(6).standard_normal(y.shape).astype(dtype)
            dx = activations.backward(fn, dy, x, y, **kwargs)
        assert y.dtype == dx.dtype == x.dtype and dx.shape == x.shape
        results[path] = (y, dx)
    tol, name = (2e-6 if dtype == "float32" else 1e-13), fn.__name__
    check(results["numba"][0], results["numpy"][0], tol, f"{name} forward",
          forward_floor(name, x, kwargs))
    check(results["numba"][1], results["numpy"][1], tol, f"{name} backward",
          backward_floor(name, x, dy, kwargs))


def test_scalars_and_integers():
    assert activations.relu(np.float32(-2.0)).shape == ()
    assert activations.sigmoid(np.array([1, 2])).dtype == np.float32  # ints become floatx
    config.set_floatx("float64")
    assert activations.tanh([0, 1]).dtype == np.float64
    ints = np.array([3, -4])
    assert activations.linear(ints) is ints  # Keras returns the input itself


# ---- names, serialization, errors ------------------------------------------------------------
def test_every_keras_name_round_trips():
    keras = pytest.importorskip("keras")
    from keras.src.activations import ALL_OBJECTS_DICT as KERAS_NAMES

    assert set(KERAS_NAMES) - set(activations.ALL_OBJECTS_DICT) == {"sparsemax"}
    assert set(activations.ALL_OBJECTS_DICT) <= set(KERAS_NAMES)
    for name in activations.ALL_OBJECTS_DICT:
        fn = activations.get(name)
        assert activations.serialize(fn) == keras.activations.serialize(keras.activations.get(name))
        assert activations.get(activations.serialize(fn)) is fn
        assert activations.deserialize(activations.serialize(fn)) is fn
        as_dict = keras.saving.serialize_keras_object(keras.activations.get(name))
        assert activations.get(as_dict) is fn, as_dict
    assert activations.swish is activations.silu and activations.hard_swish is activations.hard_silu
    assert activations.get(None) is activations.linear


def test_user_functions():
    def scaled(x):
        return 2 * x

    assert activations.get(scaled) is scaled
    assert activations.serialize(scaled) == "scaled"
    assert activations.deserialize("scaled", custom_objects={"scaled": scaled}) is scaled
    with pytest.raises(ValueError, match="cannot be serialized"):
        activations.serialize(lambda x: x)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="Unknown activation: 'rellu'. Did you mean 'relu'"):
        activations.get("rellu")
    with pytest.raises(ValueError, match="Did you mean 'swish'"):
        activations.get("swich")
    with pytest.raises(ValueError, match="'sparsemax' is not available"):
        activations.get("sparsemax")
    with pytest.raises(ValueError, match="Could not interpret activation function identifier: 5"):
        activations.get(5)
    with pytest.raises(TypeError, match="`negative_slope` must be a number"):
        activations.relu(np.ones(3), negative_slope="steep")
    with pytest.raises(ValueError, match="`axis`=5 is not a valid axis"):
        activations.softmax(np.ones((2, 3)), axis=5)
    with pytest.raises(ValueError, match="axis size must be divisible by 2"):
        activations.glu(np.ones((2, 3)))
    with pytest.raises(TypeError, match="no parameter"):
        activations.backward("elu", np.ones(2), np.ones(2), np.ones(2), beta=1.0)
    with pytest.raises(TypeError, match="needs \\['threshold', 'default_value'\\]"):
        activations.backward("threshold", np.ones(2), np.ones(2), np.ones(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        activations.softmax(np.ones((4, 1)))
    assert any("This axis has size 1" in str(w.message) for w in caught)
