"""Saving and loading, in Keras 3's formats (files written here load in Keras and back).

    model.save("m.keras")                  # Keras 3's zip: config, weights, optimizer state
    model = load_model("m.keras")          # compiled as it was saved, ready to resume fit
    model.save("m.h5")                     # Keras 2's HDF5 full-model format (legacy)
    model.save_weights("w.weights.h5"); model.load_weights("w.weights.h5")
    model = model_from_json(model.to_json())

Every save goes to a temporary file in the same folder, renamed into place when complete, so a
crash mid-save never destroys the previous file. A file that cannot be read raises
`SavedFileError` (a ValueError) naming the file and what is wrong.
"""

import os

from . import files, keras_file, legacy_h5, weights_h5
from .files import SavedFileError
from .serialization import SafeModeScope, in_safe_mode, model_from_config, model_from_json

__all__ = ["SavedFileError", "SafeModeScope", "in_safe_mode", "load_model", "load_weights",
           "model_from_config", "model_from_json", "save_model", "save_weights"]

_LEGACY_EXTENSIONS = (".h5", ".hdf5")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save `model` as `.keras` (Keras 3's format) or `.h5`/`.hdf5` (Keras 2's legacy format).

    zipped: False writes the .keras layout into a directory (Keras's unzipped form; as in
        Keras, its name must not end in `.keras`).
    kwargs: include_optimizer (legacy .h5 only, default True), as Keras accepts it.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    if kwargs.get("save_format") in ("keras", "h5"):  # Keras 2's spelling; the name decides
        kwargs.pop("save_format")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {sorted(kwargs)}")
    filepath = os.fspath(filepath)
    if zipped is False:
        if filepath.endswith(".keras"):
            raise ValueError("When using `zipped=False`, the `filepath` argument should not "
                             f"end in `.keras`. Received: filepath={filepath}")
        keras_file.save(model, filepath, overwrite, zipped=False)
    elif filepath.endswith(_LEGACY_EXTENSIONS):
        legacy_h5.save(model, filepath, overwrite, include_optimizer)
    elif filepath.endswith(".keras"):
        keras_file.save(model, filepath, overwrite, zipped=True)
    else:
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` "
                         "extension for the native Keras format (recommended) or a `.h5` "
                         f"extension. Received: filepath={filepath!r}")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by minikeras or by Keras (`.keras`, a zipped=False folder, `.h5`).

    The format is read from the file's first bytes, so a misnamed file still loads (and a
    wrong one fails naming both). safe_mode=True refuses serialized Python code (Lambda).
    """
    filepath = os.fspath(filepath)
    kind = files.sniff(filepath)
    if kind in ("zip", "directory"):
        return keras_file.load(filepath, custom_objects, compile, safe_mode)
    if kind == "hdf5":
        return legacy_h5.load(filepath, custom_objects, compile, safe_mode)
    raise SavedFileError(f"Cannot load {filepath!r}: it is {files.describe(kind)}. Expected a "
                         ".keras zip archive or a Keras .h5 file.")


def save_weights(model, filepath, overwrite=True):
    """Keras 3's `.weights.h5` (layers and optimizer state; filepath must end in .weights.h5)."""
    weights_h5.save_weights(model, filepath, overwrite)


def load_weights(model, filepath, skip_mismatch=False):
    """Weights from `.weights.h5`, a `.keras` archive, or a legacy `.h5`/`.hdf5` file."""
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        keras_file.load_weights(model, filepath, skip_mismatch)
    elif filepath.endswith(".weights.h5"):
        weights_h5.load_weights(model, filepath, skip_mismatch)
    elif filepath.endswith(_LEGACY_EXTENSIONS):
        legacy_h5.load_weights(model, filepath, skip_mismatch)
    else:
        raise ValueError(f"File format not supported: filepath={filepath}. Keras 3 only "
                         "supports V3 `.keras` and `.weights.h5` files, or legacy V1/V2 `.h5` "
                         "files.")
