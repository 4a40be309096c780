"""BackupAndRestore with damaged backups (issue 16): any load failure of the latest backup falls
back to the `.bkp` pair (Keras 3.15 falls back on OSError only), and the metadata is written
atomically."""

import json
import os

import numpy as np
import pytest
from saving_tools import data, mlp

from minikeras.callbacks import BackupAndRestore
from minikeras.saving import SavedFileError, files


def backup_folder(tmp_path, latest_weights, latest_metadata):
    """A backup folder: a good .bkp pair (epoch 2, model seed 1) and the given latest pair."""
    folder = tmp_path / "backup"
    folder.mkdir()
    previous = mlp(seed=1)
    previous.save_weights(folder / "previous.weights.h5")
    os.replace(folder / "previous.weights.h5", folder / "latest.weights.h5.bkp")
    (folder / "training_metadata.json.bkp").write_text(json.dumps({"epoch": 2, "batch": 0}))
    if latest_weights is not None:
        (folder / "latest.weights.h5").write_bytes(latest_weights)
    (folder / "training_metadata.json").write_text(latest_metadata)
    return folder, previous


def good_weights(tmp_path):
    mlp(seed=3).save_weights(tmp_path / "w.weights.h5")
    return (tmp_path / "w.weights.h5").read_bytes()


@pytest.mark.parametrize("case", ["truncated weights", "empty metadata", "metadata without epoch"])
def test_a_broken_latest_backup_falls_back_to_bkp(tmp_path, case):
    weights = good_weights(tmp_path)
    latest = {"truncated weights": (weights[: len(weights) // 2], '{"epoch": 3, "batch": 0}'),
              "empty metadata": (weights, ""),
              "metadata without epoch": (weights, '{"batch": 0}')}[case]
    folder, previous = backup_folder(tmp_path, *latest)
    model = mlp(seed=5)
    callback = BackupAndRestore(folder, double_checkpoint=True)
    callback.set_model(model)
    with pytest.warns(UserWarning, match="resuming from the previous one"):
        callback.on_train_begin()
    assert model._initial_epoch == 2
    for u, v in zip(model.get_weights(), previous.get_weights(), strict=True):
        np.testing.assert_array_equal(u, v)


def test_fit_resumes_from_bkp_when_the_latest_weights_are_truncated(tmp_path):
    weights = good_weights(tmp_path)
    folder, _ = backup_folder(tmp_path, weights[:100], '{"epoch": 3, "batch": 0}')
    x, y = data()
    model = mlp(seed=5)
    with pytest.warns(UserWarning, match="cannot be loaded"):
        history = model.fit(x, y, epochs=4, batch_size=8, verbose=0,
                            callbacks=[BackupAndRestore(folder, double_checkpoint=True)])
    assert len(history.history["loss"]) == 2  # epochs 3 and 4: resumed after epoch 2
    assert not os.path.exists(folder)  # a completed run deletes its backups


def test_without_bkp_the_error_names_the_file_and_changes_nothing(tmp_path):
    weights = good_weights(tmp_path)
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "latest.weights.h5").write_bytes(weights[:200])
    model = mlp(seed=5)
    before = model.get_weights()
    callback = BackupAndRestore(folder, double_checkpoint=True)
    callback.set_model(model)
    with pytest.raises(SavedFileError, match="latest.weights.h5.*truncated or corrupted"):
        callback.on_train_begin()
    (folder / "latest.weights.h5").write_bytes(weights)
    (folder / "training_metadata.json").write_text("")
    with pytest.raises(ValueError, match=r"training_metadata.json.*expected \{\"epoch\""):
        callback.on_train_begin()
    for u, v in zip(before, model.get_weights(), strict=True):  # the metadata is read first
        np.testing.assert_array_equal(u, v)


def test_metadata_is_written_atomically(tmp_path, monkeypatch):
    x, y = data()
    folder = tmp_path / "backup"
    model = mlp(seed=5)
    callback = BackupAndRestore(folder, delete_checkpoint=False)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[callback])
    metadata = (folder / "training_metadata.json").read_text()
    assert json.loads(metadata) == {"epoch": 1, "batch": 0}
    original = os.replace

    def power_cut(src, dst):
        if os.fspath(dst).endswith("training_metadata.json"):
            raise KeyboardInterrupt("power cut")
        return original(src, dst)

    monkeypatch.setattr(files.os, "replace", power_cut)
    with pytest.raises(KeyboardInterrupt):  # resumes after epoch 1, then saves after epoch 2
        model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[callback])
    assert (folder / "training_metadata.json").read_text() == metadata  # whole, not empty
    assert sorted(os.listdir(folder)) == ["latest.weights.h5", "training_metadata.json"]
