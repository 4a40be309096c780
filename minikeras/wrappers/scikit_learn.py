"""Keras 2's scikit-learn wrappers, as the 2016-2022 tutorials use them.

    from minikeras.wrappers.scikit_learn import KerasClassifier

    def genmodel(depth, width, dropout=False):
        ...                                      # build and compile a Sequential
        return model

    clf = KerasClassifier(build_fn=genmodel, depth=2, width=10, epochs=20, batch_size=10,
                          verbose=0)
    cross_validate(clf, X, y, cv=10, scoring=["accuracy", "roc_auc"])
    GridSearchCV(clf, {"depth": [1, 2], "epochs": [10, 20]}, n_jobs=2).fit(X, y)

`**sk_params` are split by name, as Keras 2 did: those `build_fn` accepts build the model,
those `Sequential.fit` / `predict` / `evaluate` accept go to those calls; any other name raises
ValueError. All of them are scikit-learn parameters (`get_params` / `set_params`), so
`GridSearchCV` can search over network shapes and training settings alike.

Keras 2's rules, kept: labels y (n_samples,) are mapped to 0..n_classes-1 in the order of
`classes_` (sorted), and one-hot encoded when the model's loss is categorical_crossentropy;
a one-hot y (n_samples, n_classes) gives `classes_ = [0, ..., n_classes-1]`; `predict` takes
argmax for several output units, `> 0.5` for one sigmoid unit; `predict_proba` turns one
sigmoid column p into [1 - p, p]; `score` is the model's "accuracy" from `evaluate` (for a
regressor, minus the loss).

Where minikeras differs from Keras 2 (on purpose):
- `fit` returns the wrapper (scikit-learn's rule), not the History; the wrapper's `history`
  is the History's dict, so `clf.fit(X, y).history["loss"]` works as it did. The fitted
  model is `clf.model` (as in Keras 2) and `clf.model_`.
- `predict` returns (n_samples,) for one sigmoid unit (Keras 2 returned a column, which made
  scikit-learn warn about a column-vector y).
- `score` without an accuracy metric falls back to scikit-learn's accuracy (Keras 2 raised).
- `score` is quiet unless `verbose` is given (Keras 2's `evaluate` printed a progress bar on
  every call, e.g. once per GridSearchCV candidate and fold); `predict` is quiet as in Keras 2.
- x and y are checked as scikit-learn estimators check them (finite, 2-D, numeric, as many
  rows in y as in x; `n_features_in_` is set); Keras 2 passed them on unchecked.
- `nb_epoch=` (Keras 1) is accepted as `epochs=` with a DeprecationWarning.
- Fitted wrappers pickle (for `GridSearchCV(n_jobs=2)`, `joblib`): see `utils.py`.
"""

import copy
import inspect
import types
import warnings

import numpy as np

from ..models.sequential import Sequential
from .sklearn_wrapper import probabilities_from_output
from .utils import (
    PicklesModels,
    assert_sklearn_installed,
    check_model,
    type_of_target,
    validate_data,
)

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import column_or_1d
except ImportError:
    BaseEstimator = ClassifierMixin = RegressorMixin = object

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]


def has_arg(fn, name):
    """Whether `fn` takes an argument called `name` (Keras 2: `**kwargs` does not count)."""
    parameter = inspect.signature(fn).parameters.get(name)
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class BaseWrapper(PicklesModels, BaseEstimator):
    """Keras 2's BaseWrapper: a `build_fn` and the `**sk_params` it and `fit` take.

    build_fn: a function (or callable object) returning a compiled model; None means the
        subclass's own `__call__` builds it.
    """

    def __init__(self, build_fn=None, **sk_params):
        assert_sklearn_installed(type(self).__name__)
        self.build_fn = build_fn
        self._sk_params = sk_params  # private, so scikit-learn sees only named parameters
        self.check_params(sk_params)

    @property
    def sk_params(self):
        """Every parameter but build_fn, {name: value} (Keras 2's attribute)."""
        return self._sk_params

    def __sklearn_tags__(self):
        """As Keras 3's wrappers: training is random (subclasses add poor_score)."""
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    # ---- parameters ---------------------------------------------------------------------------
    def _build_callable(self):
        """The function that builds the model, or None when there is none to call."""
        if self.build_fn is None:
            return self.__call__ if callable(self) else None
        if not callable(self.build_fn):
            return None
        if isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn
        return self.build_fn.__call__

    def check_params(self, params):
        """Raise ValueError for a parameter that neither build_fn nor fit/predict/score take."""
        legal = [Sequential.fit, Sequential.predict, Sequential.evaluate]
        if self._build_callable() is not None:
            legal.append(self._build_callable())
        for name, value in params.items():
            if name != "nb_epoch" and not any(has_arg(fn, name) for fn in legal):
                raise ValueError(
                    f"{name}={value!r} is not a legal parameter: expected an argument of "
                    f"build_fn {getattr(self._build_callable(), '__name__', '')!r} or of "
                    "Sequential.fit/predict/evaluate.")

    def get_params(self, deep=True):
        """`build_fn` and every sk_param (what `clone` and `GridSearchCV` read)."""
        params = dict(self.sk_params)
        params["build_fn"] = self.build_fn
        return params

    def set_params(self, **params):
        """Set sk_params (and build_fn); each name is checked as in the constructor."""
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The sk_params that `fn` takes by name, updated with `override`."""
        params = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        params.update(override or {})
        return params

    # ---- fit ----------------------------------------------------------------------------------
    def _fit_args(self, kwargs):
        if "nb_epoch" in self.sk_params or "nb_epoch" in kwargs:
            warnings.warn("`nb_epoch` is Keras 1's name: use `epochs`.", DeprecationWarning,
                          stacklevel=3)
        args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        if "nb_epoch" in self.sk_params:
            args.setdefault("epochs", self.sk_params["nb_epoch"])
        kwargs = dict(kwargs)
        if "nb_epoch" in kwargs:
            kwargs["epochs"] = kwargs.pop("nb_epoch")
        args.update(kwargs)
        return args

    def fit(self, x, y, **kwargs):
        """Build a new model from build_fn and the sk_params it takes, then train it.

        x: (n_samples, n_features); y: targets; kwargs (e.g. `sample_weight=`) go to
        `model.fit` over the sk_params. Returns self.
        """
        build = self._build_callable()
        if build is None:
            raise TypeError(f"`build_fn` must be a function or callable object that returns a "
                            f"compiled model (or a subclass of {type(self).__name__} must "
                            f"define `__call__`); got build_fn={self.build_fn!r}.")
        model = build(**self.filter_sk_params(build))
        check_model(model)
        self.model_ = model
        self.history_ = model.fit(x, self._targets_for_model(y), **self._fit_args(kwargs))
        return self

    def _validate(self, x, y=None, reset=True):
        """scikit-learn's checks (finite numeric x, as many y as x; sets n_features_in_);
        a column y (n_samples, 1) becomes (n_samples,) with a DataConversionWarning. x may
        have more than 2 dimensions (images for a convnet), as Keras 2's wrapper took them
        (its mnist_sklearn_wrapper.py example passes (n, 28, 28, 1))."""
        if y is None and reset:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None.")
        if y is None:
            return validate_data(self, x, reset=reset, allow_nd=True)
        x, y = validate_data(self, x, y, reset=reset, multi_output=True, y_numeric=False,
                             allow_nd=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return x, y

    def _targets_for_model(self, y):
        return y

    @property
    def model(self):
        """The fitted model (Keras 2's attribute name)."""
        return self.model_

    @property
    def history(self):
        """The last fit's History dict, {"loss": [...], ...} (as Keras 2's `fit(...).history`)."""
        return self.history_.history

    def _predict_output(self, x, kwargs):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        x = self._validate(x, reset=False)
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        kwargs.setdefault("verbose", 0)  # Keras 2's predict was quiet by default
        return self.model_.predict(x, **kwargs)


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """Keras 2's KerasClassifier: labels in, labels out.

    Attributes: `classes_` ((n_classes,)), `n_classes_`, `model` / `model_`, `history_`.
    """

    def fit(self, x, y, **kwargs):
        """Map labels to 0..n_classes-1 (one-hot for categorical_crossentropy), then train."""
        x, y = self._validate(x, y)
        if y.ndim == 1:
            check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = np.unique(y)
        else:
            raise ValueError(f"Invalid shape for y: {y.shape}; expected (n_samples,), "
                             "(n_samples, 1) or one-hot (n_samples, n_classes).")
        self.n_classes_ = len(self.classes_)
        return super().fit(x, y, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags

    def _targets_for_model(self, y):
        if y.ndim == 2 and y.shape[1] > 1:
            return y
        codes = np.searchsorted(self.classes_, y.reshape(-1))
        if is_categorical_crossentropy(self.model_.loss):
            return np.eye(self.n_classes_, dtype="float32")[codes]
        return codes

    def predict(self, x, **kwargs):
        """Labels, (n_samples,): argmax over several output units, `> 0.5` for one unit."""
        output = self._predict_output(x, kwargs)
        if output.shape[-1] > 1:
            if output.shape[-1] != self.n_classes_:
                raise ValueError(f"The model outputs {output.shape[-1]} units, but fit saw "
                                 f"{self.n_classes_} classes {list(self.classes_)}: expected "
                                 "one output unit per class (or one sigmoid unit for two).")
            codes = output.argmax(axis=-1)
        else:
            codes = (output.reshape(-1) > 0.5).astype("int32")
        return self.classes_[codes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities, (n_samples, n_classes); one sigmoid column p -> [1 - p, p]."""
        return probabilities_from_output(self._predict_output(x, kwargs), self.n_classes_)

    def score(self, x, y, sample_weight=None, **kwargs):
        """The model's accuracy on (x, y), from `evaluate` as Keras 2 computed it."""
        from sklearn.metrics import accuracy_score

        x, y = self._validate(x, y, reset=False)
        names = list(getattr(self.model_, "metrics_names", []))
        if not any(name in ("accuracy", "acc") for name in names):
            return accuracy_score(y, self.predict(x, **kwargs), sample_weight=sample_weight)
        kwargs = {"verbose": 0, **self.filter_sk_params(Sequential.evaluate, kwargs)}
        outputs = self.model_.evaluate(x, self._targets_for_model(y),
                                       sample_weight=sample_weight, **kwargs)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        logs = dict(zip(self.model_.metrics_names, outputs, strict=True))
        return logs["accuracy"] if "accuracy" in logs else logs["acc"]


class KerasRegressor(RegressorMixin, BaseWrapper):
    """Keras 2's KerasRegressor: `predict` squeezes the last axis; `score` is minus the loss."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags

    def fit(self, x, y, **kwargs):
        """Train a new model on (x, y): y (n_samples,) or (n_samples, n_outputs)."""
        x, y = self._validate(x, y)
        type_of_target(y, input_name="y", raise_unknown=True)
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """Predictions, (n_samples,) for one output unit (the last axis squeezed)."""
        output = self._predict_output(x, kwargs)
        return np.squeeze(output, axis=-1) if output.shape[-1] == 1 else output

    def score(self, x, y, sample_weight=None, **kwargs):
        """Minus the model's loss on (x, y) (greater is better, as scikit-learn expects)."""
        kwargs = {"verbose": 0, **self.filter_sk_params(Sequential.evaluate, kwargs)}
        x, y = self._validate(x, y, reset=False)
        loss = self.model_.evaluate(x, y, sample_weight=sample_weight, **kwargs)
        return -loss[0] if isinstance(loss, list) else -loss


def is_categorical_crossentropy(loss):
    """Whether a compiled loss is categorical_crossentropy (so labels must be one-hot)."""
    from .. import losses

    return getattr(loss, "fn", None) is losses.categorical_crossentropy
