"""Conv3D: a 3-D convolution of x (batch, d1, d2, d3, channels) or channels_first.

The equations and the weights' layout are in base_conv.py; the math in kernels/numpy_ref/conv.py.
"""

from .base_conv import BaseConv


class Conv3D(BaseConv):
    rank = 3
