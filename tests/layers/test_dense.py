"""Dense: Keras parity (forward, gradients of every weight and the input), finite differences,
config, and bad input."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, FD, assert_close, numeric_grad, use_dtype

from minikeras import config
from minikeras.layers import Dense

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
               "softsign", "gelu", "silu", "exponential", "hard_sigmoid", "leaky_relu", "relu6"]
TOL = {"float32": F32_FORWARD, "float64": F64}


def _twins(units, input_shape, dtype, **kwargs):
    use_dtype(dtype)
    mine = Dense(units, **kwargs)
    mine.build_from_shape(input_shape)
    theirs = keras.layers.Dense(units, **kwargs)
    theirs.build(input_shape)
    theirs.set_weights(mine.get_weights())
    return mine, theirs


def _keras_grads(layer, x, dy):
    """Gradients of sum(layer(x) * dy) w.r.t. the input and every weight, by tf.GradientTape."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
        total = tf.reduce_sum(y * tf.constant(dy))
    grads = tape.gradient(total, [xt, *layer.trainable_weights])
    return np.asarray(y), [np.asarray(g) for g in grads]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_and_gradients_match_keras(activation, dtype, rng):
    mine, theirs = _twins(4, (None, 5), dtype, activation=activation,
                          bias_initializer="random_normal")
    x = rng.normal(size=(7, 5)).astype(dtype)
    dy = rng.normal(size=(7, 4)).astype(dtype)
    y_keras, (dx_keras, dkernel_keras, dbias_keras) = _keras_grads(theirs, x, dy)
    y = mine(x, training=True)
    dx = mine.backward(dy)
    tol = TOL[dtype]
    assert y.dtype == np.dtype(dtype)
    assert_close(y, y_keras, tol, f"Dense({activation}) output")
    assert_close(dx, dx_keras, tol, f"Dense({activation}) dx")
    assert_close(mine.kernel.grad, dkernel_keras, tol, f"Dense({activation}) dkernel")
    assert_close(mine.bias.grad, dbias_keras, tol, f"Dense({activation}) dbias")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_no_bias_and_rank3_input_match_keras(dtype, rng):
    mine, theirs = _twins(3, (None, 4, 6), dtype, activation="tanh", use_bias=False)
    assert len(mine.weights) == 1
    x = rng.normal(size=(2, 4, 6)).astype(dtype)
    dy = rng.normal(size=(2, 4, 3)).astype(dtype)
    y_keras, (dx_keras, dkernel_keras) = _keras_grads(theirs, x, dy)
    y = mine(x)
    assert y.shape == (2, 4, 3)
    assert_close(y, y_keras, TOL[dtype], "rank-3 output")
    assert_close(mine.backward(dy), dx_keras, TOL[dtype], "rank-3 dx")
    assert_close(mine.kernel.grad, dkernel_keras, TOL[dtype], "rank-3 dkernel")


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "softmax", "tanh", "gelu", "selu"])
def test_backward_matches_finite_differences(activation, rng):
    config.set_floatx("float64")
    layer = Dense(3, activation=activation, bias_initializer="random_normal")
    x = rng.normal(size=(4, 5))
    dy = rng.normal(size=(4, 3))
    layer(x)

    def loss():
        return float(np.sum(layer.forward(x) * dy))

    layer.forward(x, training=True)
    dx = layer.backward(dy)
    assert_close(dx, numeric_grad(loss, x), FD, "dx vs finite differences")
    assert_close(layer.kernel.grad, numeric_grad(loss, layer.kernel.value), FD, "dkernel")
    assert_close(layer.bias.grad, numeric_grad(loss, layer.bias.value), FD, "dbias")


def test_get_config_matches_keras():
    cases = [dict(units=8, input_dim=5, activation="sigmoid"),
             dict(units=4, activation="relu", use_bias=False, kernel_initializer="uniform"),
             dict(units=1, activation="sigmoid", kernel_initializer="normal",
                  bias_initializer="ones", kernel_regularizer="l2",
                  kernel_constraint="max_norm")]
    for kwargs in cases:
        mine = Dense(**kwargs, name="probe").get_config()
        theirs = keras.layers.Dense(**kwargs, name="probe").get_config()
        assert mine == theirs


def test_from_config_round_trip():
    layer = Dense(3, activation="relu", kernel_initializer="he_normal", name="roundtrip")
    clone = Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_weights_names_shapes_and_paths():
    layer = Dense(3)
    layer.build_from_shape((None, 2))
    assert [v.name for v in layer.weights] == ["kernel", "bias"]
    assert layer.kernel.shape == (2, 3) and layer.bias.shape == (3,)
    assert layer.kernel.path == f"{layer.name}/kernel"
    assert layer.count_params() == 9


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True])
def test_bad_units(units):
    with pytest.raises(ValueError, match="units"):
        Dense(units)


def test_wrong_feature_count_is_a_clear_error():
    layer = Dense(2)
    layer(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4"):
        layer(np.ones((3, 5)))


def test_rank1_input_is_a_clear_error():
    with pytest.raises(ValueError, match="min_ndim=2"):
        Dense(2)(np.ones(4))


def test_non_numeric_input_is_a_clear_error():
    with pytest.raises(TypeError, match="numeric"):
        Dense(2)(np.array([["a", "b"]]))


def test_unknown_activation_suggests_a_name():
    with pytest.raises(ValueError, match="relu"):
        Dense(2, activation="rleu")


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="kernel_init"):
        Dense(2, kernel_init="uniform")


def test_regularizer_and_constraint_are_applied(rng):
    from minikeras.layers import Dense as D

    layer = D(3, kernel_regularizer="l2", kernel_constraint="non_neg")
    layer.build_from_shape((None, 2))
    penalty = layer.regularization_loss()
    expected = 0.01 * float(np.sum(layer.kernel.value.astype(np.float64) ** 2))
    assert penalty == pytest.approx(expected, rel=1e-6)
    assert layer.kernel.constraint is not None
