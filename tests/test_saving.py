"""Saving and loading against real Keras: .keras, .weights.h5, legacy .h5 and JSON, both ways.

Each direction checks predictions (<= 1e-6 float32, 1e-10 float64), the optimizer state
(iterations and every slot), and that one more epoch of training (shuffle=False) on each side
ends with the same weights (<= 1e-5 float32).
"""

import json
import os
import zipfile

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype
from saving_tools import Model, data, h5_layout, mlp, use_model_class

from minikeras.layers import Dense, Input
from minikeras.saving import load_model, model_from_json

keras = pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def _model_class(monkeypatch):
    use_model_class(monkeypatch)


def keras_mlp(dtype="float32"):
    """The same architecture built in Keras (its own initial weights)."""
    model = keras.Sequential([
        keras.Input((3, 2), dtype=dtype), keras.layers.Flatten(),
        keras.layers.Dense(5, activation="relu"), keras.layers.Activation("tanh"),
        keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(autouse=True)
def _seed_keras():
    keras.utils.set_random_seed(0)  # Keras's own initial weights, the same on every run


def assert_same_state(mine, theirs, rtol, what, slot_rtol=None):
    """Weights and optimizer variables (iteration, learning rate, slots) equal, in order."""
    for i, (a, b) in enumerate(zip(mine.get_weights(), theirs.get_weights(), strict=True)):
        assert_close(a, b, rtol, f"{what}: weight {i}")
    mine_opt = [v.numpy() for v in mine.optimizer.variables]
    theirs_opt = [np.asarray(v) for v in theirs.optimizer.variables]
    assert len(mine_opt) == len(theirs_opt), f"{what}: optimizer variable count"
    for i, (a, b) in enumerate(zip(mine_opt, theirs_opt, strict=True)):
        assert_close(a, b, rtol if slot_rtol is None else slot_rtol,
                     f"{what}: optimizer variable {i}")


def resume_both(mine, theirs, x, y, rtol, what):
    """One more epoch on each side (same batches, in order): same weights and slots after.

    Slots that average gradients (momentum, RMSprop's centered mean) cancel towards zero, so
    their float32 rounding is larger relative to their size than the weights': measured up to
    9e-6 normwise, checked at 10 * rtol; the weights themselves are held to rtol.
    """
    mine.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    theirs.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    assert int(mine.optimizer.iterations) == int(theirs.optimizer.iterations)
    assert_same_state(mine, theirs, rtol, f"{what}, after one more epoch", slot_rtol=10 * rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_minikeras_keras_file_loads_in_keras_and_resumes_training(tmp_path, dtype):
    use_dtype(dtype)
    x, y = data(dtype=dtype)
    mine = mlp(dtype=dtype)
    mine.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    path = tmp_path / "mine.keras"
    mine.save(path)
    theirs = keras.models.load_model(path)
    forward, trajectory = (F32_FORWARD, F32_TRAJECTORY) if dtype == "float32" else (F64, F64)
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), forward, "predict")
    assert theirs.optimizer.get_config() == mine.optimizer.get_config()
    assert int(theirs.optimizer.iterations) == 4
    assert_same_state(mine, theirs, 0.0, "as loaded")
    resume_both(mine, theirs, x, y, trajectory, "minikeras -> keras")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_keras_file_loads_in_minikeras_and_resumes_training(tmp_path, dtype):
    use_dtype(dtype)
    x, y = data(dtype=dtype)
    theirs = keras_mlp(dtype)
    theirs.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    path = tmp_path / "theirs.keras"
    theirs.save(path)
    mine = load_model(path)
    assert mine.compiled and mine.metrics_names == ["loss", "accuracy"]
    assert [layer.dtype for layer in mine.layers] == [dtype] * 4
    forward, trajectory = (F32_FORWARD, F32_TRAJECTORY) if dtype == "float32" else (F64, F64)
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), forward, "predict")
    assert_same_state(mine, theirs, 0.0, "as loaded")
    resume_both(mine, theirs, x, y, trajectory, "keras -> minikeras")
    assert mine.evaluate(x, y, verbose=0)[1] == pytest.approx(
        theirs.evaluate(x, y, verbose=0)[1])


def test_archive_layout_is_keras_s(tmp_path):
    """Same members, same config.json, same h5 groups, attributes, shapes and dtypes."""
    x, y = data()
    mine = mlp(names=True)  # layer names differ from the h5 keys (keys are by class)
    mine.fit(x, y, epochs=1, batch_size=6, verbose=0)
    mine.save(tmp_path / "mine.keras")
    keras.models.load_model(tmp_path / "mine.keras").save(tmp_path / "theirs.keras")
    with zipfile.ZipFile(tmp_path / "mine.keras") as a, \
            zipfile.ZipFile(tmp_path / "theirs.keras") as b:
        assert a.namelist() == b.namelist() == ["metadata.json", "config.json",
                                                "model.weights.h5"]
        assert {i.compress_type for i in a.infolist()} == {zipfile.ZIP_STORED}
        meta = json.loads(a.read("metadata.json"))
        assert meta["keras_version"] == json.loads(b.read("metadata.json"))["keras_version"]
        mine_config, their_config = (json.loads(z.read("config.json")) for z in (a, b))
        assert comparable(mine_config) == comparable(their_config)
        mine_layout = h5_layout(a.read("model.weights.h5"))
        their_layout = h5_layout(b.read("model.weights.h5"))
    assert mine_layout == their_layout
    assert mine_layout["layers/dense/vars"][3] == {"name": "hidden"}
    assert mine_layout["optimizer/vars/0"][1:3] == ((), "int64")


def comparable(config):
    """A config as JSON data, without Keras's shared_object_id bookkeeping and without the one
    known core difference (reported): minikeras's Activation records a build_config, Keras's
    does not (it has no build method). Neither matters for loading on either side."""
    config = json.loads(json.dumps(config))
    if isinstance(config, dict):
        if config.get("class_name") == "Activation":
            config.pop("build_config", None)
        return {k: comparable(v) for k, v in config.items() if k != "shared_object_id"}
    if isinstance(config, list):
        return [comparable(v) for v in config]
    return config


def test_weights_h5_both_ways(tmp_path):
    x, y = data()
    mine = mlp()
    mine.fit(x, y, epochs=1, batch_size=6, verbose=0)
    theirs = keras_mlp()
    theirs.fit(x, y, epochs=1, batch_size=6, verbose=0)
    mine.save_weights(tmp_path / "mine.weights.h5")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    unnamed = [{path: (kind, shape, dtype, sorted(attrs)) for path, (kind, shape, dtype, attrs)
                in h5_layout(str(tmp_path / name)).items()}  # auto names differ by counter
               for name in ("mine.weights.h5", "theirs.weights.h5")]
    assert unnamed[0] == unnamed[1]
    expected_mine = mine.predict(x, verbose=0)
    expected_theirs = theirs.predict(x, verbose=0)
    mine.load_weights(tmp_path / "theirs.weights.h5")
    theirs.load_weights(tmp_path / "mine.weights.h5")
    assert_close(mine.predict(x, verbose=0), expected_theirs, F32_FORWARD, "keras weights")
    assert_close(theirs.predict(x, verbose=0), expected_mine, F32_FORWARD, "minikeras weights")
    # the optimizer state travels too: both sides now hold minikeras's and Keras's slots
    fresh = mlp(seed=5)
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    assert_same_state(fresh, mine, 0.0, "weights file")


def test_legacy_h5_both_ways(tmp_path):
    x, y = data()
    mine = mlp()
    mine.fit(x, y, epochs=1, batch_size=6, verbose=0)
    mine.save(tmp_path / "mine.h5")
    theirs = keras.models.load_model(tmp_path / "mine.h5")
    assert_close(theirs.predict(x, verbose=0), mine.predict(x, verbose=0), F32_FORWARD,
                 "keras reads minikeras .h5")
    assert int(theirs.optimizer.iterations) == 4
    native = keras_mlp()
    native.fit(x, y, epochs=1, batch_size=6, verbose=0)
    native.save(tmp_path / "theirs.h5")
    back = load_model(tmp_path / "theirs.h5")
    assert back.compiled and type(back.optimizer).__name__ == "Adam"
    assert_close(back.predict(x, verbose=0), native.predict(x, verbose=0), F32_FORWARD,
                 "minikeras reads keras .h5")
    assert_same_state(back, native, 0.0, "keras .h5")  # Keras wrote every slot
    again = load_model(tmp_path / "mine.h5")
    assert_same_state(again, mine, 0.0, "minikeras .h5 round trip")


def test_json_both_ways():
    mine = mlp(names=True)
    theirs = keras.models.model_from_json(mine.to_json())
    assert [type(layer).__name__ for layer in theirs.layers] == ["Flatten", "Dense",
                                                                 "Activation", "Dense"]
    assert comparable(theirs.get_config()) == comparable(mine.get_config())
    assert theirs.compiled and theirs.loss == "binary_crossentropy"
    back = model_from_json(theirs.to_json())
    assert comparable(back.get_config()) == comparable(mine.get_config())
    assert back.compiled and back._loss_spec == "binary_crossentropy"
    assert back.optimizer.get_config() == mine.optimizer.get_config()
    assert json.loads(mine.to_json(indent=2)) == json.loads(mine.to_json())


def test_unzipped_directory_loads_in_keras(tmp_path):
    x, _ = data()
    mine = mlp()
    with pytest.raises(ValueError, match="should not end in `.keras`"):
        mine.save(tmp_path / "mine.keras", zipped=False)
    mine.save(tmp_path / "mine_dir", zipped=False)
    assert sorted(os.listdir(tmp_path / "mine_dir")) == ["config.json", "metadata.json",
                                                          "model.weights.h5"]
    assert_close(load_model(tmp_path / "mine_dir").predict(x, verbose=0),
                 mine.predict(x, verbose=0), 0.0, "minikeras reads the folder")
    theirs = keras.saving.load_model(tmp_path / "mine_dir")
    assert_close(theirs.predict(x, verbose=0), mine.predict(x, verbose=0), F32_FORWARD,
                 "keras reads the folder")


def test_lambda_code_is_refused_in_safe_mode(tmp_path):
    theirs = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2.0),
                               keras.layers.Dense(1)])
    theirs.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode=False") as error:
        load_model(tmp_path / "lambda.keras")
    layer_name = theirs.layers[0].name  # "lambda", or "lambda_<n>" after other tests
    assert "lambda.keras" in str(error.value) and f"'{layer_name}'" in str(error.value)
    lambda_layer = pytest.importorskip("minikeras.layers.lambda_layer")
    mine = load_model(tmp_path / "lambda.keras", safe_mode=False,
                      custom_objects={"Lambda": lambda_layer.Lambda})
    x = np.arange(6, dtype="float32").reshape(3, 2)
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), F32_FORWARD,
                 "Lambda model")


@pytest.mark.parametrize("optimizer", [
    {"class_name": "SGD", "config": {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}},
    {"class_name": "RMSprop", "config": {"learning_rate": 0.01, "momentum": 0.5,
                                         "centered": True}},
    {"class_name": "Adam", "config": {"learning_rate": 0.01, "amsgrad": True,
                                      "clipnorm": 1.0}},
    {"class_name": "SGD", "config": {"learning_rate": {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "registered_name": None, "config": {
            "initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}}}},
])
def test_keras_optimizers_and_loss_objects_resume_in_minikeras(tmp_path, optimizer):
    """Slots of each optimizer land in the right place; Loss/Metric objects deserialize."""
    x, y = data()
    theirs = keras.Sequential([keras.Input((3, 2)), keras.layers.Flatten(),
                               keras.layers.Dense(4, activation="tanh"),
                               keras.layers.Dense(1, activation="sigmoid")])
    theirs.compile(optimizer=keras.optimizers.deserialize(optimizer),
                   loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1),
                   metrics=[keras.metrics.BinaryAccuracy(name="acc")])
    theirs.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    theirs.save(tmp_path / "theirs.keras")
    mine = load_model(tmp_path / "theirs.keras")
    assert type(mine.loss).__name__ == "BinaryCrossentropy"
    assert mine.loss.get_config()["label_smoothing"] == 0.1 and mine.metrics_names == [
        "loss", "acc"]
    assert_same_state(mine, theirs, 0.0, optimizer["class_name"])
    resume_both(mine, theirs, x, y, F32_TRAJECTORY, optimizer["class_name"])
    mine.save(tmp_path / "mine.keras")  # and back again, with the slots moved on
    again = keras.models.load_model(tmp_path / "mine.keras")
    assert_same_state(mine, again, 0.0, f"{optimizer['class_name']} back to keras")


KERAS2_DENSE = {  # a Dense config as Keras 2.4-2.10 wrote it (tutorial: the Pima network)
    "trainable": True, "dtype": "float32", "use_bias": True,
    "kernel_initializer": {"class_name": "RandomUniform",
                           "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
    "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
    "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
    "bias_constraint": None}


def write_keras2_h5(path, kernels, biases):
    """A full-model .h5 in Keras 2's layout (weights named "dense/kernel:0", Keras 2 configs)."""
    import h5py

    layers = [{"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, 8], "dtype": "float32", "sparse": False, "ragged": False,
        "name": "dense_input"}}]
    names = ["dense", "dense_1"]
    for name, kernel, act in zip(names, kernels, ["relu", "sigmoid"], strict=True):
        layers.append({"class_name": "Dense", "config": {
            **KERAS2_DENSE, "name": name, "units": kernel.shape[1], "activation": act}})
    layers[1]["config"]["batch_input_shape"] = [None, 8]
    model_config = {"class_name": "Sequential", "config": {"name": "sequential",
                                                           "layers": layers}}
    training = {"loss": "binary_crossentropy", "metrics": [[{
        "class_name": "MeanMetricWrapper",
        "config": {"name": "accuracy", "dtype": "float32", "fn": "binary_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None, "optimizer_config": {
        "class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001, "decay": 0.0,
                                         "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
                                         "amsgrad": False}}}
    with h5py.File(path, "w") as h5:
        h5.attrs["keras_version"] = "2.9.0"
        h5.attrs["backend"] = "tensorflow"
        h5.attrs["model_config"] = json.dumps(model_config)
        h5.attrs["training_config"] = json.dumps(training)
        group = h5.create_group("model_weights")
        group.attrs["layer_names"] = np.array([n.encode() for n in names])
        for name, kernel, bias in zip(names, kernels, biases, strict=True):
            layer = group.create_group(name)
            layer.attrs["weight_names"] = np.array([f"{name}/kernel:0".encode(),
                                                    f"{name}/bias:0".encode()])
            layer.create_dataset(f"{name}/kernel:0", data=kernel)
            layer.create_dataset(f"{name}/bias:0", data=bias)


def test_keras2_tutorial_h5_loads_like_keras3_loads_it(tmp_path):
    rng = np.random.default_rng(3)
    kernels = [rng.normal(size=(8, 12)).astype("float32"),
               rng.normal(size=(12, 1)).astype("float32")]
    biases = [rng.normal(size=12).astype("float32"), rng.normal(size=1).astype("float32")]
    write_keras2_h5(tmp_path / "pima.h5", kernels, biases)
    x = rng.normal(size=(10, 8)).astype("float32")
    theirs = keras.models.load_model(tmp_path / "pima.h5")
    mine = load_model(tmp_path / "pima.h5")
    assert mine.compiled and mine.metrics_names == ["loss", "accuracy"]
    assert mine.optimizer.get_config() == theirs.optimizer.get_config()
    assert_close(mine.predict(x, verbose=0), theirs.predict(x, verbose=0), F32_FORWARD,
                 "Keras 2 .h5")
    y = (rng.random((10, 1)) > 0.5).astype("float32")
    # Keras 3 cannot evaluate this metric (its MeanMetricWrapper keeps fn as a string); the
    # Keras 2 meaning is binary accuracy, which minikeras restores:
    accuracy = np.mean((theirs.predict(x, verbose=0) > 0.5) == y)
    assert mine.evaluate(x, y, verbose=0)[1] == pytest.approx(accuracy)


# Layers written by others, imported from their modules until `minikeras.layers` exports them
# (then custom_objects is no longer needed). Each stack: (module, class, kwargs) after an Input.
OTHER_LAYERS = {
    "lstm+dropout": [("minikeras.layers.rnn.lstm", "LSTM", {"units": 4}),
                     ("minikeras.layers.dropout", "Dropout", {"rate": 0.0})],
    "simple_rnn": [("minikeras.layers.rnn.simple_rnn", "SimpleRNN",
                    {"units": 3, "return_sequences": True}),
                   ("minikeras.layers.flatten", "Flatten", {})],
}


@pytest.mark.parametrize("stack", sorted(OTHER_LAYERS))
def test_other_layers_round_trip_with_keras(tmp_path, stack):
    classes = {}
    for module, name, _ in OTHER_LAYERS[stack]:
        classes[name] = getattr(pytest.importorskip(module), name)
    np.random.seed(0)
    layers = [Input((5, 3))]
    layers += [classes[name](**kwargs) for _, name, kwargs in OTHER_LAYERS[stack]]
    mine = Model([*layers, Dense(1)])
    mine.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.random((12, 5, 3)).astype("float32"), rng.random((12, 1)).astype("float32")
    mine.fit(x, y, batch_size=4, shuffle=False, verbose=0)
    mine.save(tmp_path / "mine.keras")
    theirs = keras.models.load_model(tmp_path / "mine.keras")
    assert_close(theirs.predict(x, verbose=0), mine.predict(x, verbose=0), F32_FORWARD, stack)
    assert_same_state(mine, theirs, 0.0, stack)
    theirs.save(tmp_path / "theirs.keras")
    with zipfile.ZipFile(tmp_path / "mine.keras") as a, \
            zipfile.ZipFile(tmp_path / "theirs.keras") as b:
        assert h5_layout(a.read("model.weights.h5")) == h5_layout(b.read("model.weights.h5"))
    back = load_model(tmp_path / "theirs.keras", custom_objects=classes)
    assert_same_state(back, theirs, 0.0, f"{stack} back")
    resume_both(back, theirs, x, y, F32_TRAJECTORY, stack)


def test_get_compile_config_is_keras_and_round_trips():
    keras = pytest.importorskip("keras")
    import minikeras

    def compiled(lib):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"],
                      weighted_metrics=["mae"])
        return model

    assert minikeras.Sequential([minikeras.layers.Dense(2)]).get_compile_config() is None
    got, want = compiled(minikeras).get_compile_config(), compiled(keras).get_compile_config()
    for key in ("loss", "metrics", "weighted_metrics"):
        assert got[key] == want[key], key
    assert got["optimizer"]["class_name"] == want["optimizer"]["class_name"] == "Adam"
    assert got["optimizer"]["config"]["learning_rate"] == pytest.approx(
        want["optimizer"]["config"]["learning_rate"])
    fresh = minikeras.Sequential([minikeras.Input((3,)), minikeras.layers.Dense(2)])
    fresh.compile_from_config(got)
    assert fresh.compiled and fresh.get_compile_config() == got
