"""Normalization layers, at Keras's names (and Keras 2's module path `layers.normalization`)."""

from .batch_normalization import BatchNormalization
from .layer_normalization import LayerNormalization

__all__ = ["BatchNormalization", "LayerNormalization"]
