"""Metrics, as `keras.metrics` has them: stateful running statistics over an epoch.

Layout (as Keras's `keras/src/metrics/`):
    metric.py              Metric base class; rank matching and sample weighting
    reduction_metrics.py   Sum, Mean, MeanMetricWrapper
    accuracy_metrics.py    Accuracy, Binary/Categorical/SparseCategorical, (Sparse)TopK
    confusion_metrics.py   TruePositives ... FalseNegatives, Precision, Recall, AUC
    metrics_utils.py       confusion counts and AUC areas
    f_score_metrics.py     FBetaScore, F1Score
    regression_metrics.py  MSE, MAE, MAPE, MSLE, RMSE, CosineSimilarity, LogCoshError, R2Score
    probabilistic_metrics.py  crossentropies, KLDivergence, Poisson
    hinge_metrics.py       Hinge, SquaredHinge, CategoricalHinge

`get` resolves what `compile(metrics=[...])` is given, and names the metric as Keras does.
Where minikeras does more than Keras: any loss function name in `minikeras.losses`
("huber", "log_cosh", "binary_focal_crossentropy", ...) is also a metric name (a running
mean of that loss, named as written); Keras 3 raises "Could not interpret metric identifier".
"""

from .. import losses
from ..utils.lookup import lookup
from ..utils.naming import to_snake_case
from ..utils.serialization import deserialize_object, serialize_object
from .accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from .confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from .f_score_metrics import F1Score, FBetaScore
from .hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from .metric import Metric, reduce_to_samplewise_values
from .probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from .reduction_metrics import Mean, MeanMetricWrapper, Sum
from .regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    cosine_similarity,
)

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "AUC", "Precision", "Recall", "TruePositives",
    "FalsePositives", "TrueNegatives", "FalseNegatives", "F1Score", "FBetaScore",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity", "LogCoshError",
    "R2Score", "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "accuracy",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "cosine_similarity",
    "reduce_to_samplewise_values", "get", "serialize", "deserialize", "log_names",
    "ALL_OBJECTS_DICT", "CLASSES", "FUNCTIONS", "all_functions",
]

CLASSES = {cls.__name__: cls for cls in (
    Metric, Mean, Sum, MeanMetricWrapper,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, F1Score, FBetaScore)}
METRIC_FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)}
ALL_OBJECTS_DICT = {**CLASSES, **{to_snake_case(name): cls for name, cls in CLASSES.items()},
                    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
                    "mse": MeanSquaredError, "MSE": MeanSquaredError,
                    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
                    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
                    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError}


def all_functions():
    """{name: per-sample function}: the metric functions and, as of now, every loss function."""
    return {**METRIC_FUNCTIONS, **losses.FUNCTIONS}


FUNCTIONS = all_functions()  # the table at import time; `all_functions()` sees later losses


def _accuracy_class(loss, y_true_shape, y_pred_shape):
    """Keras 3's rule (compile_utils.get_metric): binary if the output has 1 unit, sparse if the
    labels have a lower rank or a last axis of 1 (and the output more than 1 unit), else
    categorical. Without y_true_shape the loss says what the labels look like."""
    units = None if y_pred_shape is None else y_pred_shape[-1]
    if units == 1:
        return BinaryAccuracy
    if y_true_shape is not None and y_pred_shape is not None:
        sparse = len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1 and units > 1
    else:
        loss = losses.get(loss)
        fn = getattr(loss, "fn", None)
        if units is None and fn is losses.binary_crossentropy:
            return BinaryAccuracy
        sparse = bool(getattr(loss, "sparse_labels", False))
    return SparseCategoricalAccuracy if sparse else CategoricalAccuracy


def _from_name(identifier):
    """A metric from a string: Keras's table first, then (minikeras) any loss function name."""
    table = {k: v for k, v in ALL_OBJECTS_DICT.items() if v not in (Metric, MeanMetricWrapper)}
    if identifier in table:
        return table[identifier]()
    loss_functions = losses.FUNCTIONS
    if identifier in loss_functions:
        return MeanMetricWrapper(loss_functions[identifier], name=identifier)
    try:
        loss = losses.get(identifier)  # loss aliases such as "kld"
    except (ValueError, TypeError):
        loss = None
    fn = getattr(loss, "fn", None)
    if fn is not None and fn in loss_functions.values():
        return MeanMetricWrapper(fn, name=identifier, **getattr(loss, "_fn_kwargs", {}))
    return lookup("metric", identifier, {**table, **loss_functions})  # raises, with suggestions


def get(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """Return a Metric named as Keras's compile names it.

    "accuracy"/"acc" (any case) pick Binary/Sparse/CategoricalAccuracy by the shapes (see
    `_accuracy_class`) and keep the name as written; other strings ("mse", "AUC",
    "binary_accuracy") are looked up and also keep the name as written; Metric instances keep
    their name; classes are instantiated; plain functions are wrapped under their snake_case
    name (a running mean of their values).
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return _accuracy_class(loss, y_true_shape, y_pred_shape)(name=identifier)
    if isinstance(identifier, dict):
        metric = deserialize(identifier)
    elif isinstance(identifier, str):
        metric = _from_name(identifier)
        metric.name = identifier
    elif isinstance(identifier, type) and issubclass(identifier, Metric):
        metric = identifier()
    elif isinstance(identifier, Metric):
        metric = identifier
    elif callable(identifier):
        name = getattr(identifier, "__name__", type(identifier).__name__)
        metric = MeanMetricWrapper(identifier, name=to_snake_case(name))
    else:
        raise ValueError(f"Could not interpret metric identifier: {identifier!r} (expected a "
                         "name such as 'accuracy', a Metric instance or class, or a function).")
    return metric


def log_names(metrics, weighted=None):
    """The keys Keras's fit/evaluate logs give these metrics (CompileMetrics.result).

    metrics: compiled metrics in order; weighted: one bool each (True for weighted_metrics).
    A repeated name becomes `name_1`, `name_2`, ...; a weighted metric whose name is taken
    becomes `weighted_name` (then `weighted_name_1`, ...). Unweighted ones are named first.
    """
    weighted = [False] * len(metrics) if weighted is None else list(weighted)
    names, counters = [None] * len(metrics), {}
    for pass_weighted in (False, True):
        for i, (metric, is_weighted) in enumerate(zip(metrics, weighted, strict=True)):
            if is_weighted != pass_weighted:
                continue
            name = metric.name
            if name not in counters:
                counters[name] = 1
            elif not is_weighted:
                counters[name] += 1
                name = f"{name}_{counters[name] - 1}"
            else:
                name = f"weighted_{metric.name}"
                if name not in counters:
                    counters[name] = 1
                else:
                    counters[name] += 1
                    name = f"{name}_{counters[name] - 1}"
            names[i] = name
    return names


def serialize(metric):
    return serialize_object(metric, "keras.metrics")


def deserialize(config):
    if isinstance(config, str):
        return get(config)
    return deserialize_object(config, CLASSES, "metric")
