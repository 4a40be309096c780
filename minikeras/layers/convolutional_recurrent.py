"""Keras 2's module `keras.layers.convolutional_recurrent` (ConvLSTM2D lived there); Keras 3
has the layers in `keras.layers` (rnn/conv_lstm*.py here)."""

from .rnn.conv_lstm1d import ConvLSTM1D
from .rnn.conv_lstm2d import ConvLSTM2D
from .rnn.conv_lstm3d import ConvLSTM3D

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
