"""GaussianNoise, GaussianDropout, AlphaDropout: Keras parity with the same noise injected on
both sides (forward and dx, float32 and float64), inference identity, statistics, float64
finite differences with fixed noise, config, bad input.

On the Keras side only the random draws are replaced (`backend.random.normal` for the Gaussian
layers, `backend.random.uniform` for AlphaDropout), so the formula that runs is Keras's own.
"""

import contextlib

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, FD, assert_close, numeric_grad, use_dtype

from minikeras import Sequential, config
from minikeras.layers.alpha_dropout import AlphaDropout, alpha_dropout_coefficients
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import injected_noise
from minikeras.layers.gaussian_dropout import GaussianDropout
from minikeras.layers.gaussian_noise import GaussianNoise

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

TOL = {"float32": F32_FORWARD, "float64": F64}


def noise_for(cls, kwargs, shape, rng):
    """The noise each layer draws, in its own terms (see `injected_noise`)."""
    if cls is GaussianNoise:
        return kwargs["stddev"] * rng.standard_normal(size=shape)
    if cls is GaussianDropout:
        return 1 + np.sqrt(kwargs["rate"] / (1 - kwargs["rate"])) * rng.standard_normal(shape)
    return rng.random(size=shape) >= kwargs["rate"]  # AlphaDropout's keep mask


@contextlib.contextmanager
def keras_draws(name, value):
    """Make Keras's TensorFlow backend return `value` from `random.<name>` (normal/uniform)."""
    from keras.src.backend.tensorflow import random as tf_random

    original, calls = getattr(tf_random, name), []

    def draw(shape, *args, dtype=None, **kwargs):
        calls.append(tuple(int(d) for d in shape))
        return tf.constant(np.asarray(value, dtype=dtype or "float32"))

    setattr(tf_random, name, draw)
    try:
        yield calls
    finally:
        setattr(tf_random, name, original)


def _keras_forward_backward(layer, x, dy, training=True):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        total = tf.reduce_sum(y * tf.constant(dy))
    return np.asarray(y), np.asarray(tape.gradient(total, xt))


CASES = [  # (class, kwargs, input shape, noise shape)
    (GaussianNoise, dict(stddev=0.3), (5, 4), (5, 4)),
    (GaussianNoise, dict(stddev=1.0), (2, 3, 4), (2, 3, 4)),
    (GaussianDropout, dict(rate=0.3), (5, 4), (5, 4)),
    (GaussianDropout, dict(rate=0.6), (1, 3, 7), (1, 3, 7)),
    (AlphaDropout, dict(rate=0.2), (6, 5), (6, 5)),
    (AlphaDropout, dict(rate=0.5, noise_shape=(None, 1, 4)), (3, 2, 4), (3, 1, 4)),
]
KERAS_DRAW = {GaussianNoise: "normal", GaussianDropout: "normal", AlphaDropout: "uniform"}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,kwargs,shape,noise_shape", CASES)
def test_training_matches_keras_with_the_same_noise(cls, kwargs, shape, noise_shape, dtype, rng):
    use_dtype(dtype)
    mine, theirs = cls(**kwargs), getattr(keras.layers, cls.__name__)(**kwargs)
    x = rng.normal(size=shape).astype(dtype)
    dy = rng.normal(size=shape).astype(dtype)
    noise = noise_for(cls, kwargs, noise_shape, rng).astype(dtype)
    with injected_noise(mine, [noise]):
        y = mine(x, training=True)
    dx = mine.backward(dy)
    with keras_draws(KERAS_DRAW[cls], noise) as calls:
        y_keras, dx_keras = _keras_forward_backward(theirs, x, dy)
    assert calls == [noise_shape]  # Keras drew exactly once, with this shape
    assert y.dtype == np.dtype(dtype)
    assert_close(y, y_keras, TOL[dtype], f"{cls.__name__} training output")
    assert_close(dx, dx_keras, TOL[dtype], f"{cls.__name__} training dx")
    assert not np.allclose(y, x)


@pytest.mark.parametrize("cls,kwargs,shape,noise_shape", CASES)
def test_inference_is_the_identity(cls, kwargs, shape, noise_shape, rng):
    layer = cls(**kwargs)
    x = rng.normal(size=shape).astype("float32")
    with injected_noise(layer, lambda shape, dtype: pytest.fail("drew noise in inference")):
        assert np.array_equal(layer(x), x)
        assert np.array_equal(layer.backward(x), x)
    y_keras, _ = _keras_forward_backward(getattr(keras.layers, cls.__name__)(**kwargs), x, x,
                                         training=False)
    assert np.array_equal(y_keras, x)


@pytest.mark.parametrize("cls,kwargs", [(GaussianNoise, dict(stddev=0.4)),
                                        (GaussianDropout, dict(rate=0.4)),
                                        (AlphaDropout, dict(rate=0.4))])
def test_backward_matches_finite_differences_with_fixed_noise(cls, kwargs, rng):
    config.set_floatx("float64")
    model = Sequential([Dense(4, activation="tanh", input_dim=3), cls(**kwargs), Dense(2)])
    x = rng.normal(size=(5, 3))
    dy = rng.normal(size=(5, 2))
    noise = noise_for(cls, kwargs, (5, 4), rng)
    model(x)
    with injected_noise(model.layers[1], lambda shape, dtype: noise):
        def loss():
            return float(np.sum(model.forward(x, training=True) * dy))

        model.forward(x, training=True)
        dx = model.backward(dy)
        assert_close(dx, numeric_grad(loss, x), FD, f"{cls.__name__} dx vs finite differences")
        kernel = model.layers[0].kernel
        assert_close(kernel.grad, numeric_grad(loss, kernel.value), FD, "dkernel below noise")


def test_gaussian_noise_statistics_golden():
    """keras/src/layers/regularization/gaussian_noise_test.py: test_gaussian_noise_correctness."""
    outputs = GaussianNoise(0.3, seed=1337)(np.ones((20, 500)), training=True)
    assert abs(np.std(outputs) - 0.3) <= 0.02
    assert abs(np.mean(outputs) - 1.0) < 5 * 0.3 / np.sqrt(outputs.size)


def test_gaussian_dropout_statistics_golden():
    """gaussian_dropout_test.py: test_gaussian_dropout_correctness."""
    outputs = GaussianDropout(0.3, seed=1337)(np.ones((20, 500)), training=True)
    sigma = np.sqrt(0.3 / (1 - 0.3))
    assert abs(np.std(outputs) - sigma) <= 0.02
    assert abs(np.mean(outputs) - 1.0) < 5 * sigma / np.sqrt(outputs.size)


def test_alpha_dropout_statistics():
    """alpha_dropout_test.py: std 1 on ones (atol 0.1); here also mean 0 / variance 1 kept on
    standard-normal input, and the dropped fraction and value."""
    assert abs(np.std(AlphaDropout(0.3, seed=1337)(np.ones((20, 500), "float32"),
                                                   training=True)) - 1.0) <= 0.1
    np.random.seed(0)
    x = np.random.standard_normal((400, 500))
    rate = 0.3
    y = AlphaDropout(rate)(x, training=True)
    a, b, alpha_p = alpha_dropout_coefficients(rate)
    dropped = np.isclose(y, a * alpha_p + b, rtol=0, atol=1e-12)
    n = x.size
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    assert abs(y.mean()) < 5 / np.sqrt(n)
    assert abs(y.var() - 1.0) < 5 * np.sqrt(2 / n) * 1.5


@pytest.mark.parametrize("noise_shape", [(None, 1, None), (20, 1, 10)])
def test_alpha_dropout_noise_shape_golden(noise_shape):
    """alpha_dropout_test.py: test_alpha_dropout_partial_noise_shape_dynamic / _static."""
    outputs = AlphaDropout(0.5, noise_shape=noise_shape)(np.ones((20, 5, 10)), training=True)
    assert np.all(outputs[:, 0, :] == outputs[:, 1, :])


def test_seeds_repeat():
    x = np.ones((6, 6))
    for cls, kwargs in [(GaussianNoise, dict(stddev=0.5)), (GaussianDropout, dict(rate=0.5)),
                        (AlphaDropout, dict(rate=0.5))]:
        np.random.seed(4)
        first = cls(**kwargs)(x, training=True)
        np.random.seed(4)
        assert np.array_equal(cls(**kwargs)(x, training=True), first)
        seeded = cls(**kwargs, seed=2)
        a, b = seeded(x, training=True), seeded(x, training=True)
        assert np.array_equal(cls(**kwargs, seed=2)(x, training=True), a)
        assert not np.array_equal(a, b)


def test_config_matches_keras_and_round_trips():
    cases = [(GaussianNoise, dict(stddev=0.1)), (GaussianNoise, dict(stddev=0.5, seed=3)),
             (GaussianDropout, dict(rate=0.2)), (AlphaDropout, dict(rate=0.1)),
             (AlphaDropout, dict(rate=0.1, noise_shape=[2, 3], seed=1))]
    for cls, kwargs in cases:
        mine = cls(**kwargs, name="probe").get_config()
        assert mine == getattr(keras.layers, cls.__name__)(**kwargs, name="probe").get_config()
        assert cls.from_config(mine).get_config() == mine
        assert cls(**kwargs).supports_masking


@pytest.mark.parametrize("cls,arg", [(GaussianNoise, "stddev"), (GaussianDropout, "rate"),
                                     (AlphaDropout, "rate")])
@pytest.mark.parametrize("value,error", [(-0.5, ValueError), (1.5, ValueError),
                                         ("0.1", TypeError)])
def test_bad_rate_or_stddev(cls, arg, value, error):
    with pytest.raises(error, match=rf"`{arg}`. Expected a float value between 0 and 1"):
        cls(value)


def test_rate_one_in_training_is_a_clear_error():
    x = np.ones((2, 2))
    for cls in (GaussianDropout, AlphaDropout):
        layer = cls(1.0)
        assert np.array_equal(layer(x), x)  # inference is fine, as in Keras
        with pytest.raises(ValueError, match=r"rate=1.0 cannot run in training"):
            layer(x, training=True)


def test_alpha_dropout_noise_shape_must_fit():
    with pytest.raises(ValueError, match=r"noise_shape=\(2, 5\) does not broadcast"):
        AlphaDropout(0.5, noise_shape=(None, 5))(np.ones((2, 3)), training=True)
    with pytest.raises(ValueError, match="noise_shape"):
        AlphaDropout(0.5, noise_shape=(2, -3))
