"""Keras 2's stateful shapes: batch_input_shape= / batch_size= on the first layer,
Input(batch_size=), model.reset_states(), and the error for a batch of another size."""

import numpy as np
import pytest
from helpers import assert_close

import minikeras
from minikeras.layers import LSTM, Dense

BATCH, STEPS = 2, 3


def sequences(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, STEPS, 1)).astype("float32")


def stateful_models():
    minikeras.utils.set_random_seed(1)
    a = minikeras.Sequential([LSTM(4, stateful=True, batch_input_shape=(BATCH, STEPS, 1)),
                              Dense(1)])
    with pytest.warns(DeprecationWarning, match=r"Input\(shape=..., batch_size=...\)"):
        b = minikeras.Sequential([LSTM(4, stateful=True, batch_size=BATCH,
                                       input_shape=(STEPS, 1)), Dense(1)])
    c = minikeras.Sequential([minikeras.Input((STEPS, 1), batch_size=BATCH),
                              LSTM(4, stateful=True), Dense(1)])
    for model in (b, c):
        model.set_weights(a.get_weights())
    return a, b, c


def test_three_spellings_declare_the_batch():
    for model in stateful_models():
        assert model.input_shape == (BATCH, STEPS, 1)
        assert model.layers[0].declared_batch_size == BATCH


def test_reset_states_and_keras_parity():
    keras = pytest.importorskip("keras")
    x = sequences(BATCH)
    for model in stateful_models():
        twin = keras.Sequential([keras.Input(batch_shape=(BATCH, STEPS, 1)),
                                 keras.layers.LSTM(4, stateful=True), keras.layers.Dense(1)])
        twin.set_weights(model.get_weights())
        first, second = model.predict(x, batch_size=BATCH, verbose=0), model.predict(
            x, batch_size=BATCH, verbose=0)
        assert not np.allclose(first, second)  # the state carried over
        assert_close(first, twin.predict(x, batch_size=BATCH, verbose=0), 1e-6, "call 1")
        assert_close(second, twin.predict(x, batch_size=BATCH, verbose=0), 1e-6, "call 2")
        model.reset_states()  # Keras 2's name
        twin.layers[0].reset_state()
        assert_close(model.predict(x, batch_size=BATCH, verbose=0), first, 0, "after reset")
        model.reset_state()
        np.testing.assert_array_equal(model.layers[0].states[0], 0)


def test_fit_with_the_declared_batch_size():
    model = stateful_models()[0]
    model.compile(loss="mse", optimizer="adam")
    hist = model.fit(sequences(6), np.zeros((6, 1)), batch_size=BATCH, epochs=2, shuffle=False,
                     verbose=0)
    assert len(hist.history["loss"]) == 2


@pytest.mark.parametrize("n, batch_size", [(4, 4), (5, 2)])
def test_another_batch_size_is_a_clear_error(n, batch_size):
    model = stateful_models()[0]
    got = batch_size if n % batch_size == 0 else n % batch_size
    with pytest.raises(ValueError, match=rf"stateful with a batch size of 2 .*got a batch of "
                                         rf"{got} samples.*batch_size=2"):
        model.predict(sequences(n), batch_size=batch_size, verbose=0)


def test_batch_size_without_a_shape_is_an_error():
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="needs `input_shape="):
        LSTM(4, batch_size=2)
