"""fit / evaluate / predict on Python generators and PyDataset / Sequence, Keras 2's
fit_generator family, and their bad input. The Keras comparison trains the same model with the
same batches in both libraries (20 steps: 1e-5 relative, float32)."""

import random

import numpy as np
import pytest
from helpers import assert_close

import minikeras
from minikeras.layers import Dense
from minikeras.utils import PyDataset, Sequence

N, FEATURES, BATCH = 40, 5, 8


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, FEATURES)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def make_model(seed=3):
    minikeras.utils.set_random_seed(seed)
    model = minikeras.Sequential([minikeras.Input((FEATURES,)), Dense(6, activation="tanh"),
                                  Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


class Batches(PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def endless(x, y, batch_size):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


def test_pydataset_and_generator_train_as_arrays_do():
    """Same batches in the same order: the same weights and history, bit for bit."""
    x, y = data()
    ref = make_model()
    ref_hist = ref.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    for source, kwargs in [(Batches(x, y, BATCH), {"shuffle": False}),
                           (endless(x, y, BATCH), {"steps_per_epoch": N // BATCH})]:
        model = make_model()
        hist = model.fit(source, epochs=3, verbose=0, **kwargs)
        for a, b in zip(model.get_weights(), ref.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert hist.history == ref_hist.history


def test_fit_on_pydataset_matches_keras():
    keras = pytest.importorskip("keras")
    from parity.core import to_keras

    x, y = data()
    model = make_model()
    twin = to_keras(model)

    class KerasBatches(keras.utils.PyDataset):
        def __len__(self):
            return N // BATCH

        def __getitem__(self, i):
            return x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]

    ours = model.fit(Batches(x, y, BATCH), epochs=4, shuffle=False, verbose=0,
                     validation_data=endless(x[:16], y[:16], BATCH), validation_steps=2)
    theirs = twin.fit(KerasBatches(), epochs=4, shuffle=False, verbose=0,
                      validation_data=(x[:16], y[:16]), validation_batch_size=BATCH)
    for a, b, w in zip(model.get_weights(), twin.get_weights(), model.weights, strict=True):
        assert_close(a, b, 1e-5, name=w.path)  # 20 steps, float32
    for key in theirs.history:
        assert_close(ours.history[key], theirs.history[key], 1e-5, name=key)
    assert_close(model.evaluate(Batches(x, y, BATCH), verbose=0),
                 twin.evaluate(KerasBatches(), verbose=0), 1e-6, name="evaluate")
    assert_close(model.predict(Batches(x, y, BATCH), verbose=0),
                 twin.predict(KerasBatches(), verbose=0), 1e-6, name="predict")


def test_epoch_hooks_steps_and_shuffle():
    x, y = data()
    ds = Batches(x, y, BATCH)
    model = make_model()
    model.fit(ds, epochs=2, shuffle=False, verbose=0)
    assert ds.epochs_ended == 2
    # steps_per_epoch=3 of 5 batches: epochs continue where the last stopped, wrapping around
    seen = []

    class Spy(Batches):
        def __getitem__(self, i):
            seen.append(i)
            return super().__getitem__(i)

    spy = Spy(x, y, BATCH)
    model.fit(spy, epochs=2, steps_per_epoch=3, shuffle=False, verbose=0)
    assert seen == [0, 1, 2, 3, 4, 0] and spy.epochs_ended == 1
    seen.clear()
    random.seed(0)
    model.fit(Spy(x, y, BATCH), epochs=1, shuffle=True, verbose=0)
    random.seed(0)
    order = list(range(5))
    random.shuffle(order)  # Keras 3 shuffles a PyDataset's batch order with Python's random
    assert seen == order


def test_finite_generator_runs_dry_with_keras_warning():
    x, y = data()
    model = make_model()
    gen = (pair for pair in [(x[:8], y[:8]), (x[8:16], y[8:16])])
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = model.fit(gen, epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 1  # the first epoch used both batches, then it was dry


def test_fit_generator_family_keras2():
    x, y = data()
    model = make_model()
    with pytest.warns(DeprecationWarning, match=r"model.fit\(generator"):
        hist = model.fit_generator(endless(x, y, BATCH), steps_per_epoch=5, epochs=2, verbose=0,
                                   validation_data=Batches(x, y, BATCH), workers=4,
                                   use_multiprocessing=True)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    with pytest.warns(DeprecationWarning, match="evaluate"):
        loss, acc = model.evaluate_generator(endless(x, y, BATCH), steps=5)
    np.testing.assert_allclose([loss, acc], model.evaluate(x, y, verbose=0), rtol=1e-6)
    with pytest.warns(DeprecationWarning, match="predict"):
        pred = model.predict_generator(Batches(x, y, BATCH))
    np.testing.assert_allclose(pred, model.predict(x, verbose=0), rtol=1e-6)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit_generator(endless(x, y, BATCH), epochs=1)  # endless: Keras 2 needs steps


def test_keras_2_style_sequence_without_super_init():
    x, y = data()

    class Old(Sequence):  # Keras 2 code often skipped super().__init__()
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    hist = make_model().fit(Old(), epochs=1, verbose=0)
    assert len(hist.history["loss"]) == 1


def test_bad_batches_and_arguments():
    x, y = data()
    model = make_model()

    def wrong_width():
        yield x[:8], y[:8]
        yield x[:8, :3], y[:8]

    with pytest.raises(ValueError, match=r"Batch 1 of the generator \(x shape \(8, 3\)"):
        model.fit(wrong_width(), steps_per_epoch=2, verbose=0)

    def no_targets():
        yield x[:8]

    with pytest.raises(ValueError, match="Batch 0 of the generator.*no targets"):
        model.fit(no_targets(), steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="`y` should not be passed"):
        model.fit(Batches(x, y, BATCH), y, verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(Batches(x, y, BATCH), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(Batches(x, y, BATCH), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="tuple of 4 items"):
        model.evaluate(iter([(x[:8], y[:8], None, None)]), verbose=0)
    with pytest.raises(TypeError, match="steps_per_epoch"):
        model.fit(endless(x, y, BATCH), steps_per_epoch=2.5, verbose=0)


def test_class_weight_with_a_pydataset_as_with_arrays():
    x, y = data()
    weights = {0: 1.0, 1: 3.0}
    ref = make_model()
    ref.fit(x, y, batch_size=BATCH, shuffle=False, class_weight=weights, verbose=0)
    model = make_model()
    model.fit(Batches(x, y, BATCH), shuffle=False, class_weight=weights, verbose=0)
    for a, b in zip(model.get_weights(), ref.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
