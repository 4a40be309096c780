"""parity: build the same model in real Keras, copy the weights, compare what both compute."""

from .core import compare_forward, compare_train_steps, to_keras  # noqa: F401
