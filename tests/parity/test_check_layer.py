"""parity.check_layer: a student's NumPy Dense and LSTM, correct and with one planted bug each,
minikeras's own kernels passed in as "your functions", and every minikeras layer.

Tolerances are the house rules' (parity.layer_check.TOLERANCE): float32 1e-6, float64 1e-10.
"""

import functools

import numpy as np
import pytest

pytest.importorskip("keras")

import parity  # noqa: E402
from examples import student_numpy as student  # noqa: E402
from minikeras import kernels  # noqa: E402

DENSE = {"units": 3, "activation": "tanh"}


@pytest.mark.parametrize("dtype,tolerance", [("float32", 1e-6), ("float64", 1e-10)])
def test_a_students_dense_and_lstm_pass(dtype, tolerance):
    dense = parity.check_layer("Dense", DENSE, forward=student.dense_forward,
                               backward=student.dense_backward, input_shape=(4, 5), dtype=dtype)
    lstm = parity.check_layer("LSTM", {"units": 3}, forward=student.lstm_forward,
                              backward=student.lstm_backward, input_shape=(2, 5, 4), dtype=dtype)
    for report, quantities in ((dense, ["forward y", "dx", "dkernel", "dbias"]),
                               (lstm, ["forward y", "dx", "dkernel", "drecurrent_kernel",
                                       "dbias"])):
        assert report.ok, report
        assert [r.quantity for r in report.rows] == quantities
        assert all(r.tolerance == tolerance and r.rel_error <= tolerance for r in report.rows)
        assert max(r.abs_error for r in report.rows) > 0 or dtype == "float64"
    assert "kernel (5, 3), bias (3,)" in str(dense)


def test_a_missing_bias_gradient_fails_naming_dbias_its_worst_index_and_both_values():
    seen = {}

    def backward(dy, x, weights):  # the planted bug: dbias never computed
        dx, (dkernel, dbias) = student.dense_backward(dy, x, weights)
        seen["dbias"] = dbias  # the right one, to check the report's Keras value against
        return dx, [dkernel, np.zeros_like(dbias)]

    report = parity.check_layer("Dense", DENSE, forward=student.dense_forward,
                                backward=backward, input_shape=(4, 5))
    assert not report.ok
    failing = report.first_failure
    assert failing.quantity == "dbias"
    assert [r.quantity for r in report.rows if not r.ok] == ["dbias"]
    index, yours, keras = failing.worst
    assert yours == 0.0
    assert index == (int(np.argmax(np.abs(seen["dbias"]))),)
    assert keras == pytest.approx(float(seen["dbias"][index]), rel=1e-6)
    text = str(report)
    assert "FAIL: dbias differs from Keras" in text
    assert f"worst at index {index}: yours 0.0, Keras {keras!r}" in text
    assert "off by the bias gradient only (yours is all zeros)" in text
    with pytest.raises(AssertionError, match="dbias differs from Keras"):
        report.raise_if_failed()


def test_lstm_gates_in_the_order_ifoc_fail_naming_the_output_and_the_gate_order():
    report = parity.check_layer(
        "LSTM", {"units": 3}, forward=functools.partial(student.lstm_forward, order="ifoc"),
        backward=functools.partial(student.lstm_backward, order="ifoc"), input_shape=(2, 5, 4))
    assert not report.ok
    failing = report.first_failure
    assert failing.quantity == "forward y"
    index, yours, keras = failing.worst
    assert len(index) == 2 and abs(yours - keras) == pytest.approx(failing.abs_error)
    assert abs(yours - keras) > 1e-3
    text = str(report)
    assert f"worst at index {index}: yours {yours!r}, Keras {keras!r}" in text
    assert "matches Keras with the gates in the order i,f,o,c instead of Keras's i,f,c,o" in text
    assert {r.quantity for r in report.rows if not r.ok} >= {"forward y", "dx", "dkernel"}


def test_hints_for_a_transposed_kernel_a_missing_bias_and_a_permuted_gradient():
    transposed = parity.check_layer("Dense", {"units": 5}, forward=lambda x, w: x @ w[0].T + w[1],
                                    input_shape=(4, 5))
    assert "matches Keras when kernel is transposed" in transposed.hint
    no_bias = parity.check_layer("Dense", {"units": 3}, forward=lambda x, w: x @ w[0],
                                 input_shape=(4, 5))
    assert no_bias.hint == "matches Keras with the bias left out: is the bias added?"

    def backward(dy, x, weights):  # dkernel's blocks written as i, f, o, c; dx still right
        dx, (dk, drk, db) = student.lstm_backward(dy, x, weights)
        blocks = np.split(dk, 4, axis=-1)
        return dx, [np.concatenate([blocks[k] for k in (0, 1, 3, 2)], axis=-1), drk, db]

    permuted = parity.check_layer("LSTM", {"units": 3}, forward=student.lstm_forward,
                                  backward=backward, input_shape=(2, 3, 4))
    assert permuted.first_failure.quantity == "dkernel"
    assert permuted.hint.startswith("dkernel matches Keras with the gates in the order i,f,o,c")

    def half_dx(dy, x, weights):
        dx, grads = student.dense_backward(dy, x, weights)
        return dx / 4, grads

    scaled = parity.check_layer("Dense", DENSE, forward=student.dense_forward,
                                backward=half_dx, input_shape=(4, 5))
    assert scaled.first_failure.quantity == "dx"
    assert scaled.hint == "yours is Keras's / 4 (4 = batch size)"


# ---- minikeras's own kernels as "your functions" (dogfooding) -------------------------------

def kernel_dense_forward(x, weights):
    kernel, bias = weights
    return kernels.dense.dense_forward(x, kernel, bias)


def kernel_dense_backward(dy, x, weights):
    dx, dkernel, dbias = kernels.dense.dense_backward(dy, x, weights[0])
    return dx, [dkernel, dbias]


def kernel_lstm_steps(x, weights):
    """kernels.dense.projection_forward, then kernels.rnn.lstm_forward (codes TANH, SIGMOID)."""
    kernel, recurrent_kernel, bias = weights
    batch, steps, features = x.shape
    units = recurrent_kernel.shape[0]
    xz = kernels.dense.projection_forward(x.reshape(-1, features), kernel, bias)
    zeros = np.zeros((batch, units), x.dtype)
    mask = np.ones((batch, steps), x.dtype)
    recurrent_mask = np.ones((4, batch, units), x.dtype)
    out = kernels.rnn.lstm_forward(np.ascontiguousarray(xz.reshape(batch, steps, 4 * units)),
                               recurrent_kernel, zeros, zeros, mask, recurrent_mask, 1, 2, False)
    return out, mask, recurrent_mask


def kernel_lstm_forward(x, weights):
    return kernel_lstm_steps(x, weights)[0][0]  # return_sequences=True: every output


def kernel_lstm_backward(dy, x, weights):
    (_, _, _, *cache), mask, recurrent_mask = kernel_lstm_steps(x, weights)
    kernel, recurrent_kernel, _ = weights
    batch, steps, features = x.shape
    zeros = np.zeros((batch, recurrent_kernel.shape[0]), x.dtype)
    dxz, drecurrent, _, _ = kernels.rnn.lstm_backward(np.ascontiguousarray(dy), zeros, zeros,
                                                  recurrent_kernel, mask, recurrent_mask,
                                                  *cache, 1, 2, False)
    dx, dkernel, dbias = kernels.dense.projection_backward(dxz.reshape(batch * steps, -1),
                                                     x.reshape(batch * steps, features), kernel)
    return dx.reshape(x.shape), [dkernel, drecurrent, dbias]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_minikeras_kernels_pass_as_your_functions(dtype, parity_check):
    parity_check.layer("Dense", {"units": 4}, forward=kernel_dense_forward,
                       backward=kernel_dense_backward, input_shape=(6, 5), dtype=dtype)
    report = parity_check.layer("LSTM", {"units": 3, "return_sequences": True},
                                forward=kernel_lstm_forward, backward=kernel_lstm_backward,
                                input_shape=(2, 4, 5), dtype=dtype, seed=3)
    assert len(report.rows) == 5


def test_the_fixture_fails_the_test_with_the_report(parity_check):
    with pytest.raises(AssertionError, match=r"(?s)FAIL: forward y.*worst at index"):
        parity_check.layer("Dense", {"units": 3}, forward=lambda x, w: x @ w[0] * 1.001 + w[1],
                           input_shape=(4, 5))


# ---- every minikeras layer, its own forward/backward as "your functions" --------------------

def _minikeras_layer_cases():
    import minikeras

    L = minikeras.layers
    seq = (2, 3, 4)
    return [
        (L.Dense(3, activation="relu"), (4, 5)), (L.Activation("softmax"), (4, 5)),
        (L.Dropout(0.5), (4, 5)), (L.Flatten(), (2, 3, 4)), (L.Permute((2, 1)), seq),
        (L.RepeatVector(2), (4, 5)), (L.Reshape((12,)), seq), (L.GaussianNoise(0.1), (4, 5)),
        (L.GaussianDropout(0.2), (4, 5)), (L.AlphaDropout(0.2), (4, 5)),
        (L.SpatialDropout1D(0.2), seq), (L.Masking(), seq),
        (L.SimpleRNN(3), seq), (L.LSTM(3, return_sequences=True), seq),
        (L.GRU(3), seq), (L.GRU(3, reset_after=False), seq),
        (L.LSTM(3, return_state=True), seq),  # three outputs: y, h, c; a dy for each
        (L.Bidirectional(L.LSTM(2)), seq), (L.TimeDistributed(L.Dense(2)), seq),
        # the convolution issue's layers (float inputs; Embedding's integer input is left out)
        (L.Conv1D(2, 2), (2, 5, 3)), (L.Conv2D(2, (2, 2), padding="same"), (2, 4, 4, 3)),
        (L.Conv3D(2, 2), (1, 3, 3, 3, 2)),
        (L.MaxPooling1D(2), (2, 4, 3)), (L.AveragePooling1D(2), (2, 4, 3)),
        (L.MaxPooling2D(2), (2, 4, 4, 3)), (L.AveragePooling2D(2), (2, 4, 4, 3)),
        (L.MaxPooling3D(2), (1, 4, 4, 4, 2)), (L.AveragePooling3D(2), (1, 4, 4, 4, 2)),
        (L.GlobalMaxPooling1D(), (2, 4, 3)), (L.GlobalAveragePooling1D(), (2, 4, 3)),
        (L.GlobalMaxPooling2D(), (2, 3, 3, 2)), (L.GlobalAveragePooling2D(), (2, 3, 3, 2)),
        (L.GlobalMaxPooling3D(), (1, 3, 3, 3, 2)), (L.GlobalAveragePooling3D(), (1, 3, 3, 3, 2)),
        (L.BatchNormalization(), (4, 5)), (L.LayerNormalization(), (4, 5)),
        (L.ZeroPadding1D(1), (2, 4, 3)), (L.ZeroPadding2D(1), (2, 3, 3, 2)),
        (L.Cropping1D(1), (2, 4, 3)), (L.Cropping2D(1), (2, 4, 4, 2)),
        (L.UpSampling1D(2), (2, 3, 2)), (L.UpSampling2D(2), (2, 2, 2, 2)),
        (L.ConvLSTM1D(2, 2, padding="same"), (2, 3, 4, 2)), (L.ConvLSTM2D(2, 2), (2, 3, 4, 4, 2)),
        (L.ConvLSTM3D(2, 2, return_sequences=True), (1, 2, 3, 3, 3, 1)),
    ]


def test_check_layer_runs_on_every_minikeras_layer():
    """minikeras's layers, passed in as your functions, pass against Keras; every layer class
    minikeras exports (but the function wrappers) is in the list."""
    import minikeras

    cases = _minikeras_layer_cases()
    covered = {type(layer).__name__ for layer, _ in cases}
    assert set(minikeras.layers.__all__) - covered == {
        "Input", "InputLayer", "KerasTensor", "Layer", "Lambda", "Embedding",
        "Convolution1D", "Convolution2D"}  # Keras 1's functions build Conv1D / Conv2D
    for layer, shape in cases:
        def forward(x, weights, layer=layer):
            layer.build_from_shape(x.shape)
            layer.set_weights(weights)
            return layer.forward(x)

        def backward(dy, x, weights, layer=layer):
            forward(x, weights)
            dx = layer.backward(dy)
            dx = dx[0] if isinstance(dx, tuple) else dx
            return dx, [v.grad for v in layer.weights]

        report = parity.check_layer(layer, forward=forward, backward=backward,
                                    input_shape=shape)
        assert report.ok, report


def test_a_mask_reaches_keras_and_your_functions_and_weight_layout_lists_the_weights():
    import minikeras

    layer = minikeras.layers.LSTM(3, return_sequences=True)
    mask = np.array([[True, True, False, True], [True, False, False, False]])
    seen = []

    def forward(x, weights, mask):
        seen.append(mask)
        layer.build_from_shape(x.shape)
        layer.set_weights(weights)
        return layer.forward(x, mask=mask)

    def backward(dy, x, weights, mask):
        forward(x, weights, mask)
        return layer.backward(dy), [v.grad for v in layer.weights]

    report = parity.check_layer(layer, forward=forward, backward=backward, input_shape=(2, 4, 3),
                                mask=mask)
    assert report.ok, report
    assert all(np.array_equal(m, mask) for m in seen) and len(seen) == 2
    # without the mask Keras computes something else: the mask did reach Keras
    unmasked = parity.check_layer(layer, forward=lambda x, w: forward(x, w, mask),
                                  input_shape=(2, 4, 3))
    assert not unmasked.ok
    assert parity.weight_layout("GRU", {"units": 2}, input_shape=(1, 3, 4)) == [
        ("kernel", (4, 6), True), ("recurrent_kernel", (2, 6), True), ("bias", (2, 6), True)]


# ---- wrong use: clear errors before any comparison ------------------------------------------

def test_wrong_use_gets_clear_errors():
    check = functools.partial(parity.check_layer, "Dense", {"units": 3}, input_shape=(4, 5))
    with pytest.raises(ValueError, match=r"no layer of that name.*Did you mean 'Dense'"):
        parity.check_layer("Dnse", forward=student.dense_forward, input_shape=(4, 5))
    with pytest.raises(TypeError, match=r"forward must be callable as forward\(x, weights\)"):
        check(forward=lambda x: x)
    with pytest.raises(TypeError, match=r"backward must be callable as backward\(dy, x, weights"):
        check(forward=student.dense_forward, backward=lambda dy, x: dy)
    with pytest.raises(ValueError, match=r"output y of shape \(4, 5\); expected \(4, 3\)"):
        check(forward=lambda x, w: x)
    with pytest.raises(TypeError, match=r"output y of dtype float64.*runs in float32"):
        check(forward=lambda x, w: (x @ w[0] + w[1]).astype("float64"))
    with pytest.raises(ValueError, match=r"output y with 12 non-finite value\(s\): NaN at index "
                                         r"\(0, 0\)"):
        check(forward=lambda x, w: np.full((4, 3), np.nan, "float32"))
    with pytest.raises(ValueError, match=r"dkernel \(weight gradient 0\) of shape \(3, 5\); "
                                         r"expected \(5, 3\) \(yours is the transpose\)"):
        check(forward=student.dense_forward,
              backward=lambda dy, x, w: (dy @ w[0].T, [(x.T @ dy).T, dy.sum(0)]))
    with pytest.raises(ValueError, match=r"returned 1 weight gradients; expected 2 \(dkernel "
                                         r"\(5, 3\), dbias \(3,\)"):
        check(forward=student.dense_forward, backward=lambda dy, x, w: (dy @ w[0].T, [x.T @ dy]))
    with pytest.raises(ValueError, match=r"config for Dense: Keras rejects it"):
        parity.check_layer("Dense", {"unit": 3}, forward=student.dense_forward,
                           input_shape=(4, 5))
    with pytest.raises(ValueError, match=r"input_shape=5: expected a tuple"):
        parity.check_layer("Dense", {"units": 3}, forward=student.dense_forward, input_shape=5)


def test_report_markdown_and_serialized_and_instance_layers():
    import keras

    report = parity.check_layer(keras.layers.Dense(3, activation="tanh"),
                                forward=student.dense_forward, input_shape=(4, 5))
    same = parity.check_layer(keras.layers.serialize(keras.layers.Dense(3, activation="tanh")),
                              forward=student.dense_forward, input_shape=(4, 5))
    assert report.ok and same.ok and report.rows[0].abs_error == same.rows[0].abs_error
    markdown = report.to_markdown()
    assert markdown.startswith("### check_layer: Dense(units=3, activation=tanh) in float32")
    assert "| forward y | (4, 3) |" in markdown
    assert "> the 1 quantity matches Keras within tolerance" in markdown
