"""FTRL-Proximal ("Follow The Regularized Leader"), as Keras 3's `keras.optimizers.Ftrl`."""

import numpy as np

from .. import kernels
from .base import Optimizer, keras_cast
from .validation import check_keras_message

NON_NEGATIVE = "`{name}` needs to be positive or zero. Received: {name}={value}."


class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al., 2013) with L1, L2 and L2-shrinkage regularization.

    p = -learning_rate_power;  l2_reg = l2 + beta / (2 * lr)
    grad_shrunk = grad + 2 * l2_shrinkage * var
    new_accumulator = accumulator + grad^2
    linear = linear + grad_shrunk - ((new_accumulator^p - accumulator^p) / lr) * var
    quadratic = new_accumulator^p / lr + 2 * l2_reg
    var = (clip(linear, -l1, l1) - linear) / quadratic      (exactly 0 where |linear| <= l1)
    accumulator = new_accumulator

    Slots per variable: "accumulator" (starts at initial_accumulator_value) and "linear",
    each shaped like the variable.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        # Keras's messages (ftrl_test.py::test_invalid_*), in Keras's order.
        check_keras_message("initial_accumulator_value", initial_accumulator_value,
                            NON_NEGATIVE, lambda x: x >= 0)
        check_keras_message("learning_rate_power", learning_rate_power,
                            "`{name}` needs to be negative or zero. Received: {name}={value}.",
                            lambda x: x <= 0)
        for arg, value in [("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)]:
            check_keras_message(arg, value, NON_NEGATIVE, lambda x: x >= 0)
        check_keras_message("beta", beta, NON_NEGATIVE, lambda x: x >= 0)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[self.initial_accumulator_value, "zeros"])

    def update_step(self, gradient, variable, learning_rate):
        """One FTRL step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        i = self._get_variable_index(variable)
        kernels.optimizers.ftrl_update(var, np.asarray(gradient, dtype=var.dtype),
                            self._accumulators[i].value, self._linears[i].value,
                            float(keras_cast(learning_rate, var.dtype)),
                            float(self.learning_rate_power),
                            float(self.l1_regularization_strength),
                            float(self.l2_regularization_strength),
                            float(self.l2_shrinkage_regularization_strength), float(self.beta))

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
