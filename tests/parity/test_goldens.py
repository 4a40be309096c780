"""The committed tier: minikeras against Keras's numbers stored in parity/goldens/*.npz.

These run without TensorFlow (the files were written by `python -m parity.make_goldens` with
real Keras), so the core parity evidence holds wherever minikeras is installed.
"""

import glob
import json
import os

import numpy as np
import pytest
from helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype

import minikeras

GOLDENS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "parity",
                                        "goldens", "*.npz")))


def test_goldens_are_present():
    assert len(GOLDENS) >= 14


@pytest.mark.parametrize("path", GOLDENS, ids=[os.path.basename(p) for p in GOLDENS])
def test_minikeras_matches_the_keras_golden(path):
    golden = np.load(path)
    dtype = "float64" if path.endswith("float64.npz") else "float32"
    use_dtype(dtype)
    model = minikeras.Sequential.from_config(json.loads(str(golden["config"])))
    compiled = json.loads(str(golden["compile"]))
    model.compile(loss=compiled["loss"], optimizer=compiled["optimizer"])
    n_weights = len(model.get_weights())
    model.set_weights([golden[f"initial_{i}"] for i in range(n_weights)])
    x, y = golden["x"], golden["y"]
    tol = {"float32": (F32_FORWARD, F32_FORWARD, F32_TRAJECTORY), "float64": (F64, F64, F64)}
    forward_tol, grad_tol, steps_tol = tol[dtype]

    assert_close(model.predict(x, verbose=0), golden["outputs"], forward_tol, "outputs")

    batch = 8
    loss, penalty, _, dinputs = model.compute_gradients(x[:batch], y[:batch].astype(x.dtype)
                                                        if y.dtype.kind == "f" else y[:batch])
    assert_close(loss + penalty, golden["loss"], forward_tol, "loss")
    model.set_weights([golden[f"initial_{i}"] for i in range(n_weights)])  # BN's statistics
    keras_grads = [golden[f"dweight_{i}"] for i in range(len(model.trainable_weights))]
    keras_dinputs = [golden[f"dinput_{i}"] for i in range(len(model.layers))]
    scale = max(float(np.max(np.abs(g))) for g in keras_grads + keras_dinputs)
    for variable, theirs in zip(model.trainable_weights, keras_grads, strict=True):
        # judged at the scale of the model's largest gradient entry (see parity/core.py)
        assert np.max(np.abs(variable.grad - theirs)) <= grad_tol * scale, variable.path
    for i, (mine, theirs) in enumerate(zip(dinputs, keras_dinputs, strict=True)):
        assert np.max(np.abs(mine - theirs)) <= grad_tol * scale, f"d(input of layer {i})"

    for step in range(20):
        start = (step * batch) % len(x)
        model.train_on_batch(x[start:start + batch], y[start:start + batch])
    for i, w in enumerate(model.get_weights()):
        assert_close(w, golden[f"trained_{i}"], steps_tol, f"weight {i} after 20 steps")
