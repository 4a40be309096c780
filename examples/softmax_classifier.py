"""A softmax classifier (seed 002's pattern): one-hot and integer labels, rmsprop,
validation_split and validation_data, History.

Synthetic 3-class data (the covertype set is not shipped), same calls as the tutorial.
"""

import numpy as np
import pandas as pd

from minikeras import Sequential
from minikeras.layers import Dense

np.random.seed(7)
n, features, classes = 1500, 10, 3
centers = np.random.normal(0, 2.0, size=(classes, features))
labels = np.random.randint(0, classes, size=n)
X = centers[labels] + np.random.normal(0, 1.0, size=(n, features))
X = pd.DataFrame(X, columns=[f"f{i}" for i in range(features)])  # Keras accepts DataFrames
one_hot = np.eye(classes)[labels]


def build():
    model = Sequential()
    model.add(Dense(32, input_dim=features, activation="relu"))
    model.add(Dense(16, activation="relu"))
    model.add(Dense(classes, activation="softmax"))
    return model


# one-hot labels: categorical_crossentropy, the last 20% held out for validation
model = build()
model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
history = model.fit(X, one_hot, epochs=10, batch_size=32, validation_split=0.2, verbose=2)
print(sorted(history.history))

# integer labels: sparse_categorical_crossentropy, explicit validation_data
model = build()
model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
history = model.fit(X[:1200], pd.Series(labels[:1200]), epochs=10, batch_size=32,
                    validation_data=(X[1200:], labels[1200:]), verbose=2)
print("final val_accuracy: %.4f" % history.history["val_accuracy"][-1])
predicted = np.argmax(model.predict(X[1200:], verbose=0), axis=-1)
print("held-out accuracy: %.4f" % np.mean(predicted == labels[1200:]))
