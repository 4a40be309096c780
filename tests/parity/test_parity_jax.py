"""parity/ against Keras on JAX (CPU): skipped where jax is not installed (it is not in CI).

Keras picks its backend once per process, and these tests' process runs Keras on TensorFlow,
so each check runs in a child process with KERAS_BACKEND=jax (what `python -m parity
--backend jax` does) and reports back as JSON.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("jax")
pytest.importorskip("keras")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_on_jax(code, timeout=600):
    """Run `code` (which prints one JSON line last) with Keras on JAX; return that JSON."""
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_ENABLE_X64": "1",
           "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_on_jax(*args, tmp_path):
    """`python -m parity --backend jax ARGS --json`: (exit code, report, stdout)."""
    path = tmp_path / "report.json"
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-m", "parity", "--backend", "jax", *args,
                           "--json", str(path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    report = json.loads(path.read_text()) if path.exists() else None
    return done.returncode, report, done.stdout + done.stderr[-3000:]


def test_regularization_penalties_are_in_the_jax_gradients():
    """Keras's training loss on JAX adds every weight penalty; the harness's jax.grad must too
    (it once took only the compiled loss: loss and kernel gradients then differed)."""
    result = run_on_jax("""
        import json
        import numpy as np
        import minikeras
        from parity import suite
        from parity.core import compare_gradients, keras_gradients, to_keras
        minikeras.config.set_numerics("jax")
        out = {}
        for dtype in ("float32", "float64"):
            suite.use_dtype(dtype)
            np.random.seed(0)
            L = minikeras.layers
            model = minikeras.Sequential([
                minikeras.Input((4,)),
                L.Dense(6, activation="tanh", kernel_regularizer="l2",
                        bias_regularizer=minikeras.regularizers.L1(0.3)),
                L.Dense(1, activation="sigmoid",
                        kernel_regularizer=minikeras.regularizers.L1L2(0.1, 0.2))])
            model.compile(loss="binary_crossentropy", optimizer="sgd")
            model.layers[0].bias.assign(np.linspace(-1, 1, 6))  # a nonzero L1 penalty
            rng = np.random.default_rng(1)
            x, y = rng.normal(size=(8, 4)), rng.integers(0, 2, (8, 1)).astype("float64")
            rows = compare_gradients(model, x, y)
            x = x.astype(dtype)
            loss, penalty, _, _ = model.compute_gradients(x, y.astype(dtype))
            out[dtype] = {"rows": rows, "penalty": float(penalty),
                          "keras_loss": keras_gradients(to_keras(model), x, y)[0],
                          "plain_loss": float(loss)}
        print(json.dumps(out))
    """)
    for dtype in ("float32", "float64"):
        got = result[dtype]
        assert got["penalty"] > 0.1
        assert abs(got["keras_loss"] - got["plain_loss"] - got["penalty"]) <= 1e-5 * got["penalty"]
    # with set_numerics("jax") the factors (l2=0.01, ...) are exact in float64, as on JAX
    # (with TensorFlow's float32-rounded ones the float64 rows were 3e-9 apart)
    for dtype, tolerance in (("float32", 1e-6), ("float64", 1e-10)):
        for name, _, rel in result[dtype]["rows"]:
            assert rel <= tolerance, (dtype, name, rel)


def test_cli_on_jax_float32_with_dropout_in_training_mode(tmp_path):
    code, report, out = cli_on_jax("-k", "tutorial Dropout", "-k", "tutorial Pima",
                                   "-k", "loss cosine", "-k", "optimizer Ftrl",
                                   "--dtype", "float32", tmp_path=tmp_path)
    assert code == 0, out
    assert report["environment"]["backend"] == "jax"
    details = {(r["component"], r["detail"]) for r in report["rows"]}
    assert any(c == "tutorial Dropout net" and re.fullmatch(r"output of dropout\w* \(training\)", d)
               for c, d in details)
    assert any("keep masks drawn on both sides" in d for _, d in details)
    assert any(c == "tutorial Pima MLP (standardized inputs)" for c, _ in details)
    assert all(r["ok"] for r in report["rows"])


def test_cli_on_jax_float64_computes_in_float64(tmp_path):
    """Keras on JAX turns float64 results into float32 unless the harness lets it keep them
    (parity.core.keras_float64): tanh was 1.1e-7 off before. The CLI sets
    config.set_numerics("jax"), so Python-float constants (Adam's beta_2, gelu's 0.044715,
    leaky_relu's slope, log_cosh's log(2)) are exact, as on JAX: those rows were up to 1e-4
    apart with TensorFlow's float32-rounded constants."""
    code, report, out = cli_on_jax("-k", "activation tanh", "-k", "optimizer SGD",
                                   "-k", "optimizer Adam", "-k", "activation gelu",
                                   "-k", "activation leaky_relu", "-k", "loss log_cosh",
                                   "-k", "tutorial Dropout", "--dtype", "float64",
                                   tmp_path=tmp_path)
    rows = report["rows"]
    assert code == 0, out
    assert {r["component"] for r in rows} >= {
        "activation tanh", "activation gelu", "activation leaky_relu", "loss log_cosh",
        "optimizer SGD", "optimizer Adam", "optimizer AdamW", "tutorial Dropout net"}
    assert all(r["dtype"] == "float64" and r["max_rel"] <= 1e-10 for r in rows), out
