"""Keras 2's examples/mnist_cnn.py with `keras` -> `minikeras`: a simple convnet on digits.

The convnet is Keras's: Conv2D(32, 3x3, relu) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2x2)
-> Dropout(0.25) -> Flatten -> Dense(128, relu) -> Dropout(0.5) -> Dense(10, softmax),
categorical crossentropy. MNIST (70,000 28x28 images) needs a download, so the data here is
the 1,797 8x8 handwritten digits of the UCI set that scikit-learn ships (copied to
examples/data/digits.npz; Alpaydin & Kaynak, UCI ML repository): the same network, smaller
images. Keras 2 trained with Adadelta(lr=1.0) for 12 epochs; that is kept.

Run from anywhere: python examples/mnist_cnn.py  (about 97% test accuracy; --smoke: 3 epochs)
"""

import os
import sys

import numpy as np

import minikeras as keras
from minikeras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from minikeras.models import Sequential

batch_size = 128
num_classes = 10
epochs = 3 if "--smoke" in sys.argv else 12  # --smoke: the test suite's short run

# input image dimensions
img_rows, img_cols = 8, 8

# the data, split between train and test sets
np.random.seed(7)
here = os.path.dirname(os.path.abspath(__file__))
digits = np.load(os.path.join(here, "data", "digits.npz"))
order = np.random.permutation(len(digits["labels"]))
images, labels = digits["images"][order], digits["labels"][order]
x_train, y_train = images[:1500], labels[:1500]
x_test, y_test = images[1500:], labels[1500:]

x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
input_shape = (img_rows, img_cols, 1)

x_train = x_train.astype("float32")
x_test = x_test.astype("float32")
x_train /= 16  # pixels are 0..16 (MNIST's are 0..255)
x_test /= 16
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# convert class vectors to binary class matrices
y_train = np.eye(num_classes, dtype="float32")[y_train]
y_test = np.eye(num_classes, dtype="float32")[y_test]

model = Sequential()
model.add(Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=input_shape))
model.add(Conv2D(64, (3, 3), activation="relu"))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(128, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation="softmax"))

model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
              metrics=["accuracy"])

model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=2,
          validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
