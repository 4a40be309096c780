"""LSTM: Keras's goldens, parity with Keras on copied weights (forward, gradients of every
weight, the input and the initial states; 20 training steps), float64 finite differences,
config, the Sequential path, and bad input."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype
from rnn_parity import assert_finite_differences, assert_parity

from minikeras import Sequential, initializers
from minikeras.layers.dense import Dense
from minikeras.layers.rnn.lstm import LSTM

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

CONSTANTS = dict(kernel_initializer=initializers.Constant(0.01),
                 recurrent_initializer=initializers.Constant(0.02),
                 bias_initializer=initializers.Constant(0.03))


# ---- Keras's goldens: keras/src/layers/rnn/lstm_test.py ----------------------------------
@pytest.mark.parametrize("kwargs,expected", [
    ({}, [0.6288687, 0.86899155, 0.9460773]),                           # test_correctness
    ({"go_backwards": True}, [0.35622165, 0.74789524, 0.8872726]),
    ({"unroll": True}, [0.6288687, 0.86899155, 0.9460773]),
    ({"unit_forget_bias": False}, [0.57019705, 0.8661914, 0.9459622]),
    ({"use_bias": False}, [0.54986924, 0.86226785, 0.9443936]),
])
def test_keras_golden_correctness(kwargs, expected):
    sequence = np.arange(72).reshape((3, 6, 4)).astype("float32")
    output = LSTM(3, **CONSTANTS, **kwargs)(sequence)
    assert_close(output, np.repeat(np.array(expected)[:, None], 3, axis=1), 1e-5, str(kwargs))


def test_keras_golden_statefulness():
    sequence = np.arange(24).reshape((2, 3, 4)).astype("float32")
    expected = np.repeat(np.array([0.3124785, 0.6863672])[:, None], 4, axis=1)
    layer = LSTM(4, stateful=True, **CONSTANTS)
    layer(sequence)
    assert_close(layer(sequence), expected, 1e-5, "second stateful call")
    layer.reset_state()
    layer(sequence)
    assert_close(layer(sequence), expected, 1e-5, "after reset_state")
    layer.reset_states()
    assert not any(s.any() for s in layer.states)


def test_keras_golden_initial_state():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    state = np.arange(4).reshape((2, 2)).astype("float32")
    output = LSTM(2, **CONSTANTS)(sequence, initial_state=[state, state])
    assert_close(output, [[0.20574439, 0.3558822], [0.64930826, 0.66276]], 1e-5, "forward")
    output = LSTM(2, go_backwards=True, **CONSTANTS)(sequence, initial_state=[state, state])
    assert_close(output, [[0.13281618, 0.2790356], [0.5839337, 0.5992567]], 1e-5, "backwards")


def test_keras_golden_masking():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    out = LSTM(2, unroll=True, **CONSTANTS)(sequence, mask=mask)
    assert_close(out, [[0.11755939] * 2, [0.28556206] * 2], 1e-5, "last output")
    seq_out = LSTM(2, return_sequences=True, **CONSTANTS)(sequence, mask=mask)
    row0 = [0.01588910, 0.05552048, 0.11755939, 0.11755939]
    row1 = [0.14185596, 0.28556206, 0.28556206, 0.28556206]
    assert_close(seq_out, np.repeat(np.array([row0, row1])[..., None], 2, axis=2), 1e-5, "seq")
    zero_out = LSTM(2, return_sequences=True, zero_output_for_mask=True, **CONSTANTS)(
        sequence, mask=mask)
    row0[3] = 0.0
    row1[2:] = [0.0, 0.0]
    assert_close(zero_out, np.repeat(np.array([row0, row1])[..., None], 2, axis=2), 1e-5,
                 "zero_output_for_mask")
    backwards_mask = np.array([[False, True, True, True], [False, False, True, True]])
    out = LSTM(2, go_backwards=True, **CONSTANTS)(sequence, mask=backwards_mask)
    assert_close(out, [[0.15341201] * 2, [0.3844719] * 2], 1e-5, "go_backwards mask")


# ---- parity with Keras on copied weights ------------------------------------------------
CASES = [
    ({}, {}),
    ({"return_sequences": True}, {}),
    ({"go_backwards": True, "return_sequences": True}, {}),
    ({"use_bias": False, "unit_forget_bias": False}, {}),
    ({"activation": "relu", "recurrent_activation": "hard_sigmoid"}, {}),
    ({"activation": "sigmoid", "recurrent_activation": "tanh", "return_state": True}, {}),
    ({"return_state": True, "return_sequences": True, "go_backwards": True}, {"initial": True}),
    ({"return_sequences": True}, {"masked": True}),
    ({"return_sequences": True, "zero_output_for_mask": True}, {"masked": True}),
    ({"go_backwards": True, "return_state": True}, {"masked": True, "initial": True}),
    ({"dropout": 0.3, "return_sequences": True}, {"dropout_counts": (1, 4, None)}),
    ({"dropout": 0.3, "recurrent_dropout": 0.4}, {"dropout_counts": (4, 4, 4)}),
    ({"recurrent_dropout": 0.5, "go_backwards": True}, {"dropout_counts": (4, 4, 4),
                                                        "masked": True}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs,options", CASES, ids=[str(c[0]) + str(c[1]) for c in CASES])
def test_forward_and_gradients_match_keras(kwargs, options, dtype, rng):
    assert_parity(LSTM, keras.layers.LSTM, dtype, rng, units=3, **kwargs, **options)


# Large enough for the numba path's GEMM loop (kernels/numba_fast/rnn_gemm.py): 12 * 40 * 160
# multiply-adds a step, past kernels/plan.py's FUSED_MAX_WORK; Keras's default activations, no
# recurrent dropout.
GEMM_CASES = [({}, {}), ({"return_sequences": True}, {"masked": True}),
              ({"go_backwards": True, "return_state": True}, {"masked": True, "initial": True}),
              ({"return_sequences": True, "zero_output_for_mask": True}, {"masked": True}),
              ({"dropout": 0.3}, {"dropout_counts": (1, 4, None)})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs,options", GEMM_CASES,
                         ids=[str(c[0]) + str(c[1]) for c in GEMM_CASES])
def test_large_layers_match_keras(kwargs, options, dtype, rng):
    from minikeras.kernels import plan

    assert plan.choose("lstm", 12, 40).loop == "gemm"
    assert_parity(LSTM, keras.layers.LSTM, dtype, rng, shape=(12, 6, 5), units=40, **kwargs,
                  **options)


# float32 is left out for (1, 1, 1): its one dx entry is a sum of 8 terms that cancel, so
# both libraries' float32 roundings differ by a few 1e-6 of it (measured 2.4e-6).
@pytest.mark.parametrize("shape,dtype", [((1, 1, 1), "float64"), ((1, 7, 2), "float32"),
                                         ((1, 7, 2), "float64"), ((4, 2, 5), "float32")])
def test_odd_shapes_match_keras(shape, dtype, rng):
    assert_parity(LSTM, keras.layers.LSTM, dtype, rng, shape=shape, units=2,
                  return_sequences=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stateful_matches_keras(dtype, rng):
    use_dtype(dtype)
    np.random.seed(7)
    mine = LSTM(3, stateful=True, return_sequences=True)
    mine.build_from_shape((2, 4, 3))
    theirs = keras.layers.LSTM(3, stateful=True, return_sequences=True)
    theirs.build((2, 4, 3))
    theirs.set_weights(mine.get_weights())
    for step in range(3):
        x = rng.normal(size=(2, 4, 3)).astype(dtype)
        assert_close(mine(x), theirs(x), 1e-6 if dtype == "float32" else F64, f"call {step}")
    mine.reset_state()
    theirs.reset_state()
    assert_close(mine(x), theirs(x), 1e-6 if dtype == "float32" else F64, "after reset")
    with pytest.raises(ValueError, match="batch size"):
        mine(np.ones((3, 4, 3)))


@pytest.mark.parametrize("dtype,rtol", [("float32", F32_TRAJECTORY), ("float64", F64)])
def test_twenty_training_steps_match_keras(dtype, rtol, rng):
    from parity.core import compare_train_steps, to_keras

    use_dtype(dtype)
    np.random.seed(7)  # the initial weights: a fixed draw, so the test is repeatable
    model = Sequential([LSTM(5, input_shape=(4, 2), recurrent_regularizer="l2",
                             bias_constraint="max_norm"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(40, 4, 2)).astype(dtype)
    y = rng.normal(size=(40, 1)).astype(dtype)
    twin = to_keras(model)
    twin.run_eagerly = True  # tracing Keras's LSTM loop into a graph costs ~10 s
    result = compare_train_steps(model, x, y, steps=20, batch_size=8, twin=twin)
    assert result["weights_rel"] <= rtol, result
    assert result["loss_rel"] <= rtol, result


# ---- finite differences (float64) -------------------------------------------------------
@pytest.mark.parametrize("kwargs,options", [
    ({}, {}),
    ({"return_sequences": True, "go_backwards": True}, {"masked": True}),
    ({"return_state": True, "use_bias": False}, {"initial": True}),
    ({"return_sequences": True, "zero_output_for_mask": True, "activation": "sigmoid"},
     {"masked": True}),
])
def test_backward_matches_finite_differences(kwargs, options, rng):
    assert_finite_differences(LSTM, rng, units=2, **kwargs, **options)


# ---- the Sequential path ------------------------------------------------------------------
def test_sequential_fit_evaluate_predict_and_summary(rng, capsys):
    model = Sequential()
    model.add(LSTM(4, input_shape=(3, 1)))
    model.add(Dense(1))
    model.compile(loss="mean_squared_error", optimizer="adam")
    x = rng.random((12, 3, 1)).astype("float32")
    y = x.sum(axis=1)
    history = model.fit(x, y, epochs=2, batch_size=1, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(model.evaluate(x, y, verbose=0))
    assert model.predict(x, verbose=0).shape == (12, 1)
    model.summary()
    text = capsys.readouterr().out
    assert "(None, 4)" in text and "96" in text  # Keras: LSTM(4) on 1 feature -> 96 params


@pytest.mark.parametrize("dtype,rtol", [("float32", F32_TRAJECTORY), ("float64", F64)])
def test_masking_layer_then_stacked_lstms_train_like_keras(dtype, rtol, rng):
    """Masking -> LSTM(return_sequences) -> LSTM -> Dense: the mask reaches both LSTMs
    through the protocol in layers/base.py; forward and 20 training steps match Keras."""
    from minikeras.layers.masking import Masking
    from parity.core import compare_train_steps, to_keras

    use_dtype(dtype)
    np.random.seed(7)  # the initial weights: a fixed draw, so the test is repeatable
    model = Sequential([Masking(0.0, input_shape=(5, 3)), LSTM(4, return_sequences=True),
                        LSTM(2, go_backwards=True), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(24, 5, 3)).astype(dtype)
    x[rng.random((24, 5)) < 0.3] = 0.0  # padded timesteps
    x[0] = 0.0  # a fully padded sample
    y = rng.normal(size=(24, 1)).astype(dtype)
    twin = to_keras(model)
    twin.run_eagerly = True
    assert_close(model.predict(x, verbose=0), twin.predict(x, verbose=0),
                 F32_FORWARD if dtype == "float32" else F64, "masked forward")
    result = compare_train_steps(model, x, y, steps=20, batch_size=6, twin=twin)
    assert result["weights_rel"] <= rtol, result


# ---- config, weights and bad input ------------------------------------------------------
def test_get_config_matches_keras():
    for kwargs in [dict(units=3), dict(units=2, activation="relu", return_sequences=True,
                                       dropout=0.2, recurrent_dropout=0.1, seed=3,
                                       kernel_regularizer="l2", go_backwards=True,
                                       unit_forget_bias=False, stateful=True)]:
        assert LSTM(**kwargs, name="probe").get_config() == \
            keras.layers.LSTM(**kwargs, name="probe").get_config()
    layer = LSTM(3, name="roundtrip", return_state=True)
    assert LSTM.from_config(layer.get_config()).get_config() == layer.get_config()


def test_weights_names_shapes_paths_and_unit_forget_bias():
    layer = LSTM(3)
    layer.build_from_shape((None, 5, 2))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in layer.weights] == [(2, 12), (3, 12), (12,)]
    assert [w.path for w in layer.weights] == [f"{layer.name}/lstm_cell/{n}" for n in
                                               ("kernel", "recurrent_kernel", "bias")]
    assert np.array_equal(layer.bias.value, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])
    q = layer.recurrent_kernel.value[:, :3]  # orthogonal init, per Keras: a (3, 12) block
    assert_close(layer.recurrent_kernel.value @ layer.recurrent_kernel.value.T, np.eye(3),
                 1e-5, "orthogonal rows")
    assert q.shape == (3, 3)


@pytest.mark.parametrize("bad,match", [
    (np.ones((4, 3)), r"\(batch, timesteps, features\).*\(4, 3\)"),
    (np.ones((4, 3, 5)), r"\(batch, timesteps, 2\).*\(4, 3, 5\)"),
])
def test_bad_input_shapes_are_clear_errors(bad, match):
    layer = LSTM(2)
    layer(np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match=match):
        layer(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        LSTM(0)
    with pytest.raises(ValueError, match="use_cudnn"):
        LSTM(2, use_cudnn="yes")
    with pytest.raises(ValueError, match="activation.*softmax"):
        LSTM(2, activation="softmax")

    def tanh(x):  # a user's function named like the library's: the loops cannot run it
        return np.tanh(x) * 2

    with pytest.raises(ValueError, match="recurrent_activation.*not minikeras.activations"):
        LSTM(2, recurrent_activation=tanh)
    with pytest.raises(TypeError, match="dropout"):
        LSTM(2, dropout="half")
    with pytest.raises(ValueError, match="initial_state"):
        LSTM(2)(np.ones((1, 3, 2)), initial_state=[np.zeros((1, 2))])
    with pytest.raises(ValueError, match="mask"):
        LSTM(2)(np.ones((1, 3, 2)), mask=np.ones((1, 4), bool))
    with pytest.raises(TypeError, match="Unrecognized"):
        LSTM(2, input_lenght=3)


# ---- dropout: Keras's semantics, checked statistically ----------------------------------
def test_dropout_masks_are_fixed_per_sequence_scaled_and_fresh_per_call(rng):
    layer = LSTM(3, dropout=0.25, recurrent_dropout=0.5, seed=5)
    x = rng.normal(size=(400, 3, 6)).astype("float32")
    inference = layer(x)
    assert_close(layer(x, training=False), inference, 0, "no dropout outside training")
    layer(x, training=True)
    _, _, input_masks, recurrent_masks, *_ = layer._cache
    assert input_masks.shape == (4, 400, 6) and recurrent_masks.shape == (4, 400, 3)
    assert set(np.unique(input_masks)) == {0.0, np.float32(1 / 0.75)}
    assert set(np.unique(recurrent_masks)) == {0.0, 2.0}
    assert abs(np.mean(input_masks == 0) - 0.25) < 0.02  # 9600 draws: sd 0.0044
    assert abs(np.mean(recurrent_masks == 0) - 0.5) < 0.03  # 4800 draws: sd 0.0072
    first = input_masks.copy()
    layer(x, training=True)
    assert not np.array_equal(layer._cache[2], first), "a new mask for each call"
    again = LSTM(3, dropout=0.25, recurrent_dropout=0.5, seed=5)
    again.build_from_shape(x.shape)
    again(x, training=True)
    assert np.array_equal(again._cache[2], first), "seed=5 repeats the run's masks"
    only_inputs = LSTM(3, dropout=0.25)
    only_inputs(x, training=True)
    assert only_inputs._cache[2].shape == (1, 400, 6)  # Keras: one mask for all gates
    assert not np.any(only_inputs._cache[3] != 1)  # no recurrent dropout


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("macs", [None, 2 * 8 * 2, 1])
def test_input_projection_kernels_in_slabs_and_blocks_are_the_one_gemm(dtype, macs, rng,
                                                                       monkeypatch):
    """The numba projection twins split the rows into one slab per thread and each slab's
    GEMMs into single-thread row blocks (here 2-row and 1-row blocks too): the same z and dx
    as NumPy's one GEMM, and dkernel, dbias to rounding (they are summed slab by slab)."""
    from minikeras import kernels
    from minikeras.kernels.numba_fast import blocks

    NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")

    if macs is not None:
        monkeypatch.setattr(blocks, "SINGLE_THREAD_MACS", macs)
    x = rng.normal(size=(15, 2)).astype(dtype)
    kernel, bias = rng.normal(size=(2, 8)).astype(dtype), rng.normal(size=8).astype(dtype)
    dz = rng.normal(size=(15, 8)).astype(dtype)
    tol = F64 if dtype == np.float64 else 1e-6
    for name, a, b in [("z", NUMBA["projection_forward"](x, kernel, bias),
                        NUMPY["projection_forward"](x, kernel, bias)),
                       ("z, no bias", NUMBA["projection_forward"](x, kernel, None),
                        NUMPY["projection_forward"](x, kernel, None)),
                       *zip(["dx", "dkernel", "dbias"],
                            NUMBA["projection_backward"](dz, x, kernel),
                            NUMPY["projection_backward"](dz, x, kernel), strict=True)]:
        assert a.dtype == np.dtype(dtype), name
        assert_close(a, b, tol, name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_input_projection_kernels_in_many_row_slabs(dtype, rng):
    """Past one single-thread block, the numba projection runs its threaded slabs (where
    SciPy's BLAS is pinned: PROJECTION_ROWS-row GEMMs, so 1,100 rows make 5 slabs): NumPy's
    z and dx, and dkernel, dbias to rounding (summed slab by slab)."""
    from minikeras import kernels
    from minikeras.kernels import plan

    NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")
    x = rng.normal(size=(1100, 40)).astype(dtype)
    kernel, bias = rng.normal(size=(40, 32)).astype(dtype), rng.normal(size=32).astype(dtype)
    dz = rng.normal(size=(1100, 32)).astype(dtype)
    assert x.shape[0] * kernel.size > plan.SINGLE_THREAD_MACS
    tol = F64 if dtype == np.float64 else 1e-5
    for name, a, b in [("z", NUMBA["projection_forward"](x, kernel, bias),
                        NUMPY["projection_forward"](x, kernel, bias)),
                       *zip(["dx", "dkernel", "dbias"],
                            NUMBA["projection_backward"](dz, x, kernel),
                            NUMPY["projection_backward"](dz, x, kernel), strict=True)]:
        assert a.dtype == np.dtype(dtype), name
        assert_close(a, b, tol, name)


@pytest.mark.parametrize("strategy", [None, "gemm"])
def test_recurrent_layers_take_an_empty_batch(strategy):
    """A batch of 0 sequences gives 0 outputs (and zero weight gradients) on every path,
    including the threaded projection kernels and, forced, the LSTM's GEMM loop."""
    from minikeras.kernels import plan
    from minikeras.layers import GRU, SimpleRNN

    with plan.forced(loop=strategy):
        for layer_class in (LSTM, GRU, SimpleRNN) if strategy is None else (LSTM,):
            layer = layer_class(4)
            out = layer(np.zeros((0, 5, 3), "float32"))
            assert out.shape == (0, 4), layer_class.__name__
            dx = layer.backward(np.zeros((0, 4), "float32"))
            assert dx.shape == (0, 5, 3)
            assert not np.any(layer.kernel.grad), layer_class.__name__
