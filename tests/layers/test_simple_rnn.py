"""SimpleRNN: Keras's goldens, parity with Keras on copied weights (forward, gradients of every
weight, the input and the initial state; 20 training steps), float64 finite differences,
config, and bad input."""

import numpy as np
import pytest
from helpers import F32_TRAJECTORY, F64, assert_close, use_dtype
from rnn_parity import assert_finite_differences, assert_parity

from minikeras import Sequential, initializers
from minikeras.layers.dense import Dense
from minikeras.layers.rnn.simple_rnn import SimpleRNN

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

CONSTANTS = dict(kernel_initializer=initializers.Constant(0.01),
                 recurrent_initializer=initializers.Constant(0.02),
                 bias_initializer=initializers.Constant(0.03))


def rows(values, width):
    """Keras's goldens repeat one value across the units: [[a, a, ..], [b, b, ..]]."""
    return np.repeat(np.asarray(values)[..., None], width, axis=-1)


# ---- Keras's goldens: keras/src/layers/rnn/simple_rnn_test.py ----------------------------
@pytest.mark.parametrize("kwargs,expected", [
    ({}, [0.405432, 0.73605347]),
    ({"unroll": True}, [0.405432, 0.73605347]),
    ({"go_backwards": True}, [0.11144729, 0.5528889]),
    ({"go_backwards": True, "unroll": True}, [0.11144729, 0.5528889]),
])
def test_keras_golden_correctness(kwargs, expected):
    sequence = np.arange(24).reshape((2, 3, 4)).astype("float32")
    assert_close(SimpleRNN(4, **CONSTANTS, **kwargs)(sequence), rows(expected, 4), 1e-5,
                 str(kwargs))


def test_keras_golden_statefulness():
    sequence = np.arange(24).reshape((2, 3, 4)).astype("float32")
    layer = SimpleRNN(4, stateful=True, **CONSTANTS)
    layer(sequence)
    assert_close(layer(sequence), rows([0.40559256, 0.7361247], 4), 1e-5, "second call")
    layer.reset_state()
    layer(sequence)
    assert_close(layer(sequence), rows([0.40559256, 0.7361247], 4), 1e-5, "after reset")


def test_keras_golden_initial_state():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    state = np.arange(8).reshape((2, 4)).astype("float32")
    out = SimpleRNN(4, **CONSTANTS)(sequence, initial_state=state)
    assert_close(out, rows([0.33621645, 0.6262637], 4), 1e-5, "forward")
    out = SimpleRNN(4, go_backwards=True, **CONSTANTS)(sequence, initial_state=state)
    assert_close(out, rows([0.07344437, 0.43043602], 4), 1e-5, "go_backwards")


def test_keras_golden_masking():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, True], [True, False, False, True]])
    out = SimpleRNN(4, unroll=True, **CONSTANTS)(sequence, mask=mask)
    assert_close(out, rows([0.32951632, 0.61799484], 4), 1e-5, "last output")
    seq = [[0.0599281, 0.15122814, 0.15122814, 0.32394567],
           [0.3969304, 0.3969304, 0.3969304, 0.608085]]
    out = SimpleRNN(2, return_sequences=True, **CONSTANTS)(sequence, mask=mask)
    assert_close(out, rows(seq, 2), 1e-5, "sequences")
    seq[0][2] = seq[1][1] = seq[1][2] = 0.0
    out = SimpleRNN(2, return_sequences=True, zero_output_for_mask=True, **CONSTANTS)(
        sequence, mask=mask)
    assert_close(out, rows(seq, 2), 1e-5, "zero_output_for_mask")
    out = SimpleRNN(4, go_backwards=True, **CONSTANTS)(sequence, mask=mask)
    assert_close(out, rows([0.07376196, 0.43645123], 4), 1e-5, "go_backwards")


# ---- parity with Keras on copied weights ------------------------------------------------
CASES = [
    ({}, {}),
    ({"return_sequences": True, "go_backwards": True}, {}),
    ({"use_bias": False, "activation": "relu"}, {}),
    ({"activation": "sigmoid", "return_state": True}, {"initial": True}),
    ({"return_sequences": True}, {"masked": True}),
    ({"return_sequences": True, "zero_output_for_mask": True, "go_backwards": True},
     {"masked": True}),
    ({"dropout": 0.3, "recurrent_dropout": 0.4, "return_sequences": True},
     {"dropout_counts": (1, 1, None)}),
    ({"dropout": 0.5}, {"dropout_counts": (1, 1, None), "masked": True}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs,options", CASES, ids=[str(c[0]) + str(c[1]) for c in CASES])
def test_forward_and_gradients_match_keras(kwargs, options, dtype, rng):
    assert_parity(SimpleRNN, keras.layers.SimpleRNN, dtype, rng, units=3, **kwargs, **options)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stateful_matches_keras(dtype, rng):
    use_dtype(dtype)
    tol = 1e-6 if dtype == "float32" else F64
    np.random.seed(7)
    mine = SimpleRNN(3, stateful=True)
    mine.build_from_shape((2, 4, 3))
    theirs = keras.layers.SimpleRNN(3, stateful=True)
    theirs.build((2, 4, 3))
    theirs.set_weights(mine.get_weights())
    for step in range(3):
        x = rng.normal(size=(2, 4, 3)).astype(dtype)
        assert_close(mine(x), theirs(x), tol, f"call {step}")
    mine.reset_states()
    theirs.reset_states()
    assert_close(mine(x), theirs(x), tol, "after reset")


@pytest.mark.parametrize("dtype,rtol", [("float32", F32_TRAJECTORY), ("float64", F64)])
def test_twenty_training_steps_match_keras(dtype, rtol, rng):
    from parity.core import compare_train_steps, to_keras

    use_dtype(dtype)
    np.random.seed(7)  # the initial weights: a fixed draw, so the test is repeatable
    model = Sequential([SimpleRNN(4, input_shape=(5, 3), kernel_regularizer="l1",
                                  recurrent_constraint="unit_norm", return_sequences=True),
                        SimpleRNN(2), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    x = rng.normal(size=(40, 5, 3)).astype(dtype)
    y = rng.normal(size=(40, 1)).astype(dtype)
    twin = to_keras(model)
    twin.run_eagerly = True  # tracing Keras's loop into a graph costs seconds
    result = compare_train_steps(model, x, y, steps=20, batch_size=8, twin=twin)
    assert result["weights_rel"] <= rtol, result
    assert result["loss_rel"] <= rtol, result


# ---- finite differences (float64) -------------------------------------------------------
@pytest.mark.parametrize("kwargs,options", [
    ({}, {}),
    ({"return_sequences": True, "go_backwards": True}, {"masked": True}),
    # two steps: through more sigmoid steps dh0 shrinks to the size of the differences' noise
    ({"return_state": True, "activation": "sigmoid"}, {"initial": True, "shape": (2, 2, 3)}),
    ({"return_sequences": True, "zero_output_for_mask": True}, {"masked": True}),
])
def test_backward_matches_finite_differences(kwargs, options, rng):
    assert_finite_differences(SimpleRNN, rng, units=3, **kwargs, **options)


# ---- config, weights and bad input ------------------------------------------------------
def test_get_config_matches_keras():
    for kwargs in [dict(units=3), dict(units=2, activation="relu", return_sequences=True,
                                       dropout=0.2, recurrent_dropout=0.1, use_bias=False,
                                       bias_regularizer="l2", go_backwards=True)]:
        assert SimpleRNN(**kwargs, name="probe").get_config() == \
            keras.layers.SimpleRNN(**kwargs, name="probe").get_config()
    layer = SimpleRNN(3, name="roundtrip", stateful=True)
    assert SimpleRNN.from_config(layer.get_config()).get_config() == layer.get_config()


def test_weights_names_shapes_and_paths():
    layer = SimpleRNN(3)
    layer.build_from_shape((None, 5, 2))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in layer.weights] == [(2, 3), (3, 3), (3,)]
    assert layer.kernel.path == f"{layer.name}/simple_rnn_cell/kernel"
    assert layer.count_params() == 6 + 9 + 3


def test_summary_rows_like_keras(capsys):
    model = Sequential([SimpleRNN(4, input_shape=(3, 2), return_sequences=True), SimpleRNN(2),
                        Dense(1)])
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 3, 4)" in text and "(None, 2)" in text
    assert f"{model.count_params():,}" in text
    assert model.count_params() == (2 * 4 + 16 + 4) + (4 * 2 + 4 + 2) + 3


def test_bad_input_shapes_are_clear_errors():
    layer = SimpleRNN(2)
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\).*\(4, 3\)"):
        layer(np.ones((4, 3)))
    layer(np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match=r"\(batch, timesteps, 2\).*\(1, 3, 7\)"):
        layer(np.ones((1, 3, 7)))
    with pytest.raises(ValueError, match="initial_state.*\\(1, 2\\)"):
        layer(np.ones((1, 3, 2)), initial_state=np.zeros((1, 5)))
    with pytest.raises(ValueError, match="activation"):
        SimpleRNN(2, activation="gelu")
