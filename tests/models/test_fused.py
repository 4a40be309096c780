"""The fused epoch path (minikeras/fastpath/dense_epoch.py) gives the general per-batch
path's histories and weights, for every supported combination; anything else falls back to
the general path."""

import re

import numpy as np
import pytest
from helpers import FUSED_TOL, assert_close, assert_same_fit, fused_optimizers, use_dtype

from minikeras import callbacks, fastpath, kernels, optimizers
from minikeras.callbacks import progbar_logger
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.models import Sequential

NUMBA = kernels.KERNELS == "numba"
# the real runners (the tests patch fastpath's names to record or switch them off)
EPOCH_RUNNER, INFERENCE_RUNNER = fastpath.epoch_runner, fastpath.inference_runner
needs_numba = pytest.mark.skipif(not NUMBA, reason="the fused path runs on the numba path only")

# (loss, last activation, units, metrics)
HEADS = [
    ("binary_crossentropy", "sigmoid", 1, ["accuracy"]),
    ("categorical_crossentropy", "softmax", 4, ["accuracy", "mae"]),
    ("sparse_categorical_crossentropy", "softmax", 4, ["accuracy"]),
    ("mse", "linear", 2, ["mae"]),
    ("mae", "sigmoid", 1, []),
    ("mse", "relu", 3, []),
]


def _data(loss, units, n=53, features=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features))
    if loss == "binary_crossentropy":
        y = (rng.random(n) > 0.5).astype("float64")
    elif loss == "categorical_crossentropy":
        y = np.eye(units)[rng.integers(0, units, n)]
    elif loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, units, n)
    else:
        y = rng.standard_normal((n, units)) if units > 1 else rng.random(n)
    return x, y


def _model(last, units, hidden="relu", optimizer=None, loss="mse", metrics=(), extra=None,
           last_extra=None, first_extra=None):
    np.random.seed(3)
    layers = [Dense(7, activation=hidden, input_dim=5), *(first_extra or []),
              Dense(6, activation="sigmoid")]
    layers += extra or []
    model = Sequential(layers + [Dense(units, activation=last)] + (last_extra or []))
    model.compile(optimizer=optimizer or optimizers.Adam(learning_rate=0.01), loss=loss,
                  metrics=list(metrics))
    return model


def _fit(make, x, y, fused, monkeypatch, **kwargs):
    """Fit a fresh model; fused=False forces the general path. Returns (history, weights)."""
    calls = []
    real = EPOCH_RUNNER

    def plan(*args):
        result = real(*args) if fused else None
        calls.append(result)
        return result

    monkeypatch.setattr(fastpath, "epoch_runner", plan)
    if not fused:  # validation runs the per-batch evaluate path too
        monkeypatch.setattr(fastpath, "inference_runner", lambda *a, **k: None)
    else:
        monkeypatch.setattr(fastpath, "inference_runner", INFERENCE_RUNNER)
    model = make()
    np.random.seed(11)
    history = model.fit(x, y, batch_size=kwargs.pop("batch_size", 8), verbose=0, **kwargs)
    assert (calls[0] is not None) == fused, "the fused path was expected" if fused else ""
    return history.history, model.get_weights(), model


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("head", HEADS, ids=[f"{h[0]}-{h[1]}" for h in HEADS])
@pytest.mark.parametrize("opt", range(len(fused_optimizers())))
def test_fused_equals_general(dtype, head, opt, monkeypatch):
    use_dtype(dtype)
    loss, last, units, metrics = head
    x, y = _data(loss, units)

    def make():
        return _model(last, units, optimizer=fused_optimizers()[opt], loss=loss, metrics=metrics)

    general = _fit(make, x, y, False, monkeypatch, epochs=3)
    fused = _fit(make, x, y, True, monkeypatch, epochs=3)
    assert_same_fit(general, fused, dtype)
    assert int(fused[2].optimizer.iterations) == int(general[2].optimizer.iterations) == 21


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("head", HEADS, ids=[f"{h[0]}-{h[1]}" for h in HEADS])
def test_fused_tanh_hidden_equals_general(dtype, head, monkeypatch):
    """A tanh hidden layer: the fused epoch and the per-layer path call the same compiled tanh
    in float32 (kernels/numba_fast/cells.py), so the same bits; float64 within FUSED_TOL."""
    use_dtype(dtype)
    loss, last, units, metrics = head
    x, y = _data(loss, units)

    def make():
        return _model(last, units, hidden="tanh", loss=loss, metrics=metrics)

    general = _fit(make, x, y, False, monkeypatch, epochs=3)
    fused = _fit(make, x, y, True, monkeypatch, epochs=3)
    assert_same_fit(general, fused, dtype, exact_weights=dtype == "float32")


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_with_validation_shuffle_off_and_early_stopping(dtype, monkeypatch):
    use_dtype(dtype)
    x, y = _data("binary_crossentropy", 1, n=80)

    def make():
        return _model("sigmoid", 1, hidden="linear", loss="binary_crossentropy",
                      metrics=["accuracy"])

    kwargs = dict(epochs=6, validation_split=0.25, batch_size=10)
    for shuffle in (True, False):
        general = _fit(make, x, y, False, monkeypatch, shuffle=shuffle, **kwargs,
                       callbacks=[callbacks.EarlyStopping(monitor="loss", patience=1)])
        fused = _fit(make, x, y, True, monkeypatch, shuffle=shuffle, **kwargs,
                     callbacks=[callbacks.EarlyStopping(monitor="loss", patience=1)])
        assert_same_fit(general, fused, dtype)
        assert "val_accuracy" in fused[0]


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seeds", [(None, None), (5, 5), (None, 5)],
                         ids=["global-rng", "seeded-layers", "global-and-seeded"])
@pytest.mark.parametrize("batch_size", [8, 7, 100], ids=["full-batches", "partial", "one-batch"])
def test_fused_with_dropout_equals_general(dtype, seeds, batch_size, monkeypatch):
    """Dropout masks are drawn batch by batch in layer order, as the forward passes draw them
    (the fused path draws them in a few large draws that give the same numbers)."""
    use_dtype(dtype)
    x, y = _data("categorical_crossentropy", 4, n=61)

    def make():
        return _model("softmax", 4, loss="categorical_crossentropy", metrics=["accuracy"],
                      first_extra=[Dropout(0.4, seed=seeds[0])],
                      extra=[Dropout(0.25, seed=seeds[1])])

    kwargs = dict(epochs=3, validation_split=0.2, batch_size=batch_size)
    general = _fit(make, x, y, False, monkeypatch, **kwargs)
    after_general = np.random.random()
    fused = _fit(make, x, y, True, monkeypatch, **kwargs)
    assert np.random.random() == after_general
    assert_same_fit(general, fused, dtype)


@needs_numba
def test_seeded_runs_consume_the_global_rng_as_before(monkeypatch):
    """Shuffling draws one np.random.permutation per epoch on both paths."""
    x, y = _data("mse", 2)
    make = lambda: _model("linear", 2)  # noqa: E731
    _fit(make, x, y, False, monkeypatch, epochs=2)
    after_general = np.random.random()
    _fit(make, x, y, True, monkeypatch, epochs=2)
    assert np.random.random() == after_general


@needs_numba
def test_verbose_2_prints_the_same_epoch_lines(monkeypatch, capsys):
    x, y = _data("mse", 2)
    lines = []
    for fused in (False, True):
        monkeypatch.setattr(fastpath, "epoch_runner",
                            EPOCH_RUNNER if fused else (lambda *a: None))
        _model("linear", 2).fit(x, y, epochs=2, batch_size=8, verbose=2)
        lines.append([line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()])
    assert lines[0] == lines[1] and len(lines[0]) == 4


class BatchHook(callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pass


FALLBACKS = {
    "elu hidden": dict(hidden="elu"),
    "dropout last": dict(last_extra=[Dropout(0.5)]),
    "dropout noise_shape": dict(extra=[Dropout(0.5, noise_shape=(1, 6))]),
    "two dropouts in a row": dict(extra=[Dropout(0.5), Dropout(0.2)]),
    "amsgrad": dict(optimizer=optimizers.Adam(amsgrad=True)),
    "clipnorm": dict(optimizer=optimizers.Adam(clipnorm=1.0)),
    "rmsprop centered": dict(optimizer=optimizers.RMSprop(centered=True)),
    "adagrad": dict(optimizer=optimizers.Adagrad()),
}


@pytest.mark.parametrize("case", sorted(FALLBACKS))
def test_unsupported_models_fall_back(case, monkeypatch):
    x, y = _data("mse", 2)

    def make():
        kwargs = dict(FALLBACKS[case])
        if "optimizer" in kwargs:  # a fresh optimizer for each model
            kwargs["optimizer"] = type(kwargs["optimizer"]).from_config(
                kwargs["optimizer"].get_config())
        for key in ("extra", "last_extra"):  # fresh layers for each model
            if key in kwargs:
                kwargs[key] = [type(layer).from_config(layer.get_config())
                               for layer in kwargs[key]]
        return _model("linear", 2, **kwargs)

    _fit(make, x, y, False, monkeypatch, epochs=1)
    model = make()
    model.fit(x, y, epochs=1, verbose=0)
    cbs = callbacks.CallbackList([], add_history=True, model=model, verbose=0, epochs=1, steps=1)
    assert EPOCH_RUNNER(model, x, y.astype(x.dtype), None, True, cbs) is None


@pytest.mark.parametrize("fit_kwargs", [
    dict(verbose=1), dict(callbacks=[BatchHook()]), dict(sample_weight=np.ones(53)),
    dict(shuffle="batch"),
], ids=["verbose1", "batch-callback", "sample_weight", "shuffle-batch"])
def test_unsupported_fit_calls_fall_back(fit_kwargs, monkeypatch, capsys):
    x, y = _data("mse", 2)
    seen = []
    real = EPOCH_RUNNER
    monkeypatch.setattr(fastpath, "epoch_runner", lambda *a: seen.append(real(*a)))
    monkeypatch.setattr(progbar_logger, "is_dynamic_display", lambda: True)  # a live bar
    _model("linear", 2).fit(x, y, epochs=1, **{"verbose": 0, **fit_kwargs})
    assert seen == [None]


def _without_timings(text):
    return re.sub(r"\d+(us|ms|s)(/step)?", "T", text)


@needs_numba
def test_verbose_1_into_a_pipe_runs_fused_and_prints_the_same(monkeypatch, capsys):
    """Into a pipe the bar writes one line when all steps are done: the fused paths feed it
    the same logs, so the printed text is the general path's (timings aside)."""
    x, y = _data("binary_crossentropy", 1)
    monkeypatch.setattr(progbar_logger, "is_dynamic_display", lambda: False)
    plans = []

    def run(plan_fused, plan_fused_forward):
        monkeypatch.setattr(fastpath, "epoch_runner",
                            lambda *a: plans.append(plan_fused(*a)) or plans[-1])
        monkeypatch.setattr(fastpath, "inference_runner",
                            lambda *a: plans.append(plan_fused_forward(*a)) or plans[-1])
        model = _model("sigmoid", 1, loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=2, batch_size=8, verbose=1)
        model.evaluate(x, y, verbose=1)
        model.predict(x, verbose=1)
        return _without_timings(capsys.readouterr().out)

    fused = run(EPOCH_RUNNER, INFERENCE_RUNNER)
    assert len(plans) == 3 and all(plan is not None for plan in plans)  # fit, evaluate, predict
    general = run(lambda *a: None, lambda *a: None)
    assert fused == general
    assert "Epoch 2/2" in fused and "accuracy:" in fused


def test_probability_form_crossentropy_falls_back(monkeypatch):
    """With config.set_logits_crossentropy(False) the fused (logits) kernel must not run."""
    from minikeras import config

    monkeypatch.setattr(config, "_LOGITS_CROSSENTROPY", False)
    x, y = _data("binary_crossentropy", 1)
    model = _model("sigmoid", 1, loss="binary_crossentropy")
    cbs = callbacks.CallbackList([], add_history=True, model=model, verbose=0, epochs=1, steps=1)
    assert EPOCH_RUNNER(model, x.astype("float32"), y.astype("float32"), None, True,
                                   cbs) is None
    config.set_logits_crossentropy(True)
    assert (EPOCH_RUNNER(model, x.astype("float32"), y.astype("float32"), None, True,
                                    cbs) is not None) == NUMBA


def test_numpy_reference_path_never_fuses(monkeypatch):
    monkeypatch.setattr(kernels, "KERNELS", "numpy")
    x, y = _data("mse", 2)
    model = _model("linear", 2)
    cbs = callbacks.CallbackList([], add_history=True, model=model, verbose=0, epochs=1, steps=1)
    assert EPOCH_RUNNER(model, x.astype("float32"), y.astype("float32"), None, True,
                                   cbs) is None


# ---- evaluate / predict (and validation inside fit) on the fused forward kernel ----------------
def _forward_plans(monkeypatch):
    """Record what plan_fused_forward returns; the general path runs when `off` is set."""
    seen, state = [], {"off": False}
    real = INFERENCE_RUNNER

    def plan(*args, **kwargs):
        result = None if state["off"] else real(*args, **kwargs)
        seen.append(result)
        return result

    monkeypatch.setattr(fastpath, "inference_runner", plan)
    return seen, state


def _evaluate_and_predict(model, x, y, **kwargs):
    results = model.evaluate(x, y, verbose=0, return_dict=True, **kwargs)
    return results, model.predict(x, verbose=0, **kwargs)


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("head", HEADS, ids=[f"{h[0]}-{h[1]}" for h in HEADS])
@pytest.mark.parametrize("batch_size", [None, 7, 1000])
def test_fused_evaluate_and_predict_equal_general(dtype, head, batch_size, monkeypatch):
    use_dtype(dtype)
    loss, last, units, metrics = head
    x, y = _data(loss, units, n=45)
    model = _model(last, units, loss=loss, metrics=metrics,
                   extra=[Dropout(0.3)])  # Dropout: the identity at inference
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    seen, state = _forward_plans(monkeypatch)
    fused = _evaluate_and_predict(model, x, y, batch_size=batch_size)
    # predict asks for a runner only with more than one batch (one runs the layers' kernels)
    assert all(plan is not None for plan in seen)
    assert len(seen) == 1 + (len(x) > (batch_size or 32))
    state["off"] = True
    general = _evaluate_and_predict(model, x, y, batch_size=batch_size)
    assert fused[0].keys() == general[0].keys()
    for key in general[0]:
        assert_close(fused[0][key], general[0][key], FUSED_TOL[dtype], f"evaluate {key}")
    assert fused[1].dtype == general[1].dtype
    assert_close(fused[1], general[1], FUSED_TOL[dtype], "predict")
    assert not np.array_equal(general[1], _model(last, units, loss=loss).predict(x, verbose=0))


@needs_numba
def test_fused_predict_one_sample_and_any_last_activation(monkeypatch):
    """predict applies the last layer's own activation: tanh/softmax/... need no kernel code."""
    x, _ = _data("mse", 2)
    for last in ("tanh", "softmax", "linear", "elu"):
        model = _model(last, 3)
        seen, state = _forward_plans(monkeypatch)
        state["off"] = False
        fused = [model.predict(x[:1], verbose=0), model.predict(x, verbose=0, batch_size=5)]
        assert all(plan is not None for plan in seen)
        state["off"] = True
        general = [model.predict(x[:1], verbose=0), model.predict(x, verbose=0, batch_size=5)]
        for mine, theirs in zip(fused, general, strict=True):
            assert mine.shape == theirs.shape
            assert_close(mine, theirs, FUSED_TOL["float32"], f"predict {last}")


class PredictHook(callbacks.Callback):
    def on_predict_batch_end(self, batch, logs=None):
        pass


class EvalBatchHook(callbacks.Callback):
    def on_test_batch_begin(self, batch, logs=None):
        pass


def _users_relu():
    def relu(x):  # a user's function that shares the name of the library's relu
        return np.maximum(np.asarray(x), 0) * 2
    return relu


USERS_RELU = _users_relu()

# case: (model kwargs, call kwargs, (evaluate fused?, predict fused?))
FORWARD_FALLBACKS = {
    "elu hidden": (dict(hidden="elu"), {}, (False, False)),
    "a user's function named relu": (dict(hidden=USERS_RELU), {}, (False, False)),
    "kernel regularizer (evaluate adds its penalty)": (
        dict(first_extra=[Dense(4, kernel_regularizer="l2")]), {}, (False, True)),
    "verbose 1 live bar": ({}, dict(verbose=1), (False, False)),
    "predict batch hook": ({}, dict(callbacks=[PredictHook()]), (True, False)),
    "test batch hook": ({}, dict(callbacks=[EvalBatchHook()]), (False, True)),
}


@needs_numba
@pytest.mark.parametrize("case", sorted(FORWARD_FALLBACKS))
def test_unsupported_evaluate_and_predict_fall_back(case, monkeypatch, capsys):
    model_kwargs, call_kwargs, expected = FORWARD_FALLBACKS[case]
    x, y = _data("mse", 2)
    model = _model("linear", 2, **model_kwargs)
    seen, _ = _forward_plans(monkeypatch)
    monkeypatch.setattr(progbar_logger, "is_dynamic_display", lambda: True)  # a live bar
    kwargs = {"verbose": 0, **call_kwargs}
    model.evaluate(x, y, **kwargs)
    model.predict(x, **kwargs)
    assert tuple(plan is not None for plan in seen) == expected


@needs_numba
def test_evaluate_with_sample_weight_or_probability_loss_falls_back(monkeypatch):
    from minikeras import config

    x, y = _data("binary_crossentropy", 1)
    model = _model("sigmoid", 1, loss="binary_crossentropy")
    seen, _ = _forward_plans(monkeypatch)
    model.evaluate(x, y, sample_weight=np.ones(len(x)), verbose=0)
    monkeypatch.setattr(config, "_LOGITS_CROSSENTROPY", False)
    model.evaluate(x, y, verbose=0)
    assert seen == [None, None]


@needs_numba
def test_fused_predict_on_an_uncompiled_model_and_frozen_layers(monkeypatch):
    """predict needs no loss or optimizer, and frozen (trainable=False) Dense layers are fine."""
    x, _ = _data("mse", 2)
    np.random.seed(4)
    model = Sequential([Dense(5, activation="relu", input_dim=5), Dropout(0.5), Dense(2)])
    model.layers[0].trainable = False
    seen, state = _forward_plans(monkeypatch)
    fused = model.predict(x, verbose=0)
    state["off"] = True
    general = model.predict(x, verbose=0)
    assert seen[0] is not None and seen[1] is None
    assert np.array_equal(fused, general)


def test_a_users_function_named_like_a_library_activation_runs_as_itself():
    """The kernels' activation codes are for minikeras's own functions only: a user's
    function named "relu" must not be replaced by minikeras's relu in a compiled path (a
    fused predict once did, silently)."""
    x, _ = _data("mse", 2)
    model = _model("linear", 2, hidden=USERS_RELU)
    x32 = x.astype(model.layers[0].kernel.value.dtype)
    expected = np.asarray(model(x32))
    first = model.layers[0]
    np.testing.assert_allclose(first.forward(x32), USERS_RELU(
        x32 @ first.kernel.value + first.bias.value), rtol=1e-6)
    np.testing.assert_array_equal(model.predict(x32, verbose=0), expected)


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["linear", "relu", "sigmoid", "tanh", "softmax", "elu"])
def test_runners_activate_the_logits_with_the_layers_bits(dtype, name, monkeypatch):
    """The runners turn the last Dense layer's logits into the model's output with the epoch
    kernels' own compiled loop (activate_into) where that gives the layer's bits, and with the
    layer's activation elsewhere (softmax, elu; tanh in float64): the layer's bits either way."""
    from minikeras.fastpath import feed

    calls = []
    loop = kernels.activations.activate_into
    monkeypatch.setattr(kernels.activations, "activate_into",
                        lambda *args: calls.append(args[2]) or loop(*args))
    rng = np.random.default_rng(5)
    logits = (rng.standard_normal((40, 3)) * 8).astype(dtype)
    logits[0] = [np.nan, np.inf, -np.inf]
    logits[1] = [0.0, -0.0, 1e-30]
    layer = Dense(3, activation=name)
    expected = layer.activation(logits.copy())
    np.testing.assert_array_equal(feed.activate_logits(layer, logits), expected)
    in_loop = name in ("linear", "relu", "sigmoid") or (name == "tanh" and dtype == "float32")
    assert len(calls) == in_loop
