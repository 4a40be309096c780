"""Variable: Keras's read/write API, in-place updates, and clear errors."""

import numpy as np
import pytest

from minikeras import Variable, config


def test_keras_api_matches():
    keras = pytest.importorskip("keras")
    mine = Variable(np.arange(6.0).reshape(2, 3), name="kernel")
    theirs = keras.Variable(np.arange(6.0).reshape(2, 3), name="kernel")
    assert mine.shape == tuple(theirs.shape) and mine.dtype == theirs.dtype == "float64"
    assert mine.name == theirs.name and mine.trainable == theirs.trainable
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    mine.assign(np.ones((2, 3)))
    theirs.assign(np.ones((2, 3)))
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_initializer_forms_and_dtype():
    assert np.all(Variable("ones", shape=(3,)).numpy() == 1)
    assert Variable("zeros", shape=(2, 2), dtype="float64").dtype == "float64"
    config.set_floatx("float64")
    assert Variable([0.5, 1.5]).dtype == "float64"


def test_assign_is_in_place_and_numpy_is_a_copy():
    v = Variable(np.zeros(3))
    view = v.value
    v.assign([1.0, 2.0, 3.0])
    v.assign_add(np.ones(3))
    v.assign_sub(np.full(3, 0.5))
    np.testing.assert_array_equal(view, [1.5, 2.5, 3.5])
    copy = v.numpy()
    copy[0] = 100
    assert v.numpy()[0] == 1.5


def test_conversions_and_repr():
    v = Variable(np.array(4), dtype="int64", trainable=False, name="iteration")
    assert int(v) == 4 and float(v) == 4.0 and [0, 1, 2, 3, 4][v] == 4
    assert repr(v).startswith("<Variable path=iteration, shape=(), dtype=int64")
    assert np.asarray(v).dtype == np.int64


def test_bad_shapes_are_clear_errors():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Variable(np.zeros(2)).assign(np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        Variable(np.zeros(2), shape=(3,))
    with pytest.raises(ValueError, match="shape"):
        Variable("zeros")
