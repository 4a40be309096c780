"""BatchNormalization and LayerNormalization: Keras parity (output, dx, dgamma, dbeta) in
training and inference, the moving statistics' update, float32 and float64; finite
differences; weights in Keras's order; config; bad input."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, assert_close, use_dtype
from layer_parity import assert_finite_differences, assert_parity, twins

from minikeras import layers

keras = pytest.importorskip("keras")

TOL = {"float32": F32_FORWARD, "float64": F64}
BN_CASES = [((6, 4), dict()), ((4, 5, 3), dict(axis=1, momentum=0.9, epsilon=0.01)),
            ((3, 4, 4, 2), dict(center=False)), ((5, 3), dict(scale=False, momentum=0.5)),
            ((2, 3, 4, 5), dict(axis=-2, center=False, scale=False))]
LN_CASES = [((4, 6), dict()), ((3, 4, 5), dict(axis=1, epsilon=1e-5)),
            ((3, 4, 5), dict(axis=[1, 2], scale=False)), ((2, 3, 4), dict(center=False)),
            ((2, 3, 2, 4), dict(axis=(3, 1)))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("shape, kwargs", BN_CASES, ids=str)
def test_batch_normalization_matches_keras(shape, kwargs, training, dtype, rng):
    mine, theirs = twins(layers.BatchNormalization, keras.layers.BatchNormalization,
                         (None, *shape[1:]), dtype, rng, **kwargs)
    x = (rng.normal(size=shape) * 2 + 0.5).astype(dtype)
    assert_parity(mine, theirs, x, dtype, rng, training=training, label=f"BN {kwargs}")
    # the forward pass in training moved the statistics as Keras's did (inference: not at all)
    for a, b in zip(mine.non_trainable_weights, theirs.non_trainable_weights, strict=True):
        assert_close(a.value, np.asarray(b), TOL[dtype], f"BN {a.name}")


def test_batch_normalization_frozen_runs_in_inference_mode(rng):
    use_dtype("float32")
    layer = layers.BatchNormalization()
    x = rng.normal(size=(5, 3)).astype("float32")
    layer(x)
    layer.trainable = False
    before = [w.copy() for w in layer.get_weights()]
    np.testing.assert_array_equal(layer(x, training=True), layer(x, training=False))
    for a, b in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, kwargs", LN_CASES, ids=str)
def test_layer_normalization_matches_keras(shape, kwargs, dtype, rng):
    mine, theirs = twins(layers.LayerNormalization, keras.layers.LayerNormalization,
                         (None, *shape[1:]), dtype, rng, **kwargs)
    x = (rng.normal(size=shape) * 3 - 1).astype(dtype)
    assert_parity(mine, theirs, x, dtype, rng, label=f"LN {kwargs}")


@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_finite_differences(training, rng):
    use_dtype("float64")
    layer = layers.BatchNormalization(axis=1, beta_initializer="random_normal",
                                      gamma_initializer="random_uniform",
                                      moving_variance_initializer="ones")
    assert_finite_differences(layer, rng.normal(size=(4, 3, 2)), rng, training=training)


def test_layer_normalization_finite_differences(rng):
    use_dtype("float64")
    layer = layers.LayerNormalization(axis=[1, 2], beta_initializer="random_normal",
                                      gamma_initializer="random_uniform")
    assert_finite_differences(layer, rng.normal(size=(3, 2, 4)), rng)


def test_weights_and_config_match_keras():
    mine, theirs = layers.BatchNormalization(name="bn"), keras.layers.BatchNormalization(
        name="bn")
    assert mine.get_config() == theirs.get_config()
    mine.build_from_shape((None, 4, 3))
    theirs.build((None, 4, 3))
    assert [(v.name, v.shape, v.trainable) for v in mine.weights] == [
        (v.name, tuple(v.shape), v.trainable) for v in theirs.weights]
    for kwargs in [dict(axis=1, momentum=0.5, center=False, gamma_regularizer="l2"),
                   dict(epsilon=0.1, beta_constraint="non_neg")]:
        assert layers.BatchNormalization(**kwargs, name="b").get_config() == \
            keras.layers.BatchNormalization(**kwargs, name="b").get_config()
    for kwargs in [dict(), dict(axis=[1, 2], epsilon=1e-5, scale=False)]:
        mine = layers.LayerNormalization(**kwargs, name="ln")
        theirs = keras.layers.LayerNormalization(**kwargs, name="ln")
        assert mine.get_config() == theirs.get_config()
        mine.build_from_shape((None, 3, 4))
        theirs.build((None, 3, 4))
        assert mine.get_config() == theirs.get_config()  # Keras lists the axes once built
        assert [(v.name, v.shape) for v in mine.weights] == [
            (v.name, tuple(v.shape)) for v in theirs.weights]


def test_bad_arguments_and_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="Axis 3 is out of bounds"):
        layers.BatchNormalization(axis=3)(np.ones((2, 3)))
    with pytest.raises(TypeError, match="axis='x'"):
        layers.BatchNormalization(axis="x")
    with pytest.raises(ValueError, match="epsilon=-1"):
        layers.BatchNormalization(epsilon=-1)
    with pytest.raises(ValueError, match="renorm"):
        layers.BatchNormalization(renorm=True)
    layer = layers.BatchNormalization()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layer(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="Axis 2 is out of bounds"):
        layers.LayerNormalization(axis=[1, 2])(np.ones((2, 3)))
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis=1.5)
    with pytest.raises(ValueError, match="mixes negative and non-negative"):
        layers.LayerNormalization(axis=[-1, 1])
    ln = layers.LayerNormalization()
    ln(np.ones((2, 3)))
    with pytest.raises(ValueError, match="sizes"):
        ln(np.ones((2, 4)))
