"""The `.keras` format: a zip of metadata.json, config.json and model.weights.h5, as Keras 3.

    metadata.json      {"keras_version": "3.15.1", "date_saved": "...", "minikeras_version": ...}
    config.json        serialization.serialize_model(model): architecture + compile settings
    model.weights.h5   weights_h5's layout: layers/<key>/vars/<i>, optimizer/vars/<i>, vars

Members are stored uncompressed, as Keras writes them. `keras_version` names the Keras release
whose format is mirrored (what Keras's loader checks); `minikeras_version` says who wrote it.
With zipped=False the three files go into a directory instead (Keras's unzipped layout).
"""

import contextlib
import datetime
import io
import json
import os
import shutil
import tempfile
import zipfile

from . import files, serialization, weights_h5

KERAS_FORMAT_VERSION = "3.15.1"
CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


def _metadata():
    from .. import __version__

    return {"keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "minikeras_version": __version__}


def _weights_bytes(model, include_optimizer=True):
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        weights_h5.write_model_state(h5, model, include_optimizer)
    return buffer.getvalue()


def write_archive(model, fileobj):
    """Write the .keras zip for `model` into a writable binary file object (or a path)."""
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(METADATA, json.dumps(_metadata()))
        archive.writestr(CONFIG, serialization.to_json(model))
        archive.writestr(WEIGHTS, _weights_bytes(model))


def write_directory(model, folder):
    os.makedirs(folder)
    with open(os.path.join(folder, METADATA), "w") as f:
        json.dump(_metadata(), f)
    with open(os.path.join(folder, CONFIG), "w") as f:
        f.write(serialization.to_json(model))
    with open(os.path.join(folder, WEIGHTS), "wb") as f:
        f.write(_weights_bytes(model))


def save(model, filepath, overwrite=True, zipped=True):
    """Save `model` to filepath (a temporary file, renamed into place when complete)."""
    with files.atomic_write(filepath, overwrite) as tmp:
        if zipped:
            write_archive(model, tmp)
        else:
            write_directory(model, tmp)


# ---- reading: sizes are checked before anything is read ------------------------------------

# config.json: Keras's configs are kilobytes (a few MB for hundreds of layers); 32 MiB leaves
# room for a Lambda's array arguments and stops a bomb before json.loads sees it.
MAX_CONFIG_BYTES = 32 << 20
# model.weights.h5 may be at most what the model's config implies, generously: 64 bytes per
# parameter (float64 storage, 8 bytes, times the variable plus up to 5 optimizer slots: Adam's
# amsgrad 3, EMA 1, gradient accumulation 1; then x1.33), 64 KiB per variable (HDF5 metadata is
# ~5 KB per variable with its slots in Keras's files) and 1 MiB for the rest (~8 KB in Keras's).
WEIGHTS_BYTES_PER_PARAMETER, WEIGHTS_BYTES_PER_VARIABLE, WEIGHTS_BASE_BYTES = 64, 64 << 10, 1 << 20
# Members up to this size are read into memory; larger ones are streamed to a temporary file.
_IN_MEMORY_BYTES = 64 << 20


def weights_size_limit(model):
    """The most bytes `model.weights.h5` may declare for `model` (see the constants above)."""
    variables = model.weights
    parameters = sum(int(v.value.size) for v in variables)
    return (WEIGHTS_BASE_BYTES + WEIGHTS_BYTES_PER_VARIABLE * len(variables)
            + WEIGHTS_BYTES_PER_PARAMETER * parameters)


def _too_big(member, size, limit, why):
    return ValueError(f"member {member!r} declares {size} bytes uncompressed, more than the "
                      f"{limit} bytes {why}; refusing to read it (a damaged file or a "
                      "decompression bomb)")


def _read_config(archive):
    info = archive.getinfo(CONFIG)
    if info.file_size > MAX_CONFIG_BYTES:
        raise _too_big(CONFIG, info.file_size, MAX_CONFIG_BYTES, "allowed for a config")
    with archive.open(info) as f:
        return f.read(MAX_CONFIG_BYTES + 1).decode("utf-8")


@contextlib.contextmanager
def _open_weights(archive, model):
    """An open h5py File on the archive's model.weights.h5, its declared size checked against
    what `model` implies first; streamed (1 MiB at a time) to a temporary file if large."""
    import h5py

    info = archive.getinfo(WEIGHTS)
    limit = weights_size_limit(model)
    if info.file_size > limit:
        raise _too_big(WEIGHTS, info.file_size, limit,
                       f"that the model's {len(model.weights)} variables imply")
    if info.file_size <= _IN_MEMORY_BYTES:
        with archive.open(info) as member:
            buffer = io.BytesIO(member.read(limit + 1))
    else:
        buffer = tempfile.TemporaryFile()
        with archive.open(info) as member:
            shutil.copyfileobj(member, buffer, 1 << 20)
    with buffer, h5py.File(buffer, "r") as h5:
        yield h5


def _model_from_text(config_text, weights_bytes, custom_objects, compile, safe_mode):
    """The model config.json describes; its variables may take only what serialization's
    AllocationBudget allows for a weights member of `weights_bytes`."""
    try:
        spec = json.loads(config_text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{CONFIG} is not valid JSON ({error})") from None
    with serialization.AllocationBudget(weights_bytes, WEIGHTS):
        return serialization.model_from_config(spec, custom_objects, compile, safe_mode)


def read_archive(fileobj, custom_objects=None, compile=True, safe_mode=True):
    """Load a model from an open .keras zip (a path or a binary file object)."""
    with zipfile.ZipFile(fileobj, "r") as archive:
        names = archive.namelist()
        for member in (CONFIG, WEIGHTS):
            if member not in names:
                raise ValueError(f"the archive has no {member} (it holds {names}); it is not a "
                                 ".keras model file")
        model = _model_from_text(_read_config(archive), archive.getinfo(WEIGHTS).file_size,
                                 custom_objects, compile, safe_mode)
        with _open_weights(archive, model) as h5:
            weights_h5.read_model_state(h5, model, load_optimizer=compile)
    return model


def _directory_member(folder, member, limit):
    """The path of a zipped=False folder's member: a regular file (not a link), size checked."""
    path = os.path.join(folder, member)
    if os.path.islink(path) or not os.path.isfile(path):
        what = "a symbolic link" if os.path.islink(path) else "missing or not a regular file"
        raise ValueError(f"{member!r} in the folder is {what}; a model folder may only hold "
                         "its own files")
    size = os.path.getsize(path)
    if size > limit:
        raise _too_big(member, size, limit, "allowed")
    return path


def _load_directory(folder, custom_objects, compile, safe_mode):
    import h5py

    with open(_directory_member(folder, CONFIG, MAX_CONFIG_BYTES), encoding="utf-8") as f:
        config_text = f.read(MAX_CONFIG_BYTES + 1)
    stored = os.path.getsize(_directory_member(folder, WEIGHTS, float("inf")))
    model = _model_from_text(config_text, stored, custom_objects, compile, safe_mode)
    path = _directory_member(folder, WEIGHTS, weights_size_limit(model))
    with h5py.File(path, "r") as h5:
        weights_h5.read_model_state(h5, model, load_optimizer=compile)
    return model


def load(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a .keras file (or a zipped=False directory) saved by minikeras or Keras 3."""
    filepath = os.fspath(filepath)
    kind = files.sniff(filepath)
    with files.reading(filepath, "a .keras model archive"):
        if kind == "directory":
            return _load_directory(filepath, custom_objects, compile, safe_mode)
        files.expect(filepath, "zip", "a .keras model archive")
        return read_archive(filepath, custom_objects, compile, safe_mode)


def load_weights(model, filepath, skip_mismatch=False):
    """Load only the weights (and optimizer state) stored in a .keras file into `model`."""
    filepath = os.fspath(filepath)
    files.expect(filepath, "zip", "a .keras model archive")
    with files.reading(filepath, "a .keras model archive"):
        with zipfile.ZipFile(filepath, "r") as archive, _open_weights(archive, model) as h5:
            weights_h5.read_model_state(h5, model, skip_mismatch=skip_mismatch)
