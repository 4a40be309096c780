"""Learning-rate schedules: Keras's goldens, the first 1,000 steps against real Keras, configs,
errors, and use inside an optimizer.

Goldens are copied from Keras 3.15.1's
keras/src/optimizers/schedules/learning_rate_schedule_test.py (cited per test).
"""

import math

import numpy as np
import pytest

from minikeras import optimizers
from minikeras.optimizers import schedules
from minikeras.variable import Variable
from tests.helpers import F32_FORWARD, F64, assert_close

S = schedules
STEPS = np.arange(1000)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


# ---- Keras's goldens ------------------------------------------------------------------------

def close(mine, expected, rtol=1e-6):  # Keras's assertAllClose(x, y, 1e-6): atol = rtol = 1e-6
    np.testing.assert_allclose(mine, expected, rtol=rtol, atol=rtol)


def test_golden_exponential_decay():  # ExponentialDecayTest.test_continuous / test_staircase
    close(S.ExponentialDecay(0.05, 10, 0.96)(5), 0.05 * 0.96 ** (5.0 / 10.0))
    staircase = S.ExponentialDecay(0.1, 3, 0.96, staircase=True)
    step = Variable(1.0)
    for value, expected in [(1.0, 0.1), (2, 0.1), (100, 0.1 * 0.96 ** (100 // 3))]:
        step.assign(value)
        close(staircase(step), expected)


def test_golden_piecewise_constant():  # PiecewiseConstantDecayTest
    decayed = S.PiecewiseConstantDecay([100, 110, 120], [1.0, 0.1, 0.01, 0.001])
    for step, expected in [(-999.0, 1.0), (100, 1.0), (105, 0.1), (110, 0.1), (120, 0.01),
                           (999, 0.001)]:
        close(decayed(Variable(float(step))), expected)
    decayed = S.PiecewiseConstantDecay([1, 2, 3], [0.4, 0.5, 0.6, 0.7])  # test_boundary_values
    for step, expected in [(0, 0.4), (1, 0.4), (2, 0.5), (3, 0.6), (4, 0.7)]:
        close(decayed(Variable(step, dtype="int64")), expected)


@pytest.mark.parametrize("step, end_lr, power, cycle, expected", [  # LinearDecayTest, SqrtDecayTest
    (5, 0.0, 1.0, False, 0.05 * 0.5), (10, 0.001, 1.0, False, 0.001),
    (5, 0.001, 1.0, False, (0.05 + 0.001) * 0.5), (15, 0.001, 1.0, False, 0.001),
    (15, 0.001, 1.0, True, (0.05 - 0.001) * 0.25 + 0.001),
    (5, 0.0, 0.5, False, 0.05 * 0.5**0.5), (10, 0.001, 0.5, False, 0.001),
    (5, 0.001, 0.5, False, (0.05 - 0.001) * 0.5**0.5 + 0.001), (15, 0.001, 0.5, False, 0.001),
    (15, 0.001, 0.5, True, (0.05 - 0.001) * 0.25**0.5 + 0.001),
])
def test_golden_polynomial_decay(step, end_lr, power, cycle, expected):
    close(S.PolynomialDecay(0.05, 10, end_lr, power=power, cycle=cycle)(step), expected)


def test_golden_polynomial_begin_with_cycle():  # SqrtDecayTest.test_begin_with_cycle
    close(S.PolynomialDecay(0.001, 10, cycle=True)(0), 0.001)


@pytest.mark.parametrize("staircase", [False, True])  # InverseTimeDecayTest
def test_golden_inverse_time_decay(staircase):
    decayed = S.InverseTimeDecay(0.1, 10, 0.96, staircase=staircase)
    for i in range(11):
        p = i // 10 if staircase else i / 10
        close(decayed(i), 0.1 / (1 + 0.96 * p))


def np_cosine_decay(step, decay_steps, alpha=0.0):  # CosineDecayTest.np_cosine_decay
    step = min(step, decay_steps)
    decay = 0.5 * (1.0 + math.cos(math.pi * step / decay_steps))
    return (1.0 - alpha) * decay + alpha


@pytest.mark.parametrize("initial_lr, alpha", [(1.0, 0.0), (1.0, 0.1), (np.float64(1.0), 0.0)])
def test_golden_cosine_decay(initial_lr, alpha):  # CosineDecayTest.test_decay/_alpha/_float64
    for step in range(0, 1500, 250):
        close(S.CosineDecay(initial_lr, 1000, alpha)(step), np_cosine_decay(step, 1000, alpha))


def test_golden_cosine_warmup():  # CosineDecayTest.test_warmup and test_warmup_decay
    for step in range(0, 1500, 250):
        lr = S.CosineDecay(0.0, 10, warmup_target=10.0, warmup_steps=1500)
        np.testing.assert_allclose(lr(step), step / 1500 * 10.0, rtol=1e-6, atol=1e-6)
    for step in range(0, 3000, 250):
        lr = S.CosineDecay(0.0, 1000, warmup_target=10.0, warmup_steps=2000)
        expected = (step / 2000 * 10.0 if step < 2001 else
                    10.0 * np_cosine_decay(step - 2000, 1000))
        np.testing.assert_allclose(lr(step), expected, rtol=1e-6, atol=1e-6)


def np_cosine_decay_restarts(step, decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    fac = 1.0  # CosineDecayRestartsTest.np_cosine_decay_restarts
    while step >= decay_steps:
        step -= decay_steps
        decay_steps *= t_mul
        fac *= m_mul
    decay = fac * 0.5 * (1.0 + math.cos(math.pi * step / decay_steps))
    return (1.0 - alpha) * decay + alpha


@pytest.mark.parametrize("initial_lr, kwargs", [  # CosineDecayRestartsTest
    (1.0, {}), (np.float64(1.0), {}), (1.0, {"alpha": 0.1}), (1.0, {"m_mul": 0.9}),
    (1.0, {"t_mul": 1.0})])
def test_golden_cosine_decay_restarts(initial_lr, kwargs):
    for step in range(0, 1500, 250):
        close(S.CosineDecayRestarts(initial_lr, 1000, **kwargs)(step),
              np_cosine_decay_restarts(step, 1000, **kwargs))


# ---- the first 1,000 steps against Keras ----------------------------------------------------

CASES = [
    ("ExponentialDecay", (0.1, 7, 0.96), {}), ("ExponentialDecay", (0.1, 7, 0.96),
                                               {"staircase": True}),
    ("InverseTimeDecay", (0.1, 10, 0.5), {}), ("InverseTimeDecay", (0.3, 7, 0.96),
                                               {"staircase": True}),
    ("PiecewiseConstantDecay", ([100, 250, 600], [0.1, 0.05, 0.01, 0.003]), {}),
    ("PolynomialDecay", (0.1, 700), {}), ("PolynomialDecay", (0.1, 300, 0.001),
                                          {"power": 0.5, "cycle": True}),
    ("PolynomialDecay", (0.2, 900, 0.01), {"power": 2.0}),
    ("CosineDecay", (0.1, 800), {}), ("CosineDecay", (0.1, 600), {"alpha": 0.1}),
    ("CosineDecay", (0.0, 700), {"warmup_target": 0.1, "warmup_steps": 200, "alpha": 0.05}),
    ("CosineDecayRestarts", (0.1, 100), {}), ("CosineDecayRestarts", (0.1, 70),
                                              {"t_mul": 1.5, "m_mul": 0.8, "alpha": 0.1}),
    ("CosineDecayRestarts", (0.1, 90), {"t_mul": 1.0, "m_mul": 0.7}),
]


def keras_values(keras, schedule):
    """Keras's values for steps 0..999 (one call with all steps where Keras can vectorize)."""
    if getattr(schedule, "warmup_target", None) is not None:  # its ops.cond needs a scalar:
        import tensorflow as tf  # one traced map over the steps (a Python loop takes 4 s)

        def map_steps(steps):
            return tf.map_fn(schedule, steps, fn_output_signature=schedule(0).dtype)

        return tf.function(tf.autograph.experimental.do_not_convert(map_steps))(
            tf.constant(STEPS)).numpy()
    return keras.ops.convert_to_numpy(schedule(keras.ops.convert_to_tensor(STEPS)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, args, kwargs", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_first_1000_steps_match_keras(keras, name, args, kwargs, dtype):
    """Same values, same dtype; float64 when initial_learning_rate (or values) is np.float64."""
    if dtype == "float64":  # a NumPy float64 makes both libraries compute in float64
        if name == "PiecewiseConstantDecay":
            args = (args[0], [np.float64(v) for v in args[1]])
        else:
            args = (np.float64(args[0]),) + args[1:]
    mine = getattr(S, name)(*args, **kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    expected = keras_values(keras, theirs)
    values = mine(STEPS)
    assert values.dtype == expected.dtype == np.dtype(dtype)
    assert_close(values, expected, F64 if dtype == "float64" else F32_FORWARD, name)
    for step in (0, 1, 999):  # one step at a time: NumPy scalars of the same dtype
        assert mine(step).dtype == np.dtype(dtype) and mine(step).shape == ()
        assert_close(mine(step), expected[step], F64 if dtype == "float64" else F32_FORWARD,
                     f"{name}({step})")
    assert mine.get_config() == theirs.get_config()
    assert S.serialize(mine) == keras.optimizers.schedules.serialize(theirs)
    clone = S.deserialize(S.serialize(mine))
    assert type(clone) is type(mine) and clone.get_config() == mine.get_config()


CONFIGS = [  # each *Test.test_config in learning_rate_schedule_test.py
    S.ExponentialDecay(initial_learning_rate=0.05, decay_steps=10, decay_rate=0.96,
                       staircase=True, name="my_ed"),
    S.PiecewiseConstantDecay(boundaries=[10, 20], values=[1, 2, 3], name="my_pcd"),
    S.PolynomialDecay(initial_learning_rate=0.1, decay_steps=100, end_learning_rate=0.005,
                      power=1.0, cycle=False, name="my_ld"),
    S.InverseTimeDecay(initial_learning_rate=0.05, decay_steps=10, decay_rate=0.96,
                       staircase=True, name="my_itd"),
    S.CosineDecay(initial_learning_rate=0.05, decay_steps=10, alpha=0.1, warmup_target=0.2,
                  warmup_steps=2, name="my_cd"),
    S.CosineDecayRestarts(initial_learning_rate=0.05, first_decay_steps=10, alpha=0.1,
                          t_mul=3.0, m_mul=4.0, name="my_cdr"),
]


@pytest.mark.parametrize("schedule", CONFIGS, ids=lambda s: type(s).__name__)
def test_config_round_trip(keras, schedule):
    theirs = keras.optimizers.schedules.deserialize(S.serialize(schedule))
    assert theirs.get_config() == schedule.get_config()
    clone = type(schedule).from_config(schedule.get_config())
    assert clone.get_config() == schedule.get_config()
    for step in (0, 5, 15, 25):
        assert_close(clone(step), keras.ops.convert_to_numpy(theirs(step)), F32_FORWARD,
                     f"{type(schedule).__name__}({step})")


# ---- inside an optimizer --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Adam", "Nadam", "Ftrl"])
def test_schedule_drives_optimizer_like_keras(keras, name):
    """The schedule sees the optimizer's iterations (Keras's _iterations, even with gradient
    accumulation); the optimizer keeps no learning_rate variable; get_config nests the schedule."""
    kwargs = {"gradient_accumulation_steps": 2, "name": "opt"}
    args = (0.0, 10, 0.2)  # CosineDecay(0, decay_steps=10, alpha) with a 4-step warmup to 0.1
    sched = {"warmup_target": 0.1, "warmup_steps": 4}
    mine = getattr(optimizers, name)(learning_rate=S.CosineDecay(*args, **sched), **kwargs)
    theirs = getattr(keras.optimizers, name)(
        learning_rate=keras.optimizers.schedules.CosineDecay(*args, **sched), **kwargs)
    rng = np.random.default_rng(7)
    init = rng.standard_normal((4, 3)).astype("float32")
    var, tvar = Variable(init, name="w"), keras.Variable(init, name="w")
    for step in range(16):
        grad = rng.standard_normal((4, 3)).astype("float32")
        mine.apply_gradients([(grad, var)])
        theirs.apply_gradients([(keras.ops.convert_to_tensor(grad), tvar)])
        assert_close(mine.learning_rate, keras.ops.convert_to_numpy(theirs.learning_rate),
                     F32_FORWARD, f"learning rate after step {step + 1}")
    assert_close(var.value, tvar.numpy(), 1e-5, f"{name} variable after 16 steps")
    paths = [v.path for v in mine.variables]
    assert "opt/learning_rate" not in paths and paths[0] == "opt/iteration"
    assert len(paths) == len(theirs.variables)
    for m, t in zip(mine.variables[1:], theirs.variables[1:], strict=True):
        assert_close(m.value, t.numpy(), 1e-5, f"optimizer variable {t.path}")
    assert mine.get_config() == theirs.get_config()


# ---- bad arguments --------------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: S.ExponentialDecay(0.1, 0, 0.9), "decay_steps"),
    (lambda: S.ExponentialDecay("0.1", 10, 0.9), "initial_learning_rate"),
    (lambda: S.InverseTimeDecay(0.1, -1, 0.5), "decay_steps"),
    (lambda: S.InverseTimeDecay(0.1, 10, "fast"), "decay_rate"),
    (lambda: S.PolynomialDecay(0.1, 0), "decay_steps"),
    (lambda: S.PolynomialDecay(0.1, 10, power="2"), "power"),
    (lambda: S.CosineDecay(0.1, 0), "decay_steps"),
    (lambda: S.CosineDecay("0.1", 10), "initial_learning_rate"),
    (lambda: S.CosineDecay(0.0, 10, warmup_target="0.1", warmup_steps=5), "warmup_target"),
    (lambda: S.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=-5), "warmup_steps"),
    (lambda: S.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
    (lambda: S.CosineDecayRestarts(0.1, 10, t_mul=0.0), "t_mul"),
    (lambda: S.PiecewiseConstantDecay([10, 20], [1.0, 0.5]), "length of boundaries"),
    (lambda: S.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), "strictly increasing"),
    (lambda: S.PiecewiseConstantDecay([10], ["1.0", 0.5]), "values"),
    (lambda: S.deserialize({"class_name": "CosineDecai", "config": {}}), "CosineDecay"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_base_class_says_what_to_override():
    with pytest.raises(NotImplementedError, match="__call__"):
        S.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        S.LearningRateSchedule().get_config()


def test_integer_initial_learning_rate_computes_in_float32():
    """Keras computes ExponentialDecay(1, 10, 0.5)(5) in int32/float64 and returns 0.0."""
    lr = S.ExponentialDecay(1, 10, 0.5)(5)
    assert lr.dtype == np.float32
    assert_close(lr, np.float32(0.5) ** np.float32(0.5), F32_FORWARD, "ExponentialDecay(1)")
