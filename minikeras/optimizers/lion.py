"""Lion: sign-of-momentum steps, as Keras 3's `keras.optimizers.Lion`."""

import numpy as np

from .. import kernels
from .base import Optimizer, check_arg, keras_cast


class Lion(Optimizer):
    """Lion (Chen et al., 2023): every element moves by exactly lr, in the sign of a momentum.

    var = var - lr * sign(m * beta_1 + grad * (1 - beta_1))
    m = m * beta_2 + grad * (1 - beta_2)

    lr is typically 3-10x smaller than AdamW's, weight_decay 3-10x larger.
    Slots per variable: "momentum" (m), shaped like the variable.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        check_arg("beta_1", beta_1, "a float in (0, 1]", lambda x: True)
        if beta_1 <= 0 or beta_1 > 1:  # Keras's wording (lion_test.py::test_invalid_beta_1)
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        check_arg("beta_2", beta_2, "a float in [0, 1]", lambda x: 0 <= x <= 1)
        self.beta_1, self.beta_2 = beta_1, beta_2

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        """One Lion step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        kernels.optimizers.lion_update(var, np.asarray(gradient, dtype=var.dtype),
                            self._momentums[self._get_variable_index(variable)].value,
                            *(float(keras_cast(x, var.dtype))
                              for x in (learning_rate, self.beta_1, self.beta_2)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
