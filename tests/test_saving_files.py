"""Saving without Keras: bad files, atomic saves, pickle/deepcopy/joblib, config round trips."""

import copy
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest
from helpers import assert_close
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from saving_tools import Model, data, mlp, use_model_class

from minikeras.layers import Activation, Dense, Input
from minikeras.saving import SavedFileError, keras_file, load_model, serialization, weights_h5


@pytest.fixture(autouse=True)
def _model_class(monkeypatch):
    use_model_class(monkeypatch)


@pytest.fixture(scope="module")
def trained():
    """A model trained one epoch (so the optimizer has slots), and its data."""
    x, y = data()
    model = mlp()
    model.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    return model, x, y


def assert_same_model(a, b, x, what):
    assert_close(a.predict(x, verbose=0), b.predict(x, verbose=0), 0.0, f"{what}: predict")
    for i, (u, v) in enumerate(zip(a.get_weights(), b.get_weights(), strict=True)):
        assert_close(u, v, 0.0, f"{what}: weight {i}")
    assert [v.path for v in a.optimizer.variables] == [v.path for v in b.optimizer.variables]
    for u, v in zip(a.optimizer.variables, b.optimizer.variables, strict=True):
        assert_close(u.value, v.value, 0.0, f"{what}: {u.path}")


# ---- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.hdf5"])
def test_file_round_trip_restores_compiled_state_and_training(tmp_path, trained, name):
    model, x, y = trained
    model.save(tmp_path / name)
    loaded = load_model(tmp_path / name)
    assert type(loaded) is Model and loaded.name == model.name
    assert loaded.compiled and loaded.metrics_names == model.metrics_names
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert_same_model(loaded, model, x, name)
    twin = copy.deepcopy(model)  # resume both: the same trajectory
    for m in (loaded, twin):
        m.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    assert_same_model(loaded, twin, x, f"{name}, after one more epoch")


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "joblib"])
def test_pickle_deepcopy_joblib(tmp_path, trained, how):
    model, x, y = trained
    if how == "pickle":
        other = pickle.loads(pickle.dumps(model))
    elif how == "deepcopy":
        other = copy.deepcopy(model)
    else:
        joblib = pytest.importorskip("joblib")
        joblib.dump(model, tmp_path / "m.joblib")
        other = joblib.load(tmp_path / "m.joblib")
    assert type(other) is Model and other is not model
    assert_same_model(other, model, x, how)
    before = model.get_weights()
    other.fit(x, y, epochs=1, batch_size=6, verbose=0)  # the copy shares no arrays
    for u, v in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(u, v)


class Double(Activation):
    """A custom layer that `minikeras.layers` does not know: pickle carries its class."""

    def __init__(self, **kwargs):
        super().__init__("linear", **kwargs)

    def forward(self, x, training=False):
        return 2 * x

    def get_config(self):
        config = super().get_config()
        config.pop("activation")
        return config


def test_pickle_carries_custom_layer_classes():
    model = Model([Input((2,)), Double(), Dense(1)])
    copied = pickle.loads(pickle.dumps(model))
    assert type(copied.layers[0]) is Double
    x = np.ones((3, 2), dtype="float32")
    assert_close(copied.predict(x, verbose=0), model.predict(x, verbose=0), 0.0, "custom layer")
    with pytest.raises(ValueError, match="Unknown layer class: 'Double'"):
        keras_file.read_archive(io.BytesIO(_archive_bytes(model)))


def _archive_bytes(model):
    buffer = io.BytesIO()
    keras_file.write_archive(model, buffer)
    return buffer.getvalue()


def test_uncompiled_and_unbuilt_models_round_trip(tmp_path):
    plain = Model([Input((4,)), Dense(3)])
    plain.save(tmp_path / "plain.keras")
    loaded = load_model(tmp_path / "plain.keras")
    assert not loaded.compiled
    np.testing.assert_array_equal(loaded.get_weights()[0], plain.get_weights()[0])
    lazy = Model([Dense(3), Activation("relu")])
    lazy.save(tmp_path / "lazy.keras")
    again = load_model(tmp_path / "lazy.keras")
    assert not again.built and [type(layer).__name__ for layer in again.layers] == [
        "Dense", "Activation"]
    assert pickle.loads(pickle.dumps(lazy)).get_config() == lazy.get_config()


def test_compile_false_skips_the_optimizer(tmp_path, trained):
    model, x, _ = trained
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras", compile=False)
    assert not loaded.compiled
    assert_close(loaded.predict(x, verbose=0), model.predict(x, verbose=0), 0.0, "predict")


def test_get_config_from_config_and_json_round_trip(trained):
    model, _, _ = trained
    rebuilt = Model.from_config(model.get_config())
    assert rebuilt.get_config() == model.get_config()
    again = serialization.model_from_json(model.to_json())
    assert again.get_config() == model.get_config()
    assert again.compiled and again.optimizer.get_config() == model.optimizer.get_config()
    with pytest.raises(ValueError, match="json_string"):
        serialization.model_from_json("{not json")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=st.lists(st.integers(1, 6), min_size=1, max_size=4), features=st.integers(1, 5),
       batch=st.integers(1, 7), dtype=st.sampled_from(["float32", "float64"]))
def test_random_stacks_round_trip_through_bytes(units, features, batch, dtype):
    np.random.seed(len(units) + features)
    layers = [Input((features,), dtype=dtype)]
    layers += [Dense(u, activation="tanh", dtype=dtype) for u in units]
    model = Model(layers)
    buffer = io.BytesIO()
    keras_file.write_archive(model, buffer)
    buffer.seek(0)
    loaded = keras_file.read_archive(buffer)
    x = np.random.default_rng(batch).normal(size=(batch, features)).astype(dtype)
    assert loaded.layers[0].dtype == dtype
    assert_close(loaded.predict(x, verbose=0), model.predict(x, verbose=0), 0.0, "predict")


# ---- bad files: each a clear error naming the file; nothing changed -------------------------


def _write(path, content):
    with open(path, "wb") as f:
        f.write(content)
    return path


def _rewrite_config(src, dst, edit):
    with zipfile.ZipFile(src) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(dst, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return dst


@pytest.fixture(scope="module")
def saved(tmp_path_factory, trained):
    folder = tmp_path_factory.mktemp("saved")
    model = trained[0]
    model.save(folder / "good.keras")
    model.save(folder / "good.h5")
    model.save_weights(folder / "good.weights.h5")
    return folder


def bad_files(folder):
    good = (folder / "good.keras").read_bytes()
    good_h5 = (folder / "good.h5").read_bytes()
    rng = np.random.default_rng(0)

    def unknown_layer(config):
        config["config"]["layers"][2]["class_name"] = "Dense3D"

    def no_config(_):
        pass

    with zipfile.ZipFile(folder / "good.keras") as archive:
        weights_only = {"model.weights.h5": archive.read("model.weights.h5")}
    _write(folder / "noconfig.keras", b"")
    with zipfile.ZipFile(folder / "noconfig.keras", "w") as archive:
        for name, content in weights_only.items():
            archive.writestr(name, content)
    return {
        "empty": (_write(folder / "empty.keras", b""), "empty file"),
        "truncated": (_write(folder / "truncated.keras", good[: len(good) // 2]),
                      "truncated or corrupted"),
        "random bytes": (_write(folder / "random.keras", rng.bytes(4096)),
                         "neither a zip archive nor an HDF5 file"),
        "truncated h5": (_write(folder / "truncated.h5", good_h5[: len(good_h5) // 3]),
                         "truncated or corrupted"),
        "corrupted zip": (_write(folder / "corrupt.keras", good[:200] + rng.bytes(400)
                                 + good[600:]), "truncated or corrupted"),
        "unknown layer": (_rewrite_config(folder / "good.keras", folder / "unknown.keras",
                                          unknown_layer), "Unknown layer class: 'Dense3D'"),
        "no config": (folder / "noconfig.keras", "has no config.json"),
        "weights only": (folder / "good.weights.h5", "weights only"),
    }


@pytest.mark.parametrize("case", ["empty", "truncated", "random bytes", "truncated h5",
                                  "corrupted zip", "unknown layer", "no config",
                                  "weights only"])
def test_bad_files_raise_a_clear_error(saved, case):
    path, message = bad_files(saved)[case]
    with pytest.raises(SavedFileError) as error:
        load_model(path)
    text = str(error.value)
    assert os.fspath(path) in text and message in text, text


def test_missing_file_and_wrong_formats_for_weights(saved, trained, tmp_path):
    model = trained[0]
    with pytest.raises(FileNotFoundError, match="nothing.keras"):
        load_model(tmp_path / "nothing.keras")
    h5_named_keras = _write(tmp_path / "h5.keras", (saved / "good.weights.h5").read_bytes())
    with pytest.raises(SavedFileError, match="it is an HDF5 file, not a zip archive"):
        model.load_weights(h5_named_keras)
    zip_named_h5 = _write(tmp_path / "zip.weights.h5", (saved / "good.keras").read_bytes())
    with pytest.raises(SavedFileError, match="zip.weights.h5.*zip archive"):
        model.load_weights(zip_named_h5)
    with pytest.raises(ValueError, match="File format not supported"):
        model.load_weights(tmp_path / "w.npz")


def test_wrong_shape_weights_raise_and_change_nothing(saved, tmp_path):
    x, _ = data()
    other = Model([Input((3, 2)), *mlp(compile=False).layers[:1], Dense(7, activation="relu"),
                   Activation("tanh"), Dense(1, activation="sigmoid")])
    before = other.get_weights()
    for name in ("good.weights.h5", "good.keras", "good.h5"):
        with pytest.raises(SavedFileError) as error:
            other.load_weights(saved / name)
        text = str(error.value)
        assert name in text and "has shape (6, 7), but the file holds shape (6, 5)" in text, text
        for u, v in zip(before, other.get_weights(), strict=True):
            np.testing.assert_array_equal(u, v)
    with pytest.warns(UserWarning, match="Skipping loading weights"):
        other.load_weights(saved / "good.weights.h5", skip_mismatch=True)
    assert other.predict(x, verbose=0).shape == (24, 1)


def test_bad_arguments(tmp_path, trained):
    model = trained[0]
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m")
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="not supported: \\['nonsense'\\]"):
        model.save(tmp_path / "m.keras", nonsense=1)
    assert os.listdir(tmp_path) == []


# ---- atomic saves ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5", "m_dir"])
def test_a_crash_mid_save_keeps_the_previous_file(tmp_path, trained, monkeypatch, name):
    model, x, _ = trained
    path = tmp_path / name
    save = model.save_weights if name.endswith(".weights.h5") else model.save
    kwargs = {"zipped": False} if name == "m_dir" else {}
    save(path, **kwargs)
    snapshot = sorted(os.listdir(tmp_path))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut")

    from minikeras.saving import legacy_h5

    monkeypatch.setattr(weights_h5, "write_model_state", crash)
    monkeypatch.setattr(legacy_h5, "_write_weights", crash)
    with pytest.raises(KeyboardInterrupt):
        save(path, **kwargs)
    monkeypatch.undo()
    use_model_class(monkeypatch)
    assert sorted(os.listdir(tmp_path)) == snapshot  # no temporary file left behind
    if name.endswith(".weights.h5"):
        other = mlp(seed=9)
        other.load_weights(path)
        assert_close(other.predict(x, verbose=0), model.predict(x, verbose=0), 0.0, "weights")
    else:
        assert_same_model(load_model(path), model, x, name)


def test_overwrite_false_raises_instead_of_prompting(tmp_path, trained):
    model = trained[0]
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(tmp_path / "m.keras", overwrite=False)
    model.save(tmp_path / "m.keras", overwrite=True)


# ---- safe mode ------------------------------------------------------------------------------


def test_safe_mode_finds_serialized_code_anywhere_in_a_config(tmp_path, trained):
    def add_lambda(config):
        config["config"]["layers"].insert(2, {
            "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "double", "function": {"class_name": "__lambda__",
                                                      "config": {"code": "AAAA",
                                                                 "defaults": None,
                                                                 "closure": None}}}})

    trained[0].save(tmp_path / "m.keras")
    path = _rewrite_config(tmp_path / "m.keras", tmp_path / "lambda.keras", add_lambda)
    with pytest.raises(ValueError, match="safe_mode=False") as error:
        load_model(path)
    assert "'double' (Lambda), key 'function'" in str(error.value)
    assert serialization.in_safe_mode() is None  # the scope is closed again
