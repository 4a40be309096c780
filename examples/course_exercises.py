"""The course exercises (seed 001): Sequential, Dense.get_config, summary, breast cancer.

The exercise code with only `keras` -> `minikeras` in the imports.
"""

from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from minikeras import Sequential
from minikeras.layers import Dense
from minikeras.utils import set_random_seed

set_random_seed(42)

# Exercise 1: Sequential
model = Sequential()
print(model)

# Exercise 2: Dense
print(Dense(8, input_dim=5, activation="sigmoid").get_config())
print(Dense(4, activation="sigmoid").get_config())
print(Dense(1, activation="sigmoid").get_config())

# Exercise 3: Architecture (regression: linear output)
model = Sequential()
model.add(Dense(8, input_dim=5, activation="sigmoid"))
model.add(Dense(4, activation="sigmoid"))
model.add(Dense(1))
print(model.summary())


# Exercise 4: Optimize
def breast_cancer_model():
    model = Sequential()
    model.add(Dense(10, input_dim=30, activation="sigmoid"))
    model.add(Dense(5, activation="sigmoid"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


X, y = load_breast_cancer(return_X_y=True)

model = breast_cancer_model()
model.fit(X, y, epochs=40, batch_size=32, verbose=0)
loss, accuracy = model.evaluate(X, y, verbose=0)
print(f"raw features:    training accuracy {accuracy:.4f}")

X_scaled = StandardScaler().fit_transform(X)
model = breast_cancer_model()
model.fit(X_scaled, y, epochs=40, batch_size=32, verbose=0)
loss, accuracy = model.evaluate(X_scaled, y, verbose=0)
print(f"scaled features: training accuracy {accuracy:.4f}")
