"""Utilities, as `keras.utils` exposes them: seeding, progress bars, data checks."""

from .gradient_check import check_gradients  # noqa: F401
from .plotting import plot_history  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .random import set_random_seed  # noqa: F401
