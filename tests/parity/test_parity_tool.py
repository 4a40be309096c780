"""parity/: the assert_parity plugin, the CLI, and that a real mismatch is caught and named."""

import json
import re

import numpy as np
import pytest

import minikeras
import parity.__main__ as cli
from parity import suite
from parity.core import MaskStreams, compare_train_steps, first_divergence, to_keras
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


def test_assert_parity_uses_the_installed_backends_numerics_and_restores_the_callers():
    # a caller left minikeras on JAX's numerics; Keras here runs on TensorFlow, whose float64
    # Adam rounds beta_2 through float32: assert_parity must compare like with like
    x, y = data()
    minikeras.config.set_numerics("jax")
    try:
        assert_parity(small_model("float64"), x, y, steps=20, batch_size=8)
        assert minikeras.config.numerics() == "jax"
        assert not minikeras.config.logits_crossentropy()
    finally:
        minikeras.config.set_numerics("tensorflow")


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


def test_forward_false_skips_only_the_forward_rows():
    """A twin with one kernel entry moved: the forward rows name it; with forward=False they
    are not run, and the gradient rows still catch it."""
    model = small_model()
    x, y = data()
    twin = to_keras(model)
    kernel = twin.layers[1].kernel
    kernel.assign(np.asarray(kernel) + np.float32(1e-3) * (np.arange(kernel.shape[1]) == 2))
    with pytest.raises(AssertionError, match="output differs from Keras"):
        assert_parity(model, x, y, twin=twin)
    assert_parity(model, x, twin=twin, forward=False)  # no y: nothing left to compare
    with pytest.raises(AssertionError, match=r"gradient .* differs from Keras"):
        assert_parity(model, x, y, twin=twin, forward=False)


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


def _cancelling_bias_run(drift):
    """Dense(1, sigmoid) + Adam, 6 steps: its bias peaks at 1.0e-3 and ends near 1.85e-6.

    drift: added to minikeras's bias after each step (a bug the comparison must catch).
    """
    suite.use_dtype("float32")
    model = suite.mlp(5, [], 1, "sigmoid", "binary_crossentropy", seed=50)
    rng = np.random.default_rng(50)
    x = rng.normal(size=(17, 5)).astype("float32")
    y = suite.labels("binary", 17, 1, rng)
    twin = to_keras(model)
    train, bias = model.train_on_batch, model.layers[-1].bias

    def drifting(*args, **kwargs):
        out = train(*args, **kwargs)
        bias.assign_add(drift)
        return out

    model.train_on_batch = drifting
    result = compare_train_steps(model, x, y, steps=6, batch_size=5, twin=twin)
    return result, float(twin.get_weights()[1][0])


def test_trajectory_weights_are_measured_against_their_largest_value_in_the_run():
    faithful, final_bias = _cancelling_bias_run(0.0)
    assert abs(final_bias) < 1e-5                     # the cancellation this measure is for
    assert faithful["weights_abs"] / abs(final_bias) > 1e-6   # against the last value: 1.6e-5
    assert faithful["weights_rel"] < 1e-7             # against its 1.0e-3 peak: 2.9e-8
    # a drift of 1e-4 of that peak in all (1.7e-8 a step, 6 steps) is still caught
    drifted, _ = _cancelling_bias_run(np.float32(1e-7 / 6))
    assert drifted["weights_rel"] > 1e-5 * 5


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

    def perturbed(model, compile=True, **kwargs):
        twin = real(model, compile=compile, **kwargs)
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


def test_one_perturbed_weight_entry_fails_the_cli_naming_the_row(monkeypatch, capsys):
    """One kernel entry of Keras's twin moved by 1e-4 (relative): the CLI exits 1 and names
    the forward row of that layer."""
    real = suite.to_keras

    def perturbed(model, compile=True, **kwargs):
        twin = real(model, compile=compile, **kwargs)
        kernel = np.asarray(twin.layers[0].kernel).copy()
        kernel[2, 1] *= 1 + 1e-4
        twin.layers[0].kernel.assign(kernel)
        return twin

    monkeypatch.setattr(suite, "to_keras", perturbed)
    monkeypatch.setattr("parity.core.to_keras", perturbed)
    code = cli.main(["-k", "activation tanh", "--dtype", "float32"])
    out = capsys.readouterr().out
    assert code == 1
    failing = out.split("outside tolerance:")[1]
    assert "activation tanh [float32] forward Dense(3, tanh) outputs" in failing


def test_training_mode_dropout_rows_catch_a_different_mask(monkeypatch, capsys):
    """The Dropout net's training rows use injected masks; give Keras other masks and they fail
    (and a faithful run passes with the training rows present)."""
    code = cli.main(["-k", "tutorial Dropout", "--dtype", "float32"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "(training)" in out and "keep masks drawn on both sides" in out

    real_draw = MaskStreams.draw

    def other_masks_for_keras(self, side, index, rate, shape):
        keep = real_draw(self, side, index, rate, shape)
        return ~keep if side == "keras" else keep

    monkeypatch.setattr(MaskStreams, "draw", other_masks_for_keras)
    code = cli.main(["-k", "tutorial Dropout", "--dtype", "float32"])
    out = capsys.readouterr().out
    assert code == 1
    failing = out.split("outside tolerance:")[1]
    assert re.search(r"tutorial Dropout net \[float32\] forward output of dropout\w* \(training\)",
                     failing)


def test_step_row_catches_an_optimizer_bug(monkeypatch, capsys):
    """The step row applies the same gradients on both sides: an optimizer that scales them by
    1 + 1e-4 is caught there."""
    real = minikeras.optimizers.SGD.update_step

    def off(self, gradient, variable, learning_rate):
        return real(self, gradient * np.float32(1 + 1e-4), variable, learning_rate)

    monkeypatch.setattr(minikeras.optimizers.SGD, "update_step", off)
    code = cli.main(["-k", "optimizer SGD", "--dtype", "float32"])
    out = capsys.readouterr().out
    assert code == 1
    assert ("optimizer SGD [float32] step weights after 1 step (same gradients)"
            in out.split("outside tolerance:")[1])


def test_redesigned_rows_pass_on_tensorflow(capsys):
    """categorical_hinge (its steps now with SGD) and Ftrl (a small initial accumulator) were
    1.3e-6 and 1.5e-6 over the float32 step tolerance; see parity/suite.py for why."""
    code = cli.main(["-k", "loss categorical_hinge", "-k", "optimizer Ftrl", "--dtype",
                     "float32"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert suite.OPTIMIZER_ARGS["Ftrl"] == {"initial_accumulator_value": 1e-3}


def test_the_whole_standard_suite_passes_on_tensorflow(tmp_path, capsys):
    """The live tier in CI: `python -m parity` (every case, float32 and float64) exits 0."""
    report = tmp_path / "parity.json"
    code = cli.main(["--json", str(report)])
    capsys.readouterr()
    rows = json.loads(report.read_text())["rows"]
    failing = [f"{r['component']} [{r['dtype']}] {r['quantity']} {r['detail']}: {r['max_rel']:.2e}"
               for r in rows if not r["ok"]]
    assert code == 0 and not failing, failing
    assert len(rows) >= 1000 and {r["dtype"] for r in rows} == {"float32", "float64"}
