"""Max/AveragePooling1D/2D/3D and GlobalMax/AveragePooling1D/2D/3D: Keras parity (output, dx)
per pool size / strides / padding / data_format, float32 and float64; TensorFlow's tie rules;
channels_first == channels_last transposed; finite differences; config; bad input."""

import numpy as np
import pytest
from helpers import F32_FORWARD, assert_close, use_dtype
from layer_parity import assert_finite_differences, assert_parity, twins

from minikeras import layers

keras = pytest.importorskip("keras")

CASES = [  # (class, input shape, kwargs)
    ("MaxPooling1D", (2, 9, 3), dict()),
    ("MaxPooling1D", (2, 10, 3), dict(pool_size=3, strides=2, padding="same")),
    ("AveragePooling1D", (2, 9, 3), dict(pool_size=4, strides=1)),
    ("AveragePooling1D", (2, 7, 2), dict(pool_size=3, strides=2, padding="same")),
    ("MaxPooling2D", (2, 7, 6, 3), dict()),
    ("MaxPooling2D", (2, 7, 6, 2), dict(pool_size=(3, 2), strides=(2, 1), padding="same")),
    ("AveragePooling2D", (2, 6, 7, 3), dict(pool_size=(2, 3))),
    ("AveragePooling2D", (1, 5, 7, 2), dict(pool_size=3, strides=(1, 2), padding="same")),
    ("MaxPooling3D", (2, 4, 5, 4, 2), dict(pool_size=(2, 2, 3), padding="same")),
    ("AveragePooling3D", (2, 4, 5, 4, 2), dict(pool_size=2, strides=(1, 2, 1),
                                               padding="same")),
    ("GlobalMaxPooling1D", (2, 6, 3), dict()),
    ("GlobalAveragePooling1D", (2, 6, 3), dict(keepdims=True)),
    ("GlobalMaxPooling2D", (2, 4, 5, 3), dict(keepdims=True)),
    ("GlobalAveragePooling2D", (2, 4, 5, 3), dict()),
    ("GlobalMaxPooling3D", (2, 3, 4, 2, 3), dict()),
    ("GlobalAveragePooling3D", (2, 3, 4, 2, 3), dict(keepdims=True)),
    ("GlobalMaxPooling2D", (2, 3, 4, 5), dict(data_format="channels_first")),
    ("MaxPooling2D", (2, 3, 6, 6), dict(data_format="channels_first")),
]
NO_FLOAT64 = ("MaxPooling3D", "AveragePooling3D")  # TensorFlow's CPU kernels are float32 only


def _label(case):
    cls, shape, kwargs = case
    return f"{cls}{shape}-" + ",".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=_label)
def test_matches_keras(case, dtype, rng):
    cls, shape, kwargs = case
    if dtype == "float64" and cls in NO_FLOAT64:
        pytest.skip("Keras on TensorFlow's CPU has no float64 3-D pooling")
    mine, theirs = twins(getattr(layers, cls), getattr(keras.layers, cls), (None, *shape[1:]),
                         dtype, rng, **kwargs)
    x = rng.normal(size=shape).astype(dtype)
    assert_parity(mine, theirs, x, dtype, rng, label=_label(case))


@pytest.mark.parametrize("cls, shape", [("MaxPooling2D", (1, 4, 4, 2)),
                                        ("MaxPooling1D", (1, 6, 2)),
                                        ("MaxPooling3D", (1, 4, 4, 2, 1)),
                                        ("GlobalMaxPooling2D", (1, 3, 3, 2))])
def test_ties_follow_tensorflow(cls, shape, rng):
    """After a relu many windows are all zeros: 1-D/2-D max pooling sends the gradient to the
    first maximum, 3-D to every one, and reduce_max (global) shares it equally."""
    mine, theirs = twins(getattr(layers, cls), getattr(keras.layers, cls), (None, *shape[1:]),
                         "float32", rng)
    x = np.zeros(shape, "float32")
    x.reshape(-1)[::3] = 1.0
    assert_parity(mine, theirs, x, "float32", rng, label=f"{cls} ties")


@pytest.mark.parametrize("cls, kwargs", [("AveragePooling1D", dict(pool_size=3,
                                                                   padding="same")),
                                         ("AveragePooling2D", dict(strides=1)),
                                         ("MaxPooling1D", dict(padding="same")),
                                         ("GlobalAveragePooling1D", dict(keepdims=True))])
def test_channels_first_is_channels_last_transposed(cls, kwargs, rng):
    """Keras on TensorFlow raises for channels_first average pooling; minikeras computes it."""
    rank = int(cls[-2])
    shape = (2, *[5] * rank, 3)
    x = rng.normal(size=shape).astype("float32")
    last = getattr(layers, cls)(**kwargs)
    first = getattr(layers, cls)(data_format="channels_first", **kwargs)
    y = last(x)
    yf = first(np.moveaxis(x, -1, 1))
    np.testing.assert_array_equal(np.moveaxis(yf, 1, -1), y)
    dy = rng.normal(size=y.shape).astype("float32")
    np.testing.assert_array_equal(np.moveaxis(first.backward(np.moveaxis(dy, -1, 1)), 1, -1),
                                  last.backward(dy))


def test_global_average_pooling_1d_uses_the_mask(rng):
    use_dtype("float32")
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
    theirs = np.asarray(keras.layers.GlobalAveragePooling1D()(x, mask=mask))
    layer = layers.GlobalAveragePooling1D()
    assert_close(layer.forward(x, mask=mask), theirs, F32_FORWARD, "masked average")
    dx = layer.backward(np.ones((3, 2), "float32"))
    assert np.all(dx[~mask] == 0)
    assert_close(dx[2, 0], np.ones(2), 0.0, "one real step takes the whole gradient")


@pytest.mark.parametrize("cls, shape, kwargs", [
    ("MaxPooling2D", (2, 5, 4, 2), dict(pool_size=(2, 3), strides=1, padding="same")),
    ("AveragePooling1D", (2, 7, 2), dict(pool_size=3, strides=2, padding="same")),
    ("AveragePooling3D", (1, 3, 4, 3, 2), dict(pool_size=2, padding="same")),
    ("GlobalMaxPooling1D", (2, 5, 3), dict()),
    ("GlobalAveragePooling2D", (2, 3, 4, 2), dict(keepdims=True))])
def test_backward_matches_finite_differences(cls, shape, kwargs, rng):
    use_dtype("float64")
    assert_finite_differences(getattr(layers, cls)(**kwargs), rng.normal(size=shape), rng)


def test_get_config_matches_keras():
    for cls, kwargs in [("MaxPooling1D", dict(pool_size=3, padding="same")),
                        ("AveragePooling2D", dict(pool_size=(2, 3), strides=(1, 2))),
                        ("MaxPooling3D", dict(data_format="channels_first")),
                        ("GlobalMaxPooling2D", dict(keepdims=True)),
                        ("GlobalAveragePooling1D", dict(data_format="channels_first"))]:
        mine = getattr(layers, cls)(**kwargs, name="probe").get_config()
        assert mine == getattr(keras.layers, cls)(**kwargs, name="probe").get_config(), cls
        assert getattr(layers, cls).from_config(mine).get_config() == mine


def test_bad_arguments_and_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="pool_size=0"):
        layers.MaxPooling2D(pool_size=0)
    with pytest.raises(ValueError, match="strides=-2"):
        layers.AveragePooling1D(strides=-2)
    with pytest.raises(ValueError, match="padding='causal'"):
        layers.MaxPooling1D(padding="causal")
    with pytest.raises(ValueError, match="pool_size"):
        layers.MaxPooling2D(pool_size=(2, 2, 2))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.MaxPooling2D()(np.ones((2, 4, 4)))
    with pytest.raises(ValueError, match="pool is larger than the input"):
        layers.MaxPooling2D(pool_size=5)(np.ones((1, 4, 4, 1)))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.GlobalMaxPooling1D()(np.ones((2, 4)))


# Keras 3.15's max_pooling_test.py goldens: (pool_size, strides, padding, data_format,
# input shape, output shape); the same shapes hold for average pooling
KERAS_SHAPES = [
    (2, 1, "valid", "channels_last", (3, 5, 4), (3, 4, 4)),
    (2, 1, "same", "channels_first", (3, 5, 4), (3, 5, 4)),
    ((2,), (2,), "valid", "channels_last", (3, 5, 4), (3, 2, 4)),
    (2, 1, "valid", "channels_last", (3, 5, 5, 4), (3, 4, 4, 4)),
    (2, 1, "same", "channels_first", (3, 5, 5, 4), (3, 5, 5, 4)),
    ((2, 3), (2, 2), "valid", "channels_last", (3, 5, 5, 4), (3, 2, 2, 4)),
    (2, 1, "valid", "channels_last", (3, 5, 5, 5, 4), (3, 4, 4, 4, 4)),
    (2, 1, "same", "channels_first", (3, 5, 5, 5, 4), (3, 5, 5, 5, 4)),
]


@pytest.mark.parametrize("mode", ["Max", "Average"])
@pytest.mark.parametrize("pool, strides, padding, data_format, shape, expected", KERAS_SHAPES)
def test_keras_output_shape_goldens(mode, pool, strides, padding, data_format, shape,
                                    expected):
    layer = getattr(layers, f"{mode}Pooling{len(shape) - 2}D")(
        pool_size=pool, strides=strides, padding=padding, data_format=data_format)
    assert layer.compute_output_shape(shape) == expected
    assert layer(np.ones(shape, "float32")).shape == expected
