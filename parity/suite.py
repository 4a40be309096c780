"""The standard parity suite: every component minikeras shares with Keras, and the tutorials.

Each case is a function `case(dtype) -> [Row]`; rows say what was compared, how far apart the
two libraries are, and the tolerance (house rules):
    float32: forward, gradients and single steps <= 1e-6; 20-step trajectories <= 1e-5
    float64 (both sides): everything <= 1e-10
Errors are normwise relative: max|mine - keras| / max|keras|.
A model's rows (model_rows): each layer's forward output on the same input; the loss, every
weight gradient and each layer's input gradient; one optimizer step applying the same (Keras's)
gradients on both sides; then 19 more end-to-end training steps on the same batches (loss at
every step, weights at the end). Dropout runs in training mode too, with masks injected.
Components are discovered from minikeras's registries, so new activations, losses, optimizers
and layers join the suite when they are added to the tables below.
"""

import contextlib
import dataclasses
import inspect
import os

import numpy as np

from . import layer_cases
from .core import (
    MaskStreams,
    compare_forward,
    compare_gradients,
    compare_layer_outputs,
    compare_optimizer_step,
    compare_train_steps,
    injected_dropout_masks,
    keras_float64,
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
    keras_float64(dtype == "float64")


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


def model_rows(component, model, x, y, dtype, steps=20, batch_size=8, mask_seed=None):
    """forward, every gradient, one optimizer step and a 20-step trajectory against Keras.

    The step row applies Keras's gradients of the first batch on both sides, so it measures
    the optimizer alone (see parity.core.compare_optimizer_step); the trajectory then runs
    the remaining steps end to end, each side with its own forward, loss and gradients.
    mask_seed: for a model with Dropout, compare in training mode too: both sides draw their
    keep masks from the same seeded streams (parity.core.injected_dropout_masks), and the
    rows add each layer's training-mode output; gradients and steps then run with dropout on.
    """
    tol = TOLERANCE[dtype]
    initial = model.get_weights()
    rows = []
    # forward, layer by layer: each layer gets the same input on both sides, so a row
    # measures that layer alone (errors don't compound across the stack)
    for name, abs_err, rel_err, _ in compare_layer_outputs(model, x):
        rows.append(Row(component, "forward", f"output of {name}", abs_err, rel_err,
                        tol["forward"]))
    streams = None if mask_seed is None else MaskStreams(mask_seed)
    twin = to_keras(model, run_eagerly=streams is not None)

    def masks():
        return injected_dropout_masks(model, twin, streams) if streams else contextlib.nullcontext()

    first = np.asarray(x[:batch_size], dtype=model.layers[0].dtype), np.asarray(y[:batch_size])
    frozen = [v.numpy() for v in twin.non_trainable_weights]
    with masks():
        if streams:
            for name, abs_err, rel_err, _ in compare_layer_outputs(model, x, twin, training=True):
                rows.append(Row(component, "forward", f"output of {name} (training)", abs_err,
                                rel_err, tol["forward"]))
        # Keras's gradients are also what both optimizers apply in the step row
        grad_rows, keras_grads = compare_gradients(model, *first, twin=twin, return_keras=True)
    for name, abs_err, rel_err in grad_rows:
        rows.append(Row(component, "grad", name, abs_err, rel_err, tol["grad"]))
    model.set_weights(initial)
    for variable, value in zip(twin.non_trainable_weights, frozen, strict=True):
        variable.assign(value)  # the training-mode pass moved BatchNormalization's statistics
    step = compare_optimizer_step(model, twin, keras_grads)
    rows.append(Row(component, "step", "weights after 1 step (same gradients)",
                    step["weights_abs"], step["weights_rel"], tol["step"]))
    with masks():
        rest = compare_train_steps(model, x, y, steps=steps - 1, batch_size=batch_size,
                                   twin=twin)
    rows.append(Row(component, "trajectory", f"loss over {steps} steps", 0.0,
                    max(grad_rows[0][2], rest["loss_rel"]), tol["trajectory"]))
    rows.append(Row(component, "trajectory", f"weights after {steps} steps",
                    rest["weights_abs"], rest["weights_rel"], tol["trajectory"]))
    if streams:  # a mask drawn on one side only would pair different masks from then on
        draws = sum(len(v) for (side, _), v in streams.shapes.items() if side == "minikeras")
        rows.append(Row(component, "forward", f"the same {draws} keep masks drawn on both sides",
                        0.0, 0.0 if streams.aligned() else float("inf"), tol["forward"]))
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


LOSSES = {  # loss name -> (output activation, label kind, units[, hidden activation])
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
    # tanh: behind relu a sample can have every hidden unit off, so its prediction is exactly
    # 0 and cosine similarity is 0/0 there (Keras on JAX returns NaN gradients for it)
    "cosine_similarity": ("linear", "regression", 3, "tanh"),
    "binary_focal_crossentropy": ("sigmoid", "binary", 1),
    "categorical_focal_crossentropy": ("softmax", "onehot", 3),
}


def loss_case(name):
    """A loss's value and gradients, then steps taken with SGD.

    SGD moves each weight by lr * gradient, so the step rows measure the loss's gradient.
    Adam (the default elsewhere) would move each weight by about lr * sign(gradient): its first
    step divides every gradient entry by its own size, so a tiny gradient entry, whose float32
    rounding is set by the larger terms summed into it, gets a full-size step carrying that
    rounding as a relative error (seen: categorical_hinge's 1e-4 bias gradient, 2e-8 off at the
    scale of the model's gradients, became a 1.3e-6 error in the step). The optimizers have
    their own rows.
    """
    activation, kind, units, *hidden = LOSSES[name]

    def case(dtype):
        rng = np.random.default_rng(2)
        x = rng.normal(size=(40, 6))
        model = mlp(6, [8], units, activation, name, optimizer="sgd",
                    hidden_activation=hidden[0] if hidden else "relu")
        return model_rows(f"loss {name}", model, x, labels(kind, 40, units, rng), dtype)
    return case


# Arguments that keep an optimizer's rows well-conditioned (all others run on their defaults).
# Ftrl rebuilds each weight from its accumulators: w1 = w0 (1 - s0 / s1) - lr g / s1 with
# s = sqrt(accumulator). With the default initial_accumulator_value 0.1, s0 / s1 is within ~1%
# of 1 on the first step, so 98% of w0 cancels and one float32 ulp of s0 or s1 becomes ~1e-6
# of w1 (both Keras and minikeras land ~1e-6 from the float64 result; measured). A small
# initial accumulator keeps the same formula, every term of it, out of that cancellation.
OPTIMIZER_ARGS = {"Ftrl": {"initial_accumulator_value": 1e-3}}


def optimizer_case(class_name):
    def case(dtype):
        import minikeras

        rng = np.random.default_rng(3)
        x = rng.normal(size=(40, 6))
        optimizer = getattr(minikeras.optimizers, class_name)(
            **OPTIMIZER_ARGS.get(class_name, {}))
        model = mlp(6, [8, 5], 1, "sigmoid", "binary_crossentropy", optimizer=optimizer)
        return model_rows(f"optimizer {class_name}", model, x, labels("binary", 40, 1, rng),
                          dtype)
    return case


def pima_data(dtype):
    """The Pima tutorial's data: (x, y, note). Raw, as the tutorial feeds it, except in float32
    when crossentropy is computed from clipped probabilities (Keras on JAX).

    Raw features (insulin up to 846) saturate the output sigmoid: p = 0.9999764 on the first
    batch, and the probability form's -log(1 - p) turns one float32 ulp of p into 5e-5 of the
    loss; a p exactly on the clip bound 1 - eps gets half the gradient on JAX, one ulp above
    none. Keras on JAX and minikeras round sigmoid differently in the last bit (so do Keras's
    own backends), so the float32 comparison would measure that bit, not the network (seen:
    1e-2 after 20 steps with numba's sigmoid, 2e-7 with NumPy's). Standardized features keep
    the sigmoid unsaturated. TensorFlow's logits form is well-conditioned on the raw data.
    """
    import minikeras

    data = np.loadtxt(os.path.join(DATA, "pima-indians-diabetes.csv"), delimiter=",")
    x, y = data[:, :8], data[:, 8]
    if dtype == "float32" and not minikeras.config.logits_crossentropy():
        return (x - x.mean(axis=0)) / x.std(axis=0), y, " (standardized inputs)"
    return x, y, ""


def pima_case(dtype):
    x, y, note = pima_data(dtype)
    model = mlp(8, [12, 8], 1, "sigmoid", "binary_crossentropy", seed=7)
    return model_rows("tutorial Pima MLP" + note, model, x, y, dtype, batch_size=10)


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
    """Seed 002's covertype network shape, in inference and in training: the keep masks are
    drawn once and injected into both libraries' Dropout layers."""
    import minikeras

    rng = np.random.default_rng(5)
    np.random.seed(5)
    L = minikeras.layers
    model = minikeras.Sequential([minikeras.Input((54,)), L.Dense(64, activation="relu"),
                                  L.Dropout(0.5), L.Dense(32, activation="relu"), L.Dropout(0.5),
                                  L.Dense(7, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    x = rng.normal(size=(64, 54))
    y = labels("onehot", 64, 7, rng)
    forward = compare_forward(model, x)
    return [Row("tutorial Dropout net", "forward", "outputs (inference)", forward["abs"],
                forward["rel"], TOLERANCE[dtype]["forward"])] + model_rows(
        "tutorial Dropout net", model, x, y, dtype, batch_size=16, mask_seed=5)


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
    found.update(layer_cases.cases())
    return {name: case for name, case in found.items() if name not in left_out()}


def left_out():
    """{case name: why}: tutorials whose data or library this installation lacks.

    `pip install "minikeras[parity]"` installs parity/ without the repository's examples/data
    and without scikit-learn; those cases then leave the suite instead of failing it."""
    import importlib.util

    missing = {}
    for name, file in (("tutorial Pima MLP", "pima-indians-diabetes.csv"),
                       ("tutorial airline LSTM", "airline-passengers.csv")):
        if not os.path.exists(os.path.join(DATA, file)):
            missing[name] = f"examples/data/{file} is not here (run from a minikeras checkout)"
    if importlib.util.find_spec("sklearn") is None:
        missing["tutorial breast-cancer MLP"] = "needs scikit-learn (pip install scikit-learn)"
    return missing


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
