"""Sequential: building, names, layers, weights, config and summary, checked against Keras."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from minikeras import Input, Sequential
from minikeras.layers import Activation, Dense, Flatten, InputLayer

keras = pytest.importorskip("keras")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_script(source, library, columns=80):
    """Run `source` with `LIB` replaced by keras or minikeras in a fresh process."""
    env = dict(os.environ, COLUMNS=str(columns), KERAS_BACKEND="tensorflow",
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, "-c", source.replace("LIB", library)],
                            capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


COURSE = textwrap.dedent("""
    import warnings; warnings.simplefilter("ignore")
    from LIB import Sequential
    from LIB.layers import Dense
    model = Sequential()
    print(model)
    print(Dense(8, input_dim=5, activation="sigmoid").get_config())
    print(Dense(4, activation="sigmoid").get_config())
    print(Dense(1, activation="sigmoid").get_config())
    model = Sequential()
    model.add(Dense(8, input_dim=5, activation="sigmoid"))
    model.add(Dense(4, activation="sigmoid"))
    model.add(Dense(1))
    print(model.summary())
    print(model.count_params(), [w.shape for w in model.get_weights()])
    print([layer.name for layer in model.layers], model.name)
""")


@pytest.mark.parametrize("columns", [80, 200, 60])
def test_course_exercises_print_what_keras_prints(columns):
    mine = run_script(COURSE, "minikeras", columns)
    theirs = run_script(COURSE, "keras", columns)
    assert mine == theirs
    assert "Total params: 89 (356.00 B)" in mine


def test_summary_unbuilt_long_names_and_flatten():
    source = textwrap.dedent("""
        from LIB import Sequential, Input
        from LIB.layers import Dense, Flatten, Activation
        Sequential([Dense(3), Dense(2)], name="lazy").summary()
        Sequential([Input((4, 3)), Flatten(), Dense(300, name="a_really_quite_long_layer_name_x"),
                    Activation("relu"), Dense(1000)]).summary()
    """)
    assert run_script(source, "minikeras") == run_script(source, "keras")


def test_get_config_matches_keras_and_keras_rebuilds_it():
    def build(lib):
        return lib.Sequential([lib.Input((5,)), lib.layers.Dense(8, activation="sigmoid",
                                                                  name="h1"),
                               lib.layers.Dense(1, name="out")], name="cfg")

    import minikeras

    mine, theirs = build(minikeras).get_config(), build(keras).get_config()
    mine["layers"][0]["config"].pop("name")
    theirs["layers"][0]["config"].pop("name")
    assert mine == theirs
    twin = keras.Sequential.from_config(build(minikeras).get_config())
    assert [w.shape for w in twin.get_weights()] == [(5, 8), (8,), (8, 1), (1,)]


def test_from_config_round_trip_and_weights_to_keras(rng):
    model = Sequential([Input((3,)), Dense(4, activation="relu"), Dense(2, activation="softmax")])
    clone = Sequential.from_config(model.get_config())
    assert clone.get_config()["layers"][1:] == model.get_config()["layers"][1:]
    twin = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                             keras.layers.Dense(2, activation="softmax")])
    twin.set_weights(model.get_weights())
    x = rng.normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), twin.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-7)


def test_build_paths_lazy_and_eager():
    lazy = Sequential([Dense(3), Dense(2)])
    assert not lazy.built and lazy.get_weights() == []
    lazy(np.ones((2, 7)))
    assert lazy.built and lazy.input_shape == (None, 7)
    assert lazy.layers[0].kernel.path == f"{lazy.name}/{lazy.layers[0].name}/kernel"
    eager = Sequential()
    eager.add(Dense(3, input_dim=4))
    assert eager.built and eager.output_shape == (None, 3)
    eager.add(Dense(2))
    assert eager.built and eager.output_shape == (None, 2)
    from_input = Sequential([InputLayer(shape=(6,)), Dense(1)])
    assert from_input.built and from_input.count_params() == 7


def test_layers_get_layer_pop_and_names():
    model = Sequential([Input((2,)), Dense(3, name="first"), Activation("relu"), Flatten()])
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Activation", "Flatten"]
    assert model.get_layer("first") is model.layers[0]
    assert model.get_layer(index=-1) is model.layers[-1]
    assert model.pop() is not None and len(model.layers) == 2
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("missing")
    with pytest.raises(ValueError, match="unique names"):
        model.add(Dense(1, name="first"))
    with pytest.raises(TypeError, match="Layer"):
        model.add("dense")


def test_auto_names_count_like_keras():
    source = ("from LIB import Sequential\nfrom LIB.layers import Dense\n"
              "m = Sequential([Dense(1), Dense(1), Dense(1)]); n = Sequential()\n"
              "print([l.name for l in m.layers], m.name, n.name)")
    assert run_script(source, "minikeras") == run_script(source, "keras")


def test_set_weights_errors():
    model = Sequential([Input((2,)), Dense(3)])
    with pytest.raises(ValueError, match="length 1"):
        model.set_weights([np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"has shape \(2, 3\)"):
        model.set_weights([np.ones((3, 3)), np.ones(3)])
    model.set_weights([np.ones((2, 3)), np.zeros(3)])
    assert np.all(model.layers[0].kernel.numpy() == 1)


def test_call_checks_feature_count():
    model = Sequential([Input((4,)), Dense(2)])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(3, 5\)"):
        model(np.ones((3, 5)))


def test_count_params_before_build_is_a_clear_error():
    with pytest.raises(ValueError, match="not been built"):
        Sequential([Dense(2)]).count_params()
