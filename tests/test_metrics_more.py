"""Top-k accuracies, F-scores, regression metrics, Sum, and metrics over losses against
keras.metrics over several weighted batches; Keras's goldens; configs; bad arguments."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, assert_close, max_rel_error, use_dtype

from minikeras import losses, metrics

TOL = {"float32": F32_FORWARD, "float64": F64}


def _data(rng, kind, n=9, k=5):
    """y_true, y_pred of one batch for a kind of metric."""
    if kind == "onehot":
        p = np.round(rng.uniform(0, 1, (n, k)) * 8) / 8  # ties at the top-k boundary
        return np.eye(k)[rng.integers(0, k, n)], p
    if kind == "ids":  # (n,) or (n, 1) labels
        shape = (n, 1) if rng.uniform() < 0.5 else (n,)
        return rng.integers(0, k, shape), np.round(rng.uniform(0, 1, (n, k)) * 8) / 8
    if kind == "sorted_ids":
        return rng.integers(0, k, n), np.argsort(-rng.uniform(size=(n, k)), axis=1)
    if kind == "multihot":
        return (rng.uniform(size=(n, k)) > 0.6).astype(float), rng.uniform(0, 1, (n, k))
    if kind == "ints":
        return rng.integers(0, 3, (n, 1)), rng.integers(0, 3, (n, 1))
    if kind == "positive":
        return rng.uniform(0.1, 3, (n, k)), rng.uniform(0.1, 3, (n, k))
    if kind == "signs":
        return rng.choice([-1.0, 1.0], (n, k)), rng.normal(size=(n, k))
    return rng.normal(size=(n, k)), rng.normal(size=(n, k))


def _parity(mine, theirs, rng, kind, dtype, name, weights=("none", "n", "n1")):
    # TensorFlow's in_top_k takes float32 scores only (Keras's top-k metrics fail on float64
    # ones); the scores lie on a 1/8 grid, so Keras gets the same values in float32.
    keras_dtype = "float32" if "TopK" in name and "sorted" not in name else dtype
    worst = 0.0
    for step, wkind in enumerate(weights):
        y, p = _data(rng, kind)
        n = p.shape[0]
        w = {"none": None, "n": rng.uniform(0, 2, n), "n1": rng.uniform(0, 2, (n, 1))}[wkind]
        mine.update_state(y, p.astype(dtype), sample_weight=w)
        theirs.update_state(y, p.astype(keras_dtype), sample_weight=w)
        got, want = np.asarray(mine.result()), np.asarray(theirs.result())
        assert_close(got, want, TOL[dtype], f"{name} {dtype} #{step}")
        worst = max(worst, max_rel_error(got, want))
    print(f"PARITY {name} {dtype} {worst:.2e}")


CASES = [
    ("TopKCategoricalAccuracy", {}, "onehot", ("none", "n", "n1")),
    ("TopKCategoricalAccuracy", {"k": 1}, "onehot", ("none", "n", "n1")),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot", ("none", "n", "n1")),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "ids", ("none", "n", "n1")),
    ("SparseTopKCategoricalAccuracy", {"k": 3, "from_sorted_ids": True}, "sorted_ids",
     ("none", "n")),
    ("Accuracy", {}, "ints", ("none", "n", "n1")),
    ("F1Score", {}, "onehot", ("none", "n", "n")),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "multihot", ("none", "n")),
    ("F1Score", {"average": "macro"}, "onehot", ("n", "none")),
    ("FBetaScore", {"average": "weighted", "beta": 2.0, "threshold": 0.3}, "multihot",
     ("none", "n")),
    ("R2Score", {}, "normal", ("none", "n", "n1")),
    ("R2Score", {"class_aggregation": None}, "normal", ("n", "none")),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "normal", ("n1", "n")),
    ("R2Score", {"num_regressors": 2}, "normal", ("none", "n")),
    ("RootMeanSquaredError", {}, "normal", ("none", "n", "n1")),
    ("CosineSimilarity", {}, "normal", ("none", "n", "n1")),
    ("MeanAbsolutePercentageError", {}, "normal", ("none", "n", "n1")),
    ("MeanSquaredLogarithmicError", {}, "positive", ("none", "n", "n1")),
    ("LogCoshError", {}, "normal", ("none", "n", "n1")),
    ("KLDivergence", {}, "multihot", ("none", "n", "n1")),
    ("Poisson", {}, "positive", ("none", "n", "n1")),
    ("Hinge", {}, "signs", ("none", "n", "n1")),
    ("SquaredHinge", {}, "signs", ("none", "n", "n1")),
    ("CategoricalHinge", {}, "onehot", ("none", "n", "n1")),
]


def _make(name, kwargs):
    try:
        return getattr(metrics, name)(**kwargs)
    except NotImplementedError as err:  # a metric over a loss that minikeras.losses lacks
        pytest.skip(str(err))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs,kind,weights", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras_over_weighted_batches(name, kwargs, kind, weights, dtype, rng):
    keras = pytest.importorskip("keras")
    use_dtype(dtype)
    mine, theirs = _make(name, kwargs), getattr(keras.metrics, name)(**kwargs)
    _parity(mine, theirs, rng, kind, dtype, f"{name}{kwargs}", weights)
    assert mine.get_config() == theirs.get_config()
    assert mine.name == theirs.name
    assert getattr(mine, "_direction", None) == getattr(theirs, "_direction", None)
    mine.reset_state()
    theirs.reset_state()
    _parity(mine, theirs, rng, kind, dtype, f"{name}{kwargs} after reset", weights[:1])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sum_matches_keras(dtype, rng):
    keras = pytest.importorskip("keras")
    use_dtype(dtype)
    mine, theirs = metrics.Sum(), keras.metrics.Sum()
    for values, weight in [(rng.normal(size=7), None), (rng.normal(size=(7, 3)), rng.uniform(
            size=7)), (rng.normal(size=(7, 3, 2)), rng.uniform(size=(7, 3))), (2.5, None)]:
        mine.update_state(values, sample_weight=weight)
        theirs.update_state(values, sample_weight=weight)
        assert_close([mine.result()], [float(theirs.result())], TOL[dtype], f"Sum {dtype}")
    assert mine.get_config() == theirs.get_config()


def test_r2_matches_sklearn(rng):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    use_dtype("float64")
    y, p, w = rng.normal(size=(20, 3)), rng.normal(size=(20, 3)), rng.uniform(size=20)
    for aggregation, multioutput in [("uniform_average", "uniform_average"),
                                     ("variance_weighted_average", "variance_weighted"),
                                     (None, "raw_values")]:
        metric = metrics.R2Score(class_aggregation=aggregation)
        metric.update_state(y[:12], p[:12], sample_weight=w[:12])
        metric.update_state(y[12:], p[12:], sample_weight=w[12:])
        want = sklearn_metrics.r2_score(y, p, sample_weight=w, multioutput=multioutput)
        assert_close(metric.result(), want, 1e-12, f"R2 {aggregation}")


def test_keras_goldens():
    """keras/src/metrics/accuracy_metrics.py docstrings and regression_metrics_test.py."""
    y, p = np.array([[0, 0, 1], [0, 1, 0]]), np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert metrics.TopKCategoricalAccuracy(k=1)(y, p) == pytest.approx(0.5)
    assert metrics.TopKCategoricalAccuracy(k=1)(y, p, sample_weight=[0.7, 0.3]) == \
        pytest.approx(0.3)
    ids = np.array([2, 1])
    assert metrics.SparseTopKCategoricalAccuracy(k=1)(ids, p) == pytest.approx(0.5)
    assert metrics.SparseTopKCategoricalAccuracy(k=1)(ids, p, sample_weight=[0.7, 0.3]) == \
        pytest.approx(0.3)
    assert metrics.SparseTopKCategoricalAccuracy(k=1, from_sorted_ids=True)(
        ids, np.array([[1, 0, 3], [1, 2, 3]])) == pytest.approx(0.5)
    assert metrics.Accuracy()([[1], [2], [3], [4]], [[0], [2], [3], [4]]) == pytest.approx(0.75)
    rmse = metrics.RootMeanSquaredError()
    assert rmse(np.array([2, 4, 6]), np.array([1, 3, 2])) == pytest.approx(np.sqrt(6), abs=1e-3)
    weighted = metrics.RootMeanSquaredError()(np.array([2, 4, 6, 8]), np.array([1, 3, 2, 3]),
                                              sample_weight=np.array([0, 1, 0, 1]))
    assert weighted == pytest.approx(np.sqrt(13), abs=1e-3)


def _loss_batch(rng, name, n=6, k=3):
    if name.startswith("sparse"):
        return rng.integers(0, k, n), rng.dirichlet(np.ones(k), n)
    if "hinge" in name and name != "categorical_hinge":
        return rng.choice([-1.0, 1.0], (n, k)), rng.normal(size=(n, k))
    return np.eye(k)[rng.integers(0, k, n)], rng.dirichlet(np.ones(k), n) * 0.9 + 0.05


def test_every_loss_is_a_metric_by_name(rng):
    """Each name in minikeras.losses.FUNCTIONS is a metric name. Where Keras's compile accepts
    the name ("poisson", "kl_divergence", "cosine_similarity") it gives Keras's metric class;
    elsewhere ("huber", "log_cosh", ...: Keras raises) a running mean of the loss, as Keras's
    MeanMetricWrapper(keras.losses.<name>) computes it."""
    keras = pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import get_metric

    assert len(losses.FUNCTIONS) >= 5
    for name, fn in losses.FUNCTIONS.items():
        metric = metrics.get(name)
        y, p = _loss_batch(rng, name)
        try:
            theirs = get_metric(name, y, p)
        except ValueError:
            theirs = keras.metrics.MeanMetricWrapper(getattr(keras.losses, name), name=name)
            assert type(metric) is metrics.MeanMetricWrapper and metric._direction == "down"
        assert (type(metric).__name__, metric.name) == (type(theirs).__name__, theirs.name)
        for weight in (None, rng.uniform(0, 2, 6)):
            y, p = _loss_batch(rng, name)
            metric.update_state(y, p.astype("float32"), sample_weight=weight)
            theirs.update_state(y, p.astype("float32"), sample_weight=weight)
        assert_close([metric.result()], [float(theirs.result())], F32_FORWARD, name)
        assert metrics.get(fn).name == name  # a function is named by its snake_case name


NAMED = ["AUC", "auc", "precision", "Recall", "true_positives", "FalseNegatives",
         "top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy", "f1_score", "FBetaScore",
         "r2_score", "RootMeanSquaredError", "mape", "MSLE", "cosine_similarity",
         "log_cosh_error", "kl_divergence", "poisson", "hinge", "categorical_hinge", "Sum"]


def test_names_resolve_as_keras_compile():
    pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import get_metric

    y, p = np.zeros((4, 3)), np.zeros((4, 3))
    for ident in NAMED:
        theirs = get_metric(ident, y, p)
        try:
            mine = metrics.get(ident)
        except NotImplementedError:
            continue  # the loss behind it is not in minikeras.losses yet
        assert (type(mine).__name__, mine.name) == (type(theirs).__name__, theirs.name), ident
        assert getattr(mine, "_direction", None) == getattr(theirs, "_direction", None), ident


def test_log_names_as_keras_compile_metrics():
    """History keys: duplicates become name_1, weighted duplicates weighted_name (Keras's
    CompileMetrics.result)."""
    keras = pytest.importorskip("keras")
    from keras.src.trainers.compile_utils import CompileMetrics

    y, p = np.zeros((4, 1), "float32"), np.zeros((4, 1), "float32")
    for plain, weighted in [(["AUC", "auc", "AUC"], None), (["mse", "mse", "mse"], ["mse", "mse"]),
                            (["precision", "acc"], ["acc", "precision", "mae"]),
                            (None, ["mae", "mae"])]:
        theirs = CompileMetrics(plain, weighted)
        theirs.build(y, p)
        mine = [metrics.get(s, y_true_shape=y.shape, y_pred_shape=p.shape)
                for s in (plain or []) + (weighted or [])]
        flags = [False] * len(plain or []) + [True] * len(weighted or [])
        assert metrics.log_names(mine, flags) == list(theirs.result()), (plain, weighted)
    first, second = metrics.AUC(name="auc"), metrics.AUC(name="auc")
    assert metrics.log_names([first, second]) == ["auc", "auc_1"]
    assert keras.metrics.AUC().name.startswith("auc")


def test_mean_metric_wrapper_names_and_direction():
    keras = pytest.importorskip("keras")

    def my_rate(y_true, y_pred):
        return np.abs(y_true - y_pred)

    wrapped = metrics.MeanMetricWrapper(my_rate)
    assert wrapped.name.startswith("mean_metric_wrapper") and not hasattr(wrapped, "_direction")
    assert not hasattr(keras.metrics.MeanMetricWrapper(my_rate), "_direction")
    assert metrics.MeanMetricWrapper(losses.mean_squared_error)._direction == "down"
    assert keras.metrics.MeanMetricWrapper(keras.losses.mean_squared_error)._direction == "down"


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="`k` must be a positive integer. Received: k=0"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match="k=2.5"):
        metrics.SparseTopKCategoricalAccuracy(k=2.5)
    with pytest.raises(ValueError, match="`beta` argument value. It should be a Python float"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="It should be > 0. Received: beta=-1.0"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="average=median"):
        metrics.F1Score(average="median")
    with pytest.raises(ValueError, match="0 < threshold <= 1. Received: threshold=1.5"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="expects 2D inputs"):
        metrics.F1Score().update_state(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="class_aggregation=median"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="num_regressors=-1"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Unknown metric: 'presicion'. Did you mean 'precision'"):
        metrics.get("presicion")


def test_every_class_round_trips_through_its_config():
    for name, cls in metrics.CLASSES.items():
        if cls in (metrics.Metric, metrics.MeanMetricWrapper):
            continue
        extra = {"AUC": {"thresholds": [0.3, 0.6], "curve": "PR"},
                 "Precision": {"thresholds": [0.2, 0.8], "top_k": 2, "class_id": 1},
                 "SparseTopKCategoricalAccuracy": {"from_sorted_ids": True},
                 "FBetaScore": {"beta": 0.5, "average": "macro"}}.get(name, {})
        metric = cls(name="custom", **extra)
        again = metrics.deserialize(metrics.serialize(metric))
        assert type(again) is cls and again.get_config() == metric.get_config(), name
    wrapped = metrics.MeanMetricWrapper(metrics.top_k_categorical_accuracy, name="top2", k=2)
    again = metrics.MeanMetricWrapper.from_config(wrapped.get_config())
    assert again._fn is metrics.top_k_categorical_accuracy and again._fn_kwargs == {"k": 2}
