"""parity.check_* with Keras on JAX (CPU): skipped where jax is not installed (not in CI).

Keras picks its backend once per process, so the checks run in a child process with
KERAS_BACKEND=jax and JAX_ENABLE_X64=1 (float64 kept float64: parity.core.keras_float64).
"""

import pytest

pytest.importorskip("jax")
pytest.importorskip("keras")

from test_parity_jax import run_on_jax  # noqa: E402


def test_a_students_dense_lstm_adam_and_loss_pass_on_jax_and_the_gate_bug_is_named():
    result = run_on_jax("""
        import functools, json
        import numpy as np
        import parity
        from examples import student_numpy as s
        out = {}
        for dtype in ("float32", "float64"):
            reports = [
                parity.check_layer("Dense", {"units": 3, "activation": "tanh"},
                                   forward=s.dense_forward, backward=s.dense_backward,
                                   input_shape=(4, 5), dtype=dtype),
                parity.check_layer("LSTM", {"units": 3}, forward=s.lstm_forward,
                                   backward=s.lstm_backward, input_shape=(2, 5, 4), dtype=dtype),
                parity.check_optimizer("Adam", update=s.adam_update, shapes=[(5, 3), (3,)],
                                       dtype=dtype),
                parity.check_loss("mse", value=lambda t, p: np.mean((p - t) ** 2),
                                  grad=lambda t, p: 2 * (p - t) / p.size, y_shape=(6, 2),
                                  dtype=dtype)]
            wrong = parity.check_layer(
                "LSTM", {"units": 3}, forward=functools.partial(s.lstm_forward, order="ifoc"),
                input_shape=(2, 5, 4), dtype=dtype)
            out[dtype] = {"rows": [[r.quantity, r.rel_error, r.tolerance] for report in reports
                                   for r in report.rows],
                          "titles": [report.title for report in reports],
                          "wrong": [wrong.ok, wrong.first_failure.quantity, wrong.hint]}
        print(json.dumps(out))
    """)
    for dtype, tolerance in (("float32", 1e-6), ("float64", 1e-10)):
        got = result[dtype]
        assert all("(jax)" in title for title in got["titles"])
        assert len(got["rows"]) == 4 + 5 + 20 + 2
        for quantity, rel, tol in got["rows"]:
            assert tol in (tolerance, 1e-5) and rel <= tol, (dtype, quantity, rel)
        ok, quantity, hint = got["wrong"]
        assert not ok and quantity == "forward y"
        assert hint.startswith("matches Keras with the gates in the order i,f,o,c")
