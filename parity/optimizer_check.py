"""parity.check_optimizer: your update rule against the Keras optimizer, step by step.

    def update(weights, grads, state, iteration):   # iteration = 1, 2, ... (Adam's t)
        ...
        return weights, state

    print(parity.check_optimizer("Adam", {"learning_rate": 0.01}, update=update,
                                 shapes=[(5, 3), (3,)]))

parity draws the initial weights and a sequence of `steps` gradients from `seed`, feeds the
same gradients to Keras's optimizer (apply_gradients on Keras variables) and to `update`, and
compares the weights after every step. `state` is a dict your code owns: it starts empty and
whatever you return comes back on the next call (Adam keeps m and v there).
"""

import difflib

import numpy as np

from .check_report import Report, compare
from .core import _keras, keras_float64
from .keras_side import exact_floats
from .layer_check import check_shape, tolerances
from .loss_check import floatx
from .your_functions import call, check_arity, check_array, check_sequence


def build_optimizer(optimizer, config):
    """(class, config dict) from a Keras optimizer name ("adam", "Adam"), an instance (Keras's
    or one with the same class name and get_config(), such as minikeras's) or a serialized
    dict."""
    keras = _keras()
    if isinstance(optimizer, dict) and "class_name" in optimizer:
        name, base = optimizer["class_name"], dict(optimizer.get("config") or {})
    elif isinstance(optimizer, str):
        name, base = optimizer, {}
    elif hasattr(optimizer, "get_config"):
        name, base = type(optimizer).__name__, dict(optimizer.get_config())
    else:
        raise TypeError(f"optimizer={optimizer!r}: expected a Keras optimizer name ('Adam'), an "
                        "optimizer instance or a serialized optimizer dict.")
    known = {n.lower(): getattr(keras.optimizers, n) for n in dir(keras.optimizers)
             if isinstance(getattr(keras.optimizers, n), type)
             and issubclass(getattr(keras.optimizers, n), keras.optimizers.Optimizer)
             and n != "Optimizer"}
    cls = known.get(name.lower())
    if cls is None:
        close = difflib.get_close_matches(name, [c.__name__ for c in known.values()], n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"optimizer={name!r}: Keras {keras.__version__} has no optimizer of "
                         f"that name.{hint}")
    if config is not None and not isinstance(config, dict):
        raise TypeError(f"config={config!r}: expected a dict of {cls.__name__} arguments.")
    merged = {**base, **(config or {})}
    merged.pop("name", None)
    try:
        cls(**merged)
    except (TypeError, ValueError) as error:
        raise ValueError(f"config for {cls.__name__}: Keras rejects it: {error}") from None
    return cls, merged


def keras_trajectory(cls, config, initial, gradients, dtype):
    """The weights after each step of Keras's optimizer: [[array per weight] per step]."""
    keras = _keras()
    with floatx(dtype):  # the learning rate variable is created in floatx
        keras_float64(dtype == "float64")
        optimizer = cls(**exact_floats(cls, config, dtype))
        variables = [keras.Variable(w, dtype=dtype) for w in initial]
        out = []
        for grads in gradients:
            optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads],
                                          variables, strict=True))
            out.append([np.asarray(v.numpy()) for v in variables])
    return out


def check_optimizer(optimizer, config=None, *, update, shapes, steps=20, dtype="float32",
                    seed=0, tolerance=None):
    """Compare update(weights, grads, state, iteration) with the Keras optimizer.

    shapes: one shape per weight. After step 1 the tolerance is the single-step one, after
    later steps the trajectory one (float32: 1e-6, then 1e-5; float64: 1e-10).
    """
    tol = tolerances(dtype, tolerance)
    check_arity(update, "update", ("weights", "grads", "state", "iteration"))
    if not isinstance(shapes, (list, tuple)) or not shapes:
        raise ValueError(f"shapes={shapes!r}: expected a list of weight shapes, e.g. "
                         "[(5, 3), (3,)].")
    shapes = [check_shape(s, f"shapes[{k}]") if len(s) else () for k, s in enumerate(shapes)]
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps={steps!r}: expected a positive int.")
    cls, config = build_optimizer(optimizer, config)

    rng = np.random.default_rng(seed)
    initial = [rng.normal(size=s).astype(dtype) for s in shapes]
    gradients = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(steps)]
    mine = _your_trajectory(update, initial, gradients, shapes, dtype)
    theirs = keras_trajectory(cls, config, initial, gradients, dtype)

    rows = [_step_row(k, yours, keras, tol["step" if k == 0 else "trajectory"])
            for k, (yours, keras) in enumerate(zip(mine, theirs, strict=True))]
    report = Report(
        f"check_optimizer: {cls.__name__}({_arguments(config)}) in {dtype}, {steps} steps, "
        f"seed {seed}, vs Keras {_keras().__version__} ({_keras().backend.backend()})",
        rows, notes=[f"weights {', '.join(str(s) for s in shapes)}; the same {steps} gradients "
                     "on both sides; rel: max|yours - Keras| / max|Keras| of the worst weight"])
    if report.first_failure is not None:
        report.hint = _hint(cls, config, initial, gradients, dtype, mine, rows)
    return report


def _your_trajectory(update, initial, gradients, shapes, dtype):
    weights, state, out = [w.copy() for w in initial], {}, []
    for step, grads in enumerate(gradients, start=1):
        result = call(update, "update", weights, grads, state, step)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError(f"update must return (weights, state); at iteration {step} it "
                            f"returned {type(result).__name__}.")
        weights, state = result
        if not isinstance(state, dict):
            raise TypeError(f"update must return (weights, state) with state a dict; at "
                            f"iteration {step} the second item is a {type(state).__name__}.")
        weights = check_sequence(weights, "weights", len(shapes), "update",
                                 [str(s) for s in shapes])
        weights = [check_array(w, f"weights[{k}] at iteration {step}", s, dtype, "update")
                   for k, (w, s) in enumerate(zip(weights, shapes, strict=True))]
        out.append([w.copy() for w in weights])
    return out


def _step_row(k, yours, keras, tolerance):
    rows = [compare(f"weights after step {k + 1}", y, t, tolerance)
            for y, t in zip(yours, keras, strict=True)]
    worst = max(range(len(rows)), key=lambda i: (np.nan_to_num(rows[i].rel_error, nan=np.inf)))
    row = rows[worst]
    if row.worst is not None:
        where, y, t = row.worst
        row.worst = (f"weights[{worst}] index {where}", y, t)
    row.shape = None
    return row


def _arguments(config):
    shown = {k: v for k, v in config.items() if k in ("learning_rate", "beta_1", "beta_2",
                                                       "momentum", "rho", "epsilon", "nesterov")}
    return ", ".join(f"{k}={v!r}" for k, v in shown.items())


def _hint(cls, config, initial, gradients, dtype, mine, rows):
    """Keras with beta_1 and beta_2 exchanged (when the optimizer has both): a sure hint if it
    matches every step."""
    defaults = cls().get_config()
    if "beta_1" in defaults and "beta_2" in defaults:
        swapped = {**config, "beta_1": config.get("beta_2", defaults["beta_2"]),
                   "beta_2": config.get("beta_1", defaults["beta_1"])}
        try:
            theirs = keras_trajectory(cls, swapped, initial, gradients, dtype)
        except (TypeError, ValueError):
            return None
        if all(_step_row(k, y, t, row.tolerance).ok
               for k, (y, t, row) in enumerate(zip(mine, theirs, rows, strict=True))):
            return ("matches Keras with beta_1 and beta_2 exchanged (beta_1 averages the "
                    "gradient, m; beta_2 its square, v)")
    return None
