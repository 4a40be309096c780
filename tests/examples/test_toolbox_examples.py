"""The toolbox examples (Tokenizer text classifier, ImageDataGenerator) run and learn; the imdb
LSTM (pad_sequences -> Embedding -> LSTM) is tests/examples/test_conv_text_examples.py's."""

import re

import pytest
from test_example_scripts import run_example


def accuracy(out):
    return float(re.search(r"Test accuracy[^:]*: (\d\.\d+)", out).group(1))


def test_text_classifier_tokenizer():
    out = run_example("text_classifier_tokenizer.py")
    assert "x_train shape: (600, 50)" in out
    assert accuracy(out) > 0.9


def test_image_augmentation():
    pytest.importorskip("sklearn")
    out = run_example("image_augmentation.py")
    assert "Epoch 15/15" in out
    assert accuracy(out) > 0.85  # sklearn digits, augmented batches, restored from .h5
