"""to_categorical, normalize and pad_sequences against Keras 3's own functions, and bad input."""

import warnings

import numpy as np
import pytest

from minikeras import utils
from minikeras.preprocessing import sequence

keras = pytest.importorskip("keras")


@pytest.mark.parametrize("labels, num_classes", [
    ([0, 1, 2, 3], None), ([3, 1, 0], 5), (np.array([[1], [0], [2]]), None),
    (np.array([[0, 2], [1, 1]]), 4), (np.array([1.0, 0.0, 2.0]), 3), (np.uint8([4, 0]), None),
])
def test_to_categorical_matches_keras(labels, num_classes):
    ours = utils.to_categorical(labels, num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (ours, theirs)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("labels, num_classes, message", [
    ([0, -1, 2], None, "label -1"),
    ([0, 3], 3, "label 3 is out of range for num_classes=3"),
    ([0.5, 1], None, "non-integer label 0.5"),
    ([0, np.nan], None, "non-integer label nan"),
])
def test_to_categorical_bad_labels(labels, num_classes, message):
    with pytest.raises(ValueError, match=message):
        utils.to_categorical(labels, num_classes)


def test_to_categorical_rejects_strings():
    with pytest.raises(TypeError, match="integer class labels"):
        utils.to_categorical(["cat", "dog"])


def test_np_utils_keras2_path_warns_and_returns_float32():
    from minikeras.utils import np_utils

    with pytest.warns(DeprecationWarning, match="minikeras.utils.to_categorical"):
        y = np_utils.to_categorical([1, 0], 2)
    assert y.dtype == np.float32  # Keras 2's default dtype
    np.testing.assert_array_equal(y, [[0, 1], [1, 0]])


@pytest.mark.parametrize("axis, order", [(-1, 2), (1, 1), (-1, np.inf)])
def test_normalize_matches_keras(axis, order):
    x = np.random.default_rng(0).normal(size=(4, 3))
    x[1] = 0.0  # a zero row stays zero
    np.testing.assert_array_equal(utils.normalize(x, axis, order),
                                  keras.utils.normalize(x, axis, order))


def test_normalize_axis_0_divides_columns():
    """Keras's axis=0 re-expands the norm on the last axis (a (4, 3) input fails there)."""
    x = np.random.default_rng(1).normal(size=(4, 3))
    np.testing.assert_allclose(utils.normalize(x, axis=0),
                               x / np.sqrt((x ** 2).sum(axis=0, keepdims=True)), rtol=1e-15)


SEQUENCES = [[1], [2, 3], [4, 5, 6, 7], []]


@pytest.mark.parametrize("kwargs", [
    {}, {"maxlen": 2}, {"maxlen": 5, "padding": "post"}, {"maxlen": 3, "truncating": "post"},
    {"value": -1}, {"dtype": "float32", "value": 0.5, "padding": "post"},
    {"dtype": "int64", "maxlen": 3, "padding": "post", "truncating": "post"},
])
def test_pad_sequences_matches_keras(kwargs):
    for ours in (utils.pad_sequences(SEQUENCES, **kwargs),
                 sequence.pad_sequences(SEQUENCES, **kwargs)):
        theirs = keras.utils.pad_sequences(SEQUENCES, **kwargs)
        assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
        np.testing.assert_array_equal(ours, theirs)


def test_pad_sequences_multidimensional_samples_and_strings_match_keras():
    seqs = [np.ones((2, 3)), np.full((3, 3), 2.0)]
    np.testing.assert_array_equal(utils.pad_sequences(seqs, dtype="float32"),
                                  keras.utils.pad_sequences(seqs, dtype="float32"))
    words = [["a", "b"], ["c"]]
    np.testing.assert_array_equal(utils.pad_sequences(words, dtype=object, value="<pad>"),
                                  keras.utils.pad_sequences(words, dtype=object, value="<pad>"))


def test_pad_sequences_bad_input():
    with pytest.raises(ValueError, match=r"position 1 contains 2\.5"):
        utils.pad_sequences([[1, 2], [2.5]])
    with pytest.raises(ValueError, match="position 0 holds <U3 values.*Tokenizer"):
        utils.pad_sequences([["the", "cat"]])
    with pytest.raises(ValueError, match="non-iterable: 3"):
        utils.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="maxlen"):
        utils.pad_sequences([[1]], maxlen=-1)
    with pytest.raises(ValueError, match="Padding type"):
        utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="different from expected shape"):
        utils.pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_pad_sequences_edge_cases_keras_fails_on():
    assert utils.pad_sequences([]).shape == (0, 0)
    assert utils.pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float labels that are integers pass quietly
        np.testing.assert_array_equal(utils.pad_sequences([[1.0, 2.0]]), [[1, 2]])


@pytest.mark.parametrize("kwargs", [
    {"sequence_length": 4}, {"sequence_length": 3, "sequence_stride": 2, "batch_size": 5},
    {"sequence_length": 2, "sampling_rate": 3, "start_index": 2, "end_index": 25},
    {"sequence_length": 5, "batch_size": None}, {"sequence_length": 3, "shuffle": True, "seed": 4,
                                                 "batch_size": None},
])
def test_timeseries_dataset_matches_keras(kwargs):
    data = np.arange(60, dtype="float32").reshape(30, 2)
    targets = np.arange(30) * 10
    ours = list(utils.timeseries_dataset_from_array(data, targets, **kwargs))
    theirs = [(np.asarray(a), np.asarray(b)) for a, b in
              keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)]
    if kwargs.get("batch_size", 128) is None:  # Keras yields single windows: batch them
        theirs = [(np.stack([a for a, _ in theirs]), np.stack([b for _, b in theirs]))]
    if kwargs.get("shuffle"):  # Keras also shuffles in a tf buffer: compare the same windows
        order = np.argsort(ours[0][1])
        np.testing.assert_array_equal(ours[0][1], np.random.RandomState(4).permutation(28) * 10)
        ours = [(ours[0][0][order], ours[0][1][order])]
        order = np.argsort(theirs[0][1])
        theirs = [(theirs[0][0][order], theirs[0][1][order])]
    assert len(ours) == len(theirs)
    for (xa, ya), (xb, yb) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    with pytest.raises(ValueError, match="sequence_stride"):
        utils.timeseries_dataset_from_array(data, targets, 3, sequence_stride=0)
