"""Keras 3's scikit-learn wrappers (SKLearnClassifier/Regressor/Transformer) in minikeras.

Parity: the same builder (same initial weights) wrapped by `keras.wrappers.SKLearn*` and by
`minikeras.wrappers.SKLearn*`, trained with shuffle=False on the same data, must give the same
`classes_`, the same probability layout and the same numbers; with Keras's trained weights
copied into minikeras's model, the same labels. Then scikit-learn's tools (clone, Pipeline,
cross_validate, GridSearchCV(n_jobs=2)), pickling, sample_weight, warm_start, bad input, and
scikit-learn's estimator checks with Keras's own list of expected failures.
"""

import copy
import pickle

import joblib
import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype

sklearn = pytest.importorskip("sklearn", minversion="1.6")  # tags, expected_failed_checks
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import minikeras.wrappers  # noqa: E402
from minikeras import Input, Sequential  # noqa: E402
from minikeras.layers import Dense  # noqa: E402
from minikeras.wrappers import (  # noqa: E402
    SKLearnClassifier,
    SKLearnRegressor,
    SKLearnTransformer,
)

FIT = {"epochs": 3, "batch_size": 16, "shuffle": False, "verbose": 0}
TRAINED_TOL = {"float32": F32_TRAJECTORY, "float64": F64}
FORWARD_TOL = {"float32": F32_FORWARD, "float64": F64}


def initial_weights(n_in, n_out, hidden=8, seed=0):
    """Fixed starting weights (kernel, bias, kernel, bias) for both libraries' builders."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.5, (n_in, hidden)), rng.normal(0, 0.1, hidden),
            rng.normal(0, 0.5, (hidden, n_out)), rng.normal(0, 0.1, n_out)]


def mini_mlp(X, y, loss="categorical_crossentropy", out_activation="softmax", hidden=8,
             optimizer="adam"):
    """A builder as Keras's docs write it: sizes from the data, compiled, fixed start."""
    n_out = y.shape[1] if y.ndim > 1 else 1
    model = Sequential([Input(shape=(X.shape[1],)), Dense(hidden, activation="relu"),
                        Dense(n_out, activation=out_activation)])
    model.compile(loss=loss, optimizer=optimizer)
    model.set_weights(initial_weights(X.shape[1], n_out, hidden))
    return model


def keras_mlp(X, y, loss="categorical_crossentropy", out_activation="softmax", hidden=8,
              optimizer="adam"):
    import keras

    n_out = y.shape[1] if y.ndim > 1 else 1
    model = keras.Sequential([keras.Input(shape=(X.shape[1],)),
                              keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(n_out, activation=out_activation)])
    model.compile(loss=loss, optimizer=optimizer)
    model.set_weights(initial_weights(X.shape[1], n_out, hidden))
    return model


def classification_data(n_classes, labels, n=60, seed=0):
    X, y = make_classification(n_samples=n, n_features=5, n_informative=3, n_redundant=0,
                               n_classes=n_classes, n_clusters_per_class=1, random_state=seed)
    return X, np.asarray(labels)[y]


# ---- parity with keras.wrappers ----------------------------------------------------------------


@pytest.mark.parametrize("dtype, labels", [
    ("float32", ["ant", "bee", "cat"]), ("float32", [7, 3]), ("float64", ["ant", "bee", "cat"]),
    ("float64", [7, 3])], ids=["float32-strings3", "float32-ints2", "float64-strings3",
                               "float64-ints2"])
def test_classifier_matches_keras(dtype, labels):
    keras = pytest.importorskip("keras")
    use_dtype(dtype)
    X, y = classification_data(len(labels), labels)
    mine = SKLearnClassifier(mini_mlp, fit_kwargs=dict(FIT)).fit(X, y)
    theirs = keras.wrappers.SKLearnClassifier(keras_mlp, fit_kwargs=dict(FIT)).fit(X, y)
    np.testing.assert_array_equal(mine.classes_, theirs.classes_)
    assert mine.classes_.dtype == theirs.classes_.dtype
    their_out = np.asarray(theirs.decision_function(X))
    assert their_out.shape == mine.predict_proba(X).shape == (len(X), len(labels))
    assert_close(mine.predict_proba(X), their_out, TRAINED_TOL[dtype],
                 f"predict_proba after fit ({dtype})")
    # for two classes minikeras's decision_function is one column (see its docstring)
    their_scores = their_out[:, 1] - their_out[:, 0] if len(labels) == 2 else their_out
    assert_close(mine.decision_function(X), their_scores, TRAINED_TOL[dtype],
                 "decision_function")
    for mine_w, their_w in zip(mine.model_.get_weights(), theirs.model_.get_weights(),
                               strict=True):
        assert_close(mine_w, their_w, TRAINED_TOL[dtype], "trained weight")
    mine.model_.set_weights(theirs.model_.get_weights())
    assert_close(mine.predict_proba(X), their_out, FORWARD_TOL[dtype], "same weights")
    np.testing.assert_array_equal(mine.predict(X), theirs.predict(X))
    assert mine.predict(X).dtype == theirs.predict(X).dtype
    assert mine.n_features_in_ == theirs.n_features_in_ == 5


@pytest.mark.parametrize("wrapper", ["SKLearnRegressor", "SKLearnTransformer"])
def test_regressor_and_transformer_match_keras(wrapper):
    keras = pytest.importorskip("keras")
    X, y = make_regression(n_samples=50, n_features=4, random_state=1)
    y = y / 100
    kwargs = {"loss": "mse", "out_activation": "linear"}
    mine = getattr(minikeras.wrappers, wrapper)(mini_mlp, model_kwargs=kwargs,
                                                fit_kwargs=dict(FIT)).fit(X, y)
    theirs = getattr(keras.wrappers, wrapper)(keras_mlp, model_kwargs=kwargs,
                                              fit_kwargs=dict(FIT)).fit(X, y)
    method = "predict" if wrapper == "SKLearnRegressor" else "transform"
    their_out = np.asarray(getattr(theirs, method)(X))
    assert getattr(mine, method)(X).shape == their_out.shape  # (50,) / (50, 1), as Keras
    assert_close(getattr(mine, method)(X), their_out, F32_TRAJECTORY, f"{wrapper}.{method}")


def test_regressor_one_target_comes_back_1d_like_keras():
    X, y = make_regression(n_samples=40, n_features=3, random_state=2)
    reg = SKLearnRegressor(mini_mlp, model_kwargs={"loss": "mse", "out_activation": "linear"},
                           fit_kwargs={"verbose": 0}).fit(X, y / 100)
    assert reg.model_.output_shape == (None, 1)
    assert reg.predict(X).shape == (40,)
    assert_close(reg.predict(X), reg.model_.predict(X, verbose=0)[:, 0], 0, "squeezed column")


# ---- probabilities and labels -------------------------------------------------------------------


def test_predict_proba_from_one_sigmoid_unit():
    """The [1 - p, p] rule (Keras 2's), shared by both spellings; other widths must match."""
    from minikeras.wrappers.sklearn_wrapper import probabilities_from_output

    p = np.array([[0.2], [0.9]])
    assert_close(probabilities_from_output(p, 2), np.hstack([1 - p, p]), 0, "[1-p, p]")
    with pytest.raises(ValueError, match="outputs 3 columns, but there are 2 classes"):
        probabilities_from_output(np.zeros((2, 3)), 2)


def test_predict_returns_labels_of_the_argmax_column():
    X, y = classification_data(3, ["x", "y", "z"])
    clf = SKLearnClassifier(mini_mlp, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert_close(proba.sum(axis=1), np.ones(len(X)), 1e-6, "softmax rows sum to 1")


# ---- scikit-learn's tools ---------------------------------------------------------------------


def test_clone_keeps_every_parameter_and_drops_the_fit():
    clf = SKLearnClassifier(mini_mlp, model_kwargs={"hidden": 4}, fit_kwargs={"epochs": 2})
    X, y = classification_data(2, [0, 1])
    clf.fit(X, y, verbose=0)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert twin.fit_kwargs == {"epochs": 2}  # Keras's clone drops fit_kwargs; fit kept them
    assert not hasattr(twin, "model_")


def test_pipeline_cross_validate_and_sample_weight():
    X, y = classification_data(2, ["no", "yes"], n=80)
    pipe = make_pipeline(StandardScaler(),
                         SKLearnClassifier(mini_mlp, fit_kwargs={"epochs": 2, "verbose": 0}))
    scores = cross_validate(pipe, X * 100 + 5, y, cv=3, scoring=["accuracy", "roc_auc"])
    assert scores["test_accuracy"].shape == (3,) and np.all(scores["test_roc_auc"] >= 0)
    # sample_weight reaches model.fit: same as training the same model by hand with it
    weights = np.linspace(0.1, 2.0, len(X))
    clf = SKLearnClassifier(mini_mlp, fit_kwargs=dict(FIT)).fit(X, y, sample_weight=weights)
    by_hand = mini_mlp(X, np.eye(2)[np.searchsorted(clf.classes_, y)])
    by_hand.fit(X, np.eye(2)[np.searchsorted(clf.classes_, y)], sample_weight=weights, **FIT)
    assert_close(clf.predict_proba(X), by_hand.predict(X, verbose=0), 0, "sample_weight")
    unweighted = SKLearnClassifier(mini_mlp, fit_kwargs=dict(FIT)).fit(X, y)
    assert np.max(np.abs(unweighted.predict_proba(X) - clf.predict_proba(X))) > 1e-4


def test_grid_search_with_two_processes():
    X, y = classification_data(2, [0, 1], n=60)
    search = GridSearchCV(
        SKLearnClassifier(mini_mlp, fit_kwargs={"epochs": 2, "verbose": 0}),
        {"model_kwargs": [{"hidden": 4}, {"hidden": 8}]}, cv=2, n_jobs=2, refit=True)
    search.fit(X, y)
    assert search.best_params_["model_kwargs"]["hidden"] in (4, 8)
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert search.best_estimator_.model_.layers[0].units == search.best_params_[
        "model_kwargs"]["hidden"]


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "joblib"])
def test_fitted_wrapper_round_trips_and_resumes_training(how, tmp_path):
    X, y = classification_data(3, ["a", "b", "c"])
    clf = SKLearnClassifier(mini_mlp, warm_start=True, fit_kwargs=dict(FIT)).fit(X, y)
    if how == "pickle":
        twin = pickle.loads(pickle.dumps(clf))
    elif how == "deepcopy":
        twin = copy.deepcopy(clf)
    else:
        joblib.dump(clf, tmp_path / "clf.joblib")
        twin = joblib.load(tmp_path / "clf.joblib")
    assert_close(twin.predict_proba(X), clf.predict_proba(X), 0, "after round trip")
    np.testing.assert_array_equal(twin.classes_, clf.classes_)
    clf.fit(X, y)  # warm start: both continue from the same weights and Adam state
    twin.fit(X, y)
    assert_close(twin.predict_proba(X), clf.predict_proba(X), 0, "after resumed training")
    assert clf.epoch_ == twin.epoch_ == 6
    assert int(twin.model_.optimizer.iterations) == int(clf.model_.optimizer.iterations) == 24


def test_warm_start_continues_and_cold_start_rebuilds():
    X, y = classification_data(2, [0, 1])
    cold = SKLearnClassifier(mini_mlp, fit_kwargs=dict(FIT)).fit(X, y)
    first = cold.model_
    cold.fit(X, y)
    assert cold.model_ is not first and cold.epoch_ == 3
    warm = SKLearnClassifier(mini_mlp, warm_start=True, fit_kwargs=dict(FIT)).fit(X, y)
    model = warm.model_
    warm.fit(X, y)
    assert warm.model_ is model and warm.epoch_ == 6
    six = SKLearnClassifier(mini_mlp, fit_kwargs={**FIT, "epochs": 6}).fit(X, y)
    assert_close(warm.predict_proba(X), six.predict_proba(X), 0, "3 + 3 epochs == 6 epochs")


def test_a_model_instance_is_cloned_with_fresh_weights_and_its_compile_arguments():
    X, y = classification_data(3, [0, 1, 2])
    model = mini_mlp(X, np.eye(3)[y], optimizer="sgd")
    before = model.get_weights()
    clf = SKLearnClassifier(model, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    assert clf.model_ is not model
    assert type(clf.model_.optimizer).__name__ == "SGD"
    for w, w0 in zip(model.get_weights(), before, strict=True):
        assert_close(w, w0, 0, "the given model is left untouched")
    assert any(np.max(np.abs(a - b)) > 0 for a, b in
               zip(clf.model_.get_weights(), before, strict=True))


def test_fit_kwargs_are_not_modified_and_fit_arguments_win():
    fit_kwargs = {"epochs": 1, "verbose": 0}
    clf = SKLearnClassifier(mini_mlp, fit_kwargs=fit_kwargs)
    X, y = classification_data(2, [0, 1])
    clf.fit(X, y, epochs=2)
    assert fit_kwargs == {"epochs": 1, "verbose": 0} and clf.epoch_ == 2


# ---- bad input ------------------------------------------------------------------------------


def test_bad_input_raises_clear_errors():
    X, y = classification_data(2, [0, 1])
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(mini_mlp).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Target type: continuous"):
        SKLearnClassifier(mini_mlp).fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(NotFittedError):
        SKLearnClassifier(mini_mlp).predict(X)
    with pytest.raises(TypeError, match="model=3"):
        SKLearnClassifier(3).fit(X, y)

    def uncompiled(X, y):
        return Sequential([Input(shape=(X.shape[1],)), Dense(2, activation="softmax")])

    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnClassifier(uncompiled).fit(X, y)
    clf = SKLearnClassifier(mini_mlp, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but SKLearnClassifier is "
                                         "expecting 5 features"):
        clf.predict(X[:, :4])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(np.full_like(X, np.nan))


# ---- scikit-learn's estimator checks (Keras's sklearn_test.py, mirrored) -----------------------


def dynamic_model(X, y, loss, out_activation_function="softmax", layers=(10,)):
    """Keras's `dynamic_model` from keras/src/wrappers/sklearn_test.py, in minikeras."""
    model = Sequential([Input(shape=(X.shape[1],))])
    for units in layers:
        model.add(Dense(units, activation="relu"))
    model.add(Dense(y.shape[1] if len(y.shape) > 1 else 1, activation=out_activation_function))
    model.compile(loss=loss, optimizer="rmsprop")
    return model


REPRODUCIBILITY = "This test assumes reproducibility in fit."  # Keras's reasons, verbatim
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifiers_one_label_sample_weights": "0 sample weight is not ignored",
        "check_classifiers_classes": (
            "with small test cases the estimator returns not all classes sometimes"),
        "check_classifier_data_not_an_array": REPRODUCIBILITY,
        "check_supervised_y_2d": REPRODUCIBILITY,
        "check_fit_idempotent": REPRODUCIBILITY,
        # Keras also expects check_classifiers_train to fail ("decision_function can return
        # both probabilities and logits"): it passes here, decision_function being 1-D for two
        # classes.
    },
    # Keras also lists check_classifiers_regression_target and
    # check_parameters_default_constructible ("not an issue in sklearn>=1.6"): they pass here.
    "SKLearnRegressor": {},
    "SKLearnTransformer": {},
}


@parametrize_with_checks(
    [SKLearnClassifier(model=dynamic_model,
                       model_kwargs={"loss": "categorical_crossentropy", "layers": [20, 20, 20]},
                       fit_kwargs={"epochs": 5, "verbose": 0}),
     SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"},
                      fit_kwargs={"verbose": 0}),
     SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse"},
                        fit_kwargs={"verbose": 0})],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[type(est).__name__],
)
@pytest.mark.filterwarnings("ignore")
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("out_activation", ["softmax", "linear"])
def test_decision_function_argmax_is_predict(out_activation):
    """Keras's test_sklearn_estimator_decision_function."""
    X, y = make_classification(n_samples=10, n_features=10, n_informative=4, n_classes=2,
                               random_state=42)
    clf = SKLearnClassifier(dynamic_model, model_kwargs={
        "out_activation_function": out_activation, "loss": "binary_crossentropy"},
        fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    # two classes: one score per sample, positive for classes_[1] (Keras: argmax of 2 columns)
    np.testing.assert_array_equal(clf.classes_[(clf.decision_function(X) > 0).astype(int)],
                                  clf.predict(X))
    assert_close(clf.decision_function(X), np.diff(clf.model_.predict(X, verbose=0)).ravel(),
                 0, "output[:, 1] - output[:, 0]")
    X3, y3 = make_classification(n_samples=30, n_features=10, n_informative=4, n_classes=3,
                                 random_state=42)
    clf = SKLearnClassifier(dynamic_model, model_kwargs={
        "out_activation_function": out_activation, "loss": "categorical_crossentropy"},
        fit_kwargs={"epochs": 1, "verbose": 0}).fit(X3, y3)
    np.testing.assert_array_equal(clf.decision_function(X3).argmax(axis=-1), clf.predict(X3))
