"""The six built-in schedules of Keras 3, in Keras's exact arithmetic (TensorFlow backend).

Every schedule computes in one dtype, that of `initial_learning_rate` as TensorFlow converts
it: float32 for a Python float, the scalar's own dtype for a NumPy float (np.float64(0.1)
gives float64). An integer initial_learning_rate computes in float32 (Keras computes in int32
or float64 then, so ExponentialDecay(1, 10, 0.5)(5) is 0.0 there; here it is 0.7071).
Other Python-float arguments that Keras `ops.cast`s are rounded through float32 first, as
TensorFlow does (`cast`); those Keras combines with a tensor directly are converted exactly
(`t(...)`). The step may be a Python int, a NumPy integer, or (a minikeras
extension) an array of steps: the result has the step's shape, a NumPy scalar for a scalar.
"""

import math
import numbers

import numpy as np

from ...config import backend_float


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            "order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def tensor_dtype(value):
    """The dtype TensorFlow gives `value`: float32 for Python floats, int32 for Python ints,
    else the value's own dtype."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return np.dtype(dtype)
    return np.dtype("int32") if isinstance(value, numbers.Integral) else np.dtype("float32")


def float_dtype(value):
    """The dtype a schedule computes in: `value`'s float dtype, else float32."""
    dtype = tensor_dtype(value)
    return dtype if dtype.kind == "f" else np.dtype("float32")


def cast(value, dtype):
    """Keras's `ops.cast(value, dtype)`: a Python float goes through float32 first (exact with
    `config.set_numerics("jax")`; see `config.backend_float`)."""
    return backend_float(value, dtype)


def as_step(step, dtype):
    """The step (int, NumPy scalar or array, or a Variable) as an array of `dtype`."""
    return np.asarray(getattr(step, "value", step)).astype(dtype)


def check_number(name, value, positive=False, none=False):
    """ValueError naming the argument unless it is a real number (> 0 if `positive`)."""
    if value is None and none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Argument `{name}` must be a number. Received: {name}={value!r}")
    if positive and not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class _DecayEveryStep(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments and the exponent
    p = step / decay_steps (floor(step / decay_steps) if staircase), in the rate's dtype."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        check_number("initial_learning_rate", initial_learning_rate)
        check_number("decay_steps", decay_steps, positive=True)
        check_number("decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _exponent(self, step, dtype):
        p = as_step(step, dtype) / cast(self.decay_steps, dtype)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_DecayEveryStep):
    """The learning rate decays by `decay_rate` every `decay_steps` steps.

    p = step / decay_steps                  (floor(step / decay_steps) if staircase)
    lr(step) = initial_learning_rate * decay_rate^p
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dtype = float_dtype(self.initial_learning_rate)
        p = self._exponent(step, dtype)
        return (cast(self.initial_learning_rate, dtype) *
                cast(self.decay_rate, dtype) ** p)[()]


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant learning rate per interval of steps.

    lr(step) = values[0] if step <= boundaries[0]; values[i] if boundaries[i-1] < step <=
    boundaries[i]; values[-1] if step > boundaries[-1]. The result has the dtype of values[0]
    as TensorFlow converts it (float32 for Python floats; int32 for Python ints, as Keras).
    Boundaries are cast to the step's dtype before comparing (as Keras: float boundaries
    truncate against an integer step).
    Keras only checks the lengths; minikeras also refuses boundaries that do not increase.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        for i, value in enumerate(list(boundaries) + list(values)):
            arg = "boundaries" if i < len(boundaries) else "values"
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"Argument `{arg}` must hold numbers only. Received: "
                                 f"{arg}={list(boundaries if arg == 'boundaries' else values)}")
        if any(b >= c for b, c in zip(boundaries[:-1], boundaries[1:], strict=True)):
            raise ValueError("Argument `boundaries` must be strictly increasing. Received: "
                             f"boundaries={boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = np.asarray(getattr(step, "value", step))
        if step.dtype.kind not in "iuf":
            raise ValueError(f"`step` must be a number. Received: step={step!r}")
        bounds = [np.asarray(b, dtype=tensor_dtype(b)).astype(step.dtype)
                  for b in self.boundaries]
        dtype = tensor_dtype(self.values[0])
        values = [np.asarray(v, dtype=tensor_dtype(v)).astype(dtype) for v in self.values]
        result = np.zeros(step.shape, dtype)
        result += (step <= bounds[0]).astype(dtype) * values[0]
        result += (step > bounds[-1]).astype(dtype) * values[-1]
        for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1], strict=True):
            result += ((step > low) & (step <= high)).astype(dtype) * value
        return result[()]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """The learning rate falls from initial to end_learning_rate along (1 - p)^power.

    not cycle:  step = min(step, decay_steps)
    cycle:      decay_steps = decay_steps * ceil(step / decay_steps)   (1 at step 0)
    p = step / decay_steps
    lr(step) = (initial_learning_rate - end_learning_rate) * (1 - p)^power + end_learning_rate
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        check_number("initial_learning_rate", initial_learning_rate)
        check_number("decay_steps", decay_steps, positive=True)
        check_number("end_learning_rate", end_learning_rate)
        check_number("power", power)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        dtype = float_dtype(self.initial_learning_rate)
        t = dtype.type
        initial = cast(self.initial_learning_rate, dtype)
        end = cast(self.end_learning_rate, dtype)
        step = as_step(step, dtype)
        decay_steps = cast(self.decay_steps, dtype)
        if self.cycle:
            multiplier = np.where(step == 0, t(1.0), np.ceil(step / t(self.decay_steps)))
            decay_steps = decay_steps * multiplier
        else:
            step = np.minimum(step, decay_steps)
        p = step / decay_steps
        return ((initial - end) * (t(1) - p) ** cast(self.power, dtype) + end)[()]

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_DecayEveryStep):
    """The learning rate falls as 1 / (1 + decay_rate * step / decay_steps).

    p = step / decay_steps                  (floor(step / decay_steps) if staircase)
    lr(step) = initial_learning_rate / (1 + decay_rate * p)
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dtype = float_dtype(self.initial_learning_rate)
        p = self._exponent(step, dtype)
        denominator = dtype.type(1) + cast(self.decay_rate, dtype) * p
        return (cast(self.initial_learning_rate, dtype) / denominator)[()]


def cosine_decay(step, decay_steps, decay_from_lr, alpha):
    """decay_from_lr * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)."""
    t = decay_from_lr.dtype.type
    completed_fraction = step / decay_steps
    cosine_decayed = t(0.5) * (t(1.0) + np.cos(t(math.pi) * completed_fraction))
    return decay_from_lr * (t(1 - alpha) * cosine_decayed + t(alpha))


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then a half cosine from the peak down to alpha * peak.

    no warmup_target:  step = min(step, decay_steps)
                       lr(step) = cosine(step, initial_learning_rate)
    warmup_target:     step = min(step, warmup_steps + decay_steps)
        step < warmup_steps:  lr = (warmup_target - initial) * step / warmup_steps + initial
        otherwise:            lr = cosine(step - warmup_steps, warmup_target)
    cosine(s, peak) = peak * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        check_number("initial_learning_rate", initial_learning_rate)
        check_number("decay_steps", decay_steps, positive=True)
        check_number("alpha", alpha)
        check_number("warmup_target", warmup_target, none=True)
        check_number("warmup_steps", warmup_steps)
        if warmup_steps < 0:
            raise ValueError(f"Argument `warmup_steps` must be >= 0. Received: "
                             f"warmup_steps={warmup_steps}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def __call__(self, step):
        dtype = float_dtype(self.initial_learning_rate)
        initial = cast(self.initial_learning_rate, dtype)
        decay_steps = cast(self.decay_steps, dtype)
        step = as_step(step, dtype)
        if self.warmup_target is None:
            return cosine_decay(np.minimum(step, decay_steps), decay_steps, initial,
                                self.alpha)[()]
        target = cast(self.warmup_target, dtype)
        warmup_steps = cast(self.warmup_steps, dtype)
        step = np.minimum(step, decay_steps + warmup_steps)
        with np.errstate(divide="ignore", invalid="ignore"):  # warmup_steps = 0: unused branch
            warmup = (target - initial) * (step / warmup_steps) + initial
        decay = cosine_decay(step - warmup_steps, decay_steps, target, self.alpha)
        return np.where(step < warmup_steps, warmup, decay).astype(dtype)[()]

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): period i lasts first_decay_steps * t_mul^i steps
    and starts from initial_learning_rate * m_mul^i.

    f = step / first_decay_steps
    t_mul == 1:  i = floor(f);  f = f - i
    otherwise:   i = floor(log(1 - f * (1 - t_mul)) / log(t_mul))
                 f = (f - (1 - t_mul^i) / (1 - t_mul)) / t_mul^i
    lr(step) = initial * ((1 - alpha) * 0.5 * m_mul^i * (1 + cos(pi * f)) + alpha)
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        check_number("initial_learning_rate", initial_learning_rate)
        check_number("first_decay_steps", first_decay_steps, positive=True)
        for arg, value in [("t_mul", t_mul), ("m_mul", m_mul), ("alpha", alpha)]:
            check_number(arg, value)
        if t_mul <= 0:
            raise ValueError(f"Argument `t_mul` must be > 0. Received: t_mul={t_mul}")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        dtype = float_dtype(self.initial_learning_rate)
        t = dtype.type
        one = t(1.0)
        alpha, t_mul, m_mul = (cast(x, dtype) for x in (self.alpha, self._t_mul, self._m_mul))
        fraction = as_step(step, dtype) / cast(self.first_decay_steps, dtype)
        if t_mul == one:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(one - fraction * (one - t_mul)) / np.log(t_mul))
            sum_r = (one - t_mul ** i_restart) / (one - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        cosine_decayed = t(0.5) * m_mul ** i_restart * (one + np.cos(t(math.pi) * fraction))
        decayed = (t(1) - alpha) * cosine_decayed + alpha
        return (cast(self.initial_learning_rate, dtype) * decayed)[()]

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}
