"""The course's multilayer perceptron with dropout (seed tutorial 000), on the Pima data.

The course builds `Dense(10, relu)` layers with `Dropout(0.5)` after each hidden layer but the
last, then a sigmoid output, for a 5-feature binary problem; here the same network reads the
8 Pima features (`examples/data/`), standardized first, since the network is deep and narrow.
The tutorial's code, with `keras` -> `minikeras` in the imports.

Run from anywhere: python examples/mlp_dropout.py [--epochs E]
"""

import argparse
import os

import numpy as np

from minikeras.layers import Dense, Dropout
from minikeras.models import Sequential

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=150)
args = parser.parse_args()

np.random.seed(0)

here = os.path.dirname(os.path.abspath(__file__))
dataset = np.loadtxt(os.path.join(here, "data", "pima-indians-diabetes.csv"), delimiter=",")
X, y = dataset[:, 0:8], dataset[:, 8]
X = (X - X.mean(axis=0)) / X.std(axis=0)

model = Sequential()

# Input layer
model.add(Dense(10, input_dim=8, activation="relu"))

# Hidden layers with dropout
model.add(Dropout(0.5))
model.add(Dense(10, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(10, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(10, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(10, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(10, activation="relu"))

# Output layer
model.add(Dense(1, activation="sigmoid"))

model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.summary()

history = model.fit(X, y, epochs=args.epochs, batch_size=10, validation_split=0.2, verbose=0)
print("final training accuracy (with dropout): %.4f" % history.history["accuracy"][-1])
print("final val_accuracy: %.4f" % history.history["val_accuracy"][-1])
loss, accuracy = model.evaluate(X, y, verbose=0)
print("accuracy on all data (no dropout): %.4f" % accuracy)
