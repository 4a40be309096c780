"""Constraints: projected weights and configs equal Keras's, epsilon placement included."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import config
from minikeras import constraints as C
from tests.helpers import F32_FORWARD, F64, assert_close

PAIRS = [  # (class name, kwargs)
    ("MaxNorm", dict()), ("MaxNorm", dict(max_value=1.5, axis=1)),
    ("MaxNorm", dict(max_value=3, axis=[0, 1])), ("NonNeg", dict()),
    ("UnitNorm", dict()), ("UnitNorm", dict(axis=1)), ("UnitNorm", dict(axis=[0, 1, 2])),
    ("MinMaxNorm", dict()), ("MinMaxNorm", dict(min_value=0.5, max_value=2.0, rate=0.7, axis=1)),
    ("MinMaxNorm", dict(min_value=0.2, max_value=0.5, rate=1.0, axis=[0, 2])),
]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def both_floatx(keras, dtype):
    config.set_floatx(dtype)
    keras.config.set_floatx(dtype)


def get_example_array():
    # keras/src/constraints/constraints_test.py::get_example_array
    np.random.seed(3537)
    example_array = np.random.random((100, 100)) * 100.0 - 50.0
    example_array[0, 0] = 0.0
    return example_array


def weights(rng, shape, dtype):
    """Random weights whose norms span tiny to large: the tiny ones expose eps placement."""
    w = rng.normal(size=shape) * np.exp(rng.uniform(-17, 2, size=shape[-1]))
    w[..., 0] = 0.0  # a zero vector: 0 / (eps + 0) must stay 0
    return w.astype(dtype)


def needs_rank(kwargs):
    axis = kwargs.get("axis", 0)
    return (max(axis) if isinstance(axis, list) else axis) + 1


# ---- parity with Keras -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype,rtol", [("float32", F32_FORWARD), ("float64", F64)])
@pytest.mark.parametrize("name,kwargs", PAIRS)
def test_projection_matches_keras(keras, rng, name, kwargs, dtype, rtol):
    both_floatx(keras, dtype)
    mine = getattr(C, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    for shape in [(7, 5), (1, 4), (5, 1), (3, 4, 6), (2, 3, 4, 5)]:
        if len(shape) < needs_rank(kwargs):
            continue
        w = weights(rng, shape, dtype)
        out = mine(w)
        assert out.dtype == dtype and out.shape == w.shape
        assert_close(out, np.asarray(theirs(w)), rtol, f"{name}{kwargs}")
    w = get_example_array().astype(dtype)
    if needs_rank(kwargs) <= 2:
        assert_close(mine(w), np.asarray(theirs(w)), rtol, f"{name} on Keras's example array")


def test_keras_goldens():
    # keras/src/constraints/constraints_test.py: test_max_norm (exact target), test_unit_norm,
    # test_min_max_norm, test_non_neg
    x = np.array([[0, 0, 0], [1.0, 0, 0], [3, 0, 0], [3, 3, 3]]).T
    target = np.array([[0, 0, 0], [1.0, 0, 0], [2.0, 0, 0],
                       [2.0 / np.sqrt(3), 2.0 / np.sqrt(3), 2.0 / np.sqrt(3)]]).T
    np.testing.assert_allclose(C.MaxNorm(2.0)(x), target, rtol=1e-6, atol=1e-6)
    example = get_example_array()
    np.testing.assert_allclose(np.sqrt(np.sum(np.square(C.UnitNorm()(example)), axis=0)), 1.0,
                               rtol=1e-6)
    l2 = np.sqrt(np.sum(np.square(C.MinMaxNorm(min_value=0.2, max_value=0.5)(example)), axis=0))
    assert np.all(l2 >= 0.2) and np.all(l2 <= 0.5 + 1e-6)
    assert np.all(C.NonNeg()(example) >= 0.0)
    np.testing.assert_array_equal(C.NonNeg()(np.full((5, 5), -3.0)), np.zeros((5, 5)))
    np.testing.assert_array_equal(C.NonNeg()(np.full((5, 5), 3.0)), np.full((5, 5), 3.0))
    np.testing.assert_array_equal(C.Constraint()(x), x)


def test_epsilon_sits_outside_the_norm():
    """w / (eps + n), not w / sqrt(n^2 + eps): a norm of 1e-6 comes out as 1e-6 / 1.1e-6."""
    w = np.array([[1e-6], [0.0]])
    np.testing.assert_allclose(C.UnitNorm()(w)[0, 0], 1e-6 / (1e-7 + 1e-6), rtol=1e-12)
    np.testing.assert_allclose(C.MaxNorm(2.0)(w)[0, 0], 1e-6 * 1e-6 / (1e-7 + 1e-6), rtol=1e-12)


# ---- hypothesis over shapes, axes and non-contiguous views -----------------------------------
@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=3), axis=st.integers(0, 1),
       name=st.sampled_from(["MaxNorm", "UnitNorm", "MinMaxNorm", "NonNeg"]),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_any_shape_and_view_matches_keras(shape, axis, name, dtype, seed):
    keras = pytest.importorskip("keras")
    both_floatx(keras, dtype)
    base = weights(np.random.default_rng(seed), [2 * d for d in shape], dtype)
    w = base[tuple(slice(None, None, -2) for _ in shape)]  # non-contiguous, reversed
    kwargs = {} if name == "NonNeg" else dict(axis=axis)
    out = getattr(C, name)(**kwargs)(w)
    theirs = np.asarray(getattr(keras.constraints, name)(**kwargs)(w))
    assert_close(out, theirs, F32_FORWARD if dtype == "float32" else F64, name)
    config.set_floatx("float32")
    keras.config.set_floatx("float32")


# ---- names, configs, serialization -----------------------------------------------------------
def test_same_names_as_keras(keras):
    from keras.src.constraints import ALL_OBJECTS_DICT

    assert set(C.ALL_OBJECTS_DICT) == set(ALL_OBJECTS_DICT)
    for name in sorted(ALL_OBJECTS_DICT):
        mine, theirs = C.get(name), keras.constraints.get(name)
        assert type(mine).__name__ == type(theirs).__name__, name
        assert C.serialize(mine) == keras.constraints.serialize(theirs), name


@pytest.mark.parametrize("name,kwargs", PAIRS)
def test_config_and_round_trip_like_keras(keras, name, kwargs):
    mine = getattr(C, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    assert mine.get_config() == theirs.get_config()
    assert C.serialize(mine) == keras.constraints.serialize(theirs)
    again = C.deserialize(C.serialize(mine))
    assert type(again) is type(mine) and again.get_config() == mine.get_config()
    assert C.get(keras.constraints.serialize(theirs)).get_config() == mine.get_config()


def test_get_accepts_every_identifier_kind():
    assert C.get(None) is None
    assert isinstance(C.get(C.NonNeg), C.NonNeg)
    c = C.MaxNorm(3)
    assert C.get(c) is c

    def fn(w):
        return w

    assert C.get(fn) is fn


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="Did you mean 'max_norm'"):
        C.get("maxnorm")
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        C.get(3)
    with pytest.raises(ValueError, match="max_value"):
        C.MaxNorm(-1.0)
    with pytest.raises(ValueError, match="max_value"):
        C.MinMaxNorm(min_value=2.0, max_value=1.0)
    with pytest.raises(ValueError, match="rate"):
        C.MinMaxNorm(rate=float("nan"))
    with pytest.raises(TypeError, match="axis"):
        C.UnitNorm(axis="rows")
    with pytest.raises(TypeError, match="Constraint"):
        C.serialize(3)
    with pytest.raises(ValueError, match="Unknown constraint: 'Nope'"):
        C.deserialize({"class_name": "Nope", "config": {}})


def custom_projection(w):
    return w


def test_serialize_none_and_functions_like_keras(keras):
    assert C.serialize(None) is None and keras.constraints.serialize(None) is None
    assert C.serialize(custom_projection) == keras.constraints.serialize(custom_projection)
