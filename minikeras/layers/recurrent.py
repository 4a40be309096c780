"""Keras 1/2's `keras.layers.recurrent` path: LSTM, GRU, SimpleRNN are in `minikeras.layers`
(importing them from here warns, naming that path)."""

from .. import legacy

_NAMES = ("LSTM", "GRU", "SimpleRNN", "RNN", "LSTMCell", "GRUCell", "SimpleRNNCell")


def __getattr__(name):
    if name in _NAMES:
        from .. import layers

        if hasattr(layers, name):
            legacy.warn_renamed(f"minikeras.layers.recurrent.{name}", f"minikeras.layers.{name}")
            return getattr(layers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
