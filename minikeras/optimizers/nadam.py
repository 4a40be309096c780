"""Nadam: Adam with Nesterov momentum, as Keras 3's `keras.optimizers.Nadam`."""

import numpy as np

from .. import config, kernels
from ..utils.naming import auto_name
from .base import Optimizer, check_arg, keras_cast


def momentum_cache(beta_1, step, decay):
    """Dozat's momentum schedule u_step = beta_1 * (1 - 0.5 * decay^step), in beta_1's dtype."""
    t = type(beta_1)
    return beta_1 * (t(1.0) - t(0.5) * decay ** t(step))


class Nadam(Optimizer):
    """Nadam (Dozat, 2016) with the momentum schedule u_t = beta_1 * (1 - 0.5 * 0.96^t).

    Once per update, before the steps:  u_product = u_product * u_t      (t = iterations + 1)
    u_t_1 = beta_1 * (1 - 0.5 * 0.96^(t+1))
    m = m + (grad - m) * (1 - beta_1)
    v = v + (grad^2 - v) * (1 - beta_2)
    m_hat = (u_t_1 * m) / (1 - u_product * u_t_1) + ((1 - u_t) * grad) / (1 - u_product)
    v_hat = v / (1 - beta_2^t)
    var = var - (m_hat * lr) / (sqrt(v_hat) + epsilon)

    Keras's float64 quirk, kept: u_product uses 0.96 and beta_1 exactly, the step uses them
    rounded to float32 first (Keras casts a Python float through float32).
    Slots per variable: "momentum" (m), "velocity" (v), each shaped like the variable; plus one
    scalar optimizer variable u_product (path "<name>/variable", "<name>/variable_1", ...: Keras
    leaves it unnamed, so it takes the next automatic name).
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
        check_arg("beta_2", beta_2, "a float in [0, 1)", lambda x: 0 <= x < 1)
        check_arg("epsilon", epsilon, "a float >= 0", lambda x: x >= 0)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else config.floatx()
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        # Keras creates it unnamed, so it is auto-named "variable", "variable_1", ...
        self._u_product = self.add_variable((), "ones", dtype, auto_name("variable"))

    def _backend_update_step(self, grads, variables, learning_rate):
        """u_product = u_product * u_t once per update (exact beta_1 and 0.96), then the steps."""
        u_product = self._u_product.value
        t = u_product.dtype.type
        u_product[...] = u_product * t(self.beta_1) * (
            t(1.0) - t(0.5) * t(0.96) ** t(int(self.iterations) + 1))
        super()._backend_update_step(grads, variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """One Nadam step on `variable.value`, in place (formula in the class docstring)."""
        var = variable.value
        dtype = var.dtype
        step = int(self.iterations) + 1
        beta_1, beta_2 = keras_cast(self.beta_1, dtype), keras_cast(self.beta_2, dtype)
        decay = keras_cast(0.96, dtype)
        i = self._get_variable_index(variable)
        update = kernels.optimizers.nadam_update
        update(var, np.asarray(gradient, dtype=dtype), self._momentums[i].value,
               self._velocities[i].value, float(keras_cast(learning_rate, dtype)),
               float(beta_1), float(beta_2),
               float(momentum_cache(beta_1, step, decay)),
               float(momentum_cache(beta_1, step + 1, decay)),
               float(self._u_product.value.astype(dtype)),
               float(beta_2 ** dtype.type(step)), float(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


