"""Every layer minikeras exports, round-tripped with real Keras 3 in both directions.

For each layer family one small model is built twice from the same spec, once with minikeras's
classes and once with Keras's (each with its own initial weights), trained one epoch, and then:
    .keras       minikeras -> Keras and Keras -> minikeras: predictions (<= 1e-6 float32),
                 weights and optimizer slots as loaded (exact), the h5 layout Keras writes, and
                 one more epoch on both sides (shuffle=False) ending at the same weights
                 (<= 1e-5) - the optimizer state resumes training identically;
    .weights.h5  each side's file into a fresh model of the other library: same predictions;
    .h5 (legacy) each side's file loaded by the other: same predictions; the model_weights
                 structure Keras writes; minikeras restores Keras's optimizer slots exactly and
                 resumes training from them.
Keras 3.15's legacy `.h5` loader restores only the optimizer's iteration count and learning
rate, never its slots (for its own files too), so training resumed in Keras from a `.h5` is not
identical; that direction checks the iteration count only. Use `.keras` to move training.
"""

import json
import zipfile

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, assert_close
from saving_tools import h5_layout
from test_saving import assert_same_state, comparable, resume_both

import minikeras
from minikeras.saving import load_model

keras = pytest.importorskip("keras")


DOUBLE = lambda t: t * 2.0  # noqa: E731 - a lambda on purpose: Keras serializes its bytecode

# Each family: the layers after Input((5, 3)); a Dense(1) head is added. Nested tuples are
# layers given to a wrapper. Random layers have rate 0 here so that training is deterministic
# on both sides (their non-zero settings are round-tripped in test_random_layer_configs).
FAMILIES = {
    "reshaping": [("Permute", {"dims": (2, 1)}), ("Reshape", {"target_shape": (15,)}),
                  ("Dense", {"units": 4, "activation": "relu"}), ("Activation", {
                      "activation": "tanh"}), ("RepeatVector", {"n": 2}), ("Flatten", {})],
    "noise": [("Dropout", {"rate": 0.0}), ("SpatialDropout1D", {"rate": 0.0}),
              ("GaussianNoise", {"stddev": 0.0}), ("GaussianDropout", {"rate": 0.0}),
              ("AlphaDropout", {"rate": 0.0}), ("Flatten", {})],
    "lambda": [("Lambda", {"function": DOUBLE}), ("Flatten", {})],
    "masking_lstm": [("Masking", {"mask_value": 0.0}), ("LSTM", {"units": 3})],
    "simple_rnn_gru": [("SimpleRNN", {"units": 3, "return_sequences": True}),
                       ("GRU", {"units": 3, "return_sequences": True, "reset_after": False}),
                       ("GRU", {"units": 2})],
    "bidirectional": [
        ("Bidirectional", {"layer": ("SimpleRNN", {"units": 2, "return_sequences": True}),
                           "merge_mode": "concat"}),
        ("Bidirectional", {"layer": ("GRU", {"units": 2, "return_sequences": True,
                                             "reset_after": False}), "merge_mode": "ave"}),
        ("Bidirectional", {"layer": ("LSTM", {"units": 2, "return_sequences": True}),
                           "merge_mode": "sum"}),
        ("Bidirectional", {"layer": ("GRU", {"units": 2}), "merge_mode": "mul"})],
    "time_distributed": [("TimeDistributed", {"layer": ("Dense", {"units": 4})}),
                         ("Flatten", {})],
}
LOAD_KWARGS = {"lambda": {"safe_mode": False}}  # Lambda bytecode loads only when trusted


def _is_spec(value):
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], dict))


def make_layer(lib, spec):
    """A layer of `lib` (minikeras or keras) from (class name, kwargs), wrapped ones nested."""
    name, kwargs = spec
    kwargs = {k: make_layer(lib, v) if _is_spec(v) else v
              for k, v in kwargs.items()}
    return getattr(lib.layers, name)(**kwargs)


def make_model(lib, family, compile=True):
    """Input((5, 3)) -> the family's layers -> Dense(1), compiled with Adam and mse.

    The loss is spelled "mean_squared_error": Keras 3.15 cannot reload its own legacy .h5 of a
    model compiled with the alias "mse" ("Could not deserialize 'keras.metrics.mse'").
    """
    layers = [lib.layers.Input((5, 3))]
    layers += [make_layer(lib, spec) for spec in FAMILIES[family]]
    model = lib.Sequential([*layers, lib.layers.Dense(1)])
    if compile:
        model.compile(optimizer=lib.optimizers.Adam(learning_rate=0.01),
                      loss="mean_squared_error")
    return model


def family_data():
    """x (12, 5, 3) float32 with the last steps of every other sample zero (masked by
    Masking(0.0)); y (12, 1)."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(12, 5, 3)).astype("float32")
    x[::2, 3:, :] = 0.0
    return x, rng.normal(size=(12, 1)).astype("float32")


def same_code(config):
    """A config with each serialized lambda's base64 marshal replaced by its bytecode and
    constants: marshal's reference flags differ between a function and its reloaded copy."""
    import base64
    import marshal

    if isinstance(config, dict):
        if config.get("class_name") == "__lambda__":
            code = marshal.loads(base64.b64decode(config["config"]["code"]))
            return {**config, "config": {**config["config"], "code": [
                code.co_code.hex(), repr(code.co_consts)]}}
        return {k: same_code(v) for k, v in config.items()}
    if isinstance(config, list):
        return [same_code(v) for v in config]
    return config


def keras_weights_layout(archive_path):
    with zipfile.ZipFile(archive_path) as archive:
        return h5_layout(archive.read("model.weights.h5"))


def legacy_layout(path):
    """Per layer of a legacy .h5's model_weights (in layer_names order): each weight's last name
    part, shape and dtype, read at the path its weight_names entry gives. Layer names carry
    Keras's global counters and Keras's own variable paths change when a model is reloaded, so
    only the structure is compared."""
    import h5py

    def text(value):
        return value.decode("utf8") if isinstance(value, bytes) else value

    with h5py.File(path, "r") as h5:
        group = h5["model_weights"]
        layout = []
        for name in group.attrs["layer_names"]:
            layer = group[text(name)]
            weights = [text(w) for w in layer.attrs.get("weight_names", [])]
            layout.append([(w.split("/")[-1], layer[w].shape, layer[w].dtype.name)
                           for w in weights])
    return layout


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_round_trips_with_keras(tmp_path, family):
    x, y = family_data()
    load_kwargs = LOAD_KWARGS.get(family, {})
    np.random.seed(0)
    mine = make_model(minikeras, family)
    keras.utils.set_random_seed(0)
    theirs = make_model(keras, family)
    mine.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    theirs.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    expected_mine, expected_theirs = mine.predict(x, verbose=0), theirs.predict(x, verbose=0)

    # .keras, minikeras -> Keras: predictions, exact state, and Keras's own h5 layout
    mine.save(tmp_path / "mine.keras")
    keras_copy = keras.models.load_model(tmp_path / "mine.keras", **load_kwargs)
    assert_close(keras_copy.predict(x, verbose=0), expected_mine, F32_FORWARD,
                 f"{family}: minikeras .keras in keras")
    assert_same_state(mine, keras_copy, 0.0, f"{family}: minikeras .keras in keras")
    keras_copy.save(tmp_path / "resaved.keras")
    assert keras_weights_layout(tmp_path / "mine.keras") == keras_weights_layout(
        tmp_path / "resaved.keras")
    with zipfile.ZipFile(tmp_path / "mine.keras") as a, \
            zipfile.ZipFile(tmp_path / "resaved.keras") as b:
        assert same_code(comparable(json.loads(a.read("config.json")))) == same_code(
            comparable(json.loads(b.read("config.json"))))

    # .keras, Keras -> minikeras
    theirs.save(tmp_path / "theirs.keras")
    mine_copy = load_model(tmp_path / "theirs.keras", **load_kwargs)
    assert_close(mine_copy.predict(x, verbose=0), expected_theirs, F32_FORWARD,
                 f"{family}: keras .keras in minikeras")
    assert_same_state(mine_copy, theirs, 0.0, f"{family}: keras .keras in minikeras")

    # .weights.h5 both ways, into fresh models of the other library
    mine.save_weights(tmp_path / "mine.weights.h5")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    fresh_keras = make_model(keras, family)
    fresh_keras.load_weights(tmp_path / "mine.weights.h5")
    assert_close(fresh_keras.predict(x, verbose=0), expected_mine, F32_FORWARD,
                 f"{family}: minikeras .weights.h5 in keras")
    fresh_mine = make_model(minikeras, family)
    fresh_mine.load_weights(tmp_path / "theirs.weights.h5")
    assert_close(fresh_mine.predict(x, verbose=0), expected_theirs, F32_FORWARD,
                 f"{family}: keras .weights.h5 in minikeras")
    assert_same_state(fresh_mine, theirs, 0.0, f"{family}: keras .weights.h5 in minikeras")

    # legacy .h5 both ways, and the model_weights layout Keras writes
    mine.save(tmp_path / "mine.h5")
    keras_h5 = keras.models.load_model(tmp_path / "mine.h5", **load_kwargs)
    assert_close(keras_h5.predict(x, verbose=0), expected_mine, F32_FORWARD,
                 f"{family}: minikeras .h5 in keras")
    theirs.save(tmp_path / "theirs.h5")
    assert legacy_layout(tmp_path / "mine.h5") == legacy_layout(tmp_path / "theirs.h5")
    mine_h5 = load_model(tmp_path / "theirs.h5", **load_kwargs)
    assert_close(mine_h5.predict(x, verbose=0), expected_theirs, F32_FORWARD,
                 f"{family}: keras .h5 in minikeras")
    assert_same_state(mine_h5, theirs, 0.0, f"{family}: keras .h5 in minikeras")
    # Keras's .h5 loader drops the slots (see the module docstring): iterations only
    assert int(keras_h5.optimizer.iterations) == int(mine.optimizer.iterations)

    # training resumes identically from .keras, in both directions
    resume_both(mine, keras_copy, x, y, F32_TRAJECTORY, f"{family}: minikeras -> keras")
    resume_both(mine_copy, theirs, x, y, F32_TRAJECTORY, f"{family}: keras -> minikeras")
    # and from Keras's .h5 in minikeras: the same state as from its .keras, so the same steps
    mine_h5.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    assert_same_state(mine_h5, mine_copy, 0.0, f"{family}: resumed from keras .h5")


RANDOM_LAYERS = [("Dropout", {"rate": 0.3, "noise_shape": (None, 1, 3), "seed": 4}),
                 ("SpatialDropout1D", {"rate": 0.2, "seed": 5}),
                 ("GaussianNoise", {"stddev": 0.4, "seed": 6}),
                 ("GaussianDropout", {"rate": 0.25, "seed": 7}),
                 ("AlphaDropout", {"rate": 0.15, "noise_shape": (None, 5, 1), "seed": 8})]


def test_random_layer_configs(tmp_path, monkeypatch):
    """Non-zero rates, seeds and noise shapes survive .keras both ways (inference is identity,
    so predictions still match)."""
    monkeypatch.setitem(FAMILIES, "noisy", [*RANDOM_LAYERS, ("Flatten", {})])
    x, _ = family_data()
    np.random.seed(0)
    mine = make_model(minikeras, "noisy")
    keras.utils.set_random_seed(0)
    theirs = make_model(keras, "noisy")
    mine.save(tmp_path / "mine.keras")
    theirs.save(tmp_path / "theirs.keras")
    keras_copy = keras.models.load_model(tmp_path / "mine.keras")
    mine_copy = load_model(tmp_path / "theirs.keras")
    for a, b in [(mine, keras_copy), (mine_copy, theirs)]:
        assert [comparable(layer.get_config()) for layer in a.layers] == [
            comparable(layer.get_config()) for layer in b.layers]
        assert_close(a.predict(x, verbose=0), b.predict(x, verbose=0), F32_FORWARD, "noisy")


@pytest.mark.parametrize("rnn", ["SimpleRNN", "LSTM", "GRU"])
def test_bidirectional_merge_mode_none(tmp_path, rnn):
    """merge_mode=None outputs [forward, backward]: nothing can follow it in a Sequential and one
    loss cannot train it, so this checks predictions only (not compiled, no resume), in all three
    formats, both ways. minikeras's predict stacks the two outputs into one array (2, batch,
    units) where Keras returns a tuple; np.asarray makes them comparable."""
    x, _ = family_data()
    np.random.seed(0)
    keras.utils.set_random_seed(0)
    models = {}
    for lib in (minikeras, keras):
        layer = make_layer(lib, ("Bidirectional", {"layer": (rnn, {"units": 2}),
                                                   "merge_mode": None}))
        models[lib.__name__] = lib.Sequential([lib.layers.Input((5, 3)), layer])
    mine, theirs = models["minikeras"], models["keras"]
    expected = {"minikeras": np.asarray(mine.predict(x, verbose=0)),
                "keras": np.asarray(theirs.predict(x, verbose=0))}
    for ext in (".keras", ".h5"):
        mine.save(tmp_path / f"mine{ext}")
        theirs.save(tmp_path / f"theirs{ext}")
        assert_close(np.asarray(keras.models.load_model(tmp_path / f"mine{ext}").predict(
            x, verbose=0)), expected["minikeras"], F32_FORWARD, f"{rnn} minikeras {ext}")
        assert_close(np.asarray(load_model(tmp_path / f"theirs{ext}").predict(x, verbose=0)),
                     expected["keras"], F32_FORWARD, f"{rnn} keras {ext}")
    mine.save_weights(tmp_path / "mine.weights.h5")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    mine.load_weights(tmp_path / "theirs.weights.h5")
    theirs.load_weights(tmp_path / "mine.weights.h5")
    assert_close(np.asarray(mine.predict(x, verbose=0)), expected["keras"], F32_FORWARD,
                 f"{rnn} keras .weights.h5 in minikeras")
    assert_close(np.asarray(theirs.predict(x, verbose=0)), expected["minikeras"], F32_FORWARD,
                 f"{rnn} minikeras .weights.h5 in keras")


@pytest.mark.parametrize("family", ["bidirectional", "time_distributed"])
def test_wrappers_pickle_and_deepcopy(family):
    """pickle and copy.deepcopy go through the .keras format in memory, wrappers included:
    same predictions, weights and optimizer slots, and no shared arrays."""
    import copy
    import pickle

    x, y = family_data()
    np.random.seed(0)
    mine = make_model(minikeras, family)
    mine.fit(x, y, epochs=1, batch_size=6, shuffle=False, verbose=0)
    for copied in (copy.deepcopy(mine), pickle.loads(pickle.dumps(mine))):
        assert_close(copied.predict(x, verbose=0), mine.predict(x, verbose=0), 0.0, family)
        assert_same_state(copied, mine, 0.0, f"{family} copy")
        copied.layers[0].weights[0].assign(np.zeros(copied.layers[0].weights[0].shape))
        assert np.any(mine.layers[0].weights[0].numpy() != 0)
