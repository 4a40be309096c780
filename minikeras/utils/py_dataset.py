"""PyDataset (Keras 3) and Sequence (its Keras 2 name): a dataset that hands out batches by index.

    class MyData(PyDataset):
        def __len__(self):            return number_of_batches
        def __getitem__(self, index): return x_batch, y_batch   (or x, y, sample_weight)
        def on_epoch_end(self):       optional: e.g. reshuffle

fit/evaluate/predict read batch 0, 1, ..., len - 1 in order each epoch and call
`on_epoch_begin` / `on_epoch_end` around it (utils/data_adapters.py). minikeras reads the batches
in the calling thread: `workers`, `use_multiprocessing` and `max_queue_size` are kept so that
code written for Keras runs, but change nothing.
"""

import itertools
import warnings


class PyDataset:
    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = False
        for name, default in (("_workers", 1), ("_use_multiprocessing", False),
                              ("_max_queue_size", 10)):
            if not hasattr(self, name):
                setattr(self, name, default)
                missing = True
        if missing:
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in "
                          "its constructor. `**kwargs` can include `workers`, "
                          "`use_multiprocessing`, `max_queue_size`. Do not pass these arguments "
                          "to `fit()`, as they will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        raise NotImplementedError

    @property
    def num_batches(self):
        """The number of batches: `len(self)` (Keras 3 lets a subclass define either)."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError("You need to implement the `num_batches` property:\n\n"
                                  "@property\ndef num_batches(self):\n  return ...")

    def __iter__(self):
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        for index in (range(count) if count is not None else itertools.count()):
            yield self[index]

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


Sequence = PyDataset  # keras.utils.Sequence is this same class in Keras 3
