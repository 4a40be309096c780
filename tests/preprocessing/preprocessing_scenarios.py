"""The same text and image scenarios run on minikeras and on Keras 2's keras-preprocessing 1.1.2.

Each function takes the module under test (minikeras.preprocessing.text / .image, or
keras_preprocessing.text / .image) and returns {name: array or JSON-able value}.
`make_goldens.py` stores keras-preprocessing's results in goldens/; the tests compare with them.
"""

import numpy as np

TEXTS = ["The cat sat on the mat.", "The dog sat on the log!",
         "Dogs and cats living together; the END?", "kırk dokuz elli\tveli"]


def text_scenarios(text):
    out = {}
    for i, (s, kwargs) in enumerate([
        ("Hello, World! It's 9:30 -- ok?", {}), ("hello!stop?world!", {"split": "stop"}),
        ("Keep CASE, please.", {"lower": False}), ("a-b_c d", {"filters": "-"}),
    ]):
        out[f"words_{i}"] = text.text_to_word_sequence(s, **kwargs)
    out["md5"] = text.hashing_trick(TEXTS[0], 7, hash_function="md5")
    for name, kwargs in [("plain", {}), ("top", {"num_words": 6}),
                         ("oov", {"num_words": 5, "oov_token": "<OOV>"}),
                         ("chars", {"char_level": True, "num_words": 8})]:
        tok = text.Tokenizer(**kwargs)
        tok.fit_on_texts(TEXTS)
        tok.fit_on_texts([["The", "cat", "is", "sitting"]])  # a list of words counts as is
        out[f"{name}_word_index"] = sorted(tok.word_index.items(), key=lambda kv: kv[1])
        out[f"{name}_word_counts"] = list(tok.word_counts.items())
        out[f"{name}_word_docs"] = sorted(tok.word_docs.items())
        seqs = tok.texts_to_sequences(TEXTS + ["unseen words and the cat"])
        out[f"{name}_sequences"] = seqs
        out[f"{name}_texts"] = tok.sequences_to_texts(seqs + [[1, 99, 3]])
        tok.fit_on_sequences(seqs)
        out[f"{name}_index_docs"] = sorted(tok.index_docs.items())
        for mode in ("binary", "count", "freq", "tfidf"):
            out[f"{name}_matrix_{mode}"] = tok.texts_to_matrix(TEXTS, mode=mode)
        back = text.tokenizer_from_json(tok.to_json())
        out[f"{name}_json_sequences"] = back.texts_to_sequences(TEXTS)
    return out


def images(n=8, h=9, w=7, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, (n, h, w, c)).astype("float32"), np.arange(n) % 2


def _take(iterator, count, by_index):
    if by_index:
        return [iterator[i] for i in range(count)]
    return [next(iterator) for _ in range(count)]


IMAGE_CONFIGS = {
    # cifar10_cnn.py's arguments
    "cifar10_cnn": ({"featurewise_center": False, "samplewise_center": False,
                     "featurewise_std_normalization": False,
                     "samplewise_std_normalization": False, "zca_whitening": False,
                     "zca_epsilon": 1e-06, "rotation_range": 0, "width_shift_range": 0.1,
                     "height_shift_range": 0.1, "shear_range": 0.0, "zoom_range": 0.0,
                     "channel_shift_range": 0.0, "fill_mode": "nearest", "cval": 0.0,
                     "horizontal_flip": True, "vertical_flip": False, "rescale": None,
                     "preprocessing_function": None, "data_format": "channels_last",
                     "validation_split": 0.0}, {}),
    "featurewise": ({"featurewise_center": True, "featurewise_std_normalization": True,
                     "rotation_range": 20, "zoom_range": 0.2, "vertical_flip": True,
                     "fill_mode": "constant", "cval": 0.5, "rescale": 1 / 255,
                     "data_format": "channels_last"}, {"fit": True}),
    "zca_shear_channel": ({"zca_whitening": True, "featurewise_center": True, "shear_range": 15,
                           "channel_shift_range": 20,
                           "fill_mode": "reflect", "samplewise_center": True,
                           "samplewise_std_normalization": True,
                           "data_format": "channels_last"}, {"fit": True}),
    "channels_first_int_shifts": ({"width_shift_range": 2, "height_shift_range": [1, 3],
                                   "rotation_range": 30, "fill_mode": "wrap",
                                   "data_format": "channels_first"}, {"channels_first": True}),
    "fit_augment": ({"featurewise_center": True, "rotation_range": 10, "zoom_range": [0.9, 1.2],
                     "data_format": "channels_last"}, {"fit": True, "augment": True}),
}


def image_scenarios(image):
    out = {}
    x, y = images()
    for name, (kwargs, how) in IMAGE_CONFIGS.items():
        data = np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if how.get("channels_first") else x
        gen = image.ImageDataGenerator(**kwargs)
        if how.get("fit"):
            gen.fit(data, augment=how.get("augment", False), rounds=2, seed=11)
            out[f"{name}_mean"] = np.asarray(gen.mean)
        for by_index in (False, True):
            batches = _take(gen.flow(data, y, batch_size=3, seed=5), 4 if not by_index else 3,
                            by_index)
            for i, (bx, by) in enumerate(batches):
                out[f"{name}_{by_index}_{i}_x"], out[f"{name}_{by_index}_{i}_y"] = bx, by
    gen = image.ImageDataGenerator(validation_split=0.25, horizontal_flip=True,
                                   data_format="channels_last")
    for subset in ("training", "validation"):
        bx, by = next(gen.flow(x, y, batch_size=8, seed=2, subset=subset))
        out[f"split_{subset}_x"], out[f"split_{subset}_y"] = bx, by
    np.random.seed(123)  # unseeded flow: NumPy's global generator, shuffled
    gen = image.ImageDataGenerator(rotation_range=45, data_format="channels_last")
    it = gen.flow(x, batch_size=5)
    out["unseeded_0"], out["unseeded_1"], out["unseeded_2"] = next(it), next(it), next(it)
    return out
