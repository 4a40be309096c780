"""Keras 2's text preprocessing: text_to_word_sequence, one_hot, hashing_trick, Tokenizer.

Keras 3 removed these (its replacement is the TextVectorization layer). The specification is
the last Keras 2, 2.15.0 (keras/src/preprocessing/text.py; the same code as keras-preprocessing
1.1.2's text.py); every function here returns what that one returns (tests/preprocessing).

    text_to_word_sequence("Hello, world!")  ->  ["hello", "world"]
    Tokenizer: fit_on_texts counts words; word_index ranks them by count (1 = most frequent,
    ties in first-seen order; 0 is never a word); texts_to_sequences maps words to ranks,
    dropping words of rank >= num_words (or mapping them to oov_token's index 1).
"""

import json
import warnings
from collections import OrderedDict, defaultdict
from hashlib import md5

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=FILTERS, lower=True, split=" "):
    """The words of `text`: lowercased, every character of `filters` turned into `split`,
    split on `split`, empty strings dropped."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def one_hot(text, n, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """Each word to an integer in [1, n): `hash(word) % (n - 1) + 1`.

    As in Keras 2, Python's `hash` of a string changes from one process to the next unless
    PYTHONHASHSEED is set; `hashing_trick(..., hash_function="md5")` is stable.
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Each word to `hash_function(word) % (n - 1) + 1` (None: Python's `hash`; "md5": the
    md5 digest as an integer, the same in every process)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(word):
            return int(md5(word.encode()).hexdigest(), 16)
    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(word) % (n - 1) + 1 for word in words]


class Tokenizer:
    """Counts the words of a corpus and turns texts into word-index lists or matrices."""

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.",
                          stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        self.word_counts = OrderedDict()   # word -> occurrences, in first-seen order
        self.word_docs = defaultdict(int)  # word -> number of texts containing it
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)  # index -> number of texts containing it
        self.word_index, self.index_word = {}, {}
        self.analyzer = analyzer

    def _words(self, text):
        """A text's tokens: characters (char_level), a given list of words, or its words."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower,
                                     split=self.split)

    def fit_on_texts(self, texts):
        """Count the words of `texts` and rank them: word_index[w] = 1 + rank by count."""
        if isinstance(texts, str):
            raise TypeError("`fit_on_texts` expects a list of texts, but got one string; "
                            "wrap it in a list: fit_on_texts([text]).")
        for text in texts:
            self.document_count += 1
            seq = self._words(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        # a stable sort: equal counts keep their first-seen order
        ranked = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token])
        vocabulary += [w for w, _ in ranked]
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1), strict=True))
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Count, for tf-idf, in how many sequences each index occurs."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        if isinstance(texts, str):
            raise TypeError("`texts_to_sequences` expects a list of texts, but got one string; "
                            "wrap it in a list.")
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._words(text):
                i = self.word_index.get(w)
                if i is None:
                    if self.oov_token is not None:
                        vect.append(oov)
                elif self.num_words and i >= self.num_words:
                    if oov is not None:
                        vect.append(oov)
                else:
                    vect.append(i)
            yield vect

    def sequences_to_texts(self, sequences):
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                word = self.index_word.get(num)
                if word is None:
                    if self.oov_token is not None:
                        words.append(self.index_word[oov])
                elif self.num_words and num >= self.num_words:
                    if oov is not None:
                        words.append(self.index_word[oov])
                else:
                    words.append(word)
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A (len(sequences), num_words) float64 matrix; row i for sequence i:
        binary: 1 where an index occurs; count: occurrences; freq: occurrences / len(seq);
        tfidf: (1 + log(count)) * log(1 + documents / (1 + documents containing the index)).
        Indices >= num_words are ignored."""
        if mode not in ("binary", "count", "freq", "tfidf"):
            raise ValueError(f"Unknown vectorization mode: {mode!r}; expected 'binary', "
                             "'count', 'freq' or 'tfidf'.")
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError("Specify a dimension (`num_words` argument), or fit on some text "
                             "data first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i][j] = c
                elif mode == "freq":
                    x[i][j] = c / len(seq)
                elif mode == "binary":
                    x[i][j] = 1
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i][j] = tf * idf
        return x

    def get_config(self):
        """The settings and the counts, the dictionaries as JSON strings (Keras 2's layout)."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
                "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts),
                "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs),
                "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs):
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A Tokenizer back from `to_json()`'s string (the JSON keys of integer dicts are ints)."""
    config = json.loads(json_string).get("config")
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts, tokenizer.word_docs = word_counts, word_docs
    tokenizer.index_docs, tokenizer.word_index = index_docs, word_index
    tokenizer.index_word = index_word
    return tokenizer
