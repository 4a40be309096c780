"""Conv1D/2D/3D: Keras parity per argument combination (output, dx, dkernel, dbias), float32
and float64; channels_first == channels_last on transposed data; finite differences; Keras's
output-shape goldens; config; bad input. Model-level parity (one optimizer step, 20 training
steps) is in tests/parity/test_layer_cases.py."""

import numpy as np
import pytest
from helpers import use_dtype
from layer_parity import assert_finite_differences, assert_parity, twins

from minikeras import layers

keras = pytest.importorskip("keras")

CASES = [  # (class, input shape, kwargs)
    ("Conv1D", (3, 9, 4), dict(filters=3, kernel_size=3)),
    ("Conv1D", (2, 10, 4), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    ("Conv1D", (2, 8, 4), dict(filters=6, kernel_size=2, padding="causal", dilation_rate=3,
                               groups=2, activation="tanh")),
    ("Conv1D", (1, 7, 2), dict(filters=2, kernel_size=7, use_bias=False)),
    ("Conv2D", (2, 7, 6, 3), dict(filters=4, kernel_size=3, activation="relu")),
    ("Conv2D", (2, 7, 8, 4), dict(filters=6, kernel_size=(3, 2), strides=(2, 3),
                                  padding="same", groups=2)),
    ("Conv2D", (3, 9, 8, 3), dict(filters=2, kernel_size=(2, 3), dilation_rate=(2, 3),
                                  padding="same", activation="sigmoid")),
    ("Conv2D", (1, 5, 5, 1), dict(filters=1, kernel_size=5, use_bias=False)),
    ("Conv3D", (2, 5, 4, 6, 2), dict(filters=3, kernel_size=(2, 3, 2), strides=(1, 2, 2),
                                     padding="same")),
    ("Conv3D", (2, 4, 4, 4, 4), dict(filters=4, kernel_size=2, dilation_rate=2, groups=2,
                                     activation="relu")),
]


def _label(case):
    cls, shape, kwargs = case
    return f"{cls}{shape}-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=_label)
def test_matches_keras(case, dtype, rng):
    cls, shape, kwargs = case
    mine, theirs = twins(getattr(layers, cls), getattr(keras.layers, cls), (None, *shape[1:]),
                         dtype, rng, **kwargs)
    x = rng.normal(size=shape).astype(dtype)
    assert_parity(mine, theirs, x, dtype, rng, label=_label(case))


@pytest.mark.parametrize("case", CASES[1:3] + CASES[5:7] + CASES[8:9], ids=_label)
def test_channels_first_is_channels_last_transposed(case, rng):
    """Keras on TensorFlow's CPU cannot run channels_first convolutions (NHWC only), so this
    is checked within minikeras: the same weights on transposed data give the transposed
    output and gradients, bit for bit."""
    cls, shape, kwargs = case
    last = getattr(layers, cls)(**kwargs)
    first = getattr(layers, cls)(data_format="channels_first", **kwargs)
    x = rng.normal(size=shape).astype("float32")
    xf = np.moveaxis(x, -1, 1)
    last.build_from_shape(x.shape)
    first.build_from_shape(xf.shape)
    first.set_weights([rng.normal(size=w.shape).astype("float32") for w in first.weights])
    last.set_weights(first.get_weights())
    y = last(x)
    np.testing.assert_array_equal(np.moveaxis(first(xf), 1, -1), y)
    dy = rng.normal(size=y.shape).astype("float32")
    np.testing.assert_array_equal(np.moveaxis(first.backward(np.moveaxis(dy, -1, 1)), 1, -1),
                                  last.backward(dy))
    for a, b in zip(first.trainable_weights, last.trainable_weights, strict=True):
        np.testing.assert_array_equal(a.grad, b.grad)
    assert first.compute_output_shape(xf.shape) == np.moveaxis(y, -1, 1).shape


@pytest.mark.parametrize("case", [CASES[2], CASES[5], CASES[6], CASES[9]], ids=_label)
def test_backward_matches_finite_differences(case, rng):
    cls, shape, kwargs = case
    use_dtype("float64")
    layer = getattr(layers, cls)(bias_initializer="random_normal", **kwargs)
    x = rng.normal(size=shape)
    assert_finite_differences(layer, x, rng)


# Keras 3.15's conv_test.py goldens: (class, kwargs, input shape, output shape)
KERAS_SHAPES = [
    ("Conv1D", dict(filters=5, kernel_size=2, strides=1, padding="valid"), (3, 5, 4), (3, 4, 5)),
    ("Conv1D", dict(filters=6, kernel_size=2, strides=1, padding="same", dilation_rate=2,
                    groups=2), (3, 4, 4), (3, 4, 6)),
    ("Conv1D", dict(filters=6, kernel_size=2, strides=1, padding="causal", dilation_rate=2,
                    groups=2), (3, 4, 4), (3, 4, 6)),
    ("Conv1D", dict(filters=6, kernel_size=2, strides=2, padding="valid", groups=2),
     (3, 5, 4), (3, 2, 6)),
    ("Conv2D", dict(filters=5, kernel_size=2, padding="valid"), (3, 5, 5, 4), (3, 4, 4, 5)),
    ("Conv2D", dict(filters=6, kernel_size=2, padding="same", dilation_rate=(2, 2), groups=2),
     (3, 4, 4, 4), (3, 4, 4, 6)),
    ("Conv2D", dict(filters=6, kernel_size=(2, 2), strides=(2, 1), padding="valid", groups=2),
     (3, 5, 5, 4), (3, 2, 4, 6)),
    ("Conv2D", dict(filters=6, kernel_size=(2, 2), strides=(2, 1), padding="valid",
                    data_format="channels_first", groups=2), (3, 4, 5, 5), (3, 6, 2, 4)),
    ("Conv3D", dict(filters=5, kernel_size=2), (3, 5, 5, 5, 4), (3, 4, 4, 4, 5)),
    ("Conv3D", dict(filters=6, kernel_size=(2, 2, 3), strides=(2, 1, 2), groups=2),
     (3, 5, 5, 5, 4), (3, 2, 4, 2, 6)),
]


@pytest.mark.parametrize("cls, kwargs, input_shape, output_shape", KERAS_SHAPES)
def test_keras_output_shape_goldens(cls, kwargs, input_shape, output_shape):
    layer = getattr(layers, cls)(**kwargs)
    assert layer.compute_output_shape(input_shape) == output_shape
    assert layer(np.ones(input_shape, "float32")).shape == output_shape
    assert len(layer.trainable_weights) == 2 and not layer.non_trainable_weights


def test_get_config_and_weights_match_keras():
    for cls, kwargs in [("Conv1D", dict(filters=3, kernel_size=2, padding="causal")),
                        ("Conv2D", dict(filters=4, kernel_size=(3, 2), strides=2,
                                        activation="relu", use_bias=False,
                                        kernel_regularizer="l2", bias_constraint="non_neg",
                                        data_format="channels_first")),
                        ("Conv3D", dict(filters=2, kernel_size=2, dilation_rate=2, groups=2,
                                        kernel_initializer="he_normal"))]:
        mine = getattr(layers, cls)(**kwargs, name="probe")
        theirs = getattr(keras.layers, cls)(**kwargs, name="probe")
        assert mine.get_config() == theirs.get_config(), cls
        clone = getattr(layers, cls).from_config(mine.get_config())
        assert clone.get_config() == mine.get_config()
    mine, theirs = layers.Conv2D(6, 3, groups=2), keras.layers.Conv2D(6, 3, groups=2)
    mine.build_from_shape((None, 8, 8, 4))
    theirs.build((None, 8, 8, 4))
    assert [(v.name, v.shape) for v in mine.weights] == [
        (v.name, tuple(v.shape)) for v in theirs.weights]


@pytest.mark.parametrize("kwargs, match", [
    (dict(filters=0, kernel_size=2), "filters=0"),
    (dict(filters=-3, kernel_size=2), "filters=-3"),
    (dict(filters=2.5, kernel_size=2), "filters=2.5"),
    (dict(filters=4, kernel_size=0), "kernel_size=0"),
    (dict(filters=4, kernel_size=(2, 2, 2)), "kernel_size"),
    (dict(filters=4, kernel_size=2, strides=0), "strides=0"),
    (dict(filters=4, kernel_size=2, strides=-1), "strides=-1"),
    (dict(filters=4, kernel_size=2, dilation_rate=0), "dilation_rate=0"),
    (dict(filters=4, kernel_size=2, padding="full"), "padding='full'"),
    (dict(filters=4, kernel_size=2, padding="causal"), "padding='causal'"),
    (dict(filters=4, kernel_size=2, data_format="channels_middle"), "channels_middle"),
    (dict(filters=5, kernel_size=2, groups=2), "groups=2, filters=5"),
    (dict(filters=4, kernel_size=2, strides=2, dilation_rate=2), "dilation_rate"),
])
def test_bad_arguments_are_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match.replace("(", r"\(").replace(")", r"\)")):
        layers.Conv2D(**kwargs)


def test_bad_inputs_are_clear_errors_before_any_kernel():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.Conv2D(2, 3)(np.ones((2, 5, 5)))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        layers.Conv1D(2, 3)(np.ones((2, 5, 5, 1)))
    with pytest.raises(ValueError, match="kernel is larger than the input"):
        layers.Conv2D(2, (3, 6))(np.ones((1, 5, 5, 1)))
    with pytest.raises(ValueError, match="kernel is larger than the input"):
        layers.Conv1D(2, 3, dilation_rate=3)(np.ones((1, 6, 1)))
    with pytest.raises(ValueError, match="groups=2, but the input has 3 channels"):
        layers.Conv2D(4, 2, groups=2)(np.ones((1, 5, 5, 3)))
    layer = layers.Conv2D(2, 3)
    layer(np.ones((1, 5, 5, 3)))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((1, 5, 5, 4)))
    first = layers.Conv2D(2, 3, data_format="channels_first")
    first(np.ones((1, 3, 5, 5)))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        first(np.ones((1, 4, 5, 5)))
    with pytest.raises(TypeError, match="numeric"):
        layers.Conv1D(2, 2)(np.array([[["a"], ["b"]]]))


def test_same_padding_keeps_size_and_valid_shrinks_it_in_a_model():
    import minikeras

    model = minikeras.Sequential([minikeras.Input((28, 28, 1)),
                                  layers.Conv2D(8, 3, padding="same", strides=2),
                                  layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
    assert model.layers[0].compute_output_shape((None, 28, 28, 1)) == (None, 14, 14, 8)
    assert model.output_shape == (None, 2)
    assert model.predict(np.zeros((3, 28, 28, 1)), verbose=0).shape == (3, 2)


SHAPES = {"Conv1D": (5, 9, 4), "Conv2D": (5, 9, 7, 4), "Conv3D": (3, 5, 6, 4, 2)}


@pytest.mark.parametrize("cls", sorted(SHAPES))
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_inside_the_kernel_gives_the_same_bits(cls, activation, dtype, rng):
    """relu/tanh/sigmoid run inside the conv kernels (y from conv_forward, dz from dy and y in
    conv_backward; Conv3D: around the reference's GEMMs); the same layer with no activation,
    then the activation function and its derivative applied outside, gives the same bits
    (float64 tanh: to rounding, as the fused Dense path: the loops call libm's tanh there, the
    tanh activation NumPy's). The weights-only backward (a model's first layer) too."""
    from minikeras import activations

    def same(a, b):
        if dtype == "float64" and activation == "tanh":
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)
        else:
            np.testing.assert_array_equal(a, b)

    use_dtype(dtype)
    layer = getattr(layers, cls)
    inner = layer(6, 3 if cls != "Conv3D" else 2, activation=activation, padding="same")
    outer = layer(6, 3 if cls != "Conv3D" else 2, padding="same")
    x = rng.normal(size=SHAPES[cls]).astype(dtype)
    inner.build(x.shape)
    outer.build(x.shape)
    assert inner.kernel_activation() is not None and outer.kernel_activation() is not None
    outer.kernel.assign(inner.kernel.value)
    outer.bias.assign(rng.normal(size=6).astype(dtype))
    inner.bias.assign(outer.bias.value)
    fn = activations.get(activation)
    y = inner.forward(x, training=True)
    z = outer.forward(x, training=True)
    same(y, fn(z))
    dy = rng.normal(size=y.shape).astype(dtype)
    dx = inner.backward(dy)
    dz = activations.backward(fn, dy, z, y)
    dx_outer = outer.backward(dz)
    same(dx, dx_outer)
    same(inner.kernel.grad, outer.kernel.grad)
    same(inner.bias.grad, outer.bias.grad)
    inner.backward_weights(dy)
    outer.backward_weights(dz)
    same(inner.kernel.grad, outer.kernel.grad)


def test_a_registered_derivative_is_honoured(rng):
    """A derivative registered over the library's relu (register_derivative) is the general
    path's business: the kernels leave that activation to the layer, which calls it."""
    from minikeras import activations

    calls = []

    def doubled(dy, x, y):
        calls.append(1)
        return np.where(x > 0, dy, 0) * 2

    layer = layers.Conv1D(3, 2, activation="relu")
    layer.build((2, 6, 2))
    assert layer.kernel_activation() is not None
    activations.register_derivative(activations.relu, doubled)
    try:
        assert layer.kernel_activation() is None
        x = rng.normal(size=(2, 6, 2)).astype("float32")
        layer.forward(x, training=True)
        layer.backward(np.ones((2, 5, 3), "float32"))
        assert calls
    finally:
        activations._CUSTOM_DERIVATIVES.pop(activations.relu)


def test_kernel_backward_with_an_activation_needs_y(rng):
    from minikeras import kernels
    from minikeras.kernels import codes

    x = rng.normal(size=(1, 5, 5, 2)).astype("float32")
    kernel = rng.normal(size=(3, 3, 2, 2)).astype("float32")
    dy = np.ones((1, 3, 3, 2), "float32")
    for path in ("numpy", "numba"):
        backward = kernels.load_path(path)["conv_backward"]
        with pytest.raises(ValueError, match="needs `y`"):
            backward(dy, x, kernel, (1, 1), (1, 1), 1, True, codes.RELU)


def test_other_activations_run_outside_the_kernel(rng):
    """An activation the kernels have no code for (elu), or a user's function that is only
    named like one of them, runs on z after the kernel."""
    def relu(x):  # a user's function named relu: not the library's
        return np.maximum(x, 0) * 2

    for activation in ("elu", relu):
        layer = layers.Conv1D(3, 2, activation=activation)
        layer.build((2, 6, 2))
        assert layer.kernel_activation() is None
    layer = layers.Conv1D(3, 2, activation=relu)
    x = rng.normal(size=(2, 6, 2)).astype("float32")
    plain = layers.Conv1D(3, 2)
    plain.build(x.shape)
    layer.build(x.shape)
    plain.kernel.assign(layer.kernel.value)
    np.testing.assert_array_equal(layer.forward(x), relu(plain.forward(x)))
