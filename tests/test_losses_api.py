"""The losses beyond the crossentropies and MSE/MAE: Keras's goldens, get_config/serialize as
Keras writes them, `get` names and aliases, hinge label conversion, bad arguments, and label
checks before training."""

import numpy as np
import pytest
from helpers import F32_FORWARD, assert_close

from minikeras import losses

NEW = ["MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "LogCosh", "Hinge",
       "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson", "CosineSimilarity",
       "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy"]
# keras/src/losses/losses_test.py, shared inputs
Y_TRUE = np.array([[1, 9, 2], [-5, -2, 6]])
Y_PRED = np.array([[4, 8, 12], [8, 1, 3]], dtype="float32")
SW = np.array([[1.2], [3.4]])
STEPS = np.array([3, 6, 5, 0, 4, 2]).reshape((2, 3))


def _close(got, golden, places):
    """Keras's assertAlmostEqual(got, golden, places), elementwise."""
    np.testing.assert_allclose(got, golden, rtol=0, atol=0.5 * 10.0**-places)


def test_goldens_regression():
    """Numbers from keras/src/losses/losses_test.py (MAPE, MSLE) and the docstrings."""
    mape, msle = losses.MeanAbsolutePercentageError, losses.MeanSquaredLogarithmicError
    _close(mape()(Y_TRUE, Y_PRED), 211.8518, 3)
    _close(mape()(Y_TRUE, Y_PRED, sample_weight=2.3), 487.259, 3)
    _close(mape()(Y_TRUE, Y_PRED, sample_weight=SW), 422.8888, 3)
    _close(mape()(Y_TRUE.reshape(2, 3, 1), Y_PRED.reshape(2, 3, 1), STEPS), 694.4444, 3)
    _close(mape(reduction=None)(Y_TRUE, Y_PRED, sample_weight=2.3), [621.8518, 352.6666], 3)
    _close(mape(reduction="mean_with_sample_weight")(Y_TRUE, Y_PRED, SW), 183.865, 3)
    assert mape()(Y_TRUE, Y_TRUE) == 0.0 and mape()(Y_TRUE, Y_PRED, sample_weight=0) == 0.0
    _close(mape()(np.array([100.0, 200.0, 300.0]), np.array([90.0, 210.0, 310.0])), 6.111111, 5)
    _close(msle()(Y_TRUE, Y_PRED), 1.4370, 3)
    _close(msle()(Y_TRUE, Y_PRED, sample_weight=2.3), 3.3051, 3)
    _close(msle()(Y_TRUE, Y_PRED, sample_weight=SW), 3.7856, 3)
    _close(msle()(Y_TRUE.reshape(2, 3, 1), Y_PRED.reshape(2, 3, 1), STEPS), 2.647374, 5)
    _close(msle(reduction="mean_with_sample_weight")(Y_TRUE, Y_PRED, SW), 1.646, 3)
    _close(losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).mean(), 0.155, 3)
    _close(losses.log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]).mean(), 0.108, 3)
    _close(losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                                    [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]]), [0, -1, 1], 6)


def test_goldens_formulas_from_keras_tests():
    """Keras's tests compute Huber, LogCosh, KLD, Poisson and cosine expectations with NumPy
    formulas (keras/src/losses/losses_test.py); the same formulas, the same inputs."""
    y_pred = np.array([[0.9, 0.2, 0.2], [0.8, 0.4, 0.6]])
    y_true = np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    for delta in (1.0, 0.8):
        abs_error = np.abs(y_pred - y_true)
        quadratic = np.minimum(abs_error, delta)
        expected = 0.5 * quadratic * quadratic + delta * (abs_error - quadratic)
        _close(losses.Huber(delta=delta)(y_true, y_pred, 2.3), 2.3 * expected.sum() / 6, 6)
    error = Y_PRED - Y_TRUE
    expected = np.log((np.exp(error) + np.exp(-error)) / 2)
    _close(losses.LogCosh()(Y_TRUE, Y_PRED, np.array([1.2, 3.4])),
           np.sum(expected * np.array([[1.2], [3.4]])) / 6, 5)
    kl_pred = np.array([0.4, 0.9, 0.12, 0.36, 0.3, 0.4], "float32").reshape(2, 3)
    kl_true = np.array([0.5, 0.8, 0.12, 0.7, 0.43, 0.8], "float32").reshape(2, 3)
    expected = kl_true * np.log(kl_true / kl_pred)
    _close(losses.KLDivergence()(kl_true, kl_pred, SW), np.sum(expected * SW) / 2, 6)
    po_pred = np.array([1, 9, 2, 5, 2, 6], "float32").reshape(2, 3)
    po_true = np.array([4, 8, 12, 8, 1, 3], "float32").reshape(2, 3)
    expected = po_pred - po_true * np.log(po_pred)
    _close(losses.Poisson()(po_true, po_pred, SW), np.sum(expected * SW) / 6, 5)
    t = Y_TRUE / np.sqrt(np.maximum(np.sum(Y_TRUE**2, axis=1, keepdims=True), 1e-12))
    p = Y_PRED / np.sqrt(np.maximum(np.sum(Y_PRED**2, axis=1, keepdims=True), 1e-12))
    _close(losses.CosineSimilarity()(Y_TRUE, Y_PRED, np.array([1.2, 3.4])),
           -np.mean(np.sum(t * p, axis=1) * [1.2, 3.4]), 6)


def test_goldens_hinge():
    """keras/src/losses/losses_test.py: HingeTest, SquaredHingeTest, CategoricalHingeTest."""
    y_true, y_pred = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.6, 0.4], [0.4, 0.6]])
    for cls, mean, total, each in [(losses.Hinge, 1.3, 2.6, [1.1, 1.5]),
                                   (losses.SquaredHinge, 1.86, 3.72, [1.46, 2.26]),
                                   (losses.CategoricalHinge, 1.4, 2.8, [1.2, 1.6])]:
        _close(cls()(y_true, y_pred), mean, 3)
        _close(cls(reduction="sum")(y_true, y_pred), total, 3)
        _close(cls(reduction=None)(y_true, y_pred), each, 6)
        _close(cls()(y_true, y_pred, sample_weight=[1, 0]), each[0] / 2, 3)
        _close(cls(reduction=None)(y_true, y_pred, sample_weight=[1, 0]), [each[0], 0.0], 6)
        assert cls()(y_true, y_pred, sample_weight=0.0) == 0.0


def test_goldens_focal():
    """keras/src/losses/losses_test.py: BinaryFocalCrossentropyTest, CategoricalFocal...Test."""
    bfce = losses.BinaryFocalCrossentropy
    y_true = np.asarray([1, 0, 1, 0]).reshape([2, 2])
    y_pred = np.asarray([0.9, 0.8, 0.7, 0.2], dtype=np.float32).reshape([2, 2])
    z_true = np.array([[1, 1, 0], [0, 1, 0]], dtype="float32")
    logits = np.array([[1.5, -2.7, 2.9], [-3.8, 1.2, -4.5]])
    _close(bfce(gamma=2.0)(y_true, y_pred), 0.268, 3)
    _close(bfce(gamma=3.0, from_logits=True)(z_true, logits), 0.799, 3)
    _close(bfce(gamma=2.0)(y_true, y_pred, sample_weight=1.23), 0.3296, 3)
    _close(bfce(gamma=3.0, from_logits=True)(z_true, logits, sample_weight=3.21), 2.565, 3)
    _close(bfce(gamma=2.0)(y_true, y_pred, sample_weight=SW), 0.34415, 3)
    _close(bfce(gamma=3.0, from_logits=True)(z_true, logits, sample_weight=SW), 0.95977, 3)
    _close(bfce(gamma=2.0, reduction=None)(y_true, y_pred), [0.515547, 0.020513], 6)
    eye = np.eye(3, dtype="float32")
    _close(bfce(gamma=1.5)(eye, eye), 0.0, 3)
    _close(bfce(gamma=2.0, from_logits=True)(eye, 200 * eye - 100), 0.0, 3)
    doc_true, doc_pred = np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]])
    _close(bfce(gamma=3, from_logits=True, apply_class_balancing=True)(doc_true, doc_pred,
                                                                       [0.8, 0.2]), 0.097, 3)
    _close(bfce(gamma=5, from_logits=True, apply_class_balancing=True, reduction=None)(
        doc_true, doc_pred), [0.0004, 0.8670], 3)  # docstring prints 4 digits

    cfce = losses.CategoricalFocalCrossentropy
    probs = np.array([[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]], "float32")
    logits = np.array([[8.0, 1.0, 1.0], [0.0, 9.0, 1.0], [2.0, 3.0, 5.0]])
    sw = np.array([[1.2], [3.4], [5.6]])
    _close(cfce()(eye, probs), 0.02059, 3)
    _close(cfce(from_logits=True)(eye, logits), 0.000345, 3)
    _close(cfce()(eye, probs, sample_weight=2.3), 0.047368, 3)
    _close(cfce(from_logits=True)(eye, logits, sample_weight=2.3), 0.000794, 4)
    _close(cfce()(eye, probs, sample_weight=sw), 0.06987, 3)
    _close(cfce(from_logits=True)(eye, logits, sample_weight=sw), 0.001933, 3)
    np.testing.assert_allclose(cfce(from_logits=True, reduction=None)(eye, logits),
                               [1.5096224e-09, 2.4136547e-11, 1.0360638e-03], rtol=1e-5)
    _close(cfce(from_logits=True, label_smoothing=0.1)([[1, 0, 0]], [[4.9, -0.5, 2.05]]),
           0.06685, 3)
    _close(cfce(alpha=0.25, gamma=2.0)(eye.astype("int64"), eye), 0.0, 3)


@pytest.mark.parametrize("name", NEW)
def test_config_and_serialization_match_keras(name):
    keras = pytest.importorskip("keras")
    kwargs = {"BinaryFocalCrossentropy": {"apply_class_balancing": True, "alpha": 0.4,
                                          "gamma": 1.5, "from_logits": True, "axis": 1},
              "CategoricalFocalCrossentropy": {"alpha": [0.2, 0.8], "label_smoothing": 0.1},
              "Huber": {"delta": 0.5}, "CosineSimilarity": {"axis": 1}}.get(name, {})
    kwargs = {**kwargs, "reduction": "sum", "name": "mine"}
    mine, theirs = getattr(losses, name)(**kwargs), getattr(keras.losses, name)(**kwargs)
    extra = {"Huber": {"delta": 0.5}, "CosineSimilarity": {"axis": 1}}.get(name, {})
    assert mine.get_config() == {**theirs.get_config(), **extra}  # extras: documented in class
    serialized = losses.serialize(mine)
    assert serialized == {**keras.losses.serialize(theirs),
                          "config": {**keras.losses.serialize(theirs)["config"], **extra}}
    again = losses.deserialize(serialized)
    assert type(again) is type(mine) and again.get_config() == mine.get_config()
    # Keras reads minikeras's config back, extras included, and computes the same loss
    back = keras.losses.deserialize(serialized)
    y_true, y_pred = np.eye(2)[[0, 1, 1]], np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert_close([mine(y_true, y_pred)], [float(back(y_true, y_pred))], F32_FORWARD, name)


def test_get_resolves_every_keras_name_in_scope():
    pytest.importorskip("keras")
    from keras.src.losses import ALL_OBJECTS_DICT

    out_of_scope = {"CTC", "ctc", "Dice", "dice", "Tversky", "tversky", "Circle", "circle"}
    for name, obj in ALL_OBJECTS_DICT.items():
        if name in out_of_scope or name in ("Loss", "LossFunctionWrapper"):
            continue
        mine = losses.get(name)
        if isinstance(obj, type):
            assert type(mine).__name__ == obj.__name__, name
        else:
            assert isinstance(mine, losses.LossFunctionWrapper) and mine.name == name
            assert mine.fn.__name__ == obj.__name__, name
            assert losses.FUNCTIONS[obj.__name__] is mine.fn
    assert set(losses.ALL_OBJECTS_DICT) == set(ALL_OBJECTS_DICT) - out_of_scope
    # every function trains: the table H2's metrics read is complete
    assert set(losses.VALUES_AND_GRADS) == set(losses.FUNCTIONS.values())
    y_true, y_pred = np.array([[0.2, 0.8]]), np.array([[0.3, 0.7]])
    for name in ("kld", "MAPE", "msle", "huber", "log_cosh", "poisson", "hinge"):
        value, grad = losses.get(name).value_and_grad(y_true, y_pred)
        assert np.isfinite(value) and grad.shape == (1, 2)


def test_hinge_converts_labels_only_when_all_are_binary():
    keras = pytest.importorskip("keras")
    y_pred = np.array([[0.3, -0.8, 1.5], [-2.0, 0.1, 0.6]], "float32")
    for y_true in ([[0, 1, 1], [1, 0, 0]], [[-1, 1, 1], [1, -1, -1]], [[0, 1, -1], [1, 0, 0]],
                   [[1, 1, 1], [1, 1, 1]], [[0.5, 1, 0], [1, 0, 0]]):
        for name in ("hinge", "squared_hinge"):
            assert_close(getattr(losses, name)(y_true, y_pred),
                         getattr(keras.losses, name)(y_true, y_pred).numpy(), F32_FORWARD,
                         f"{name} {y_true}")
    assert np.array_equal(losses.convert_binary_labels_to_hinge(np.array([0.0, 1.0])), [-1, 1])
    assert np.array_equal(losses.convert_binary_labels_to_hinge(np.array([0.0, -1.0])), [0, -1])


def test_float64_list_alpha_stays_float64():
    """Keras on TensorFlow turns a Python-list alpha into float32 even under float64; minikeras
    keeps float64 (documented): it equals Keras given the same alpha as a float64 array."""
    keras = pytest.importorskip("keras")
    from helpers import use_dtype

    use_dtype("float64")
    alpha = [0.1, 0.2, 0.3]
    y_true, y_pred = np.eye(3)[[0, 2, 1, 1]], np.random.default_rng(0).dirichlet(np.ones(3), 4)
    mine = losses.CategoricalFocalCrossentropy(alpha=alpha)(y_true, y_pred)
    theirs = keras.losses.CategoricalFocalCrossentropy(alpha=np.array(alpha))(y_true, y_pred)
    assert_close([mine], [float(theirs)], 1e-14, "alpha as a list, float64")


def test_bad_arguments_raise_naming_the_argument():
    bad = [
        (lambda: losses.Huber(delta=-1.0), r"`delta` of Huber .* >= 0.*delta=-1.0"),
        (lambda: losses.Huber(delta="big"), r"`delta` of Huber .*delta='big'"),
        (lambda: losses.huber([[1.0]], [[2.0]], delta=float("nan")), r"`delta` of huber"),
        (lambda: losses.BinaryFocalCrossentropy(gamma=-2), r"`gamma` .* >= 0.*gamma=-2"),
        (lambda: losses.BinaryFocalCrossentropy(alpha=1.5), r"`alpha` .* in \[0, 1\]"),
        (lambda: losses.BinaryFocalCrossentropy(label_smoothing=2), r"`label_smoothing`"),
        (lambda: losses.CategoricalFocalCrossentropy(alpha="x"), r"`alpha` .*alpha='x'"),
        (lambda: losses.CategoricalFocalCrossentropy(alpha=[[0.1]]), r"`alpha` .* list"),
        (lambda: losses.CategoricalFocalCrossentropy(gamma=None), r"`gamma` .*gamma=None"),
        (lambda: losses.CategoricalFocalCrossentropy(alpha=[0.1, 0.2])(np.eye(3), np.eye(3)),
         r"`alpha` .* has 2 values, but y_pred has 3 classes"),
        (lambda: losses.CategoricalFocalCrossentropy()(np.array([[0], [2]]), np.eye(3)[:2]),
         r"must have the same shape"),
        (lambda: losses.BinaryFocalCrossentropy(axis=1.0)(np.eye(2), np.eye(2)), r"`axis`"),
        (lambda: losses.binary_focal_crossentropy(np.eye(2), np.ones((2, 3))), "same shape"),
        (lambda: losses.CosineSimilarity(axis=True)(np.eye(2), np.eye(2)), r"`axis` must be"),
        (lambda: losses.Poisson(reduction="avg"), r"reduction='avg'"),
        (lambda: losses.get("kullback"), r"Unknown loss: 'kullback'"),
        (lambda: losses.get("hubber"), r"Did you mean 'huber'"),
    ]
    for make, message in bad:
        with pytest.raises(ValueError, match=message):
            make()
    with pytest.warns(SyntaxWarning, match="categorical_focal_crossentropy, expected y_pred"):
        losses.categorical_focal_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


def test_check_targets_for_focal_losses():
    ok = [("binary_focal_crossentropy", np.array([0, 1, 1]), (None, 1)),
          (losses.CategoricalFocalCrossentropy(), np.eye(4)[[0, 1, 2]], (None, 4)),
          (losses.Hinge(), np.array([-1, 1, 1]), (None, 1)),
          ("kld", np.eye(3), (None, 3))]
    for loss, y, shape in ok:
        assert losses.check_targets(loss, y, shape) is None
    bad = [("categorical_focal_crossentropy", np.array([0, 1, 3]), (None, 4), "one-hot"),
           (losses.BinaryFocalCrossentropy(), np.array([0, 2, 1]), (None, 1),
            r"binary_focal_crossentropy expects labels in \[0, 1\]"),
           ("poisson", np.ones((3, 2)), (None, 3), "does not match"),
           ("huber", np.ones(4), (3, 1), "4 samples but the model output has 3")]
    for loss, y, shape, message in bad:
        with pytest.raises(ValueError, match=message):
            losses.check_targets(loss, y, shape)
