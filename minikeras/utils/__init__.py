"""Utilities, as `keras.utils` exposes them: seeding, progress bars, data checks."""

from .random import set_random_seed  # noqa: F401
