"""timeseries_dataset_from_array: sliding windows over a series, in batches, as Keras 3 cuts
them (keras/src/utils/timeseries_dataset_utils.py).

Window i starts at s_i = start_index + i * sequence_stride and holds the rows
    data[s_i], data[s_i + sampling_rate], ..., data[s_i + (sequence_length - 1) * sampling_rate];
its target is targets[s_i]. Keras returns a tf.data.Dataset; minikeras returns a PyDataset of
(windows, targets) batches, which fit / evaluate / predict take the same way.
"""

import numbers

import numpy as np

from .py_dataset import PyDataset


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """A PyDataset of batches of windows (batch, sequence_length, *data.shape[1:]) and, when
    `targets` is given, their targets (batch, *targets.shape[1:]).

    With shuffle=True the window order is np.random.RandomState(seed).shuffle'd as in Keras;
    Keras then also shuffles within a buffer of batch_size * 8 windows, which minikeras skips.
    """
    data = np.asarray(data)
    for name, value in (("sequence_length", sequence_length),
                        ("sequence_stride", sequence_stride), ("sampling_rate", sampling_rate)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
            raise ValueError(f"`{name}` must be an integer higher than 0. Received: "
                             f"{name}={value!r}")
    if start_index and not 0 <= start_index < len(data):
        raise ValueError(f"`start_index` must be in [0, {len(data)}). Received: "
                         f"start_index={start_index}")
    if end_index and not (start_index or 0) < end_index < len(data):
        raise ValueError(f"`end_index` must be higher than `start_index` and lower than the "
                         f"length of the data ({len(data)}). Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value >= len(data):
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {len(data)}")
    start = start_index or 0
    end = end_index or len(data)
    count = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        rng = np.random.RandomState(np.random.randint(1e6) if seed is None else seed)
        rng.shuffle(starts)
    return TimeseriesDataset(data[start:end], None if targets is None else targets[start:end],
                             starts, np.arange(sequence_length) * sampling_rate,
                             batch_size or len(starts))


class TimeseriesDataset(PyDataset):
    def __init__(self, data, targets, starts, offsets, batch_size):
        super().__init__()
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets, self.batch_size = offsets, batch_size

    def __len__(self):
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range for {len(self)} batches")
        starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.data[starts[:, None] + self.offsets]
        return windows if self.targets is None else (windows, self.targets[starts])
