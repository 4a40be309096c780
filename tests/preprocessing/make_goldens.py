"""Regenerate goldens/ from Keras 2.15.0's preprocessing (the last Keras 2; run by hand, not
in CI). Keras 2.15 needs TensorFlow 2.15 to import, so this reads its two source files from the
wheel and runs them with their few Keras imports replaced by the settings they read
(channels_last, float32):

    pip download keras==2.15.0 --no-deps -d /tmp/k215
    unzip /tmp/k215/keras-2.15.0-py3-none-any.whl 'keras/src/preprocessing/*' -d /tmp/k215
    KERAS_215=/tmp/k215 PYTHONPATH=. python tests/preprocessing/make_goldens.py
"""

import json
import os
import sys
import types

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from preprocessing_scenarios import image_scenarios, text_scenarios  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "goldens")
REPLACED = {
    "from keras.src import backend": "backend = _settings",
    "from keras.src.utils import data_utils": "data_utils = _settings",
    "from keras.src.utils import image_utils": "image_utils = None",
    "from keras.src.utils import io_utils": "io_utils = None",
    "from tensorflow.python.util.tf_export import keras_export": "keras_export = _export",
}


def load_keras_215(name):
    path = os.path.join(os.environ["KERAS_215"], "keras", "src", "preprocessing", f"{name}.py")
    source = open(path).read()
    for line, replacement in REPLACED.items():
        source = source.replace(line, replacement)
    assert "from keras" not in source and "import tensorflow" not in source, path
    module = types.ModuleType(f"keras215_{name}")
    module.__dict__.update(
        _settings=types.SimpleNamespace(image_data_format=lambda: "channels_last",
                                        floatx=lambda: "float32", Sequence=object),
        _export=lambda *a, **k: (lambda obj: obj))
    exec(compile(source, path, "exec"), module.__dict__)
    return module


def main():
    text, image = load_keras_215("text"), load_keras_215("image")
    texts = text_scenarios(text)
    arrays = {k: v for k, v in texts.items() if isinstance(v, np.ndarray)}
    plain = {k: v for k, v in texts.items() if not isinstance(v, np.ndarray)}
    with open(os.path.join(HERE, "text_keras_2_15.json"), "w") as f:
        json.dump(plain, f, ensure_ascii=False, indent=0)
    arrays.update(image_scenarios(image))
    np.savez_compressed(os.path.join(HERE, "keras_2_15.npz"), **arrays)
    print(f"{len(plain)} text values, {len(arrays)} arrays written to {HERE}")


if __name__ == "__main__":
    main()
