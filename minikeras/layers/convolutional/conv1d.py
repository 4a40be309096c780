"""Conv1D: a 1-D convolution of x (batch, steps, channels) or channels_first.

The equations and the weights' layout are in base_conv.py; the math in kernels/numpy_ref/conv.py.
"""

from .base_conv import BaseConv


class Conv1D(BaseConv):
    rank = 1
