"""Initializers: Keras's names, configs and formulas; distributions checked statistically.

Random draws cannot match Keras bit for bit (Keras draws with TensorFlow), so parity is checked
three ways: (1) the formula, by feeding minikeras's own draws (`utils.random`) through an
independent transcription of Keras's code; (2) the distribution, by a two-sample
Kolmogorov-Smirnov test against Keras's draws; (3) moments and bounds within 6 standard errors.
Every seed is fixed, so no test here can flake.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import config
from minikeras import initializers as I
from minikeras.utils import random as mk_random
from tests.helpers import F32_FORWARD, F64, assert_close

STFT_NAMES = {"STFT", "stft", "STFTInitializer"}  # left out of minikeras (see README notes)
N_SIGMA = 6.0


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def check_moments(values, mean, std, name):
    """Sample mean and variance within 6 standard errors of the targets.

    se(mean) = std / sqrt(N);  se(variance) = sqrt((m4 - s^4) / N) with m4 the sample 4th
    central moment (valid for any distribution with finite 4th moment).
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    n = v.size
    assert abs(v.mean() - mean) <= N_SIGMA * std / math.sqrt(n), f"{name}: mean {v.mean()}"
    centered = v - v.mean()
    s2, m4 = np.mean(centered**2), np.mean(centered**4)
    assert abs(s2 - std**2) <= N_SIGMA * math.sqrt((m4 - s2**2) / n), f"{name}: std {math.sqrt(s2)}"


# ---- fans ------------------------------------------------------------------------------------
def test_compute_fans_keras_golden():
    # keras/src/initializers/random_initializers_test.py::test_compute_fans_with_axes
    assert I.compute_fans((512, 8, 64), input_axes=[0], output_axes=[1, 2]) == (512, 512)
    assert I.compute_fans((512, 8, 64), input_axes=[0, 1], output_axes=[2]) == (512 * 8, 64)


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(0, 7), min_size=0, max_size=5))
def test_compute_fans_matches_keras(shape):
    compute_fans = pytest.importorskip("keras.src.initializers.random_initializers").compute_fans
    assert I.compute_fans(tuple(shape)) == compute_fans(tuple(shape))
    if len(shape) >= 2:
        axes = dict(input_axes=[0], output_axes=list(range(1, len(shape))))
        assert I.compute_fans(tuple(shape), **axes) == compute_fans(tuple(shape), **axes)


# ---- names, configs, serialization -----------------------------------------------------------
def test_same_names_as_keras(keras):
    from keras.src.initializers import ALL_OBJECTS_DICT

    assert set(I.ALL_OBJECTS_DICT) == set(ALL_OBJECTS_DICT) - STFT_NAMES


def test_serialize_every_name_like_keras(keras):
    from keras.src.initializers import ALL_OBJECTS_DICT

    # Keras's get("constant") raises KeyError('value') (its from_config needs "value");
    # minikeras gives Constant(0.0). Its config is checked in the next test.
    for name in sorted(set(ALL_OBJECTS_DICT) - STFT_NAMES - {"Constant", "constant"}):
        mine, theirs = I.get(name), keras.initializers.get(name)
        assert type(mine).__name__ == type(theirs).__name__, name
        assert I.serialize(mine) == keras.initializers.serialize(theirs), name


CONFIGURED = [
    ("Constant", dict(value=3)), ("Constant", dict(value=2.5)),
    ("Identity", dict(gain=2.0)), ("RandomNormal", dict(mean=1.0, stddev=2.0, seed=3)),
    ("TruncatedNormal", dict(mean=-1.0, stddev=0.5, seed=4)),
    ("RandomUniform", dict(minval=-1.0, maxval=3.0, seed=5)),
    ("VarianceScaling", dict(scale=2.0, mode="fan_out", distribution="uniform", seed=6)),
    ("VarianceScaling", dict(scale=0.5, mode="fan_avg", distribution="normal")),
    ("VarianceScaling", dict(distribution="untruncated_normal", input_axes=[0],
                             output_axes=[1, 2])),
    ("GlorotUniform", dict(seed=7)), ("GlorotNormal", dict(seed=8, input_axes=[0, 1],
                                                           output_axes=[2])),
    ("HeUniform", dict(seed=9)), ("HeNormal", dict()), ("LecunUniform", dict(seed=10)),
    ("LecunNormal", dict()), ("Orthogonal", dict(gain=2.0, seed=11)),
]


@pytest.mark.parametrize("name,kwargs", CONFIGURED)
def test_config_and_round_trip_like_keras(keras, name, kwargs):
    mine = getattr(I, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    assert mine.get_config() == theirs.get_config()
    assert I.serialize(mine) == keras.initializers.serialize(theirs)
    again = I.deserialize(I.serialize(mine))
    assert type(again) is type(mine) and again.get_config() == mine.get_config()
    assert I.get(I.serialize(mine)).get_config() == mine.get_config()


def test_constant_array_value_serializes_like_keras(keras):
    value = np.arange(6.0).reshape(2, 3)
    assert I.serialize(I.Constant(value)) == keras.initializers.serialize(
        keras.initializers.Constant(value))
    again = I.deserialize(I.serialize(I.Constant(value)))
    np.testing.assert_array_equal(again((2, 3), "float64"), value)


# ---- deterministic values --------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_constant_initializers_keras_goldens(keras, dtype):
    # keras/src/initializers/constant_initializers_test.py
    config.set_floatx(dtype)
    keras.config.set_floatx(dtype)
    for mine, theirs, shape in [
        (I.Zeros(), keras.initializers.Zeros(), (3, 3)),
        (I.Ones(), keras.initializers.Ones(), (3, 3)),
        (I.Constant(6.0), keras.initializers.Constant(6.0), (3, 3)),
        (I.Identity(gain=2), keras.initializers.Identity(gain=2), (3, 3)),
        (I.Identity(gain=0.5), keras.initializers.Identity(gain=0.5), (2, 5)),
        (I.Constant(np.arange(3.0)), keras.initializers.Constant(np.arange(3.0)), (2, 3)),
    ]:
        values = mine(shape)
        assert values.dtype == dtype
        assert_close(values, np.asarray(theirs(shape)), 0.0, type(mine).__name__)
    assert I.Ones()((2,), dtype="int32").dtype == np.int32


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,scale,mode,distribution", [
    ("GlorotUniform", 1.0, "fan_avg", "uniform"), ("GlorotNormal", 1.0, "fan_avg", "truncated"),
    ("HeUniform", 2.0, "fan_in", "uniform"), ("HeNormal", 2.0, "fan_in", "truncated"),
    ("LecunUniform", 1.0, "fan_in", "uniform"), ("LecunNormal", 1.0, "fan_in", "truncated"),
])
def test_variance_scaling_formula_on_the_same_draws(name, scale, mode, distribution, dtype):
    """Keras's formula written out again, applied to the same underlying draws."""
    for shape in [(13, 7), (3, 3, 5, 4), (11,)]:
        fan_in, fan_out = I.compute_fans(shape)
        n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
        s = scale / max(1.0, n)  # Keras's order of operations
        if distribution == "uniform":
            limit = math.sqrt(3.0 * s)
            expected = mk_random.uniform(shape, -limit, limit, dtype, seed=42)
        else:
            stddev = math.sqrt(s) / 0.87962566103423978
            expected = mk_random.truncated_normal(shape, 0.0, stddev, dtype, seed=42)
        values = getattr(I, name)(seed=42)(shape, dtype=dtype)
        assert values.dtype == dtype and values.shape == shape
        assert_close(values, expected, 0.0, name)


@pytest.mark.parametrize("dtype,rtol", [("float32", F32_FORWARD), ("float64", F64)])
@pytest.mark.parametrize("shape", [(5, 5), (7, 3), (3, 7), (2, 3, 4), (1, 6), (6, 1)])
def test_orthogonal_is_keras_formula_on_the_same_draws(keras, shape, dtype, rtol):
    """Keras's QR + sign fix (with keras.ops) on the same Gaussian matrix gives the same matrix."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = mk_random.normal((max(rows, cols), min(rows, cols)), dtype="float64", seed=5)
    q, r = keras.ops.qr(a)
    q = np.asarray(q) * np.sign(np.diag(np.asarray(r)))
    expected = 1.5 * (q.T if rows < cols else q).reshape(shape)
    values = I.Orthogonal(gain=1.5, seed=5)(shape, dtype=dtype)
    assert values.dtype == dtype
    assert_close(values, expected, rtol, "orthogonal")
    flat = values.reshape(rows, cols).astype(np.float64)
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    assert_close(gram, 1.5**2 * np.eye(min(rows, cols)), 10 * rtol, "gram")


def test_orthogonal_keras_golden_and_sign_fix():
    # keras/src/initializers/random_initializers_test.py::test_orthogonal: (5, 5), gain 2
    values = I.Orthogonal(gain=2.0, seed=1234)((5, 5))
    np.testing.assert_allclose(np.linalg.norm(values, axis=0), 2.0, rtol=1e-6)
    off = values.T @ values - np.diag(np.diag(values.T @ values))
    np.testing.assert_allclose(off, 0.0, atol=1e-5)
    # The sign fix makes q[0, 0] = a[0, 0] / ||a[:, 0]||, symmetric about 0; without it,
    # Householder QR always gives q[0, 0] < 0. 400 draws: P(positive) = 1/2 within 6 sigma.
    positive = np.mean([I.Orthogonal(seed=s)((4, 4))[0, 0] > 0 for s in range(400)])
    assert abs(positive - 0.5) <= N_SIGMA * math.sqrt(0.25 / 400)


# ---- distributions ---------------------------------------------------------------------------
def test_random_distributions_moments_and_bounds():
    shape = (400, 500)
    z2 = 0.87962566103423978  # std of N(0, 1) cut at +-2
    values = I.RandomNormal(mean=1.0, stddev=2.0, seed=1)(shape, "float64")
    check_moments(values, 1.0, 2.0, "RandomNormal")
    assert np.abs(values - 1.0).max() > 2 * 2.0  # not truncated
    values = I.TruncatedNormal(mean=-1.0, stddev=0.5, seed=2)(shape, "float64")
    check_moments(values, -1.0, 0.5 * z2, "TruncatedNormal")
    assert np.abs(values + 1.0).max() <= 2 * 0.5
    assert np.abs(values + 1.0).max() > 1.9 * 0.5  # the cut is at 2 stddev, not below
    values = I.RandomUniform(minval=-1.0, maxval=3.0, seed=3)(shape, "float64")
    check_moments(values, 1.0, 4.0 / math.sqrt(12.0), "RandomUniform")
    assert values.min() >= -1.0 and values.max() <= 3.0
    assert values.min() < -0.999 and values.max() > 2.999


@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_std_is_sqrt_scale_over_n(mode, distribution):
    for shape in [(300, 200), (3, 3, 40, 60)]:
        fan_in, fan_out = I.compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        values = I.VarianceScaling(1.7, mode, distribution, seed=3)(shape, "float64")
        std = math.sqrt(1.7 / n)
        check_moments(values, 0.0, std, f"{mode}/{distribution}")
        bound = {"uniform": math.sqrt(3) * std, "truncated_normal": 2 * std / 0.87962566103423978,
                 "untruncated_normal": np.inf}[distribution]
        assert np.abs(values).max() <= bound


def test_keras_std_goldens():
    # keras/src/initializers/random_initializers_test.py: test_variance_scaling(_with_axes)
    vs = I.VarianceScaling
    np.testing.assert_allclose(np.std(vs(2.0, "fan_in", seed=1234)((25, 20))), np.sqrt(2 / 25),
                               atol=1e-1)
    np.testing.assert_allclose(np.std(vs(2.0, "fan_out", seed=1234)((25, 20))), np.sqrt(2 / 20),
                               atol=1e-1)
    with_axes = vs(2.0, "fan_in", seed=1234, input_axes=[0], output_axes=[1, 2])
    np.testing.assert_allclose(np.std(with_axes((32, 4, 16))), np.sqrt(2 / 32), atol=1e-1)
    np.testing.assert_allclose(np.std(vs(2.0, seed=1234)((32, 4, 16))), np.sqrt(2 / 128),
                               atol=1e-1)


@pytest.mark.parametrize("name", ["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
                                  "LecunUniform", "LecunNormal", "RandomNormal",
                                  "TruncatedNormal", "RandomUniform", "Orthogonal"])
def test_same_distribution_as_keras_draws(keras, name):
    """Two-sample Kolmogorov-Smirnov test vs Keras's own draws (seeded, so deterministic)."""
    stats = pytest.importorskip("scipy.stats")
    shape = (120, 150)
    mine = getattr(I, name)(seed=7)(shape).ravel()
    theirs = np.asarray(getattr(keras.initializers, name)(seed=7)(shape)).ravel()
    assert stats.ks_2samp(mine, theirs).pvalue > 1e-6


# ---- seeding ---------------------------------------------------------------------------------
def test_seeded_initializer_repeats_and_leaves_global_rng_alone():
    state = np.random.get_state()[1].copy()
    for cls in [I.GlorotUniform, I.HeNormal, I.RandomNormal, I.Orthogonal, I.TruncatedNormal]:
        a, b = cls(seed=3)((6, 4)), cls(seed=3)((6, 4))
        np.testing.assert_array_equal(a, b)
        init = cls(seed=3)
        np.testing.assert_array_equal(init((6, 4)), init((6, 4)))
        assert not np.array_equal(cls(seed=4)((6, 4)), a)
        np.testing.assert_array_equal(init.clone()((6, 4)), a)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_unseeded_draws_follow_numpy_global_seed():
    init = I.GlorotUniform()
    np.random.seed(7)
    first, second = init((5, 3)), I.Orthogonal()((4, 4))
    assert not np.array_equal(first, init((5, 3)))  # new values each call
    np.random.seed(7)
    np.testing.assert_array_equal(init((5, 3)), first)
    np.testing.assert_array_equal(I.Orthogonal()((4, 4)), second)
    mk_random.set_random_seed(7)
    np.testing.assert_array_equal(init((5, 3)), first)


def test_set_random_seed_seeds_python_random_too():
    import random

    mk_random.set_random_seed(11)
    a = random.random()
    mk_random.set_random_seed(11)
    assert random.random() == a
    with pytest.raises(ValueError, match="seed"):
        mk_random.set_random_seed(1.5)


# ---- shapes and dtypes (hypothesis) ----------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=2, max_size=4),
       name=st.sampled_from(["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
                             "LecunUniform", "LecunNormal", "Orthogonal", "Zeros", "Ones"]),
       dtype=st.sampled_from(["float32", "float64"]))
def test_any_shape_gives_that_shape_and_dtype(shape, name, dtype):
    values = getattr(I, name)()(tuple(shape), dtype=dtype)
    assert values.shape == tuple(shape) and values.dtype == dtype and np.all(np.isfinite(values))
    if name.endswith("Uniform"):
        fan_in, fan_out = I.compute_fans(shape)
        scale, n = (2.0, fan_in) if name == "HeUniform" else (1.0, fan_in)
        n = (fan_in + fan_out) / 2 if name == "GlorotUniform" else n
        assert np.abs(values).max() <= np.float32(math.sqrt(3 * scale / n)) * (1 + 1e-6)


def test_default_dtype_is_floatx():
    assert I.GlorotUniform()((2, 2)).dtype == np.float32
    config.set_floatx("float64")
    assert I.GlorotUniform()((2, 2)).dtype == np.float64
    assert I.Zeros()((2,)).dtype == np.float64


# ---- get() and errors ------------------------------------------------------------------------
def test_get_accepts_every_identifier_kind():
    assert I.get(None) is None
    assert isinstance(I.get("glorot_uniform"), I.GlorotUniform)
    assert isinstance(I.get(I.HeNormal), I.HeNormal)
    init = I.Orthogonal(seed=1)
    assert I.get(init) is init

    def fn(shape, dtype=None):
        return np.full(shape, 2.0, dtype=dtype)

    assert I.get(fn) is fn
    array = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(I.get(array)((2, 3)), array.astype("float32"))
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(2, 3\)"):
        I.get(array)((3, 2))


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="Did you mean 'glorot_uniform'"):
        I.get("glorot_unifrom")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        I.get(3)
    with pytest.raises(ValueError, match="Argument `scale` must be positive float"):
        I.VarianceScaling(scale=-1.0)
    with pytest.raises(ValueError, match="Invalid `mode` argument"):
        I.VarianceScaling(mode="fan_middle")
    with pytest.raises(ValueError, match="Invalid `distribution` argument"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="seed"):
        I.GlorotUniform(seed="abc")
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed=-1)
    with pytest.raises(ValueError, match="2D matrices"):
        I.Identity()((2, 3, 4))
    with pytest.raises(ValueError, match="at least two-dimensional"):
        I.Orthogonal()((5,))
    with pytest.raises(ValueError, match="shape"):
        I.GlorotUniform()((3, -1))
    with pytest.raises(TypeError, match="shape"):
        I.Zeros()((2.5, 3))
    with pytest.raises(ValueError, match="float dtype"):
        I.RandomNormal()((2, 2), dtype="int32")
    with pytest.raises(TypeError, match="Initializer"):
        I.serialize("glorot_uniform")
    with pytest.raises(ValueError, match="Unknown initializer: 'Nope'"):
        I.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(NotImplementedError):
        I.Initializer()((2, 2))


def custom_init(shape, dtype=None):
    return np.zeros(shape, dtype=dtype)


def test_serialize_none_and_functions_like_keras(keras):
    assert I.serialize(None) is None and keras.initializers.serialize(None) is None
    assert I.serialize(custom_init) == keras.initializers.serialize(custom_init)
