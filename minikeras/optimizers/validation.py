"""Argument checks shared by every optimizer: each error names the argument, its value and
what was expected, and is raised in the constructor, before any update runs."""

import numbers


def check_arg(name, value, expected, ok, integer=False, none=False):
    """Raise ValueError naming the argument, its value and what was expected, unless ok(value).

    value must be a real number (an integer if `integer`; None allowed if `none`), not a bool.
    """
    if value is None and none:
        return
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not ok(value):
        raise ValueError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")


def check_keras_message(name, value, message, ok):
    """Raise ValueError with Keras's own wording (`message`) unless value is a number and ok."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not ok(value):
        raise ValueError(message.format(name=name, value=value))


def legacy_learning_rate(kwargs, learning_rate):
    """Keras 2's `lr=` and `decay=` (old tutorials), accepted with a DeprecationWarning.

    `lr` is `learning_rate`; `decay` is Keras 2's per-step decay
        lr_t = lr / (1 + decay * iterations)
    which is exactly `schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)`.
    Anything else unknown raises. Returns the learning rate to use.
    """
    from ..legacy import warn_renamed
    from . import schedules

    if "lr" in kwargs:
        warn_renamed("the optimizer argument `lr`", "`learning_rate`", stacklevel=5)
        learning_rate = kwargs.pop("lr")
    if "decay" in kwargs:
        decay = kwargs.pop("decay")
        check_arg("decay", decay, "a float >= 0 (Keras 2's per-step decay)", lambda x: x >= 0)
        warn_renamed("the optimizer argument `decay`", "`learning_rate=optimizers.schedules."
                     "InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)`", stacklevel=5)
        if decay:
            learning_rate = schedules.InverseTimeDecay(learning_rate, decay_steps=1,
                                                       decay_rate=decay)
    if kwargs:
        raise ValueError(f"Argument(s) not recognized: {kwargs}")
    return learning_rate


def check_common_args(weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                      ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                      gradient_accumulation_steps):
    """The base optimizer's arguments, as Keras checks them (and a little more)."""
    check_arg("weight_decay", weight_decay, "None or a float >= 0", lambda x: x >= 0,
              none=True)
    # Keras takes 0 (or a negative value) to mean "no clipping" without a word; a clip of 0
    # is almost always a typo, so minikeras asks for None instead.
    for arg, value in [("clipnorm", clipnorm), ("clipvalue", clipvalue),
                       ("global_clipnorm", global_clipnorm)]:
        check_arg(arg, value, "None or a float > 0", lambda x: x > 0, none=True)
    if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
        raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                         f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                         f"global_clipnorm={global_clipnorm}")
    check_arg("loss_scale_factor", loss_scale_factor, "None or a float > 0",
              lambda x: x > 0, none=True)
    check_arg("gradient_accumulation_steps", gradient_accumulation_steps,
              "None or an integer >= 2", lambda x: x >= 2, integer=True, none=True)
    if use_ema:
        check_arg("ema_momentum", ema_momentum, "a float in [0, 1]", lambda x: 0 <= x <= 1)
        check_arg("ema_overwrite_frequency", ema_overwrite_frequency,
                  "None or an integer >= 1", lambda x: x >= 1, integer=True, none=True)
