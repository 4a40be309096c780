"""Reading dataset files safely, and the seeded shuffle/split every loader shares."""

import io
import pickle
import zipfile

import numpy as np

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# Rebuilding a pickled NumPy array needs these globals and nothing else; a tampered file that
# names another (os.system, builtins.eval, ...) is refused instead of run.
_ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                      ("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct"),
                      ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")})


class ArraysOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to load `{module}.{name}` from a dataset file: "
                                     "the file may be corrupted or malicious.")


def load_pickle(path):
    """A Python 2 pickle (the CIFAR batches): bytes keys, NumPy arrays and lists inside."""
    with open(path, "rb") as f:
        return ArraysOnlyUnpickler(f, encoding="bytes").load()


def load_npz(path):
    """Every array of an `.npz` file; object arrays (ragged word sequences) through
    `ArraysOnlyUnpickler`, numeric ones with pickling off."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[:-4]] = _load_npy(io.BytesIO(archive.read(member)))
    return arrays


def _load_npy(f):
    version = np.lib.format.read_magic(f)
    if version[0] == 1:
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version[0] in (2, 3):  # 3.0 only changes the header's text encoding
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"Unsupported `.npy` file version: {version}.")
    if dtype.hasobject:
        return ArraysOnlyUnpickler(f).load()
    f.seek(0)
    return np.lib.format.read_array(f, allow_pickle=False)


def shuffled(seed, *arrays):
    """The arrays reordered by one `np.random.RandomState(seed).shuffle` of their indices."""
    indices = np.arange(len(arrays[0]))
    np.random.RandomState(seed).shuffle(indices)
    return tuple(a[indices] for a in arrays)


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")


def split(x, y, test_split):
    """The first (1 - test_split) of the samples for training, the rest for testing."""
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
