"""check_gradients: is backprop right? Compare it with finite differences, in float64.

For students. Backpropagation computes dLoss/dw for every weight w in one backward pass. You
can also estimate each derivative directly, by nudging one number and watching the loss:

    dLoss/dw[i]  ~=  (Loss(w[i] + h) - Loss(w[i] - h)) / (2 h)        (central difference)

This needs two forward passes per number, far too slow for training, but it uses no calculus,
so when the two agree the backward code is right. With h = 1e-6 in float64 the estimate's error
is about h^2 (truncation) plus 1e-16 / h (rounding), so agreement to ~1e-7 relative or better
means correct; a wrong formula typically gives errors of 1e-2 to 1.

The loss checked is the training loss `fit` minimizes: the compiled loss (mean over the batch,
with sample_weight) plus every regularization penalty, after a forward pass with training=True.
NumPy's global random state is reset before each forward pass, so layers that draw random
numbers (Dropout) use the same mask every time, and restored at the end.
"""

import copy
import types

import numpy as np

from .progbar import print_msg


def relative_error(analytic, numeric):
    """Normwise relative error: max|analytic - numeric| / max|numeric| (1e-30 if all zero)."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if numeric.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(numeric))), 1e-30)
    return float(np.max(np.abs(analytic - numeric))) / scale


def central_differences(loss_of, array, epsilon):
    """dLoss/d(array) by central differences; `array` is changed in place and restored.

    loss_of: a function of no arguments returning the loss for the current values of `array`
    array: float64, any shape; the result has its shape.
    """
    if not array.flags.c_contiguous:  # reshape(-1) would copy: perturbations would be lost
        raise ValueError("central_differences needs a C-contiguous array (it perturbs in place).")
    grad = np.zeros_like(array)
    flat, gflat = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + epsilon
        plus = loss_of()
        flat[i] = old - epsilon
        minus = loss_of()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * epsilon)
    return grad


def float64_copy(model):
    """A new Sequential with copies of the model's layers, every weight in float64, compiled
    with a float64 copy of its loss; the original model is not changed.

    The layers are deep-copied one by one (not the model, whose pickling goes through a file).
    """
    layers = [layer for layer in [model.input_layer, *model.layers] if layer is not None]
    # Modules (a layer's random source may be `np.random` itself) are shared, not copied.
    memo = {id(value): value for layer in layers for value in vars(layer).values()
            if isinstance(value, types.ModuleType)}
    twin = type(model)(copy.deepcopy(layers, memo), name=model.name)  # a Sequential
    for layer in twin.layers:
        layer.dtype = "float64"
        for variable in layer.weights:
            variable.value = np.array(variable.value, dtype=np.float64)
            variable.grad = None
    if twin.input_layer is not None:
        twin.input_layer.dtype = "float64"
    loss = copy.deepcopy(model.loss)
    if hasattr(loss, "dtype"):  # Loss objects compute in their own dtype
        loss.dtype = "float64"
    twin.compile(optimizer="sgd", loss=loss)
    return twin


def backprop(model, x, y, sample_weight):
    """The training step's forward and backward (no update): fills each weight's grad and
    returns dLoss/dx, x: (batch, ...)."""
    if hasattr(model, "compute_gradients"):
        return model.compute_gradients(x, y, sample_weight)[3][0]
    y_pred, _, outputs = model._forward_with_penalties(x, training=True)
    _, dy = model.loss.value_and_grad(y, y_pred, sample_weight)
    return model._backward_with_penalties(dy, outputs)


def check_gradients(model, x, y, sample_weight=None, epsilon=1e-6, verbose=True):
    """Finite-difference check of a compiled model's backward pass, per weight and for x.

    model: a compiled Sequential (float32 or float64; it is copied to float64, not changed)
    x: (batch, ...) inputs; y: targets as `fit` takes them; sample_weight: (batch,) or None
    epsilon: the nudge h of the central differences
    verbose: print a table: one row per weight (and "input"), its shape, the largest absolute
             difference and the normwise relative error max|backprop - numeric| / max|numeric|

    Returns {name: {"shape": tuple, "max_abs_error": float, "max_rel_error": float}} with the
    weights' paths (e.g. "sequential/dense/kernel") in model order, then "input".
    Costs 2 forward passes per weight entry and per input entry: use a few samples.
    """
    if not getattr(model, "compiled", False):
        raise ValueError("check_gradients needs a compiled model (it checks the gradient of "
                         "the compiled loss): call model.compile(loss=...) first.")
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
        raise ValueError(f"`epsilon` must be a positive number. Received: epsilon={epsilon!r}")
    twin = float64_copy(model)
    x, y, sample_weight = twin._prepare(x, y, sample_weight)
    x = np.array(x, dtype=np.float64)  # a private copy, perturbed in place below
    rng_state = np.random.get_state()

    def loss_of():
        np.random.set_state(rng_state)
        y_pred, penalty, _ = twin._forward_with_penalties(x, training=True)
        return float(twin.loss(y, y_pred, sample_weight)) + penalty

    try:
        np.random.set_state(rng_state)
        dx = backprop(twin, x, y, sample_weight)
        analytic = [(v.path, v.grad, v.value) for v in twin.trainable_weights]
        analytic = [(p, np.array(g, dtype=np.float64), v) for p, g, v in analytic]
        analytic.append(("input", np.array(dx, dtype=np.float64), x))
        report = {}
        for name, grad, value in analytic:
            numeric = central_differences(loss_of, value, epsilon)
            report[name] = {"shape": tuple(value.shape),
                            "max_abs_error": float(np.max(np.abs(grad - numeric), initial=0.0)),
                            "max_rel_error": relative_error(grad, numeric)}
    finally:
        np.random.set_state(rng_state)
    if verbose:
        print_report(report)
    return report


def print_report(report):
    """The table check_gradients prints: name, shape, max abs error, max relative error."""
    width = max([len("weight")] + [len(name) for name in report])
    print_msg(f"{'weight':<{width}}  {'shape':<14}  {'max abs error':>13}  {'max rel error':>13}")
    for name, row in report.items():
        print_msg(f"{name:<{width}}  {str(row['shape']):<14}  {row['max_abs_error']:>13.3e}  "
                  f"{row['max_rel_error']:>13.3e}")
