"""Write the committed goldens: what real Keras computes for a few small models, as .npz files.

    python -m parity.make_goldens        # needs Keras + TensorFlow; rewrites parity/goldens/

Each file holds the model's config (JSON), its initial weights, the inputs and labels, and
Keras's forward outputs, loss, weight gradients and the weights after 20 training steps
(batches in order). `tests/parity/test_goldens.py` checks minikeras against these files
without TensorFlow, so the core parity evidence also runs where Keras is not installed.
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens")

# name -> (hidden widths, hidden activation, units, output activation, loss, optimizer, labels)
MODELS = {
    "pima_like_adam": ([12, 8], "relu", 1, "sigmoid", "binary_crossentropy", "adam", "binary"),
    "softmax_rmsprop": ([16], "tanh", 3, "softmax", "categorical_crossentropy", "rmsprop",
                        "onehot"),
    "sparse_sgd": ([8, 6], "elu", 4, "softmax", "sparse_categorical_crossentropy", "sgd",
                   "sparse"),
    "regression_adam": ([10], "gelu", 2, "linear", "mse", "adam", "regression"),
}
# name -> (input shape, [(layer class, kwargs)], loss, optimizer, labels, data): the
# convolution / pooling / embedding / normalization layers (issue 14)
LAYER_MODELS = {
    "convnet_adam": ((8, 8, 1), [
        ("Conv2D", {"filters": 4, "kernel_size": 3, "activation": "relu"}),
        ("Conv2D", {"filters": 6, "kernel_size": 3, "padding": "same", "use_bias": False}),
        ("BatchNormalization", {}), ("MaxPooling2D", {"pool_size": 2}),
        ("AveragePooling2D", {"pool_size": 2, "strides": 1, "padding": "same"}),
        ("Flatten", {}), ("Dense", {"units": 3, "activation": "softmax"})],
        "categorical_crossentropy", "adam", "onehot", "normal"),
    "conv1d_rmsprop": ((10, 3), [
        ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}),
        ("LayerNormalization", {}), ("MaxPooling1D", {"pool_size": 2}),
        ("Conv1D", {"filters": 4, "kernel_size": 2, "groups": 2, "activation": "tanh"}),
        ("GlobalAveragePooling1D", {}), ("Dense", {"units": 2})],
        "mse", "rmsprop", "regression", "normal"),
    "embedding_lstm_adam": ((7,), [
        ("Embedding", {"input_dim": 15, "output_dim": 4, "mask_zero": True}),
        ("LSTM", {"units": 3}), ("Dense", {"units": 1, "activation": "sigmoid"})],
        "binary_crossentropy", "adam", "binary", "indices"),
}
STEPS, BATCH = 20, 8


def _layer_model(name, dtype, rng):
    """(model, x, y, loss, optimizer) of a LAYER_MODELS entry."""
    import minikeras

    shape, specs, loss, optimizer, kind, data = LAYER_MODELS[name]
    np.random.seed(11)
    model = minikeras.Sequential([minikeras.Input(shape)] + [
        getattr(minikeras.layers, cls)(**kwargs) for cls, kwargs in specs])
    model.compile(loss=loss, optimizer=optimizer)
    for v in model.weights:  # non-trivial biases and statistics
        if v.name in ("gamma", "moving_variance"):
            v.assign(rng.uniform(0.5, 1.5, v.shape).astype(dtype))
        elif v.name in ("bias", "beta", "moving_mean"):
            v.assign(rng.uniform(-0.3, 0.3, v.shape).astype(dtype))
    n = STEPS * BATCH // 4
    if data == "indices":  # word ids with trailing padding (0) of 0..3 steps
        x = rng.integers(1, 15, size=(n, *shape))
        for i in range(n):
            x[i, shape[0] - i % 4:] = 0
        x = x.astype(dtype)
    else:
        x = rng.normal(size=(n, *shape)).astype(dtype)
    from . import suite

    return model, x, suite.labels(kind, n, model.output_shape[-1], rng), loss, optimizer


def make(name, dtype):
    import keras

    from . import suite
    from .core import keras_gradients, to_keras

    suite.use_dtype(dtype)
    rng = np.random.default_rng(11)
    if name in LAYER_MODELS:
        model, x, y, loss, optimizer = _layer_model(name, dtype, rng)
    else:
        hidden, hidden_act, units, act, loss, optimizer, kind = MODELS[name]
        model = suite.mlp(6, hidden, units, act, loss, optimizer=optimizer,
                          hidden_activation=hidden_act, seed=11)
        x = rng.normal(size=(STEPS * BATCH // 4, 6)).astype(dtype)
        y = suite.labels(kind, len(x), units, rng)
    twin = to_keras(model)
    initial = [np.asarray(w) for w in twin.get_weights()]
    outputs = np.asarray(twin.predict(x, verbose=0))
    loss_value, dweights, dinputs = keras_gradients(twin, x[:BATCH], y[:BATCH])
    twin.set_weights(initial)  # the training-mode call moved BatchNormalization's statistics
    for step in range(STEPS):
        start = (step * BATCH) % len(x)
        twin.train_on_batch(x[start:start + BATCH], y[start:start + BATCH])
    arrays = {"x": x, "y": y, "outputs": outputs, "loss": np.array(loss_value),
              "config": np.array(json.dumps(model.get_config())),
              "compile": np.array(json.dumps({"loss": loss, "optimizer": optimizer}))}
    arrays.update({f"initial_{i}": w for i, w in enumerate(initial)})
    arrays.update({f"dweight_{i}": g for i, g in enumerate(dweights)})
    arrays.update({f"dinput_{i}": g for i, g in enumerate(dinputs)})
    arrays.update({f"trained_{i}": np.asarray(w) for i, w in enumerate(twin.get_weights())})
    arrays["keras_version"] = np.array(keras.__version__)
    np.savez_compressed(os.path.join(HERE, f"{name}_{dtype}.npz"), **arrays)
    suite.use_dtype("float32")


def main():
    os.makedirs(HERE, exist_ok=True)
    for name in [*MODELS, *LAYER_MODELS]:
        for dtype in ("float32", "float64"):
            make(name, dtype)
            print(f"wrote {name}_{dtype}.npz")


if __name__ == "__main__":
    main()
