"""The fused LSTM -> Dense epoch (minikeras/fastpath/lstm_epoch.py) gives the general
per-batch path's histories and weights; anything it does not cover falls back to the general
path."""

import numpy as np
import pytest
from helpers import assert_same_fit, fused_optimizers, use_dtype

from minikeras import callbacks, fastpath, kernels, optimizers
from minikeras.callbacks.callback_list import CallbackList
from minikeras.layers import Dense, Input, Masking
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
