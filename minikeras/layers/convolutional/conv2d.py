"""Conv2D: a 2-D convolution of x (batch, rows, cols, channels) or channels_first.

The equations and the weights' layout are in base_conv.py; the math in kernels/numpy_ref/conv.py.
"""

from .base_conv import BaseConv


class Conv2D(BaseConv):
    rank = 2
