"""fit / evaluate / predict on batch sources: Python generators and PyDataset / Sequence.

A batch source hands out ready-made batches: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`.
`BatchSource.epoch(steps)` yields them one epoch at a time, each checked by the model
(`model._prepare`) before any kernel runs; a batch of the wrong shape raises naming the batch.

Epochs, as Keras 3 reads them:
    PyDataset: batches 0 .. len - 1 in order (in a random order, Python's `random`, when
        shuffle=True, as Keras 3 does); on_epoch_begin before, on_epoch_end after a full pass.
        With steps_per_epoch, each epoch takes the next `steps` batches, wrapping around.
    generator: the next `steps` items (all until StopIteration when steps is None); once it
        has run dry, training stops with Keras's "ran out of data" warning.

The training loop here is fit's per-batch loop, for these sources: trainer.py hands over to
`fit_batches` / `evaluate_batches` / `predict_batches` when `x` (or `validation_data`) is one.
"""

import collections.abc
import itertools
import random
import types

import numpy as np

from .py_dataset import PyDataset


def is_batch_source(x):
    """A generator, an iterator, or a PyDataset/Sequence (indexable batches with a length)."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)):
        return False
    if isinstance(x, (PyDataset, types.GeneratorType)):
        return True
    if isinstance(x, collections.abc.Iterator):
        return True
    return all(hasattr(x, name) for name in ("__getitem__", "__len__", "on_epoch_end")) and \
        not hasattr(x, "shape")  # a Keras / keras-preprocessing Sequence, not an array


class BatchSource:
    def __init__(self, source, shuffle=False, what="x"):
        self.source, self.shuffle, self.what = source, shuffle, what
        self.indexed = not isinstance(source, collections.abc.Iterator) or isinstance(
            source, PyDataset)
        self.kind = "PyDataset" if self.indexed else "generator"
        self._order, self._position = None, 0
        self.exhausted = False

    def num_batches(self):
        if not self.indexed:
            return None
        return self.source.num_batches if isinstance(self.source, PyDataset) else len(
            self.source)

    def epoch(self, steps=None):
        """Yield (step, batch) for one epoch: `steps` batches, or a full pass when None."""
        if self.indexed:
            yield from self._indexed_epoch(steps)
            return
        for step in (range(steps) if steps is not None else itertools.count()):
            try:
                batch = next(self.source)
            except StopIteration:
                self.exhausted = True
                return
            yield step, batch

    def _indexed_epoch(self, steps):
        n = self.num_batches()
        if not n:
            raise ValueError(f"The {self.kind} given as `{self.what}` has no batches (len 0).")
        hook = getattr(self.source, "on_epoch_begin", None)
        if hook is not None and self._position == 0:
            hook()
        for step in range(n if steps is None else steps):
            if self._order is None:
                self._order = list(range(n))
                if self.shuffle:
                    random.shuffle(self._order)
            yield step, self.source[self._order[self._position]]
            self._position += 1
            if self._position == n:  # a full pass: Keras calls on_epoch_end here
                self._position, self._order = 0, None
                self.source.on_epoch_end()
                if steps is not None and step + 1 < steps and hook is not None:
                    hook()


def unpack(batch, step, kind):
    """(x, y, sample_weight) from a batch: x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(batch, list) and len(batch) in (2, 3) and not np.isscalar(batch[0]):
        batch = tuple(batch)  # Keras 2 generators often yield [x, y]
    if not isinstance(batch, tuple):
        return batch, None, None
    if not 1 <= len(batch) <= 3:
        raise ValueError(f"Batch {step} of the {kind} is a tuple of {len(batch)} items; "
                         "expected (x,), (x, y) or (x, y, sample_weight).")
    return tuple(batch) + (None,) * (3 - len(batch))


def prepare(model, batch, step, kind, class_weight=None, targets=True):
    """Unpack and check one batch with the model's own checks; errors name the batch."""
    x, y, sample_weight = unpack(batch, step, kind)
    try:
        if not targets:
            return model._prepare_x(x), None, None
        if y is None:
            raise ValueError("it has no targets (yield (x, y) or (x, y, sample_weight))")
        return model._prepare(x, y, sample_weight, class_weight)
    except (ValueError, TypeError) as e:
        shapes = ", ".join(f"{name} shape {np.shape(a)}" for name, a in
                           (("x", x), ("y", y)) if a is not None)
        raise type(e)(f"Batch {step} of the {kind} ({shapes}) is not valid for model "
                      f"{model.name!r}: {e}") from e


def check_fit_arguments(x, y, sample_weight, batch_size, validation_split):
    if not is_batch_source(x):
        return
    kind = BatchSource(x).kind
    for name, value, what in (("y", y, "the targets"),
                              ("sample_weight", sample_weight, "the sample weights")):
        if value is not None:
            raise ValueError(f"When providing `x` as a {kind}, `{name}` should not be passed. "
                             f"Instead, {what} should be included as part of the {kind}.")
    if batch_size is not None:
        raise ValueError(f"The `batch_size` argument must not be specified when `x` is a "
                         f"{kind}: its batches already have their size (got "
                         f"batch_size={batch_size}).")
    if validation_split:
        raise ValueError("`validation_split` is only supported for NumPy arrays, not for a "
                         f"{kind}; pass `validation_data` instead.")


class ArrayBatches:
    """Arrays as a batch source, for fit with arrays but a generator as validation_data."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle):
        self.arrays, self.batch_size, self.shuffle = (x, y, sample_weight), batch_size, shuffle
        self.kind, self.exhausted = "array data", False

    def num_batches(self):
        return -(-len(self.arrays[0]) // self.batch_size)

    def epoch(self, steps=None):
        from . import data

        x, y, sw = self.arrays
        for step, idx in enumerate(data.batch_indices(len(x), self.batch_size, self.shuffle)):
            if steps is not None and step >= steps:
                return
            yield step, (x[idx], y[idx]) if sw is None else (x[idx], y[idx], sw[idx])
