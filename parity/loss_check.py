"""parity.check_loss: your loss value (and its gradient) against the Keras loss.

    report = parity.check_loss("binary_crossentropy", value=my_bce, grad=my_bce_grad,
                               y_shape=(8, 1))

value(y_true, y_pred) -> scalar is Keras's reduced loss (by default the mean over every
element but the last axis: "sum_over_batch_size"); grad(y_true, y_pred) -> dLoss/dy_pred,
y_pred's shape. parity draws y_true and y_pred as the loss expects them (labels in {0, 1} for
binary crossentropy, one-hot rows or integer labels for categorical ones, probabilities or,
with from_logits=True, logits; positive values where the loss takes logarithms).
"""

import contextlib
import difflib

import numpy as np

from . import hints
from .check_report import Report, compare
from .core import _keras, keras_float64
from .keras_side import exact_floats
from .layer_check import check_shape, tolerances
from .your_functions import call, check_arity, check_array

# Keras loss class -> how its y_true is drawn; y_pred is probabilities for the crossentropies
# (logits with from_logits=True), positive for the logarithmic losses, N(0, 1) otherwise
LABELS = {"BinaryCrossentropy": "binary", "BinaryFocalCrossentropy": "binary",
          "CategoricalCrossentropy": "onehot", "CategoricalFocalCrossentropy": "onehot",
          "KLDivergence": "onehot", "SparseCategoricalCrossentropy": "sparse",
          "Hinge": "signed", "SquaredHinge": "signed", "CategoricalHinge": "onehot",
          "MeanAbsolutePercentageError": "positive", "MeanSquaredLogarithmicError": "positive",
          "Poisson": "positive"}
PROBABILITIES = {"binary": "sigmoid", "onehot": "softmax", "sparse": "softmax"}


@contextlib.contextmanager
def floatx(dtype):
    """Keras's floatx set to dtype within the block (Keras creates scalars in floatx)."""
    keras = _keras()
    previous = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(previous)


def loss_class(loss):
    """The Keras loss class for a name ('mse', 'binary_crossentropy', 'BinaryCrossentropy'),
    an instance or a serialized dict; plus the config it carries."""
    keras = _keras()
    if isinstance(loss, dict) and "class_name" in loss:
        name, base = loss["class_name"], dict(loss.get("config") or {})
    elif isinstance(loss, str):
        name, base = loss, {}
    elif hasattr(loss, "get_config"):
        name, base = type(loss).__name__, dict(loss.get_config())
    else:
        raise TypeError(f"loss={loss!r}: expected a Keras loss name ('mean_squared_error'), a "
                        "loss instance or a serialized loss dict.")
    classes = {n: getattr(keras.losses, n) for n in dir(keras.losses)
               if isinstance(getattr(keras.losses, n), type)
               and issubclass(getattr(keras.losses, n), keras.losses.Loss)
               and n not in ("Loss", "LossFunctionWrapper")}
    if name in classes:
        return classes[name], base
    by_function = {}
    for cls in classes.values():
        with contextlib.suppress(TypeError, ValueError):
            by_function[cls().name] = cls
    function = None
    if name.islower():  # a function name or alias: "mse" -> mean_squared_error
        with contextlib.suppress(ValueError, TypeError):
            function = keras.losses.get(name)
    key = getattr(function, "__name__", name)
    if key in by_function:
        return by_function[key], base
    close = difflib.get_close_matches(name, [*classes, *by_function], n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"loss={name!r}: Keras {keras.__version__} has no loss of that name.{hint}")


def draw(kind, activation, y_shape, dtype, rng):
    """(y_true, y_pred) for a loss whose labels are `kind` (see LABELS)."""
    units = y_shape[-1]
    if kind == "binary":
        y_true = rng.integers(0, 2, size=y_shape).astype(dtype)
    elif kind == "onehot":
        y_true = np.eye(units, dtype=dtype)[rng.integers(0, units, size=y_shape[:-1])]
    elif kind == "sparse":
        y_true = rng.integers(0, units, size=y_shape[:-1])
    elif kind == "signed":
        y_true = rng.choice([-1.0, 1.0], size=y_shape).astype(dtype)
    elif kind == "positive":
        y_true = rng.uniform(0.5, 2.0, size=y_shape).astype(dtype)
    else:
        y_true = rng.normal(size=y_shape).astype(dtype)
    if kind == "positive":
        return y_true, rng.uniform(0.5, 2.0, size=y_shape).astype(dtype)
    z = rng.normal(size=y_shape)
    if activation == "sigmoid":
        z = 1 / (1 + np.exp(-z))
    elif activation == "softmax":
        z = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    return y_true, z.astype(dtype)


def keras_value_and_grad(loss, y_true, y_pred, sample_weight):
    """Keras's loss and dLoss/dy_pred, through the backend's own autodiff."""
    keras = _keras()
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        y = tf.constant(y_pred)
        with tf.GradientTape() as tape:
            tape.watch(y)
            value = loss(y_true, y, sample_weight=sample_weight)
        return np.asarray(value), np.asarray(tape.gradient(value, y))
    if backend == "jax":
        import jax

        value, grad = jax.value_and_grad(lambda y: loss(y_true, y, sample_weight=sample_weight))(
            jax.numpy.asarray(y_pred))
        return np.asarray(value), np.asarray(grad)
    raise ValueError(f"check_loss supports Keras on tensorflow and jax, not {backend!r}.")


def check_loss(loss, config=None, *, value, grad=None, y_shape, dtype="float32", seed=0,
               sample_weight=None, tolerance=None):
    """Compare value(y_true, y_pred) (and grad(y_true, y_pred)) with the Keras loss.

    sample_weight: an array of shape y_shape[:-1] (one weight per sample, or per time step),
    given to Keras and to your functions as sample_weight=.
    """
    tol = tolerances(dtype, tolerance)
    y_shape = check_shape(y_shape, "y_shape")
    keywords = {"sample_weight": None} if sample_weight is not None else {}
    check_arity(value, "value", ("y_true", "y_pred"), keywords)
    if grad is not None:
        check_arity(grad, "grad", ("y_true", "y_pred"), keywords)
    cls, base = loss_class(loss)
    if config is not None and not isinstance(config, dict):
        raise TypeError(f"config={config!r}: expected a dict of {cls.__name__} arguments.")
    merged = {**base, **(config or {})}
    merged.pop("name", None)
    merged["dtype"] = dtype
    try:
        keras_loss = cls(**exact_floats(cls, merged, dtype))
    except (TypeError, ValueError) as error:
        raise ValueError(f"config for {cls.__name__}: Keras rejects it: {error}") from None
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=dtype)
        if sample_weight.shape != y_shape[:-1]:
            raise ValueError(f"sample_weight of shape {sample_weight.shape}: expected "
                             f"{y_shape[:-1]} (y_shape without its last axis).")
        keywords = {"sample_weight": sample_weight}

    kind = LABELS.get(cls.__name__, "regression")
    activation = None if merged.get("from_logits") else PROBABILITIES.get(kind)
    y_true, y_pred = draw(kind, activation, y_shape, dtype, np.random.default_rng(seed))
    mine = call(value, "value", y_true, y_pred, **keywords)
    if isinstance(mine, float):
        mine = np.asarray(mine, dtype=dtype)
    mine = check_array(mine, "the loss value", (), dtype, "value")
    mine_grad = None
    if grad is not None:
        mine_grad = check_array(call(grad, "grad", y_true, y_pred, **keywords),
                                "dLoss/dy_pred", y_shape, dtype, "grad")
    with floatx(dtype):
        keras_float64(dtype == "float64")
        keras_value, keras_grad = keras_value_and_grad(keras_loss, y_true, y_pred,
                                                       keywords.get("sample_weight"))

    rows = [compare("loss value", mine, keras_value, tol["forward"])]
    pairs = {"loss value": (mine, keras_value)}
    if mine_grad is not None:
        rows.append(compare("dLoss/dy_pred", mine_grad, keras_grad, tol["grad"]))
        pairs["dLoss/dy_pred"] = (mine_grad, keras_grad)
    report = Report(
        f"check_loss: {cls.__name__}({_arguments(keras_loss, cls)}) in {dtype}, seed {seed}, "
        f"vs Keras {_keras().__version__} ({_keras().backend.backend()})", rows,
        notes=[f"y_true {np.shape(y_true)} ({kind} labels), y_pred {y_shape}"
               + (f", sample_weight {sample_weight.shape}" if sample_weight is not None else "")])
    failing = report.first_failure
    if failing is not None:
        counts = [("batch size", y_shape[0]), ("elements", int(np.prod(y_shape)))]
        if len(y_shape) > 1:
            counts.insert(1, ("elements per sample", int(np.prod(y_shape[1:]))))
        yours, keras = pairs[failing.quantity]
        report.hint = hints.scale_hint(yours, keras, failing.tolerance, counts=counts)
    return report


def _arguments(loss, cls):
    config, default = loss.get_config(), cls().get_config()
    return ", ".join(f"{k}={v!r}" for k, v in config.items()
                     if k not in ("name", "dtype") and default.get(k) != v)
