"""Keras 2's `keras.utils.data_utils`: get_file and Sequence, now in `minikeras.utils`."""

from .. import legacy
from . import file_utils, py_dataset


def get_file(*args, **kwargs):
    legacy.warn_renamed("minikeras.utils.data_utils.get_file", "minikeras.utils.get_file")
    return file_utils.get_file(*args, **kwargs)


def __getattr__(name):  # the class itself cannot warn on use, so the lookup warns
    if name in ("Sequence", "PyDataset"):
        legacy.warn_renamed(f"minikeras.utils.data_utils.{name}", "minikeras.utils.PyDataset")
        return py_dataset.PyDataset
    if name == "pad_sequences":
        from .sequence_utils import pad_sequences

        legacy.warn_renamed("minikeras.utils.data_utils.pad_sequences",
                            "minikeras.utils.pad_sequences")
        return pad_sequences
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
