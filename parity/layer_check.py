"""parity.check_layer: your forward (and backward) against the Keras layer with the same weights.

    report = parity.check_layer("Dense", {"units": 3}, forward=my_forward,
                                backward=my_backward, input_shape=(4, 5))
    print(report)

parity builds the Keras layer, draws x and the weights from `seed`, and calls
    forward(x, weights) -> y                      (a tuple of arrays for a multi-output layer)
    backward(dy, x, weights) -> (dx, [dweight for each weight])
with `weights` the arrays in Keras's get_weights() order (names and shapes in the report's
header; per layer in the README) and dy a random upstream gradient dLoss/dy. It compares y,
dx and each weight's gradient with Keras's (through the backend's own autodiff).
"""

import numpy as np

from . import hints
from .check_report import Report, compare
from .core import _keras, keras_float64
from .keras_side import (
    _as_list,
    _call,
    build_and_draw_weights,
    build_layer,
    describe,
    draw_input,
    forward_and_vjp,
    weight_names,
)
from .your_functions import call, check_arity, check_array, check_sequence

TOLERANCE = {"float32": {"forward": 1e-6, "grad": 1e-6, "step": 1e-6, "trajectory": 1e-5},
             "float64": {"forward": 1e-10, "grad": 1e-10, "step": 1e-10, "trajectory": 1e-10}}


def tolerances(dtype, tolerance):
    """The house tolerances for dtype, or the caller's: one float for every row, or a dict."""
    if dtype not in TOLERANCE:
        raise ValueError(f"dtype={dtype!r}: expected 'float32' or 'float64'.")
    tol = dict(TOLERANCE[dtype])
    if tolerance is None:
        return tol
    if isinstance(tolerance, dict):
        unknown = set(tolerance) - set(tol)
        if unknown:
            raise ValueError(f"tolerance={tolerance!r}: unknown keys {sorted(unknown)}; "
                             f"expected some of {sorted(tol)}.")
        return {**tol, **tolerance}
    if not isinstance(tolerance, (int, float)) or not tolerance > 0:
        raise ValueError(f"tolerance={tolerance!r}: expected a positive float (or a dict).")
    return dict.fromkeys(tol, float(tolerance))


def check_shape(shape, name):
    if (not isinstance(shape, (tuple, list)) or not shape
            or not all(isinstance(d, (int, np.integer)) and d >= 0 for d in shape)):
        raise ValueError(f"{name}={shape!r}: expected a tuple of sizes with the batch first, "
                         "e.g. (4, 5) for 4 samples of 5 features.")
    return tuple(int(d) for d in shape)


def _check_mask(mask, input_shape):
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.shape != input_shape[:2] or mask.dtype != bool:
        raise ValueError(f"mask of shape {mask.shape}, dtype {mask.dtype}: expected a boolean "
                         f"array of shape {input_shape[:2]} (batch, time steps).")
    return mask


def _unique_names(layer):
    """Weight names in get_weights() order; the path when a short name repeats (Bidirectional)."""
    names = weight_names(layer)
    if len(set(names)) == len(names):
        return names
    return [v.path.split("/", 1)[-1] for v in layer.weights]


def check_layer(layer, config=None, *, forward, backward=None, input_shape, dtype="float32",
                seed=0, training=False, mask=None, tolerance=None):
    """Compare forward(x, weights) (and backward(dy, x, weights)) with the Keras layer.

    layer: a Keras layer class name ("Dense", "LSTM", ...), a layer instance (rebuilt from its
    config; its weights are not used) or keras.layers.serialize's dict; config: the layer's
    arguments. input_shape: x's shape, batch first. mask: a (batch, T) boolean array, passed
    to Keras and to your functions as mask=. training: Keras's call argument.
    Returns a parity.check_report.Report.
    """
    tol = tolerances(dtype, tolerance)
    input_shape = check_shape(input_shape, "input_shape")
    keywords = {"mask": None} if mask is not None else {}
    check_arity(forward, "forward", ("x", "weights"), keywords)
    if backward is not None:
        check_arity(backward, "backward", ("dy", "x", "weights"), keywords)
    mask = _check_mask(mask, input_shape)
    keywords = {"mask": mask} if mask is not None else {}

    keras_layer = build_layer(layer, config, dtype)
    keras_float64(dtype == "float64")  # Keras on JAX: float64 results stay float64
    rng = np.random.default_rng(seed)
    x = draw_input(keras_layer, input_shape, dtype, rng)
    try:
        weights = build_and_draw_weights(keras_layer, x, rng, mask)
    except (TypeError, ValueError) as error:
        raise ValueError(f"input_shape={input_shape}: {describe(keras_layer)} cannot take it: "
                         f"{error}") from None
    names = _unique_names(keras_layer)
    shapes = [np.asarray(y).shape for y in _as_list(_call(keras_layer, x, training, mask))]
    labels = ["y"] if len(shapes) == 1 else [f"y[{k}]" for k in range(len(shapes))]

    def yours_forward(w):
        y = call(forward, "forward", x, w, **keywords)
        if len(shapes) > 1:
            y = check_sequence(y, "outputs", len(shapes), "forward")
        return [check_array(v, f"output {label}", shape, dtype, "forward")
                for v, label, shape in zip(_as_list(y), labels, shapes, strict=True)]

    ys = yours_forward(weights)  # wrong shapes, dtypes, NaNs: raised before any comparison
    dys = [rng.normal(size=shape).astype(dtype) for shape in shapes]
    grads = None
    if backward is not None:
        grads = _yours_backward(backward, dys if len(dys) > 1 else dys[0], x, weights, names,
                                [v.trainable for v in keras_layer.weights], dtype, keywords)
    keras_ys, keras_dx, keras_dws = forward_and_vjp(keras_layer, x, dys, training, mask)

    rows = [compare(f"forward {label}", y, k, tol["forward"])
            for label, y, k in zip(labels, ys, keras_ys, strict=True)]
    trainable = [v.trainable for v in keras_layer.weights]
    keras_dws = [np.zeros_like(w) if g is None else g for w, g in zip(weights, keras_dws,
                                                                      strict=True)]
    pairs = []
    if grads is not None:
        dx, dws = grads
        if keras_dx is not None:
            pairs.append(("dx", dx, keras_dx))
        pairs += [(f"d{n}", g, k) for n, g, k, t in zip(names, dws, keras_dws, trainable,
                                                        strict=True) if t]
        # judged at the scale of the largest Keras gradient entry (see check_report)
        scale = max((float(np.max(np.abs(k))) for _, _, k in pairs if k.size), default=0.0)
        rows += [compare(name, g, k, tol["grad"], scale=scale) for name, g, k in pairs]

    report = Report(
        f"check_layer: {describe(keras_layer)} in {dtype}, seed {seed}, vs Keras "
        f"{_keras().__version__} ({_keras().backend.backend()})",
        rows, notes=_notes(x, names, weights, trainable, mask))
    failing = report.first_failure
    if failing is not None:
        counts = [("batch size", input_shape[0])]
        if len(input_shape) >= 3:
            counts.append(("time steps", input_shape[1]))
        if failing.quantity.startswith("forward"):
            report.hint = _forward_hint(keras_layer, names, weights, yours_forward, x, ys,
                                        keras_ys, tol["forward"], training, mask, counts)
        else:
            _, yours, keras = next(p for p in pairs if p[0] == failing.quantity)
            report.hint = hints.gradient_hint(
                type(keras_layer).__name__, failing.quantity, np.asarray(yours), keras,
                tol["grad"], scale, [r.quantity for r in rows if not r.ok], counts)
    return report


def weight_layout(layer, config=None, *, input_shape, dtype="float32"):
    """[(name, shape, trainable)] of the Keras layer's weights in get_weights() order: what
    `weights` holds in check_layer, for writing your functions before running a check."""
    keras_layer = build_layer(layer, config, dtype)
    x = draw_input(keras_layer, check_shape(input_shape, "input_shape"), dtype,
                   np.random.default_rng(0))
    keras_layer(x)
    return [(name, tuple(v.shape), bool(v.trainable))
            for name, v in zip(_unique_names(keras_layer), keras_layer.weights, strict=True)]


def _yours_backward(backward, dy, x, weights, names, trainable, dtype, keywords):
    result = call(backward, "backward", dy, x, weights, **keywords)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError("backward must return (dx, [dweight for each weight]); it returned "
                        f"{type(result).__name__}"
                        + (f" of length {len(result)}" if isinstance(result, (tuple, list))
                           else "") + ".")
    dx, dws = result
    if np.issubdtype(x.dtype, np.floating):
        dx = check_array(dx, "dx", x.shape, dtype, "backward")
    dws = check_sequence(dws, "weight gradients", len(weights), "backward",
                         [f"d{n} {w.shape}" for n, w in zip(names, weights, strict=True)])
    # a non-trainable weight's entry (moving statistics) is not compared: None is fine there
    return dx, [None if not t else
                check_array(g, f"d{n} (weight gradient {k})", w.shape, dtype, "backward")
                for k, (n, g, w, t) in enumerate(zip(names, dws, weights, trainable,
                                                     strict=True))]


def _forward_hint(layer, names, weights, yours_forward, x, ys, keras_ys, tolerance, training,
                  mask, counts):
    def quiet(w):  # the user's forward on rearranged weights; a failure there is no hint
        try:
            return yours_forward(w)
        except Exception:  # noqa: BLE001
            return None

    def keras_without_bias():
        biases = [k for k, n in enumerate(names) if n.endswith("bias")]
        if not biases:
            return None
        layer.set_weights([np.zeros_like(w) if k in biases else w
                           for k, w in enumerate(weights)])
        try:
            return [np.asarray(y) for y in _as_list(_call(layer, x, training, mask))]
        finally:
            layer.set_weights(weights)

    found = hints.layer_forward_hint(type(layer).__name__, names, weights, quiet, keras_ys,
                                     tolerance, keras_without_bias)
    return found or hints.scale_hint(ys[0], keras_ys[0], tolerance, counts=counts)


def _notes(x, names, weights, trainable, mask):
    listed = ", ".join(f"{n} {w.shape}" + ("" if t else " (not trainable: not compared)")
                       for n, w, t in zip(names, weights, trainable, strict=True))
    lines = [f"x {x.shape} {x.dtype}" + (f", mask {mask.shape}" if mask is not None else "")
             + f"; weights in get_weights() order: {listed or 'none'}"]
    return lines
