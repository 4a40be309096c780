"""parity.check_optimizer: a student's Adam, correct and with beta_1/beta_2 swapped, and
minikeras's own Adam kernel passed in as "your update" (dogfooding).

Tolerances (house rules): float32 1e-6 after one step, 1e-5 over 20 steps; float64 1e-10.
"""

import functools

import numpy as np
import pytest

pytest.importorskip("keras")

import parity  # noqa: E402
from examples import student_numpy as student  # noqa: E402
from minikeras import kernels  # noqa: E402

SHAPES = [(5, 3), (3,)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_students_adam_passes_every_step(dtype):
    report = parity.check_optimizer("Adam", update=student.adam_update, shapes=SHAPES,
                                    dtype=dtype)
    assert report.ok, report
    assert [r.quantity for r in report.rows] == [f"weights after step {k}" for k in range(1, 21)]
    expected = [1e-6] + [1e-5] * 19 if dtype == "float32" else [1e-10] * 20
    assert [r.tolerance for r in report.rows] == expected


def test_swapped_betas_fail_naming_the_step_the_weight_the_index_and_both_values():
    swapped = functools.partial(student.adam_update, beta_1=0.999, beta_2=0.9)
    report = parity.check_optimizer("Adam", update=swapped, shapes=SHAPES)
    assert not report.ok
    # step 1 is the same either way (m_hat = g, v_hat = g^2); from step 2 on it is not
    assert report.rows[0].ok
    failing = report.first_failure
    assert failing.quantity == "weights after step 2"
    where, yours, keras = failing.worst
    assert where.startswith("weights[") and " index (" in where
    assert abs(yours - keras) == pytest.approx(failing.abs_error)
    text = str(report)
    assert f"worst at {where}: yours {yours!r}, Keras {keras!r}" in text
    assert "hint: matches Keras with beta_1 and beta_2 exchanged" in text
    markdown = report.to_markdown()
    assert "| weights after step 2 | " in markdown and " | FAIL |" in markdown
    assert f"> worst at {where}: yours {yours!r}, Keras {keras!r}" in markdown


def kernel_adam(weights, grads, state, iteration, learning_rate=0.001, beta_1=0.9,
                beta_2=0.999, epsilon=1e-7):
    """minikeras's kernels.optimizers.adam_update, with alpha as minikeras.optimizers.Adam
    computes it (beta powers in the variable's dtype, as Keras)."""
    t = weights[0].dtype.type
    state.setdefault("m", [np.zeros_like(w) for w in weights])
    state.setdefault("v", [np.zeros_like(w) for w in weights])
    alpha = t(learning_rate) * np.sqrt(1 - t(beta_2) ** t(iteration)) / (
        1 - t(beta_1) ** t(iteration))
    for w, g, m, v in zip(weights, grads, state["m"], state["v"], strict=True):
        kernels.optimizers.adam_update(w, g, m, v, None, float(alpha), beta_1, beta_2, epsilon)
    return weights, state


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_minikeras_adam_kernel_passes_as_your_update(dtype, parity_check):
    report = parity_check.optimizer("adam", {"learning_rate": 0.01}, update=functools.partial(
        kernel_adam, learning_rate=0.01), shapes=[(4, 3), (3,), (2, 2, 2)], dtype=dtype, seed=5)
    assert report.title.startswith("check_optimizer: Adam(learning_rate=0.01")


def test_a_wrong_learning_rate_is_caught_and_wrong_use_is_named():
    report = parity.check_optimizer("Adam", {"learning_rate": 0.01}, update=student.adam_update,
                                    shapes=SHAPES, steps=3)
    assert not report.ok and not report.rows[0].ok and len(report.rows) == 3
    with pytest.raises(ValueError, match=r"no optimizer of that name.*'Adam'"):
        parity.check_optimizer("Adamm", update=student.adam_update, shapes=SHAPES)
    with pytest.raises(TypeError, match=r"update must be callable as update\(weights, grads, "
                                        r"state, iteration\)"):
        parity.check_optimizer("Adam", update=lambda w, g: w, shapes=SHAPES)
    with pytest.raises(ValueError, match=r"weights\[1\] at iteration 1 of shape \(1, 3\); "
                                         r"expected \(3,\)"):
        parity.check_optimizer("SGD", update=lambda w, g, s, t: ([w[0], w[1][None]], s),
                               shapes=SHAPES)
    with pytest.raises(TypeError, match=r"must return \(weights, state\)"):
        parity.check_optimizer("SGD", update=lambda w, g, s, t: w, shapes=SHAPES)
    with pytest.raises(ValueError, match=r"NaN at index \(0, 0\)"):
        parity.check_optimizer("SGD", update=lambda w, g, s, t: ([w[0] * np.nan, w[1]], s),
                               shapes=SHAPES)
