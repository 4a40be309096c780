"""Shared tools for the saving tests: the model class with SavingMixin, models, h5 layouts."""

import numpy as np

from minikeras.layers import Activation, Dense, Flatten, Input
from minikeras.models.saving import SavingMixin
from minikeras.models.sequential import Sequential

# Until the lead adds SavingMixin to Sequential's bases, the tests use a subclass of that name.
if issubclass(Sequential, SavingMixin):
    Model = Sequential
else:
    Model = type("Model", (SavingMixin, Sequential), {"__module__": __name__})


def use_model_class(monkeypatch):
    """Make load_model / model_from_json build `Model` (the Sequential with the mixin)."""
    from minikeras.saving import serialization

    monkeypatch.setitem(serialization.model_classes(), "Sequential", Model)


def mlp(seed=0, dtype=None, compile=True, names=False):
    """Input(3, 2) -> Flatten -> Dense(5, relu) -> Activation(tanh) -> Dense(1, sigmoid)."""
    np.random.seed(seed)
    kw = {"dtype": dtype} if dtype else {}
    layers = [Input((3, 2), dtype=dtype), Flatten(**kw),
              Dense(5, activation="relu", name="hidden" if names else None, **kw),
              Activation("tanh", **kw),
              Dense(1, activation="sigmoid", name="out" if names else None, **kw)]
    model = Model(layers)
    if compile:
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def data(n=24, seed=1, dtype="float32"):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3, 2)).astype(dtype)
    y = (rng.random((n, 1)) > 0.5).astype(dtype)
    return x, y


def h5_layout(source):
    """{path: (kind, shape, dtype, attrs)} of an HDF5 file (a path or bytes)."""
    import io

    import h5py

    if isinstance(source, bytes):
        source = io.BytesIO(source)
    layout = {}

    def visit(name, obj):
        attrs = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in obj.attrs.items()}
        if isinstance(obj, h5py.Dataset):
            layout[name] = ("dataset", obj.shape, obj.dtype.name, attrs)
        else:
            layout[name] = ("group", None, None, attrs)

    with h5py.File(source, "r") as h5:
        h5.visititems(visit)
    return layout
