"""AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl: Keras's goldens, 20-step parity with
real Keras for every optimizer x the common arguments, configs, kernel twins, errors.

Goldens are copied from Keras 3.15.1's keras/src/optimizers/<name>_test.py (cited per test).
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import config, kernels, optimizers
from minikeras.optimizers import (
    Adadelta,
    Adagrad,
    Adamax,
    AdamW,
    Ftrl,
    Lion,
    Nadam,
    schedules,
)
from minikeras.variable import Variable
from tests.helpers import F32_FORWARD, F32_TRAJECTORY, F64, assert_close, use_dtype

NEW = [AdamW, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl]
GOLDEN_GRADS = np.linspace(0.1, 1.0, 10)  # Keras: ops.arange(0.1, 1.1, 0.1)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


# ---- Keras's goldens ------------------------------------------------------------------------

GOLDENS = {  # <name>_test.py::test_correctness_with_golden: (constructor kwargs, golden rows)
    AdamW: ({"learning_rate": 1.0, "weight_decay": 0.5, "epsilon": 2}, [
        [0.4998] * 10,
        [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
        [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003],
        [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258],
        [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159]]),
    Adagrad: ({"learning_rate": 0.2, "initial_accumulator_value": 0.3, "epsilon": 1e-6}, [
        [0.9963] * 10,
        [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
        [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
        [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
        [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825]]),
    Adadelta: ({"learning_rate": 1.0, "rho": 0.8, "epsilon": 1e-6},
               np.tile([[0.9978], [0.9947], [0.9915], [0.9882], [0.9849]], (1, 10))),
    Adamax: ({"learning_rate": 0.2, "beta_1": 0.85, "beta_2": 0.95, "epsilon": 1e-6}, [
        [0.8] * 10,
        [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
        [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
        [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
        [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126]]),
    Nadam: ({"learning_rate": 0.5, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5}, [
        [0.4281] * 10,
        [-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718,
         -0.1717],
        [-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085,
         -0.7084],
        [-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299],
        [-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455,
         -1.7454]]),
    Lion: ({}, np.tile([[0.999], [0.998], [0.997], [0.996], [0.995]], (1, 10))),
    Ftrl: ({"learning_rate": 0.05, "learning_rate_power": -0.2, "initial_accumulator_value": 0.4,
            "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.15,
            "l2_shrinkage_regularization_strength": 0.01, "beta": 0.3}, [
        [0.0] * 10,
        [-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325,
         -0.0354],
        [-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631,
         -0.0685],
        [-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922,
         -0.0999],
        [-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201,
         -0.1299]]),
}


@pytest.mark.parametrize("cls", NEW, ids=lambda c: c.__name__)
def test_golden_correctness(cls):  # <name>_test.py::test_correctness_with_golden
    kwargs, golden = GOLDENS[cls]
    optimizer = cls(**kwargs)
    x = Variable(np.ones(10), name="x")
    optimizer.apply_gradients([(np.full(10, 0.01), x)])
    for row in golden:
        np.testing.assert_allclose(x.value, row, rtol=5e-4, atol=5e-4)
        optimizer.apply_gradients([(GOLDEN_GRADS, x)])


@pytest.mark.parametrize("cls, expected", [  # <name>_test.py::test_single_step
    (AdamW, [0.4980, 1.4960, 2.494, 3.492]), (Adagrad, [0.5233, 1.5007, 2.5005, 3.5061]),
    (Adadelta, [0.9993, 1.9993, 2.9993, 3.9993]), (Adamax, [0.5, 1.5, 2.5, 3.5]),
    (Nadam, [0.4686, 1.4686, 2.4686, 3.4686]), (Lion, [0.5, 1.5, 2.5, 3.5]),
    (Ftrl, [0.2218, 1.3954, 2.3651, 2.8814]),
], ids=lambda c: getattr(c, "__name__", ""))
def test_golden_single_step(cls, expected):
    var = Variable(np.array([1.0, 2.0, 3.0, 4.0]), name="var")
    cls(learning_rate=0.5).apply_gradients([(np.array([1.0, 6.0, 7.0, 2.0]), var)])
    np.testing.assert_allclose(var.value, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cls", NEW[:-1], ids=lambda c: c.__name__)  # Ftrl's file has none
def test_golden_weight_decay(cls):  # <name>_test.py::test_weight_decay
    grads = np.zeros(())
    var1, var2, var3 = Variable(2.0), Variable(2.0, name="exclude"), Variable(2.0)
    cls(learning_rate=1.0, weight_decay=0.004).apply_gradients([(grads, var1)])
    optimizer_2 = cls(learning_rate=1.0, weight_decay=0.004)
    optimizer_2.exclude_from_weight_decay(var_names=["exclude"])
    optimizer_2.apply_gradients(zip([grads, grads], [var1, var2], strict=True))
    optimizer_3 = cls(learning_rate=1.0, weight_decay=0.004)
    optimizer_3.exclude_from_weight_decay(var_list=[var3])
    optimizer_3.apply_gradients(zip([grads, grads], [var1, var3], strict=True))
    np.testing.assert_almost_equal(var1.numpy(), 1.9760959, decimal=6)
    np.testing.assert_almost_equal(var2.numpy(), 2.0, decimal=6)
    np.testing.assert_almost_equal(var3.numpy(), 2.0, decimal=6)


@pytest.mark.parametrize("cls", NEW, ids=lambda c: c.__name__)
def test_golden_clipping(cls):  # <name>_test.py::test_clip_norm and test_clip_value
    grad = [np.array([100.0, 100.0])]
    np.testing.assert_allclose(cls(clipnorm=1)._clip_gradients(grad)[0], [2**0.5 / 2] * 2)
    np.testing.assert_allclose(cls(clipvalue=1)._clip_gradients(grad)[0], [1.0, 1.0])


def test_golden_nadam_build_with_empty_var_list():  # nadam_test.py
    optimizer = Nadam()
    optimizer.build([])
    assert optimizer._u_product.dtype == config.floatx()


def test_golden_lion_ema_fit():  # lion_test.py::test_ema: fit runs with use_ema
    from minikeras import Sequential
    from minikeras.layers import Dense

    model = Sequential([Dense(10)])
    model.compile(optimizer=Lion(use_ema=True), loss="mse")
    model.fit(np.zeros((1, 5)), np.zeros((1, 10)), verbose=0)
    assert int(model.optimizer.iterations) == 1


# ---- 20-step parity with real Keras ---------------------------------------------------------

SPECIFIC = {  # each <name>_test.py::test_config's arguments
    AdamW: {"learning_rate": 0.05, "weight_decay": 0.008, "beta_1": 0.5, "beta_2": 0.67,
            "epsilon": 1e-5, "amsgrad": True},
    Adagrad: {"learning_rate": 0.5, "initial_accumulator_value": 0.2, "epsilon": 1e-5},
    Adadelta: {"learning_rate": 0.5, "rho": 0.9, "epsilon": 1e-5},
    Adamax: {"learning_rate": 0.5, "beta_1": 0.8, "beta_2": 0.95, "epsilon": 1e-5},
    Nadam: {"learning_rate": 0.5, "beta_1": 0.5, "beta_2": 0.67, "epsilon": 1e-5},
    Lion: {"learning_rate": 0.05, "beta_1": 0.5, "beta_2": 0.67},
    Ftrl: GOLDENS[Ftrl][0],
}
COMMON = [  # the base optimizer's arguments, each one in at least one combination
    {},
    {"clipnorm": 0.5, "weight_decay": 0.05, "exclude": ("names", ["w0"])},
    {"global_clipnorm": 1.0, "use_ema": True, "ema_momentum": 0.9,
     "ema_overwrite_frequency": 3, "weight_decay": 0.01, "exclude": ("list", [1])},
    {"clipvalue": 0.4, "gradient_accumulation_steps": 3, "loss_scale_factor": 64.0,
     "schedule": (0.05, 4, 0.7), "use_ema": True},
]
PARITY = [(cls, kw) for cls in NEW for kw in [SPECIFIC[cls]] + COMMON]
SHAPES = [(5, 3), ()]  # a matrix and a scalar (each Keras variable costs ~10 ms a step)


def normalized_paths(optimizer):
    """Variable paths, with Nadam's auto-numbered u_product ("variable_3") as "variable"."""
    return [re.sub(r"/variable_\d+$", "/variable", v.path) for v in optimizer.variables]


def build_pair(keras, cls, kwargs):
    kwargs = {**kwargs, "name": "opt"}
    schedule = kwargs.pop("schedule", None)
    exclude = kwargs.pop("exclude", None)
    mine_kw, theirs_kw = dict(kwargs), dict(kwargs)
    if schedule:
        mine_kw["learning_rate"] = schedules.ExponentialDecay(*schedule)
        theirs_kw["learning_rate"] = keras.optimizers.schedules.ExponentialDecay(*schedule)
    return cls(**mine_kw), getattr(keras.optimizers, cls.__name__)(**theirs_kw), exclude


def exclude_both(mine, theirs, exclude, mine_vars, theirs_vars):
    if exclude is None:
        return
    kind, what = exclude
    if kind == "names":
        mine.exclude_from_weight_decay(var_names=what)
        theirs.exclude_from_weight_decay(var_names=what)
    else:
        mine.exclude_from_weight_decay(var_list=[mine_vars[i] for i in what])
        theirs.exclude_from_weight_decay(var_list=[theirs_vars[i] for i in what])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls, kwargs", PARITY,
                         ids=[f"{c.__name__}-{sorted(k)}" for c, k in PARITY])
def test_parity_with_keras(keras, cls, kwargs, dtype):
    """Same random gradients for 20 steps: every variable and optimizer variable matches."""
    use_dtype(dtype)
    rng = np.random.default_rng(len(str(kwargs)) + len(cls.__name__))
    init = [np.asarray(rng.standard_normal(s), dtype) for s in SHAPES]
    mine_vars = [Variable(x, name=f"w{i}") for i, x in enumerate(init)]
    theirs_vars = [keras.Variable(x, dtype=dtype, name=f"w{i}") for i, x in enumerate(init)]
    mine, theirs, exclude = build_pair(keras, cls, kwargs)
    exclude_both(mine, theirs, exclude, mine_vars, theirs_vars)
    for step in range(20):
        grads = [np.asarray(2 * rng.standard_normal(s), dtype) for s in SHAPES]
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], theirs_vars,
                                   strict=True))
        mine.apply_gradients(zip(grads, mine_vars, strict=True))
        if step in (0, 19):
            rtol = F64 if dtype == "float64" else F32_FORWARD if step == 0 else F32_TRAJECTORY
            for m, t in zip(mine_vars, theirs_vars, strict=True):
                assert_close(m.value, t.numpy(), rtol, f"{cls.__name__} {t.path} step {step + 1}")
    assert normalized_paths(mine) == normalized_paths(theirs)
    for m, t in zip(mine.variables, theirs.variables, strict=True):
        assert m.dtype == t.dtype, f"{m.path}: dtype {m.dtype} vs {t.dtype}"
        assert_close(m.value, t.numpy(), rtol, f"optimizer variable {t.path}")
    assert int(mine.iterations) == int(theirs.iterations)
    assert_close(mine.learning_rate, keras.ops.convert_to_numpy(theirs.learning_rate), rtol,
                 "learning_rate")
    if kwargs.get("use_ema"):  # end of fit: both overwrite the variables with the averages
        mine.finalize_variable_values(mine_vars)
        theirs.finalize_variable_values(theirs_vars)
        for m, t in zip(mine_vars, theirs_vars, strict=True):
            assert_close(m.value, t.numpy(), rtol, f"{t.path} after finalize_variable_values")


# ---- config, names, variables ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls", NEW, ids=lambda c: c.__name__)
def test_config_matches_keras(keras, cls, dtype):  # <name>_test.py::test_config, and more
    use_dtype(dtype)
    for kwargs in (SPECIFIC[cls], {"clipnorm": 1.5, "use_ema": True, "ema_overwrite_frequency": 4,
                                   "gradient_accumulation_steps": 2, "loss_scale_factor": 8.0},
                   {"schedule": (0.1, 3, 0.5), "global_clipnorm": 2.0, "weight_decay": 0.1}):
        mine, theirs, _ = build_pair(keras, cls, kwargs)
        assert mine.get_config() == theirs.get_config()
        assert list(mine.get_config()) == list(theirs.get_config())
        assert optimizers.serialize(mine) == keras.optimizers.serialize(theirs)
        clone = cls.from_config(mine.get_config())
        assert clone.get_config() == mine.get_config()
        assert optimizers.deserialize(optimizers.serialize(mine)).get_config() == \
            mine.get_config()
        theirs_clone = keras.optimizers.deserialize(optimizers.serialize(mine))
        assert theirs_clone.get_config() == theirs.get_config()
        assert normalized_paths(mine) == normalized_paths(theirs)


@pytest.mark.parametrize("cls", NEW, ids=lambda c: c.__name__)
def test_get_by_name(keras, cls):
    for name in (cls.__name__, cls.__name__.lower()):
        mine, theirs = optimizers.get(name), keras.optimizers.get(name)
        assert type(mine) is cls and type(theirs).__name__ == cls.__name__
        assert {k: v for k, v in mine.get_config().items() if k != "name"} == {
            k: v for k, v in theirs.get_config().items() if k != "name"}
        assert mine.name.rstrip("_0123456789") == theirs.name.rstrip("_0123456789")


# ---- numba twins == NumPy references --------------------------------------------------------

NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")
KERNEL_CASES = [  # (kernel, number of slot arrays, initial slot value, scalar arguments)
    ("adagrad_update", 1, 0.1, (0.01, 1e-7)),
    ("adagrad_update", 1, 0.3, (0.2, 1e-6)),
    ("adadelta_update", 2, 0.0, (1.0, 0.95, 1e-7)),
    ("adadelta_update", 2, 0.0, (0.5, 0.8, 1e-5)),
    ("adamax_update", 2, 0.0, (0.2, 0.85, 0.85, 0.95, 1e-6)),
    ("nadam_update", 2, 0.0, (0.5, 0.5, 0.67, 0.25, 0.26, 0.25, 0.67, 1e-5)),
    ("nadam_update", 2, 0.0, (0.001, 0.9, 0.999, 0.44, 0.45, 0.0873, 0.997, 1e-7)),
    ("lion_update", 1, 0.0, (0.01, 0.9, 0.99)),
    ("lion_update", 1, 0.0, (0.5, 0.5, 0.67)),
    ("ftrl_update", 2, 0.1, (0.001, -0.5, 0.0, 0.0, 0.0, 0.0)),
    ("ftrl_update", 2, 0.4, (0.05, -0.2, 0.05, 0.15, 0.01, 0.3)),
    ("ftrl_update", 2, 0.0, (0.1, 0.0, 0.5, 0.1, 0.0, 0.0)),
]


def make_array(shape, dtype, contiguous):
    """A zero array of `shape`, as a strided view of a bigger one unless `contiguous`."""
    if contiguous or len(shape) == 0:
        return np.zeros(shape, dtype)
    return np.zeros(tuple(2 * n + 1 for n in shape), dtype)[tuple(slice(1, None, 2)
                                                                 for _ in shape)]


@settings(max_examples=40, deadline=None)
@given(case=st.sampled_from(KERNEL_CASES), dtype=st.sampled_from(["float32", "float64"]),
       shape=st.lists(st.integers(1, 6), min_size=0, max_size=3).map(tuple),
       contiguous=st.booleans(), seed=st.integers(0, 2**16))
def test_kernel_twins(case, dtype, shape, contiguous, seed):
    """Three steps from the initial slots with random grads: numba and NumPy agree bit for bit
    (float64 Ftrl to 1e-13: NumPy's float64 power and numba's libm pow differ by an ulp)."""
    name, n_slots, slot_init, scalars = case
    rng = np.random.default_rng(seed)
    ref = [np.asarray(rng.standard_normal(shape), dtype)]
    ref += [np.full(shape, slot_init, dtype) for _ in range(n_slots)]
    fast = [make_array(shape, dtype, contiguous) for _ in ref]
    for r, f in zip(ref, fast, strict=True):
        f[...] = r
    for _ in range(3):
        grad = make_array(shape, dtype, contiguous)
        grad[...] = rng.standard_normal(shape)
        NUMPY[name](ref[0], grad.copy(), *ref[1:], *scalars)
        NUMBA[name](fast[0], grad, *fast[1:], *scalars)
        for i, (r, f) in enumerate(zip(ref, fast, strict=True)):
            assert f.dtype == np.dtype(dtype)
            if name == "ftrl_update" and dtype == "float64":  # NumPy's float64 power (SIMD)
                assert_close(f, r, 1e-13, f"{name} array {i}")  # and libm's differ by an ulp
            else:
                np.testing.assert_array_equal(f, r, err_msg=f"{name} array {i} ({dtype}, "
                                              f"{shape})")
    assert np.all(np.isfinite(ref[0]))


# ---- bad arguments --------------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: AdamW(weight_decay=None),  # adamw_test.py::test_weight_decay_is_none
     "Argument `weight_decay` must be a float. Received: weight_decay=None"),
    (lambda: AdamW(weight_decay=-0.1), "weight_decay"),
    (lambda: Nadam(decay=-0.1), "decay"),
    (lambda: Lion(beta_1=-0.1), r"Argument `beta_1` must be in the \[0, 1\] range. Otherwise, "
     r"the optimizer degenerates to SignSGD. Received: beta_1=-0.1."),  # lion_test.py
    (lambda: Lion(beta_1=0.0), r"degenerates to SignSGD. Received: beta_1=0.0."),
    (lambda: Lion(beta_1=1.1), r"degenerates to SignSGD. Received: beta_1=1.1."),
    (lambda: Lion(beta_2=1.5), "beta_2"),
    (lambda: Ftrl(initial_accumulator_value=-0.1),  # ftrl_test.py::test_invalid_*
     r"^`initial_accumulator_value` needs to be positive or zero. Received: "
     r"initial_accumulator_value=-0.1.$"),
    (lambda: Ftrl(learning_rate_power=0.1), r"^`learning_rate_power` needs to be negative or "
     r"zero. Received: learning_rate_power=0.1.$"),
    (lambda: Ftrl(l1_regularization_strength=-0.1), r"^`l1_regularization_strength` needs to "
     r"be positive or zero. Received: l1_regularization_strength=-0.1.$"),
    (lambda: Ftrl(l2_regularization_strength=-0.1), r"^`l2_regularization_strength` needs to "
     r"be positive or zero. Received: l2_regularization_strength=-0.1.$"),
    (lambda: Ftrl(l2_shrinkage_regularization_strength=-0.1),
     r"^`l2_shrinkage_regularization_strength` needs to be positive or zero. Received: "
     r"l2_shrinkage_regularization_strength=-0.1.$"),
    (lambda: Ftrl(beta="0.3"), "beta"),
    (lambda: Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: Adagrad(epsilon=-1e-7), "epsilon"), (lambda: Adadelta(rho=1.5), "rho"),
    (lambda: Adamax(beta_1=1.0), "beta_1"), (lambda: Nadam(beta_2=-0.1), "beta_2"),
    (lambda: Adamax(learning_rate=-0.5), "learning_rate"),
    (lambda: Adagrad(learning_rate="fast"), "learning_rate"),
    (lambda: Lion(clipnorm=0.0), "clipnorm"), (lambda: Adadelta(clipvalue=0), "clipvalue"),
    (lambda: Nadam(global_clipnorm=-1.0), "global_clipnorm"),
    (lambda: Ftrl(clipnorm=1.0, global_clipnorm=1.0), "Only one of"),
    (lambda: Adamax(gradient_accumulation_steps=1), "gradient_accumulation_steps"),
    (lambda: Adagrad(use_ema=True, ema_momentum=1.5), "ema_momentum"),
    (lambda: Lion(use_ema=True, ema_overwrite_frequency=0.5), "ema_overwrite_frequency"),
    (lambda: optimizers.get("nadm"), "Did you mean 'nadam'"),
    (lambda: optimizers.get("adamw_"), "adamw"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_exclude_from_weight_decay_after_build_raises():
    optimizer = AdamW()
    optimizer.apply_gradients([(np.ones(2), Variable(np.ones(2)))])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.exclude_from_weight_decay(var_names=["bias"])
