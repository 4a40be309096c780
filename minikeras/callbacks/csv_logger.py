"""CSVLogger: write each epoch's logs as one row of a CSV file, as Keras 3's.

The header is "epoch" then the sorted log names of the first epoch; when those hold no "val_"
name, "val_<name>" columns are added for each (filled with "NA"). Rows are written with the
csv module's "excel" dialect (\r\n line ends) and `separator` as delimiter, flushed every
epoch. With append=True the file is opened for appending and the header is written only if the
file is missing or empty. Values are written as `str(value)`; lists as "[a, b]".
"""

import collections.abc
import csv
import os

import numpy as np

from .callback import Callback


def csv_value(value):
    """How Keras writes one value: strings as they are, iterables as "[a, b]", else as given."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
            isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Streams epoch results to a CSV file.

    filename: path of the CSV file; separator: the column delimiter (",")
    append: keep an existing file and add rows to it (True) or overwrite it (False)
    A separator that is not one character raises TypeError here (Keras: at the first epoch end).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:  # csv would fail at epoch end
            raise TypeError("`separator` must be a one-character string. "
                            f"Received: separator={separator!r}")
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode)  # noqa: SIM115 (closed at train end)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            dialect = type("CustomDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
