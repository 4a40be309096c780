"""Utilities, as `keras.utils` exposes them: seeding, progress bars, data checks, the tutorials'
toolbox (to_categorical, normalize, pad_sequences, get_file, PyDataset / Sequence)."""

from .file_utils import get_file  # noqa: F401
from .gradient_check import check_gradients  # noqa: F401
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .plotting import plot_history  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .py_dataset import PyDataset, Sequence  # noqa: F401
from .random import set_random_seed  # noqa: F401
from .sequence_utils import pad_sequences  # noqa: F401
from .timeseries_dataset_utils import timeseries_dataset_from_array  # noqa: F401
