"""Adamax: Adam with the infinity norm of the gradients, as Keras 3's `keras.optimizers.Adamax`."""

import numpy as np

from .. import kernels
from .base import Optimizer, check_arg, keras_cast


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, section 7.1).

    t = iterations + 1;  beta_1_power = beta_1^t       (beta_1 cast to the variable's dtype)
    m = m + (grad - m) * (1 - beta_1)
    u = max(beta_2 * u, |grad|)
    var = var - (lr * m) / ((1 - beta_1_power) * (u + epsilon))

    The paper divides by u alone; Keras adds epsilon to u (inside the bias correction).
    Slots per variable: "momentum" (m) and "norm" (u), each shaped like the variable.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        check_arg("beta_1", beta_1, "a float in [0, 1)", lambda x: 0 <= x < 1)
        check_arg("beta_2", beta_2, "a float in [0, 1]", lambda x: 0 <= x <= 1)
        check_arg("epsilon", epsilon, "a float >= 0", lambda x: x >= 0)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        """One Adamax step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        local_step = var.dtype.type(int(self.iterations) + 1)
        beta_1_power = keras_cast(self.beta_1, var.dtype) ** local_step
        i = self._get_variable_index(variable)
        update = kernels.optimizers.adamax_update
        update(var, np.asarray(gradient, dtype=var.dtype), self._m[i].value,
               self._u[i].value, float(keras_cast(learning_rate, var.dtype)),
               float(beta_1_power), float(self.beta_1), float(self.beta_2),
               float(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
