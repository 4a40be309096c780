"""Callbacks: the same hook calls in minikeras and in Keras 3 give the same events and output.

Each test drives both libraries' objects with one script (a fake model, scripted logs, a fake
clock) and compares what they record, print, warn and decide.
"""

import contextlib
import io
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import callbacks as mk
from minikeras import config as mk_config
from minikeras.callbacks.lambda_callback import HOOKS
from minikeras.callbacks.monitor_callback import as_keras_scalar
from minikeras.utils import progbar as mk_progbar

keras = pytest.importorskip("keras")
kc = keras.callbacks
from keras.src.trainers.compile_utils import MetricsList  # noqa: E402


class FakeModel:
    """What callbacks need from a model: stop_training, history, get/set_weights, metrics."""

    def __init__(self, metrics=()):
        self.stop_training = False
        self.history = None
        self.weights = -1
        self.metrics = list(metrics)

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights


def recorder(base, hooks=HOOKS):
    """A callback class (on `base`) whose given hooks append (hook, args, kwargs) to .events."""

    def make(name):
        def hook(self, *args, **kwargs):
            self.events.append((name, args, kwargs))
        return hook

    body = {name: make(name) for name in hooks}
    body["__init__"] = lambda self: (base.__init__(self), setattr(self, "events", []))[0]
    return type("Recorder", (base,), body)


def plain(x):
    """Events made comparable: arrays as (dtype, list), dicts in their own order."""
    if isinstance(x, np.ndarray):
        return ("array", x.dtype.name, x.tolist())
    if isinstance(x, dict):
        return [("dict", k, plain(v)) for k, v in x.items()]
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return (type(x).__name__, x)


def drive(lib, make_list, steps=3, epochs=2, logs_for=None):
    """A scripted fit (with validation through the same list), then evaluate, then predict."""
    logs_for = logs_for or (lambda e, s: {"loss": np.float32(1.0 / (e + s + 1)),
                                          "accuracy": 0.25 * s, "mae": 3 + e})
    cbs = make_list(lib, "fit", epochs, steps)
    cbs.on_train_begin()
    logs = None
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            time.time.now += 0.01 * (step + 1)
            cbs.on_train_batch_end(step, logs_for(epoch, step))
        logs = dict(logs_for(epoch, steps - 1))
        cbs.on_test_begin()
        for step in range(2):
            cbs.on_test_batch_begin(step)
            cbs.on_test_batch_end(step, {"loss": 0.5 + step})
        cbs.on_test_end({"loss": 0.75, "nested": {"z": 1, "a": np.float64(2.5)}})
        logs.update({"val_loss": 0.75 - 0.1 * epoch, "val_accuracy": 1e-5})
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end(logs)
    cbs = make_list(lib, "evaluate", 1, steps)
    cbs.on_test_begin()
    for step in range(steps):
        cbs.on_test_batch_begin(step)
        time.time.now += 0.002
        cbs.on_test_batch_end(step, {"loss": 0.1 * step, "accuracy": 0.9})
    cbs.on_test_end({"loss": 0.2, "accuracy": 0.9})
    cbs = make_list(lib, "predict", 1, steps)
    cbs.on_predict_begin()
    for step in range(steps):
        cbs.on_predict_batch_begin(step)
        time.time.now += 0.5
        cbs.on_predict_batch_end(step, {"outputs": np.full((2 - step % 2, 1), step, np.float32)})
    cbs.on_predict_end()



LIBS = {"mine": mk, "keras": kc}


def test_dispatch_matches_keras(clock):
    """Every hook reaches every callback in order, with Keras's arguments and plain logs."""
    recorded = {}
    for name, lib in LIBS.items():
        full = recorder(lib.Callback)()
        alias_only = recorder(lib.Callback, ["on_batch_begin", "on_batch_end"])()

        def make_list(lib, kind, epochs, steps, cbs=(full, alias_only)):
            return lib.CallbackList(list(cbs), add_history=kind == "fit", model=FakeModel(),
                                    verbose=0, epochs=epochs, steps=steps)

        drive(lib, make_list)
        recorded[name] = (plain(full.events), plain(alias_only.events), full.params)
    assert recorded["mine"] == recorded["keras"]
    events = recorded["mine"][0]
    assert len(events) > 40 and len(recorded["mine"][1]) == 12  # 2 epochs x 3 steps x 2 aliases


def test_history_matches_keras(clock):
    results = {}
    for name, lib in LIBS.items():
        model = FakeModel()

        def make_list(lib, kind, epochs, steps, model=model):
            return lib.CallbackList(None, add_history=kind == "fit", model=model, verbose=0,
                                    epochs=epochs, steps=steps)

        drive(lib, make_list, epochs=3)
        hist = model.history
        first = (dict(hist.history), list(hist.epoch), hist.params)
        # Reused in a second fit: epochs restart, the history keeps growing (as Keras).
        cbs = lib.CallbackList([hist], add_history=True, model=model, verbose=0, epochs=1,
                               steps=1)
        cbs.on_train_begin()
        cbs.on_epoch_begin(0)
        cbs.on_epoch_end(0, {"loss": 9.0})
        cbs.on_train_end()
        results[name] = plain([first, hist.history, hist.epoch, model.history is hist])
    assert results["mine"] == results["keras"]
    history = results["mine"][0][0]
    assert [key for _, key, _ in history] == ["accuracy", "loss", "mae", "val_accuracy",
                                               "val_loss"]  # sorted, as pythonify_logs sorts


def progbar_outputs(verbose, epochs, steps, clock, monkeypatch, dynamic, extra=()):
    outputs = {}
    monkeypatch.setattr(mk_progbar, "is_dynamic_display", lambda: dynamic)
    for name, lib in LIBS.items():
        clock.now = 1000.0
        extras = [cls() for cls in extra[name]] if extra else []

        def make_list(lib, kind, epochs, steps_, extras=extras):
            return lib.CallbackList(extras if kind == "fit" else None,
                                    add_history=kind == "fit", add_progbar=True,
                                    model=FakeModel(), verbose=verbose, epochs=epochs, steps=steps)

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            drive(lib, make_list, epochs=epochs, steps=3)
        outputs[name] = out.getvalue()
    return outputs


@pytest.mark.parametrize("verbose", [1, 2, "auto"])
@pytest.mark.parametrize("epochs,steps", [(1, 3), (3, 3), (2, None)])
def test_progbar_logger_matches_keras(clock, monkeypatch, verbose, epochs, steps):
    """fit (Epoch i/N headers, val_ keys at the end, silent validation), evaluate, predict."""
    live = progbar_outputs(verbose, epochs, steps, clock, monkeypatch, dynamic=True)
    assert live["mine"] == live["keras"], f"\nmine  ={live['mine']!r}\ntheirs={live['keras']!r}"
    pipe = progbar_outputs(verbose, epochs, steps, clock, monkeypatch, dynamic=False)
    theirs = [line.rsplit("\r", 1)[-1].rstrip(" ") for line in pipe["keras"].split("\n")]
    assert pipe["mine"].split("\n") == theirs
    lines = pipe["mine"].split("\n")[:-1]
    assert len(lines) == (epochs if epochs > 1 else 0) + epochs + 2  # headers, epochs, eval, pred
    assert "val_accuracy: 1.0000e-05 - val_loss:" in pipe["mine"]


def test_progbar_logger_prints_early_stopping_like_keras(clock, monkeypatch):
    extra = {"mine": lambda: mk.EarlyStopping("val_loss", verbose=1, restore_best_weights=True),
             "keras": lambda: kc.EarlyStopping("val_loss", verbose=1, restore_best_weights=True)}
    extra = {name: [make] for name, make in extra.items()}
    out = progbar_outputs(2, 3, 3, clock, monkeypatch, dynamic=True, extra=extra)
    assert out["mine"] == out["keras"] and "Restoring model weights" in out["mine"]


def play(lib, kwargs, values, model=None, monitor="val_loss", stop_at=None):
    """Run EarlyStopping over per-epoch values (None: the monitor is missing from the logs)."""
    model = model or FakeModel()
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        stopper = lib.EarlyStopping(monitor=monitor, **kwargs)
        stopper.set_model(model)
        stopper.on_train_begin()
        trained = 0
        for epoch, value in enumerate(values):
            trained += 1
            model.weights = epoch
            stopper.on_epoch_end(epoch, {} if value is None else {monitor: value, "x": 1.0})
            if epoch == stop_at:
                model.stop_training = True
            if model.stop_training:
                break
        stopper.on_train_end()
    best = None if stopper.best is None else float(stopper.best)
    return dict(trained=trained, stopped_epoch=stopper.stopped_epoch, best=best,
                best_epoch=stopper.best_epoch, wait=stopper.wait, weights=model.weights,
                stop=model.stop_training, out=out.getvalue(),
                warnings=[str(w.message) for w in caught])


def test_keras_goldens_patience():
    """keras/src/callbacks/early_stopping_test.py::test_early_stopping_patience."""
    losses = [10.0, 9.0, 8.0, 9.0, 8.9, 8.8, 8.7, 8.6, 8.5]
    for patience in [0, 1, 2, 3]:
        result = play(mk, dict(patience=patience), losses, monitor="loss")
        assert result["stopped_epoch"] == max(patience, 1) + 2


def test_keras_goldens_restore_best_weights():
    """keras/src/callbacks/early_stopping_test.py::
    test_early_stopping_final_weights_when_restoring_model_weights."""
    result = play(mk, dict(patience=2, restore_best_weights=True), [0.2, 0.15, 0.1, 0.11, 0.12])
    assert result["weights"] == 2
    kwargs = dict(patience=5, baseline=0.5, restore_best_weights=True)
    result = play(mk, kwargs, [0.9, 0.8, 0.7, 0.71, 0.72, 0.73])
    assert (result["trained"], result["weights"]) == (5, 2)
    result = play(mk, kwargs, [0.9, 0.8, 0.7, 0.71, 0.72, 0.73], stop_at=3)
    assert (result["trained"], result["weights"]) == (4, 2)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.sampled_from([None, 0.1, 0.3, 0.30000001, 0.31, 0.5, 0.5 - 1e-9,
                                        0.7, 1.0, 2.0, -1.0, np.float64(0.5 - 1e-9),
                                        np.float32(0.3)]), min_size=1, max_size=12),
       patience=st.integers(0, 4), min_delta=st.sampled_from([0, 0.01, 0.2, -0.05]),
       mode=st.sampled_from(["auto", "min", "max"]), baseline=st.sampled_from([None, 0.5, 0.3]),
       restore=st.booleans(), start=st.integers(0, 3), verbose=st.sampled_from([0, 1]),
       monitor=st.sampled_from(["loss", "val_loss"]), stop_at=st.sampled_from([None, 2]))
def test_early_stopping_matches_keras(values, patience, min_delta, mode, baseline, restore, start,
                                      verbose, monitor, stop_at):
    """Every decision, message and warning, on random sequences with ties and near-ties."""
    kwargs = dict(patience=patience, min_delta=min_delta, mode=mode, baseline=baseline,
                  restore_best_weights=restore, start_from_epoch=start, verbose=verbose)
    mine = play(mk, kwargs, values, monitor=monitor, stop_at=stop_at)
    theirs = play(kc, kwargs, values, monitor=monitor, stop_at=stop_at)
    assert mine == theirs


@pytest.mark.parametrize("floatx", ["float32", "float64"])
def test_comparisons_are_float32_like_keras(floatx):
    """Keras compares Python floats as float32 tensors, whatever floatx: 0.5 - 1e-9 == 0.5."""
    keras.config.set_floatx(floatx)
    mk_config.set_floatx(floatx)
    values = [0.5, 0.5 - 1e-9, 0.5 - 1e-9]
    kwargs = dict(patience=1, mode="min")
    mine, theirs = play(mk, kwargs, values), play(kc, kwargs, values)
    assert mine == theirs and mine["best_epoch"] == 0 and mine["stopped_epoch"] == 1
    assert as_keras_scalar(0.1).dtype == np.float32 and as_keras_scalar(3).dtype == np.int32
    assert as_keras_scalar(np.float64(0.1)).dtype == np.float64


class FakeMetric:
    def __init__(self, name, direction):
        self.name, self._direction = name, direction


class FakeContainer:
    def __init__(self, metrics):
        self.name, self.metrics = "compile_metrics", metrics


@pytest.mark.parametrize("monitor", ["accuracy", "val_accuracy", "mae", "val_mae"])
def test_auto_mode_reads_metric_direction_like_keras(monitor):
    mine_model = FakeModel([FakeMetric("loss", "down"),
                            FakeContainer([FakeMetric("accuracy", "up"),
                                           FakeMetric("mae", "down")])])
    keras_model = FakeModel([keras.metrics.Mean(name="loss"),
                             MetricsList([keras.metrics.BinaryAccuracy(name="accuracy"),
                                          keras.metrics.MeanAbsoluteError(name="mae")])])
    values = [0.5, 0.6, 0.55, 0.4, 0.7, 0.3]
    kwargs = dict(patience=1, min_delta=0.01)
    mine = play(mk, kwargs, values, model=mine_model, monitor=monitor)
    theirs = play(kc, kwargs, values, model=keras_model, monitor=monitor)
    assert mine == theirs


def test_auto_mode_unknown_direction_raises_like_keras():
    errors = []
    for lib in LIBS.values():
        with pytest.raises(ValueError) as info:
            play(lib, {}, [0.5], monitor="val_f1")
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "mode='max'" in errors[0]


def test_unknown_mode_warns_like_keras():
    messages = []
    for lib in LIBS.values():
        with pytest.warns(UserWarning) as caught:
            stopper = lib.EarlyStopping(mode="maximum")
        messages.append((str(caught[0].message), stopper.mode))
    assert messages[0] == messages[1] == ("EarlyStopping mode 'maximum' is unknown, fallback "
                                          "to auto mode.", "auto")


def test_missing_monitor_warns_like_keras():
    mine, theirs = play(mk, {}, [None, None]), play(kc, {}, [None, None])
    assert mine == theirs and len(mine["warnings"]) == 2
    assert "`val_loss` which is not available" in mine["warnings"][0]


def test_lambda_callback_hooks_fire_in_order_like_keras(clock):
    events = {}
    for name, lib in LIBS.items():
        seen = []

        def note(hook, seen=seen):
            return lambda *args, **kwargs: seen.append((hook, args, sorted(kwargs)))

        hooks = {hook: note(hook) for hook in ["on_epoch_begin", "on_epoch_end", "on_train_begin",
                                               "on_train_end", "on_train_batch_begin",
                                               "on_test_begin", "on_predict_batch_end"]}
        hooks["on_batch_end"] = note("on_batch_end")  # through the alias

        def make_list(lib, kind, epochs, steps, hooks=hooks):
            return lib.CallbackList([lib.LambdaCallback(**hooks)], model=FakeModel(),
                                    verbose=0, epochs=epochs, steps=steps)

        drive(lib, make_list, epochs=2, steps=2)
        events[name] = plain(seen)
    assert events["mine"] == events["keras"]
    order = [event[0][1] for event in events["mine"]]
    assert order[:4] == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
                         "on_batch_end"]


def test_callback_list_keeps_given_history_and_progbar():
    history, progbar = mk.History(), mk.ProgbarLogger()
    model = FakeModel()
    cbs = mk.CallbackList([[history], (progbar,)], add_history=True, add_progbar=True,
                          model=model, verbose=1, epochs=2, steps=5)
    assert cbs.callbacks == [history, progbar] and model.history is history
    assert progbar.target == 5 and progbar.epochs == 2 and history.model is model
    assert cbs.model is model and history.params == {"verbose": 1, "epochs": 2, "steps": 5}


def test_pythonify_logs_like_keras():
    from keras.src.utils.python_utils import pythonify_logs as keras_pythonify

    from minikeras.callbacks.callback_list import pythonify_logs
    logs = {"z": np.float32(0.1), "a": {"m": np.int64(3), "b": "text"}, "arr": np.ones(2),
            "one": np.array([[2.0]]), "none": None}
    assert plain(pythonify_logs(logs)) == plain(keras_pythonify(logs))
    assert list(pythonify_logs(logs)) == ["b", "m", "arr", "none", "one", "z"]


def test_bad_arguments():
    with pytest.raises(TypeError, match="callbacks=5"):
        mk.CallbackList(5)
    with pytest.raises(TypeError, match="of type object"):
        mk.CallbackList([mk.History(), object()])
    with pytest.raises(ValueError, match="`on_train_end` called without a matching"):
        mk.CallbackList([]).on_train_end()
    with pytest.raises(ValueError, match=r"needs the params \['epochs', 'steps'\]"):
        mk.ProgbarLogger().set_params({"verbose": 1})
    with pytest.raises(TypeError, match="monitor=3"):
        mk.EarlyStopping(monitor=3)
    with pytest.raises(TypeError, match="patience='3'"):
        mk.EarlyStopping(patience="3")
    with pytest.raises(TypeError, match="start_from_epoch=None"):
        mk.EarlyStopping(start_from_epoch=None)
    with pytest.raises(ValueError, match="Did you mean 'on_epoch_end'"):
        mk.LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match="on_epoch_end=3"):
        mk.LambdaCallback(on_epoch_end=3)
    with pytest.raises(TypeError, match="on_test_end='x'"):
        mk.LambdaCallback(on_test_end="x")
