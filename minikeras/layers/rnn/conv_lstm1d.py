"""ConvLSTM1D: a 1-D convolutional LSTM over x (batch, time, steps, channels) or channels_first
(batch, time, channels, ...).

The equations, weights and arguments are in conv_lstm.py; the math in
kernels/numpy_ref/conv_lstm.py.
"""

from .conv_lstm import ConvLSTM


class ConvLSTM1D(ConvLSTM):
    rank = 1
