"""Tokenizer, text_to_word_sequence, hashing_trick and ImageDataGenerator against Keras 2.

Keras 3 removed these, so the specification is the last Keras 2, 2.15.0
(keras/src/preprocessing/text.py and image.py): its results for the scenarios in
preprocessing_scenarios.py are stored in goldens/ by make_goldens.py, and compared live as well
when KERAS_215 points at an unpacked keras-2.15.0 wheel.
"""

import json
import os

import numpy as np
import pytest
from preprocessing_scenarios import image_scenarios, images, text_scenarios

from minikeras.preprocessing import image, text

GOLDENS = os.path.join(os.path.dirname(__file__), "goldens")


def _json(value):
    return json.loads(json.dumps(value, ensure_ascii=False))


@pytest.fixture(scope="module")
def goldens():
    with open(os.path.join(GOLDENS, "text_keras_2_15.json")) as f:
        texts = json.load(f)
    with np.load(os.path.join(GOLDENS, "keras_2_15.npz")) as f:
        arrays = dict(f)
    return texts, arrays


def test_text_matches_keras_2(goldens):
    texts, arrays = goldens
    ours = text_scenarios(text)
    assert set(ours) == set(texts) | {k for k in arrays if "matrix" in k}
    for name, value in ours.items():
        if isinstance(value, np.ndarray):
            expected = arrays[name]
            assert value.dtype == expected.dtype and value.shape == expected.shape, name
            # float64 both sides, the same operations in the same order: exact
            np.testing.assert_array_equal(value, expected, err_msg=name)
        else:
            assert _json(value) == texts[name], f"{name}: ours {value!r}, Keras 2 {texts[name]!r}"


def test_images_match_keras_2(goldens):
    _, arrays = goldens
    ours = image_scenarios(image)
    assert ours, "no image scenarios ran"
    for name, value in ours.items():
        expected = arrays[name]
        assert value.dtype == expected.dtype and value.shape == expected.shape, (
            f"{name}: ours {value.dtype}{value.shape}, Keras 2 {expected.dtype}{expected.shape}")
        # float32 images through the same scipy calls and float64 matrices: exact
        np.testing.assert_array_equal(value, expected, err_msg=name)


@pytest.mark.skipif("KERAS_215" not in os.environ,
                    reason="set KERAS_215 to an unpacked keras-2.15.0 wheel (make_goldens.py)")
def test_live_against_keras_2_15():
    from make_goldens import load_keras_215

    k_text, k_image = load_keras_215("text"), load_keras_215("image")
    ours, theirs = text_scenarios(text), text_scenarios(k_text)
    for name in theirs:
        if isinstance(theirs[name], np.ndarray):
            np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)
        else:
            assert _json(ours[name]) == _json(theirs[name]), name
    # Python's str hash differs between processes, so one_hot is comparable within one only
    assert text.one_hot("The cat sat on the mat.", 11) == k_text.one_hot(
        "The cat sat on the mat.", 11)
    ours, theirs = image_scenarios(image), image_scenarios(k_image)
    for name in theirs:
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)


def test_one_hot_is_hashing_trick_with_python_hash():
    encoded = text.one_hot("The cat sat on the mat.", 5)
    assert encoded == [hash(w) % 4 + 1 for w in ["the", "cat", "sat", "on", "the", "mat"]]
    assert encoded[0] == encoded[4]  # the same word, the same index


def test_seeded_flow_repeats_and_differs_between_seeds():
    x, y = images()
    gen = image.ImageDataGenerator(rotation_range=30, horizontal_flip=True)
    a = next(gen.flow(x, y, batch_size=4, seed=1))[0]
    b = next(gen.flow(x, y, batch_size=4, seed=1))[0]
    c = next(gen.flow(x, y, batch_size=4, seed=2))[0]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bad_arguments():
    x, y = images()
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="fill_mode"):
        image.ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="rank 4"):
        image.ImageDataGenerator().flow(x[0], batch_size=2)
    with pytest.raises(ValueError, match="same length"):
        image.ImageDataGenerator().flow(x, y[:3])
    with pytest.raises(ValueError, match="rank 4"):
        image.ImageDataGenerator(featurewise_center=True).fit(x[0])
    with pytest.raises(TypeError, match="list of texts"):
        text.Tokenizer().fit_on_texts("one string")
    with pytest.raises(ValueError, match="fit on some text"):
        text.Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="vectorization mode"):
        tok = text.Tokenizer()
        tok.fit_on_texts(["a b"])
        tok.texts_to_matrix(["a"], mode="onehot")


def test_unfit_featurewise_warns():
    x, _ = images()
    with pytest.warns(UserWarning, match="hasn't been fit"):
        next(image.ImageDataGenerator(featurewise_center=True).flow(x, batch_size=2))
