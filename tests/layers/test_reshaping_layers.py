"""Masking, Reshape, RepeatVector, Permute: Keras parity (output, dx by tf.GradientTape, the
mask), backward as the exact adjoint of forward (hypothesis over shapes), float64 finite
differences, config, bad input."""

import numpy as np
import pytest
from helpers import F64, FD, assert_close, numeric_grad, use_dtype
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import Sequential, config
from minikeras.layers.base import Layer
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.layers.masking import Masking
from minikeras.layers.permute import Permute
from minikeras.layers.repeat_vector import RepeatVector
from minikeras.layers.reshape import Reshape

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

CASES = [  # (class, kwargs, input shape)
    (Masking, dict(), (3, 4, 2)),
    (Masking, dict(mask_value=-1.0), (2, 5, 3)),
    (Reshape, dict(target_shape=(3, 4)), (2, 12)),
    (Reshape, dict(target_shape=(-1, 2)), (3, 2, 3)),
    (Reshape, dict(target_shape=(6,)), (1, 2, 3)),
    (RepeatVector, dict(n=3), (4, 5)),
    (Permute, dict(dims=(2, 1)), (2, 3, 4)),
    (Permute, dict(dims=(3, 1, 2)), (2, 3, 4, 5)),
]


def _input(cls, kwargs, shape, dtype, rng):
    x = rng.normal(size=shape).astype(dtype)
    if cls is Masking:  # some timesteps entirely the mask value, one only partly
        x[0, 1, :] = x[-1, -1, :] = kwargs.get("mask_value", 0.0)
        x[0, 2, 0] = kwargs.get("mask_value", 0.0)
    return x


def _keras_forward_backward(layer, x, dy):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        total = tf.reduce_sum(y * tf.constant(dy))
    return y, np.asarray(tape.gradient(total, xt))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,kwargs,shape", CASES)
def test_forward_backward_match_keras(cls, kwargs, shape, dtype, rng):
    use_dtype(dtype)
    mine, theirs = cls(**kwargs), getattr(keras.layers, cls.__name__)(**kwargs)
    x = _input(cls, kwargs, shape, dtype, rng)
    y = mine(x)
    dy = rng.normal(size=y.shape).astype(dtype)
    y_keras, dx_keras = _keras_forward_backward(theirs, x, dy)
    assert y.dtype == np.dtype(dtype)
    assert y.shape == tuple(y_keras.shape)
    assert y.shape[1:] == mine.compute_output_shape((None, *shape[1:]))[1:]
    assert_close(y, np.asarray(y_keras), F64, f"{cls.__name__} output")
    assert_close(mine.backward(dy), dx_keras, F64, f"{cls.__name__} dx")
    if cls is Masking:
        assert np.array_equal(mine.compute_mask(x), np.asarray(theirs.compute_mask(x)))
        assert np.array_equal(mine.compute_mask(x), np.asarray(y_keras._keras_mask))


def test_masking_golden():
    """keras/src/layers/core/masking_test.py: test_masking_correctness."""
    x = np.array([[[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]],
                  [[2.0, 2.0], [0.0, 0.0], [2.0, 1.0]]])
    expected_mask = [[False, True, False], [True, False, True]]
    assert np.array_equal(Masking(mask_value=0.0).compute_mask(x), expected_mask)


class MaskProbe(Layer):
    """A layer that takes the mask (as LSTM will) and records it."""

    supports_masking = accepts_mask = True

    def forward(self, x, training=False, mask=None):
        self.seen = mask
        return x

    def backward(self, dy):
        return dy


def test_sequential_passes_the_mask_through_mask_supporting_layers():
    """masking_test.py's TestLayer check; and Dropout (supports_masking) passes it on."""
    x = np.array([[[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]],
                  [[2.0, 2.0], [0.0, 0.0], [2.0, 1.0]]])
    probe = MaskProbe()
    model = Sequential([Masking(mask_value=0.0, input_shape=(3, 2)), Dropout(0.5), probe])
    model(x)
    assert np.array_equal(probe.seen, [[False, True, False], [True, False, True]])
    Sequential([Masking(input_shape=(3, 2)), Reshape((3, 2)), probe])(x)
    assert probe.seen is None  # Reshape does not support masking: the mask stops, as in Keras


def test_masking_backward_finite_differences(rng):
    config.set_floatx("float64")
    model = Sequential([Dense(3, activation="tanh", input_shape=(4, 2)), Masking(0.0), Dense(1)])
    x = rng.normal(size=(2, 4, 2))
    model(x)
    model.layers[0].bias.assign(np.zeros(3))
    x[0, 1] = 0.0  # tanh(0 @ kernel + 0) = 0: this timestep is masked after the Dense
    dy = rng.normal(size=(2, 4, 1))

    def loss():
        return float(np.sum(model.forward(x, training=True) * dy))

    model.forward(x, training=True)
    dx = model.backward(dy)
    assert np.all(dx[0, 1] == 0)
    kernel = model.layers[0].kernel
    assert_close(kernel.grad, numeric_grad(loss, kernel.value), FD, "dkernel through Masking")


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 3), sample=shapes, data=st.data())
def test_backward_is_the_adjoint_of_forward(batch, sample, data):
    """For a linear map y = L(x): sum(L(x) * dy) == sum(x * L^T(dy)) for every x, dy."""
    config.set_floatx("float64")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    size = int(np.prod(sample))
    perm = data.draw(st.permutations(range(1, len(sample) + 1)))
    minus = data.draw(st.integers(0, 1))
    layers = [Permute(tuple(perm)), Reshape((size,) if not minus else (-1,))]
    if len(sample) == 1:
        layers.append(RepeatVector(data.draw(st.integers(1, 4))))
    if len(sample) >= 2:
        layers.append(Masking(0.0))
    for layer in layers:
        x = rng.normal(size=(batch, *sample))
        x[rng.random(size=x.shape) < 0.3] = 0.0  # some timesteps fully masked
        y = layer(x)
        assert y.shape[1:] == layer.compute_output_shape((None, *sample))[1:]
        dy = rng.normal(size=y.shape)
        dx = layer.backward(dy)
        assert dx.shape == x.shape
        assert abs(np.sum(y * dy) - np.sum(x * dx)) <= 1e-12 * max(1.0, np.sum(np.abs(y * dy)))


def test_permute_and_repeat_match_numpy(rng):
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    assert np.array_equal(Permute((3, 1, 2))(x), x.transpose(0, 3, 1, 2))
    v = rng.normal(size=(2, 5)).astype("float32")
    y = RepeatVector(3)(v)
    assert y.shape == (2, 3, 5) and all(np.array_equal(y[:, t], v) for t in range(3))
    assert np.array_equal(RepeatVector(3).backward(np.ones((2, 3, 5))), np.full((2, 5), 3.0))


def test_reshape_minus_one_follows_the_input_golden():
    """reshape_test.py: test_reshape_layer_with_varying_input_size_and_minus_one."""
    layer = Reshape((-1, 8))
    assert layer(np.ones((1, 6, 4))).shape == (1, 3, 8)
    assert layer(np.ones((1, 10, 4))).shape == (1, 5, 8)
    assert layer.compute_output_shape((None, 6, 4)) == (None, 3, 8)
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 8)
    assert Reshape((None, 8))(np.ones((1, 6, 4))).shape == (1, 3, 8)  # Keras: None acts as -1
    with pytest.raises(ValueError, match=r"only one unknown dimension .*\(None, -1\)"):
        Reshape((None, -1))(np.ones((1, 6, 4)))


def test_config_matches_keras_and_round_trips():
    cases = [(Masking, dict()), (Masking, dict(mask_value=-1)),
             (Reshape, dict(target_shape=(3, 4))), (Reshape, dict(target_shape=[-1, 2])),
             (RepeatVector, dict(n=3)),
             (Permute, dict(dims=[2, 1])), (Reshape, dict(target_shape=(None, 2)))]
    for cls, kwargs in cases:
        mine = cls(**kwargs, name="probe").get_config()
        assert mine == getattr(keras.layers, cls.__name__)(**kwargs, name="probe").get_config()
        assert cls.from_config(mine).get_config() == mine


@pytest.mark.filterwarnings("ignore:.*does not support masking")
def test_in_a_model_that_keras_rebuilds(rng):
    model = Sequential([Dense(12, input_dim=4), Reshape((3, 4)), Permute((2, 1)),
                        Masking(), Reshape((-1,)), Dense(5), RepeatVector(2)])
    twin = keras.Sequential.from_config(model.get_config())
    twin.set_weights(model.get_weights())
    x = rng.normal(size=(3, 4)).astype("float32")
    assert model.output_shape == twin.output_shape == (None, 2, 5)
    assert_close(model.predict(x, verbose=0), twin.predict(x, verbose=0), 1e-6, "model output")


@pytest.mark.parametrize("target_shape,error,match", [
    ((-2, 5), ValueError, r"non-negative integer.*-1.*target_shape=\(-2, 5\)"),
    ((-1, -1, 5), ValueError, r"at most one unknown dimension.*target_shape=\(-1, -1, 5\)"),
    ((2.5,), TypeError, "target_shape"),
    (3, TypeError, "target_shape")])
def test_bad_target_shape(target_shape, error, match):
    """reshape_test.py: test_reshape_rejects_invalid_target_shape, and non-integers."""
    with pytest.raises(error, match=match):
        Reshape(target_shape)


def test_reshape_size_mismatch():
    with pytest.raises(ValueError,
                       match=r"total size .* input_shape=\(5,\), target_shape=\(2, 3\)"):
        Reshape((2, 3))(np.ones((1, 5)))
    with pytest.raises(ValueError, match=r"not divisible .* target_shape=\(-1, 3\)"):
        Reshape((-1, 3))(np.ones((1, 5)))


@pytest.mark.parametrize("n,error", [("3", TypeError), (3.5, TypeError), ([3], TypeError),
                                     (0, ValueError), (-3, ValueError)])
def test_bad_n(n, error):
    """repeat_vector_test.py: test_repeat_vector_with_invalid_n / _non_positive_n."""
    with pytest.raises(error, match="Expected an integer value for `n`|should be a positive"):
        RepeatVector(n)


def test_repeat_vector_needs_2d_input():
    with pytest.raises(ValueError, match=r"expected ndim=2 .* found ndim=3"):
        RepeatVector(2)(np.ones((2, 3, 4)))


@pytest.mark.parametrize("dims", [(0, 1, 2), (1, 4, 2), (1, 1), ("a",)])
def test_bad_dims(dims):
    """permute_test.py: test_permute_errors_on_invalid_*."""
    with pytest.raises(ValueError, match=r"Invalid permutation argument `dims`"):
        Permute(dims)


def test_permute_rank_mismatch():
    with pytest.raises(ValueError, match=r"expected ndim=3 for dims=\(2, 1\), found ndim=2"):
        Permute((2, 1))(np.ones((2, 3)))


def test_bad_mask_value():
    with pytest.raises(TypeError, match="mask_value='0'"):
        Masking("0")
    with pytest.raises(ValueError, match="min_ndim=2"):
        Masking()(np.ones(3))
