"""Keras 2's spelling: `from minikeras.wrappers.scikit_learn import KerasClassifier`.

Keras 2 is not installed, so its rules are checked one by one (sk_params split between
build_fn and fit; labels -> 0..n-1 in `classes_` order, one-hot for categorical_crossentropy;
argmax / `> 0.5`; [1 - p, p]; score from evaluate), and the numbers against Keras 3 models
trained by hand on the targets Keras 2's wrapper would have passed them.
"""

import pickle
import warnings

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype

pytest.importorskip("sklearn", minversion="1.6")  # tags, expected_failed_checks
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from minikeras import Sequential  # noqa: E402
from minikeras.layers import Dense  # noqa: E402
from minikeras.layers.dropout import Dropout  # noqa: E402
from minikeras.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402

TRAINED_TOL = {"float32": F32_TRAJECTORY, "float64": F64}
N_FEATURES = 6


def genmodel(depth, width, dropout=False):
    """Seed 000's build function (input_dim 61 -> 6 for this data)."""
    model = Sequential()
    model.add(Dense(width, input_dim=N_FEATURES, activation="relu"))
    if dropout:
        model.add(Dropout(0.5))
    for _ in range(depth):
        model.add(Dense(width, activation="relu"))
        if dropout:
            model.add(Dropout(0.5))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def start(n_in, n_out, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.5, (n_in, 8)), rng.normal(0, 0.1, 8),
            rng.normal(0, 0.5, (8, n_out)), rng.normal(0, 0.1, n_out)]


def fixed_mlp(n_out=1, activation="sigmoid", loss="binary_crossentropy", metrics=("accuracy",)):
    """A build_fn with a fixed start, so runs can be compared with Keras 3 trained by hand."""
    model = Sequential([Dense(8, input_dim=N_FEATURES, activation="relu"),
                        Dense(n_out, activation=activation)])
    model.compile(loss=loss, optimizer="adam", metrics=list(metrics) or None)
    model.set_weights(start(N_FEATURES, n_out))
    return model


def keras_fixed_mlp(n_out=1, activation="sigmoid", loss="binary_crossentropy"):
    import keras

    model = keras.Sequential([keras.Input(shape=(N_FEATURES,)),
                              keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(n_out, activation=activation)])
    model.compile(loss=loss, optimizer="adam")
    model.set_weights(start(N_FEATURES, n_out))
    return model


def data(n_classes=2, labels=None, n=60):
    X, y = make_classification(n_samples=n, n_features=N_FEATURES, n_informative=3,
                               n_redundant=0, n_classes=n_classes, n_clusters_per_class=1,
                               random_state=0)
    return X, (y if labels is None else np.asarray(labels)[y])


FIT = {"epochs": 3, "batch_size": 16, "shuffle": False, "verbose": 0}


# ---- the seed's program -----------------------------------------------------------------------


def test_seed_000_cross_validate_with_five_scorers():
    np.random.seed(0)  # minikeras draws weights and dropout masks from NumPy's global RNG
    X, y = data(n=80)
    model = KerasClassifier(build_fn=genmodel, depth=1, width=8, dropout=True, epochs=5,
                            batch_size=10, verbose=0)
    s = cross_validate(model, X, y, cv=4,
                       scoring=["accuracy", "precision", "recall", "f1", "roc_auc"])
    for name in ["accuracy", "precision", "recall", "f1", "roc_auc"]:
        assert s[f"test_{name}"].shape == (4,) and np.all(np.isfinite(s[f"test_{name}"]))


def test_grid_search_over_build_and_fit_parameters_with_two_processes():
    X, y = data(n=60)
    clf = KerasClassifier(build_fn=genmodel, depth=0, width=4, epochs=1, verbose=0)
    search = GridSearchCV(clf, {"depth": [0, 1], "epochs": [1, 2]}, cv=2, n_jobs=2).fit(X, y)
    assert set(search.best_params_) == {"depth", "epochs"}
    best = search.best_estimator_
    assert len(best.model.layers) == 2 + best.sk_params["depth"]
    assert len(best.history["loss"]) == best.sk_params["epochs"]


# ---- sk_params -------------------------------------------------------------------------------


def test_sk_params_go_to_build_fn_and_fit_by_name():
    calls = []

    def build(width, depth=0):
        calls.append({"width": width, "depth": depth})
        return genmodel(depth, width)

    X, y = data()
    clf = KerasClassifier(build_fn=build, width=5, epochs=2, batch_size=7, verbose=0)
    assert clf.fit(X, y) is clf
    assert calls == [{"width": 5, "depth": 0}]
    assert len(clf.history["loss"]) == 2
    assert int(clf.model.optimizer.iterations) == 2 * -(-len(X) // 7)  # batch_size reached fit
    clf.set_params(depth=1, epochs=1)
    clf.fit(X, y)
    assert calls[-1] == {"width": 5, "depth": 1} and len(clf.history["loss"]) == 1
    assert clf.get_params() == {"build_fn": build, "width": 5, "depth": 1, "epochs": 1,
                                "batch_size": 7, "verbose": 0}


def test_clone_pipeline_and_illegal_parameters():
    clf = KerasClassifier(build_fn=genmodel, depth=1, width=4, epochs=1, verbose=0)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params() and twin is not clf
    X, y = data()
    pipe = make_pipeline(StandardScaler(), clf).fit(X * 50, y)
    assert pipe.predict(X * 50).shape == (len(X),)
    with pytest.raises(ValueError, match="depht=2 is not a legal parameter.*'genmodel'"):
        KerasClassifier(build_fn=genmodel, depht=2)
    with pytest.raises(ValueError, match="bogus=1 is not a legal parameter"):
        clf.set_params(bogus=1)
    with pytest.raises(TypeError, match="build_fn=3"):
        KerasClassifier(build_fn=3).fit(X, y)


def test_nb_epoch_is_epochs_with_a_deprecation_warning():
    X, y = data()
    clf = KerasClassifier(build_fn=genmodel, depth=0, width=4, nb_epoch=2, verbose=0)
    with pytest.warns(DeprecationWarning, match="use `epochs`"):
        clf.fit(X, y)
    assert len(clf.history["loss"]) == 2


def test_build_fn_none_uses_the_subclass_call():
    class MyClassifier(KerasClassifier):
        def __call__(self, width=3):
            return genmodel(0, width)

    X, y = data()
    clf = MyClassifier(width=6, epochs=1, verbose=0).fit(X, y)
    assert clf.model.layers[0].units == 6


# ---- Keras 2's label rules, numbers against Keras 3 ----------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_sigmoid_matches_keras_trained_on_label_codes(dtype):
    pytest.importorskip("keras")
    use_dtype(dtype)
    X, y = data(labels=["spam", "ham"])
    clf = KerasClassifier(build_fn=fixed_mlp, **FIT).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["ham", "spam"])
    theirs = keras_fixed_mlp()
    theirs.fit(X, np.searchsorted(clf.classes_, y).astype(dtype), **FIT)
    p = np.asarray(theirs.predict(X, verbose=0))
    assert_close(clf.predict_proba(X), np.hstack([1 - p, p]), TRAINED_TOL[dtype],
                 "predict_proba = [1 - p, p]")
    clf.model.set_weights(theirs.get_weights())
    assert_close(clf.predict_proba(X)[:, 1:], p, F32_FORWARD if dtype == "float32" else F64,
                 "same weights")
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(p[:, 0] > 0.5).astype(int)])
    assert clf.predict(X).shape == (len(X),)  # Keras 2 returned a column here


def test_multiclass_categorical_crossentropy_is_one_hot_encoded_for_the_user():
    keras = pytest.importorskip("keras")
    X, y = data(n_classes=3, labels=[30, 10, 20])
    clf = KerasClassifier(build_fn=fixed_mlp, n_out=3, activation="softmax",
                          loss="categorical_crossentropy", **FIT).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [10, 20, 30])
    theirs = keras_fixed_mlp(3, "softmax", "categorical_crossentropy")
    theirs.fit(X, keras.utils.to_categorical(np.searchsorted(clf.classes_, y), 3), **FIT)
    p = np.asarray(theirs.predict(X, verbose=0))
    assert_close(clf.predict_proba(X), p, F32_TRAJECTORY, "softmax probabilities")
    clf.model.set_weights(theirs.get_weights())
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[p.argmax(axis=1)])


def test_sparse_labels_and_one_hot_targets():
    X, y = data(n_classes=3)
    sparse = KerasClassifier(build_fn=fixed_mlp, n_out=3, activation="softmax",
                             loss="sparse_categorical_crossentropy", **FIT).fit(X, y + 5)
    np.testing.assert_array_equal(sparse.classes_, [5, 6, 7])
    one_hot = KerasClassifier(build_fn=fixed_mlp, n_out=3, activation="softmax",
                              loss="categorical_crossentropy", **FIT).fit(X, np.eye(3)[y])
    np.testing.assert_array_equal(one_hot.classes_, [0, 1, 2])
    assert_close(one_hot.predict_proba(X), sparse.predict_proba(X), F32_TRAJECTORY,
                 "one-hot y == sparse labels")
    assert set(one_hot.predict(X)) <= {0, 1, 2}


def test_sample_weight_reaches_fit():
    X, y = data()
    w = np.linspace(0.1, 3.0, len(X))
    clf = KerasClassifier(build_fn=fixed_mlp, **FIT).fit(X, y, sample_weight=w)
    by_hand = fixed_mlp()
    by_hand.fit(X, y, sample_weight=w, **FIT)
    assert_close(clf.predict_proba(X)[:, 1], by_hand.predict(X, verbose=0)[:, 0], 0,
                 "sample_weight")


# ---- score -------------------------------------------------------------------------------------


def test_score_is_evaluate_accuracy_or_minus_the_loss():
    X, y = data(labels=["a", "b"])
    clf = KerasClassifier(build_fn=fixed_mlp, **FIT).fit(X, y)
    codes = np.searchsorted(clf.classes_, y)
    assert clf.score(X, y) == clf.model.evaluate(X, codes, batch_size=16, verbose=0)[1]
    assert clf.score(X, y) == pytest.approx(accuracy_score(y, clf.predict(X)), abs=1e-7)
    no_metric = KerasClassifier(build_fn=fixed_mlp, metrics=(), **FIT).fit(X, y)
    assert no_metric.score(X, y) == accuracy_score(y, no_metric.predict(X))
    Xr, yr = make_regression(n_samples=40, n_features=N_FEATURES, random_state=0)
    reg = KerasRegressor(build_fn=fixed_mlp, activation="linear", loss="mse", metrics=(),
                         **FIT).fit(Xr, yr / 100)
    assert reg.predict(Xr).shape == (40,)
    assert reg.score(Xr, yr / 100) == -reg.model.evaluate(Xr, yr / 100, batch_size=16,
                                                           verbose=0)


# ---- pickling ----------------------------------------------------------------------------------


def test_fitted_wrapper_pickles_and_keeps_training():
    X, y = data()
    clf = KerasClassifier(build_fn=fixed_mlp, **FIT).fit(X, y)
    twin = pickle.loads(pickle.dumps(clf))
    assert_close(twin.predict_proba(X), clf.predict_proba(X), 0, "after pickle")
    assert twin.get_params() == clf.get_params()
    clf.model.fit(X, y, **FIT)
    twin.model.fit(X, y, **FIT)
    assert_close(twin.predict_proba(X), clf.predict_proba(X), 0, "resumed training")


# ---- scikit-learn's estimator checks ---------------------------------------------------------


def softmax3(width=8):
    """A Keras 2 build_fn: input size from the first batch, but 3 output units fixed."""
    model = Sequential([Dense(width, activation="relu"), Dense(3, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    return model


def regression_mlp(width=8):
    model = Sequential([Dense(width, activation="relu"), Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    return model


INIT_CHECK = ("Keras 2's wrapper takes **sk_params and checks their names when constructed; "
              "the check passes an argument called `sk_params`")
REPRODUCIBILITY = "This test assumes reproducibility in fit."
FIXED_UNITS = ("a Keras 2 build_fn fixes the number of output units (3 here) and cannot see "
               "the data; this check trains on a different number of classes")
EXPECTED_FAILED_CHECKS = {
    "KerasClassifier": {
        "check_do_not_raise_errors_in_init_or_set_params": INIT_CHECK,
        "check_supervised_y_2d": REPRODUCIBILITY,
        **{name: FIXED_UNITS for name in [
            "check_estimators_dtypes", "check_dtype_object", "check_estimators_pickle",
            "check_classifier_data_not_an_array", "check_classifiers_one_label",
            "check_classifiers_one_label_sample_weights", "check_classifiers_classes",
            "check_classifiers_train", "check_fit_idempotent"]},
    },
    "KerasRegressor": {
        "check_do_not_raise_errors_in_init_or_set_params": INIT_CHECK,
        "check_regressor_data_not_an_array": REPRODUCIBILITY,
        "check_supervised_y_2d": REPRODUCIBILITY,
        "check_regressors_int": REPRODUCIBILITY,
        "check_fit_idempotent": REPRODUCIBILITY,
    },
}


@parametrize_with_checks(
    [KerasClassifier(build_fn=softmax3, epochs=3, verbose=0),
     KerasRegressor(build_fn=regression_mlp, epochs=2, verbose=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[type(est).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def test_images_go_through_as_keras_2_took_them():
    """Keras 2's mnist_sklearn_wrapper.py fits a convnet on (n, rows, cols, 1) images: the
    Keras 2 wrapper passes x of any rank to the model (scikit-learn's checks would refuse it)."""
    from minikeras.layers import Conv2D, Flatten

    def convnet():
        model = Sequential([Conv2D(2, (3, 3), activation="relu", input_shape=(6, 6, 1)),
                            Flatten(), Dense(2, activation="softmax")])
        model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
        return model

    rng = np.random.default_rng(0)
    x = rng.random((20, 6, 6, 1)).astype("float32")
    y = (x[:, :3].mean(axis=(1, 2, 3)) > x[:, 3:].mean(axis=(1, 2, 3))).astype(int)
    clf = KerasClassifier(build_fn=convnet, epochs=2, batch_size=5, verbose=0)
    clf.fit(x, y)
    assert clf.predict(x).shape == (20,)
    assert clf.predict_proba(x).shape == (20, 2)
    assert 0.0 <= clf.score(x, y) <= 1.0
