"""examples/mnist_cnn.py and examples/imdb_lstm.py run as students run them (short runs) and
learn: the convnet on the shipped digits, the Embedding -> LSTM on the generated reviews."""

import re

from test_example_scripts import run_example


def test_mnist_cnn_learns_the_digits():
    out = run_example("mnist_cnn.py", "--smoke")
    assert "x_train shape: (1500, 8, 8, 1)" in out
    assert "Epoch 3/3" in out
    assert float(re.search(r"Test accuracy: (\d\.\d+)", out).group(1)) > 0.85


def test_imdb_lstm_learns_the_sentiment():
    out = run_example("imdb_lstm.py", "--smoke")
    assert "x_train shape: (800, 80)" in out
    assert float(re.search(r"Test accuracy: (\d\.\d+)", out).group(1)) > 0.7
