"""scikit-learn wrappers, at Keras 3's path `keras.wrappers`.

Keras 3's spelling: `from minikeras.wrappers import SKLearnClassifier` (`sklearn_wrapper.py`).
Keras 2's spelling, as the old tutorials write it:
`from minikeras.wrappers.scikit_learn import KerasClassifier, KerasRegressor`.
"""

from .sklearn_wrapper import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
