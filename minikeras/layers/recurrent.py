"""Keras 2's `keras.layers.recurrent` path, for old tutorials' imports: the classes of
`minikeras.layers`, with a DeprecationWarning naming the modern import."""

import warnings

from .rnn import GRU, LSTM, SimpleRNN

__all__ = ["GRU", "LSTM", "SimpleRNN"]

warnings.warn("`minikeras.layers.recurrent` is Keras 2's module path; import the layers from "
              "`minikeras.layers` instead.", DeprecationWarning, stacklevel=2)
