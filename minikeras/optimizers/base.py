"""Optimizer: the bookkeeping around one `update_step` formula, as Keras 3's BaseOptimizer.

One call of `apply_gradients(zip(grads, variables, strict=True))`:
    build slot variables on the first call (lazily); drop None gradients (with a warning)
    grads = grads / loss_scale_factor
    gradient accumulation (k steps): add grads to accumulators; update on every k-th call only,
        with the mean (grad + accumulator) / k
    clip: clipnorm (each gradient) | global_clipnorm (all together) | clipvalue
    weight decay, decoupled and before the update:   var = var - var * weight_decay * lr
    update_step(grad, var, lr) for each pair          (the subclass's formula, in a kernel)
    EMA: average = mu * average + (1 - mu) * var; var = average every ema_overwrite_frequency
    var = constraint(var) where a variable has one;   iterations += 1

Scalars are rounded to the variable's dtype before use, as Keras casts them, so float32 results
round like Keras's. Shapes: every gradient and slot has its variable's shape.
"""

import numbers
import re
import warnings

import numpy as np

from .. import config
from ..utils.naming import auto_name, to_snake_case
from ..variable import Variable
from . import schedules
from .clipping import clip_by_global_norm, clip_by_norm, keras_cast
from .validation import check_arg, check_common_args, legacy_learning_rate

__all__ = ["Optimizer", "keras_cast", "check_arg", "clip_by_norm", "clip_by_global_norm"]


class Optimizer:
    """Base class: iterations, the learning rate, clipping, weight decay, EMA and the slots."""

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        learning_rate = legacy_learning_rate(kwargs, learning_rate)
        check_common_args(weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                          ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                          gradient_accumulation_steps)
        self.name = name if name is not None else auto_name(to_snake_case(type(self).__name__))
        self.weight_decay, self.use_ema = weight_decay, use_ema
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.ema_momentum, self.ema_overwrite_frequency = ema_momentum, ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._trainable_variables, self._indices = [], {}
        self._exclude_ids, self._exclude_pattern = set(), None
        self._iterations = Variable(0, dtype="int64", trainable=False, name="iteration",
                                    path=f"{self.name}/iteration")
        self._variables = [self._iterations]
        self._learning_rate = None
        self.learning_rate = learning_rate

    @property
    def iterations(self):
        """Steps taken, an int64 Variable (with accumulation: calls // accumulation steps)."""
        if self.gradient_accumulation_steps:
            return Variable(self._iterations.value // self.gradient_accumulation_steps,
                            dtype="int64", trainable=False, name="iteration")
        return self._iterations

    @property
    def learning_rate(self):
        """The current learning rate, a NumPy scalar (a schedule is evaluated at iterations)."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr.value[()]
        if isinstance(lr, schedules.LearningRateSchedule):
            return lr(self._iterations.value[()])
        return lr()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if callable(learning_rate):  # a schedule, or a function of no arguments
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = learning_rate
            return
        check_arg("learning_rate", learning_rate, "a float >= 0, a `LearningRateSchedule` or "
                  "a callable that returns the learning rate", lambda x: x >= 0)
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(learning_rate)
        elif self._learning_rate is None:
            self._learning_rate = Variable(float(learning_rate), dtype=config.floatx(),
                                           trainable=False, name="learning_rate",
                                           path=f"{self.name}/learning_rate")
            self._variables.append(self._learning_rate)
        else:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` (or a "
                            "callable) as its `learning_rate`, so it cannot be set to a float. "
                            f"Received: learning_rate={learning_rate!r}")

    @property
    def variables(self):
        """iteration, learning_rate (unless a schedule), then every slot in creation order."""
        return self._variables[:]

    def build(self, variables):
        """Create EMA averages and gradient accumulators; subclasses add their slots after."""
        for v in variables:
            if not isinstance(v, Variable):
                raise TypeError(f"Optimizer variables must be minikeras Variables. Received: {v!r}")
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator")
        self._indices = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = list(variables)
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        """A non-trainable optimizer Variable, tracked in `variables`.

        initializer: a number c (Keras's `Constant(c)`: a Python float is rounded to float32
        first, as Keras's TensorFlow backend casts it; exact with `config.set_numerics("jax")`),
        or any initializer name or callable.
        """
        dtype = np.dtype(dtype or config.floatx())
        if isinstance(initializer, numbers.Real) and not isinstance(initializer, bool):
            initializer = np.full(tuple(shape), keras_cast(initializer, dtype), dtype=dtype)
        variable = Variable(initializer, shape=tuple(shape), dtype=dtype, trainable=False,
                            name=name, path=f"{self.name}/{name}")
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like `reference_variable`, named `{its path, / as _}_{name}` as Keras."""
        name = f"{reference_variable.path.replace('/', '_')}_{name or 'var'}"
        return self.add_variable(reference_variable.shape, initializer,
                                 reference_variable.dtype, name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable per name, interleaved per variable as Keras creates them.

        initializer: one for all names, or a list with one per name (as Keras's Ftrl passes).
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = list(initializer) if isinstance(initializer, (list, tuple)) else [
            initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError(f"Got {len(names)} slot names but {len(inits)} initializers: "
                             f"name={name!r}, initializer={initializer!r}")
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, slot_name in enumerate(names):
                slots[i].append(self.add_variable_from_reference(variable, slot_name, inits[i]))
        return slots[0] if isinstance(name, str) else slots

    def _get_variable_index(self, variable):
        return self._indices[id(variable)]

    def tracks(self, variables):
        """True when every one of `variables` has this optimizer's slots (built on them)."""
        return all(id(v) in self._indices for v in variables)

    def slot_variables(self, variables):
        """The slots an update of `variables` reads and writes, one list per kind of slot
        (each list in the order of `variables`), in the order the compiled fused updates take
        them (kernels/numpy_ref/fused.py). The optimizers that have a fused update define it."""
        raise NotImplementedError(f"{type(self).__name__} has no fused update.")

    @property
    def has_constant_learning_rate(self):
        """False when the learning rate is a schedule (it changes from step to step)."""
        return isinstance(self._learning_rate, Variable)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step`.")

    def apply_gradients(self, grads_and_vars):
        """Apply (gradient ndarray, Variable) pairs; return `iterations` as Keras does."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update the variables in place from their gradients (see the module docstring)."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None and not self.built:
            raise ValueError("When passing `grads` without `variables`, the optimizer must "
                             "already be built: call `optimizer.build(variables)` first.")
        variables = list(self._trainable_variables if trainable_variables is None
                         else trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"Got {len(grads)} gradients for {len(variables)} variables; "
                             "expected one gradient per variable.")
        if not self.built:
            self.build(variables)
        for v in variables:
            if id(v) not in self._indices:
                raise ValueError(f"Unknown variable: {v!r}. This optimizer can only be called "
                                 "for the variables it was built with.")
        pairs = list(zip(grads, variables, strict=True))
        missing = [v.path for g, v in pairs if g is None]
        pairs = [(_as_gradient(g, v), v) for g, v in pairs if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing "
                          "the loss.", stacklevel=2)
        grads, variables = [g for g, _ in pairs], [v for _, v in pairs]
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        steps = self.gradient_accumulation_steps
        if not steps:
            self._clip_decay_update(grads, variables)
        else:
            accumulators = [self._accumulated_gradients[self._indices[id(v)]] for v in variables]
            if (int(self._iterations) + 1) % steps == 0:
                means = [(g + a.value) / steps for g, a in zip(grads, accumulators, strict=True)]
                self._clip_decay_update(means, variables)
                for accumulator in self._accumulated_gradients:
                    accumulator.value[...] = 0
            else:
                for g, accumulator in zip(grads, accumulators, strict=True):
                    accumulator.value[...] = g + accumulator.value
        if self.use_ema:
            self._update_moving_averages()
            frequency = self.ema_overwrite_frequency
            if frequency and (int(self.iterations) + 1) % frequency == 0:
                self.finalize_variable_values(self._trainable_variables)
        for variable in variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.value))
        self._iterations.value += 1

    def _clip_decay_update(self, grads, variables):
        grads = self._clip_gradients(grads)
        learning_rate = self.learning_rate
        if self.weight_decay is not None:
            for variable in variables:
                if self._use_weight_decay(variable):  # var - var * wd * lr, in var's dtype
                    wd, lr = (keras_cast(x, variable.dtype) for x in (self.weight_decay,
                                                                       learning_rate))
                    variable.value -= variable.value * wd * lr
        self._backend_update_step(grads, variables, learning_rate)

    def _backend_update_step(self, grads, variables, learning_rate):
        """update_step for each pair; a subclass with per-step state (Nadam) extends it."""
        for grad, variable in zip(grads, variables, strict=True):
            self.update_step(grad, variable, learning_rate)

    def _clip_gradients(self, grads):
        grads = [np.asarray(g) for g in grads]
        if self.clipnorm and self.clipnorm > 0:
            return [clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these Variables, or those whose name contains any of var_names."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(v) for v in var_list or []}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        pattern = self._exclude_pattern
        return id(variable) not in self._exclude_ids and (
            pattern is None or pattern.search(variable.name) is None)

    def _update_moving_averages(self):
        """average = mu * average + (1 - mu) * var, with mu = 0 on the first step."""
        for variable, average in zip(self._trainable_variables,
                                     self._model_variables_moving_average, strict=True):
            t = variable.value.dtype.type
            mu = t(int(self.iterations) != 0) * t(self.ema_momentum)
            average.value[...] = mu * average.value + (t(1) - mu) * variable.value

    def finalize_variable_values(self, var_list):
        """With use_ema, overwrite the variables with their moving averages (end of fit)."""
        if not self.use_ema:
            return
        averages = self._model_variables_moving_average
        if len(var_list) != len(averages):
            raise ValueError(f"Got {len(var_list)} variables to overwrite, but the optimizer "
                             f"holds {len(averages)} moving averages.")
        for variable, average in zip(var_list, averages, strict=True):
            variable.value[...] = average.value

    def scale_loss(self, loss):
        """loss * loss_scale_factor (before gradients are computed), or loss unchanged."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}': it has "
                          f"{len(self._variables)} variables, the saved one {len(store.keys())}.",
                          stacklevel=2)
            return
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def get_config(self):
        """Keras 3's keys; the learning rate as a float (rounded to floatx) or a schedule dict."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            lr = float(lr.value)
        elif isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, learning_rate={self.learning_rate}>"


def _as_gradient(grad, variable):
    """The gradient as an ndarray of the variable's shape (float; ints take var's dtype)."""
    grad = np.asarray(grad)
    if grad.dtype.kind != "f":
        grad = grad.astype(variable.value.dtype)
    if grad.shape != variable.shape:
        raise ValueError(f"Gradient for variable {variable.path!r} has shape {grad.shape}, "
                         f"expected the variable's shape {variable.shape}.")
    return grad


def row_square(gradient, variable):
    """The per-lookup sum of squared gradient rows an Embedding left for this gradient, or None.

    Keras's optimizers square an Embedding's gradient row by row, before rows of the same index
    are summed (kernels/numpy_ref/embedding.py). Used only when `gradient` is the layer's own
    array, unchanged (no clipping, scaling or accumulation in between).
    """
    square = getattr(variable, "grad_square", None)
    if square is None or gradient is not variable.grad:
        return None
    return square
