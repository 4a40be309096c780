"""Lambda: Keras parity (outputs, shapes, config), the `grad=` extension against Keras's
automatic gradients and finite differences, training through it, serialization safety."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, FD, assert_close, numeric_grad, use_dtype

import minikeras
from minikeras.layers.lambda_layer import LAMBDA_REFUSED, Lambda

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

TOL = {"float32": F32_FORWARD, "float64": F64}


def square(x):
    return x ** 2


# name -> (function, its derivative (dy, x, y, **arguments) -> dx, arguments); each function
# is written with operators that work on NumPy arrays and TensorFlow tensors alike.
FUNCTIONS = {
    "square": (square, lambda dy, x, y: 2 * x * dy, None),
    "scaled-shift": (lambda x, a, b: a * x + b, lambda dy, x, y, a, b: a * dy,
                     {"a": 1.5, "b": -0.25}),
    "rational": (lambda x: x / (1 + x * x), lambda dy, x, y: dy * (1 - x * x) / (1 + x * x) ** 2,
                 None),
    "cube-minus": (lambda x: x * x * x - x, lambda dy, x, y: dy * (3 * x * x - 1), None),
}


def twins(name, dtype, **kwargs):
    function, grad, arguments = FUNCTIONS[name]
    use_dtype(dtype)
    mine = Lambda(function, arguments=arguments, grad=grad, **kwargs)
    theirs = keras.layers.Lambda(function, arguments=arguments, **kwargs)
    return mine, theirs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_forward_and_grad_match_keras(name, dtype, rng):
    mine, theirs = twins(name, dtype)
    x = rng.normal(size=(5, 3)).astype(dtype)
    dy = rng.normal(size=(5, 3)).astype(dtype)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y_keras = theirs(xt)
        total = tf.reduce_sum(y_keras * tf.constant(dy))
    dx_keras = tape.gradient(total, xt)
    y = mine(x, training=True)
    assert y.dtype == np.dtype(dtype)
    assert_close(y, np.asarray(y_keras), TOL[dtype], f"Lambda({name}) output")
    assert_close(mine.backward(dy), np.asarray(dx_keras), TOL[dtype], f"Lambda({name}) dx")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_grad_matches_finite_differences(name, rng):
    mine, _ = twins(name, "float64")
    x = rng.normal(size=(4, 3))
    dy = rng.normal(size=(4, 3))
    mine(x, training=True)
    dx = mine.backward(dy)
    numeric = numeric_grad(lambda: float(np.sum(mine(x) * dy)), x)
    assert_close(dx, numeric, FD, f"Lambda({name}) dx vs finite differences")


def build_models(dtype, grad=True):
    use_dtype(dtype)
    function, derivative, _ = FUNCTIONS["rational"]
    mine = minikeras.Sequential([
        minikeras.Input((6,)), minikeras.layers.Dense(5, activation="tanh"),
        Lambda(function, grad=derivative if grad else None),
        minikeras.layers.Dense(1, activation="sigmoid")])
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="tanh"),
                               keras.layers.Lambda(function),
                               keras.layers.Dense(1, activation="sigmoid")])
    theirs.set_weights(mine.get_weights())
    for model, lib in [(mine, minikeras), (theirs, keras)]:
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="binary_crossentropy")
    return mine, theirs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_through_lambda_matches_keras_over_20_steps(dtype, rng):
    mine, theirs = build_models(dtype)
    x = rng.normal(size=(40, 6))
    y = (x[:, 0] - x[:, 3] > 0).astype(dtype)
    h_mine = mine.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    tol = F32_TRAJECTORY if dtype == "float32" else F64
    assert_close(h_mine.history["loss"], h_theirs.history["loss"], tol, "loss history")
    for w_mine, w_theirs in zip(mine.get_weights(), theirs.get_weights(), strict=True):
        assert_close(w_mine, w_theirs, tol, "weights after 20 steps")


def test_training_without_grad_raises_naming_the_layer_and_grad(rng):
    mine, theirs = build_models("float32", grad=False)
    x = rng.normal(size=(8, 6)).astype("float32")
    before = mine.get_weights()
    with pytest.raises(ValueError, match=r"Layer 'lambda\w*' \(Lambda\).*`grad=`"):
        mine.fit(x, np.ones(8), verbose=0)
    for w_now, w_before in zip(mine.get_weights(), before, strict=True):
        assert np.array_equal(w_now, w_before)  # no weight moved
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), F32_FORWARD,
                 "inference without grad")


def test_grad_of_the_wrong_shape_names_the_layer(rng):
    layer = Lambda(square, grad=lambda dy, x, y: dy[:, :1])
    layer(rng.normal(size=(3, 2)), training=True)
    with pytest.raises(ValueError, match=r"returned an array of shape \(3, 1\).*\(3, 2\)"):
        layer.backward(np.ones((3, 2)))


@pytest.mark.parametrize("kwargs", [{}, {"output_shape": (2,)},
                                    {"output_shape": lambda s: (s[0], 2)}])
def test_output_shape_matches_keras(kwargs):
    function = lambda x: x[:, :2] * 2  # noqa: E731 - the kind of function Lambda is for
    mine = Lambda(function, **kwargs)
    theirs = keras.layers.Lambda(function, **kwargs)
    for shape in [(None, 5), (7, 3)]:
        assert mine.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))


def test_output_shape_that_cannot_be_inferred_raises_like_keras():
    def needs_two_inputs(x):
        return x[0] + x[1][None]

    mine = Lambda(needs_two_inputs)
    with pytest.raises(NotImplementedError, match="specify the `output_shape` argument"):
        mine.compute_output_shape((None, 4, 3, 2, 1, 9))


def test_masks_like_keras():
    x = np.arange(6.0).reshape(2, 3)
    given = np.array([[True, False, True], [False, True, True]])
    for mask in [None, np.array([True, False]), lambda inputs, mask: inputs > 1]:
        mine, theirs = Lambda(square, mask=mask), keras.layers.Lambda(square, mask=mask)
        assert mine.supports_masking == theirs.supports_masking
        out_mine, out_theirs = mine.compute_mask(x, given), theirs.compute_mask(x, given)
        assert (out_mine is None) == (out_theirs is None)
        if out_mine is not None:
            assert np.array_equal(out_mine, np.asarray(out_theirs))


def test_function_gets_mask_and_training_like_keras():
    seen = []
    layer = Lambda(lambda x, mask=None, training=None: seen.append((mask, training)) or x)
    assert layer.accepts_mask
    layer.forward(np.ones((2, 3)), training=True, mask=np.array([True, False]))
    assert seen[0][1] is True and seen[0][0].tolist() == [True, False]


CONFIGS = {
    "lambda": dict(function=lambda x, k=2: x * k),
    "named": dict(function=square, output_shape=(3,)),
    "arguments-and-mask": dict(function=lambda x, w: x * w,
                               arguments={"w": np.array([1.0, 2.0, 3.0]), "s": 2.5},
                               mask=np.array([True, False])),
    "callable-output-shape": dict(function=square, output_shape=lambda s: s),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_get_config_matches_keras(case):
    mine = Lambda(**CONFIGS[case], name="f")
    theirs = keras.layers.Lambda(**CONFIGS[case], name="f")
    assert mine.get_config() == theirs.get_config()


def test_grad_is_added_to_the_config_only_when_given():
    assert "grad" not in Lambda(square).get_config()
    config = Lambda(square, grad=lambda dy, x, y: 2 * x * dy).get_config()
    assert config["grad"]["class_name"] == "__lambda__"


def test_from_config_refuses_lambdas_unless_safe_mode_false(rng):
    function, grad, arguments = FUNCTIONS["scaled-shift"]
    config = Lambda(function, arguments=arguments, grad=grad, name="f").get_config()
    with pytest.raises(ValueError) as mine:
        Lambda.from_config(dict(config))
    with pytest.raises(ValueError) as theirs:
        keras.layers.Lambda.from_config({k: v for k, v in config.items() if k != "grad"})
    keras_text = str(theirs.value)
    assert str(mine.value) == LAMBDA_REFUSED
    assert keras_text.startswith(LAMBDA_REFUSED[:LAMBDA_REFUSED.index("passing")])
    layer = Lambda.from_config(dict(config), safe_mode=False)
    x = rng.normal(size=(3, 2)).astype("float32")
    assert_close(layer(x, training=True), 1.5 * x - 0.25, 0.0, "round-tripped lambda")
    assert_close(layer.backward(np.ones((3, 2))), np.full((3, 2), 1.5), 0.0, "round-tripped grad")


def test_named_functions_come_back_from_custom_objects_or_numpy():
    config = Lambda(square).get_config()
    with pytest.raises(ValueError, match=r"custom_objects=\{'square': square\}"):
        Lambda.from_config(dict(config))
    assert Lambda.from_config(dict(config), custom_objects={"square": square}).function is square
    config = Lambda(np.tanh).get_config()
    assert config["function"]["module"] == "numpy"  # Keras cannot serialize ufuncs at all
    assert Lambda.from_config(dict(config)).function is np.tanh


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(function=3), TypeError, "function=3"),
    (dict(function=square, grad="d"), TypeError, "grad='d'"),
    (dict(function=square, arguments=[1]), TypeError, r"arguments=\[1\]"),
    (dict(function=square, unknown=1), TypeError, "unknown"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Lambda(**kwargs)
