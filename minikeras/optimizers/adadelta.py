"""Adadelta: steps scaled by the running RMS of past steps over that of gradients, as Keras 3's."""

import numpy as np

from .. import kernels
from .base import Optimizer, check_arg, keras_cast


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), with Keras's learning rate in front of the step.

    rms(x) = sqrt(x + epsilon)
    accumulated_grad = rho * accumulated_grad + (1 - rho) * grad^2
    delta_var = -(rms(accumulated_delta_var) * grad) / rms(accumulated_grad)
    accumulated_delta_var = rho * accumulated_delta_var + (1 - rho) * delta_var^2
    var = var + lr * delta_var

    The paper has no learning rate (lr = 1.0 reproduces it); Keras's default is 0.001.
    Slots per variable: "accumulated_grad", "accumulated_delta_var" (same shape as var).
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        check_arg("rho", rho, "a float in [0, 1]", lambda x: 0 <= x <= 1)
        check_arg("epsilon", epsilon, "a float >= 0", lambda x: x >= 0)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        """One Adadelta step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        i = self._get_variable_index(variable)
        kernels.optimizers.adadelta_update(var, np.asarray(gradient, dtype=var.dtype),
                                self._accumulated_grads[i].value,
                                self._accumulated_delta_vars[i].value,
                                float(keras_cast(learning_rate, var.dtype)), float(self.rho),
                                float(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
