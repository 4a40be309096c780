"""Reuters newswires: 11,228 newswires as word-index lists, in 46 topics."""

import json

import numpy as np

from ..utils.file_utils import get_file
from . import _word_sequences as words
from .files import ORIGIN_FOLDER, check_test_split, load_npz, shuffled

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """((x_train, y_train), (x_test, y_test)): x a 1-D object array of lists of word indices,
    y int64 topic labels 0-45; the last `test_split` of the shuffled newswires are the test set."""
    words.check_keywords(kwargs, "reuters.load_data")
    check_test_split(test_split)
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}reuters.npz", file_hash=FILE_HASH)
    f = load_npz(path)
    xs, labels = shuffled(seed, f["x"], f["y"])
    xs = words.offset(xs, start_char, index_from)
    if maxlen:
        xs, labels = words.remove_long(maxlen, xs, labels)
    xs = words.limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((words.object_array(xs[:cut]), np.array(labels[:cut])),
            (words.object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """{word: rank} (1 = most frequent); add `index_from` (3) to match load_data's indices."""
    path = get_file(path, origin=f"{ORIGIN_FOLDER}reuters_word_index.json",
                    file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, in label order (Keras 3's list)."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
            "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
            "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
            "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
            "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
            "dlr", "gas", "silver", "wpi", "hog", "lead")
