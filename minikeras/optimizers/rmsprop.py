"""RMSprop: steps divided by a running root-mean-square of the gradient, as Keras 3's."""

import numpy as np

from .. import kernels
from .base import Optimizer, check_arg, keras_cast, row_square


class RMSprop(Optimizer):
    """RMSprop, optionally centered and/or with momentum.

    velocity = rho * velocity + (1 - rho) * grad^2
    centered:      average_grad = rho * average_grad + (1 - rho) * grad
                   denominator = velocity - average_grad^2 + epsilon
    not centered:  denominator = velocity + epsilon
    increment = (lr * grad) / sqrt(denominator)
    momentum > 0:  momentum_buf = momentum * momentum_buf + increment;  var = var - momentum_buf
    otherwise:     var = var - increment

    Slots per variable: "velocity"; "momentum" if momentum > 0; "average_gradient" if centered.
    Shapes: grad, var and every slot share the variable's shape.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        check_arg("rho", rho, "a float in [0, 1]", lambda x: 0 <= x <= 1)
        check_arg("momentum", momentum, "a float >= 0", lambda x: x >= 0)
        check_arg("epsilon", epsilon, "a float >= 0", lambda x: x >= 0)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def slot_variables(self, variables):
        """[velocities] (RMSprop without momentum or centering)."""
        return [[self._velocities[self._get_variable_index(v)] for v in variables]]

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        """One RMSprop step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        i = self._get_variable_index(variable)
        momentum_buf = self._momentums[i].value if self.momentum > 0 else None
        average_grad = self._average_gradients[i].value if self.centered else None
        args = (self._velocities[i].value, average_grad, momentum_buf,
                float(keras_cast(learning_rate, var.dtype)), float(self.rho),
                float(self.momentum), float(self.epsilon))
        square = row_square(gradient, variable)
        if square is not None:  # an Embedding's rows: grad^2 as Keras's sparse update sums it
            kernels.embedding.rmsprop_update_rows(var, gradient, square, *args)
        else:
            kernels.optimizers.rmsprop_update(var, np.asarray(gradient, dtype=var.dtype), *args)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
