"""Recurrent layers: the shared RNN base, SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D, and the
wrappers."""

from .bidirectional import Bidirectional
from .conv_lstm1d import ConvLSTM1D
from .conv_lstm2d import ConvLSTM2D
from .conv_lstm3d import ConvLSTM3D
from .gru import GRU
from .lstm import LSTM
from .rnn import RNN
from .simple_rnn import SimpleRNN
from .time_distributed import TimeDistributed

__all__ = ["GRU", "LSTM", "RNN", "Bidirectional", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
           "SimpleRNN", "TimeDistributed"]
