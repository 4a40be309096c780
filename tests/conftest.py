"""Test settings: Keras runs on TensorFlow CPU, quietly, when it is installed."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import time  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# In CI, Hypothesis draws the same examples every run, so a result can be reproduced.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

from minikeras import config  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_floatx():
    """Every test starts in float32 and leaves it so, even if it switches both libraries."""
    yield
    config.set_floatx("float32")
    try:
        import keras

        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy("float32")
    except ImportError:
        pass


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


class Clock:
    """A settable stand-in for time.time, so progress-bar timings are deterministic."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake
