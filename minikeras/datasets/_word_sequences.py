"""The word-index arithmetic imdb and reuters share (Keras 3's, step by step).

Each review/newswire is a list of word ranks (1 = the most frequent word). The loader:
  1. shuffles with np.random.RandomState(seed),
  2. prepends `start_char` and adds `index_from` to every rank (0 = padding, 1 = start,
     2 = out-of-vocabulary, so real words start at index_from + 1 = 4),
  3. drops sequences whose length (start_char included) is not below `maxlen`,
  4. replaces every index outside [skip_top, num_words) by `oov_char` (or drops it when
     oov_char is None).
"""

import numpy as np


def offset(sequences, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    if index_from:
        return [[w + index_from for w in x] for x in sequences]
    return [list(x) for x in sequences]


def remove_long(maxlen, sequences, labels):
    kept = [(x, y) for x, y in zip(sequences, labels, strict=True) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in sequences if len(x)) if sequences else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences):
    """A 1-D object array of lists (np.array(..., dtype=object) would make a 2-D array when
    every list had the same length)."""
    out = np.empty(len(sequences), dtype=object)
    out[:] = [list(x) for x in sequences]
    return out


def check_keywords(kwargs, where):
    if "nb_words" in kwargs:
        raise ValueError(f"The 'nb_words' argument of {where} is named 'num_words' since "
                         "Keras 2.")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}.")
