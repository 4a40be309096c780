"""The convolution, pooling, ConvLSTM, embedding and normalization layers in .keras, .weights.h5 and
legacy .h5 files, both ways with real Keras 3: test_saving_layers.py's round trip (predictions,
exact weights and optimizer slots, Keras's h5 layouts and configs, training resumed
identically) run on model families holding each new layer."""

import numpy as np
import pytest
import test_saving_layers as base

keras = pytest.importorskip("keras")

FAMILIES = {
    "conv1d_pooling": [
        ("Conv1D", {"filters": 4, "kernel_size": 2, "padding": "same", "activation": "relu"}),
        ("MaxPooling1D", {"pool_size": 2, "padding": "same"}),
        ("Conv1D", {"filters": 3, "kernel_size": 2, "padding": "causal", "dilation_rate": 2}),
        ("AveragePooling1D", {"pool_size": 2, "strides": 1}),
        ("GlobalMaxPooling1D", {})],
    "conv2d_pooling_bn": [
        ("Reshape", {"target_shape": (5, 3, 1)}),
        ("Conv2D", {"filters": 4, "kernel_size": (2, 2), "padding": "same", "use_bias": False}),
        ("BatchNormalization", {"momentum": 0.9}),
        ("MaxPooling2D", {"pool_size": (2, 1)}),
        ("Conv2D", {"filters": 4, "kernel_size": 1, "groups": 2, "activation": "tanh"}),
        ("AveragePooling2D", {"pool_size": (1, 2), "padding": "same"}),
        ("GlobalAveragePooling2D", {})],
    "conv3d_layer_norm": [
        ("LayerNormalization", {"epsilon": 1e-4}),
        ("Reshape", {"target_shape": (5, 3, 1, 1)}),
        ("Conv3D", {"filters": 2, "kernel_size": (2, 2, 1), "padding": "same"}),
        ("MaxPooling3D", {"pool_size": (2, 1, 1)}),
        ("AveragePooling3D", {"pool_size": 1}),
        ("GlobalMaxPooling3D", {"keepdims": True}), ("Flatten", {})],
    "conv_lstm": [
        ("Reshape", {"target_shape": (5, 3, 1, 1)}),
        ("ConvLSTM2D", {"filters": 2, "kernel_size": (2, 1), "padding": "same",
                        "return_sequences": True}),
        ("Reshape", {"target_shape": (5, 3, 2)}),
        ("ConvLSTM1D", {"filters": 2, "kernel_size": 2, "go_backwards": True}),
        ("Flatten", {})],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_round_trips_with_keras(tmp_path, family, monkeypatch):
    monkeypatch.setitem(base.FAMILIES, family, FAMILIES[family])
    base.test_family_round_trips_with_keras(tmp_path, family)


def test_embedding_round_trips_with_keras(tmp_path, monkeypatch):
    """Embedding(mask_zero) -> LSTM, on integer sequences with trailing padding."""
    rng = np.random.default_rng(3)
    x = rng.integers(1, 20, size=(12, 5))
    x[::2, 3:] = 0

    def make_model(lib, family, compile=True):
        model = lib.Sequential([lib.layers.Input((5,)),
                                lib.layers.Embedding(20, 3, mask_zero=True),
                                lib.layers.LSTM(3), lib.layers.Dense(1)])
        if compile:
            model.compile(optimizer=lib.optimizers.Adam(learning_rate=0.01),
                          loss="mean_squared_error")
        return model

    monkeypatch.setattr(base, "make_model", make_model)
    monkeypatch.setattr(base, "family_data",
                        lambda: (x, rng.normal(size=(12, 1)).astype("float32")))
    base.test_family_round_trips_with_keras(tmp_path, "embedding")
