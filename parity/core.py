"""The Keras twin of a minikeras model, and the comparisons the parity checks make.

A minikeras model's `get_config()` is Keras 3's, so `keras.Sequential.from_config` rebuilds the
same architecture; `set_weights(model.get_weights())` then copies every weight in Keras's order.
Errors are normwise relative: max|mine - keras| / max|keras| for outputs, losses and weights;
gradients are measured against the largest gradient entry of the model (see compare_gradients).
"""

import contextlib
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _keras():
    import keras

    return keras


@contextlib.contextmanager
def numerics_of(backend):
    """Within the block, minikeras reproduces Keras-on-`backend`'s arithmetic ("tensorflow" or
    "jax"; any other backend: "tensorflow"): the backends disagree on crossentropy after a
    sigmoid/softmax (TensorFlow uses the logits; JAX clips probabilities, and its clip's
    gradient splits ties at the bounds) and on Python-float constants in float64 (TensorFlow
    rounds them through float32, JAX does not). The caller's settings come back afterwards."""
    from minikeras import config

    previous = config.numerics(), config.logits_crossentropy()
    config.set_numerics("jax" if backend == "jax" else "tensorflow")
    try:
        yield
    finally:
        config.set_numerics(previous[0])
        config.set_logits_crossentropy(previous[1])


def keras_float64(enabled):
    """Let Keras on JAX compute in float64 when floatx is float64 (a no-op on TensorFlow).

    Keras's dtype promotion (keras/src/backend/common/dtypes.py, `BIT64_TO_BIT32_DTYPE`) turns
    every float64 result type into float32 on any backend but TensorFlow, "to be aligned with
    JAX's default behavior", whether or not JAX runs with x64 enabled; so `ops.tanh` of a
    float64 tensor comes back float32 and a float64 model silently computes parts in float32
    (1e-7 errors). With JAX's x64 on, JAX itself keeps float64, and so does this switch.
    Keras 3.15 has no flag for it (keras-team/keras#21604 notes one may be needed).
    """
    keras = _keras()
    if keras.backend.backend() != "jax":
        return
    import jax
    from keras.src.backend.common import dtypes

    on = bool(enabled) and bool(jax.config.jax_enable_x64)
    dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64" if on else "float32"


def max_errors(mine, theirs):
    """(max absolute error, normwise relative error) between two arrays."""
    mine = np.asarray(mine, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    abs_err = float(np.max(np.abs(mine - theirs))) if theirs.size else 0.0
    return abs_err, abs_err / _magnitude(theirs)


def to_keras(model, compile=True, run_eagerly=False):
    """Return a keras.Sequential with the same config and weights (compiled the same way).

    run_eagerly=True compiles the twin's train step without tracing (needed when dropout masks
    are injected: a traced step would bake in the first mask).
    """
    keras = _keras()
    keras_float64(model.layers[0].dtype == "float64")
    twin = keras.Sequential.from_config(model.get_config())
    twin.set_weights(model.get_weights())
    if compile and getattr(model, "compiled", False):
        opt = model.optimizer
        twin.compile(
            optimizer=keras.optimizers.deserialize(
                {"class_name": type(opt).__name__, "config": opt.get_config()}),
            loss=_keras_loss(keras, model),
            metrics=list(model._metric_specs) or None,
            run_eagerly=run_eagerly,
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
    A weight array's relative difference is taken against the largest magnitude Keras's copy
    of it reached during the run (its start included), not its last value: a weight is a sum
    of steps, and a sum's rounding is set by its terms. Seen (Dense(1, sigmoid), Adam, float32,
    6 steps): a bias that reached 1.0e-3 and came back to 1.85e-6 differed by 2.9e-11 (one
    float32 ulp of the 2.7e-4 it held a step before), 1.6e-5 of its last value, while both
    float32 results were 1e-3 away from float64's and float64 agreed to 1e-13; against
    1.0e-3 it is 2.9e-8.
    The minikeras model is trained in place; pass a fresh model if you need it untouched.
    """
    twin = twin or to_keras(model)
    x = np.asarray(x, dtype=model.layers[0].dtype)
    y = np.asarray(y)
    n = x.shape[0]
    loss_rel, losses_mine, losses_theirs = 0.0, [], []
    scales = [_magnitude(w) for w in twin.get_weights()]
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
        scales = [max(scale, _magnitude(w)) for scale, w in zip(scales, twin.get_weights(),
                                                                  strict=True)]
    worst_abs = worst_rel = 0.0
    for mine_w, theirs_w, scale in zip(model.get_weights(), twin.get_weights(), scales,
                                       strict=True):
        abs_err = max_errors(mine_w, theirs_w)[0]
        worst_abs, worst_rel = max(worst_abs, abs_err), max(worst_rel, abs_err / scale)
    return {"loss_rel": loss_rel, "weights_abs": worst_abs, "weights_rel": worst_rel,
            "losses_mine": losses_mine, "losses_keras": losses_theirs}


def _magnitude(array):
    """The largest |entry| of an array (1e-30 for an empty or all-zero one): max_errors' scale."""
    array = np.asarray(array, dtype=np.float64)
    return max(float(np.max(np.abs(array))) if array.size else 0.0, 1e-30)


def compare_optimizer_step(model, twin, grads):
    """Both optimizers apply the same gradients (`grads`, in trainable-weight order) once.

    The step alone: a gradient entry's own rounding is not in it (the grad rows measure that).
    Adaptive optimizers need this: their first step is about lr * sign(g) for each entry, so a
    tiny gradient entry, whose float32 rounding is set by the larger terms summed into it, gets
    a full-size step carrying that rounding as a relative error.
    Returns {"weights_abs", "weights_rel"}: the worst weight difference afterwards.
    """
    dtype = model.layers[0].dtype
    model.optimizer.apply_gradients(
        [(np.asarray(g, dtype=dtype), v) for g, v in zip(grads, model.trainable_weights,
                                                          strict=True)])
    twin.optimizer.apply_gradients(list(zip(grads, twin.trainable_variables, strict=True)))
    worst_abs = worst_rel = 0.0
    for mine_w, theirs_w in zip(model.get_weights(), twin.get_weights(), strict=True):
        abs_err, rel_err = max_errors(mine_w, theirs_w)
        worst_abs, worst_rel = max(worst_abs, abs_err), max(worst_rel, rel_err)
    return {"weights_abs": worst_abs, "weights_rel": worst_rel}


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

    def dense(g, like):
        # an Embedding's table gets rows (IndexedSlices), its integer input no gradient (None)
        if g is None:
            return np.zeros(tuple(like.shape), getattr(like.dtype, "name", like.dtype))
        return np.asarray(tf.convert_to_tensor(g))

    return (float(loss), [dense(g, w) for g, w in zip(dweights, twin.trainable_weights,
                                                     strict=True)],
            [dense(g, t) for g, t in zip(dinputs, inputs, strict=True)])


def _jax_gradients(twin, x, y):
    """jax.grad of the compiled loss; layer-input gradients through zero probes added there.

    The loss is Keras's own training loss: `stateless_compute_loss`, as Keras's JAX train step
    calls it, so the compiled loss and every regularization penalty (computed from the traced
    weights) are in it; and, like that train step, the gradient is jit-compiled by XLA.
    """
    import jax
    import jax.numpy as jnp

    layers = twin.layers
    trainable = [[v.value for v in layer.trainable_variables] for layer in layers]
    frozen = [[v.value for v in layer.non_trainable_variables] for layer in layers]

    def model_order(per_layer, model_variables):  # (layer, index) of each model variable
        where = {id(v): (i, j) for i, variables in enumerate(per_layer)
                 for j, v in enumerate(variables)}
        return [where[id(v)] for v in model_variables]

    trainable_order = model_order([layer.trainable_variables for layer in layers],
                                  twin.trainable_variables)
    frozen_order = model_order([layer.non_trainable_variables for layer in layers],
                               twin.non_trainable_variables)
    metrics = [v.value for v in twin.metrics_variables]
    y = jnp.asarray(y)

    def total(trainable, probes):
        h = jnp.asarray(x)
        for layer, tv, ntv, probe in zip(layers, trainable, frozen, probes, strict=True):
            h, _ = layer.stateless_call(tv, ntv, h + probe, training=True)
        loss, _ = twin.stateless_compute_loss(
            [trainable[i][j] for i, j in trainable_order],
            [frozen[i][j] for i, j in frozen_order], metrics,
            x=None, y=y, y_pred=h, training=True)
        return loss

    probes, h = [], np.asarray(x)
    for layer in layers:
        probes.append(jnp.zeros(h.shape, h.dtype))
        h = np.asarray(layer(h, training=False))
    loss, (dweights, dinputs) = jax.jit(jax.value_and_grad(total, argnums=(0, 1)))(trainable,
                                                                                 probes)
    flat = [np.asarray(g) for layer_grads in dweights for g in layer_grads]
    return float(loss), flat, [np.asarray(g) for g in dinputs]


def compare_gradients(model, x, y, twin=None, return_keras=False):
    """Rows (name, abs error, rel error) for the loss, every weight gradient and layer input.

    return_keras=True returns (rows, Keras's weight gradients) instead.
    """
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
    return (rows, keras_dweights) if return_keras else rows


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


# ---- training-mode dropout, the same keep masks on both sides ---------------------------------

class MaskStreams:
    """Seeded streams of keep masks (keep = u >= rate), one per Dropout layer and side.

    Both sides' streams for a layer start from the same seed, so the n-th training-mode call of
    a layer gets the same mask in minikeras and in Keras; `shapes` records every draw (per
    layer and side) so a caller can check the two sides drew alike.
    """

    def __init__(self, seed=0):
        self.seed, self.shapes, self._rngs = seed, {}, {}

    def draw(self, side, index, rate, shape):
        rng = self._rngs.setdefault((side, index), np.random.default_rng((self.seed, index)))
        self.shapes.setdefault((side, index), []).append(tuple(int(d) for d in shape))
        return rng.random(size=tuple(shape)) >= rate

    def aligned(self):
        """True when each layer drew the same shapes, in the same order, on both sides."""
        indices = {index for _, index in self.shapes}
        return all(self.shapes.get(("minikeras", i)) == self.shapes.get(("keras", i))
                   for i in indices)


@contextlib.contextmanager
def injected_dropout_masks(model, twin, streams):
    """Run model's and twin's Dropout layers, in training mode, on masks from `streams`.

    minikeras: `minikeras.layers.dropout.injected_noise`. Keras: only the random draw is
    replaced, so Keras's own dropout formula runs: on TensorFlow its `stateless_dropout` becomes
    `tf.nn.experimental.general_dropout` with a sampler returning the mask as the uniform draws
    (1 keeps, 0 drops); on JAX `jax.random.bernoulli` returns the mask inside Keras's dropout.
    """
    from keras.src import backend

    from minikeras.layers.dropout import Dropout, injected_noise

    pairs = [(i, mine, theirs) for i, (mine, theirs)
             in enumerate(zip(model.layers, twin.layers, strict=True))
             if isinstance(mine, Dropout)]
    by_seed = {id(theirs.seed_generator): (i, theirs) for i, _, theirs in pairs}
    module, original = backend.random, backend.random.dropout

    def dropout(inputs, rate, noise_shape=None, seed=None):
        if id(seed) not in by_seed or rate in (0.0, 1.0):
            return original(inputs, rate, noise_shape, seed)
        index, _ = by_seed[id(seed)]
        shape = tuple(int(inputs.shape[a]) if d is None else int(d) for a, d
                      in enumerate(noise_shape or (None,) * len(inputs.shape)))
        keep = streams.draw("keras", index, rate, shape)
        if backend.backend() == "tensorflow":
            import tensorflow as tf

            def sampler(shape, dtype):
                return tf.constant(keep, dtype=dtype)

            return tf.nn.experimental.general_dropout(inputs, rate, sampler, noise_shape=shape)
        import jax

        bernoulli = jax.random.bernoulli
        jax.random.bernoulli = lambda key, p=0.5, shape=None: jax.numpy.asarray(keep)
        try:
            return original(inputs, rate, noise_shape, seed)
        finally:
            jax.random.bernoulli = bernoulli

    with contextlib.ExitStack() as stack:
        for index, mine, _ in pairs:
            stack.enter_context(injected_noise(
                mine, lambda shape, dtype, i=index, r=mine.rate: streams.draw("minikeras", i, r,
                                                                               shape)))
        module.dropout = dropout
        try:
            yield streams
        finally:
            module.dropout = original
