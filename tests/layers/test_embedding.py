"""Embedding: Keras parity (output, dembeddings) for every integer dtype; mask_zero; Keras's
optimizer numbers on the table's row gradients (repeated indices); config; bad indices."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype
from layer_parity import assert_parity, twins

import minikeras
from minikeras import layers

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("index_dtype", ["int64", "int32", "int16", "uint8"])
def test_matches_keras(index_dtype, dtype, rng):
    mine, theirs = twins(layers.Embedding, keras.layers.Embedding, (None, 4, 3), dtype, rng,
                         input_dim=12, output_dim=5)
    x = rng.integers(0, 12, size=(3, 4, 3)).astype(index_dtype)
    x[0, 0, :] = 7  # a repeated index: its rows' gradients add up
    assert_parity(mine, theirs, x, dtype, rng, label=f"Embedding {index_dtype}")
    assert mine.backward(np.ones((3, 4, 3, 5), dtype)).shape == x.shape


def test_mask_zero_is_keras_mask_and_feeds_the_lstm(rng):
    x = rng.integers(0, 9, size=(4, 6))
    x[:, 4:] = 0
    mine = layers.Embedding(9, 3, mask_zero=True)
    np.testing.assert_array_equal(mine.compute_mask(x),
                                  np.asarray(keras.layers.Embedding(9, 3, mask_zero=True)
                                             .compute_mask(x)))
    assert layers.Embedding(9, 3).compute_mask(x) is None
    model = minikeras.Sequential([minikeras.Input((6,)), mine, layers.LSTM(2)])
    # a masked step leaves the LSTM's state alone: trailing padding changes nothing
    longer = np.concatenate([x, np.zeros((4, 3), x.dtype)], axis=1)
    model2 = minikeras.Sequential([minikeras.Input((9,)), mine, model.layers[1]])
    assert_close(model2.predict(longer, verbose=0), model.predict(x, verbose=0), 0.0,
                 "padding after the sequence")


@pytest.mark.parametrize("optimizer, kwargs", [
    ("Adam", {"learning_rate": 0.05}), ("Adam", {"learning_rate": 0.05, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.05}), ("RMSprop", {"learning_rate": 0.05}),
    ("RMSprop", {"learning_rate": 0.05, "momentum": 0.5, "centered": True}),
    ("Adagrad", {"learning_rate": 0.5}), ("SGD", {"learning_rate": 0.5, "momentum": 0.9})])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_matches_keras_row_gradients(optimizer, kwargs, dtype, rng):
    """Keras squares an Embedding's gradient lookup by lookup (TensorFlow's IndexedSlices)
    before rows of one index are summed: with indices repeated in a batch, Adam's, RMSprop's
    and Adagrad's second moments differ from the dense gradient's square. 5 steps each."""
    use_dtype(dtype)
    x = rng.integers(0, 6, size=(8, 5))  # 40 lookups into 6 rows: every row repeats
    y = rng.normal(size=(8, 1)).astype(dtype)
    np.random.seed(0)
    mine = minikeras.Sequential([minikeras.Input((5,)), layers.Embedding(6, 3),
                                 layers.GlobalAveragePooling1D(), layers.Dense(1)])
    theirs = keras.Sequential.from_config(mine.get_config())
    theirs.set_weights(mine.get_weights())
    mine.compile(getattr(minikeras.optimizers, optimizer)(**kwargs), "mean_squared_error")
    theirs.compile(getattr(keras.optimizers, optimizer)(**kwargs), "mean_squared_error")
    tol = {"float32": F32_TRAJECTORY, "float64": F64}[dtype]
    for step in range(5):
        batch = slice(step % 2 * 4, step % 2 * 4 + 4)
        mine.train_on_batch(x[batch], y[batch])
        theirs.train_on_batch(x[batch], y[batch])
        for a, b in zip(mine.get_weights(), theirs.get_weights(), strict=True):
            assert_close(a, b, tol if step else min(tol, F32_FORWARD), f"{optimizer} step {step}")


def test_fit_keeps_integer_indices_and_float_targets(rng):
    x = rng.integers(0, 50, size=(20, 7)).astype("int16")
    y = rng.random((20, 1))
    model = minikeras.Sequential([layers.Embedding(50, 4), layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mean_squared_error")
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(x, verbose=0).dtype == np.float32
    # float arrays of whole numbers work as in Keras (which casts them to int32)
    assert_close(model.predict(x.astype("float32"), verbose=0), model.predict(x, verbose=0),
                 0.0, "float indices")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(
        float(np.mean((model.predict(x, verbose=0) - y) ** 2)), rel=1e-6)


@pytest.mark.parametrize("x, error, match", [
    (np.array([[1, 2, 12]]), ValueError, r"index 12 at position \(0, 2\) is out of range"),
    (np.array([[-1, 2]]), ValueError, r"index -1 at position \(0, 0\)"),
    (np.array([[1.5, 2.0]]), TypeError, r"non-integer value 1.5 at position \(0, 0\)"),
    (np.array([[np.nan, 2.0]]), TypeError, "non-integer value nan"),
    (np.array([["a", "b"]]), TypeError, "dtype <U1"),
])
def test_bad_indices_are_clear_errors_before_any_kernel(x, error, match):
    with pytest.raises(error, match=match):
        layers.Embedding(12, 3)(x)
    model = minikeras.Sequential([minikeras.Input((x.shape[1],)), layers.Embedding(12, 3),
                                  layers.Flatten(), layers.Dense(1)])
    with pytest.raises(error, match=match):
        model.predict(x, verbose=0)
    if x.dtype.kind in "iu":  # a bad index in the last batch: fit refuses before any step
        model.compile("sgd", "mean_squared_error")
        good = np.ones((40, x.shape[1]), x.dtype)
        before = model.get_weights()
        with pytest.raises(error, match=match.replace("(0, ", "(40, ")):
            model.fit(np.concatenate([good, x]), np.zeros((41, 1)), batch_size=8, verbose=0)
        for a, b in zip(before, model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, match", [(dict(input_dim=0, output_dim=3), "input_dim=0"),
                                           (dict(input_dim=5, output_dim=-1), "output_dim=-1"),
                                           (dict(input_dim=5.0, output_dim=2), "input_dim=5.0")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Embedding(**kwargs)


def test_config_weights_and_keras_2_arguments():
    kwargs = dict(input_dim=20, output_dim=4, mask_zero=True, embeddings_regularizer="l2",
                  embeddings_initializer="normal", name="probe")
    assert layers.Embedding(**kwargs).get_config() == keras.layers.Embedding(**kwargs).get_config()
    layer = layers.Embedding(20, 4)
    layer.build_from_shape((None, 3))
    assert [(v.name, v.shape) for v in layer.weights] == [("embeddings", (20, 4))]
    with pytest.warns(DeprecationWarning, match="input_length"):
        layers.Embedding(20, 4, input_length=10)
    table = np.arange(8.0).reshape(4, 2)
    assert_close(layers.Embedding(4, 2, weights=[table])(np.array([[3, 0]]))[0], table[[3, 0]],
                 0.0, "weights=")
