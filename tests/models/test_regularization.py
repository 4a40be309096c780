"""Regularization in training, against Keras: kernel/bias/activity penalties are added to the
logged loss (train and validation) exactly as Keras adds them, and weight constraints are
applied after every update, over 20 steps in float32 and float64."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype

import minikeras

keras = pytest.importorskip("keras")
LIBS = {"mine": minikeras, "keras": keras}


def regularized(lib):
    """Every regularizer (L1, L2, L1L2, by object and by name) in every slot (kernel, bias,
    activity), one per slot and layer, on the 3 Dense layers of `build`."""
    r = lib.regularizers
    return [{"kernel_regularizer": r.L1(0.02), "bias_regularizer": r.L2(0.1),
             "activity_regularizer": r.L1L2(l1=0.005, l2=0.03)},
            {"kernel_regularizer": r.L1L2(l1=0.01, l2=0.02), "bias_regularizer": r.L1(0.05),
             "activity_regularizer": "l2"},
            {"kernel_regularizer": "l2", "bias_regularizer": "l1l2",
             "activity_regularizer": r.L1(0.01)}]


def constrained(lib):
    """Every constraint, on kernels and biases, on the 3 Dense layers of `build`."""
    c = lib.constraints
    return [{"kernel_constraint": c.MaxNorm(0.6), "bias_constraint": "non_neg"},
            {"kernel_constraint": c.MinMaxNorm(0.5, 0.8, rate=1.0),
             "bias_constraint": c.MaxNorm(0.3, axis=0)},
            {"kernel_constraint": c.UnitNorm(), "bias_constraint": c.MinMaxNorm(0.1, 0.2,
                                                                                 rate=0.5)}]


def column_norms(w):
    return np.sqrt(np.sum(np.square(w), axis=0))


# what each constraint promises about the weight it holds, checked after training
PROMISES = [("max_norm", lambda w: np.all(column_norms(w) <= 0.6 + 1e-6)),
            ("non_neg", lambda w: np.all(w >= 0)),
            ("min_max_norm", lambda w: np.all(np.abs(column_norms(w) - 0.65) <= 0.15 + 1e-6)),
            ("max_norm axis 0", lambda w: np.all(np.abs(w) <= 0.3 + 1e-6)),
            ("unit_norm", lambda w: np.allclose(column_norms(w), 1, atol=1e-5))]


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    return x, (x[:, 0] + 0.5 * x[:, -1] > 0).astype("float64")


def build(lib, settings, optimizer):
    """Input(6) -> Dense(5, tanh) -> Dense(4, tanh) -> Dense(1, sigmoid), each Dense with its
    dict from `settings`, compiled with binary crossentropy."""
    units, activations = [5, 4, 1], ["tanh", "tanh", "sigmoid"]
    model = lib.Sequential([lib.Input((6,))] + [
        lib.layers.Dense(n, activation=a, bias_initializer="random_normal", **kwargs)
        for n, a, kwargs in zip(units, activations, settings, strict=True)])
    model.compile(optimizer=getattr(lib.optimizers, optimizer[0])(**optimizer[1]),
                  loss="binary_crossentropy")
    return model


def fit_both(settings_for, dtype, optimizer=("SGD", {"learning_rate": 0.2}), libs=LIBS):
    """The same model in both libraries, 20 steps (40 samples, batch 8, 4 epochs, no shuffle)
    with validation; returns {name: (model, history)}."""
    use_dtype(dtype)
    x, y = data()
    np.random.seed(0)  # the same initial weights on every call
    models = {name: build(lib, settings_for(lib), optimizer) for name, lib in libs.items()}
    for model in models.values():
        model.set_weights(models["mine"].get_weights())
    return {name: (model, model.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0,
                                    validation_data=(x[:10], y[:10])).history)
            for name, model in models.items()}


def compare(results, dtype, what):
    tol = F32_TRAJECTORY if dtype == "float32" else F64
    (mine, h_mine), (theirs, h_theirs) = results["mine"], results["keras"]
    assert sorted(h_mine) == sorted(h_theirs) == ["loss", "val_loss"]
    for key in h_theirs:
        assert_close(h_mine[key], h_theirs[key], tol, f"{what}: history[{key!r}]")
    for w_mine, w_theirs, v in zip(mine.get_weights(), theirs.get_weights(), theirs.weights,
                                   strict=True):
        assert_close(w_mine, w_theirs, tol, f"{what}: {v.path} after 20 steps")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_penalties_in_the_logged_loss_match_keras(dtype):
    results = fit_both(regularized, dtype)
    compare(results, dtype, "regularized")
    # the penalties matter: the same fit without them logs a smaller loss
    plain = fit_both(lambda lib: [{}, {}, {}], dtype, libs={"mine": minikeras})
    assert results["mine"][1]["loss"][0] > plain["mine"][1]["loss"][0] + 1e-2


def test_one_regularized_step_matches_keras_to_1e6():
    use_dtype("float32")
    x, y = data()
    models = {name: build(lib, regularized(lib), ("Adam", {})) for name, lib in LIBS.items()}
    models["keras"].set_weights(models["mine"].get_weights())
    losses = {name: model.train_on_batch(x[:10], y[:10]) for name, model in models.items()}
    assert_close(losses["mine"], losses["keras"], F32_FORWARD, "train_on_batch loss")
    evaluated = {name: model.evaluate(x, y, verbose=0) for name, model in models.items()}
    assert_close(evaluated["mine"], evaluated["keras"], F32_FORWARD, "evaluate loss")
    for w_mine, w_theirs in zip(models["mine"].get_weights(), models["keras"].get_weights(),
                                strict=True):
        assert_close(w_mine, w_theirs, F32_FORWARD, "weights after one regularized step")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_constraints_after_each_update_match_keras(dtype):
    results = fit_both(constrained, dtype, optimizer=("Adam", {"learning_rate": 0.05}))
    compare(results, dtype, "constrained")
    layers = results["mine"][0].layers
    held = [layers[0].kernel, layers[0].bias, layers[1].kernel, layers[1].bias, layers[2].kernel]
    for (name, promise), variable in zip(PROMISES, held, strict=True):
        assert promise(variable.numpy()), f"{name} does not hold on {variable.path}"
    free = fit_both(lambda lib: [{}, {}, {}], dtype, optimizer=("Adam", {"learning_rate": 0.05}),
                    libs={"mine": minikeras})
    weights = [v.numpy() for v in free["mine"][0].weights]
    broken = [name for (name, promise), w in zip(PROMISES, weights[:5], strict=True)
              if not promise(w)]
    assert len(broken) >= 3, "without constraints most promises should break"
