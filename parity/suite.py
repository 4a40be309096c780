"""The standard parity suite: every component minikeras shares with Keras, and the tutorials.

Each case is a function `case(dtype) -> [Row]`; rows say what was compared, how far apart the
two libraries are, and the tolerance (house rules):
    float32: forward, gradients and single steps <= 1e-6; 20-step trajectories <= 1e-5
    float64 (both sides): everything <= 1e-10
Errors are normwise relative: max|mine - keras| / max|keras|.
Components are discovered from minikeras's registries, so new activations, losses, optimizers
and layers join the suite when they are added to the tables below.
"""

import dataclasses
import inspect
import os

import numpy as np

from .core import (
    compare_forward,
    compare_gradients,
    compare_layer_outputs,
    compare_train_steps,
    to_keras,
)

TOLERANCE = {"float32": {"forward": 1e-6, "grad": 1e-6, "step": 1e-6, "trajectory": 1e-5},
             "float64": {"forward": 1e-10, "grad": 1e-10, "step": 1e-10, "trajectory": 1e-10}}
DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples",
                    "data")


@dataclasses.dataclass
class Row:
    component: str
    quantity: str  # forward / grad / step / trajectory
    detail: str
    abs_error: float
    rel_error: float
    tolerance: float
    dtype: str = ""

    @property
    def ok(self):
        return bool(self.rel_error <= self.tolerance)


def use_dtype(dtype):
    import keras

    import minikeras

    minikeras.config.set_floatx(dtype)
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)


# ---- building blocks ---------------------------------------------------------------------------

def mlp(features, hidden, units, activation, loss, optimizer="adam", hidden_activation="relu",
        seed=0, metrics=()):
    import minikeras

    np.random.seed(seed)
    model = minikeras.Sequential(
        [minikeras.Input((features,))]
        + [minikeras.layers.Dense(w, activation=hidden_activation) for w in hidden]
        + [minikeras.layers.Dense(units, activation=activation)])
    model.compile(loss=loss, optimizer=optimizer, metrics=list(metrics))
    return model


def labels(kind, n, units, rng):
    if kind == "binary":
        return rng.integers(0, 2, size=(n, units)).astype("float64")
    if kind == "onehot":
        return np.eye(units)[rng.integers(0, units, n)]
    if kind == "sparse":
        return rng.integers(0, units, n)
    if kind == "positive":
        return rng.uniform(0.1, 2.0, size=(n, units))
    if kind == "signed":
        return rng.choice([-1.0, 1.0], size=(n, units))
    return rng.normal(size=(n, units))


def model_rows(component, model, x, y, dtype, steps=20, batch_size=8):
    """forward, every gradient, one step and a 20-step trajectory of `model` against Keras."""
    tol = TOLERANCE[dtype]
    initial = model.get_weights()
    rows = []
    # forward, layer by layer: each layer gets the same input on both sides, so a row
    # measures that layer alone (errors don't compound across the stack)
    for name, abs_err, rel_err, _ in compare_layer_outputs(model, x):
        rows.append(Row(component, "forward", f"output of {name}", abs_err, rel_err,
                        tol["forward"]))
    for name, abs_err, rel_err in compare_gradients(model, x[:batch_size], y[:batch_size]):
        rows.append(Row(component, "grad", name, abs_err, rel_err, tol["grad"]))
    model.set_weights(initial)
    twin = to_keras(model)
    one = compare_train_steps(model, x, y, steps=1, batch_size=batch_size, twin=twin)
    rows.append(Row(component, "step", "weights after 1 step", one["weights_abs"],
                    one["weights_rel"], tol["step"]))
    rest = compare_train_steps(model, x, y, steps=steps - 1, batch_size=batch_size, twin=twin)
    rows.append(Row(component, "trajectory", f"loss over {steps} steps", 0.0,
                    max(one["loss_rel"], rest["loss_rel"]), tol["trajectory"]))
    rows.append(Row(component, "trajectory", f"weights after {steps} steps",
                    rest["weights_abs"], rest["weights_rel"], tol["trajectory"]))
    return rows


# ---- the cases ---------------------------------------------------------------------------------

def activation_case(name):
    """One Dense layer with the activation: its forward output and every gradient, alone
    (stacking two layers would mix in the previous layer's rounding, which e.g. exponential
    amplifies by |x|)."""
    def case(dtype):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(16, 5))
        model = mlp(5, [], 3, name, "mse", optimizer="sgd")
        y = labels("regression", 16, 3, rng)
        tol = TOLERANCE[dtype]
        rows = [Row(f"activation {name}", "forward", f"Dense(3, {name}) outputs", abs_err,
                    rel_err, tol["forward"])
                for _, abs_err, rel_err, _ in compare_layer_outputs(model, x)]
        for detail, abs_err, rel_err in compare_gradients(model, x, y):
            rows.append(Row(f"activation {name}", "grad", detail, abs_err, rel_err, tol["grad"]))
        return rows
    return case


LOSSES = {  # loss name -> (output activation, label kind, units)
    "binary_crossentropy": ("sigmoid", "binary", 1),
    "categorical_crossentropy": ("softmax", "onehot", 3),
    "sparse_categorical_crossentropy": ("softmax", "sparse", 3),
    "mean_squared_error": ("linear", "regression", 2),
    "mean_absolute_error": ("linear", "regression", 2),
    "mean_absolute_percentage_error": ("linear", "positive", 2),
    "mean_squared_logarithmic_error": ("softplus", "positive", 2),
    "huber": ("linear", "regression", 2),
    "log_cosh": ("linear", "regression", 2),
    "hinge": ("tanh", "signed", 2),
    "squared_hinge": ("tanh", "signed", 2),
    "categorical_hinge": ("softmax", "onehot", 3),
    "kl_divergence": ("softmax", "onehot", 3),
    "poisson": ("softplus", "positive", 2),
    "cosine_similarity": ("linear", "regression", 3),
    "binary_focal_crossentropy": ("sigmoid", "binary", 1),
    "categorical_focal_crossentropy": ("softmax", "onehot", 3),
}


def loss_case(name):
    activation, kind, units = LOSSES[name]

    def case(dtype):
        rng = np.random.default_rng(2)
        x = rng.normal(size=(40, 6))
        model = mlp(6, [8], units, activation, name)
        return model_rows(f"loss {name}", model, x, labels(kind, 40, units, rng), dtype)
    return case


def optimizer_case(class_name):
    def case(dtype):
        import minikeras

        rng = np.random.default_rng(3)
        x = rng.normal(size=(40, 6))
        optimizer = getattr(minikeras.optimizers, class_name)()
        model = mlp(6, [8, 5], 1, "sigmoid", "binary_crossentropy", optimizer=optimizer)
        return model_rows(f"optimizer {class_name}", model, x, labels("binary", 40, 1, rng),
                          dtype)
    return case


def pima_case(dtype):
    data = np.loadtxt(os.path.join(DATA, "pima-indians-diabetes.csv"), delimiter=",")
    model = mlp(8, [12, 8], 1, "sigmoid", "binary_crossentropy", seed=7)
    return model_rows("tutorial Pima MLP", model, data[:, :8], data[:, 8], dtype,
                      batch_size=10)


def breast_cancer_case(dtype):
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    model = mlp(30, [10, 5], 1, "sigmoid", "binary_crossentropy", hidden_activation="sigmoid")
    return model_rows("tutorial breast-cancer MLP", model, StandardScaler().fit_transform(x), y,
                      dtype, batch_size=32)


def softmax_case(dtype):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 10))
    model = mlp(10, [32, 16], 3, "softmax", "sparse_categorical_crossentropy",
                optimizer="rmsprop")
    return model_rows("tutorial softmax classifier", model, x, labels("sparse", 64, 3, rng),
                      dtype, batch_size=16)


def dropout_net_case(dtype):
    """Seed 002's covertype network shape; inference only (training masks are random)."""
    import minikeras

    rng = np.random.default_rng(5)
    np.random.seed(5)
    L = minikeras.layers
    model = minikeras.Sequential([minikeras.Input((54,)), L.Dense(64, activation="relu"),
                                  L.Dropout(0.5), L.Dense(32, activation="relu"), L.Dropout(0.5),
                                  L.Dense(7, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    forward = compare_forward(model, rng.normal(size=(64, 54)))
    return [Row("tutorial Dropout net", "forward", "outputs (inference)", forward["abs"],
                forward["rel"], TOLERANCE[dtype]["forward"])]


def airline_lstm_case(dtype):
    """The airline tutorial's LSTM(4) -> Dense(1) on its windows of 3 scaled months."""
    import minikeras

    series = np.loadtxt(os.path.join(DATA, "airline-passengers.csv"), delimiter=",",
                        skiprows=1, usecols=1)
    series = (series - series.min()) / (series.max() - series.min())
    x = np.stack([series[i:i + 3] for i in range(len(series) - 4)])[..., None]
    y = series[3:len(series) - 1]
    np.random.seed(7)
    model = minikeras.Sequential([minikeras.Input((3, 1)), minikeras.layers.LSTM(4),
                                  minikeras.layers.Dense(1)])
    model.compile(loss="mean_squared_error", optimizer="adam")
    return model_rows("tutorial airline LSTM", model, x, y, dtype, batch_size=1)


def cases():
    """{name: case}, in the order the report prints them."""
    import keras

    import minikeras

    found = {}
    for name in sorted(set(minikeras.activations.ALL_OBJECTS_DICT) & set(dir(keras.activations))):
        fn = minikeras.activations.get(name)
        required = [p for p in inspect.signature(fn).parameters.values()
                    if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        # glu halves the units; threshold needs arguments a layer can't pass; aliases skipped
        if name not in ("glu", "swish", "hard_swish") and len(required) == 1:
            found[f"activation {name}"] = activation_case(name)
    for name in LOSSES:
        if name in minikeras.losses.ALL_OBJECTS_DICT or name in minikeras.losses.FUNCTIONS:
            found[f"loss {name}"] = loss_case(name)
    for name in sorted(n for n in dir(minikeras.optimizers) if n[0].isupper()):
        cls = getattr(minikeras.optimizers, name)
        if (isinstance(cls, type) and issubclass(cls, minikeras.optimizers.Optimizer)
                and cls is not minikeras.optimizers.Optimizer and hasattr(keras.optimizers, name)):
            found[f"optimizer {name}"] = optimizer_case(name)
    found["tutorial Pima MLP"] = pima_case
    found["tutorial breast-cancer MLP"] = breast_cancer_case
    found["tutorial softmax classifier"] = softmax_case
    found["tutorial Dropout net"] = dropout_net_case
    found["tutorial airline LSTM"] = airline_lstm_case
    return found


def run(dtypes=("float32", "float64"), select=None, progress=None):
    """Run the selected cases (substring match on the name) for each dtype; return the rows."""
    chosen = {name: case for name, case in cases().items()
              if not select or any(s.lower() in name.lower() for s in select)}
    rows, done = [], 0
    for dtype in dtypes:
        for name, case in chosen.items():
            use_dtype(dtype)
            try:
                for row in case(dtype):
                    row.dtype = dtype
                    rows.append(row)
            finally:
                use_dtype("float32")
            done += 1
            if progress:
                progress(done, len(chosen) * len(dtypes), name)
    return rows
