"""SavingMixin: Sequential's save / load_weights / to_json / pickle methods, as Keras 3's Model.

The work is in `minikeras.saving`; these methods are the model-side spelling of it.
Pickling (pickle, copy.deepcopy, joblib) goes through the .keras format in memory, as Keras 3
does, so a copy has the same architecture, weights and compiled state (optimizer slots
included) and shares no arrays with the original.
"""

import io


class SavingMixin:
    def get_compile_config(self):
        """The arguments of `compile`, serialized as Keras 3 writes them into a .keras file
        (optimizer, loss, metrics, ...), or None when the model is not compiled."""
        from ..saving import serialization

        return serialization.compile_config(self)

    def compile_from_config(self, config):
        """Compile from `get_compile_config()`'s dict (Keras 3's method of the same name)."""
        from ..saving import serialization

        serialization.compile_from_config(self, config)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save to `.keras` (Keras 3's format) or `.h5` (Keras 2's), atomically.

        Unlike Keras, overwrite=False raises FileExistsError instead of asking on the terminal.
        """
        from .. import saving

        saving.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Write the weights (and optimizer state) to a `.weights.h5` file."""
        from .. import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Read weights from `.weights.h5`, `.keras` or legacy `.h5`; layers match by position.

        A shape or count mismatch raises ValueError before any weight changes (skip_mismatch
        warns and skips those layers instead). The optimizer state in the file is loaded too,
        building the optimizer first if needed (Keras skips it with a warning then).
        """
        from .. import saving

        if kwargs:
            raise ValueError(f"Invalid keyword arguments: {sorted(kwargs)}")
        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """The model's config (architecture and compile settings) as JSON, as Keras's."""
        from ..saving import serialization

        return serialization.to_json(self, **kwargs)

    def __reduce__(self):
        from ..saving import keras_file

        buffer = io.BytesIO()
        keras_file.write_archive(self, buffer)
        # the layer classes travel by reference, so custom layers unpickle too
        classes = {type(layer).__name__: type(layer) for layer in self.layers}
        return (_unpickle_model, (type(self), buffer.getvalue(), classes))


def _unpickle_model(cls, data, layer_classes=None):
    """Rebuild a pickled model (pickle is trusted input, so safe_mode is off, as in Keras)."""
    from ..saving import keras_file

    return keras_file.read_archive(io.BytesIO(data),
                                   custom_objects={**(layer_classes or {}), "Sequential": cls},
                                   compile=True, safe_mode=False)
