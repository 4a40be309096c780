"""The Keras 2 examples runner: import rewriting, shortening, and (with KERAS2_GIT_DIR set to a
keras-team/keras clone) the 16 scripts themselves."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "keras2"))

import run_keras2_examples as runner  # noqa: E402


def test_change_imports_touches_imports_only():
    source = ("import keras\nfrom keras.models import Sequential\n"
              "from keras import backend as K\nimport keras.utils\n"
              "    from keras.layers import LSTM\nx = keras.utils.to_categorical(y)\n"
              "import kerasextra\n# keras is great\n")
    assert runner.change_imports(source) == (
        "import minikeras as keras\nfrom minikeras.models import Sequential\n"
        "from minikeras import backend as K\nimport minikeras.utils\n"
        "    from minikeras.layers import LSTM\nx = keras.utils.to_categorical(y)\n"
        "import kerasextra\n# keras is great\n")


def test_shortening_is_listed_per_script_and_must_match():
    assert set(runner.SHORTER) <= set(runner.SCRIPTS) and len(runner.SCRIPTS) == 16
    assert runner.shorten("mnist_mlp", "epochs = 20\n") == "epochs = 1\n"
    with pytest.raises(ValueError, match="expected to find 'epochs = 20'"):
        runner.shorten("mnist_mlp", "epochs = 30\n")


@pytest.mark.skipif("KERAS2_GIT_DIR" not in os.environ,
                    reason="set KERAS2_GIT_DIR to a keras-team/keras clone (tag 2.3.1)")
def test_the_keras2_examples_run_or_wait_for_layers():
    assert runner.main(["--git-dir", os.environ["KERAS2_GIT_DIR"]]) == 0
