"""Forest cover type with Dropout (seed tutorial 002): 54 -> 64 relu -> Dropout(0.5) -> 32 relu
-> Dropout(0.5) -> 7 softmax, adam, categorical_crossentropy, validation_split=0.2.

The data: scikit-learn's `fetch_covtype` downloads the covertype set from the internet, which
this example must not need, so it builds a seeded synthetic stand-in of the same shape:
54 features laid out as covertype's (10 continuous measurements, 4 one-hot wilderness areas,
40 one-hot soil types) and 7 classes given by a fixed random rule of the features plus noise.
Otherwise the tutorial's code, with `keras` -> `minikeras` in the imports and Keras 3's
spellings: `Adam(learning_rate=...)` (Keras 3 has no `lr` or `decay`), `epochs=` (was
`nb_epoch`), `.to_numpy()` (pandas dropped `.as_matrix()`), `argmax(predict(...))` (Keras 3
dropped `predict_classes`).

Run from anywhere: python examples/covertype_dropout.py [--samples N] [--epochs E]
"""

import argparse

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from minikeras.layers import Dense, Dropout
from minikeras.models import Sequential
from minikeras.optimizers import Adam

parser = argparse.ArgumentParser()
parser.add_argument("--samples", type=int, default=20000)
parser.add_argument("--epochs", type=int, default=20)
args = parser.parse_args()

np.random.seed(2)


def synthetic_covtype(n):
    """(features: DataFrame (n, 54), target: DataFrame (n, 1) of labels 1..7), covtype's layout."""
    continuous = np.random.normal(size=(n, 10)) * [300, 110, 8, 210, 60, 1500, 27, 20, 38, 1300]
    continuous += [2960, 155, 14, 270, 46, 2350, 212, 223, 142, 1980]  # covtype's column means
    wilderness = np.eye(4)[np.random.randint(0, 4, size=n)]
    soil = np.eye(40)[np.random.randint(0, 40, size=n)]
    features = np.hstack([continuous, wilderness, soil])
    # the hidden rule: a fixed random linear score per class on the standardized features
    standardized = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-12)
    weights = np.random.normal(size=(54, 7))
    scores = standardized @ weights + np.random.gumbel(size=(n, 7))
    target = scores.argmax(axis=1) + 1  # covtype's labels are 1..7
    return pd.DataFrame(features), pd.DataFrame(target)


features, target = synthetic_covtype(args.samples)
n_features, n_classes = features.shape[1], 7

### Scale the features, split off a test set
centered = features - features.mean()
scaled_centered = centered / centered.std()
X_train, X_test, y_train, y_test = train_test_split(scaled_centered, target, test_size=0.2,
                                                    random_state=0)

### Create our model
model = Sequential()
model.add(Dense(64, input_shape=(n_features,), activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(32, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(n_classes, activation="softmax"))

adam = Adam(learning_rate=0.001)
model.compile(optimizer=adam, loss="categorical_crossentropy", metrics=["accuracy"])

history = model.fit(X_train.to_numpy(), pd.get_dummies(y_train[0]).to_numpy(dtype="float32"),
                    validation_split=0.2, epochs=args.epochs, batch_size=32, verbose=2)

### Test it on output we haven't seen before
predicted = np.argmax(model.predict(X_test.to_numpy(), verbose=0), axis=-1) + 1
print("history keys:", sorted(history.history))
print("final val_accuracy: %.4f" % history.history["val_accuracy"][-1])
print("test accuracy: %.4f" % accuracy_score(predicted, y_test[0]))
