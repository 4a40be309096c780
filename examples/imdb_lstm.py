"""The imdb LSTM tutorial (Keras 2's examples/imdb_lstm.py) on generated reviews.

Reviews are word-index lists as `imdb.load_data` returns them (1 = start, 2 = out of
vocabulary, words from 3 on); a review is positive when it holds more "good" words than "bad"
ones. pad_sequences cuts and pads them to maxlen, and an LSTM reads them.
The tutorial feeds the indices to an Embedding layer, which minikeras does not have yet; here
each index becomes a one-hot vector (to_categorical), which is what an Embedding multiplies by.
`--real` loads the real IMDB reviews instead (downloads 17 MB once into ~/.keras/datasets).
"""

import sys

import numpy as np

from minikeras.datasets import imdb
from minikeras.layers import LSTM, Dense
from minikeras.models import Sequential
from minikeras.preprocessing import sequence
from minikeras.utils import set_random_seed, to_categorical

max_features = 40  # vocabulary: indices 0 .. 39
maxlen = 30
batch_size = 32
GOOD, BAD = range(3, 8), range(8, 13)


def generated_reviews(n, rng):
    reviews, labels = [], []
    for _ in range(n):
        words = list(rng.integers(13, max_features, rng.integers(10, 50)))
        label = int(rng.integers(0, 2))
        for _ in range(int(rng.integers(1, 4))):
            hint = GOOD if label else BAD
            words.insert(int(rng.integers(0, len(words))), int(rng.choice(hint)))
        reviews.append([1] + [int(w) for w in words])
        labels.append(label)
    return np.array(reviews, dtype=object), np.array(labels)


set_random_seed(7)
if "--real" in sys.argv:
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
else:
    rng = np.random.default_rng(0)
    (x_train, y_train), (x_test, y_test) = generated_reviews(800, rng), generated_reviews(200, rng)
print(len(x_train), "train sequences")
print(len(x_test), "test sequences")

print("Pad sequences (samples x time)")
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print("x_train shape:", x_train.shape)
x_train = to_categorical(x_train, max_features).astype("float32")  # (samples, time, words)
x_test = to_categorical(x_test, max_features).astype("float32")

model = Sequential()
model.add(LSTM(32, input_shape=(maxlen, max_features)))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=batch_size, epochs=5, verbose=2,
          validation_data=(x_test, y_test))
score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
print(f"Test score: {score:.4f}")
print(f"Test accuracy: {acc:.4f}")
