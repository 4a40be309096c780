"""Adagrad: per-element steps that shrink as squared gradients accumulate, as Keras 3's."""

import numpy as np

from .. import kernels
from .base import Optimizer, check_arg, keras_cast, row_square


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011).

    accumulator = accumulator + grad^2                  (starts at initial_accumulator_value)
    var = var - (lr * grad) / sqrt(accumulator + epsilon)

    Slots per variable: "accumulator". Shapes: grad, var and accumulator share one shape.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        check_arg("initial_accumulator_value", initial_accumulator_value, "a float >= 0",
                  lambda x: x >= 0)
        check_arg("epsilon", epsilon, "a float >= 0", lambda x: x >= 0)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        """One Adagrad step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        args = (self._accumulators[self._get_variable_index(variable)].value,
                float(keras_cast(learning_rate, var.dtype)), float(self.epsilon))
        square = row_square(gradient, variable)
        if square is not None:  # an Embedding's rows: grad^2 as Keras's sparse update sums it
            kernels.embedding.adagrad_update_rows(var, gradient, square, *args)
        else:
            kernels.optimizers.adagrad_update(var, np.asarray(gradient, dtype=var.dtype), *args)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value":
                self.initial_accumulator_value, "epsilon": self.epsilon}
