"""Keras 1/2 spellings of the convolution, pooling and embedding layers and Keras 2's module
paths: each accepted with a DeprecationWarning naming the modern spelling, building the same
layer (same config) as the modern call."""

import importlib

import pytest

from minikeras import layers


def _same(old, new):
    assert old.get_config() == {**new.get_config(), "name": old.name}


@pytest.mark.parametrize("old, new, warned", [
    (lambda: layers.Convolution2D(32, 3, 3, border_mode="same", subsample=(2, 2),
                                  dim_ordering="th", init="he_normal"),
     lambda: layers.Conv2D(32, (3, 3), padding="same", strides=(2, 2),
                           data_format="channels_first", kernel_initializer="he_normal"),
     "Conv2D"),
    (lambda: layers.Convolution2D(8, (2, 2), activation="relu"),
     lambda: layers.Conv2D(8, (2, 2), activation="relu"), "Conv2D"),
    (lambda: layers.Convolution1D(nb_filter=4, filter_length=5, subsample_length=2,
                                  border_mode="causal", W_regularizer="l2", bias=False),
     lambda: layers.Conv1D(4, 5, strides=2, padding="causal", kernel_regularizer="l2",
                           use_bias=False), "Conv1D"),
    (lambda: layers.Conv1D(nb_filter=3, filter_length=2, atrous_rate=2),
     lambda: layers.Conv1D(3, 2, dilation_rate=2), "filters"),
    (lambda: layers.MaxPooling1D(pool_length=3, stride=1, border_mode="same"),
     lambda: layers.MaxPooling1D(pool_size=3, strides=1, padding="same"), "pool_size"),
    (lambda: layers.AveragePooling2D((2, 2), dim_ordering="tf"),
     lambda: layers.AveragePooling2D((2, 2), data_format="channels_last"), "data_format"),
    (lambda: layers.Embedding(100, 8, init="normal", W_constraint="non_neg", input_length=5),
     lambda: layers.Embedding(100, 8, embeddings_initializer="normal",
                              embeddings_constraint="non_neg"), "embeddings_"),
])
def test_old_spelling_builds_the_modern_layer(old, new, warned):
    with pytest.warns(DeprecationWarning, match=warned):
        layer = old()
    _same(layer, new())


def test_both_spellings_is_an_error():
    with pytest.raises(TypeError, match="border_mode"):
        layers.Conv2D(2, 2, border_mode="same", padding="valid")
    with pytest.raises(ValueError, match="dim_ordering"):
        layers.Conv2D(2, 2, dim_ordering="xy")


@pytest.mark.parametrize("path, names", [
    ("core", ["Dense", "Dropout", "Activation", "Flatten", "Reshape", "Lambda", "Masking"]),
    ("recurrent", ["LSTM", "GRU", "SimpleRNN"]), ("embeddings", ["Embedding"])])
def test_keras_2_module_paths_warn(path, names):
    module = importlib.import_module(f"minikeras.layers.{path}")
    for name in names:  # each use of the old path warns, naming the modern one
        with pytest.warns(DeprecationWarning, match=f"minikeras.layers.{name}"):
            assert getattr(module, name) is getattr(layers, name)


def test_keras_2_modules_that_are_packages_still_import():
    from minikeras.layers.convolutional import Conv2D, Convolution2D, ZeroPadding2D  # noqa: F401
    from minikeras.layers.normalization import BatchNormalization  # noqa: F401
    from minikeras.layers.pooling import GlobalMaxPooling1D, MaxPooling2D  # noqa: F401
