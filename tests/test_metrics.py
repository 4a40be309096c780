"""Metrics: running weighted means against keras.metrics, Keras's goldens, how "accuracy"
resolves and what it is named, configs, kernel twins, and bad input."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import config, kernels, losses, metrics

NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")
TOL = {"float32": F32_FORWARD, "float64": F64}


def _batches(rng, name, n, k=4):
    """Three (y_true, y_pred, sample_weight) batches of the label form the metric expects."""
    out = []
    for i in range(3):
        p = rng.uniform(0, 1, (n, k))
        if name == "BinaryAccuracy":
            y, p = rng.integers(0, 2, (n, 1)), p[:, :1]
        elif name in ("CategoricalAccuracy", "CategoricalCrossentropy"):
            y = np.eye(k)[rng.integers(0, k, n)]
        elif name in ("SparseCategoricalAccuracy", "SparseCategoricalCrossentropy"):
            y = rng.integers(0, k, (n, 1) if i % 2 else n)
        elif name == "BinaryCrossentropy":
            y = rng.integers(0, 2, (n, k)).astype(float)
        else:
            y, p = rng.normal(size=(n, k)), rng.normal(size=(n, k))
        weight = [None, rng.uniform(0, 2, n), rng.uniform(0, 2, (n, 1))][i]
        out.append((y, p, weight))
    return out


NAMES = ["BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "MeanSquaredError",
         "MeanAbsoluteError", "BinaryCrossentropy", "CategoricalCrossentropy",
         "SparseCategoricalCrossentropy"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", NAMES)
def test_running_result_matches_keras(name, dtype, rng):
    keras = pytest.importorskip("keras")
    keras.config.set_floatx(dtype)
    config.set_floatx(dtype)
    mine, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
    for step, (y, p, weight) in enumerate(_batches(rng, name, n=9)):
        p = p.astype(dtype)
        mine.update_state(y, p, sample_weight=weight)
        theirs.update_state(y, p, sample_weight=weight)
        assert_close([mine.result()], [float(theirs.result())], TOL[dtype], f"{name} #{step}")
    mine.reset_state()
    assert mine.result() == 0.0
    assert mine.get_config() == theirs.get_config()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mean_as_the_loss_tracker_matches_keras(dtype, rng):
    """Keras's trainer: tracker.update_state(batch_loss, sample_weight=batch_size)."""
    keras = pytest.importorskip("keras")
    keras.config.set_floatx(dtype)
    config.set_floatx(dtype)
    mine, theirs = metrics.Mean(name="loss"), keras.metrics.Mean(name="loss")
    for value, batch in zip(rng.uniform(0, 3, 7), [32, 32, 32, 32, 32, 32, 5], strict=True):
        mine.update_state(np.asarray(value, dtype), sample_weight=batch)
        theirs.update_state(np.asarray(value, dtype), sample_weight=batch)
    values, weights = rng.normal(size=(5, 3)), rng.uniform(0, 1, (5, 1))
    mine.update_state(values, weights)
    theirs.update_state(values, weights)
    assert_close([mine.result()], [float(theirs.result())], TOL[dtype], "loss tracker")
    assert mine.name == "loss" and mine.get_config() == theirs.get_config()


def test_keras_goldens():
    """Numbers copied from keras/src/metrics/accuracy_metrics_test.py."""
    def result(metric, y, p, w=None):
        metric.update_state(np.array(y), np.array(p), sample_weight=w)
        return metric.result()

    ones_zeros, preds = [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]
    assert result(metrics.BinaryAccuracy(), ones_zeros, preds) == pytest.approx(0.75)
    assert result(metrics.BinaryAccuracy(), [1, 1, 0, 0], preds) == pytest.approx(0.75)
    assert result(metrics.BinaryAccuracy(), ones_zeros, preds, [1, 0, 0, 1]) == pytest.approx(0.5)
    nd = result(metrics.BinaryAccuracy(), [[1, 1], [0, 0]], [[0.98, 1], [0, 0.6]], [[1, 0]])
    assert nd == pytest.approx(1.0)
    low = [[0.98], [0.5], [0.1], [0.2]]
    assert result(metrics.BinaryAccuracy(threshold=0.3), ones_zeros, low) == pytest.approx(1.0)
    assert result(metrics.BinaryAccuracy(threshold=0.9), ones_zeros, low) == pytest.approx(0.75)
    y, p = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    assert result(metrics.CategoricalAccuracy(), y, p) == pytest.approx(0.5)
    assert result(metrics.CategoricalAccuracy(), y, p, [0.7, 0.3]) == pytest.approx(0.3)
    y, p = [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]
    assert result(metrics.SparseCategoricalAccuracy(), y, p) == pytest.approx(0.5)
    assert result(metrics.SparseCategoricalAccuracy(), y, p, [0.7, 0.3]) == pytest.approx(0.3)


SHAPES = [((8, 1), (8, 1)), ((8,), (8, 1)), ((8,), (8, 3)), ((8, 1), (8, 3)), ((8, 3), (8, 3)),
          ((8, 5), (8, 5, 3)), ((8, 5, 3), (8, 5, 3)), ((8, 2), (8, 2))]


def test_accuracy_resolves_and_is_named_as_keras_compile():
    pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import get_metric

    for y_shape, p_shape in SHAPES:
        for ident in ("accuracy", "acc", "Accuracy", "ACC"):
            theirs = get_metric(ident, np.zeros(y_shape), np.zeros(p_shape))
            mine = metrics.get(ident, y_true_shape=y_shape, y_pred_shape=p_shape)
            assert type(mine).__name__ == type(theirs).__name__, (ident, y_shape, p_shape)
            assert mine.name == theirs.name == ident


def test_accuracy_from_the_loss_when_label_shape_is_unknown():
    """Labels that fit the loss give the class Keras would pick from the shapes."""
    for loss, units, expected in [("binary_crossentropy", 1, "BinaryAccuracy"),
                                  ("binary_crossentropy", 3, "CategoricalAccuracy"),
                                  ("categorical_crossentropy", 3, "CategoricalAccuracy"),
                                  ("sparse_categorical_crossentropy", 3,
                                   "SparseCategoricalAccuracy"),
                                  (losses.SparseCategoricalCrossentropy(from_logits=True), 5,
                                   "SparseCategoricalAccuracy"),
                                  ("mse", 1, "BinaryAccuracy")]:
        got = metrics.get("accuracy", loss=losses.get(loss), y_pred_shape=(None, units))
        assert type(got).__name__ == expected, (loss, units)


def test_other_identifiers_are_named_as_keras_compile():
    keras = pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import get_metric

    y, p = np.zeros((4, 1)), np.zeros((4, 1))
    for ident in ("mse", "MAE", "mean_squared_error", "binary_accuracy", "BinaryAccuracy",
                  "sparse_categorical_accuracy", "bce"):
        theirs, mine = get_metric(ident, y, p), metrics.get(ident)
        assert (type(mine).__name__, mine.name) == (type(theirs).__name__, theirs.name)
    custom = metrics.BinaryAccuracy(name="hits", threshold=0.7)
    assert metrics.get(custom) is custom and custom.name == "hits"
    assert get_metric(keras.metrics.BinaryAccuracy(name="hits"), y, p).name == "hits"
    assert metrics.get(metrics.CategoricalAccuracy).name == "categorical_accuracy"

    def myMetric(y_true, y_pred):
        return np.abs(y_true - y_pred)

    wrapped = metrics.get(myMetric)
    assert isinstance(wrapped, metrics.MeanMetricWrapper)
    assert wrapped.name == get_metric(myMetric, y, p).name == "my_metric"
    assert wrapped(np.zeros((2, 2)), np.ones((2, 2))) == pytest.approx(1.0)
    again = metrics.deserialize(metrics.serialize(metrics.BinaryAccuracy(threshold=0.2)))
    assert isinstance(again, metrics.BinaryAccuracy) and again.threshold == 0.2


def test_bad_input_errors():
    with pytest.raises(ValueError, match="Did you mean 'binary_accuracy'"):
        metrics.get("binary_acuracy")
    with pytest.raises(ValueError, match="Expected metric, received `None`"):
        metrics.get(None)
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 42"):
        metrics.get(42)


def test_sparse_crossentropy_metric_ignores_masked_labels():
    keras = pytest.importorskip("keras")
    y, p = np.array([[-1, 2], [1, -1]]), np.full((2, 2, 3), 1 / 3) + np.eye(3)[[0, 1]] * 0.2
    for weight in (None, np.array([0.3, 1.7]), np.array([[0.3, 1.0], [2.0, 0.5]])):
        mine = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
        theirs = keras.metrics.SparseCategoricalCrossentropy(ignore_class=-1)
        mine.update_state(y, p.astype("float32"), sample_weight=weight)
        theirs.update_state(y, p.astype("float32"), sample_weight=weight)
        assert_close([mine.result()], [float(theirs.result())], F32_FORWARD, f"masked, {weight}")


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(1, 9), k=st.integers(1, 6), strided=st.booleans(), ties=st.booleans(),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2**16))
def test_numba_twins_equal_numpy(rows, k, strided, ties, dtype, seed):
    rng = np.random.default_rng(seed)
    big = rng.integers(0, 3, (rows, 2 * k)) if ties else rng.uniform(0, 1, (rows, 2 * k))
    y_pred = big.astype(dtype)[:, ::2] if strided else big.astype(dtype)[:, :k]
    labels = rng.integers(0, k, rows).astype(dtype)
    flat_true = rng.integers(0, 2, rows * k).astype(dtype)
    flat_pred = y_pred.T.ravel() / 2  # includes exactly 0.5 when ties: not above the threshold
    for name, args in [("argmax_matches", (labels, y_pred)),
                       ("binary_accuracy_matches", (flat_true, flat_pred, 0.5))]:
        ref, fast = NUMPY[name](*args), NUMBA[name](*args)
        assert ref.dtype == fast.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(fast, ref, err_msg=name)


@settings(max_examples=10, deadline=None)
@given(batch=st.sampled_from([1, 2, 3, 7]), classes=st.integers(2, 6), seed=st.integers(0, 999))
def test_hypothesis_accuracies_vs_keras(batch, classes, seed):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(classes), batch).astype("float32")
    ids, weight = rng.integers(0, classes, batch), rng.uniform(0, 1, batch)
    for name, y in [("SparseCategoricalAccuracy", ids),
                    ("CategoricalAccuracy", np.eye(classes)[ids]),
                    ("BinaryAccuracy", np.eye(classes)[ids])]:
        mine, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
        mine.update_state(y, p, sample_weight=weight)
        theirs.update_state(y, p, sample_weight=weight)
        assert_close([mine.result()], [float(theirs.result())], F32_FORWARD, f"{name} {batch}")
