"""MaxPooling1D/2D/3D: the largest value of each window (base_pooling.py has the equations)."""

from .. import legacy_args
from .base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    rank, mode = 1, "max"

    @legacy_args.accepts(legacy_args.POOLING)
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    rank, mode = 2, "max"

    @legacy_args.accepts(legacy_args.POOLING)
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(BasePooling):
    rank, mode = 3, "max"

    @legacy_args.accepts(legacy_args.POOLING)
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
