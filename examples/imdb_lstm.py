"""Keras 2's examples/imdb_lstm.py with `keras` -> `minikeras`: sentiment with an LSTM.

The model is Keras's: Embedding(max_features, 128) -> LSTM(128, dropout=0.2,
recurrent_dropout=0.2) -> Dense(1, sigmoid), binary crossentropy, Adam, batch 32. The IMDB
reviews need a download, so the reviews here are generated (seeded): word ids drawn from a
vocabulary where 50 "positive" and 50 "negative" words lean one way, and the label
is which kind a review holds more of. Reviews have different lengths and are padded with 0
in front, as `pad_sequences` does; `mask_zero=True` makes the LSTM skip the padding.
Sizes are smaller than Keras's (2,000 reviews of at most 80 words, LSTM(32)) so that it runs
in seconds.

Run from anywhere: python examples/imdb_lstm.py  (test accuracy 0.95; --smoke: a short run)
"""

import sys

import numpy as np

from minikeras.layers import LSTM, Dense, Embedding
from minikeras.models import Sequential
from minikeras.preprocessing.sequence import pad_sequences

max_features = 2000  # vocabulary size
maxlen = 80  # cut texts after this number of words
batch_size = 32
smoke = "--smoke" in sys.argv  # the test suite's short run: 800 reviews, 3 epochs


def generate_reviews(n, rng):
    """n reviews (lists of word ids in 1..max_features-1) and their 0/1 sentiment."""
    positive, negative = np.arange(2, 52), np.arange(52, 102)
    reviews, labels = [], []
    for _ in range(n):
        length = rng.integers(20, 120)
        words = rng.integers(102, max_features, length)
        label = rng.integers(0, 2)
        cues = rng.integers(3, 10)
        lean = rng.choice(positive if label else negative, cues)
        other = rng.choice(negative if label else positive, rng.integers(0, cues - 1))
        words[rng.choice(length, cues + len(other), replace=False)] = np.concatenate(
            [lean, other])
        reviews.append(words)
        labels.append(label)
    return reviews, np.array(labels, dtype="float32")


print("Loading data...")
rng = np.random.default_rng(7)
np.random.seed(7)
n_train = 800 if smoke else 2000
reviews, labels = generate_reviews(n_train + 500, rng)
x_train, y_train = reviews[:n_train], labels[:n_train]
x_test, y_test = reviews[n_train:], labels[n_train:]
print(len(x_train), "train sequences")
print(len(x_test), "test sequences")

print("Pad sequences (samples x time)")
x_train = pad_sequences(x_train, maxlen=maxlen)
x_test = pad_sequences(x_test, maxlen=maxlen)
print("x_train shape:", x_train.shape)
print("x_test shape:", x_test.shape)

print("Build model...")
model = Sequential()
model.add(Embedding(max_features, 32, mask_zero=True))
model.add(LSTM(32, dropout=0.2, recurrent_dropout=0.2))
model.add(Dense(1, activation="sigmoid"))

# try using different optimizers and different optimizer configs
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

print("Train...")
model.fit(x_train, y_train, batch_size=batch_size, epochs=3 if smoke else 4, verbose=2,
          validation_data=(x_test, y_test))
score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print("Test score:", score)
print("Test accuracy:", acc)
