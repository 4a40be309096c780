"""Reading one CIFAR batch file: a pickled dict with `data` (n, 3072) uint8 and the labels."""

from .files import load_pickle


def load_batch(fpath, label_key="labels"):
    """(data (n, 3, 32, 32) uint8, labels list) from one CIFAR batch file."""
    d = {k.decode("utf8"): v for k, v in load_pickle(fpath).items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]
