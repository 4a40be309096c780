"""Adam, in Keras 3's form (bias corrections folded into the step size alpha)."""

import numpy as np

from .. import kernels
from .base import Optimizer, check_arg, keras_cast, row_square


class Adam(Optimizer):
    """Adam (or AMSGrad): steps scaled by running averages of the gradient and its square.

    t = iterations + 1, as a float in the variable's dtype
    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    m = m + (grad - m) * (1 - beta_1)
    v = v + (grad^2 - v) * (1 - beta_2)
    amsgrad:  v_hat = max(v_hat, v), used in place of v below
    var = var - (m * alpha) / (sqrt(v) + epsilon)

    The textbook form, var -= lr * m_hat / (sqrt(v_hat) + epsilon) with m_hat = m / (1 - beta_1^t)
    and v_hat = v / (1 - beta_2^t), differs only in where epsilon acts.
    Slots per variable: "momentum" (m) and "velocity" (v), plus "velocity_hat" with amsgrad.
    Shapes: grad, var, m, v and v_hat share the variable's shape; alpha and t are scalars.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        check_arg("beta_1", beta_1, "a float in [0, 1)", lambda x: 0 <= x < 1)
        check_arg("beta_2", beta_2, "a float in [0, 1)", lambda x: 0 <= x < 1)
        check_arg("epsilon", epsilon, "a float >= 0", lambda x: x >= 0)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def slot_variables(self, variables):
        """[momentums, velocities] (Adam without amsgrad)."""
        index = [self._get_variable_index(v) for v in variables]
        return [[self._momentums[i] for i in index], [self._velocities[i] for i in index]]

    def step_size(self, learning_rate, iterations, dtype):
        """alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) of step t = iterations + 1, in
        `dtype` as Keras computes it (the fused epochs ask it for each of their steps)."""
        local_step = dtype.type(int(iterations) + 1)
        beta_1_power = keras_cast(self.beta_1, dtype) ** local_step
        beta_2_power = keras_cast(self.beta_2, dtype) ** local_step
        return keras_cast(learning_rate, dtype) * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)

    def update_step(self, gradient, variable, learning_rate):
        """One Adam step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        alpha = self.step_size(learning_rate, self.iterations, var.dtype)
        i = self._get_variable_index(variable)
        v_hat = self._velocity_hats[i].value if self.amsgrad else None
        args = (self._momentums[i].value, self._velocities[i].value, v_hat, float(alpha),
                float(self.beta_1), float(self.beta_2), float(self.epsilon))
        square = row_square(gradient, variable)
        if square is not None:  # an Embedding's rows: grad^2 as Keras's sparse update sums it
            kernels.embedding.adam_update_rows(var, gradient, square, *args)
        else:
            kernels.optimizers.adam_update(var, np.asarray(gradient, dtype=var.dtype), *args)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}
