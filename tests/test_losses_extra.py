"""The losses beyond the crossentropies and MSE/MAE: Keras parity for values and tf.GradientTape
gradients (every reduction, sample weights, edge inputs, axis), float64 finite differences,
Keras's goldens, configs and serialization, `get` names and aliases, and bad arguments."""

import numpy as np
import pytest
from helpers import (
    F32_FORWARD,
    F64,
    FD,
    assert_as_accurate,
    assert_close,
    numeric_grad,
    use_dtype,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minikeras import losses

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]
TOL = {"float32": F32_FORWARD, "float64": F64}
ALPHA5 = np.array([0.1, 0.2, 0.3, 0.25, 0.15])  # an array: Keras turns a list into float32

# (class name, constructor kwargs, kind of data: see _data)
CASES = [
    ("MeanAbsolutePercentageError", {}, "real"),
    ("MeanSquaredLogarithmicError", {}, "msle"),
    ("Huber", {}, "real"), ("Huber", {"delta": 0.7}, "real"),
    ("LogCosh", {}, "real"),
    ("Hinge", {}, "binary_z"), ("Hinge", {}, "signed_z"),
    ("SquaredHinge", {}, "binary_z"), ("SquaredHinge", {}, "signed_z"),
    ("CategoricalHinge", {}, "onehot_z"),
    ("KLDivergence", {}, "distributions"),
    ("Poisson", {}, "counts"),
    ("CosineSimilarity", {}, "cosine"),
    ("BinaryFocalCrossentropy", {}, "binary_p"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5,
                                 "label_smoothing": 0.1}, "binary_p"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 3.0}, "binary_logits"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "apply_class_balancing": True,
                                 "gamma": 0.0}, "binary_logits"),
    ("CategoricalFocalCrossentropy", {}, "onehot_p"),
    ("CategoricalFocalCrossentropy", {"alpha": ALPHA5, "gamma": 1.5, "label_smoothing": 0.2},
     "onehot_p"),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "gamma": 0.0}, "onehot_logits"),
]
IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


def _data(rng, kind, dtype, n=7, k=5):
    """(y_true, y_pred) of the kind a loss expects, away from kinks and clipping bounds."""
    onehot = np.eye(k)[rng.integers(0, k, n)]
    binary = rng.integers(0, 2, (n, k)).astype(float)
    z = rng.normal(0, 3, (n, k))
    p = rng.uniform(0.02, 0.98, (n, k))
    real = rng.normal(0, 2, (n, k))
    # cosine: y_pred 25 to 80 degrees off y_true's direction. Near parallel, the gradient is
    # a small difference of large terms; with mixed signs, the batch mean can cancel to ~0:
    # either way float32 noise in both libraries.
    unit = real / np.linalg.norm(real, axis=-1, keepdims=True)
    ortho = z - np.sum(z * unit, axis=-1, keepdims=True) * unit
    ortho /= np.maximum(np.linalg.norm(ortho, axis=-1, keepdims=True), 1e-12)
    cosine = rng.uniform(0.4, 1, (n, 1)) * unit + rng.uniform(1, 2, (n, 1)) * ortho
    # focal losses on logits: moderate logits (saturated ones leave a gradient that is float32
    # rounding noise on both sides; test_parity_on_kinks_and_clipping_bounds covers them)
    logits = rng.normal(0, 1.5, (n, k))
    sign = np.where(rng.uniform(size=(n, k)) < 0.5, -1, 1)
    low = rng.uniform(-0.5, 3, (n, k))
    pairs = {
        # |y_pred - y_true| >= 0.5: Keras's log_cosh form cancels in float32 for tiny errors
        "real": (real, real + sign * (0.5 + np.abs(z))),
        "cosine": (real, cosine if k > 1 else z),
        "binary_logits": (binary, logits), "onehot_logits": (onehot, logits),
        # log(1 + p) and log(1 + t) at least ~0.2 apart, for the same reason
        "msle": (low, low + sign * (1 + 2 * p)),
        "binary_z": (binary, z), "signed_z": (2 * binary - 1, z),
        "onehot_z": (onehot, z), "onehot_p": (onehot, rng.dirichlet(np.ones(k), n)),
        "binary_p": (binary, p),
        "distributions": (rng.dirichlet(np.ones(k), n), rng.dirichlet(np.ones(k), n)),
        # counts <= 2 keep p - t log p > 0.6: no float32 cancellation near a zero loss
        "counts": (np.minimum(rng.poisson(2.0, (n, k)), 2).astype(float), 4 * p),
    }
    y_true, y_pred = pairs[kind]
    return y_true.astype(dtype), y_pred.astype(dtype)


def _keras_value_and_grad(loss, y_true, y_pred, sample_weight=None):
    import tensorflow as tf

    y_pred = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = loss(y_true, y_pred, sample_weight=sample_weight)
    return np.atleast_1d(np.asarray(value)), tape.gradient(value, y_pred).numpy()


def _compare(mine, theirs, y_true, y_pred, sw, tol, label):
    value, grad = mine.value_and_grad(y_true, y_pred, sw)
    value_k, grad_k = _keras_value_and_grad(theirs, y_true, y_pred, sw)
    assert grad.dtype == y_pred.dtype and grad.shape == y_pred.shape, label
    assert_close(np.atleast_1d(value), value_k, tol, f"{label} loss")
    assert_close(np.atleast_1d(mine(y_true, y_pred, sw)), value_k, tol, f"{label} __call__")
    assert_close(grad, grad_k, tol, f"{label} dy_pred")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=IDS)
def test_parity_with_keras(name, kwargs, kind, dtype, rng):
    keras = pytest.importorskip("keras")
    use_dtype(dtype)
    y_true, y_pred = _data(rng, kind, dtype)
    weights = [None, 2.3, rng.uniform(0, 2, 7), rng.uniform(0, 2, (7, 1))]
    for reduction in REDUCTIONS:
        mine = getattr(losses, name)(reduction=reduction, **kwargs)
        theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
        for i, sw in enumerate(weights):
            _compare(mine, theirs, y_true, y_pred, sw, TOL[dtype],
                     f"{name}{kwargs} {reduction} sample_weight#{i}")


def _edges(dtype):
    """Inputs on kinks and clipping bounds, where the choice of subgradient shows."""
    p = np.array([[0.0, 1.0, 0.5, 1e-9], [1 - 1e-9, 1e-7, 0.3, 0.7]])
    t01 = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]])
    return [
        ("MeanAbsolutePercentageError", {}, [[0.0, 2.0, -1.5, 3.0], [1e-9, 0.0, 4.0, 0.5]],
         [[0.5, 2.0, -1.0, 0.0], [1.0, 0.0, 4.0, -0.5]]),
        ("MeanSquaredLogarithmicError", {}, [[0.0, -1.0, 2.0, 1e-9], [3.0, 0.5, -0.2, 1e-7]],
         [[-0.5, 0.0, 1e-9, 1e-7], [2.0, 0.5, -3.0, 1.0]]),
        ("Huber", {"delta": 0.5}, [[0.0, 0.0, 1.0, 2.0], [0.0, -1.0, 1.0, 0.0]],
         [[0.5, -0.5, 1.0, -3.0], [0.25, 4.0, 1.5, 0.0]]),
        ("LogCosh", {}, [[0.0, 40.0, -3.0, 0.0], [1.0, 2.0, 0.0, 0.0]],
         [[50.0, -10.0, -3.0, 1e-3], [-60.0, 2.5, 0.7, 0.0]]),
        ("Hinge", {}, t01, [[1.0, 1.0, -1.0, -1.0], [0.0, 2.0, 1.0, -0.5]]),
        ("SquaredHinge", {}, [[-1.0, 0.0, 1.0, 1.0], [1.0, 1.0, -1.0, 0.5]],
         [[1.0, 1.0, -1.0, 1.0], [0.0, 2.0, 1.0, -0.5]]),
        ("CategoricalHinge", {}, [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]],
         [[0.5, 1.5, 0.5, -1.0], [-1.0, -2.0, -2.0, -3.0]]),
        ("KLDivergence", {}, [[0.0, 1.0, 0.5, 0.5], [0.2, 0.3, 0.0, 0.5]], p),
        ("Poisson", {}, [[0.0, 3.0, 1.0, 2.0], [5.0, 0.0, 1.0, 1.0]], p),
        ("CosineSimilarity", {}, [[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 0.0, -1.0]],
         [[1.0, -2.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]),
        ("BinaryFocalCrossentropy", {}, t01, p),
        ("BinaryFocalCrossentropy", {"gamma": 0.5, "apply_class_balancing": True}, t01,
         [[0.0, 0.5, 0.25, 1e-9], [1 - 1e-9, 0.2, 0.3, 0.7]]),
        ("BinaryFocalCrossentropy", {"from_logits": True}, t01,
         [[0.0, 30.0, -30.0, 100.0], [-100.0, 2.0, -0.5, 17.0]]),
        ("CategoricalFocalCrossentropy", {}, np.eye(4)[[1, 2]], [[0.0, 1.0, 0.0, 0.0],
                                                                  [0.2, 0.2, 0.6, 0.0]]),
        ("CategoricalFocalCrossentropy", {"from_logits": True}, np.eye(4)[[1, 2]],
         [[0.0, 40.0, -40.0, 0.0], [1.0, 1.0, 1.0, 1.0]]),
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_parity_on_kinks_and_clipping_bounds(dtype):
    keras = pytest.importorskip("keras")
    use_dtype(dtype)
    for name, kwargs, y_true, y_pred in _edges(dtype):
        y_true, y_pred = np.asarray(y_true, dtype), np.asarray(y_pred, dtype)
        _compare(getattr(losses, name)(reduction="sum", **kwargs),
                 getattr(keras.losses, name)(reduction="sum", **kwargs), y_true, y_pred, None,
                 TOL[dtype], f"{name}{kwargs} edges")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_parity_axis_timesteps_and_rank_matching(dtype, rng):
    """axis on 3-D outputs, (n,) labels vs (n, 1) outputs, per-timestep sample weights."""
    keras = pytest.importorskip("keras")
    use_dtype(dtype)
    p = rng.uniform(0.02, 0.98, (4, 3, 5)).astype(dtype)
    z = (p * 8 - 4).astype(dtype)
    onehot1 = np.moveaxis(np.eye(3, dtype=dtype)[rng.integers(0, 3, (4, 5))], -1, 1)
    binary = rng.integers(0, 2, (4, 3, 5)).astype(dtype)
    steps = rng.uniform(0, 1, (4, 3))
    column = rng.normal(size=6).astype(dtype), z.reshape(-1)[:12:2, None]
    cases = [
        ("CosineSimilarity", {"axis": 1}, z[::-1], z, rng.uniform(0, 1, (4, 1))),
        ("CategoricalFocalCrossentropy", {"axis": 1, "label_smoothing": 0.1}, onehot1, p, None),
        ("CategoricalFocalCrossentropy", {"axis": 1, "from_logits": True,
                                          "alpha": ALPHA5}, onehot1, z, None),
        ("BinaryFocalCrossentropy", {"axis": 1, "apply_class_balancing": True}, binary, p, None),
        ("BinaryFocalCrossentropy", {}, binary[..., :1], p[..., :1], steps),
        ("Huber", {}, *column, None), ("LogCosh", {}, *column, None),
        ("MeanAbsolutePercentageError", {}, *column, None),
        ("Poisson", {}, binary[..., :1], p[..., :1], steps),
        ("KLDivergence", {}, p[..., ::-1], p, steps),
        ("Hinge", {}, binary[:, 0, :1].reshape(-1), z[:, 0, :1], None),
        ("CategoricalHinge", {}, onehot1[:, :, 0], z[:, :, 0], None),
    ]
    for name, kwargs, y_true, y_pred, sw in cases:
        _compare(getattr(losses, name)(**kwargs), getattr(keras.losses, name)(**kwargs),
                 y_true, y_pred, sw, TOL[dtype], f"{name}{kwargs} {y_pred.shape}")


@pytest.mark.filterwarnings("ignore:.*num_classes > 1", "ignore:.*axis -1 .* has size 1")
@settings(max_examples=15, deadline=None)
@example(batch=1, k=1, case=("BinaryFocalCrossentropy", {"from_logits": True, "gamma": 3.0},
                             "binary_logits"), seed=0)  # _float64_referee
@given(batch=st.sampled_from([1, 2, 3, 9]), k=st.integers(1, 7), case=st.sampled_from(CASES),
       seed=st.integers(0, 2**16))
def test_hypothesis_shapes_vs_keras(batch, k, case, seed):
    keras = pytest.importorskip("keras")
    name, kwargs, kind = case
    if name == "CosineSimilarity" and k == 1:
        k = 2  # one feature: the true gradient is 0 and both sides return float32 noise
    if "alpha" in kwargs and np.ndim(kwargs["alpha"]):
        kwargs = {**kwargs, "alpha": np.linspace(0.1, 0.9, k)}
    y_true, y_pred = _data(np.random.default_rng(seed), kind, "float32", n=batch, k=k)
    label = f"{name}{kwargs} batch={batch} k={k}"
    try:
        _compare(getattr(losses, name)(**kwargs), getattr(keras.losses, name)(**kwargs),
                 y_true, y_pred, None, F32_FORWARD, label)
    except AssertionError:
        _float64_referee(keras, name, kwargs, y_true, y_pred, label)


def _float64_referee(keras, name, kwargs, y_true, y_pred, label):
    """A float32 loss or gradient outside tolerance passes only if both libraries agree in
    float64 (1e-10) on the same float32 data, and minikeras's float32 value and gradient are no
    further from float64 than 2 x Keras's float32 ones (+ 1e-7). Seen: BinaryFocalCrossentropy
    (from_logits, gamma 3) on one logit of 1.956, a loss of 2.5e-4 from (1 - p_t)^3 after
    1 - p_t cancels: 1.4e-6 apart, minikeras 2.5e-7 and Keras 1.6e-6 from float64."""
    results = {}
    for dtype in ("float32", "float64"):
        use_dtype(dtype)
        mine = getattr(losses, name)(**kwargs).value_and_grad(
            y_true.astype(dtype), y_pred.astype(dtype), None)
        theirs = _keras_value_and_grad(getattr(keras.losses, name)(**kwargs),
                                       y_true.astype(dtype), y_pred.astype(dtype))
        results[dtype] = [np.atleast_1d(np.asarray(a, np.float64)) for a in (*mine, *theirs)]
    use_dtype("float32")
    value64, grad64, value64_k, grad64_k = results["float64"]
    assert_close(value64, value64_k, F64, f"{label} loss, float64 referee")
    assert_close(grad64, grad64_k, F64, f"{label} dy_pred, float64 referee")
    value, grad, value_k, grad_k = results["float32"]
    for what, mine, theirs, exact in [("loss", value, value_k, value64_k),
                                      ("dy_pred", grad, grad_k, grad64_k)]:
        assert_as_accurate(mine, theirs, exact, f"{label} {what}", factor=2, floor=1e-7,
                           unit_scale=False, who=("minikeras", "Keras's"))


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=IDS)
def test_gradients_match_finite_differences(name, kwargs, kind, rng):
    use_dtype("float64")
    y_true, y_pred = _data(rng, kind, "float64", n=5, k=4)
    if "alpha" in kwargs and np.ndim(kwargs["alpha"]):
        kwargs = {**kwargs, "alpha": kwargs["alpha"][:4]}
    for reduction, sw in [("sum_over_batch_size", None), ("sum", rng.uniform(0, 2, 5)),
                          ("mean_with_sample_weight", rng.uniform(0, 2, (5, 1))), (None, None)]:
        loss = getattr(losses, name)(reduction=reduction, **kwargs)
        _, grad = loss.value_and_grad(y_true, y_pred, sw)
        numeric = numeric_grad(lambda f=loss, w=sw: float(np.sum(f(y_true, y_pred, w))), y_pred)
        assert_close(grad, numeric, FD, f"{name}{kwargs} {reduction}: dy_pred vs finite diff")
