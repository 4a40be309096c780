"""SGD: gradient descent, plain or with (Nesterov) momentum, as Keras 3's `keras.optimizers.SGD`."""

import numpy as np

from .. import kernels
from .base import Optimizer, check_arg, keras_cast


class SGD(Optimizer):
    """Gradient descent with optional momentum; one "momentum" slot per variable if momentum > 0.

    momentum == 0:   var = var - grad * lr
    momentum > 0:    velocity = velocity * momentum - grad * lr
                     var = var + velocity                                  (nesterov=False)
                     var = var + (velocity * momentum - grad * lr)         (nesterov=True)

    Shapes: grad, var and velocity (the "momentum" slot) share the variable's shape.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        check_arg("momentum", momentum, "a float between [0, 1]", lambda x: 0 <= x <= 1)
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def slot_variables(self, variables):
        """[momentums] with momentum, else no slots."""
        if self.momentum == 0:
            return []
        return [[self.momentums[self._get_variable_index(v)] for v in variables]]

    def update_step(self, gradient, variable, learning_rate):
        """One SGD step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        velocity = self.momentums[self._get_variable_index(variable)].value if (
            self.momentum != 0) else None
        lr, momentum = (float(keras_cast(x, var.dtype)) for x in (learning_rate, self.momentum))
        update = kernels.optimizers.sgd_update
        update(var, np.asarray(gradient, dtype=var.dtype), velocity, lr, momentum,
               bool(self.nesterov))

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
