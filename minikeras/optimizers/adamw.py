"""AdamW: Adam with decoupled weight decay on by default, as Keras 3's `keras.optimizers.AdamW`."""

from .adam import Adam


class AdamW(Adam):
    """Adam plus decoupled weight decay (Loshchilov & Hutter), applied before each Adam step.

    var = var - var * weight_decay * lr                 (the Optimizer base, before the update)
    then Adam's step (see `Adam`):
    alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t),   t = iterations + 1
    m = m + (grad - m) * (1 - beta_1);   v = v + (grad^2 - v) * (1 - beta_2)
    var = var - (m * alpha) / (sqrt(v) + epsilon)

    The only differences from Adam are the default weight_decay=0.004 and that None is refused.
    Slots per variable: "momentum" and "velocity" (plus "velocity_hat" with amsgrad).
    Shapes: grad, var and every slot share the variable's shape.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
