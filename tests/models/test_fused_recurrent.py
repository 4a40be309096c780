"""The fused LSTM -> Dense epoch (minikeras/fastpath/lstm_epoch.py) gives the general
per-batch path's histories and weights, and its evaluate / predict (LSTMInference) the general
path's results; anything it does not cover falls back to the general path."""

import numpy as np
import pytest
from helpers import FUSED_TOL, assert_close, assert_same_fit, fused_optimizers, use_dtype

from minikeras import callbacks, fastpath, kernels, optimizers
from minikeras.callbacks.callback_list import CallbackList
from minikeras.layers import Dense, Dropout, Input, Masking
from minikeras.layers.rnn import LSTM
from minikeras.models import Sequential

NUMBA = kernels.KERNELS == "numba"
# the real runners (the tests patch fastpath's names to record or switch them off)
EPOCH_RUNNER, INFERENCE_RUNNER = fastpath.epoch_runner, fastpath.inference_runner
needs_numba = pytest.mark.skipif(not NUMBA, reason="the fused path runs on the numba path only")

# (loss, last activation, units, metrics)
HEADS = [
    ("mse", "linear", 1, ["mae"]),
    ("mae", "sigmoid", 2, []),
    ("binary_crossentropy", "sigmoid", 1, ["accuracy"]),
]


def _data(loss, units, n=23, steps=3, features=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, steps, features))
    if loss == "binary_crossentropy":
        y = (rng.random(n) > 0.5).astype("float64")
    else:
        y = rng.random((n, units)) if units > 1 else rng.random(n)
    return x, y


def _model(last="linear", units=1, optimizer=None, loss="mse", metrics=(), hidden=None,
           lstm_units=4, first=None, **lstm_kwargs):
    np.random.seed(3)
    layers = [Input(shape=(3, 2)), *(first or []), LSTM(lstm_units, **lstm_kwargs)]
    layers += [Dense(5, activation=hidden)] if hidden else []
    model = Sequential(layers + [Dense(units, activation=last)])
    model.compile(optimizer=optimizer or optimizers.Adam(learning_rate=0.01), loss=loss,
                  metrics=list(metrics))
    return model


def _fit(make, x, y, fused, monkeypatch, **kwargs):
    """Fit a fresh model; fused=False forces the general path. Returns (history, weights,
    model, the plan fit got)."""
    plans = []
    real = EPOCH_RUNNER

    def plan(*args):
        result = real(*args) if fused else None
        plans.append(result)
        return result

    monkeypatch.setattr(fastpath, "epoch_runner", plan)
    model = make()
    np.random.seed(11)
    history = model.fit(x, y, batch_size=kwargs.pop("batch_size", 4), verbose=0, **kwargs)
    return history.history, model.get_weights(), model, plans[0]


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_last_batch_with_smaller_gemm_blocks_is_fused_exactly(dtype, monkeypatch):
    """LSTM(64) in batches of 64 on 2 cores, BLAS pinned: the full batches take 32-row GEMM
    blocks, the last batch of 20 16-row ones (plan.recurrent_rows); the epoch kernel cuts each
    batch as the layer does, so the general path's numbers, bit for bit."""
    from minikeras.kernels import plan

    if not plan.blas_pinnable():
        pytest.skip("blocks follow the batch only where SciPy's BLAS is pinned")
    monkeypatch.setattr(plan, "CPUS", 2)
    use_dtype(dtype)
    x, y = _data("mse", 1, n=84)
    x, y = x.astype(dtype), y.astype(dtype)
    found = plan.epoch_plan("lstm", 84, 64, 64)
    assert found.loop == "gemm" and found.last_block_limit not in (0, found.block_limit)

    def make():
        return _model(lstm_units=64)

    general = _fit(make, x, y, False, monkeypatch, epochs=2, batch_size=64)
    fused = _fit(make, x, y, True, monkeypatch, epochs=2, batch_size=64)
    assert fused[3] is not None and fused[3].epoch_loop(64) is not None
    assert_same_fit(general, fused, dtype, exact_weights=True)


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("head", HEADS, ids=[f"{h[0]}-{h[1]}" for h in HEADS])
@pytest.mark.parametrize("opt", range(len(fused_optimizers())))
def test_fused_equals_general(dtype, head, opt, monkeypatch):
    use_dtype(dtype)
    loss, last, units, metrics = head
    x, y = _data(loss, units)

    def make():
        return _model(last, units, optimizer=fused_optimizers()[opt], loss=loss, metrics=metrics,
                      hidden="relu" if opt % 2 else None)

    general = _fit(make, x, y, False, monkeypatch, epochs=3)
    fused = _fit(make, x, y, True, monkeypatch, epochs=3)
    assert fused[3] is not None, "the fused path was expected"
    assert_same_fit(general, fused, dtype, exact_weights=True)
    assert int(fused[2].optimizer.iterations) == int(general[2].optimizer.iterations) == 18


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_airline_tutorial_shape_is_fused(dtype, monkeypatch):
    """LSTM(4) -> Dense(1), mse, adam, batch 1, as examples/airline_lstm.py; and the general
    path really ran (the weights moved) so equal results are not two no-ops."""
    use_dtype(dtype)
    x, y = _data("mse", 1, n=17, features=2)

    def make():
        return _model(optimizer="adam", activation="tanh", recurrent_activation="sigmoid")

    general = _fit(make, x, y, False, monkeypatch, epochs=4, batch_size=1)
    fused = _fit(make, x, y, True, monkeypatch, epochs=4, batch_size=1)
    assert fused[3] is not None
    # the projection is one single-thread GEMM here, summed in the layer's time-major order:
    # the same kernels in the same order, so the same numbers, bit for bit
    assert_same_fit(general, fused, dtype, exact_weights=True)
    assert not np.allclose(fused[1][0], make().get_weights()[0])


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_other_activations_shuffle_off_and_early_stopping(dtype, monkeypatch):
    use_dtype(dtype)
    x, y = _data("mse", 1, n=30)

    def make():
        return _model(activation="relu", recurrent_activation="hard_sigmoid")

    for shuffle in (True, False):
        kwargs = dict(epochs=6, batch_size=7, shuffle=shuffle, validation_split=0.2,
                      callbacks=[callbacks.EarlyStopping(monitor="loss", patience=1)])
        general = _fit(make, x, y, False, monkeypatch, **kwargs)
        fused = _fit(make, x, y, True, monkeypatch, **dict(
            kwargs, callbacks=[callbacks.EarlyStopping(monitor="loss", patience=1)]))
        assert fused[3] is not None
        assert_same_fit(general, fused, dtype)


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_size", [8, 7])
def test_a_large_lstm_takes_the_gemm_loops_in_the_fused_epoch(dtype, batch_size, monkeypatch):
    """Past the fused loops' size, a tanh/sigmoid LSTM's epoch runs in the kernel on
    rnn_gemm.py's loops and the threaded projection kernels, as the layer does: the general
    path's numbers (batch 7: a partial last batch of 6)."""
    use_dtype(dtype)
    x, y = _data("mse", 1, n=20)
    x, y = x.astype(dtype), y.astype(dtype)

    def make():
        return _model(lstm_units=40)

    general = _fit(make, x, y, False, monkeypatch, epochs=2, batch_size=batch_size)
    fused = _fit(make, x, y, True, monkeypatch, epochs=2, batch_size=batch_size)
    assert fused[3] is not None and fused[3].epoch_loop(batch_size) is not None
    assert_same_fit(general, fused, dtype, exact_weights=True)


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_gemm_loop_lstm_with_a_one_gemm_projection_is_fused_exactly(dtype, monkeypatch):
    """LSTM(8) on 1 feature, 40 steps, batch 16: the GEMM time loop, with an input projection
    the layer runs as one GEMM (dense_forward/backward); the epoch kernel's threaded
    projection must be that one block too. (A review found it cut into PROJECTION_ROWS slabs
    where BLAS is pinned: dkernel 7.6e-6 off in float32, so not the layer's numbers.)"""
    from minikeras.kernels import plan

    use_dtype(dtype)
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((48, 40, 1)).astype(dtype), rng.random(48).astype(dtype)

    def make():
        np.random.seed(3)
        model = Sequential([Input(shape=(40, 1)), LSTM(8), Dense(1)])
        model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="mse")
        return model

    assert plan.choose("lstm", 16, 8).loop == "gemm"
    assert plan.projection_in_one_gemm(16 * 40, 1 * 32)
    general = _fit(make, x, y, False, monkeypatch, epochs=2, batch_size=16)
    fused = _fit(make, x, y, True, monkeypatch, epochs=2, batch_size=16)
    assert fused[3] is not None and fused[3].epoch_loop(16) is not None
    assert_same_fit(general, fused, dtype, exact_weights=True)


@needs_numba
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_a_large_lstm_on_other_loops_runs_batch_by_batch(activation, monkeypatch):
    """An LSTM whose batches of 16 would take the GEMM loops and whose last batch (4 rows)
    the fused loops (kernels/plan.py's rule) runs train_step per batch."""
    use_dtype("float64")
    x, y = _data("mse", 1, n=20)
    batch_size = 16

    def make():
        return _model(lstm_units=8, activation=activation)

    general = _fit(make, x, y, False, monkeypatch, epochs=2, batch_size=batch_size)
    fused = _fit(make, x, y, True, monkeypatch, epochs=2, batch_size=batch_size)
    assert fused[3] is not None and fused[3].epoch_loop(batch_size) is None
    assert_same_fit(general, fused, "float64")


class BatchHook(callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pass


@needs_numba
@pytest.mark.parametrize("case", [
    dict(return_sequences=True), dict(go_backwards=True), dict(dropout=0.2),
    dict(recurrent_dropout=0.2), dict(use_bias=False), dict(kernel_regularizer="l2"),
    dict(recurrent_constraint="non_neg"), dict(masking=True), dict(batch_hook=True),
    dict(sample_weight=True), dict(optimizer="adamw"), dict(loss="huber"),
], ids=lambda case: next(iter(case)))
def test_unsupported_models_take_the_general_path(case, monkeypatch):
    use_dtype("float64")
    case = dict(case)
    x, y = _data("mse", 1)
    first = [Masking(0.0)] if case.pop("masking", False) else None
    hook = [BatchHook()] if case.pop("batch_hook", False) else []
    weights = np.ones(len(x)) if case.pop("sample_weight", False) else None
    optimizer, loss = case.pop("optimizer", None), case.pop("loss", "mse")
    if case.get("return_sequences"):
        case["return_sequences"] = False  # as the last layer's input: check the plan directly
        model = _model(first=first, optimizer=optimizer, loss=loss, **case)
        model.layers[0].return_sequences = True
    else:
        model = _model(first=first, optimizer=optimizer, loss=loss, **case)
    cbs = CallbackList(hook, model=model)
    assert EPOCH_RUNNER(model, x, y, weights, True, cbs) is None


@needs_numba
def test_the_plan_needs_the_numba_path(monkeypatch):
    use_dtype("float64")
    x, y = _data("mse", 1)
    model = _model()
    cbs = CallbackList([], model=model)
    assert EPOCH_RUNNER(model, x, y, None, True, cbs) is not None
    monkeypatch.setattr(kernels, "KERNELS", "numpy")
    assert EPOCH_RUNNER(model, x, y, None, True, cbs) is None


# ---- evaluate / predict on the LSTM epoch kernel (train=False) ---------------------------------
def _inference_runners(monkeypatch):
    """Record what inference_runner returns and count the kernel's inference calls; the plain
    path runs while state["off"] is set."""
    seen, calls, state = [], [], {"off": False}
    real_kernel = kernels.rnn_epoch.lstm_dense_epoch

    def runner(*args, **kwargs):
        result = None if state["off"] else INFERENCE_RUNNER(*args, **kwargs)
        seen.append(result)
        return result

    def kernel(*args):
        calls.append(args[-2])  # train
        return real_kernel(*args)

    monkeypatch.setattr(fastpath, "inference_runner", runner)
    monkeypatch.setattr(kernels.rnn_epoch, "lstm_dense_epoch", kernel)
    return seen, calls, state


def _evaluate_and_predict(model, x, y, **kwargs):
    results = model.evaluate(x, y, verbose=0, return_dict=True, **kwargs)
    return results, model.predict(x, verbose=0, **kwargs)


def _assert_same_inference(fused, general, dtype):
    """evaluate's logs to FUSED_TOL (its loss is a mean of the kernel's per-sample values),
    predict bit for bit (the same kernels in the same order)."""
    assert fused[0].keys() == general[0].keys()
    for key in general[0]:
        assert_close(fused[0][key], general[0][key], FUSED_TOL[dtype], f"evaluate {key}")
    assert fused[1].dtype == general[1].dtype and fused[1].shape == general[1].shape
    assert np.array_equal(fused[1], general[1]), "predict"


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("head", HEADS, ids=[f"{h[0]}-{h[1]}" for h in HEADS])
@pytest.mark.parametrize("lstm_units", [4, 40], ids=["fused-loop", "gemm-loop"])
@pytest.mark.parametrize("batch_size", [None, 7, 1000])
def test_fused_evaluate_and_predict_equal_general(dtype, head, lstm_units, batch_size,
                                                  monkeypatch):
    use_dtype(dtype)
    loss, last, units, metrics = head
    x, y = _data(loss, units, n=45)
    model = _model(last, units, loss=loss, metrics=metrics, hidden="relu",
                   lstm_units=lstm_units)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    seen, calls, state = _inference_runners(monkeypatch)
    fused = _evaluate_and_predict(model, x, y, batch_size=batch_size)
    # predict asks for a runner only with more than one batch (one runs the layers' kernels)
    runs = 1 + (len(x) > (batch_size or 32))
    assert len(seen) == runs and all(isinstance(r, fastpath.LSTMInference) for r in seen)
    assert calls == [False] * runs, "the kernel was expected to run evaluate (and predict)"
    state["off"] = True
    general = _evaluate_and_predict(model, x, y, batch_size=batch_size)
    assert calls == [False] * runs
    _assert_same_inference(fused, general, dtype)
    assert not np.array_equal(general[1], _model(last, units, loss=loss,
                                                 lstm_units=lstm_units).predict(x, verbose=0))


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_w6_shape_one_sample_and_bulk_predict(dtype, monkeypatch):
    """W6's LSTM(64) -> Dense(1): a 1-sample predict (the benchmark's: one batch, so the
    layers' own kernels) and a bulk one (three batches: the epoch kernel), each the same
    numbers as the plain path."""
    use_dtype(dtype)
    np.random.seed(5)
    model = Sequential([Input(shape=(30, 8)), LSTM(64), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.rand(70, 30, 8).astype(dtype)
    seen, calls, state = _inference_runners(monkeypatch)
    fused = [model.predict(x[:1], verbose=0, batch_size=32), model.predict(x, verbose=0)]
    assert calls == [False] and len(seen) == 1  # the bulk predict only
    # the kernel on the one sample, as predict ran it before: the same numbers
    cbs = CallbackList([], model=model)
    fused.append(INFERENCE_RUNNER(model, x[:1], cbs).predict(32))
    assert calls == [False, False]
    state["off"] = True
    general = [model.predict(x[:1], verbose=0, batch_size=32), model.predict(x, verbose=0)]
    general.append(general[0])
    for mine, theirs in zip(fused, general, strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)


@needs_numba
def test_fused_predict_any_last_activation_dropout_frozen_and_uncompiled(monkeypatch):
    """predict applies the last layer's own activation (tanh, softmax: no kernel code); the
    LSTM's input dropout and Dropout layers are the identity in inference; frozen layers and
    an uncompiled model are fine."""
    use_dtype("float32")
    x, _ = _data("mse", 1)
    x = x.astype("float32")
    for last in ("tanh", "softmax", "elu"):
        np.random.seed(4)
        model = Sequential([Input(shape=(3, 2)), LSTM(6, dropout=0.3), Dropout(0.5),
                            Dense(5, activation="sigmoid"), Dropout(0.2),
                            Dense(3, activation=last)])
        model.layers[0].trainable = False
        model.layers[2].trainable = False
        seen, calls, state = _inference_runners(monkeypatch)
        fused = [model.predict(x[:1], verbose=0), model.predict(x, verbose=0, batch_size=5)]
        assert calls == [False], last  # the 1-sample predict (one batch) ran the layers
        state["off"] = True
        general = [model.predict(x[:1], verbose=0), model.predict(x, verbose=0, batch_size=5)]
        for mine, theirs in zip(fused, general, strict=True):
            assert mine.shape == theirs.shape and np.array_equal(mine, theirs), last


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batches_on_other_loops_run_batch_by_batch(dtype, monkeypatch):
    """LSTM(8): batches of 16 would take the GEMM loops, the last 4 rows the fused loops
    (kernels/plan.py's rule): the runner runs the plain steps, the kernel is not called."""
    use_dtype(dtype)
    x, y = _data("mse", 1, n=20)
    model = _model(lstm_units=8, metrics=["mae"])
    seen, calls, state = _inference_runners(monkeypatch)
    fused = _evaluate_and_predict(model, x, y, batch_size=16)
    assert all(isinstance(r, fastpath.LSTMInference) for r in seen) and calls == []
    state["off"] = True
    general = _evaluate_and_predict(model, x, y, batch_size=16)
    _assert_same_inference(fused, general, dtype)


class PredictHook(callbacks.Callback):
    def on_predict_batch_end(self, batch, logs=None):
        pass


# case: (model kwargs, call kwargs, (evaluate fused?, predict fused?))
INFERENCE_FALLBACKS = {
    "go_backwards": (dict(go_backwards=True), {}, (False, False)),
    "recurrent_dropout": (dict(recurrent_dropout=0.2), {}, (False, False)),
    "no bias": (dict(use_bias=False), {}, (False, False)),
    "masking": (dict(first="masking"), {}, (False, False)),
    "stateful": (dict(stateful=True), {}, (False, False)),
    "elu hidden Dense": (dict(hidden="elu"), {}, (False, False)),
    "recurrent regularizer (evaluate adds its penalty)": (
        dict(recurrent_regularizer="l2"), {}, (False, True)),
    "predict batch hook": ({}, dict(callbacks=[PredictHook()]), (True, False)),
    "sample_weight": ({}, dict(sample_weight=True), (False, True)),
}


@needs_numba
@pytest.mark.parametrize("case", sorted(INFERENCE_FALLBACKS))
def test_unsupported_evaluate_and_predict_fall_back(case, monkeypatch):
    use_dtype("float64")
    model_kwargs, call_kwargs, expected = INFERENCE_FALLBACKS[case]
    call_kwargs = dict(call_kwargs)
    x, y = _data("mse", 1, n=12)
    if model_kwargs.get("first") == "masking":  # made here, in the test's dtype
        model_kwargs = dict(model_kwargs, first=[Masking(0.0)])
    model = _model(**model_kwargs)
    weights = np.ones(len(x)) if call_kwargs.pop("sample_weight", False) else None
    seen, calls, _ = _inference_runners(monkeypatch)
    kwargs = dict(verbose=0, batch_size=4, **call_kwargs)
    model.evaluate(x, y, sample_weight=weights, **kwargs)
    model.predict(x, **kwargs)
    assert tuple(r is not None for r in seen) == expected
    assert len(calls) == sum(expected)


@needs_numba
def test_return_sequences_and_wrong_features_fall_back(monkeypatch):
    use_dtype("float64")
    x, _ = _data("mse", 1)
    model = _model()
    cbs = CallbackList([], model=model)
    assert isinstance(INFERENCE_RUNNER(model, x, cbs), fastpath.LSTMInference)
    assert INFERENCE_RUNNER(model, x[:, :, :1], cbs) is None  # the layer raises, not the runner
    assert INFERENCE_RUNNER(model, x[:, :0], cbs) is None  # no time steps
    model.layers[0].return_sequences = True
    assert INFERENCE_RUNNER(model, x, cbs) is None
    model.layers[0].return_sequences = False
    monkeypatch.setattr(kernels, "KERNELS", "numpy")
    assert INFERENCE_RUNNER(model, x, cbs) is None


@needs_numba
@pytest.mark.parametrize("lstm_units", [4, 40], ids=["fused-loop", "gemm-loop"])
def test_evaluate_and_predict_after_fit_add_no_specialization(lstm_units):
    """train is a run-time flag: evaluate, predict and fit's validation run fit's compiled
    epoch (its types are the training call's), so no new compile after fit."""
    from minikeras.kernels.numba_fast import rnn_epoch

    use_dtype("float32")
    x, y = _data("mse", 1, n=30)
    x, y = x.astype("float32"), y.astype("float32")
    kernel = rnn_epoch._epoch_small_lstm if lstm_units == 4 else rnn_epoch._epoch_large_lstm
    model = _model(lstm_units=lstm_units, optimizer="sgd")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    compiled = len(kernel.signatures)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.3)
    model.evaluate(x, y, verbose=0, batch_size=8)
    model.predict(x[:1], verbose=0)
    assert len(kernel.signatures) == compiled


@needs_numba
def test_a_small_lstm_with_a_projection_in_slabs_runs_batch_by_batch(monkeypatch):
    """LSTM(4) on 64 features, 10 steps, batch 32: the fused time loop, but the layer's input
    projection (320 rows x 1024 multiply-adds) is cut into row slabs, which the kernel's one
    GEMM does not reproduce bit for bit; so fit, evaluate and predict run the plain steps and
    give the layer path's numbers exactly."""
    use_dtype("float32")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 10, 64)).astype("float32")
    y = rng.random(64).astype("float32")

    def make():
        np.random.seed(3)
        model = Sequential([Input(shape=(10, 64)), LSTM(4), Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    general = _fit(make, x, y, False, monkeypatch, epochs=1, batch_size=32)
    fused = _fit(make, x, y, True, monkeypatch, epochs=1, batch_size=32)
    assert fused[3] is not None and fused[3].epoch_loop(32) is None
    assert_same_fit(general, fused, "float32", exact_weights=True)
    seen, calls, state = _inference_runners(monkeypatch)
    mine = _evaluate_and_predict(fused[2], x, y, batch_size=32)
    assert isinstance(seen[0], fastpath.LSTMInference) and calls == []
    state["off"] = True
    _assert_same_inference(mine, _evaluate_and_predict(fused[2], x, y, batch_size=32),
                           "float32")


@needs_numba
@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam"])
def test_the_epoch_reads_a_step_size_only_where_adam_has_one(optimizer, monkeypatch):
    """SGD and RMSprop get a one-element step_scalars (fastpath/flat.py): the epoch must not
    index it by step. numba does not check bounds, so the epoch's own Python (`_epoch.py_func`,
    the same lines) runs here around the compiled batch pieces: an out-of-range read raises
    IndexError (it did before the epoch read step_scalars for Adam only)."""
    from minikeras.kernels.numba_fast import rnn_epoch

    use_dtype("float32")
    x, y = _data("mse", 1, n=12)
    ran = []

    def epoch_as_python(*args):
        ran.append(True)
        return rnn_epoch._epoch.py_func(*args, rnn_epoch._small_forward,
                                        rnn_epoch._small_backward, 1, (0, 0), (0, 0))

    monkeypatch.setattr(rnn_epoch, "_epoch_small_lstm", epoch_as_python)
    python_run = _fit(lambda: _model(optimizer=optimizer), x, y, True, monkeypatch, epochs=2)
    monkeypatch.undo()
    compiled_run = _fit(lambda: _model(optimizer=optimizer), x, y, True, monkeypatch, epochs=2)
    assert ran and python_run[3] is not None
    for mine, theirs in zip(python_run[1], compiled_run[1], strict=True):
        assert_close(mine, theirs, 0, "a weight after 2 epochs")  # the same bits
