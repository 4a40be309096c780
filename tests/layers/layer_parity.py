"""Shared by the convolution, pooling, embedding and normalization tests: one layer and its
Keras twin on the same weights, forward and backward on both sides, compared tensor by tensor;
and the float64 finite-difference check of a layer's backward."""

import numpy as np
from helpers import F32_FORWARD, F64, FD, assert_close, numeric_grad, use_dtype

TOL = {"float32": F32_FORWARD, "float64": F64}


def twins(mine_cls, keras_cls, input_shape, dtype, rng, **kwargs):
    """Both layers built on `input_shape`, with the same random weights (positive variances)."""
    use_dtype(dtype)
    mine = mine_cls(**kwargs)
    mine.build_from_shape(input_shape)
    theirs = keras_cls(**kwargs)
    theirs.build(input_shape)
    weights = []
    for v in mine.weights:
        low = 0.5 if v.name in ("moving_variance", "gamma") else -0.6
        weights.append(rng.uniform(low, 1.5 if low > 0 else 0.6, size=v.shape).astype(dtype))
    mine.set_weights(weights)
    theirs.set_weights(weights)
    return mine, theirs


def keras_run(layer, x, dy, training=False):
    """Keras's output and the gradients of sum(output * dy) w.r.t. x and every trainable weight
    (an integer input's gradient is None; IndexedSlices are made dense)."""
    import tensorflow as tf

    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt, training=training)
        total = tf.reduce_sum(y * tf.constant(dy))
    grads = tape.gradient(total, [xt, *layer.trainable_weights])
    return np.asarray(y), [None if g is None else np.asarray(tf.convert_to_tensor(g))
                           for g in grads]


def mine_run(layer, x, dy, training=False):
    y = layer(x, training=training)
    dx = layer.backward(dy)
    return y, [dx, *[w.grad for w in layer.trainable_weights]]


def assert_parity(mine, theirs, x, dtype, rng, training=False, label=""):
    """Output, dx and every weight gradient equal Keras's to the house tolerance.

    Returns the worst normwise relative error (for the report)."""
    shape = mine.compute_output_shape((x.shape[0], *x.shape[1:]))
    dy = rng.normal(size=shape).astype(dtype)
    y_keras, grads_keras = keras_run(theirs, x, dy, training)
    y, grads = mine_run(mine, x, dy, training)
    names = ["output", "dx"] + [f"d{w.name}" for w in mine.trainable_weights]
    worst = 0.0
    for name, a, b in zip(names, [y, *grads], [y_keras, *grads_keras], strict=True):
        if b is None:  # Keras: no gradient for an integer input
            continue
        assert np.asarray(a).dtype == np.dtype(dtype), f"{label} {name}: dtype {a.dtype}"
        assert_close(a, b, TOL[dtype], f"{label} {dtype} {name}")
        scale = max(float(np.max(np.abs(b))), 1e-30) if b.size else 1.0
        worst = max(worst, float(np.max(np.abs(np.asarray(a, np.float64) - b))) / scale
                    if b.size else 0.0)
    return worst


def assert_finite_differences(layer, x, rng, training=False, wrt_input=True):
    """float64: backward (dx and every trainable weight) == central differences of
    sum(output * dy). The layer must have been made in float64 (use_dtype first)."""
    assert layer.dtype == "float64", "make the layer after use_dtype('float64')"
    for w in layer.weights:
        w.value = np.ascontiguousarray(w.value)
    y = layer(x, training=training)
    dy = rng.normal(size=y.shape)
    state = [w.value.copy() for w in layer.weights]

    def loss():
        for w, s in zip(layer.weights, state, strict=True):  # BN's moving stats: reset
            if not w.trainable:
                w.value[...] = s
        return float(np.sum(layer(x, training=training) * dy))

    loss()
    dx = layer.backward(dy)
    grads = [w.grad.copy() for w in layer.trainable_weights]
    if wrt_input:
        assert_close(dx, numeric_grad(loss, x), FD, f"{layer.name} dx")
    for w, grad in zip(layer.trainable_weights, grads, strict=True):
        assert_close(grad, numeric_grad(loss, w.value), FD, f"{layer.name} d{w.name}")
