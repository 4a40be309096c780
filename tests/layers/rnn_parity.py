"""Shared by test_lstm.py and test_simple_rnn.py: a recurrent layer and its Keras twin on the
same weights, run forward and backward on both sides and compared tensor by tensor."""

import numpy as np
from helpers import F32_FORWARD, F64, FD, assert_close, numeric_grad, use_dtype

TOL = {"float32": F32_FORWARD, "float64": F64}


def twins(mine_cls, keras_cls, input_shape, dtype, rng, **kwargs):
    """Both layers built on `input_shape`, with the same random weights (biases nonzero)."""
    use_dtype(dtype)
    mine = mine_cls(**kwargs)
    mine.build_from_shape(input_shape)
    theirs = keras_cls(**kwargs)
    theirs.build(input_shape)
    weights = [rng.uniform(-0.6, 0.6, size=w.shape).astype(dtype) for w in mine.get_weights()]
    mine.set_weights(weights)
    theirs.set_weights(weights)
    return mine, theirs


def keras_masks(masks, count):
    """Our (n, batch, features) masks in the form a Keras cell caches: one array or a list."""
    import tensorflow as tf

    if count is None:
        return tf.constant(masks[0])
    return [tf.constant(masks[g]) for g in range(count)]


def keras_run(theirs, x, dys, initial_state=None, mask=None, training=False,
              dropout_masks=None):
    """Keras forward plus gradients of sum(output_k * dy_k) w.r.t. x, the initial states and
    every weight (tf.GradientTape). `dropout_masks` = (input, recurrent, count) are placed in
    the cell's mask cache, which Keras then uses for the whole sequence."""
    import tensorflow as tf

    xt = tf.constant(x)
    states = None if initial_state is None else [tf.constant(s) for s in initial_state]
    if dropout_masks is not None:
        input_masks, recurrent_masks, count = dropout_masks
        theirs.cell._dropout_mask = keras_masks(input_masks, count)
        theirs.cell._recurrent_dropout_mask = keras_masks(recurrent_masks, count)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        for s in states or []:
            tape.watch(s)
        kwargs = {"training": training}
        if states is not None:
            kwargs["initial_state"] = states
        if mask is not None:
            kwargs["mask"] = tf.constant(mask)
        out = theirs(xt, **kwargs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        total = sum(tf.reduce_sum(o * tf.constant(d)) for o, d in zip(outs, dys, strict=True))
    grads = tape.gradient(total, [xt, *(states or []), *theirs.trainable_weights])
    return [np.asarray(o) for o in outs], [np.asarray(g) for g in grads]


def mine_run(mine, x, dys, initial_state=None, mask=None, training=False, dropout_masks=None):
    """The same on minikeras: forward, then backward with the same output gradients."""
    if dropout_masks is not None:
        mine.set_dropout_masks(dropout_masks[0], dropout_masks[1])
    out = mine(x, initial_state=initial_state, mask=mask, training=training)
    outs = out if isinstance(out, list) else [out]
    dx = mine.backward(list(dys) if mine.return_state else dys[0])
    grads = [dx]
    if initial_state is not None:
        grads += list(mine.initial_state_grads)
    grads += [w.grad for w in mine.trainable_weights]
    return outs, grads


def output_grads(layer, batch, steps, rng, dtype):
    """Random dLoss/d(output) for each output the layer returns."""
    units = layer.units
    shape = (batch, steps, units) if layer.return_sequences else (batch, units)
    dys = [rng.normal(size=shape).astype(dtype)]
    if layer.return_state:
        dys += [rng.normal(size=(batch, units)).astype(dtype) for _ in layer.state_size]
    return dys


def assert_parity(mine_cls, keras_cls, dtype, rng, shape=(3, 5, 4), initial=False,
                  masked=False, dropout_counts=None, **kwargs):
    """Forward outputs, dx, d(initial states) and every weight grad match Keras.

    Returns the worst relative error seen (for the report)."""
    batch, steps, features = shape
    mine, theirs = twins(mine_cls, keras_cls, (None, steps, features), dtype, rng, **kwargs)
    x = rng.normal(size=shape).astype(dtype)
    dys = output_grads(mine, batch, steps, rng, dtype)
    init = ([rng.normal(size=(batch, mine.units)).astype(dtype) for _ in mine.state_size]
            if initial else None)
    mask = None
    if masked:
        mask = rng.random((batch, steps)) > 0.3
        mask[0, 0] = False  # a skipped first step
        mask[-1, -1] = False
    masks = None
    training = dropout_counts is not None
    if training:
        n_in, n_rec, keras_count = dropout_counts
        rate_in, rate_rec = kwargs.get("dropout", 0.0), kwargs.get("recurrent_dropout", 0.0)
        keep = lambda n, f, rate: ((rng.random((n, batch, f)) >= rate) / (1 - rate)  # noqa: E731
                                   ).astype(dtype)
        masks = (keep(n_in, features, rate_in), keep(n_rec, mine.units, rate_rec), keras_count)
    outs_k, grads_k = keras_run(theirs, x, dys, init, mask, training, masks)
    outs_m, grads_m = mine_run(mine, x, dys, init, mask, training, masks)
    names = [f"output{k}" for k in range(len(outs_k))]
    grad_names = ["dx"] + [f"dstate{k}" for k in range(len(init or []))] + \
        [f"d{w.name}" for w in mine.trainable_weights]
    worst = 0.0
    tol = TOL[dtype]
    label = f"{mine_cls.__name__}({kwargs}) {dtype}"
    for name, a, b in [*zip(names, outs_m, outs_k, strict=True),
                       *zip(grad_names, grads_m, grads_k, strict=True)]:
        assert a.dtype == np.dtype(dtype), f"{label} {name} dtype {a.dtype}"
        assert_close(a, b, tol, f"{label} {name}")
        scale = max(float(np.max(np.abs(b))), 1e-30)
        worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b))) / scale)
    return worst


def assert_finite_differences(layer_cls, rng, shape=(2, 4, 3), initial=False, masked=False,
                              **kwargs):
    """float64: the layer's backward (dx, d(initial states), every weight) == central
    differences of sum(output * dy)."""
    use_dtype("float64")
    batch, steps, features = shape
    layer = layer_cls(**kwargs)
    layer.build_from_shape((None, steps, features))
    for w in layer.weights:  # C order: numeric_grad perturbs through a flat view
        w.value = np.ascontiguousarray(rng.uniform(-0.6, 0.6, size=w.shape))
    x = rng.normal(size=shape)
    dys = output_grads(layer, batch, steps, rng, "float64")
    init = [rng.normal(size=(batch, layer.units)) for _ in layer.state_size] if initial else None
    mask = None
    if masked:
        mask = rng.random((batch, steps)) > 0.3
        mask[0, 0] = False

    def loss():
        out = layer(x, initial_state=init, mask=mask)
        outs = out if isinstance(out, list) else [out]
        return float(sum(np.sum(o * d) for o, d in zip(outs, dys, strict=True)))

    _, grads = mine_run(layer, x, dys, init, mask)
    targets = [x, *(init or []), *[w.value for w in layer.trainable_weights]]
    for k, (grad, target) in enumerate(zip(grads, targets, strict=True)):
        assert_close(grad, numeric_grad(loss, target), FD, f"{layer_cls.__name__} grad {k}")
