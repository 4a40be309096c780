"""Keras 3's scikit-learn wrappers: SKLearnClassifier, SKLearnRegressor, SKLearnTransformer.

    clf = SKLearnClassifier(model=build, model_kwargs={"units": 16}, fit_kwargs={"epochs": 5})
    clf.fit(X, y)            # build(X=X, y=one-hot y, units=16), then model.fit(X, y, epochs=5)
    clf.predict(X)           # labels, as given to fit (strings, integers, ...)
    clf.predict_proba(X)     # (n_samples, n_classes), columns in the order of clf.classes_

`model` is a compiled minikeras model or a callable returning one; a callable is called with
the validated `X` and the encoded `y` (classifiers: one-hot, (n_samples, n_classes), also for
two classes; regressors: (n_samples, n_outputs)) plus `model_kwargs`, so it can size the input
and output layers from the data. A model instance is cloned (same layers and compile
arguments, fresh weights) before each fit.

Where minikeras differs from Keras 3 (on purpose):
- `decision_function` is (n_samples,) for two classes, as scikit-learn expects (see there).
- `predict_proba` exists (Keras 3 has none; scoring="roc_auc" and `log_loss` need it). It is
  the model's output, with a single sigmoid column turned into [1 - p, p].
- `clone` keeps `fit_kwargs` (Keras's `__sklearn_clone__` drops them, so a cloned wrapper in
  `GridSearchCV` silently trains with `fit`'s defaults), and `fit` does not write its keyword
  arguments into `fit_kwargs` (Keras updates the dict in place).
- `warm_start=True` does what it says: a second `fit` continues training `model_` (Keras
  documents it but always starts from a fresh model).
- `predict`/`transform` print a progress bar only if `fit_kwargs` has no `verbose` (they use it).
- `epoch_` is the number of epochs trained (Keras's raises AttributeError on its History).
- A fitted wrapper pickles with its model, optimizer state included, so training resumes
  exactly after a round trip (see `utils.py`).
"""

import numpy as np

from .utils import (
    PicklesModels,
    TargetReshaper,
    assert_sklearn_installed,
    check_model,
    clone_model,
    routing_enabled,
    type_of_target,
    validate_data,
)

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:
    sklearn = None
    BaseEstimator = ClassifierMixin = RegressorMixin = TransformerMixin = object

__all__ = ["SKLBase", "SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


class SKLBase(PicklesModels, BaseEstimator):
    """What the three wrappers share: build, fit, predict, clone, pickle.

    Args:
        model: a compiled minikeras model, or a callable `model(X=..., y=..., **model_kwargs)`
            returning one.
        warm_start: reuse `model_` from the previous fit instead of building a new one.
        model_kwargs: keyword arguments for `model` when it is a callable.
        fit_kwargs: keyword arguments for `model.fit` (those given to `fit` take precedence).

    Attributes: `model_` (the fitted model), `history_` (the History `model.fit` returned),
    `n_features_in_`.
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        assert_sklearn_installed(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def __sklearn_clone__(self):
        """An unfitted copy with the same parameters (`sklearn.base.clone` calls this)."""
        return type(self)(model=self.model, warm_start=self.warm_start,
                          model_kwargs=self.model_kwargs, fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        """How many epochs the fitted model has trained (0 before fit)."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def set_fit_request(self, **kwargs):
        """Request metadata for `score` (scikit-learn's metadata routing must be enabled)."""
        if not routing_enabled():
            raise RuntimeError("This method is only available when metadata routing is "
                               "enabled. You can enable it using "
                               "sklearn.set_config(enable_metadata_routing=True).")
        self._metadata_request = sklearn.utils.metadata_routing.MetadataRequest(
            owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.score.add_request(param=param, alias=alias)
        return self

    def _get_model(self, X, y):
        if self.warm_start and getattr(self, "model_", None) is not None:
            return self.model_
        if hasattr(self.model, "get_config") and hasattr(self.model, "fit"):
            return clone_model(self.model)
        if not callable(self.model):
            raise TypeError("`model` must be a compiled minikeras model or a callable that "
                            f"returns one; got model={self.model!r} "
                            f"(of type {type(self.model).__name__}).")
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Validate X and y, encode y, build the model and train it.

        X: (n_samples, n_features); y: (n_samples,) or (n_samples, n_outputs).
        kwargs: passed to `model.fit` (e.g. `sample_weight=`, `epochs=`), over `fit_kwargs`.
        """
        X, y = validate_data(self, X, y, reset=not self._continuing())
        y = self._process_target(y, reset=not self._continuing())
        model = self._get_model(X, y)
        check_model(model)
        fit_kwargs = {**(self.fit_kwargs or {}), **kwargs}
        history = model.fit(X, y, **fit_kwargs)
        if self._continuing():
            for key, values in history.history.items():
                self.history_.history.setdefault(key, []).extend(values)
            self.history_.epoch.extend(history.epoch)
        else:
            self.history_ = history
        self.model_ = model
        return self

    def _continuing(self):
        return bool(self.warm_start) and getattr(self, "model_", None) is not None

    def _predict_raw(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.model_.predict(X, verbose=(self.fit_kwargs or {}).get("verbose", "auto"))

    def predict(self, X):
        """Predictions decoded back to the targets' form. X: (n_samples, n_features)."""
        return self._reverse_process_target(self._predict_raw(X))

    def _process_target(self, y, reset=False):
        """Regressors: y as a column when 1-D (classifiers one-hot encode instead)."""
        type_of_target(y, raise_unknown=True)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a minikeras model (Keras 3's SKLearnClassifier).

    Labels (any type: strings, integers) are one-hot encoded for the model, so the model needs
    one output unit per class (softmax), also for two classes. `predict` decodes by argmax.

    Attributes: `classes_` ((n_classes,), sorted), `model_`, `history_`, `n_features_in_`.
    """

    def decision_function(self, X):
        """Scores: the raw model outputs, (n_samples, n_classes); for two classes,
        (n_samples,): output[:, 1] - output[:, 0], positive where `predict` says classes_[1].

        Keras returns the (n_samples, 2) outputs for two classes too, which scikit-learn's
        scorers cannot read (scoring="roc_auc" gives nan); the difference of the two columns
        ranks samples as the probability of classes_[1] does, for probabilities and logits.
        """
        output = self._predict_raw(X)
        if len(self.classes_) == 2 and output.ndim == 2 and output.shape[1] == 2:
            return output[:, 1] - output[:, 0]
        return output

    def predict_proba(self, X):
        """Class probabilities, (n_samples, n_classes), columns in the order of `classes_`.

        The model's outputs as they are; one sigmoid column p becomes [1 - p, p].
        Not in Keras 3's wrapper.
        """
        return probabilities_from_output(self._predict_raw(X), len(self.classes_))

    def _process_target(self, y, reset=False):
        """One-hot encode labels: y (n_samples,) -> (n_samples, n_classes)."""
        target_type = type_of_target(y, raise_unknown=True)
        if target_type not in ["binary", "multiclass"]:
            raise ValueError("Only binary and multiclass target types are supported."
                             f" Target type: {target_type}")
        if reset:
            self._target_encoder = sklearn.pipeline.make_pipeline(
                TargetReshaper(), sklearn.preprocessing.OneHotEncoder(sparse_output=False),
            ).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a minikeras model (Keras 3's SKLearnRegressor).

    y (n_samples,) reaches the model as (n_samples, 1) and `predict` returns (n_samples,).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer (a pipeline step) around a minikeras model.

    `fit` trains the model on (X, y); `transform(X)` returns the model's outputs,
    (n_samples, n_outputs), e.g. an embedding for the next step of a Pipeline.
    """

    def transform(self, X):
        """The model's outputs for X: (n_samples, n_features) -> (n_samples, n_outputs)."""
        return self._predict_raw(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags


def probabilities_from_output(output, n_classes):
    """Class probabilities from a model's output.

    output: (n_samples, n_classes) -> returned as is;
            (n_samples, 1) or (n_samples,) with two classes (one sigmoid unit p) -> [1 - p, p].
    """
    output = np.asarray(output)
    if output.ndim == 1:
        output = output[:, None]
    if output.shape[1] == 1 and n_classes == 2:
        return np.hstack([1 - output, output])
    if output.shape[1] != n_classes:
        raise ValueError(f"The model outputs {output.shape[1]} columns, but there are "
                         f"{n_classes} classes: expected one output per class (softmax) or, "
                         "for two classes, a single sigmoid unit.")
    return output
