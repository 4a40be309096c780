"""parity.check_loss: a student's losses and their gradients, minikeras's loss kernels passed in
as "your functions", and the hint for a gradient that forgets the mean's 1/N."""

import numpy as np
import pytest

pytest.importorskip("keras")

import parity  # noqa: E402
from minikeras import kernels  # noqa: E402


def mse(y_true, y_pred):
    return np.mean((y_pred - y_true) ** 2)


def mse_grad(y_true, y_pred):
    return 2 * (y_pred - y_true) / y_pred.size


def bce(y_true, p):
    """Keras clips probabilities to [eps, 1 - eps], eps = 1e-7, before the logarithms."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


def bce_grad(y_true, p):
    return (p - y_true) / (p * (1 - p)) / p.size


@pytest.mark.parametrize("dtype,tolerance", [("float32", 1e-6), ("float64", 1e-10)])
def test_a_students_losses_pass(dtype, tolerance):
    for name, value, grad, shape in (("mse", mse, mse_grad, (6, 2)),
                                     ("binary_crossentropy", bce, bce_grad, (8, 1))):
        report = parity.check_loss(name, value=value, grad=grad, y_shape=shape, dtype=dtype)
        assert report.ok, report
        assert [r.tolerance for r in report.rows] == [tolerance, tolerance]


def test_sample_weight_and_a_gradient_missing_its_mean_fail_with_a_hint():
    weights = np.linspace(0.5, 2, 6)

    def value(y_true, y_pred, sample_weight):
        return np.mean(np.mean((y_pred - y_true) ** 2, axis=-1) * sample_weight)

    def grad(y_true, y_pred, sample_weight):  # the planted bug: no / y_pred.size
        return 2 * (y_pred - y_true) * sample_weight[:, None]

    report = parity.check_loss("MeanSquaredError", value=value, grad=grad, y_shape=(6, 2),
                               sample_weight=weights)
    assert report.rows[0].ok and not report.rows[1].ok
    assert report.first_failure.quantity == "dLoss/dy_pred"
    assert report.hint == "yours is Keras's x 12 (12 = elements)"
    assert "worst at index (" in str(report)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_minikeras_loss_kernels_pass_as_your_functions(dtype, parity_check):
    def value(y_true, y_pred):
        return kernels.losses.mean_squared_error_value_and_grad(y_true, y_pred)[0].mean()

    def grad(y_true, y_pred):
        per_sample = kernels.losses.mean_squared_error_value_and_grad(y_true, y_pred)[1]
        return (per_sample / y_pred.shape[0]).astype(y_pred.dtype)

    parity_check.loss("mean_squared_error", value=value, grad=grad, y_shape=(5, 3),
                      dtype=dtype)


def test_wrong_use_of_check_loss_is_named():
    with pytest.raises(ValueError, match=r"no loss of that name.*'mse'|Did you mean"):
        parity.check_loss("mse_loss", value=mse, y_shape=(4, 2))
    with pytest.raises(TypeError, match=r"value must be callable as value\(y_true, y_pred\)"):
        parity.check_loss("mse", value=lambda y: y, y_shape=(4, 2))
    with pytest.raises(ValueError, match=r"the loss value of shape \(4,\); expected \(\)"):
        parity.check_loss("mse", value=lambda t, p: np.mean((p - t) ** 2, axis=-1),
                          y_shape=(4, 2))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\): expected \(4,\)"):
        parity.check_loss("mse", value=lambda t, p, sample_weight: mse(t, p), y_shape=(4, 2),
                          sample_weight=np.ones(3))
    with pytest.raises(TypeError, match=r"value\(y_true, y_pred, sample_weight=...\); yours is "
                                        r"mse\(y_true, y_pred\)"):
        parity.check_loss("mse", value=mse, y_shape=(4, 2), sample_weight=np.ones(4))
