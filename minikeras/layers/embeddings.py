"""Keras 2's `keras.layers.embeddings` path, for old tutorials' imports: the classes of
`minikeras.layers`, with a DeprecationWarning naming the modern import."""

import warnings

from .embedding import Embedding

__all__ = ["Embedding"]

warnings.warn("`minikeras.layers.embeddings` is Keras 2's module path; import the layers from "
              "`minikeras.layers` instead.", DeprecationWarning, stacklevel=2)
