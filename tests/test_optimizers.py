"""Optimizers: Keras's own goldens, step-by-step parity with real Keras, kernel twins, errors.

Goldens are copied from Keras 3.15.1's keras/src/optimizers/{adam,sgd,rmsprop}_test.py (cited
per test). Parity runs the same random gradients through minikeras and keras optimizers for 20
steps and compares every model variable and every optimizer variable (slots included).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import config, kernels, optimizers
from minikeras.optimizers import SGD, Adam, RMSprop, schedules
from minikeras.variable import Variable
from tests.helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close

# ---- Keras's goldens ------------------------------------------------------------------------

GOLDEN_GRADS = np.linspace(0.1, 1.0, 10)  # Keras: ops.arange(0.1, 1.1, 0.1)


def run_golden(optimizer, golden):
    """Keras's test_correctness_with_golden: ones(10), one step of 0.01, then 5 of 0.1..1.0."""
    x = Variable(np.ones(10), name="x")
    optimizer.apply_gradients(zip([np.full(10, 0.01)], [x], strict=True))
    for row in golden:
        np.testing.assert_allclose(x.value, row, rtol=5e-4, atol=5e-4)
        optimizer.apply_gradients(zip([GOLDEN_GRADS], [x], strict=True))


def test_golden_adam_amsgrad():  # adam_test.py::test_correctness_with_golden
    run_golden(Adam(amsgrad=True), np.tile([[0.999], [0.9982], [0.9974], [0.9965], [0.9955]],
                                           (1, 10)))


def test_golden_sgd_nesterov():  # sgd_test.py::test_correctness_with_golden
    golden = np.array([
        [0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999],
        [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
        [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
        [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
        [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599]])
    run_golden(SGD(nesterov=True), golden)


def test_golden_rmsprop_centered():  # rmsprop_test.py::test_correctness_with_golden
    run_golden(RMSprop(centered=True), np.tile([[0.9967], [0.9933], [0.9908], [0.9885],
                                                [0.9864]], (1, 10)))


@pytest.mark.parametrize("cls, expected", [
    (Adam, [0.5, 1.5, 2.5, 3.5]),  # adam_test.py::test_single_step
    (SGD, [0.5, -1.0, -0.5, 3.0]),  # sgd_test.py::test_single_step
    (RMSprop, [-0.5811, 0.4189, 1.4189, 2.4189]),  # rmsprop_test.py::test_single_step
])
def test_golden_single_step(cls, expected):
    optimizer = cls(learning_rate=0.5)
    var = Variable(np.array([1.0, 2.0, 3.0, 4.0]), name="var")
    optimizer.apply_gradients(zip([np.array([1.0, 6.0, 7.0, 2.0])], [var], strict=True))
    np.testing.assert_allclose(var.value, expected, rtol=1e-4, atol=1e-4)


def test_golden_sgd_variables():  # sgd_test.py::test_single_step
    optimizer = SGD(learning_rate=0.5)
    assert len(optimizer.variables) == 2
    var = Variable(np.array([1.0, 2.0, 3.0, 4.0]))
    optimizer.build([var])
    optimizer.apply_gradients(zip([np.array([1.0, 6.0, 7.0, 2.0])], [var], strict=True))
    assert len(optimizer.variables) == 2
    assert int(optimizer.variables[0]) == 1 and float(optimizer.variables[1].value) == 0.5


@pytest.mark.parametrize("cls", [Adam, SGD, RMSprop])
def test_golden_weight_decay(cls):  # {adam,sgd,rmsprop}_test.py::test_weight_decay
    grads = np.zeros(())
    var1, var2, var3 = Variable(2.0), Variable(2.0, name="exclude"), Variable(2.0)
    cls(learning_rate=1.0, weight_decay=0.004).apply_gradients(zip([grads], [var1], strict=True))
    optimizer_2 = cls(learning_rate=1.0, weight_decay=0.004)
    optimizer_2.exclude_from_weight_decay(var_names=["exclude"])
    optimizer_2.apply_gradients(zip([grads, grads], [var1, var2], strict=True))
    optimizer_3 = cls(learning_rate=1.0, weight_decay=0.004)
    optimizer_3.exclude_from_weight_decay(var_list=[var3])
    optimizer_3.apply_gradients(zip([grads, grads], [var1, var3], strict=True))
    np.testing.assert_almost_equal(var1.numpy(), 1.9760959, decimal=6)
    np.testing.assert_almost_equal(var2.numpy(), 2.0, decimal=6)
    np.testing.assert_almost_equal(var3.numpy(), 2.0, decimal=6)


@pytest.mark.parametrize("cls", [Adam, SGD, RMSprop])
def test_golden_clipping(cls):  # {adam,sgd,rmsprop}_test.py::test_clip_norm / test_clip_value
    grad = [np.array([100.0, 100.0])]
    np.testing.assert_allclose(cls(clipnorm=1)._clip_gradients(grad)[0], [2**0.5 / 2] * 2)
    np.testing.assert_allclose(cls(clipvalue=1)._clip_gradients(grad)[0], [1.0, 1.0])


def test_golden_ema():  # adam_test.py::test_ema and test_ema_overwrite_frequency
    def close(a, b):  # Keras's assertAllClose defaults
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)

    optimizer = Adam(learning_rate=1.0, use_ema=True, ema_momentum=0.9)
    var, grads = Variable(np.array([1.0, 2.0])), np.array([0.1, 0.2], dtype="float32")
    optimizer.apply_gradients([(grads, var)])
    v1 = var.numpy()
    close(optimizer._model_variables_moving_average[0].value, v1)
    optimizer.apply_gradients([(grads, var)])
    expected_ema = 0.9 * v1 + 0.1 * var.numpy()
    close(optimizer._model_variables_moving_average[0].value, expected_ema)
    optimizer.finalize_variable_values([var])
    close(var.value, expected_ema)

    optimizer = Adam(learning_rate=1.0, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=2)
    plain = Adam(learning_rate=1.0)
    var, var_plain = Variable(np.array([1.0, 2.0])), Variable(np.array([1.0, 2.0]))
    optimizer.apply_gradients([(grads, var)])
    plain.apply_gradients([(grads, var_plain)])
    v1 = var_plain.numpy()
    close(var.value, v1)
    optimizer.apply_gradients([(grads, var)])
    plain.apply_gradients([(grads, var_plain)])
    close(var.value, 0.9 * v1 + 0.1 * var_plain.numpy())


# ---- parity with real Keras -----------------------------------------------------------------

SCHEDULE = {"schedule": (0.1, 3, 0.5)}  # ExponentialDecay(initial, decay_steps, decay_rate)
COMBOS = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("SGD", {"learning_rate": 0.1, "weight_decay": 0.05}), ("SGD", {"clipnorm": 0.5}),
    ("SGD", {"clipvalue": 0.3}), ("SGD", {"global_clipnorm": 0.5, "momentum": 0.5}),
    ("SGD", {**SCHEDULE, "weight_decay": 0.01, "momentum": 0.9}),
    ("Adam", {}), ("Adam", {"amsgrad": True}),
    ("Adam", {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5}),
    ("Adam", {"weight_decay": 0.1, "clipnorm": 1.0}), ("Adam", {"global_clipnorm": 1.0}),
    ("Adam", {"clipvalue": 0.5, "amsgrad": True}),
    ("Adam", {"use_ema": True, "ema_momentum": 0.9, "ema_overwrite_frequency": 3}),
    ("Adam", {"gradient_accumulation_steps": 3}), ("Adam", {"loss_scale_factor": 128.0}),
    ("Adam", {**SCHEDULE, "weight_decay": 0.004}),
    ("RMSprop", {}), ("RMSprop", {"centered": True}), ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"centered": True, "momentum": 0.5, "rho": 0.8, "epsilon": 1e-6,
                 "clipvalue": 0.5, "weight_decay": 0.01}),
    ("RMSprop", {**SCHEDULE, "use_ema": True, "gradient_accumulation_steps": 2}),
]
SHAPES = [(5, 3), (7,), ()]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def build_pair(keras, name, kwargs):
    kwargs = dict(kwargs)
    schedule = kwargs.pop("schedule", None)
    mine_kw, theirs_kw = dict(kwargs), dict(kwargs)
    if schedule:
        mine_kw["learning_rate"] = schedules.ExponentialDecay(*schedule)
        theirs_kw["learning_rate"] = keras.optimizers.schedules.ExponentialDecay(*schedule)
    return getattr(optimizers, name)(**mine_kw), getattr(keras.optimizers, name)(**theirs_kw)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", COMBOS, ids=[f"{n}-{k}" for n, k in COMBOS])
def test_parity_with_keras(keras, name, kwargs, dtype):
    keras.config.set_floatx(dtype)
    config.set_floatx(dtype)
    rng = np.random.default_rng(len(str(kwargs)))
    init = [np.asarray(rng.standard_normal(s), dtype) for s in SHAPES]
    mine_vars = [Variable(x, name=f"w{i}") for i, x in enumerate(init)]
    theirs_vars = [keras.Variable(x, dtype=dtype, name=f"w{i}") for i, x in enumerate(init)]
    mine, theirs = build_pair(keras, name, {**kwargs, "name": "opt"})  # same slot paths
    for step in range(20):
        grads = [np.asarray(2 * rng.standard_normal(s), dtype) for s in SHAPES]
        tensors = [keras.ops.convert_to_tensor(g) for g in grads]
        theirs.apply_gradients(zip(tensors, theirs_vars, strict=True))
        mine.apply_gradients(zip(grads, mine_vars, strict=True))
        if step == 0 or step == 19:
            rtol = F64 if dtype == "float64" else F32_FORWARD if step == 0 else F32_TRAJECTORY
            for m, t in zip(mine_vars, theirs_vars, strict=True):
                assert_close(m.value, t.numpy(), rtol, f"{name} {t.path} step {step + 1}")
    assert [v.path for v in mine.variables] == [v.path for v in theirs.variables]
    for m, t in zip(mine.variables, theirs.variables, strict=True):
        assert m.dtype == t.dtype, f"{m.path}: dtype {m.dtype} vs {t.dtype}"
        assert_close(m.value, t.numpy(), rtol, f"optimizer variable {t.path}")
    assert int(mine.iterations) == int(theirs.iterations)
    assert_close(mine.learning_rate, keras.ops.convert_to_numpy(theirs.learning_rate), rtol,
                 "learning_rate")


@pytest.mark.parametrize("name, kwargs", [
    ("Adam", {"epsilon": 0.0}), ("RMSprop", {"epsilon": 0.0}),
    ("Adagrad", {"epsilon": 0.0, "initial_accumulator_value": 0.0})])
def test_zero_over_zero_gives_nan_as_keras(keras, name, kwargs):
    # epsilon=0 and a zero gradient: 0 / 0 in the update. Keras gives nan; the compiled
    # kernels raised ZeroDivisionError (numba's Python error model) before error_model="numpy"
    theirs = keras.Variable(np.ones(3, "float32"))
    getattr(keras.optimizers, name)(**kwargs).apply_gradients(
        [(keras.ops.convert_to_tensor(np.zeros(3, "float32")), theirs)])
    mine = Variable(np.ones(3, "float32"), name="w")
    getattr(optimizers, name)(**kwargs).apply_gradients([(np.zeros(3, "float32"), mine)])
    assert np.isnan(theirs.numpy()).all() and np.isnan(mine.value).all()


def test_constraint_applied_after_update(keras):
    """var = constraint(update(var)): Keras's NonNeg, compared with Keras itself."""
    init = np.array([0.05, -0.05, 0.3, -0.3], "float32")
    grad = np.array([1.0, -1.0, 1.0, -1.0], "float32")  # Adam's first step: var -= 0.1 * sign
    mine = Variable(init, name="w", constraint=lambda w: np.maximum(w, 0))
    theirs = keras.Variable(init, name="w")
    theirs.constraint = keras.constraints.NonNeg()  # keras.Variable(constraint=) is ignored
    Adam(learning_rate=0.1).apply_gradients([(grad, mine)])
    keras.optimizers.Adam(learning_rate=0.1).apply_gradients([(grad, theirs)])
    assert_close(mine.value, theirs.numpy(), F32_FORWARD, "constrained variable")
    assert_close(mine.value, [0.0, 0.05, 0.2, 0.0], 1e-5, "clip after the step")  # before: 0.1


CONFIGS = [
    ("Adam", {"learning_rate": 0.5, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5,
              "amsgrad": True}),  # adam_test.py::test_config
    ("SGD", {"learning_rate": 0.5, "momentum": 0.06, "nesterov": True,
             "weight_decay": 0.004}),  # sgd_test.py::test_config
    ("RMSprop", {"learning_rate": 0.5, "rho": 0.8, "momentum": 0.05, "epsilon": 1e-6,
                 "centered": True}),  # rmsprop_test.py::test_config
    ("Adam", {"clipnorm": 1.5, "use_ema": True, "ema_overwrite_frequency": 4,
              "gradient_accumulation_steps": 2, "loss_scale_factor": 8.0}),
    ("SGD", {**SCHEDULE, "global_clipnorm": 2.0}), ("RMSprop", {"clipvalue": 0.5}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_config_matches_keras(keras, name, kwargs, dtype):
    keras.config.set_floatx(dtype)
    config.set_floatx(dtype)
    mine, theirs = build_pair(keras, name, {**kwargs, "name": "opt"})
    assert mine.get_config() == theirs.get_config()
    assert list(mine.get_config()) == list(theirs.get_config())
    assert optimizers.serialize(mine) == keras.optimizers.serialize(theirs)
    clone = type(mine).from_config(mine.get_config())
    assert clone.get_config() == mine.get_config()
    assert optimizers.deserialize(optimizers.serialize(mine)).get_config() == mine.get_config()
    assert [v.path for v in mine.variables] == [v.path for v in theirs.variables]


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_matches_keras(keras, staircase):
    mine = schedules.ExponentialDecay(0.1, 7, 0.96, staircase=staircase)
    theirs = keras.optimizers.schedules.ExponentialDecay(0.1, 7, 0.96, staircase=staircase)
    for step in [0, 1, 6, 7, 8, 100, 12345]:
        lr = keras.ops.convert_to_numpy(theirs(step))
        assert mine(step).dtype == lr.dtype
        assert_close(mine(step), lr, F32_FORWARD, f"ExponentialDecay({step})")
    assert mine.get_config() == theirs.get_config()
    assert schedules.serialize(mine) == keras.optimizers.schedules.serialize(theirs)


# ---- numba twins == NumPy references --------------------------------------------------------

NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")
KERNEL_CASES = [  # (kernel, slots used, None-able slots, scalar arguments)
    ("sgd_update", (True,), (0.05, 0.0, False)), ("sgd_update", (False,), (0.05, 0.9, False)),
    ("sgd_update", (False,), (0.05, 0.9, True)),
    ("adam_update", (False, False, True), (0.01, 0.9, 0.999, 1e-7)),
    ("adam_update", (False, False, False), (0.01, 0.5, 0.67, 1e-5)),
    ("rmsprop_update", (False, True, True), (0.01, 0.9, 0.0, 1e-7)),
    ("rmsprop_update", (False, False, False), (0.01, 0.8, 0.5, 1e-6)),
]
N_SLOTS = {"sgd_update": 1, "adam_update": 3, "rmsprop_update": 3}


def make_array(rng, shape, dtype, contiguous):
    """A zero array of `shape`, as a strided view of a bigger one unless `contiguous`."""
    if contiguous or len(shape) == 0:
        return np.zeros(shape, dtype)
    return np.zeros(tuple(2 * n + 1 for n in shape), dtype)[tuple(slice(1, None, 2)
                                                                 for _ in shape)]


@settings(max_examples=25, deadline=None)
@given(case=st.sampled_from(KERNEL_CASES), dtype=st.sampled_from(["float32", "float64"]),
       shape=st.lists(st.integers(1, 6), min_size=0, max_size=3).map(tuple),
       contiguous=st.booleans(), seed=st.integers(0, 2**16))
def test_kernel_twins(case, dtype, shape, contiguous, seed):
    """Three steps from zero slots with random grads: numba and NumPy agree bit for bit."""
    name, none_slots, scalars = case
    rng = np.random.default_rng(seed)
    var = make_array(rng, shape, dtype, contiguous)
    var[...] = rng.standard_normal(shape)
    ref = [var.copy()] + [np.zeros(shape, dtype) for _ in range(N_SLOTS[name])]
    fast = [var] + [make_array(rng, shape, dtype, contiguous) for _ in range(N_SLOTS[name])]
    for _ in range(3):
        grad = make_array(rng, shape, dtype, contiguous)
        grad[...] = rng.standard_normal(shape)
        slots = [[None if n else a for a, n in zip(arrays[1:], none_slots, strict=True)]
                 for arrays in (ref, fast)]
        NUMPY[name](ref[0], grad.copy(), *slots[0], *scalars)
        NUMBA[name](fast[0], grad, *slots[1], *scalars)
        for i, (r, f) in enumerate(zip(ref, fast, strict=True)):
            assert f.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(f, r, err_msg=f"{name} array {i} ({dtype}, {shape})")
        assert np.all(np.isfinite(ref[0]))


# ---- behaviour of the Optimizer API ---------------------------------------------------------

def test_updates_in_place_and_leaves_gradients_alone():
    var = Variable(np.arange(6.0).reshape(2, 3), name="w")
    view, grad = var.value[0], np.ones((2, 3), "float32")
    optimizer = Adam(learning_rate=0.1)
    optimizer.apply_gradients([(grad, var)])
    assert np.all(grad == 1) and view.base is var.value
    assert_close(view, np.arange(3.0) - 0.1, F32_FORWARD, "view of the variable")
    optimizer.apply([grad])  # built: gradients alone, in the order of build
    assert int(optimizer.iterations) == 2 and optimizer.iterations.numpy() == 2


def test_learning_rate_set_and_schedules():
    optimizer = SGD(learning_rate=0.1)
    var = Variable(np.ones(3))
    optimizer.learning_rate = 0.5
    optimizer.apply_gradients([(np.ones(3), var)])
    np.testing.assert_array_equal(var.value, 0.5)
    assert optimizer.get_config()["learning_rate"] == 0.5
    decayed = SGD(learning_rate=schedules.ExponentialDecay(1.0, 1, 0.5))
    assert len(decayed.variables) == 1  # no learning_rate variable with a schedule
    for step in range(3):
        assert float(decayed.learning_rate) == 0.5**step
        decayed.apply_gradients([(np.ones(3), Variable(np.ones(3)))]) if step == 0 else \
            decayed.apply([np.ones(3)])
    with pytest.raises(TypeError, match="learning_rate"):
        decayed.learning_rate = 0.1


def test_get_by_name_dict_and_instance():
    for name, cls in [("sgd", SGD), ("SGD", SGD), ("adam", Adam), ("ADAM", Adam),
                      ("rmsprop", RMSprop), ("RMSprop", RMSprop)]:
        assert type(optimizers.get(name)) is cls
    adam = Adam(learning_rate=0.25)
    assert optimizers.get(adam) is adam and optimizers.get(None) is None
    assert optimizers.get(optimizers.serialize(adam)).get_config() == adam.get_config()
    assert RMSprop().name.startswith("rm_sprop")


def test_missing_gradient_warns_and_skips():
    a, b = Variable(np.ones(2)), Variable(np.ones(2))
    optimizer = SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizer.apply_gradients([(np.ones(2), a), (None, b)])
    np.testing.assert_array_equal(a.value, 0.0)
    np.testing.assert_array_equal(b.value, 1.0)


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(learning_rate=-0.1), "learning_rate"),
    (lambda: Adam(learning_rate="fast"), "learning_rate"),
    (lambda: SGD(decay=-0.01), "decay"),
    (lambda: Adam(foo=1), "not recognized"),
    (lambda: SGD(momentum=-1.0), r"`momentum` must be a float between \[0, 1\]"),  # sgd_test.py
    (lambda: SGD(momentum=2.0), r"`momentum` must be a float between \[0, 1\]"),
    (lambda: Adam(beta_1=1.0), "beta_1"), (lambda: Adam(epsilon=-1e-7), "epsilon"),
    (lambda: RMSprop(rho=1.5), "rho"), (lambda: RMSprop(momentum=-0.5), "momentum"),
    (lambda: Adam(clipnorm=1.0, clipvalue=1.0), "Only one of"),
    (lambda: Adam(clipnorm=-1.0), "clipnorm"), (lambda: SGD(weight_decay=-0.1), "weight_decay"),
    (lambda: Adam(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
    (lambda: Adam(use_ema=True, ema_momentum=1.5), "ema_momentum"),
    (lambda: Adam(use_ema=True, ema_overwrite_frequency=0), "ema_overwrite_frequency"),
    (lambda: Adam(loss_scale_factor=0.0), "loss_scale_factor"),
    (lambda: optimizers.get("adamm"), "Did you mean 'adam'"),
    (lambda: optimizers.get(42), "Could not interpret optimizer identifier"),
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.9), "decay_steps"),
    (lambda: schedules.ExponentialDecay("0.1", 10, 0.9), "initial_learning_rate"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_gradients_and_variables():
    var = Variable(np.ones(3), name="w", path="dense/w")
    optimizer = Adam()
    with pytest.raises(ValueError, match="dense/w.*shape"):
        optimizer.apply_gradients([(np.ones(4), var)])
    with pytest.raises(TypeError, match="Variable"):
        Adam().apply_gradients([(np.ones(3), np.ones(3))])
    with pytest.raises(ValueError, match="No gradients"):
        Adam().apply_gradients([(None, var)])
    with pytest.raises(ValueError, match="built"):
        Adam().apply([np.ones(3)])
    optimizer.apply_gradients([(np.ones(3), var)])
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply_gradients([(np.ones(3), Variable(np.ones(3)))])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])
