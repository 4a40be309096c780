"""The Keras twin of a minikeras model, and the comparisons the parity checks make.

A minikeras model's `get_config()` is Keras 3's, so `keras.Sequential.from_config` rebuilds the
same architecture; `set_weights(model.get_weights())` then copies every weight in Keras's order.
Errors are normwise relative: max|mine - keras| / max|keras|.
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
    loss_rel = 0.0
    for step in range(steps):
        start = (step * batch_size) % n
        idx = np.arange(start, min(start + batch_size, n))
        mine = model.train_on_batch(x[idx], y[idx])
        theirs = twin.train_on_batch(x[idx], y[idx])
        mine_loss = mine[0] if isinstance(mine, list) else mine
        theirs_loss = theirs[0] if isinstance(theirs, list) else theirs
        loss_rel = max(loss_rel, max_errors([mine_loss], [theirs_loss])[1])
    worst_abs = worst_rel = 0.0
    for mine_w, theirs_w in zip(model.get_weights(), twin.get_weights(), strict=True):
        abs_err, rel_err = max_errors(mine_w, theirs_w)
        worst_abs, worst_rel = max(worst_abs, abs_err), max(worst_rel, rel_err)
    return {"loss_rel": loss_rel, "weights_abs": worst_abs, "weights_rel": worst_rel}


def _keras_loss(keras, model):
    """The loss as the user gave it to compile: a name passes as is, an object by its config."""
    spec = model._loss_spec
    if isinstance(spec, str):
        return spec
    return keras.losses.deserialize({"class_name": type(model.loss).__name__,
                                     "config": model.loss.get_config()})
