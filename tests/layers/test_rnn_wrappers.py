"""Bidirectional and TimeDistributed: Keras's goldens, parity with Keras on copied weights
(forward, gradients of every weight, the input and initial states; 20 training steps), float64
finite differences, weights/paths, config round trips through Keras's nested dicts, bad input."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, FD, assert_close, numeric_grad, use_dtype

from minikeras import Sequential, initializers
from minikeras.layers.dense import Dense
from minikeras.layers.rnn.bidirectional import Bidirectional
from minikeras.layers.rnn.gru import GRU
from minikeras.layers.rnn.lstm import LSTM
from minikeras.layers.rnn.simple_rnn import SimpleRNN
from minikeras.layers.rnn.time_distributed import TimeDistributed, deserialize_nested

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

TOL = {"float32": F32_FORWARD, "float64": F64}
CLASSES = {"SimpleRNN": (SimpleRNN, keras.layers.SimpleRNN), "LSTM": (LSTM, keras.layers.LSTM),
           "GRU": (GRU, keras.layers.GRU)}


def constants(kernel=0.01, recurrent=0.02, bias=0.03):
    return dict(kernel_initializer=initializers.Constant(kernel),
                recurrent_initializer=initializers.Constant(recurrent),
                bias_initializer=initializers.Constant(bias))


# ---- Keras's goldens: keras/src/layers/rnn/bidirectional_test.py -------------------------
def test_keras_golden_bidirectional_correctness():
    sequence = np.arange(24).reshape((2, 3, 4)).astype("float32")
    forward_layer = SimpleRNN(2, **constants())
    f, b = [0.39687276, 0.7237238], [0.10004295, 0.53391594]
    expected = np.stack([np.repeat(f, 2).reshape(2, 2), np.repeat(b, 2).reshape(2, 2)], 1)
    assert_close(Bidirectional(forward_layer)(sequence), expected.reshape(2, 4), 1e-5, "concat")
    assert_close(Bidirectional(forward_layer, merge_mode="ave")(sequence),
                 [[0.24845785] * 2, [0.6288199] * 2], 1e-5, "ave")
    out1, out2 = Bidirectional(forward_layer, merge_mode=None)(sequence)
    assert_close(out1, np.repeat(f, 2).reshape(2, 2), 1e-5, "None forward")
    assert_close(out2, np.repeat(b, 2).reshape(2, 2), 1e-5, "None backward")
    backward_layer = SimpleRNN(2, go_backwards=True, **constants(0.03, 0.02, 0.01))
    out = Bidirectional(forward_layer, backward_layer=backward_layer, merge_mode="mul")(sequence)
    assert_close(out, [[0.08374989] * 2, [0.6740834] * 2], 1e-5, "mul")
    gru = GRU(2, return_sequences=True, **constants())
    out = Bidirectional(gru, merge_mode="sum")(sequence)
    expected = [[0.20937867, 0.34462988, 0.40290534], [0.59829646, 0.6734641, 0.6479671]]
    assert_close(out, np.repeat(np.array(expected)[..., None], 2, axis=2), 1e-5, "sum")


def test_keras_golden_bidirectional_statefulness():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    layer = Bidirectional(LSTM(2, stateful=True, **constants()))
    expected = [[0.26234663, 0.26234663, 0.16959146, 0.16959146],
                [0.6137073, 0.6137073, 0.5381646, 0.5381646]]
    layer(sequence)
    assert_close(layer(sequence), expected, 1e-5, "second call")
    layer.reset_state()
    layer(sequence)
    assert_close(layer(sequence), expected, 1e-5, "after reset_state")
    with pytest.raises(AttributeError, match="stateful"):
        Bidirectional(LSTM(2)).reset_state()


def test_keras_golden_bidirectional_initial_state_masking_return_state():
    sequence = np.arange(24).reshape((2, 4, 3)).astype("float32")
    base = np.arange(4).reshape((2, 2)).astype("float32")
    out = Bidirectional(LSTM(2, **constants()))(sequence,
                                                initial_state=[base * k for k in (1, 2, 3, 4)])
    assert_close(out, [[0.20794602, 0.4577124, 0.14046375, 0.48191673],
                       [0.6682636, 0.6711909, 0.60943645, 0.60950446]], 1e-5, "initial_state")
    mask = np.array([[True, True, False, True], [True, False, False, True]])
    out = Bidirectional(GRU(2, **constants()))(sequence, mask=mask)
    assert_close(out, [[0.19393763, 0.19393763, 0.11669192, 0.11669192],
                       [0.30818558, 0.30818558, 0.28380975, 0.28380975]], 1e-5, "masking")
    output, h1, c1, h2, c2 = Bidirectional(LSTM(2, return_state=True, **constants()))(sequence)
    assert_close(output, [[0.1990008, 0.1990008, 0.12659755, 0.12659755],
                          [0.52335435, 0.52335435, 0.44717982, 0.44717982]], 1e-5, "output")
    for name, got, value in [("h1", h1, [0.1990008, 0.52335435]),
                             ("c1", c1, [0.35567185, 1.0492687]),
                             ("h2", h2, [0.12659755, 0.44717982]),
                             ("c2", c2, [0.2501858, 0.941473])]:
        assert_close(got, np.repeat(value, 2).reshape(2, 2), 1e-5, name)


@pytest.mark.parametrize("merge_mode", ["ave", "concat", "mul", "sum", None])
def test_keras_golden_output_shape(merge_mode):
    x = np.array([[[101, 202], [303, 404]]])
    layer = Bidirectional(LSTM(2, return_state=True), merge_mode=merge_mode)
    output = layer(x)
    shapes = layer.compute_output_shape(x.shape)
    assert len(output) == len(shapes)
    for out, shape in zip(output, shapes, strict=True):
        assert out.shape == shape


# ---- Keras's goldens: keras/src/layers/rnn/time_distributed_test.py ----------------------
def test_keras_golden_time_distributed():
    sequence = np.arange(24).reshape((3, 2, 4)).astype("float32")
    layer = TimeDistributed(Dense(1, kernel_initializer=initializers.Constant(0.01),
                                  use_bias=False))
    assert_close(layer(sequence), [[[0.06], [0.22]], [[0.38], [0.53999996]], [[0.7], [0.86]]],
                 1e-6, "correctness")
    assert len(layer.trainable_weights) == 1 and layer.compute_output_shape((3, 2, 4)) == (3, 2,
                                                                                           1)


# ---- parity with Keras on copied weights ------------------------------------------------
def _twins(mine, theirs, input_shape, dtype, rng):
    mine.build_from_shape(input_shape)
    theirs.build(input_shape)
    weights = [rng.uniform(-0.6, 0.6, size=w.shape).astype(dtype) for w in mine.get_weights()]
    mine.set_weights(weights)
    theirs.set_weights(weights)


def _keras_run(theirs, x, dys, initial_state, mask):
    xt = tf.constant(x)
    states = None if initial_state is None else [tf.constant(s) for s in initial_state]
    with tf.GradientTape() as tape:
        tape.watch(xt)
        for s in states or []:
            tape.watch(s)
        kwargs = {} if states is None else {"initial_state": states}
        if mask is not None:
            kwargs["mask"] = tf.constant(mask)
        out = theirs(xt, **kwargs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        total = sum(tf.reduce_sum(o * tf.constant(d)) for o, d in zip(outs, dys, strict=True))
    grads = tape.gradient(total, [xt, *(states or []), *theirs.trainable_weights])
    return [np.asarray(o) for o in outs], [np.asarray(g) for g in grads]


def _mine_run(mine, x, dys, initial_state, mask):
    out = mine(x, initial_state=initial_state, mask=mask)
    outs = out if isinstance(out, list) else [out]
    dx = mine.backward(dys if len(dys) > 1 else dys[0])
    grads = [dx, *(mine.initial_state_grads if initial_state is not None else [])]
    return outs, grads + [w.grad for w in mine.trainable_weights]


CASES = [
    ("LSTM", "concat", {}, {}),
    ("LSTM", "sum", {"return_sequences": True}, {}),
    ("GRU", "mul", {"return_sequences": True}, {"masked": True}),
    ("GRU", "ave", {"reset_after": False}, {"masked": True}),
    ("SimpleRNN", None, {"return_sequences": True}, {}),
    ("SimpleRNN", "concat", {}, {"masked": True}),
    ("LSTM", "concat", {"return_state": True, "return_sequences": True}, {"initial": True}),
    ("GRU", None, {"return_state": True}, {"initial": True, "masked": True}),
    ("LSTM", "mul", {"return_sequences": True}, {"backward_layer": True}),
]
CASE_IDS = [f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES]
WORST = {}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,merge_mode,kwargs,options", CASES, ids=CASE_IDS)
def test_bidirectional_matches_keras(cls, merge_mode, kwargs, options, dtype, rng):
    use_dtype(dtype)
    mine_cls, keras_cls = CLASSES[cls]
    batch, steps, features, units = 3, 5, 4, 3
    mine_back = theirs_back = None
    if options.get("backward_layer"):
        back_kwargs = {**kwargs, "go_backwards": True, "activation": "sigmoid"}
        mine_back, theirs_back = mine_cls(units, **back_kwargs), keras_cls(units, **back_kwargs)
    mine = Bidirectional(mine_cls(units, **kwargs), merge_mode=merge_mode,
                         backward_layer=mine_back)
    theirs = keras.layers.Bidirectional(keras_cls(units, **kwargs), merge_mode=merge_mode,
                                        backward_layer=theirs_back)
    _twins(mine, theirs, (None, steps, features), dtype, rng)
    x = rng.normal(size=(batch, steps, features)).astype(dtype)
    n_states = len(mine.forward_layer.state_size)
    init = ([rng.normal(size=(batch, units)).astype(dtype) for _ in range(2 * n_states)]
            if options.get("initial") else None)
    mask = None
    if options.get("masked"):
        mask = rng.random((batch, steps)) > 0.3
        mask[0, 0] = mask[-1, -1] = False
    shapes = mine.compute_output_shape((batch, steps, features))
    shapes = [shapes] if isinstance(shapes, tuple) else shapes
    dys = [rng.normal(size=s).astype(dtype) for s in shapes]
    outs_k, grads_k = _keras_run(theirs, x, dys, init, mask)
    outs_m, grads_m = _mine_run(mine, x, dys, init, mask)
    names = [f"output{k}" for k in range(len(outs_k))] + ["dx"] + \
        [f"dstate{k}" for k in range(len(init or []))] + \
        [f"d{w.path}" for w in mine.trainable_weights]
    for name, a, b in zip(names, [*outs_m, *grads_m], [*outs_k, *grads_k], strict=True):
        assert a.dtype == np.dtype(dtype), name
        assert_close(a, b, TOL[dtype], f"{cls} {merge_mode} {kwargs} {dtype} {name}")
        scale = max(float(np.max(np.abs(b))), 1e-30)
        WORST[dtype] = max(WORST.get(dtype, 0.0), float(np.max(np.abs(a - b))) / scale)
    print(f"Bidirectional parity {dtype} worst so far {WORST[dtype]:.2e}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_time_distributed_matches_keras(dtype, rng):
    use_dtype(dtype)
    mine = TimeDistributed(Dense(3, activation="tanh"))
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(3, activation="tanh"))
    _twins(mine, theirs, (None, 4, 5), dtype, rng)
    x = rng.normal(size=(2, 4, 5)).astype(dtype)
    dys = [rng.normal(size=(2, 4, 3)).astype(dtype)]
    outs_k, grads_k = _keras_run(theirs, x, dys, None, None)
    out = mine(x)
    grads_m = [mine.backward(dys[0]), *[w.grad for w in mine.trainable_weights]]
    for name, a, b in zip(["output", "dx", "dkernel", "dbias"], [out, *grads_m],
                          [*outs_k, *grads_k], strict=True):
        assert a.dtype == np.dtype(dtype), name
        assert_close(a, b, TOL[dtype], f"TimeDistributed {dtype} {name}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bidirectional_dropout_matches_keras_with_injected_masks(dtype, rng):
    """training=True with the same masks in both directions' cells on both sides."""
    use_dtype(dtype)
    kwargs = dict(dropout=0.3, recurrent_dropout=0.4, return_sequences=True)
    mine = Bidirectional(GRU(3, **kwargs), merge_mode="concat")
    theirs = keras.layers.Bidirectional(keras.layers.GRU(3, **kwargs), merge_mode="concat")
    _twins(mine, theirs, (None, 5, 4), dtype, rng)
    x = rng.normal(size=(2, 5, 4)).astype(dtype)
    dy = rng.normal(size=(2, 5, 6)).astype(dtype)
    keep = lambda f, rate: ((rng.random((3, 2, f)) >= rate) / (1 - rate)).astype(dtype)  # noqa
    for mine_dir, their_dir in [(mine.forward_layer, theirs.forward_layer),
                                (mine.backward_layer, theirs.backward_layer)]:
        inputs, recurrent = keep(4, 0.3), keep(3, 0.4)
        mine_dir.set_dropout_masks(inputs, recurrent)
        their_dir.cell._dropout_mask = [tf.constant(m) for m in inputs]
        their_dir.cell._recurrent_dropout_mask = [tf.constant(m) for m in recurrent]
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out_k = theirs(xt, training=True)
        total = tf.reduce_sum(out_k * tf.constant(dy))
    grads_k = tape.gradient(total, [xt, *theirs.trainable_weights])
    out_m = mine(x, training=True)
    grads_m = [mine.backward(dy), *[w.grad for w in mine.trainable_weights]]
    assert_close(out_m, out_k, TOL[dtype], "output")
    assert not np.allclose(out_m, mine(x)), "the masks changed the output"
    for k, (a, b) in enumerate(zip(grads_m, grads_k, strict=True)):
        assert_close(a, b, TOL[dtype], f"grad {k}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_masking_layer_mask_flows_through_the_wrappers_as_in_keras(dtype, rng):
    from minikeras.layers.masking import Masking

    use_dtype(dtype)
    model = Sequential([Masking(0.0, input_shape=(5, 2)), TimeDistributed(Dense(3)),
                        Bidirectional(LSTM(2, return_sequences=True), merge_mode="sum"),
                        Bidirectional(GRU(2))])
    x = rng.normal(size=(4, 5, 2)).astype(dtype)
    x[0, 3:] = 0  # padded tails and a padded head
    x[2, :2] = 0
    twin = keras.Sequential.from_config(model.get_config())
    twin.set_weights(model.get_weights())
    assert_close(model.predict(x, verbose=0), twin.predict(x, verbose=0), TOL[dtype], "masked")


@pytest.mark.parametrize("dtype,rtol", [("float32", F32_TRAJECTORY), ("float64", F64)])
def test_twenty_training_steps_match_keras(dtype, rtol, rng):
    from parity.core import compare_train_steps, to_keras

    use_dtype(dtype)
    np.random.seed(0)  # fixed initial weights: the result must not depend on test order
    model = Sequential([Bidirectional(GRU(3, return_sequences=True), input_shape=(4, 2),
                                      merge_mode="ave"),
                        TimeDistributed(Dense(2, activation="tanh")),
                        Bidirectional(LSTM(2)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(40, 4, 2)).astype(dtype)
    y = rng.normal(size=(40, 1)).astype(dtype)
    twin = to_keras(model)
    twin.run_eagerly = True
    result = compare_train_steps(model, x, y, steps=20, batch_size=8, twin=twin)
    print(f"Bidirectional/TimeDistributed 20 steps {dtype}: weights "
          f"{result['weights_rel']:.2e} loss {result['loss_rel']:.2e}")
    assert result["weights_rel"] <= rtol, result
    assert result["loss_rel"] <= rtol, result


# ---- finite differences (float64) -------------------------------------------------------
@pytest.mark.parametrize("make,options", [
    (lambda: Bidirectional(LSTM(2, return_sequences=True), merge_mode="mul"), {"masked": True}),
    (lambda: Bidirectional(GRU(2, reset_after=False), merge_mode="concat"), {"initial": True}),
    (lambda: Bidirectional(SimpleRNN(2, return_state=True), merge_mode=None), {}),
    (lambda: TimeDistributed(Dense(2, activation="sigmoid")), {}),
], ids=["bi-lstm-mul", "bi-gru-concat-initial", "bi-simple-none-state", "time-distributed"])
def test_backward_matches_finite_differences(make, options, rng):
    use_dtype("float64")
    layer = make()
    batch, steps, features = 2, 4, 3
    layer.build_from_shape((None, steps, features))
    for w in layer.weights:
        w.value = np.ascontiguousarray(rng.uniform(-0.6, 0.6, size=w.shape))
    x = rng.normal(size=(batch, steps, features))
    shapes = layer.compute_output_shape((batch, steps, features))
    shapes = [shapes] if isinstance(shapes, tuple) else shapes
    dys = [rng.normal(size=s) for s in shapes]
    init = None
    if options.get("initial"):
        init = [rng.normal(size=(batch, 2)) for _ in range(2)]
    mask = None
    if options.get("masked"):
        mask = rng.random((batch, steps)) > 0.3
        mask[0, 0] = False
    kwargs = {} if isinstance(layer, TimeDistributed) else {"initial_state": init, "mask": mask}

    def loss():
        out = layer(x, **kwargs)
        outs = out if isinstance(out, list) else [out]
        return float(sum(np.sum(o * d) for o, d in zip(outs, dys, strict=True)))

    loss()
    grads = [layer.backward(dys if len(dys) > 1 else dys[0])]
    if init is not None:
        grads += list(layer.initial_state_grads)
    grads += [w.grad for w in layer.trainable_weights]
    targets = [x, *(init or []), *[w.value for w in layer.trainable_weights]]
    for k, (grad, target) in enumerate(zip(grads, targets, strict=True)):
        assert_close(grad, numeric_grad(loss, target), FD, f"{layer.name} grad {k}")


# ---- weights, config, serialization -------------------------------------------------------
def test_weights_names_order_and_paths_match_keras():
    mine = Bidirectional(LSTM(2, name="lstm_probe"), name="bi_probe")
    mine.build_from_shape((None, 4, 3))
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(2, name="lstm_probe"),
                                        name="bi_probe")
    theirs.build((None, 4, 3))
    assert [w.path for w in mine.weights] == [w.path for w in theirs.weights]
    assert [w.shape for w in mine.weights] == [tuple(w.shape) for w in theirs.weights]
    td = TimeDistributed(Dense(2, name="dense_probe"), name="td_probe")
    td.build_from_shape((None, 4, 3))
    ktd = keras.layers.TimeDistributed(keras.layers.Dense(2, name="dense_probe"),
                                       name="td_probe")
    ktd.build((None, 4, 3))
    assert [w.path for w in td.weights] == [w.path for w in ktd.weights]


def _normalize(config):
    """Keras writes build shapes as tuples or lists depending on the path; compare as lists."""
    if isinstance(config, dict):
        return {k: _normalize(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [_normalize(v) for v in config]
    return config


@pytest.mark.parametrize("build", [False, True])
def test_get_config_matches_keras_and_round_trips(build):
    pairs = [
        (Bidirectional(GRU(2, return_sequences=True, name="g"), merge_mode="sum", name="b"),
         keras.layers.Bidirectional(keras.layers.GRU(2, return_sequences=True, name="g"),
                                    merge_mode="sum", name="b")),
        (Bidirectional(LSTM(2, name="f"), backward_layer=LSTM(2, go_backwards=True, name="r"),
                       merge_mode=None, name="b2"),
         keras.layers.Bidirectional(keras.layers.LSTM(2, name="f"), merge_mode=None, name="b2",
                                    backward_layer=keras.layers.LSTM(2, go_backwards=True,
                                                                     name="r"))),
        (TimeDistributed(Dense(3, name="d"), name="t"),
         keras.layers.TimeDistributed(keras.layers.Dense(3, name="d"), name="t")),
    ]
    for mine, theirs in pairs:
        if build:
            mine.build_from_shape((None, 4, 3))
            theirs.build((None, 4, 3))
        config = mine.get_config()
        assert _normalize(config) == _normalize(theirs.get_config()), type(mine).__name__
        # Keras's dict rebuilds the layer here, and ours rebuilds Keras's layer
        spec = {"module": "keras.layers", "class_name": type(mine).__name__,
                "config": theirs.get_config(), "registered_name": None}
        if build:  # a re-created wrapper makes fresh inner layers; its build_config builds them
            spec["build_config"] = {"input_shape": (None, 4, 3)}
        again = deserialize_nested(spec)
        assert _normalize(again.get_config()) == _normalize(config)
        keras_again = type(theirs).from_config(config)
        assert _normalize(keras_again.get_config()) == _normalize(theirs.get_config())


def test_sequential_fit_summary_and_weight_paths(rng, capsys):
    model = Sequential([Bidirectional(LSTM(3, return_sequences=True, name="l"),
                                      input_shape=(5, 2), name="b"),
                        TimeDistributed(Dense(1, name="d"), name="t")], name="s")
    theirs = keras.Sequential([keras.Input((5, 2)), keras.layers.Bidirectional(
        keras.layers.LSTM(3, return_sequences=True, name="l"), name="b"),
        keras.layers.TimeDistributed(keras.layers.Dense(1, name="d"), name="t")], name="s")
    assert [w.path for w in model.weights] == [w.path for w in theirs.weights]
    # a layer built before it is wrapped still ends up under the wrapper
    built = LSTM(2, go_backwards=True, name="pre")  # as `deserialize` hands one over
    built.build_from_shape((None, 5, 2))
    wrapped = Bidirectional(LSTM(2), backward_layer=built, name="w")
    wrapped.build_from_shape((None, 5, 2))
    assert [w.path for w in wrapped.weights[3:]] == [f"w/pre/lstm_cell/{n}" for n in
                                                     ("kernel", "recurrent_kernel", "bias")]
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(6, 5, 2)).astype("float32")
    model.fit(x, rng.normal(size=(6, 5, 1)).astype("float32"), epochs=1, verbose=0)
    assert model.predict(x, verbose=0).shape == (6, 5, 1)
    model.summary()
    # Keras: 2 * LSTM(3) on 2 features = 2 * 4 * 3 * (2 + 3 + 1) = 144; Dense(6 -> 1) = 7
    text = capsys.readouterr().out
    assert "144" in text and "(None, 5, 6)" in text


# ---- bad input ----------------------------------------------------------------------------
def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="merge mode"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="Layer"):
        Bidirectional("lstm")
    with pytest.raises(ValueError, match="recurrent layer"):
        Bidirectional(Dense(2))
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        Bidirectional(LSTM(2), backward_layer=LSTM(2, go_backwards=True,
                                                   return_sequences=True))
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\).*\(4, 3\)"):
        Bidirectional(LSTM(2))(np.ones((4, 3)))
    with pytest.raises(ValueError, match="Layer"):
        TimeDistributed(3)
    with pytest.raises(ValueError, match=r"at least 3 dimensions.*\(4, 3\)"):
        TimeDistributed(Dense(2))(np.ones((4, 3)))
    with pytest.raises(ValueError, match="recurrent"):
        TimeDistributed(LSTM(2))
    layer = TimeDistributed(Dense(2))
    layer(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match="incompatible"):
        layer(np.ones((1, 2, 4)))


def test_weights_argument_sets_forward_then_backward_weights(rng):
    source = Bidirectional(GRU(2))
    source.build_from_shape((None, 3, 4))
    values = [rng.normal(size=w.shape).astype("float32") for w in source.weights]
    layer = Bidirectional(GRU(2), weights=values)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer(x)
    source.set_weights(values)
    for got, want in zip(layer.get_weights(), values, strict=True):
        assert np.array_equal(got, want)
    assert_close(layer(x), source(x), 0, "same weights, same output")
