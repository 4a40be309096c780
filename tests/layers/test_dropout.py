"""Dropout and SpatialDropout1D: Keras parity in inference and, with the same keep masks
injected on both sides, in training (one step with gradients, and a 20-step fit); drop-rate
statistics; float64 finite differences with a fixed mask; seeding; config; bad input.

On the Keras side only the random numbers are replaced: `backend.random.dropout` is patched to
call TensorFlow's own `tf.nn.experimental.general_dropout` with a sampler that returns the keep
mask as the uniform draws u (u = 1 >= rate keeps, u = 0 < rate drops), so the formula that
runs is Keras's.
"""

import contextlib

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, FD, assert_close, numeric_grad, use_dtype
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import Sequential, config
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout, injected_noise
from minikeras.layers.spatial_dropout import SpatialDropout1D

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")
parity = pytest.importorskip("parity.core")

TOL = {"float32": F32_FORWARD, "float64": F64}
TRAJECTORY_TOL = {"float32": F32_TRAJECTORY, "float64": F64}


class KeepMasks:
    """A seeded stream of keep masks, keep = u >= rate; two with one seed give the same masks."""

    def __init__(self, rate, seed):
        self.rate, self.rng, self.shapes = rate, np.random.default_rng(seed), []

    def __call__(self, shape, dtype):
        self.shapes.append(tuple(shape))
        return self.rng.random(size=shape) >= self.rate


@contextlib.contextmanager
def keras_dropout_masks(source):
    """Run Keras's Dropout (TensorFlow backend) with keep masks from `source(shape, dtype)`."""
    from keras.src.backend.tensorflow import random as tf_random

    original = tf_random.dropout

    def dropout(inputs, rate, noise_shape=None, seed=None):
        if rate == 1.0:
            return original(inputs, rate, noise_shape, seed)
        shape = tuple(int(inputs.shape[i]) if d is None else int(d)
                      for i, d in enumerate(noise_shape or (None,) * len(inputs.shape)))
        keep = np.asarray(source(shape, inputs.dtype.name), dtype=inputs.dtype.name)

        def sampler(shape, dtype):
            return tf.constant(keep, dtype=dtype)

        return tf.nn.experimental.general_dropout(inputs, rate, sampler, noise_shape=shape)

    tf_random.dropout = dropout
    try:
        yield
    finally:
        tf_random.dropout = original


def _keras_forward_backward(layer, x, dy, training=True):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        total = tf.reduce_sum(y * tf.constant(dy))
    return np.asarray(y), np.asarray(tape.gradient(total, xt))


CASES = [  # (class, kwargs, input shape)
    (Dropout, dict(rate=0.5), (6, 7)),
    (Dropout, dict(rate=0.3), (4, 3, 5)),
    (Dropout, dict(rate=0.2, noise_shape=(None, 1, 5)), (4, 3, 5)),
    (Dropout, dict(rate=0.7, noise_shape=(1, 5)), (1, 5)),
    (SpatialDropout1D, dict(rate=0.4), (3, 6, 4)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,kwargs,shape", CASES)
def test_training_step_matches_keras_with_the_same_mask(cls, kwargs, shape, dtype, rng):
    use_dtype(dtype)
    mine, theirs = cls(**kwargs), getattr(keras.layers, cls.__name__)(**kwargs)
    x = rng.normal(size=shape).astype(dtype)
    dy = rng.normal(size=shape).astype(dtype)
    masks_mine, masks_theirs = KeepMasks(kwargs["rate"], 5), KeepMasks(kwargs["rate"], 5)
    with injected_noise(mine, masks_mine):
        y = mine(x, training=True)
    dx = mine.backward(dy)
    with keras_dropout_masks(masks_theirs):
        y_keras, dx_keras = _keras_forward_backward(theirs, x, dy)
    assert masks_mine.shapes == masks_theirs.shapes == [mine.noise_shape_for(x)]
    assert y.dtype == np.dtype(dtype)
    assert_close(y, y_keras, TOL[dtype], f"{cls.__name__} training output")
    assert_close(dx, dx_keras, TOL[dtype], f"{cls.__name__} training dx")
    assert np.any(y == 0) and np.any(y != 0)  # the mask both kept and dropped something


@pytest.mark.parametrize("cls,kwargs,shape", CASES)
def test_inference_is_the_identity_as_in_keras(cls, kwargs, shape, rng):
    mine, theirs = cls(**kwargs), getattr(keras.layers, cls.__name__)(**kwargs)
    x = rng.normal(size=shape).astype("float32")
    dy = rng.normal(size=shape).astype("float32")
    y_keras, dx_keras = _keras_forward_backward(theirs, x, dy, training=False)
    assert_close(mine(x), y_keras, 0.0, "inference output")
    assert_close(mine.backward(dy), dx_keras, 0.0, "inference dx")


def _dense_dropout_dense(rate):
    model = Sequential([Dense(8, activation="relu", input_dim=5), Dropout(rate),
                        Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_twenty_step_fit_matches_keras_with_the_same_masks(dtype, rng):
    """fit draws one mask per batch (training=True); the validation pass draws none."""
    use_dtype(dtype)
    model = _dense_dropout_dense(0.4)
    twin = parity.to_keras(model, compile=False)
    twin.compile(optimizer="adam", loss="categorical_crossentropy", run_eagerly=True)
    x = rng.normal(size=(125, 5)).astype(dtype)
    y = np.eye(3)[rng.integers(0, 3, size=125)].astype(dtype)
    fit = dict(epochs=2, batch_size=10, validation_split=0.2, shuffle=False, verbose=0)
    masks_mine, masks_theirs = KeepMasks(0.4, 9), KeepMasks(0.4, 9)
    with injected_noise(model.layers[1], masks_mine):
        history = model.fit(x, y, **fit)
    with keras_dropout_masks(masks_theirs):
        history_keras = twin.fit(x, y, **fit)
    assert masks_mine.shapes == masks_theirs.shapes == [(10, 8)] * 20
    tol = TRAJECTORY_TOL[dtype]
    for key in ("loss", "val_loss"):
        assert_close(history.history[key], history_keras.history[key], tol, key)
    for mine_w, theirs_w, name in zip(model.get_weights(), twin.get_weights(),
                                      ["kernel0", "bias0", "kernel2", "bias2"], strict=True):
        assert_close(mine_w, theirs_w, tol, f"{name} after 20 steps")


def test_predict_and_evaluate_run_without_dropout(rng):
    model = _dense_dropout_dense(0.5)
    twin = parity.to_keras(model)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = np.eye(3)[rng.integers(0, 3, size=40)].astype("float32")
    with injected_noise(model.layers[1], lambda shape, dtype: pytest.fail("drew a mask")):
        predicted = model.predict(x, verbose=0)
        loss = model.evaluate(x, y, verbose=0)
        direct = model(x)
    assert_close(predicted, twin.predict(x, verbose=0), F32_FORWARD, "predict")
    assert_close(direct, predicted, F32_FORWARD, "model(x)")
    assert_close(loss, twin.evaluate(x, y, verbose=0), F32_FORWARD, "evaluate loss")


def test_backward_matches_finite_differences_with_a_fixed_mask(rng):
    config.set_floatx("float64")
    model = Sequential([Dense(4, activation="tanh", input_dim=3),
                        Dropout(0.5, noise_shape=(None, 4)), Dense(2)])
    x = rng.normal(size=(5, 3))
    dy = rng.normal(size=(5, 2))
    keep = rng.random(size=(5, 4)) >= 0.5
    model(x)
    with injected_noise(model.layers[1], lambda shape, dtype: keep):
        def loss():
            return float(np.sum(model.forward(x, training=True) * dy))

        model.forward(x, training=True)
        dx = model.backward(dy)
        assert_close(dx, numeric_grad(loss, x), FD, "dx vs finite differences")
        kernel = model.layers[0].kernel
        model.forward(x, training=True)
        model.backward(dy)
        assert_close(kernel.grad, numeric_grad(loss, kernel.value), FD, "dkernel (below dropout)")


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_drop_rate_and_scaling(rate):
    np.random.seed(0)
    x = np.ones((200, 500), dtype="float32")
    y = Dropout(rate)(x, training=True)
    kept = y != 0
    sd = np.sqrt(rate * (1 - rate) / x.size)  # of the dropped fraction (binomial)
    assert abs((1 - kept.mean()) - rate) < 5 * sd
    assert np.all(y[kept] == np.float32(1 / (1 - rate)))  # TensorFlow's float32 scale
    assert abs(y.mean() - 1.0) < 5 * sd / (1 - rate)  # inverted dropout keeps the mean


def test_keras_rescaling_golden():
    """keras/src/layers/regularization/dropout_test.py: test_dropout_rescaling."""
    outputs = Dropout(0.5, seed=1337)(np.ones((20, 500)), training=True)
    assert abs(np.mean(outputs) - 1.0) <= 0.02 and np.max(outputs) == 2.0


@pytest.mark.parametrize("noise_shape", [(None, 1, None), (20, 1, 10)])
def test_noise_shape_shares_the_mask_golden(noise_shape):
    """dropout_test.py: test_dropout_partial_noise_shape_dynamic / _static."""
    outputs = Dropout(0.5, noise_shape=noise_shape)(np.ones((20, 5, 10)), training=True)
    assert np.all(outputs[:, 0, :] == outputs[:, 1, :])
    assert 0 < np.mean(outputs == 0) < 1


def test_spatial_dropout_drops_whole_channels():
    np.random.seed(1)
    y = SpatialDropout1D(0.5)(np.ones((8, 6, 10)), training=True)
    assert np.all(y == y[:, :1, :])  # the same for every timestep
    assert 0 < np.mean(y == 0) < 1


def test_rate_zero_and_one():
    x = np.arange(6.0).reshape(2, 3)
    one, zero = Dropout(1.0), Dropout(0.0)
    assert np.all(one(x, training=True) == 0) and np.all(one.backward(np.ones_like(x)) == 0)
    assert np.array_equal(zero(x, training=True), x)
    assert np.array_equal(one(x), x)  # inference ignores the rate


def test_global_seed_repeats_a_run_and_int_seed_repeats_a_layer():
    x = np.ones((10, 10))
    np.random.seed(3)
    first = Dropout(0.5)(x, training=True)
    np.random.seed(3)
    assert np.array_equal(Dropout(0.5)(x, training=True), first)
    seeded, again = Dropout(0.5, seed=11), Dropout(0.5, seed=11)
    a, b = seeded(x, training=True), seeded(x, training=True)
    assert np.array_equal(again(x, training=True), a)
    assert not np.array_equal(a, b)  # a seeded layer advances its generator, as Keras's


def test_config_matches_keras_and_round_trips():
    cases = [(Dropout, dict(rate=0.5)), (Dropout, dict(rate=0.3, noise_shape=[None, 1, 4],
                                                       seed=3)),
             (SpatialDropout1D, dict(rate=0.2)), (SpatialDropout1D, dict(rate=0.1, seed=4))]
    for cls, kwargs in cases:
        mine = cls(**kwargs, name="probe").get_config()
        assert mine == getattr(keras.layers, cls.__name__)(**kwargs, name="probe").get_config()
        assert cls.from_config(mine).get_config() == mine
    assert Dropout(0.5).supports_masking and not Dropout(0.5).weights


def test_model_with_dropout_rebuilds_in_keras(rng):
    model = _dense_dropout_dense(0.5)
    twin = keras.Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in twin.layers] == ["Dense", "Dropout", "Dense"]
    assert twin.layers[1].get_config() == model.layers[1].get_config()


@pytest.mark.parametrize("rate,error", [(-0.5, ValueError), (1.5, ValueError),
                                        ("0.5", TypeError), (None, TypeError)])
def test_bad_rate(rate, error):
    with pytest.raises(error, match=r"argument `rate`. Expected a float value between 0 and 1"):
        Dropout(rate)


@pytest.mark.parametrize("noise_shape,match", [
    ("Invalid", "Expected a tuple or list of integers"),
    ((20, 1.5, 10), "Expected all elements to be integers or None"),
    ((20, -1, 10), "Expected all dimensions to be positive integers or None"),
    ((20, 0, 10), "Expected all dimensions to be positive integers or None"),
    (5, "Expected an iterable of integers")])
def test_bad_noise_shape_keras_messages(noise_shape, match):
    """dropout_test.py: test_validate_noise_shape_*."""
    with pytest.raises(ValueError, match=match):
        Dropout(0.5, noise_shape=noise_shape)


def test_noise_shape_that_does_not_fit_the_input():
    layer = Dropout(0.5, noise_shape=(None, 3))
    with pytest.raises(ValueError, match=r"noise_shape=\(4, 3\) does not broadcast to the "
                                         r"input shape \(4, 5\)"):
        layer(np.ones((4, 5)), training=True)


@pytest.mark.parametrize("seed", [-1, 1.5, "7"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        Dropout(0.5, seed=seed)


def test_spatial_dropout_needs_3d_input():
    with pytest.raises(ValueError, match=r"expected ndim=3 .* found ndim=2"):
        SpatialDropout1D(0.5)(np.ones((2, 3)), training=True)
    with pytest.raises(TypeError, match="noise_shape"):
        SpatialDropout1D(0.5, noise_shape=(1, 1, 1))  # Keras's signature has no noise_shape


def test_injected_noise_errors_and_restores():
    layer = Dropout(0.5)
    x = np.ones((2, 3))
    with injected_noise(layer, [np.ones((2, 3), bool)]):
        assert np.all(layer(x, training=True) == 2)
        with pytest.raises(ValueError, match=r"asked for noise #2, but only 1 were given"):
            layer(x, training=True)
    assert layer.noise_source is None
    with injected_noise(layer, [np.ones((3, 2), bool)]), \
            pytest.raises(ValueError, match=r"needs noise of shape \(2, 3\).*\(3, 2\)"):
        layer(x, training=True)
    with pytest.raises(TypeError, match="random-noise layer"):
        with injected_noise(Dense(2), []):
            pass


@settings(max_examples=30, deadline=None)
@given(sample=st.lists(st.integers(1, 4), min_size=1, max_size=3), batch=st.integers(1, 3),
       rate=st.floats(0.05, 0.95), data=st.data())
def test_backward_is_the_adjoint_for_any_shape_and_noise_shape(sample, batch, rate, data):
    """With the mask fixed, dropout is linear in x: sum(y * dy) == sum(x * dx); and the mask is
    shared along every axis where noise_shape is 1."""
    config.set_floatx("float64")
    shape = (batch, *sample)
    noise_shape = tuple(data.draw(st.sampled_from([None, 1, d])) for d in shape)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    layer = Dropout(rate, noise_shape=noise_shape, seed=data.draw(st.integers(0, 99)))
    x, dy = rng.normal(size=shape), rng.normal(size=shape)
    y = layer(x, training=True)
    dx = layer.backward(dy)
    assert abs(np.sum(y * dy) - np.sum(x * dx)) <= 1e-12 * max(1.0, np.sum(np.abs(y * dy)))
    kept = (y != 0).astype(int)
    for axis, d in enumerate(noise_shape):
        if d == 1:
            assert np.all(kept == kept.take([0], axis=axis))
    assert np.all(y[kept == 1] == x[kept == 1] * (1 / (1 - rate)))
