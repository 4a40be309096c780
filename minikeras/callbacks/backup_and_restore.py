"""BackupAndRestore: resume an interrupted `fit` from its last backup, as Keras 3's.

Files in `backup_dir`:
    latest.weights.h5        the model's weights (`model.save_weights`), with optimizer state
                             when the saving code stores it
    training_metadata.json   {"epoch": epochs completed, "batch": last batch seen}
(with double_checkpoint, the previous pair is kept as *.bkp and used if the latest is broken).
At train begin, if a backup exists: `model.load_weights(...)` and `model._initial_epoch` is set
to the saved epoch, which `fit` reads after `on_train_begin` to skip the epochs already done.
At epoch end (or every `save_freq` batches) it backs up; at train end (a completed run) it
deletes `backup_dir` unless delete_checkpoint=False.
"""

import json
import os
import shutil
import warnings

from ..saving import files
from .callback import Callback


def _copy_atomically(source, target):
    """Copy through a temporary file renamed onto target: a kill mid-copy leaves the old one."""
    with files.atomic_write(target) as tmp:
        shutil.copyfile(source, tmp)


class BackupAndRestore(Callback):
    """Backs up weights and the epoch reached, and restores them when `fit` starts again.

    backup_dir: folder for the backup files; save_freq: "epoch" or a number of batches
    double_checkpoint: keep the previous backup too; delete_checkpoint: remove the folder at
    the end of a completed `fit`
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an integer "
                             "value.")

    def on_train_begin(self, logs=None):
        self._check_built()
        try:
            self._load_model()
        except (OSError, ValueError, KeyError, TypeError) as error:
            # The latest backup is broken (truncated weights, an empty metadata file...): fall
            # back to the previous one, if there is one. Keras 3.15 falls back on OSError only,
            # which minikeras's loader turns into SavedFileError (a ValueError).
            if not os.path.exists(self._prev_weights_path):
                raise
            warnings.warn(f"The latest backup in {self.backup_dir!r} cannot be loaded "
                          f"({error}); resuming from the previous one (.bkp).", stacklevel=2)
            _copy_atomically(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                _copy_atomically(self._prev_training_metadata_path,
                                 self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _check_built(self):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be built "
                             f"before you call `fit()`. Model {self.model} is unbuilt. You can "
                             "build it beforehand by calling it on a batch of data.")

    def _load_model(self):
        """Load the backed-up weights and tell `fit` which epoch to resume from.

        The metadata is read first, so a broken pair changes nothing (the weights load is
        transactional too)."""
        epoch = None
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                text = f.read()
            try:
                epoch = json.loads(text)["epoch"]
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"Cannot read {self._training_metadata_path!r}: expected "
                                 f'{{"epoch": ..., "batch": ...}}, got {text[:80]!r} '
                                 f"({type(error).__name__}: {error})") from error
            if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
                raise ValueError(f"Cannot read {self._training_metadata_path!r}: 'epoch' must "
                                 f"be an integer >= 0, got {epoch!r}")
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if epoch is not None:
            self.model._initial_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            _copy_atomically(self._weights_path, self._prev_weights_path)
        if self.double_checkpoint and os.path.exists(self._training_metadata_path):
            _copy_atomically(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(filepath=self._weights_path, overwrite=True)
        metadata = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen})
        with files.atomic_write(self._training_metadata_path) as tmp, open(tmp, "w") as f:
            f.write(metadata)

    def _should_save_on_batch(self, batch):
        """Count batches since the last backup (a batch index that does not grow = new epoch)."""
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
