"""The Keras twin of a minikeras model, and the comparisons the parity checks make.

A minikeras model's `get_config()` is Keras 3's, so `keras.Sequential.from_config` rebuilds the
same architecture; `set_weights(model.get_weights())` then copies every weight in Keras's order.
Errors are normwise relative: max|mine - keras| / max|keras| for outputs, losses and weights;
gradients are measured against the largest gradient entry of the model (see compare_gradients).
"""

import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _keras():
    import keras

    return keras


def max_errors(mine, theirs):
    """(max absolute error, normwise relative error) between two arrays."""
    mine = np.asarray(mine, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    abs_err = float(np.max(np.abs(mine - theirs))) if theirs.size else 0.0
    return abs_err, abs_err / max(float(np.max(np.abs(theirs))), 1e-30)


def to_keras(model, compile=True):
    """Return a keras.Sequential with the same config and weights (compiled the same way)."""
    keras = _keras()
    twin = keras.Sequential.from_config(model.get_config())
    twin.set_weights(model.get_weights())
    if compile and getattr(model, "compiled", False):
        opt = model.optimizer
        twin.compile(
            optimizer=keras.optimizers.deserialize(
                {"class_name": type(opt).__name__, "config": opt.get_config()}),
            loss=_keras_loss(keras, model),
            metrics=list(model._metric_specs) or None,
        )
    return twin


def compare_forward(model, x, twin=None):
    """Forward outputs of both on x: {"abs": ..., "rel": ...}."""
    twin = twin or to_keras(model, compile=False)
    mine = model.predict(x, verbose=0)
    theirs = np.asarray(twin.predict(x, verbose=0))
    abs_err, rel_err = max_errors(mine, theirs)
    return {"abs": abs_err, "rel": rel_err}


def compare_train_steps(model, x, y, steps=20, batch_size=10, twin=None):
    """Run `steps` training steps on the same batches (in order) on both sides.

    Returns {"loss_rel": worst relative loss difference over the steps,
             "weights_abs"/"weights_rel": worst weight difference after the last step}.
    The minikeras model is trained in place; pass a fresh model if you need it untouched.
    """
    twin = twin or to_keras(model)
    x = np.asarray(x, dtype=model.layers[0].dtype)
    y = np.asarray(y)
    n = x.shape[0]
    loss_rel, losses_mine, losses_theirs = 0.0, [], []
    for step in range(steps):
        start = (step * batch_size) % n
        idx = np.arange(start, min(start + batch_size, n))
        mine = model.train_on_batch(x[idx], y[idx])
        theirs = twin.train_on_batch(x[idx], y[idx])
        mine_loss = mine[0] if isinstance(mine, list) else mine
        theirs_loss = theirs[0] if isinstance(theirs, list) else theirs
        loss_rel = max(loss_rel, max_errors([mine_loss], [theirs_loss])[1])
        losses_mine.append(float(mine_loss))
        losses_theirs.append(float(theirs_loss))
    worst_abs = worst_rel = 0.0
    for mine_w, theirs_w in zip(model.get_weights(), twin.get_weights(), strict=True):
        abs_err, rel_err = max_errors(mine_w, theirs_w)
        worst_abs, worst_rel = max(worst_abs, abs_err), max(worst_rel, rel_err)
    return {"loss_rel": loss_rel, "weights_abs": worst_abs, "weights_rel": worst_rel,
            "losses_mine": losses_mine, "losses_keras": losses_theirs}


def _keras_loss(keras, model):
    """The loss as the user gave it to compile: a name passes as is, an object by its config."""
    spec = model._loss_spec
    if isinstance(spec, str):
        return spec
    return keras.losses.deserialize({"class_name": type(model.loss).__name__,
                                     "config": model.loss.get_config()})


# ---- gradients and per-layer outputs ------------------------------------------------------

def keras_gradients(twin, x, y):
    """Keras's loss, gradients of every trainable weight and of each layer's input.

    Uses the backend's own machinery: tf.GradientTape on TensorFlow, jax.grad on JAX.
    Returns (loss, [dweight in twin.trainable_weights order], [dinput per layer]).
    """
    keras = _keras()
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tf_gradients(twin, x, y)
    if backend == "jax":
        return _jax_gradients(twin, x, y)
    raise ValueError(f"Gradient parity supports the tensorflow and jax backends, not {backend!r}.")


def _tf_gradients(twin, x, y):
    import tensorflow as tf

    with tf.GradientTape(persistent=True) as tape:
        h = tf.constant(x)
        inputs = []
        for layer in twin.layers:
            tape.watch(h)
            inputs.append(h)
            h = layer(h, training=True)
        loss = twin.compute_loss(x=None, y=tf.constant(y), y_pred=h, training=True)
    dweights = tape.gradient(loss, twin.trainable_weights)
    dinputs = [tape.gradient(loss, t) for t in inputs]
    return float(loss), [np.asarray(g) for g in dweights], [np.asarray(g) for g in dinputs]


def _jax_gradients(twin, x, y):
    """jax.grad of the compiled loss; layer-input gradients through zero probes added there."""
    import jax
    import jax.numpy as jnp

    layers = twin.layers
    trainable = [[v.value for v in layer.trainable_weights] for layer in layers]
    frozen = [[v.value for v in layer.non_trainable_weights] for layer in layers]
    keras = _keras()
    loss_fn = twin.loss if callable(twin.loss) else keras.losses.get(twin.loss)
    if not isinstance(loss_fn, keras.losses.Loss):  # Keras's wrapper: ranks, reduction
        from keras.src.losses.losses import LossFunctionWrapper

        loss_fn = LossFunctionWrapper(loss_fn)

    def total(trainable, probes):
        h = jnp.asarray(x)
        for layer, tv, ntv, probe in zip(layers, trainable, frozen, probes, strict=True):
            h, _ = layer.stateless_call(tv, ntv, h + probe, training=True)
        return loss_fn(jnp.asarray(y), h)  # (regularization penalties are not included)

    probes, h = [], np.asarray(x)
    for layer in layers:
        probes.append(jnp.zeros(h.shape, h.dtype))
        h = np.asarray(layer(h, training=False))
    loss, (dweights, dinputs) = jax.value_and_grad(total, argnums=(0, 1))(trainable, probes)
    flat = [np.asarray(g) for layer_grads in dweights for g in layer_grads]
    return float(loss), flat, [np.asarray(g) for g in dinputs]


def compare_gradients(model, x, y, twin=None):
    """Rows (name, abs error, rel error) for the loss, every weight gradient and layer input."""
    twin = twin or to_keras(model)
    x = np.asarray(x, dtype=model.layers[0].dtype)
    y = np.asarray(y)
    loss, penalty, _, dinputs = model.compute_gradients(x, y.astype(x.dtype) if y.dtype.kind == "f"
                                                        else y)
    keras_loss, keras_dweights, keras_dinputs = keras_gradients(twin, x, y)
    # A gradient is judged against the largest gradient entry in the model, not its own size:
    # a small weight's gradient can be a sum of large terms that cancel (e.g. two samples
    # pulling opposite ways), and then float32 rounding of the terms, not the formula, sets
    # its relative error. What matters for training is the error at the scale of the update.
    scale = max(float(np.max(np.abs(g))) for g in [*keras_dweights, *keras_dinputs] if g.size)
    rows = [("loss", *max_errors([loss + penalty], [keras_loss]))]
    pairs = [(f"d{v.path.split('/', 1)[-1]}", v.grad, theirs)
             for v, theirs in zip(model.trainable_weights, keras_dweights, strict=True)]
    pairs += [(f"d(input of {layer.name})", mine, theirs)
              for layer, mine, theirs in zip(model.layers, dinputs, keras_dinputs, strict=True)]
    for name, mine, theirs in pairs:
        abs_err = max_errors(mine, theirs)[0]
        rows.append((name, abs_err, abs_err / max(scale, 1e-30)))
    return rows


def compare_layer_outputs(model, x, twin=None, training=False):
    """Per-layer forward outputs of both, in order: [(layer name, abs error, rel error, worst)].

    `worst` is (index, mine, theirs) at the largest difference: where two models part ways.
    """
    twin = twin or to_keras(model, compile=False)
    mine = np.asarray(x, dtype=model.layers[0].dtype)
    theirs = mine
    rows = []
    for layer, twin_layer in zip(model.layers, twin.layers, strict=True):
        mine = layer.forward(mine, training=training)
        theirs = np.asarray(twin_layer(theirs, training=training))
        abs_err, rel_err = max_errors(mine, theirs)
        diff = np.abs(np.asarray(mine, np.float64) - np.asarray(theirs, np.float64))
        index = tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape))
        rows.append((layer.name, abs_err, rel_err, (index, float(mine[index]),
                                                     float(theirs[index]))))
        theirs = mine  # feed each layer the same input on both sides: errors don't accumulate
    return rows


def first_divergence(model, x, rtol, twin=None):
    """The first layer whose output differs from Keras's by more than rtol, or None."""
    for name, abs_err, rel_err, (index, mine, theirs) in compare_layer_outputs(model, x, twin):
        if rel_err > rtol:
            return {"layer": name, "abs": abs_err, "rel": rel_err, "index": index,
                    "mine": mine, "theirs": theirs}
    return None
