"""Helpers for the scikit-learn wrappers: Keras 3's `wrappers/utils.py` and `fixes.py`, plus
cloning and pickling a compiled model (which the wrappers need and Keras gets elsewhere).

Pickling: a fitted wrapper travels (to `GridSearchCV(n_jobs=2)` workers, `joblib.dump`,
`copy.deepcopy`) with its model; on arrival the model's optimizer is rebuilt around the
unpickled weights with its state (`rebind_optimizer`), so a model that comes back from another
process predicts the same numbers and keeps training exactly where it stopped.
"""

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, TransformerMixin
except ImportError:  # the wrappers then raise ImportError when constructed
    sklearn = None

    class BaseEstimator:
        pass

    class TransformerMixin:
        pass


def assert_sklearn_installed(symbol_name):
    if sklearn is None:
        raise ImportError(f"{symbol_name} requires `scikit-learn` to be installed. "
                          "Run `pip install scikit-learn` to install it.")


def check_model(model):
    """Raise RuntimeError (as Keras) unless `model` is compiled with a loss and an optimizer."""
    if not getattr(model, "compiled", False) or not model.loss or not model.optimizer:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer. "
                           f"Got {model!r}: call `model.compile(optimizer=..., loss=...)` in "
                           "the function that builds it.")


def validate_data(estimator, *args, **kwargs):
    """scikit-learn's `validate_data` (>= 1.6), or the older `estimator._validate_data`."""
    try:
        from sklearn.utils.validation import validate_data as sk_validate_data
    except ImportError:  # scikit-learn < 1.6
        return estimator._validate_data(*args, **kwargs)
    return sk_validate_data(estimator, *args, **kwargs)


def type_of_target(y, input_name="", raise_unknown=False):
    """scikit-learn's `type_of_target`, raising ValueError for "unknown" when asked (as Keras)."""
    from sklearn.utils.multiclass import type_of_target as sk_type_of_target

    target_type = sk_type_of_target(y, input_name=input_name)
    if raise_unknown and target_type == "unknown":
        raise ValueError(f"Unknown label type for {input_name or 'data'}: {y!r}")
    return target_type


def routing_enabled():
    """Whether scikit-learn's metadata routing is switched on (`sklearn.set_config`)."""
    if sklearn is None:
        return False
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Turn 1-D targets into a column (for OneHotEncoder) and back; Keras's TargetReshaper.

    y: (n_samples,) -> (n_samples, 1); 2-D targets pass through unchanged.
    """

    def fit(self, y):
        self.ndim_ = y.ndim
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        """(n_samples, 1) -> (n_samples,) when fitted on 1-D targets; otherwise unchanged."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y


# ---- cloning and pickling a compiled model ------------------------------------------------


def compile_spec(model):
    """The arguments `model.compile` was called with, as plain data (None when not compiled).

    The optimizer is kept as (class, config): a fresh one with the same hyperparameters.
    """
    if not getattr(model, "compiled", False):
        return None
    specs, weighted = list(model._metric_specs), list(model._weighted)
    return {"optimizer": (type(model.optimizer), model.optimizer.get_config()),
            "loss": model._loss_spec,
            "metrics": [s for s, w in zip(specs, weighted, strict=True) if not w] or None,
            "weighted_metrics": [s for s, w in zip(specs, weighted, strict=True) if w] or None}


def compile_from_spec(model, spec):
    """Compile `model` from `compile_spec`'s dict, with a fresh optimizer; return the optimizer."""
    optimizer_cls, optimizer_config = spec["optimizer"]
    optimizer = optimizer_cls.from_config(dict(optimizer_config))
    model.compile(optimizer=optimizer, loss=spec["loss"], metrics=spec["metrics"],
                  weighted_metrics=spec["weighted_metrics"])
    return optimizer


def clone_model(model):
    """A new model with the same layers (fresh weights) and compile arguments: Keras's
    `clone_model`, which also recompiles a compiled model."""
    clone = type(model).from_config(model.get_config())
    spec = compile_spec(model)
    if spec is not None:
        compile_from_spec(clone, spec)
    return clone


def rebind_optimizer(model):
    """After unpickling: give `model` a fresh optimizer holding its old optimizer's state.

    An optimizer knows its variables by identity; unpickled variables are new objects, so the
    unpickled optimizer would refuse to update them. The fresh one (same class and config) is
    built on the model's trainable weights and takes the old slot values in order, so training
    resumes exactly (Adam's moments and iteration count included).
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "built", False):
        return model
    values = [v.numpy() for v in optimizer.variables]
    fresh = type(optimizer).from_config(optimizer.get_config())
    fresh.build(model.trainable_weights)
    if len(fresh.variables) != len(values):
        raise ValueError(f"Cannot restore the optimizer of {model.name!r}: it has "
                         f"{len(fresh.variables)} variables once built, but the pickled "
                         f"state holds {len(values)}.")
    for variable, value in zip(fresh.variables, values, strict=True):
        variable.assign(value)
    model.optimizer = fresh
    return model


class PicklesModels:
    """Mixin: after unpickling (or deepcopy), rebind the fitted model's optimizer."""

    def __setstate__(self, state):
        super().__setstate__(state)
        if getattr(self, "model_", None) is not None:
            rebind_optimizer(self.model_)
