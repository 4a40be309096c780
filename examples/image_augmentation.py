"""An image classifier trained on ImageDataGenerator's augmented batches (the cifar10_cnn
recipe: fit the generator, fit_generator on its flow, save, evaluate) on scikit-learn's bundled
8x8 digits. A Flatten + Dense network stands in for the tutorial's convolutions.
"""

import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits

import minikeras
from minikeras.layers import Dense, Dropout, Flatten
from minikeras.models import Sequential
from minikeras.preprocessing.image import ImageDataGenerator
from minikeras.utils import set_random_seed, to_categorical

set_random_seed(0)
digits = load_digits()
x = (digits.images[..., np.newaxis] / 16.0).astype("float32")  # (1797, 8, 8, 1)
y = to_categorical(digits.target, 10)
order = np.random.default_rng(0).permutation(len(x))
x, y = x[order], y[order]
x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]

datagen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             rotation_range=10, width_shift_range=0.1, height_shift_range=0.1,
                             zoom_range=0.1, fill_mode="nearest", validation_split=0.2)
datagen.fit(x_train)  # per-channel mean and std for featurewise normalization

model = Sequential()
model.add(Flatten(input_shape=x_train.shape[1:]))
model.add(Dense(128, activation="relu"))
model.add(Dropout(0.25))
model.add(Dense(10, activation="softmax"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

train = datagen.flow(x_train, y_train, batch_size=32, seed=1, subset="training")
val = datagen.flow(x_train, y_train, batch_size=32, seed=2, subset="validation")
history = model.fit(train, epochs=15, validation_data=val, verbose=2)

path = os.path.join(tempfile.mkdtemp(), "digits_augmented.h5")
model.save(path)
restored = minikeras.models.load_model(path)
x_test_std = datagen.standardize(x_test.copy())  # the test images get the same normalization
loss, acc = restored.evaluate(x_test_std, y_test, verbose=0)
print(f"Test accuracy (restored from {os.path.basename(path)}): {acc:.4f}")
