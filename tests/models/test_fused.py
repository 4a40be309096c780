"""The fused epoch path (models/fused.py) gives the general per-batch path's histories and
weights, for every supported combination; anything else falls back to the general path."""

import numpy as np
import pytest
from helpers import assert_close, use_dtype

from minikeras import callbacks, kernels, optimizers
from minikeras.layers.dense import Dense
from minikeras.layers.dropout import Dropout
from minikeras.models import Sequential
from minikeras.models import fused as fused_module
from minikeras.models import trainer as trainer_module

NUMBA = kernels.KERNELS == "numba"
needs_numba = pytest.mark.skipif(not NUMBA, reason="the fused path runs on the numba path only")
TOL = {"float32": 1e-6, "float64": 1e-12}

# (loss, last activation, units, metrics)
HEADS = [
    ("binary_crossentropy", "sigmoid", 1, ["accuracy"]),
    ("categorical_crossentropy", "softmax", 4, ["accuracy", "mae"]),
    ("sparse_categorical_crossentropy", "softmax", 4, ["accuracy"]),
    ("mse", "linear", 2, ["mae"]),
    ("mae", "sigmoid", 1, []),
    ("mse", "relu", 3, []),
]
OPTIMIZERS = [
    lambda: optimizers.Adam(learning_rate=0.01),
    lambda: optimizers.SGD(learning_rate=0.05),
    lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    lambda: optimizers.RMSprop(learning_rate=0.005),
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
    real = fused_module.plan_fused

    def plan(*args):
        result = real(*args) if fused else None
        calls.append(result)
        return result

    monkeypatch.setattr(trainer_module, "plan_fused", plan)
    model = make()
    np.random.seed(11)
    history = model.fit(x, y, batch_size=kwargs.pop("batch_size", 8), verbose=0, **kwargs)
    assert (calls[0] is not None) == fused, "the fused path was expected" if fused else ""
    return history.history, model.get_weights(), model


def _assert_same(a, b, dtype):
    (h1, w1, _), (h2, w2, _) = a, b
    assert h1.keys() == h2.keys()
    for key in h1:
        assert_close(h2[key], h1[key], TOL[dtype], f"history {key}")
    for i, (mine, theirs) in enumerate(zip(w2, w1, strict=True)):
        assert_close(mine, theirs, TOL[dtype], f"weight {i}")


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("head", HEADS, ids=[f"{h[0]}-{h[1]}" for h in HEADS])
@pytest.mark.parametrize("opt", range(len(OPTIMIZERS)))
def test_fused_equals_general(dtype, head, opt, monkeypatch):
    use_dtype(dtype)
    loss, last, units, metrics = head
    x, y = _data(loss, units)

    def make():
        return _model(last, units, optimizer=OPTIMIZERS[opt](), loss=loss, metrics=metrics)

    general = _fit(make, x, y, False, monkeypatch, epochs=3)
    fused = _fit(make, x, y, True, monkeypatch, epochs=3)
    _assert_same(general, fused, dtype)
    assert int(fused[2].optimizer.iterations) == int(general[2].optimizer.iterations) == 21


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
        _assert_same(general, fused, dtype)
        assert "val_accuracy" in fused[0]


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [None, 5], ids=["global-rng", "seeded-layer"])
def test_fused_with_dropout_equals_general(dtype, seed, monkeypatch):
    """Dropout masks are drawn batch by batch in layer order, as the forward passes draw them."""
    use_dtype(dtype)
    x, y = _data("categorical_crossentropy", 4, n=61)

    def make():
        return _model("softmax", 4, loss="categorical_crossentropy", metrics=["accuracy"],
                      first_extra=[Dropout(0.4, seed=seed)], extra=[Dropout(0.25, seed=seed)])

    general = _fit(make, x, y, False, monkeypatch, epochs=3, validation_split=0.2)
    after_general = np.random.random()
    fused = _fit(make, x, y, True, monkeypatch, epochs=3, validation_split=0.2)
    assert np.random.random() == after_general
    _assert_same(general, fused, dtype)


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
        monkeypatch.setattr(trainer_module, "plan_fused",
                            fused_module.plan_fused if fused else (lambda *a: None))
        _model("linear", 2).fit(x, y, epochs=2, batch_size=8, verbose=2)
        lines.append([line.split(" - ")[0] for line in capsys.readouterr().out.splitlines()])
    assert lines[0] == lines[1] and len(lines[0]) == 4


class BatchHook(callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        pass


FALLBACKS = {
    "tanh hidden": dict(hidden="tanh"),
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
    assert fused_module.plan_fused(model, x, y.astype(x.dtype), None, True, cbs) is None


@pytest.mark.parametrize("fit_kwargs", [
    dict(verbose=1), dict(callbacks=[BatchHook()]), dict(sample_weight=np.ones(53)),
    dict(shuffle="batch"),
], ids=["verbose1", "batch-callback", "sample_weight", "shuffle-batch"])
def test_unsupported_fit_calls_fall_back(fit_kwargs, monkeypatch, capsys):
    x, y = _data("mse", 2)
    seen = []
    real = fused_module.plan_fused
    monkeypatch.setattr(trainer_module, "plan_fused", lambda *a: seen.append(real(*a)))
    _model("linear", 2).fit(x, y, epochs=1, **{"verbose": 0, **fit_kwargs})
    assert seen == [None]


def test_probability_form_crossentropy_falls_back(monkeypatch):
    """With config.set_logits_crossentropy(False) the fused (logits) kernel must not run."""
    from minikeras import config

    monkeypatch.setattr(config, "_LOGITS_CROSSENTROPY", False)
    x, y = _data("binary_crossentropy", 1)
    model = _model("sigmoid", 1, loss="binary_crossentropy")
    cbs = callbacks.CallbackList([], add_history=True, model=model, verbose=0, epochs=1, steps=1)
    assert fused_module.plan_fused(model, x.astype("float32"), y.astype("float32"), None, True,
                                   cbs) is None
    config.set_logits_crossentropy(True)
    assert (fused_module.plan_fused(model, x.astype("float32"), y.astype("float32"), None, True,
                                    cbs) is not None) == NUMBA


def test_numpy_reference_path_never_fuses(monkeypatch):
    monkeypatch.setattr(kernels, "KERNELS", "numpy")
    x, y = _data("mse", 2)
    model = _model("linear", 2)
    cbs = callbacks.CallbackList([], add_history=True, model=model, verbose=0, epochs=1, steps=1)
    assert fused_module.plan_fused(model, x.astype("float32"), y.astype("float32"), None, True,
                                   cbs) is None
