"""The main job: train the Pima tutorial network, then check it against real Keras.

1. Train the tutorial network (8 -> 12 relu -> 8 relu -> 1 sigmoid, adam, 150 epochs,
   batch 10) in minikeras and time it: first the one-time cost (numba compiling the kernels
   on a machine's first run, loading them from its cache afterwards), then the steady fit.
2. Parity: build the Keras twin from the model's config with the same initial weights, and
   compare forward outputs and the first 20 training steps, in float32 and float64.
3. Time Keras (TensorFlow CPU) on the same 150-epoch fit (skip with --no-keras-fit).
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # for parity/
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import minikeras  # noqa: E402
from minikeras import config  # noqa: E402
from parity import compare_forward, compare_train_steps, to_keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def pima_model(dtype="float32"):
    config.set_floatx(dtype)
    model = minikeras.Sequential()
    model.add(minikeras.layers.Dense(12, input_dim=8, activation="relu",
                                     kernel_initializer="uniform"))
    model.add(minikeras.layers.Dense(8, activation="relu", kernel_initializer="uniform"))
    model.add(minikeras.layers.Dense(1, activation="sigmoid", kernel_initializer="uniform"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def main():
    dataset = np.loadtxt(os.path.join(HERE, "data", "pima-indians-diabetes.csv"), delimiter=",")
    X, Y = dataset[:, 0:8], dataset[:, 8]

    # One-time cost: numba compiles the kernels this fit uses on the first run on a machine
    # (then loads them from its on-disk cache, in a fraction of a second). A one-batch fit of
    # a throwaway model pays it here, so the timed fit below is the steady speed.
    start = time.perf_counter()
    warm_up = pima_model()
    warm_up.fit(X[:10], Y[:10], epochs=1, batch_size=10, verbose=0)
    warm_up.evaluate(X[:10], Y[:10], verbose=0)
    compile_seconds = time.perf_counter() - start

    np.random.seed(7)
    model = pima_model()
    initial = model.get_weights()
    start = time.perf_counter()
    model.fit(X, Y, epochs=150, batch_size=10, verbose=0)
    minikeras_seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(X, Y, verbose=0)
    print(f"minikeras ({minikeras.kernels.KERNELS} kernels), Pima network:\n"
          f"  one-time: compiling the kernels, or loading them from numba's cache: "
          f"{compile_seconds:.2f} s\n"
          f"  steady:   150 epochs, batch 10: {minikeras_seconds:.2f} s, training accuracy "
          f"{accuracy:.2%}, loss {loss:.4f}")

    import keras

    print(f"\nParity against Keras {keras.__version__} ({keras.backend.backend()} backend, CPU),"
          " same initial weights, same batches:")
    print(f"{'dtype':8} {'quantity':28} {'max rel error':>14} {'tolerance':>10}  verdict")
    failures = 0
    for dtype, forward_tol, steps_tol in (("float32", 1e-6, 1e-5), ("float64", 1e-10, 1e-10)):
        keras.config.set_floatx(dtype)
        keras.config.set_dtype_policy(dtype)
        fresh = pima_model(dtype)
        fresh.set_weights(initial)
        forward = compare_forward(fresh, X)
        steps = compare_train_steps(fresh, X, Y, steps=20, batch_size=10)
        rows = [("forward (768 samples)", forward["rel"], forward_tol),
                ("loss over 20 adam steps", steps["loss_rel"], steps_tol),
                ("weights after 20 steps", steps["weights_rel"], steps_tol)]
        for name, err, tol in rows:
            ok = err <= tol
            failures += not ok
            print(f"{dtype:8} {name:28} {err:14.2e} {tol:10.0e}  {'ok' if ok else 'FAIL'}")
    keras.config.set_floatx("float32")
    keras.config.set_dtype_policy("float32")
    config.set_floatx("float32")

    if "--no-keras-fit" not in sys.argv:
        fresh = pima_model()
        fresh.set_weights(initial)
        twin = to_keras(fresh)
        start = time.perf_counter()
        twin.fit(X, Y, epochs=150, batch_size=10, verbose=0)
        keras_seconds = time.perf_counter() - start
        _, keras_accuracy = twin.evaluate(X, Y, verbose=0)
        print(f"\nKeras on the same fit: {keras_seconds:.2f} s, training accuracy "
              f"{keras_accuracy:.2%}; minikeras was {keras_seconds / minikeras_seconds:.1f}x "
              "faster in this run (steady speed; the one-time compile comes on top).")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
