"""The `.keras` format: a zip of metadata.json, config.json and model.weights.h5, as Keras 3.

    metadata.json      {"keras_version": "3.15.1", "date_saved": "...", "minikeras_version": ...}
    config.json        serialization.serialize_model(model): architecture + compile settings
    model.weights.h5   weights_h5's layout: layers/<key>/vars/<i>, optimizer/vars/<i>, vars

Members are stored uncompressed, as Keras writes them. `keras_version` names the Keras release
whose format is mirrored (what Keras's loader checks); `minikeras_version` says who wrote it.
With zipped=False the three files go into a directory instead (Keras's unzipped layout).
"""

import datetime
import io
import json
import os
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


def _load_parts(config_text, weights_bytes, custom_objects, compile, safe_mode):
    """Rebuild the model from config.json's text, then fill it from model.weights.h5's bytes."""
    import h5py

    try:
        spec = json.loads(config_text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{CONFIG} is not valid JSON ({error})") from None
    model = serialization.model_from_config(spec, custom_objects, compile, safe_mode)
    with h5py.File(io.BytesIO(weights_bytes), "r") as h5:
        weights_h5.read_model_state(h5, model, load_optimizer=compile)
    return model


def read_archive(fileobj, custom_objects=None, compile=True, safe_mode=True):
    """Load a model from an open .keras zip (a path or a binary file object)."""
    with zipfile.ZipFile(fileobj, "r") as archive:
        names = archive.namelist()
        for member in (CONFIG, WEIGHTS):
            if member not in names:
                raise ValueError(f"the archive has no {member} (it holds {names}); it is not a "
                                 ".keras model file")
        config_text = archive.read(CONFIG).decode("utf-8")
        weights_bytes = archive.read(WEIGHTS)
    return _load_parts(config_text, weights_bytes, custom_objects, compile, safe_mode)


def load(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a .keras file (or a zipped=False directory) saved by minikeras or Keras 3."""
    filepath = os.fspath(filepath)
    kind = files.sniff(filepath)
    with files.reading(filepath, "a .keras model archive"):
        if kind == "directory":
            with open(os.path.join(filepath, CONFIG)) as f:
                config_text = f.read()
            with open(os.path.join(filepath, WEIGHTS), "rb") as f:
                weights_bytes = f.read()
            return _load_parts(config_text, weights_bytes, custom_objects, compile, safe_mode)
        files.expect(filepath, "zip", "a .keras model archive")
        return read_archive(filepath, custom_objects, compile, safe_mode)


def load_weights(model, filepath, skip_mismatch=False):
    """Load only the weights (and optimizer state) stored in a .keras file into `model`."""
    import h5py

    filepath = os.fspath(filepath)
    files.expect(filepath, "zip", "a .keras model archive")
    with files.reading(filepath, "a .keras model archive"):
        with zipfile.ZipFile(filepath, "r") as archive:
            weights_bytes = archive.read(WEIGHTS)
        with h5py.File(io.BytesIO(weights_bytes), "r") as h5:
            weights_h5.read_model_state(h5, model, skip_mismatch=skip_mismatch)
