"""ConvLSTM3D: a 3-D convolutional LSTM over x (batch, time, d1, d2, d3, channels) or channels_first
(batch, time, channels, ...).

The equations, weights and arguments are in conv_lstm.py; the math in
kernels/numpy_ref/conv_lstm.py.
"""

from .conv_lstm import ConvLSTM


class ConvLSTM3D(ConvLSTM):
    rank = 3
