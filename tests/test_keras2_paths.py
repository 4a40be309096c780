"""Keras 2 module paths old tutorials import, each warning with the modern spelling, and
minikeras.backend as tutorials use it (`from keras import backend as K`)."""

import pytest

import minikeras
from minikeras import backend as K
from minikeras import config


@pytest.mark.parametrize("path, name, modern", [
    ("minikeras.layers.core", "Dense", "minikeras.layers.Dense"),
    ("minikeras.layers.core", "Dropout", "minikeras.layers.Dropout"),
    ("minikeras.layers.recurrent", "LSTM", "minikeras.layers.LSTM"),
    ("minikeras.engine", "Layer", "minikeras.layers.Layer"),
    ("minikeras.utils.data_utils", "Sequence", "minikeras.utils.PyDataset"),
])
def test_keras2_paths_warn_and_give_the_same_object(path, name, modern):
    import importlib

    module = importlib.import_module(path)
    with pytest.warns(DeprecationWarning, match=modern.replace(".", r"\.")):
        obj = getattr(module, name)
    expected = minikeras
    for part in modern.split(".")[1:]:
        expected = getattr(expected, part)
    assert obj is expected
    with pytest.raises(AttributeError):
        module.NoSuchThing  # noqa: B018


def test_backend_as_tutorials_use_it():
    keras = pytest.importorskip("keras")
    assert K.image_data_format() == keras.backend.image_data_format() == "channels_last"
    assert K.floatx() == keras.backend.floatx() and K.epsilon() == keras.backend.epsilon()
    assert K.backend() == "numpy"
    try:
        K.set_image_data_format("channels_first")
        assert config.image_data_format() == "channels_first"
        with pytest.warns(DeprecationWarning, match="image_data_format"):
            assert K.image_dim_ordering() == "th"
    finally:
        K.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="channels_middle"):
        K.set_image_data_format("channels_middle")
    minikeras.layers.Dense(2)
    K.clear_session()  # layer names start again, as in Keras
    assert minikeras.layers.Dense(2).name == "dense"
