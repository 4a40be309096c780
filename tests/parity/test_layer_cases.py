"""The convolution / pooling / embedding / normalization (and recurrent GEMM-loop) parity
cases of `python -m parity` (parity/layer_cases.py) as tests: per case and dtype, every row
(each layer's output, the loss, every gradient, one optimizer step, 20 training steps) within
the house tolerance of Keras."""

import pytest

pytest.importorskip("keras")

from parity import layer_cases, suite  # noqa: E402


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(layer_cases.CASES))
def test_layer_case_matches_keras(name, dtype):
    suite.use_dtype(dtype)
    try:
        rows = layer_cases.CASES[name](dtype)
    finally:
        suite.use_dtype("float32")
    if not rows:
        pytest.skip(f"{name}: Keras on TensorFlow's CPU cannot run it in {dtype}")
    bad = [f"{r.quantity} {r.detail}: {r.rel_error:.2e} > {r.tolerance:.0e}" for r in rows
           if not r.ok]
    assert not bad, f"{name} {dtype}: " + "; ".join(bad)
    assert {r.quantity for r in rows} == {"forward", "grad", "step", "trajectory"}
