"""Hints for the first failing quantity of a check, given only where they are cheap and sure.

A hint is offered only when a rearranged version of the user's result matches Keras within the
row's own tolerance: the gate blocks of an LSTM/GRU in another order, a transposed weight, a
bias left out, a constant factor. Anything less certain is left to the worst index and values.
"""

import itertools

import numpy as np

# Keras's gate order along the last axis of kernel, recurrent_kernel and bias
GATES = {"LSTM": ("i", "f", "c", "o"), "GRU": ("z", "r", "h")}


def close(yours, keras, tolerance, scale=None):
    yours, keras = np.asarray(yours, np.float64), np.asarray(keras, np.float64)
    if yours.shape != keras.shape:
        return False
    scale = float(np.max(np.abs(keras))) if scale is None else scale
    return bool(np.max(np.abs(yours - keras), initial=0.0) <= tolerance * max(scale, 1e-30))


def gate_orders(layer_name):
    """Each gate order other than Keras's, for a gated recurrent layer (else none)."""
    order = GATES.get(layer_name)
    return [p for p in itertools.permutations(order) if p != order] if order else []


def permute_gates(array, from_order, to_order):
    """The gate blocks of `array`'s last axis, laid out in from_order, rearranged into to_order:
    block k of the result is the block of gate to_order[k]."""
    blocks = np.split(np.asarray(array), len(from_order), axis=-1)
    return np.concatenate([blocks[list(from_order).index(g)] for g in to_order], axis=-1)


def describe_order(order, keras_order):
    return (f"matches Keras with the gates in the order {','.join(order)} instead of Keras's "
            f"{','.join(keras_order)} (the blocks along the last axis of kernel, "
            f"recurrent_kernel and bias are [{' | '.join(keras_order)}])")


def scale_hint(yours, keras, tolerance, scale=None, counts=()):
    """'is Keras's x 4 (4 = batch size)' when yours is a constant multiple of Keras's."""
    yours, keras = np.asarray(yours, np.float64), np.asarray(keras, np.float64)
    if yours.shape != keras.shape or not np.any(keras):
        return None
    if not np.any(yours):
        return "yours is all zeros"
    c = float(np.sum(yours * keras) / np.sum(keras * keras))
    if abs(c - 1) < 1e-3 or not close(yours, c * keras, tolerance, scale):
        return None
    if abs(c + 1) < 1e-6:
        return "yours is Keras's with the sign flipped"
    for name, n in counts:
        for value, text in ((n, f"x {n}"), (1 / n, f"/ {n}")):
            if n > 1 and abs(c - value) <= 1e-6 * abs(value):
                return f"yours is Keras's {text} ({n} = {name})"
    return f"yours is Keras's x {c:.6g}"


def layer_forward_hint(layer_name, names, weights, forward, y_keras, tolerance,
                       keras_without_bias):
    """A hint for a forward output that differs: gate order, transposed kernel, missing bias.

    forward(weights) -> y: the user's forward on other weights (None if it fails);
    keras_without_bias() -> Keras's y with every bias zeroed (None if the layer has none).
    """
    keras_order = GATES.get(layer_name)
    for order in gate_orders(layer_name):
        # Keras's weights laid out in `order`: code reading blocks as `order` computes Keras's
        moved = [permute_gates(w, keras_order, order) if n in _GATED else w
                 for n, w in zip(names, weights, strict=True)]
        if _matches(forward(moved), y_keras, tolerance):
            return describe_order(order, keras_order)
    for k, (name, w) in enumerate(zip(names, weights, strict=True)):
        if w.ndim == 2 and w.shape[0] == w.shape[1]:
            moved = [v.T if j == k else v for j, v in enumerate(weights)]
            if _matches(forward(moved), y_keras, tolerance):
                return (f"matches Keras when {name} is transposed: Keras's {name} is "
                        f"(input_dim, units) and multiplies from the right (x @ {name})")
    without = keras_without_bias()
    if without is not None:
        ours = forward(weights)
        if _matches(ours, without, tolerance):
            return "matches Keras with the bias left out: is the bias added?"
    return None


_GATED = ("kernel", "recurrent_kernel", "bias")


def _matches(ys, keras_ys, tolerance):
    if ys is None:
        return False
    return all(close(y, k, tolerance) for y, k in zip(ys, keras_ys, strict=True))


def gradient_hint(layer_name, row_name, yours, keras, tolerance, scale, failed, counts=()):
    """A hint for a gradient that differs (row_name 'dbias', 'dx', ...; failed: every failing
    row's name)."""
    if all(name.endswith("bias") for name in failed) and row_name.endswith("bias"):
        zeros = " (yours is all zeros)" if not np.any(yours) else ""
        return f"every other quantity matches: off by the bias gradient only{zeros}"
    keras_order = GATES.get(layer_name)
    if row_name[1:] in _GATED and keras_order:
        for order in gate_orders(layer_name):
            # yours holds gate order[k]'s gradient in block k: put the blocks back in Keras's
            back = permute_gates(yours, list(order), keras_order)
            if close(back, keras, tolerance, scale):
                return (f"{row_name} {describe_order(order, keras_order)}")
    if yours.ndim == 2 and yours.shape[0] == yours.shape[1] and close(yours.T, keras, tolerance,
                                                                       scale):
        return f"{row_name} matches the transpose of Keras's"
    return scale_hint(yours, keras, tolerance, scale, counts)
