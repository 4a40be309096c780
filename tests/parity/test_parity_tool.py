"""parity/: the assert_parity plugin, the CLI, and that a real mismatch is caught and named."""

import json

import numpy as np
import pytest

import minikeras
import parity.__main__ as cli
from parity import suite
from parity.core import first_divergence, to_keras
from parity.pytest_plugin import assert_parity

keras = pytest.importorskip("keras")


def small_model(dtype="float32"):
    suite.use_dtype(dtype)
    return suite.mlp(5, [7, 4], 3, "softmax", "categorical_crossentropy", seed=3)


def data(n=24):
    rng = np.random.default_rng(5)
    return rng.normal(size=(n, 5)), np.eye(3)[rng.integers(0, 3, n)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_assert_parity_passes_on_a_faithful_model(parity, dtype):
    x, y = data()
    parity(small_model(dtype), x, y, steps=20, batch_size=8)


def test_a_perturbed_weight_is_caught_and_named():
    model = small_model()
    x, y = data()
    twin = to_keras(model)
    kernel = twin.layers[1].kernel
    kernel.assign(np.asarray(kernel) + np.float32(1e-3) * (np.arange(kernel.shape[1]) == 2))
    with pytest.raises(AssertionError, match=r"layer 'dense_\d+' output differs from Keras.*"
                                             r"minikeras=.* keras="):
        assert_parity(model, x, twin=twin)
    parted = first_divergence(model, x, 1e-6, twin=twin)
    assert parted["layer"] == model.layers[1].name and parted["index"][1] == 2


def test_gradient_mismatch_is_named(monkeypatch):
    model = small_model()
    x, y = data()
    original = model.layers[0].backward

    def wrong_backward(dy):  # a bug in one layer's weight gradient
        dx = original(dy)
        model.layers[0].kernel.grad = model.layers[0].kernel.grad * 1.001
        return dx

    monkeypatch.setattr(model.layers[0], "backward", wrong_backward)
    with pytest.raises(AssertionError, match=r"gradient d.*kernel differs from Keras"):
        assert_parity(model, x, y)


def test_cli_subset_reports_json_and_markdown(tmp_path, capsys):
    json_path, md_path = tmp_path / "r.json", tmp_path / "r.md"
    code = cli.main(["-k", "tutorial softmax", "-k", "activation tanh", "--dtype", "float64",
                     "--json", str(json_path), "--markdown", str(md_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads(json_path.read_text())
    assert report["environment"]["backend"] == "tensorflow"
    components = {r["component"] for r in report["rows"]}
    assert components == {"tutorial softmax classifier", "activation tanh",
                          "activation tanh_shrink"}
    assert all(r["ok"] and r["max_rel"] <= 1e-10 for r in report["rows"])
    assert {r["quantity"] for r in report["rows"]} == {"forward", "grad", "step", "trajectory"}
    assert md_path.read_text().startswith("### minikeras parity vs Keras")
    assert "all comparisons within tolerance" in out


def test_cli_exits_nonzero_and_names_the_failing_rows(monkeypatch, capsys):
    real = suite.to_keras

    def perturbed(model, compile=True):
        twin = real(model, compile=compile)
        bias = twin.layers[-1].bias
        bias.assign(np.asarray(bias) + 1e-2)
        return twin

    monkeypatch.setattr(suite, "to_keras", perturbed)
    monkeypatch.setattr("parity.core.to_keras", perturbed)
    code = cli.main(["-k", "tutorial softmax", "--dtype", "float32"])
    out = capsys.readouterr().out
    assert code == 1
    assert "outside tolerance" in out and "tutorial softmax classifier [float32]" in out


def test_every_registered_component_has_a_case():
    names = list(suite.cases())
    for activation in ("relu", "sigmoid", "tanh", "softmax", "gelu"):
        assert f"activation {activation}" in names
    for optimizer in ("SGD", "Adam", "RMSprop"):
        assert f"optimizer {optimizer}" in names
    for loss in ("binary_crossentropy", "categorical_crossentropy", "mean_squared_error"):
        assert f"loss {loss}" in names
    assert isinstance(minikeras.optimizers.get("adam"), minikeras.optimizers.Adam)


def test_swapped_lstm_gate_blocks_are_caught():
    """Keras's gate order is i, f, c, o: exchanging two blocks must not go unnoticed."""
    suite.use_dtype("float32")
    model = minikeras.Sequential([minikeras.Input((5, 3)), minikeras.layers.LSTM(4),
                                  minikeras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    x = np.random.default_rng(2).normal(size=(6, 5, 3))
    twin = to_keras(model)
    kernel = np.asarray(twin.layers[0].cell.kernel)
    i_block, f_block = kernel[:, :4].copy(), kernel[:, 4:8].copy()
    kernel[:, :4], kernel[:, 4:8] = f_block, i_block
    twin.layers[0].cell.kernel.assign(kernel)
    with pytest.raises(AssertionError, match=r"layer 'lstm\w*' output differs from Keras"):
        assert_parity(model, x, twin=twin)
    assert_parity(model, x)  # and the faithful copy passes


def test_tutorial_cases_run(capsys):
    code = cli.main(["-k", "tutorial airline", "-k", "tutorial Dropout", "--dtype", "float32"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "tutorial airline LSTM" in out and "tutorial Dropout net" in out
