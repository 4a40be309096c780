"""fit / evaluate / predict against real Keras: 20-step trajectories, validation, weights,
metrics, reproducibility, and the errors raised before any kernel runs."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import (
    F32_FORWARD,
    F32_TRAJECTORY,
    F64,
    assert_as_accurate,
    assert_close,
    max_rel_error,
    use_dtype,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minikeras

keras = pytest.importorskip("keras")

# (output units, output activation, loss, optimizer config, label kind)
CASES = {
    "bce-adam": (1, "sigmoid", "binary_crossentropy", ("Adam", {}), "binary"),
    "bce-sgd-nesterov": (1, "sigmoid", "binary_crossentropy",
                         ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
                         "binary"),
    "cce-rmsprop": (3, "softmax", "categorical_crossentropy", ("RMSprop", {}), "onehot"),
    "cce-rmsprop-centered": (3, "softmax", "categorical_crossentropy",
                             ("RMSprop", {"centered": True, "momentum": 0.5}), "onehot"),
    "sparse-adam-amsgrad": (3, "softmax", "sparse_categorical_crossentropy",
                            ("Adam", {"amsgrad": True}), "sparse"),
    "mse-sgd": (2, "linear", "mse", ("SGD", {"learning_rate": 0.01}), "regression"),
    "mae-adam": (2, "tanh", "mae", ("Adam", {"learning_rate": 0.01}), "regression"),
}


def make_data(kind, n=40, features=6, units=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features))
    if kind == "binary":
        y = (x[:, 0] + 0.5 * x[:, -1] > 0).astype("float64")
    elif kind == "onehot":
        y = np.eye(units)[rng.integers(0, units, n)]
    elif kind == "sparse":
        y = rng.integers(0, units, n)
    else:
        y = rng.normal(size=(n, units))
    return x, y


def build_pair(units, activation, loss, optimizer, dtype, metrics=("accuracy",)):
    use_dtype(dtype)
    mine = minikeras.Sequential([minikeras.Input((6,)),
                                 minikeras.layers.Dense(8, activation="relu"),
                                 minikeras.layers.Dense(5, activation="tanh"),
                                 minikeras.layers.Dense(units, activation=activation)])
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.Dense(5, activation="tanh"),
                               keras.layers.Dense(units, activation=activation)])
    theirs.set_weights(mine.get_weights())
    name, kwargs = optimizer
    metrics = list(metrics) if loss not in ("mse", "mae") else ["mae"]
    mine.compile(optimizer=getattr(minikeras.optimizers, name)(**kwargs), loss=loss,
                 metrics=metrics)
    theirs.compile(optimizer=getattr(keras.optimizers, name)(**kwargs), loss=loss,
                   metrics=metrics)
    return mine, theirs


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_twenty_steps_match_keras(case, dtype):
    units, activation, loss, optimizer, kind = CASES[case]
    mine, theirs = build_pair(units, activation, loss, optimizer, dtype)
    x, y = make_data(kind, units=units)
    # 40 samples, batch 8, 4 epochs, no shuffling: the same 20 steps on both sides
    h_mine = mine.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    tol = F32_TRAJECTORY if dtype == "float32" else F64
    assert sorted(h_mine.history) == sorted(h_theirs.history)
    for key in h_theirs.history:
        assert_close(h_mine.history[key], h_theirs.history[key], tol, f"{case} history[{key}]")
    for w_mine, w_theirs, v in zip(mine.get_weights(), theirs.get_weights(), theirs.weights,
                                   strict=True):
        assert_close(w_mine, w_theirs, tol, f"{case} {v.path} after 20 steps")
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), tol,
                 f"{case} predictions after training")


def test_single_step_matches_keras_to_1e6():
    mine, theirs = build_pair(1, "sigmoid", "binary_crossentropy", ("Adam", {}), "float32")
    x, y = make_data("binary")
    loss_mine = mine.train_on_batch(x[:10], y[:10])
    loss_theirs = theirs.train_on_batch(x[:10], y[:10])
    assert_close(loss_mine, loss_theirs, F32_FORWARD, "train_on_batch logs")
    for w_mine, w_theirs in zip(mine.get_weights(), theirs.get_weights(), strict=True):
        assert_close(w_mine, w_theirs, F32_FORWARD, "weights after one step")


@pytest.mark.parametrize("use_split", [True, False])
def test_validation_matches_keras(use_split):
    mine, theirs = build_pair(3, "softmax", "sparse_categorical_crossentropy",
                              ("RMSprop", {}), "float32")
    x, y = make_data("sparse", n=50, units=3)
    kwargs = ({"validation_split": 0.2} if use_split
              else {"validation_data": (x[:12], y[:12])})
    h_mine = mine.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs)
    assert list(h_mine.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    for key in h_theirs.history:
        assert_close(h_mine.history[key], h_theirs.history[key], F32_TRAJECTORY, key)


def test_validation_split_takes_the_last_fraction_before_shuffling():
    mine, _ = build_pair(1, "linear", "mse", ("SGD", {}), "float32", metrics=())
    x, y = make_data("regression", n=50, units=1)
    history = mine.fit(x, y, batch_size=50, epochs=1, validation_split=0.2, verbose=0)
    weights = mine.get_weights()
    expected = mine.evaluate(x[40:], y[40:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected[0], rel=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(weights, mine.get_weights(), strict=True))


def test_sample_weight_and_class_weight_match_keras():
    x, y = make_data("binary")
    weights = np.linspace(0.1, 2.0, len(y))
    for kwargs in ({"sample_weight": weights}, {"class_weight": {0: 0.3, 1: 2.0}}):
        mine, theirs = build_pair(1, "sigmoid", "binary_crossentropy", ("Adam", {}), "float32")
        h_mine = mine.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs)
        h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs)
        assert_close(h_mine.history["loss"], h_theirs.history["loss"], F32_TRAJECTORY,
                     f"loss with {list(kwargs)[0]}")


def test_evaluate_forms_and_metrics_names():
    mine, theirs = build_pair(1, "sigmoid", "binary_crossentropy", ("Adam", {}), "float32")
    x, y = make_data("binary")
    assert mine.metrics_names == ["loss", "accuracy"]  # Keras: ["loss", "compile_metrics"]
    scores = mine.evaluate(x, y, verbose=0)
    assert_close(scores, theirs.evaluate(x, y, verbose=0), F32_FORWARD, "evaluate list")
    as_dict = mine.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["accuracy", "loss"] and as_dict["loss"] == scores[0]
    plain = minikeras.Sequential([minikeras.Input((6,)), minikeras.layers.Dense(1)])
    plain.compile(loss="mse", optimizer="sgd")
    assert isinstance(plain.evaluate(x, y, verbose=0), float)
    assert plain.metrics_names == ["loss"]


def test_pandas_and_list_inputs_train_like_arrays():
    x, y = make_data("binary")
    results = []
    for xs, ys in ((x, y), (pd.DataFrame(x), pd.Series(y)), (x.tolist(), y.tolist())):
        np.random.seed(3)
        model = minikeras.Sequential([minikeras.layers.Dense(4, activation="relu"),
                                      minikeras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["acc"])
        history = model.fit(xs, ys, epochs=2, batch_size=8, verbose=0)
        results.append(history.history["loss"])
        assert list(history.history) == ["acc", "loss"]
    assert results[0] == results[1] == results[2]


def test_numpy_seed_makes_runs_bit_for_bit_repeatable():
    x, y = make_data("binary")

    def run():
        np.random.seed(7)
        model = minikeras.Sequential()
        model.add(minikeras.layers.Dense(12, input_dim=6, activation="relu",
                                         kernel_initializer="uniform"))
        model.add(minikeras.layers.Dense(1, activation="sigmoid"))
        model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        model.fit(x, y, epochs=3, batch_size=5, verbose=0, validation_split=0.1)
        return model.get_weights()

    first, second = run(), run()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    minikeras.utils.set_random_seed(7)
    third = run()
    assert all(np.array_equal(a, b) for a, b in zip(first, third, strict=True))


def test_verbose_2_prints_one_keras_line_per_epoch(capsys):
    mine, _ = build_pair(1, "sigmoid", "binary_crossentropy", ("Adam", {}), "float32")
    x, y = make_data("binary")
    mine.fit(x, y, epochs=2, batch_size=10, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    pattern = r"4/4 - \d+s - \d+(ms|us|s)/step - accuracy: \d\.\d{4}(e[+-]\d\d)? - loss: \d\.\d{4}"
    assert re.fullmatch(pattern, lines[1]), lines[1]


def test_early_stopping_and_stop_training():
    mine, _ = build_pair(1, "sigmoid", "binary_crossentropy", ("Adam", {}), "float32")
    x, y = make_data("binary")
    stopper = minikeras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    history = mine.fit(x, y, epochs=10, batch_size=8, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 2 and stopper.stopped_epoch == 1


def test_predict_and_batch_methods_shapes():
    mine, _ = build_pair(3, "softmax", "categorical_crossentropy", ("RMSprop", {}), "float32")
    x, y = make_data("onehot", units=3)
    assert mine.predict(x, batch_size=7, verbose=0).shape == (40, 3)
    assert mine.predict_on_batch(x[:2]).shape == (2, 3)
    assert len(mine.train_on_batch(x[:8], y[:8])) == 2
    assert set(mine.test_on_batch(x[:8], y[:8], return_dict=True)) == {"accuracy", "loss"}


@pytest.mark.parametrize("verbose, callbacks", [(0, None), (0, []), (1, None)])
def test_predict_of_one_batch_returns_a_new_array(verbose, callbacks):
    # One batch with verbose=0 and no callbacks skips the callback list; the result must still
    # be its own array where the last layer hands back a view of x (Flatten, Reshape)
    model = minikeras.Sequential([minikeras.Input((2, 3)), minikeras.layers.Flatten()])
    x = np.arange(6, dtype="float32").reshape(1, 2, 3)
    y = model.predict(x, verbose=verbose, callbacks=callbacks)
    assert y.shape == (1, 6) and not np.shares_memory(y, x)
    y[...] = -1
    np.testing.assert_array_equal(x.ravel(), np.arange(6))


def test_predict_of_one_batch_still_calls_the_callbacks():
    seen = []

    class Recorder(minikeras.callbacks.Callback):
        def on_predict_begin(self, logs=None):
            seen.append("begin")

        def on_predict_batch_end(self, batch, logs=None):
            seen.append(("batch", batch, logs["outputs"].shape))

        def on_predict_end(self, logs=None):
            seen.append("end")

    model = compiled()
    model.predict(np.zeros((1, 6), "float32"), verbose=0, callbacks=[Recorder()])
    assert seen == ["begin", ("batch", 0, (1, 1)), "end"]


# ---- errors raised before any kernel runs ---------------------------------------------

def compiled(units=1, loss="binary_crossentropy", activation="sigmoid"):
    model = minikeras.Sequential([minikeras.Input((6,)),
                                  minikeras.layers.Dense(units, activation=activation)])
    model.compile(loss=loss, optimizer="adam", metrics=["accuracy"])
    return model


X, Y = make_data("binary")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 2.5}, TypeError, "batch_size"),
    ({"epochs": -1}, ValueError, "epochs"),
    ({"validation_split": 1.0}, ValueError, "validation_split"),
    ({"validation_split": -0.1}, ValueError, "validation_split"),
    ({"verbose": 3}, ValueError, "verbose"),
    ({"validation_data": (X,)}, ValueError, "validation_data"),
])
def test_bad_fit_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        compiled().fit(X, Y, **{"verbose": 0, **kwargs})


def test_fit_before_compile():
    model = minikeras.Sequential([minikeras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):
        model.fit(X, Y)


@pytest.mark.parametrize("x, y, error, match", [
    (X[:, :5], Y, ValueError, r"expected shape=\(None, 6\)"),
    (X, Y[:30], ValueError, "x has 40 samples, y has 30 samples"),
    (np.empty((0, 6)), np.empty(0), ValueError, "empty"),
    (np.full((4, 6), np.nan), np.ones(4), ValueError, "only NaN"),
    (np.array([["a"] * 6] * 4), np.ones(4), TypeError, "numeric"),
])
def test_bad_data(x, y, error, match):
    with pytest.raises(error, match=match):
        compiled().fit(x, y, verbose=0)


def test_some_nan_in_x_warns_with_the_count_and_the_first_index():
    x = X.copy()
    x[2, 4] = x[7, 1] = np.nan
    with pytest.warns(UserWarning, match=r"`x` contains 2 NaN value\(s\) \(first at index "
                                         r"\(2, 4\)\)"):
        compiled().predict(x, verbose=0)
    infinite = X.copy()
    infinite[0, 0], infinite[1, 1] = np.inf, -np.inf  # no NaN: nothing to say
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled().predict(infinite, verbose=0)


def test_float64_inputs_beyond_float32_warn_naming_the_argument():
    """1e39 becomes inf in float32 (Keras casts silently and trains to an inf loss)."""
    x = X.astype("float64")
    x[3, 2] = 1e39
    model = compiled()
    for call in (lambda: model.fit(x, Y, epochs=1, verbose=0), lambda: model.predict(x, verbose=0)):
        with pytest.warns(UserWarning) as record:
            call()
        texts = [str(w.message) for w in record if "range" in str(w.message)]
        assert len(texts) == 1 and texts[0].startswith("`x` has 1 finite value(s) beyond "
                                                       "float32's range") \
            and "index (3, 2): 1e+39" in texts[0], texts
    quiet = X.astype("float64")
    quiet[0, 0] = np.inf  # already inf: nothing new to say (and in-range data costs two reductions)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(quiet, verbose=0)
        model.predict(X.astype("float64"), verbose=0)


def test_labels_that_do_not_fit_the_loss():
    labels = np.random.default_rng(0).integers(0, 3, 40)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        compiled(3, "categorical_crossentropy", "softmax").fit(X, labels, verbose=0)
    with pytest.raises(ValueError, match="one-hot|sparse"):
        compiled(3, "sparse_categorical_crossentropy", "softmax").fit(
            X, np.eye(3)[labels], verbose=0)


def test_unknown_names_in_compile_suggest():
    model = minikeras.Sequential([minikeras.layers.Dense(1)])
    with pytest.raises(ValueError, match="binary_crossentropy"):
        model.compile(loss="binary_crossentropy_", optimizer="adam")
    with pytest.raises(ValueError, match="adam"):
        model.compile(loss="mse", optimizer="adamm")
    with pytest.raises(ValueError, match="accuracy"):
        model.compile(loss="mse", optimizer="adam", metrics=["acuracy"])
        model.fit(X, Y, verbose=0)


# ---- random shapes and batch sizes (1, and a partial last batch) against Keras ----------

def _train_random_pair(widths, features, case, dtype, x, y, batch_size, initial=None):
    """Build the same MLP in both libraries (minikeras's initial weights, or `initial`), fit
    each 2 epochs unshuffled; returns (initial weights, (loss histories), (final weights))."""
    units, activation, loss, optimizer, _ = CASES[case]
    use_dtype(dtype)
    hidden = [("relu", "tanh", "sigmoid")[i % 3] for i in range(len(widths))]
    mine = minikeras.Sequential(
        [minikeras.Input((features,))]
        + [minikeras.layers.Dense(w, activation=a) for w, a in zip(widths, hidden, strict=True)]
        + [minikeras.layers.Dense(units, activation=activation)])
    if initial is not None:
        mine.set_weights([np.asarray(w, dtype) for w in initial])
    theirs = keras.Sequential(
        [keras.Input((features,))]
        + [keras.layers.Dense(w, activation=a) for w, a in zip(widths, hidden, strict=True)]
        + [keras.layers.Dense(units, activation=activation)])
    initial = mine.get_weights()
    theirs.set_weights(initial)
    name, kwargs = optimizer
    mine.compile(optimizer=getattr(minikeras.optimizers, name)(**kwargs), loss=loss)
    theirs.compile(optimizer=getattr(keras.optimizers, name)(**kwargs), loss=loss)
    h_mine = mine.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0)
    return (initial, (h_mine.history["loss"], h_theirs.history["loss"]),
            (mine.get_weights(), theirs.get_weights()))


@settings(max_examples=6, deadline=None)
# float32 weights 1.56e-5 apart: a width-2 tanh layer's bias under RMSprop, where minikeras's
# float32 result is 6.5e-6 and Keras's 9.1e-6 from the float64 one (both libraries agree to
# 1.6e-14 in float64): the float64 referee below
@example(widths=[8, 2], n=11, batch_size=2, features=2, case="cce-rmsprop", dtype="float32",
         seed=632)
@given(widths=st.lists(st.integers(2, 9), min_size=1, max_size=3),
       n=st.integers(1, 13), batch_size=st.integers(1, 9), features=st.integers(1, 5),
       case=st.sampled_from(sorted(CASES)), dtype=st.sampled_from(["float32", "float64"]),
       seed=st.integers(0, 1000))
def test_random_architectures_match_keras(widths, n, batch_size, features, case, dtype, seed):
    """Trained weights agree to the trajectory tolerance. In float32, an array further apart
    than that passes only on a float64 referee: from the same float32 start and data, both
    libraries agree in float64 (1e-10), and minikeras's float32 weights are no further from
    those than Keras's float32 weights are (x2). A small weight whose gradient is a difference
    of larger terms, stepped by an adaptive optimizer, carries those terms' float32 rounding
    in both libraries; a fault of minikeras's own would put it further from float64 than
    Keras."""
    units, kind = CASES[case][0], CASES[case][4]
    x, y = make_data(kind, n=n, features=features, units=units, seed=seed)
    initial, losses, weights = _train_random_pair(widths, features, case, dtype, x, y,
                                                  batch_size)
    tol = F32_TRAJECTORY if dtype == "float32" else F64
    assert_close(*losses, tol, "loss per epoch")
    referee = None
    for k, (w_mine, w_theirs) in enumerate(zip(*weights, strict=True)):
        if dtype == "float64" or max_rel_error(w_mine, w_theirs) <= tol:
            assert_close(w_mine, w_theirs, tol, f"weights[{k}] after training")
            continue
        if referee is None:
            as32 = [a.astype("float32").astype("float64") if a.dtype.kind == "f" else a
                    for a in (x, y)]
            referee = _train_random_pair(widths, features, case, "float64", *as32, batch_size,
                                         initial=initial)[2]
        mine64, theirs64 = referee[0][k], referee[1][k]
        assert_close(mine64, theirs64, F64, f"weights[{k}] after training, float64 referee")
        assert_as_accurate(w_mine, w_theirs, theirs64, f"weights[{k}] after training",
                           factor=2, floor=0, unit_scale=False, who=("minikeras", "Keras's"))


def test_training_step_skips_the_first_layers_input_gradient():
    """compute_gradients(input_grads=False), as train_step calls it: the lowest trainable layer
    runs backward_weights (a first Conv2D computes no dx), and every weight gradient has the
    same bits as with input_grads=True."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 9, 8, 2)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 5)]
    model = minikeras.Sequential([minikeras.Input((9, 8, 2)),
                                  minikeras.layers.Conv2D(4, 3, activation="relu"),
                                  minikeras.layers.Flatten(),
                                  minikeras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    _, _, _, dinputs = model.compute_gradients(x, y)
    full = [v.grad.copy() for v in model.trainable_weights]
    _, _, _, skipped = model.compute_gradients(x, y, input_grads=False)
    assert dinputs[0].shape == x.shape and skipped[0] is None and skipped[1] is not None
    for a, v in zip(full, model.trainable_weights, strict=True):
        np.testing.assert_array_equal(v.grad, a)
