"""AveragePooling1D/2D/3D: the mean of each window, padding not counted (see base_pooling.py)."""

from .. import legacy_args
from .base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    rank, mode = 1, "average"

    @legacy_args.accepts(legacy_args.POOLING)
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    rank, mode = 2, "average"

    @legacy_args.accepts(legacy_args.POOLING)
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    rank, mode = 3, "average"

    @legacy_args.accepts(legacy_args.POOLING)
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
