"""IMDB movie reviews: 25,000 + 25,000 reviews as word-index lists, labelled 0 (negative) or 1."""

import json

import numpy as np

from ..utils.file_utils import get_file
from . import _word_sequences as words
from .files import ORIGIN_FOLDER, load_npz

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """((x_train, y_train), (x_test, y_test)): x a 1-D object array of lists of word indices,
    y int64 labels; see `_word_sequences` for what each argument does."""
    words.check_keywords(kwargs, "imdb.load_data")
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}imdb.npz", file_hash=FILE_HASH)
    f = load_npz(path)
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)  # one generator, train then test (Keras's order)
    for_train, for_test = np.arange(len(x_train)), np.arange(len(x_test))
    rng.shuffle(for_train)
    rng.shuffle(for_test)
    x_train, labels_train = x_train[for_train], labels_train[for_train]
    x_test, labels_test = x_test[for_test], labels_test[for_test]

    x_train = words.offset(x_train, start_char, index_from)
    x_test = words.offset(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = words.remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = words.remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
    xs = words.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    cut = len(x_train)
    return ((words.object_array(xs[:cut]), labels[:cut]),
            (words.object_array(xs[cut:]), labels[cut:]))


def get_word_index(path="imdb_word_index.json"):
    """{word: rank} (1 = most frequent); add `index_from` (3) to match load_data's indices."""
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}imdb_word_index.json",
                    file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)
