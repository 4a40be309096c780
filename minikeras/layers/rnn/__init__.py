"""Recurrent layers: the shared RNN base, SimpleRNN, LSTM, GRU, and the wrappers."""

from .bidirectional import Bidirectional
from .gru import GRU
from .lstm import LSTM
from .rnn import RNN
from .simple_rnn import SimpleRNN
from .time_distributed import TimeDistributed

__all__ = ["GRU", "LSTM", "RNN", "Bidirectional", "SimpleRNN", "TimeDistributed"]
