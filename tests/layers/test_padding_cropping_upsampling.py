"""ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D: Keras parity (output and dx), config,
channels_first, bad input."""

import numpy as np
import pytest
from layer_parity import assert_parity, twins

from minikeras import layers

keras = pytest.importorskip("keras")

CASES = [("ZeroPadding1D", (2, 5, 3), dict()), ("ZeroPadding1D", (2, 5, 3), dict(padding=(2, 0))),
         ("ZeroPadding2D", (2, 4, 3, 2), dict(padding=((1, 2), (0, 3)))),
         ("ZeroPadding2D", (2, 2, 4, 3), dict(padding=1, data_format="channels_first")),
         ("Cropping1D", (2, 6, 3), dict(cropping=(2, 1))),
         ("Cropping2D", (2, 6, 5, 2), dict(cropping=((1, 2), (0, 1)))),
         ("Cropping2D", (2, 3, 6, 5), dict(cropping=1, data_format="channels_first")),
         ("UpSampling1D", (2, 4, 3), dict(size=3)),
         ("UpSampling2D", (2, 3, 4, 2), dict(size=(2, 3))),
         ("UpSampling2D", (2, 2, 3, 4), dict(data_format="channels_first"))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls, shape, kwargs", CASES)
def test_matches_keras(cls, shape, kwargs, dtype, rng):
    mine, theirs = twins(getattr(layers, cls), getattr(keras.layers, cls), (None, *shape[1:]),
                         dtype, rng, **kwargs)
    assert_parity(mine, theirs, rng.normal(size=shape).astype(dtype), dtype, rng,
                  label=f"{cls} {kwargs}")
    assert mine.get_config() == {**theirs.get_config(), "name": mine.name}


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="padding=-1"):
        layers.ZeroPadding1D(-1)
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D(((1, 2, 3), (0, 0)))
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping1D((3, 3))(np.ones((1, 6, 2)))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.UpSampling2D()(np.ones((1, 6, 2)))
    with pytest.raises(ValueError, match="interpolation='nearest' only"):
        layers.UpSampling2D(interpolation="bilinear")
    with pytest.raises(ValueError, match="size=0"):
        layers.UpSampling1D(0)
