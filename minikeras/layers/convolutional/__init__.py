"""Convolution layers, at Keras's names; also Keras 2's module `layers.convolutional`, which
held the padding, cropping and upsampling layers and Keras 1's Convolution1D/2D too."""

from ..cropping import Cropping1D, Cropping2D
from ..up_sampling import UpSampling1D, UpSampling2D
from ..zero_padding import ZeroPadding1D, ZeroPadding2D
from .conv1d import Conv1D
from .conv2d import Conv2D
from .conv3d import Conv3D
from .legacy_spellings import Convolution1D, Convolution2D

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Cropping1D",
           "Cropping2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D"]
