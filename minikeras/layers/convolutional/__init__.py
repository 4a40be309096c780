"""Convolution layers, at Keras's names (and Keras 2's module path `layers.convolutional`)."""

from .conv1d import Conv1D
from .conv2d import Conv2D
from .conv3d import Conv3D

__all__ = ["Conv1D", "Conv2D", "Conv3D"]
