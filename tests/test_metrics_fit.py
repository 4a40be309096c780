"""The new metrics inside fit: the same model trained in both libraries logs the same history
keys (metric names as Keras writes them) and the same values."""

import numpy as np
import pytest
from helpers import F32_TRAJECTORY, assert_close

import minikeras

METRICS = ["AUC", "precision", "Recall", "r2_score", "RootMeanSquaredError",
           "top_k_categorical_accuracy", "TruePositives", "mape", "binary_accuracy"]


def test_fit_history_matches_keras(rng):
    keras = pytest.importorskip("keras")
    from parity.core import to_keras

    x = rng.normal(size=(40, 4)).astype("float32")
    y = (x[:, :1] + 0.5 * rng.normal(size=(40, 1)) > 0).astype("float32")
    model = minikeras.Sequential([minikeras.layers.Input((4,)),
                                  minikeras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="mse", metrics=METRICS)
    twin = to_keras(model)
    kwargs = dict(epochs=3, batch_size=8, shuffle=False, verbose=0,
                  validation_data=(x[:10], y[:10]))
    mine = model.fit(x, y, **kwargs).history
    theirs = twin.fit(x, y, **kwargs).history
    assert sorted(mine) == sorted(theirs)
    for key, values in theirs.items():
        if key.endswith("r2_score"):  # 1 - ratio with ratio ~ 1: judged on the scale of 1
            assert np.max(np.abs(np.subtract(mine[key], values))) <= F32_TRAJECTORY, key
        else:
            assert_close(mine[key], np.asarray(values), F32_TRAJECTORY, key)
    assert isinstance(keras.metrics.AUC(), keras.metrics.Metric)


def _trainer_numbers_log_names():
    import inspect

    from minikeras.models import trainer

    return "log_names" in inspect.getsource(trainer)


@pytest.mark.skipif(not _trainer_numbers_log_names(),
                    reason="needs Trainer._logs to name logs with metrics.log_names (H2 report)")
def test_repeated_and_weighted_names_and_array_results_match_keras(rng):
    """metrics=["AUC", "auc", "AUC"] logs AUC, auc, AUC_1; a weighted repeat logs weighted_AUC;
    F1Score(average=None) logs one value per class, as Keras."""
    pytest.importorskip("keras")
    from parity.core import to_keras

    x = rng.normal(size=(40, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    weight = rng.uniform(0, 2, 40).astype("float32")
    model = minikeras.Sequential([minikeras.layers.Input((4,)),
                                  minikeras.layers.Dense(1, activation="sigmoid")])
    specs = dict(metrics=["AUC", "auc", "AUC", "f1_score"], weighted_metrics=["AUC", "mse", "mse"])
    model.compile(optimizer="sgd", loss="mse", **specs)
    twin = to_keras(model)
    twin.compile(optimizer="sgd", loss="mse", **specs)
    kwargs = dict(epochs=2, batch_size=8, shuffle=False, verbose=0, sample_weight=weight)
    mine, theirs = model.fit(x, y, **kwargs).history, twin.fit(x, y, **kwargs).history
    assert sorted(mine) == sorted(theirs)
    for key, values in theirs.items():
        want = np.array([np.asarray(v, dtype=float) for v in values])
        assert_close(np.array(mine[key], dtype=float), want, F32_TRAJECTORY, key)
