"""GRU: Keras's goldens, parity with Keras on copied weights (forward, gradients of every
weight, the input and the initial state; 20 training steps), float64 finite differences
(layer and kernels), numba == NumPy twins, config, weights, and bad input."""

import numpy as np
import pytest
from helpers import (
    F32_TRAJECTORY,
    F64,
    FD,
    as_float64,
    assert_as_accurate,
    assert_close,
    assert_twins,
    numeric_grad,
    use_dtype,
)
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from rnn_parity import assert_finite_differences, assert_parity

from minikeras import Sequential, initializers
from minikeras.kernels import plan
from minikeras.kernels.numba_fast import gru as fast
from minikeras.kernels.numpy_ref import gru as ref
from minikeras.layers.dense import Dense
from minikeras.layers.rnn.gru import GRU

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

CONSTANTS = dict(kernel_initializer=initializers.Constant(0.01),
                 recurrent_initializer=initializers.Constant(0.02),
                 bias_initializer=initializers.Constant(0.03))


def _rows(values, width):
    """Keras's goldens repeat each sample's value across the units."""
    return np.repeat(np.asarray(values)[:, None], width, axis=1)


# ---- Keras's goldens: keras/src/layers/rnn/gru_test.py -----------------------------------
@pytest.mark.parametrize("kwargs,expected", [
    ({}, [0.5217289, 0.6371659, 0.39384964]),                             # test_correctness
    ({"go_backwards": True}, [0.24406259, 0.611516, 0.3928808]),
    ({"unroll": True}, [0.5217289, 0.6371659, 0.39384964]),
    ({"reset_after": False}, [0.51447755, 0.6426879, 0.40208298]),
    ({"use_bias": False}, [0.49988455, 0.64701194, 0.4103359]),
])
def test_keras_golden_correctness(kwargs, expected):
    sequence = np.arange(72).reshape((3, 6, 4)).astype("float32")
    output = GRU(3, **CONSTANTS, **kwargs)(sequence)
    assert_close(output, _rows(expected, 3), 1e-5, str(kwargs))


def test_keras_golden_statefulness():
    sequence = np.arange(24).reshape((2, 3, 4)).astype("float32")
    expected = _rows([0.29542392, 0.5885018], 4)
    layer = GRU(4, stateful=True, **CONSTANTS)
    layer(sequence)
    assert_close(layer(sequence), expected, 1e-5, "second stateful call")
    layer.reset_state()
    layer(sequence)
    assert_close(layer(sequence), expected, 1e-5, "after reset_state")


def test_keras_golden_initial_and_return_state():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    state = np.arange(4).reshape((2, 2)).astype("float32")
    forward = [[0.23774096, 0.33508456], [0.83659905, 1.0227708]]
    backward = [[0.13486053, 0.23261218], [0.78257304, 0.9691353]]
    assert_close(GRU(2, **CONSTANTS)(sequence, initial_state=state), forward, 1e-5, "fwd")
    assert_close(GRU(2, go_backwards=True, **CONSTANTS)(sequence, initial_state=state),
                 backward, 1e-5, "go_backwards")
    output, final = GRU(2, return_state=True, **CONSTANTS)(sequence, initial_state=state)
    assert_close(output, forward, 1e-5, "return_state output")
    assert_close(final, forward, 1e-5, "return_state state")


def test_keras_golden_masking():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, True], [True, False, False, True]])
    out = GRU(2, unroll=True, **CONSTANTS)(sequence, mask=mask)
    assert_close(out, _rows([0.19393763, 0.30818558], 2), 1e-5, "last output")
    row0 = [0.03606692, 0.09497581, 0.09497581, 0.19393763]
    row1 = [0.16051409, 0.16051409, 0.16051409, 0.30818558]
    seq = GRU(2, return_sequences=True, **CONSTANTS)(sequence, mask=mask)
    assert_close(seq, np.repeat(np.array([row0, row1])[..., None], 2, axis=2), 1e-5, "seq")
    row0[2], row1[1:3] = 0.0, [0.0, 0.0]
    zero = GRU(2, return_sequences=True, zero_output_for_mask=True, **CONSTANTS)(sequence,
                                                                               mask=mask)
    assert_close(zero, np.repeat(np.array([row0, row1])[..., None], 2, axis=2), 1e-5, "zero")
    out = GRU(2, go_backwards=True, **CONSTANTS)(sequence, mask=mask)
    assert_close(out, _rows([0.11669192, 0.28380975], 2), 1e-5, "go_backwards mask")


def test_keras_golden_legacy_implementation_argument():
    sequence = np.arange(72).reshape((3, 6, 4)).astype("float32")
    config = GRU(3, **CONSTANTS).get_config()
    config["implementation"] = 0
    assert_close(GRU.from_config(config)(sequence),
                 _rows([0.5217289, 0.6371659, 0.39384964], 3), 1e-5, "implementation=0")


# ---- parity with Keras on copied weights ------------------------------------------------
CASES = [
    ({}, {}),
    ({"reset_after": False, "return_sequences": True}, {}),
    ({"go_backwards": True, "return_sequences": True}, {}),
    ({"use_bias": False}, {}),
    ({"use_bias": False, "reset_after": False}, {}),
    ({"activation": "relu", "recurrent_activation": "hard_sigmoid"}, {}),
    ({"activation": "sigmoid", "recurrent_activation": "tanh", "return_state": True,
      "reset_after": False}, {}),
    ({"return_state": True, "return_sequences": True, "go_backwards": True}, {"initial": True}),
    ({"return_sequences": True}, {"masked": True}),
    ({"return_sequences": True, "zero_output_for_mask": True, "reset_after": False},
     {"masked": True}),
    ({"go_backwards": True, "return_state": True}, {"masked": True, "initial": True}),
    ({"dropout": 0.3, "return_sequences": True}, {"dropout_counts": (1, 3, None)}),
    ({"dropout": 0.3, "recurrent_dropout": 0.4}, {"dropout_counts": (3, 3, 3)}),
    ({"dropout": 0.3, "recurrent_dropout": 0.4, "reset_after": False},
     {"dropout_counts": (3, 3, 3)}),
    ({"recurrent_dropout": 0.5, "go_backwards": True}, {"dropout_counts": (3, 3, 3),
                                                        "masked": True}),
]
WORST = {}  # component -> worst relative error, printed with -s for the report


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs,options", CASES, ids=[str(c[0]) + str(c[1]) for c in CASES])
def test_forward_and_gradients_match_keras(kwargs, options, dtype, rng):
    worst = assert_parity(GRU, keras.layers.GRU, dtype, rng, units=3, **kwargs, **options)
    WORST[dtype] = max(WORST.get(dtype, 0.0), worst)
    print(f"GRU parity {dtype} worst so far {WORST[dtype]:.2e}")


@pytest.mark.parametrize("shape,dtype", [((1, 1, 1), "float64"), ((1, 7, 2), "float32"),
                                         ((1, 7, 2), "float64"), ((4, 2, 5), "float32")])
def test_odd_shapes_match_keras(shape, dtype, rng):
    assert_parity(GRU, keras.layers.GRU, dtype, rng, shape=shape, units=2,
                  return_sequences=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stateful_matches_keras(dtype, rng):
    use_dtype(dtype)
    mine = GRU(3, stateful=True, return_sequences=True)
    mine.build_from_shape((2, 4, 3))
    theirs = keras.layers.GRU(3, stateful=True, return_sequences=True)
    theirs.build((2, 4, 3))
    theirs.set_weights(mine.get_weights())
    tol = 1e-6 if dtype == "float32" else F64
    for step in range(3):
        x = rng.normal(size=(2, 4, 3)).astype(dtype)
        assert_close(mine(x), theirs(x), tol, f"call {step}")
    mine.reset_state()
    theirs.reset_state()
    assert_close(mine(x), theirs(x), tol, "after reset")


@pytest.mark.parametrize("dtype,rtol", [("float32", F32_TRAJECTORY), ("float64", F64)])
@pytest.mark.parametrize("reset_after", [True, False])
def test_twenty_training_steps_match_keras(dtype, rtol, reset_after, rng):
    from parity.core import compare_train_steps, to_keras

    use_dtype(dtype)
    np.random.seed(7)  # the initial weights: a fixed draw, so the test is repeatable
    model = Sequential([GRU(5, input_shape=(4, 2), reset_after=reset_after,
                            recurrent_regularizer="l2", bias_constraint="max_norm"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(40, 4, 2)).astype(dtype)
    y = rng.normal(size=(40, 1)).astype(dtype)
    twin = to_keras(model)
    twin.run_eagerly = True  # tracing Keras's GRU loop into a graph costs ~10 s
    result = compare_train_steps(model, x, y, steps=20, batch_size=8, twin=twin)
    print(f"GRU(reset_after={reset_after}) 20 steps {dtype}: weights {result['weights_rel']:.2e}"
          f" loss {result['loss_rel']:.2e}")
    assert result["weights_rel"] <= rtol, result
    assert result["loss_rel"] <= rtol, result


# ---- finite differences (float64) -------------------------------------------------------
@pytest.mark.parametrize("kwargs,options", [
    ({}, {}),
    ({"reset_after": False}, {}),
    ({"return_sequences": True, "go_backwards": True}, {"masked": True}),
    ({"return_state": True, "use_bias": False}, {"initial": True}),
    ({"return_sequences": True, "zero_output_for_mask": True, "activation": "sigmoid",
      "reset_after": False}, {"masked": True, "initial": True}),
])
def test_backward_matches_finite_differences(kwargs, options, rng):
    assert_finite_differences(GRU, rng, units=2, **kwargs, **options)


# ---- the kernel twins: numba == NumPy, and backward == finite differences ----------------
CODES = [0, 1, 2, 3, 4]  # linear, tanh, sigmoid, relu, hard_sigmoid
TWIN_TOL = {np.float32: 1e-5, np.float64: F64}
NAMES = ["outputs", "h", "hprev", "gates", "q", "dxz", "drecurrent_kernel", "drecurrent_bias",
         "dh0"]
# float32: the compiled cells' tanh (cells.tanh, within 3 ulp) and sigmoid (tanh(z/2)/2 +
# 1/2) round differently from NumPy's, an absolute ~1e-7 on values of order 1, which is a
# large relative error on a tensor of small values (Hypothesis: an output of 0.0038 off by
# 6e-8) and compounds in the sums over time steps (drecurrent_bias of 1.73 off by 1.8e-5).
# So float32 compares to TWIN_TOL relative to max(1, |theirs|), and the sums take 5e-5.
SUMMED = {"drecurrent_kernel", "drecurrent_bias", "dh0"}


def _twin_tolerance(name, theirs, dtype):
    if dtype != np.float32:
        return TWIN_TOL[dtype]
    tol = 5e-5 if name in SUMMED else TWIN_TOL[dtype]
    scale = float(np.max(np.abs(theirs))) if theirs.size else 1.0
    return tol * max(1.0, 1.0 / max(scale, 1e-30))


def strategy(name):
    """Force a loop of the numba twin (kernels/plan.py)."""
    return plan.forced(loop=name)


def _case(rng, batch, steps, units, dtype, transposed=False, masked=False, dropped=False):
    shape = (batch, steps, 3 * units)
    xz = (rng.normal(size=shape[::-1]).astype(dtype).transpose(2, 1, 0) if transposed
          else rng.normal(size=shape).astype(dtype))
    kernel = (rng.normal(size=(units, 3 * units)) * 0.5).astype(dtype)
    bias = rng.normal(size=3 * units).astype(dtype)
    h0 = rng.normal(size=(batch, units)).astype(dtype)
    mask = np.ones((batch, steps), dtype)
    if masked:
        mask = (rng.random((batch, steps)) > 0.35).astype(dtype)
    rmask = np.ones((3, batch, units), dtype)
    if dropped:
        rmask = ((rng.random((3, batch, units)) > 0.3) / 0.7).astype(dtype)
    dout = rng.normal(size=(batch, steps, units)).astype(dtype)
    dh = rng.normal(size=(batch, units)).astype(dtype)
    return xz, kernel, bias, h0, mask, rmask, dout, dh


def _run(module, case, act, rec_act, reset_after, zero):
    xz, kernel, bias, h0, mask, rmask, dout, dh = case
    outputs, h, *cache = module.gru_forward(xz, kernel, bias, h0, mask, rmask, act, rec_act,
                                            reset_after, zero)
    grads = module.gru_backward(dout, dh, kernel, mask, rmask, *cache, act, rec_act,
                                reset_after, zero)
    return (outputs, h, *cache, *grads)


@settings(max_examples=60, deadline=None)
@example(batch=1, steps=5, units=5, dtype=np.float32, transposed=True, masked=False,
         dropped=True, zero=False, reset_after=False, act=1, rec_act=1, seed=4, path="fused")
@example(batch=1, steps=1, units=1, dtype=np.float32, transposed=False, masked=True,
         dropped=True, zero=False, reset_after=False, act=2, rec_act=2, seed=89, path="fused")
@given(batch=st.integers(1, 4), steps=st.integers(1, 6), units=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), transposed=st.booleans(),
       masked=st.booleans(), dropped=st.booleans(), zero=st.booleans(),
       reset_after=st.booleans(), act=st.sampled_from(CODES), rec_act=st.sampled_from(CODES),
       seed=st.integers(0, 99), path=st.sampled_from(["fused", "gemm"]))
def test_gru_twins_agree(batch, steps, units, dtype, transposed, masked, dropped, zero,
                         reset_after, act, rec_act, seed, path):
    # float32 states that can grow without bound (linear/relu gates or candidate) compound
    # the compiled loops' rounding vs NumPy's per-operation rounding: float64 only. So do tanh
    # gates (z in [-1, 1], so 1 - z up to 2): drawn, the compiled result's distance to float64
    # was up to 8x NumPy's float32 one (drecurrent_bias 3.2e-6 vs 3.9e-7), against at most
    # 2.5e-7 over 4 x NumPy's with sigmoid or hard_sigmoid gates (2,000 cases).
    assume(dtype == np.float64 or (rec_act not in (0, 1, 3) and act not in (0, 3)))
    case = _case(np.random.default_rng(seed), batch, steps, units, dtype, transposed, masked,
                 dropped)
    with strategy(path):
        mine = _run(fast, case, act, rec_act, reset_after, zero)
    theirs = _run(ref, case, act, rec_act, reset_after, zero)
    assert_twins(NAMES, mine, theirs, dtype, f"gru {path}",
                 lambda: _run(ref, as_float64(case), act, rec_act, reset_after, zero))


def test_as_accurate_check_catches_a_small_fault():
    """The float32 twin check passes a drawn case as computed (tanh candidate, sigmoid gates)
    and fails a compiled dxz off in one entry by 1e-5 of its scale (the old fixed tolerance):
    NumPy's float32 dxz is 9e-8 from float64 there, so the check allows 1.4e-6."""
    rec_act, fault = 2, 1e-5
    case = _case(np.random.default_rng(2), 4, 4, 4, np.float32, True)
    with strategy("fused"):
        mine = _run(fast, case, 1, rec_act, False, False)
    theirs = _run(ref, case, 1, rec_act, False, False)
    exact = _run(ref, as_float64(case), 1, rec_act, False, False)
    k = NAMES.index("dxz")
    assert_as_accurate(mine[k], theirs[k], exact[k], "dxz")
    faulty = mine[k].copy()
    faulty[0, 0, 0] += np.float32(fault * max(1.0, np.max(np.abs(exact[k]))))
    with pytest.raises(AssertionError, match="dxz: compiled float32"):
        assert_as_accurate(faulty, theirs[k], exact[k], "dxz")


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("dropped", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gemm_loop_in_one_row_blocks_on_two_threads(reset_after, dropped, dtype):
    """gru_gemm.py's loop as it runs large layers: every GEMM cut into row blocks, the rows in
    slabs over two threads (here one-row blocks), with masked steps and non-default codes."""
    case = _case(np.random.default_rng(3), 7, 5, 4, dtype, True, True, dropped)
    with plan.forced(loop="gemm", block_limit=1, threads=2):
        mine = _run(fast, case, 2, 4, reset_after, False)
    for name, a, b in zip(NAMES, mine, _run(ref, case, 2, 4, reset_after, False), strict=True):
        assert a.shape == b.shape and a.dtype == np.dtype(dtype), name
        assert_close(a, b, _twin_tolerance(name, b, dtype), f"gru gemm {name}")


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("dropped", [False, True])
def test_gemm_loop_gives_the_same_bits_on_any_thread_count(reset_after, dropped):
    """The slabs are cut by the block limit, not the thread count (blocks.py): the same bits
    on 1 thread and on 2."""
    case = _case(np.random.default_rng(8), 7, 4, 3, np.float32, False, True, dropped)
    runs = []
    for threads in (1, 2):
        with plan.forced(loop="gemm", block_limit=2 * 27, threads=threads):  # 2-row slabs
            runs.append(_run(fast, case, 1, 2, reset_after, False))
    for name, a, b in zip(NAMES, *runs, strict=True):
        assert np.array_equal(a, b), name


def test_size_rule_runs_small_layers_fused_and_the_rest_on_the_gemm_loop():
    assert plan.choose("gru", 1, 4).loop == "fused"
    assert plan.choose("gru", 4, 16).loop == "fused"  # work 3072, under 6144
    assert plan.choose("gru", 8, 16).loop == "gemm"  # 6144
    assert plan.choose("gru", 64, 128).loop == "gemm"


@pytest.mark.parametrize("module,path", [(ref, "fused"), (fast, "fused"), (fast, "gemm")],
                         ids=["numpy", "numba-fused", "numba-gemm"])
@pytest.mark.parametrize("masked,zero,dropped,act,rec_act,reset_after", [
    (False, False, False, 1, 2, True), (False, False, False, 1, 2, False),
    (True, False, True, 1, 2, True), (True, True, True, 0, 1, False),
    (True, False, False, 2, 1, True)])
def test_gru_kernel_backward_matches_finite_differences(module, path, masked, zero, dropped,
                                                        act, rec_act, reset_after):
    rng = np.random.default_rng(5)
    xz, kernel, bias, h0, mask, rmask, dout, dh = _case(rng, 3, 5, 2, np.float64, False,
                                                        masked, dropped)
    if masked:
        mask[0, 0] = 0

    def loss():
        outputs, h, *_ = module.gru_forward(xz, kernel, bias, h0, mask, rmask, act, rec_act,
                                            reset_after, zero)
        return float(np.sum(outputs * dout) + np.sum(h * dh))

    with strategy(path):
        _, _, *cache = module.gru_forward(xz, kernel, bias, h0, mask, rmask, act, rec_act,
                                          reset_after, zero)
        dxz, dkernel, dbias, dh0 = module.gru_backward(dout, dh, kernel, mask, rmask, *cache,
                                                       act, rec_act, reset_after, zero)
        assert_close(dxz, numeric_grad(loss, xz), FD, "gru dxz")
        assert_close(dkernel, numeric_grad(loss, kernel), FD, "gru drecurrent_kernel")
        assert_close(dh0, numeric_grad(loss, h0), FD, "gru dh0")
        if reset_after:
            assert_close(dbias, numeric_grad(loss, bias), FD, "gru drecurrent_bias")


@settings(max_examples=40, deadline=None)
@given(batch=st.integers(1, 4), steps=st.integers(1, 6), features=st.integers(1, 5),
       units=st.integers(1, 5), dtype=st.sampled_from([np.float32, np.float64]),
       with_bias=st.booleans(), reset_after=st.booleans(), act=st.sampled_from(CODES),
       rec_act=st.sampled_from(CODES), seed=st.integers(0, 99))
def test_inference_twins_agree(batch, steps, features, units, dtype, with_bias, reset_after,
                               act, rec_act, seed):
    """kernels.gru.gru_inference (predict's projection and forward loop in one call): numba ==
    NumPy, and the state passed in is left as it was."""
    assume(dtype == np.float64 or (rec_act not in (0, 1, 3) and act not in (0, 3)))  # as above
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features)).astype(dtype)
    kernel = (rng.normal(size=(features, 3 * units)) * 0.5).astype(dtype)
    bias = rng.normal(size=3 * units).astype(dtype) if with_bias else None
    recurrent = (rng.normal(size=(units, 3 * units)) * 0.5).astype(dtype)
    recurrent_bias = (rng.normal(size=3 * units) if reset_after else np.zeros(3 * units))
    h0 = rng.normal(size=(batch, units)).astype(dtype)
    h0_in = h0.copy()
    args = (x, kernel, bias, recurrent, recurrent_bias.astype(dtype), h0, act, rec_act,
            reset_after)
    assert_twins(["outputs", "h"], fast.gru_inference(*args), ref.gru_inference(*args), dtype,
                 "gru inference", lambda: ref.gru_inference(*as_float64(args[:6]), *args[6:]))
    assert np.array_equal(h0, h0_in)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_call_predict_gives_the_forward_passs_bits(reset_after, dtype, monkeypatch):
    """W9's GRU(64) on one sample of 30 steps: predict's one compiled call (RNN.infer ->
    gru_inference, where plan.inference_in_one_call says so) returns the same bits as the
    layer's forward pass, and is the path taken."""
    use_dtype(dtype)
    layer = GRU(64, reset_after=reset_after, return_sequences=True, return_state=True)
    x = np.random.default_rng(2).normal(size=(1, 30, 8)).astype(dtype)
    layer(x)  # build
    calls = []
    real = layer.run_inference
    monkeypatch.setattr(layer, "run_inference", lambda *a: calls.append(1) or real(*a))
    inferred = layer.infer(x)
    forward = layer.forward(x, training=False)
    assert calls == [1] and plan.inference_in_one_call("gru", 1, 30, 8, 64)
    for a, b in zip(inferred, forward, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


# ---- the Sequential path, config, weights and bad input ---------------------------------
def test_sequential_fit_predict_and_summary(rng, capsys):
    model = Sequential([GRU(4, input_shape=(3, 1)), Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    x = rng.random((12, 3, 1)).astype("float32")
    history = model.fit(x, x.sum(axis=1), epochs=2, batch_size=4, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(x, verbose=0).shape == (12, 1)
    model.summary()
    # Keras: GRU(4) on 1 feature, reset_after -> 3*4*(1 + 4 + 2) = 84 params
    assert "84" in capsys.readouterr().out


def test_get_config_matches_keras():
    for kwargs in [dict(units=3), dict(units=2, activation="relu", return_sequences=True,
                                       dropout=0.2, recurrent_dropout=0.1, seed=3,
                                       kernel_regularizer="l2", go_backwards=True,
                                       reset_after=False, stateful=True)]:
        assert GRU(**kwargs, name="probe").get_config() == \
            keras.layers.GRU(**kwargs, name="probe").get_config()
    layer = GRU(3, name="roundtrip", return_state=True, reset_after=False)
    assert GRU.from_config(layer.get_config()).get_config() == layer.get_config()


@pytest.mark.parametrize("reset_after,bias_shape", [(True, (2, 9)), (False, (9,))])
def test_weights_names_shapes_and_paths(reset_after, bias_shape):
    layer = GRU(3, reset_after=reset_after)
    layer.build_from_shape((None, 5, 2))
    theirs = keras.layers.GRU(3, reset_after=reset_after)
    theirs.build((None, 5, 2))
    assert [w.name for w in layer.weights] == [w.name for w in theirs.weights]
    assert [w.shape for w in layer.weights] == [(2, 9), (3, 9), bias_shape]
    assert [tuple(w.shape) for w in theirs.weights] == [w.shape for w in layer.weights]
    assert [w.path for w in layer.weights] == [f"{layer.name}/gru_cell/{n}" for n in
                                               ("kernel", "recurrent_kernel", "bias")]


def test_dropout_mask_counts_follow_keras(rng):
    x = rng.normal(size=(50, 3, 6)).astype("float32")
    layer = GRU(3, dropout=0.25, recurrent_dropout=0.5, seed=5)
    layer(x, training=True)
    _, _, input_masks, recurrent_masks, *_ = layer._cache
    assert input_masks.shape == (3, 50, 6) and recurrent_masks.shape == (3, 50, 3)
    assert set(np.unique(recurrent_masks)) == {0.0, 2.0}
    only_inputs = GRU(3, dropout=0.25)
    only_inputs(x, training=True)
    assert only_inputs._cache[2].shape == (1, 50, 6)  # Keras: one mask for all gates
    assert not np.any(only_inputs._cache[3] != 1)


@pytest.mark.parametrize("bad,match", [
    (np.ones((4, 3)), r"\(batch, timesteps, features\).*\(4, 3\)"),
    (np.ones((4, 3, 5)), r"\(batch, timesteps, 2\).*\(4, 3, 5\)"),
])
def test_bad_input_shapes_are_clear_errors(bad, match):
    layer = GRU(2)
    layer(np.ones((1, 3, 2)))
    with pytest.raises(ValueError, match=match):
        layer(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        GRU(0)
    with pytest.raises(ValueError, match="use_cudnn"):
        GRU(2, use_cudnn="yes")
    with pytest.raises(ValueError, match="recurrent_activation.*softmax"):
        GRU(2, recurrent_activation="softmax")
    with pytest.raises(TypeError, match="recurrent_dropout"):
        GRU(2, recurrent_dropout="half")
    with pytest.raises(ValueError, match="initial_state"):
        GRU(2)(np.ones((1, 3, 2)), initial_state=[np.zeros((1, 3))])
    with pytest.raises(TypeError, match="Unrecognized"):
        GRU(2, reset_afterr=False)
