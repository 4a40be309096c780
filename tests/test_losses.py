"""Losses: Keras parity (values and tf.GradientTape gradients), finite differences, kernel
twins, reductions and sample weights, lookup/serialization, and label checks."""

import numpy as np
import pytest
from helpers import F32_FORWARD, F64, FD, assert_close, numeric_grad
from hypothesis import given, settings
from hypothesis import strategies as st

from minikeras import config, kernels, losses
from minikeras.kernels.numpy_ref import losses as ref_losses

NUMPY, NUMBA = kernels.load_path("numpy"), kernels.load_path("numba")
LOSS_KERNELS = ref_losses.__all__
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None]
TOL = {"float32": F32_FORWARD, "float64": F64}


def _data(rng, name, dtype, n=7, k=5, edges=True):
    """(y_true, y_pred) fitting the loss; `edges` puts probabilities at and near 0 and 1."""
    p = rng.uniform(0.02, 0.98, (n, k))
    if edges:
        p.flat[[0, 6, 12, 18, 24]] = [0.0, 1.0, 1e-9, 1 - 1e-9, 1e-7]
    logits = rng.normal(0, 4, (n, k))
    if name in ("BinaryCrossentropy", "MeanSquaredError", "MeanAbsoluteError"):
        y = rng.integers(0, 2, (n, k)).astype(dtype)
    elif name == "CategoricalCrossentropy":
        y = np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
    else:
        y = rng.integers(0, k, (n, 1))
    return y, p.astype(dtype), logits.astype(dtype)


# (class name, constructor kwargs, use logits)
CASES = [
    ("BinaryCrossentropy", {}, False), ("BinaryCrossentropy", {"from_logits": True}, True),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, False),
    ("BinaryCrossentropy", {"label_smoothing": 0.1, "from_logits": True}, True),
    ("CategoricalCrossentropy", {}, False),
    ("CategoricalCrossentropy", {"from_logits": True}, True),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, False),
    ("CategoricalCrossentropy", {"label_smoothing": 0.3, "from_logits": True}, True),
    ("SparseCategoricalCrossentropy", {}, False),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, True),
    ("MeanSquaredError", {}, True), ("MeanAbsoluteError", {}, True),
]


def _keras_value_and_grad(tf, loss, y_true, y_pred, sample_weight):
    y_pred = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = loss(y_true, y_pred, sample_weight=sample_weight)
    return np.asarray(value), tape.gradient(value, y_pred).numpy()


def _both_floatx(keras, dtype):
    keras.config.set_floatx(dtype)
    config.set_floatx(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kwargs,logits", CASES)
def test_parity_with_keras(name, kwargs, logits, dtype, rng):
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    _both_floatx(keras, dtype)
    y_true, p, z = _data(rng, name, dtype)
    y_pred = z if logits else p
    weights = [None, 2.3, rng.uniform(0, 2, 7), rng.uniform(0, 2, (7, 1))]
    for reduction in REDUCTIONS:
        mine = getattr(losses, name)(reduction=reduction, **kwargs)
        theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
        for i, sw in enumerate(weights):
            label = f"{name}{kwargs} {reduction} sample_weight#{i}"
            value, grad = mine.value_and_grad(y_true, y_pred, sw)
            value_k, grad_k = _keras_value_and_grad(tf, theirs, y_true, y_pred, sw)
            assert grad.dtype == y_pred.dtype and grad.shape == y_pred.shape
            # atleast_1d: helpers.assert_close cannot index a 0-d difference when it fails
            value_k = np.atleast_1d(value_k)
            assert_close(np.atleast_1d(value), value_k, TOL[dtype], f"{label} loss")
            called = np.atleast_1d(mine(y_true, y_pred, sw))
            assert_close(called, value_k, TOL[dtype], f"{label} __call__")
            assert_close(grad, grad_k, TOL[dtype], f"{label} dy_pred")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_parity_axis_timesteps_and_rank_matching(dtype, rng):
    """axis=1 on 3-D outputs, (n,) labels vs (n, 1) outputs, per-timestep sample weights."""
    keras = pytest.importorskip("keras")
    tf = pytest.importorskip("tensorflow")
    _both_floatx(keras, dtype)
    p = rng.uniform(0.01, 0.99, (4, 3, 5)).astype(dtype)
    timestep_weights = rng.uniform(0, 1, (4, 3))
    onehot = np.moveaxis(np.eye(3, dtype=dtype)[rng.integers(0, 3, (4, 5))], -1, 1)
    cases = [
        ("CategoricalCrossentropy", {"axis": 1, "label_smoothing": 0.1}, onehot, p, None),
        ("BinaryCrossentropy", {"axis": 1}, (p > 0.5).astype(dtype), p, rng.uniform(0, 1, (4, 1))),
        ("MeanSquaredError", {}, rng.normal(size=6), p.reshape(-1)[:12:2, None], None),
        ("MeanAbsoluteError", {}, rng.normal(size=(4, 3, 1)), p[..., :1], timestep_weights),
        ("SparseCategoricalCrossentropy", {}, rng.integers(0, 5, (4, 3)), p, timestep_weights),
        ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": -1},
         np.array([[-1, 2, 4], [0, -1, 1], [3, 3, -1], [1, 1, 1]]), p * 6 - 3, None),
        ("BinaryCrossentropy", {}, rng.integers(0, 2, 6), p.reshape(-1)[:12:2, None], None),
    ]
    for name, kwargs, y_true, y_pred, sw in cases:
        value, grad = getattr(losses, name)(**kwargs).value_and_grad(y_true, y_pred, sw)
        value_k, grad_k = _keras_value_and_grad(
            tf, getattr(keras.losses, name)(**kwargs), y_true, y_pred, sw)
        assert_close([value], [value_k], TOL[dtype], f"{name}{kwargs} loss")
        assert_close(grad, grad_k, TOL[dtype], f"{name}{kwargs} dy_pred")


def test_keras_goldens():
    """Numbers copied from keras/src/losses/losses_test.py (Keras rounds them to ~4 digits)."""
    y_true = np.array([[1, 9, 2], [-5, -2, 6]])
    y_pred = np.array([[4, 8, 12], [8, 1, 3]], dtype="float32")
    mse = losses.MeanSquaredError
    np.testing.assert_allclose(mse()(y_true, y_pred), 49.5, rtol=1e-6)
    np.testing.assert_allclose(mse()(y_true, y_pred, sample_weight=2.3), 113.85, rtol=1e-6)
    np.testing.assert_allclose(mse()(y_true, y_pred, np.array([[1.2], [3.4]])), 767.8 / 6, 1e-6)
    np.testing.assert_allclose(mse(reduction="sum")(y_true, y_pred, 2.3), 227.69998, rtol=1e-6)
    np.testing.assert_allclose(mse(reduction=None)(y_true, y_pred, 2.3), [84.3333, 143.3666],
                               atol=1e-4)
    np.testing.assert_allclose(losses.MeanAbsoluteError()(y_true, y_pred), 5.5, rtol=1e-6)
    t3, p3 = y_true.reshape(2, 3, 1), y_pred.reshape(2, 3, 1)
    sw = np.array([3, 6, 5, 0, 4, 2]).reshape((2, 3))
    np.testing.assert_allclose(mse()(t3, p3, sample_weight=sw), 97.833336, rtol=1e-6)
    np.testing.assert_allclose(losses.MeanAbsoluteError()(t3, p3, sw), 13.833333, rtol=1e-6)

    eye = np.eye(3, dtype="int64")
    probs = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]], dtype="float32")
    logits = np.array([[8.0, 1.0, 1.0], [0.0, 9.0, 1.0], [2.0, 3.0, 5.0]])
    np.testing.assert_allclose(losses.CategoricalCrossentropy()(eye, probs), 0.3239, atol=1e-4)
    cce_logits = losses.CategoricalCrossentropy(from_logits=True, reduction=None)
    np.testing.assert_allclose(cce_logits(eye, logits), [0.001822, 0.000459, 0.169846], atol=1e-6)
    scce = losses.SparseCategoricalCrossentropy()
    np.testing.assert_allclose(scce(np.array([0, 1, 2]), probs), 0.3239, atol=1e-4)
    bce_p = np.array([[0.9, 0.1, 0.2], [0.3, 0.8, 0.1], [0.1, 0.2, 0.7]], dtype="float32")
    np.testing.assert_allclose(losses.BinaryCrossentropy()(eye, bce_p), 0.20046903, rtol=1e-6)
    smooth = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    expected = (10.0 + 5.0 * 0.1) / 3.0
    np.testing.assert_allclose(smooth(np.array([[1, 0, 1]]), np.array([[10.0, -10, -10]])),
                               expected, atol=1e-4)  # the formula drops log1p(e^-10) terms
    ignore = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction=None)
    logits3 = np.array([[[0.854, 0.698, 0.598], [0.088, 0.86, 0.018]]])
    np.testing.assert_allclose(ignore(np.array([[-1, 2]]), logits3), [[0.0, 1.480129]], atol=1e-6)


@pytest.mark.parametrize("name,kwargs,logits", CASES)
def test_gradients_match_finite_differences(name, kwargs, logits, rng):
    config.set_floatx("float64")
    y_true, p, z = _data(rng, name, "float64", n=5, k=4, edges=False)
    y_pred = z if logits else p
    for reduction, sw in [("sum_over_batch_size", None), ("sum", rng.uniform(0, 2, 5)),
                          ("mean_with_sample_weight", rng.uniform(0, 2, (5, 1))), (None, None)]:
        loss = getattr(losses, name)(reduction=reduction, **kwargs)
        _, grad = loss.value_and_grad(y_true, y_pred, sw)
        numeric = numeric_grad(lambda f=loss, w=sw: float(np.sum(f(y_true, y_pred, w))), y_pred)
        assert_close(grad, numeric, FD, f"{name}{kwargs} {reduction}: dy_pred vs finite diff")


def test_clipped_probabilities_have_zero_gradient():
    y_pred = np.array([[0.0, 1.0, 0.5], [1e-9, 0.3, 1 - 1e-9]])
    for loss in (losses.BinaryCrossentropy(), losses.SparseCategoricalCrossentropy()):
        y_true = np.ones_like(y_pred) if loss.name == "binary_crossentropy" else np.array([2, 1])
        _, grad = loss.value_and_grad(y_true, y_pred)
        assert np.all(grad[[0, 0, 1, 1], [0, 1, 0, 2]] == 0), f"{loss.name}: {grad}"
        assert np.all(grad[[0, 1], [2, 1]] != 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("numerics,tie", [("tensorflow", 1.0), ("jax", 0.5)])
def test_probability_exactly_on_a_clip_bound_gets_the_backends_share(numerics, tie, dtype):
    """TensorFlow's clip_by_value passes the whole gradient at p == eps or 1 - eps; JAX's
    jnp.clip (maximum, then minimum) splits it evenly. A saturated float32 sigmoid lands on
    1 - eps exactly; minikeras mirrors the backend that config.numerics() names."""
    t = np.dtype(dtype).type
    y_pred = np.array([[t(1e-7), t(1 - 1e-7), t(0.25), t(1.0)]], dtype=dtype)
    y_true = np.array([[1.0, 0.0, 1.0, 0.0]], dtype=dtype)
    inside = ((1 - y_true) / (1 - y_pred) - y_true / y_pred) / 4
    previous, floatx = config.numerics(), config.floatx()
    config.set_numerics(numerics)
    config.set_floatx(dtype)  # the loss computes in floatx
    try:
        _, grad = losses.BinaryCrossentropy(reduction=None).value_and_grad(y_true, y_pred)
    finally:
        config.set_numerics(previous)
        config.set_floatx(floatx)
    np.testing.assert_allclose(grad[0, :3], inside[0, :3] * [tie, tie, 1.0], rtol=1e-6)
    assert grad[0, 3] == 0  # outside the range: no gradient on either backend
    for tie_share in (1.0, 0.5):  # the numba and NumPy kernels agree, ties included
        mine = kernels.losses.binary_crossentropy_value_and_grad(y_true, y_pred, 1e-7, False,
                                                                 tie_share)
        ref = ref_losses.binary_crossentropy_value_and_grad(y_true, y_pred, 1e-7, False,
                                                            tie_share)
        np.testing.assert_array_equal(mine[1], ref[1])
        np.testing.assert_array_equal(mine[0], ref[0])


def test_clip_tie_share_is_what_jax_computes():
    """The 0.5 is JAX's own gradient of Keras's JAX formula (keras/src/backend/jax/nn.py)."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    eps = 1e-7

    def keras_jax_bce(p, t):
        p = jnp.clip(p, eps, 1.0 - eps)
        return jnp.mean(-(t * jnp.log(p) + (1.0 - t) * jnp.log(1.0 - p)))

    y_pred = np.array([[np.float32(eps), np.float32(1 - eps), np.float32(0.25)]], np.float32)
    y_true = np.array([[1.0, 0.0, 1.0]], np.float32)
    theirs = np.asarray(jax.grad(keras_jax_bce)(y_pred, y_true))
    previous = config.numerics()
    config.set_numerics("jax")
    try:
        _, mine = losses.BinaryCrossentropy(reduction=None).value_and_grad(y_true, y_pred)
    finally:
        config.set_numerics(previous)
    np.testing.assert_allclose(mine, theirs, rtol=1e-6)


@settings(max_examples=15, deadline=None)
@given(batch=st.sampled_from([1, 2, 3, 5, 9]), classes=st.integers(2, 7),
       from_logits=st.booleans(), seed=st.integers(0, 2**16))
def test_hypothesis_crossentropies_vs_keras(batch, classes, from_logits, seed):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(seed)
    y_pred = (rng.normal(0, 3, (batch, classes)) if from_logits
              else rng.dirichlet(np.ones(classes), batch)).astype("float32")
    ids = rng.integers(0, classes, batch)
    onehot = np.eye(classes)[ids]
    for mine, theirs, y in [
        (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy, ids),
        (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy, onehot),
        (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy, onehot),
    ]:
        assert_close([mine(from_logits=from_logits)(y, y_pred)],
                     [float(theirs(from_logits=from_logits)(y, y_pred))], F32_FORWARD,
                     f"{mine.__name__} batch={batch} classes={classes}")


def test_reductions_and_sample_weight_semantics(rng):
    """Keras divides by the number of weighted values, not by the sum of the weights."""
    y_true, y_pred = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    values = losses.mean_squared_error(y_true, y_pred)
    sw = rng.uniform(0, 2, 6)
    for reduction, expected in [("sum", np.sum(values * sw)), ("mean", np.sum(values * sw) / 6),
                                ("sum_over_batch_size", np.sum(values * sw) / 6),
                                ("mean_with_sample_weight", np.sum(values * sw) / np.sum(sw))]:
        got = losses.MeanSquaredError(reduction=reduction, dtype="float64")(y_true, y_pred, sw)
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=reduction)
    none = losses.MeanSquaredError(reduction="none")(y_true, y_pred, sw)
    np.testing.assert_allclose(none, (values * sw).astype("float32"), rtol=1e-6)
    zero = losses.MeanSquaredError().value_and_grad(y_true, y_pred, np.zeros(6))
    assert zero[0] == 0.0 and not np.any(zero[1])
    empty = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert empty(y_true, y_pred, np.zeros(6)) == 0.0  # Keras's divide_no_nan


def test_config_and_names_match_keras():
    keras = pytest.importorskip("keras")
    for name, kwargs in [("BinaryCrossentropy", {"label_smoothing": 0.1, "axis": 1}),
                         ("CategoricalCrossentropy", {"from_logits": True}),
                         ("SparseCategoricalCrossentropy", {"ignore_class": 3}),
                         ("MeanSquaredError", {"reduction": "sum"}),
                         ("MeanAbsoluteError", {"name": "mine"})]:
        mine, theirs = getattr(losses, name)(**kwargs), getattr(keras.losses, name)(**kwargs)
        assert mine.get_config() == theirs.get_config()
        assert losses.serialize(mine) == keras.losses.serialize(theirs)
        again = losses.deserialize(losses.serialize(mine))
        assert type(again) is type(mine) and again.get_config() == mine.get_config()
    assert losses.serialize(losses.mean_squared_error) == keras.losses.serialize(
        keras.losses.mean_squared_error)


def test_get_resolves_names_aliases_classes_and_functions():
    for ident, fn in [("mse", losses.mean_squared_error), ("MAE", losses.mean_absolute_error),
                      ("bce", losses.binary_crossentropy),
                      ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy)]:
        loss = losses.get(ident)
        assert isinstance(loss, losses.LossFunctionWrapper) and loss.fn is fn and loss.name == ident
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.MeanSquaredError), losses.MeanSquaredError)
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert losses.get(bce) is bce and losses.get(None) is None
    got = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert got.from_logits is True
    assert losses.get("sparse_categorical_crossentropy").sparse_labels
    assert losses.SparseCategoricalCrossentropy().sparse_labels
    assert not losses.get("categorical_crossentropy").sparse_labels

    def my_loss(y_true, y_pred):
        return np.mean(np.abs(y_true - y_pred), axis=-1)

    custom = losses.get(my_loss)
    assert custom.name == "my_loss"
    assert custom(np.zeros((2, 3)), np.ones((2, 3))) == pytest.approx(1.0)
    with pytest.raises(TypeError, match="no gradient"):
        custom.value_and_grad(np.zeros((2, 3)), np.ones((2, 3)))


def test_bad_input_errors():
    with pytest.raises(ValueError, match="Did you mean 'mse'"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)
    with pytest.raises(ValueError, match="reduction='average'"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        losses.categorical_crossentropy(np.eye(3), np.eye(3), axis=True)
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.CategoricalCrossentropy()(np.array([[0], [1], [2]]), np.full((3, 3), 1 / 3))
    with pytest.raises(ValueError, match="Only axis=-1"):
        losses.SparseCategoricalCrossentropy(axis=0)(np.zeros((4, 4)), np.ones((2, 4, 4)))
    with pytest.raises(ValueError, match="label value of 3 .* outside the valid range"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 3]), np.full((2, 3), 1 / 3))


def test_check_targets():
    ok = [("categorical_crossentropy", np.eye(4)[[0, 1, 2]], (None, 4)),
          ("sparse_categorical_crossentropy", np.array([0, 3, 2]), (None, 4)),
          ("sparse_categorical_crossentropy", np.array([[0.0], [3.0], [2.0]]), (3, 4)),
          ("binary_crossentropy", np.array([0, 1, 1]), (None, 1)),
          ("mse", np.array([0.5, -2.0, 7.0]), (None, 1)), ("mse", np.ones((3, 2)), (None, 2)),
          (losses.get(lambda t, p: (t - p) ** 2), np.ones((3, 7)), (None, 1))]
    for loss, y, shape in ok:
        assert losses.check_targets(loss, y, shape) is None
    bad = [("categorical_crossentropy", np.array([0, 1, 3]), (None, 4),
            "use sparse_categorical_crossentropy|Use loss='sparse_categorical_crossentropy'"),
           ("categorical_crossentropy", np.array([[0], [1], [3]]), (None, 4), "one-hot encode"),
           ("sparse_categorical_crossentropy", np.eye(4)[[0, 1, 2]], (None, 4), "one-hot labels"),
           ("sparse_categorical_crossentropy", np.array([0, 4, 1]), (None, 4), "class id 4"),
           ("sparse_categorical_crossentropy", np.array([0, -1, 1]), (None, 4), "class id -1"),
           ("sparse_categorical_crossentropy", np.array([0.5, 1, 1]), (None, 4), "non-integer"),
           ("binary_crossentropy", np.array([0, 1, 2]), (None, 1), r"labels in \[0, 1\]"),
           ("binary_crossentropy", np.eye(2)[[0, 1, 1]], (None, 1), "does not match"),
           ("mse", np.ones((3, 3)), (None, 1), "does not match"),
           ("mse", np.ones(5), (4, 1), "5 samples but the model output has 4")]
    for loss, y, shape, message in bad:
        with pytest.raises(ValueError, match=message):
            losses.check_targets(loss, y, shape)
    with pytest.raises(TypeError, match="must hold numbers"):
        losses.check_targets("mse", np.array(["a", "b"]), (None, 1))
    ignore = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    assert losses.check_targets(ignore, np.array([0, -1, 3]), (None, 4)) is None
    sequence_ids = np.array([[0, 1, 3], [2, 2, 0]])  # an open time axis: (None, None, units)
    assert losses.check_targets("sparse_categorical_crossentropy", sequence_ids,
                                (None, None, 4)) is None
    with pytest.raises(ValueError, match="class id 4"):
        losses.check_targets("sparse_categorical_crossentropy", sequence_ids + 1, (None, None, 4))


@pytest.mark.parametrize("loss_class", [losses.CategoricalCrossentropy,
                                        losses.SparseCategoricalCrossentropy])
def test_categorical_crossentropies_on_jax_numerics_are_what_jax_computes(loss_class):
    """With set_numerics("jax"): Keras's JAX formula (renormalize, clip, -sum t log q; sparse
    on one-hot labels) and JAX's own gradient of it, ties on the clip bounds included."""
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    eps = 1e-7

    def keras_jax_cce(p, t):  # keras/src/backend/jax/nn.py, categorical_crossentropy
        p = p / jnp.sum(p, axis=-1, keepdims=True)
        return jnp.sum(-jnp.sum(t * jnp.log(jnp.clip(p, eps, 1.0 - eps)), axis=-1))

    f = np.float32
    y_pred = np.array([[f(eps), f(1 - eps), f(0.0)],      # sums to 1.0: q on both bounds
                       [f(0.2), f(0.5), f(0.3)],
                       [f(0.0), f(2.0), f(2.0)]], np.float32)
    labels = np.array([0, 2, 0])
    onehot = np.eye(3, dtype=np.float32)[labels]
    value, theirs = jax.value_and_grad(keras_jax_cce)(y_pred, onehot)
    previous = config.numerics()
    config.set_numerics("jax")
    try:
        loss = loss_class(reduction="sum")
        y_true = labels if loss_class is losses.SparseCategoricalCrossentropy else onehot
        mine_value, mine = loss.value_and_grad(y_true, y_pred)
    finally:
        config.set_numerics(previous)
    np.testing.assert_allclose(mine, np.asarray(theirs), rtol=1e-6)
    np.testing.assert_allclose(mine_value, float(value), rtol=1e-6)
    # and the kernels' twins agree with the tie share
    for tie_share in (1.0, 0.5):
        fast = kernels.losses.categorical_crossentropy_value_and_grad(onehot, y_pred, eps, False,
                                                               tie_share)
        ref = ref_losses.categorical_crossentropy_value_and_grad(onehot, y_pred, eps, False,
                                                                 tie_share)
        np.testing.assert_array_equal(fast[1], ref[1])


def test_categorical_tie_share_twins_and_ignore_class_on_jax_numerics():
    f = np.float32
    y_pred = np.array([[f(1e-7), f(1 - 1e-7), f(0.0)], [f(0.2), f(0.5), f(0.3)]], np.float32)
    onehot = np.eye(3, dtype=np.float32)[[0, 1]]
    for tie_share in (1.0, 0.5):  # numba and NumPy agree, ties included
        fast = kernels.losses.categorical_crossentropy_value_and_grad(onehot, y_pred, 1e-7, False,
                                                               tie_share)
        ref = ref_losses.categorical_crossentropy_value_and_grad(onehot, y_pred, 1e-7, False,
                                                                 tie_share)
        np.testing.assert_array_equal(fast[1], ref[1])
        np.testing.assert_array_equal(fast[0], ref[0])
    half = ref_losses.categorical_crossentropy_value_and_grad(onehot, y_pred, 1e-7, False, 0.5)
    whole = ref_losses.categorical_crossentropy_value_and_grad(onehot, y_pred, 1e-7, False, 1.0)
    assert half[1][0, 0] != whole[1][0, 0] and np.array_equal(half[1][1], whole[1][1])
    previous = config.numerics()
    config.set_numerics("jax")
    try:  # an ignored row must not turn into 0/0 on the renormalizing JAX formula
        loss = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction=None)
        values, grad = loss.value_and_grad(np.array([-1, 1]), y_pred)
    finally:
        config.set_numerics(previous)
    assert values[0] == 0 and np.all(grad[0] == 0) and np.all(np.isfinite(grad))
