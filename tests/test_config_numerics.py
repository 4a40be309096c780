"""config.set_numerics: which Keras backend's arithmetic minikeras reproduces.

"tensorflow" (the default) rounds Python-float constants through float32 before casting them
to a float64 variable, as Keras on TensorFlow does; "jax" keeps them exact (Keras on JAX with
x64) and computes crossentropy after a sigmoid/softmax from clipped probabilities. In float32
the two agree bit for bit, except at a probability exactly on a clip bound.
"""

import math

import numpy as np
import pytest

from minikeras import activations, config, losses, regularizers
from minikeras.optimizers import Adam, schedules
from minikeras.optimizers.base import keras_cast
from minikeras.variable import Variable

F32 = float(np.float32(0.999))  # 0.9990000128746033


@pytest.fixture(autouse=True)
def _restore_numerics():
    yield
    config.set_numerics("tensorflow")


def test_default_is_tensorflow_and_casts_through_float32():
    assert config.numerics() == "tensorflow"
    assert config.logits_crossentropy() is True
    assert config.backend_float(0.999, "float64") == F32 != 0.999
    assert keras_cast(0.999, np.float64) == F32


def test_jax_keeps_python_floats_exact_in_float64_and_rounds_in_float32():
    config.set_numerics("jax")
    assert config.numerics() == "jax"
    assert config.backend_float(0.999, "float64") == 0.999
    assert keras_cast(0.999, "float64").dtype == np.float64
    assert keras_cast(0.999, np.float32) == np.float32(0.999)
    assert keras_cast(np.float64(0.999), np.float64) == 0.999  # not a Python float: direct
    assert schedules.learning_rate_schedule.cast(0.9, "float64") == 0.9


def test_set_numerics_sets_the_crossentropy_form_which_can_then_be_changed_alone():
    config.set_numerics("jax")
    assert config.logits_crossentropy() is False
    config.set_logits_crossentropy(True)  # the finer switch
    assert config.numerics() == "jax"
    config.set_numerics("tensorflow")
    assert config.logits_crossentropy() is True


@pytest.mark.parametrize("bad", ["torch", "JAX", None, 1])
def test_unknown_numerics_is_a_clear_error(bad):
    with pytest.raises(ValueError, match="numerics"):
        config.set_numerics(bad)
    assert config.numerics() == "tensorflow"


def adam_step(numerics, dtype, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One Adam step from zero slots on [1, 2, 3] with gradient [0.1, -0.2, 0.3]."""
    config.set_numerics(numerics)
    var = Variable(np.array([1.0, 2.0, 3.0], dtype), name="w")
    Adam(learning_rate, beta_1, beta_2, epsilon).apply_gradients(
        [(np.array([0.1, -0.2, 0.3], dtype), var)])
    return var.value


def adam_formula(lr, beta_1, beta_2, epsilon=1e-7):
    """Keras's Adam, first step, float64, with the constants as given."""
    g, w = np.array([0.1, -0.2, 0.3]), np.array([1.0, 2.0, 3.0])
    m, v = g * (1 - 0.9), g * g * (1 - 0.999)  # Keras computes 1 - beta in Python
    alpha = lr * np.sqrt(1 - beta_2) / (1 - beta_1)
    return w - alpha * m / (np.sqrt(v) + epsilon)


def test_float64_adam_step_uses_exact_constants_with_jax_numerics():
    """floatx float64 (as the parity suite runs it): the learning rate is a float64 variable on
    both backends; beta_1 ** t and beta_2 ** t use float32-rounded betas on TF only."""
    f32 = lambda v: float(np.float32(v))  # noqa: E731
    config.set_floatx("float64")
    tf, jax = adam_step("tensorflow", np.float64), adam_step("jax", np.float64)
    np.testing.assert_allclose(tf, adam_formula(0.001, f32(0.9), f32(0.999)), rtol=1e-15, atol=0)
    np.testing.assert_allclose(jax, adam_formula(0.001, 0.9, 0.999), rtol=1e-15, atol=0)
    assert np.max(np.abs(tf - jax)) > 1e-11  # beta_2's float32 rounding (1.3e-8) shows


def test_float32_adam_step_is_the_same_bits_under_both():
    np.testing.assert_array_equal(adam_step("tensorflow", np.float32),
                                  adam_step("jax", np.float32))


def test_regularization_factors_follow_the_switch():
    x = np.array([[0.5, -1.5], [2.0, 0.25]])
    assert regularizers.L1(0.1).l1 == 0.10000000149011612  # Keras on TF stores float32
    assert regularizers.L2(0.3)(x) == float(np.float32(0.3)) * np.sum(x * x)
    config.set_numerics("jax")
    assert regularizers.L1(0.1).l1 == 0.1
    assert regularizers.L1(0.1).get_config() == {"l1": 0.1}
    assert regularizers.OrthogonalRegularizer(0.3).factor == 0.3
    assert regularizers.L2(0.3)(x) == 0.3 * np.sum(x * x)
    np.testing.assert_array_equal(regularizers.L1L2(0.1, 0.3).gradient(x),
                                  0.1 * np.sign(x) + 2 * 0.3 * x)


@pytest.mark.parametrize("numerics,slope", [("tensorflow", float(np.float32(0.3))),
                                            ("jax", 0.3)])
def test_leaky_relu_slope_in_float64(numerics, slope):
    config.set_numerics(numerics)
    x = np.array([-2.0, -0.7, 0.0, 1.5])
    expected = np.where(x > 0, x, x * slope)
    np.testing.assert_array_equal(activations.leaky_relu(x, negative_slope=0.3), expected)
    np.testing.assert_array_equal(activations.relu(x, negative_slope=0.3), expected)
    dy = np.array([1.0, 2.0, 3.0, 4.0])
    dx = np.where(x > 0, dy, dy * slope)
    for fn in ("leaky_relu", "relu"):
        np.testing.assert_array_equal(
            activations.backward(fn, dy, x, expected, negative_slope=0.3), dx)


@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_constants_in_float64(approximate):
    x = np.linspace(-3, 3, 13)
    exact = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))) \
        if approximate else 0.5 * x * np.array([math.erfc(-v / math.sqrt(2)) for v in x])
    tf = activations.gelu(x, approximate=approximate)
    config.set_numerics("jax")
    jax = activations.gelu(x, approximate=approximate)
    np.testing.assert_allclose(jax, exact, rtol=1e-15, atol=1e-16)
    assert np.max(np.abs(tf - exact)) > 1e-10  # TF's float32-rounded constants
    dx = activations.backward("gelu", np.ones_like(x), x, jax, approximate=approximate)
    numeric = (activations.gelu(x + 1e-6, approximate=approximate)
               - activations.gelu(x - 1e-6, approximate=approximate)) / 2e-6
    np.testing.assert_allclose(dx, numeric, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("fn", [activations.gelu, activations.leaky_relu])
def test_float32_activations_are_the_same_bits_under_both(fn):
    x = np.linspace(-3, 3, 101, dtype=np.float32)
    tf = fn(x)
    config.set_numerics("jax")
    np.testing.assert_array_equal(fn(x), tf)


def test_log_cosh_log2_follows_the_switch():
    y_true, y_pred = np.zeros((1, 2)), np.array([[0.5, 2.0]])
    keras_form = lambda log2: np.mean(y_pred + np.log1p(np.exp(-2 * y_pred)) - log2)  # noqa
    tf = losses.log_cosh(y_true, y_pred)[0]
    assert tf == pytest.approx(keras_form(float(np.float32(math.log(2)))), rel=1e-15)
    config.set_numerics("jax")
    jax = losses.log_cosh(y_true, y_pred)[0]
    assert jax == pytest.approx(keras_form(math.log(2)), rel=1e-15)
    assert jax == pytest.approx(np.mean(np.log(np.cosh(y_pred))), rel=1e-14)
    assert abs(tf - jax) > 1e-10


def test_clip_tie_gradient_follows_numerics_not_the_crossentropy_form():
    from minikeras.losses.probabilistic import clip_tie_gradient

    assert clip_tie_gradient() == 1.0
    config.set_logits_crossentropy(False)  # TensorFlow run eagerly: clipped, whole gradient
    assert clip_tie_gradient() == 1.0
    config.set_numerics("jax")
    assert clip_tie_gradient() == 0.5
