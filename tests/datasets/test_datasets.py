"""Each dataset loader on a small fixture in the real file format, against Keras 3's loader on
the same file; never the network (the downloader serves local files, Keras's is disabled)."""

import inspect
import os
import pickle

import numpy as np
import pytest
from dataset_fixtures import (
    serve,
    sha256,
    write_cifar10,
    write_cifar100,
    write_fashion_mnist,
    write_housing,
    write_imdb,
    write_mnist,
    write_reuters,
    write_word_index,
)

from minikeras import config, datasets

keras = pytest.importorskip("keras")
URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A cache folder for both libraries, a local 'server', and Keras unable to download."""
    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils as keras_file_utils

    server_dir, home = tmp_path / "server", tmp_path / "home"
    server_dir.mkdir()
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))
    # The fixtures are not Keras's files, so their hashes differ: Keras is told they match
    # (our loaders are given the fixture's real hash instead, so their check still runs).
    monkeypatch.setattr(keras_file_utils, "validate_file", lambda *a, **k: True)

    def no_download(*args, **kwargs):
        raise AssertionError("Keras tried to download: the cached file was not found")

    monkeypatch.setattr(keras_file_utils, "urlretrieve", no_download)

    class Env:
        folder, cache = server_dir, home / "datasets"
        server = serve(monkeypatch, server_dir)
        rng = np.random.default_rng(0)

    return Env


def assert_same(ours, theirs, what=""):
    """Nested tuples of arrays: same dtype, shape and values (object arrays element-wise)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), what
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{what}[{i}]")
        return
    assert isinstance(ours, np.ndarray), f"{what}: {type(ours)}"
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (
        f"{what}: ours {ours.dtype}{ours.shape}, Keras {theirs.dtype}{theirs.shape}")
    if ours.dtype == object:
        assert [list(s) for s in ours] == [list(s) for s in theirs], what
    else:
        np.testing.assert_array_equal(ours, theirs, err_msg=what)


def test_mnist(env, monkeypatch):
    monkeypatch.setattr(datasets.mnist, "FILE_HASH", sha256(write_mnist(env.folder, env.rng)))
    ours = datasets.mnist.load_data()
    assert env.server.urls == [URL + "mnist.npz"]
    assert (env.cache / "mnist.npz").exists()
    assert_same(ours, keras.datasets.mnist.load_data(), "mnist")


def test_fashion_mnist(env):
    write_fashion_mnist(env.folder, env.rng)
    ours = datasets.fashion_mnist.load_data()
    assert len(env.server.urls) == 4 and all(u.startswith(URL) for u in env.server.urls)
    assert (env.cache / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists()
    assert_same(ours, keras.datasets.fashion_mnist.load_data(), "fashion_mnist")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cifar10(env, monkeypatch, data_format):
    """Keras 3 allocates exactly 50,000 training images, so it cannot load a small fixture;
    its `load_batch` reads each batch file and the test rebuilds Keras's assembly from them
    (uint8 arrays, (n, 1) labels, transposed for channels_last)."""
    from keras.src.datasets.cifar import load_batch

    path = write_cifar10(env.folder, env.rng)
    monkeypatch.setattr(datasets.cifar10, "FILE_HASH", sha256(path))
    config.set_image_data_format(data_format)
    try:
        (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    finally:
        config.set_image_data_format("channels_last")
    assert env.server.urls == ["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"]
    folder = env.cache / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    assert (env.cache / "cifar-10-batches-py-target_archive").exists()
    parts = [load_batch(str(folder / f"data_batch_{i}")) for i in range(1, 6)]
    xt, yt = load_batch(str(folder / "test_batch"))
    expected_x = np.concatenate([p[0] for p in parts]).astype("uint8")
    expected_y = np.concatenate([p[1] for p in parts]).astype("uint8").reshape(-1, 1)
    expected_yt = np.reshape(yt, (-1, 1)).astype("uint8")
    if data_format == "channels_last":
        expected_x, xt = expected_x.transpose(0, 2, 3, 1), xt.transpose(0, 2, 3, 1)
    assert_same(((x_train, y_train), (x_test, y_test)),
                ((expected_x, expected_y), (xt, expected_yt)), "cifar10")


@pytest.mark.skipif(not os.environ.get("MINIKERAS_SLOW_DATASETS"),
                    reason="set MINIKERAS_SLOW_DATASETS=1: writes a full-size (184 MB) CIFAR-10")
def test_cifar10_full_size_against_keras_loader(env, monkeypatch):
    """Keras 3's own cifar10.load_data needs exactly 5 x 10,000 + 10,000 images."""
    path = write_cifar10(env.folder, env.rng, per_batch=10000, n_test=10000, mode="w")
    monkeypatch.setattr(datasets.cifar10, "FILE_HASH", sha256(path))
    ours = datasets.cifar10.load_data()
    assert_same(ours, keras.datasets.cifar10.load_data(), "cifar10 full size")


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(env, monkeypatch, label_mode):
    path = write_cifar100(env.folder, env.rng)
    monkeypatch.setattr(datasets.cifar100, "FILE_HASH", sha256(path))
    ours = datasets.cifar100.load_data(label_mode)
    assert_same(ours, keras.datasets.cifar100.load_data(label_mode), f"cifar100 {label_mode}")
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data("medium")


IMDB_CASES = [
    {}, {"num_words": 20, "skip_top": 3}, {"maxlen": 8, "seed": 7},
    {"start_char": None, "oov_char": None, "num_words": 25}, {"index_from": 0, "start_char": None},
]


@pytest.mark.parametrize("kwargs", IMDB_CASES)
def test_imdb(env, monkeypatch, kwargs):
    monkeypatch.setattr(datasets.imdb, "FILE_HASH", sha256(write_imdb(env.folder, env.rng)))
    ours = datasets.imdb.load_data(**kwargs)
    assert_same(ours, keras.datasets.imdb.load_data(**kwargs), f"imdb {kwargs}")


@pytest.mark.parametrize("kwargs", IMDB_CASES + [{"test_split": 0.5}])
def test_reuters(env, monkeypatch, kwargs):
    monkeypatch.setattr(datasets.reuters, "FILE_HASH", sha256(write_reuters(env.folder, env.rng)))
    ours = datasets.reuters.load_data(**kwargs)
    assert_same(ours, keras.datasets.reuters.load_data(**kwargs), f"reuters {kwargs}")
    assert datasets.reuters.get_label_names() == keras.datasets.reuters.get_label_names()


@pytest.mark.parametrize("module, name", [("imdb", "imdb_word_index.json"),
                                          ("reuters", "reuters_word_index.json")])
def test_word_index(env, monkeypatch, module, name):
    ours_module = getattr(datasets, module)
    monkeypatch.setattr(ours_module, "WORD_INDEX_HASH", sha256(write_word_index(env.folder, name)))
    assert env.server.urls == [] and ours_module.get_word_index() == getattr(
        keras.datasets, module).get_word_index()
    assert env.server.urls == [URL + name]


@pytest.mark.parametrize("kwargs", [{}, {"test_split": 0.3, "seed": 5}])
def test_boston_housing(env, monkeypatch, kwargs):
    path = write_housing(env.folder, "boston_housing.npz", env.rng, 31, 13, "float64")
    monkeypatch.setattr(datasets.boston_housing, "FILE_HASH", sha256(path))
    assert_same(datasets.boston_housing.load_data(**kwargs),
                keras.datasets.boston_housing.load_data(**kwargs), f"boston {kwargs}")


@pytest.mark.parametrize("kwargs", [{}, {"version": "small", "test_split": 0.1}])
def test_california_housing(env, monkeypatch, kwargs):
    path = write_housing(env.folder, "california_housing.npz", env.rng, 650, 8, "float32")
    monkeypatch.setattr(datasets.california_housing, "FILE_HASH", sha256(path))
    assert_same(datasets.california_housing.load_data(**kwargs),
                keras.datasets.california_housing.load_data(**kwargs), f"california {kwargs}")


@pytest.mark.parametrize("module", ["mnist", "cifar10", "cifar100", "imdb", "reuters",
                                    "boston_housing", "california_housing"])
def test_urls_and_hashes_are_keras_3s(module):
    """The constants appear verbatim in Keras 3's loader, so both share one cache."""
    keras_source = inspect.getsource(getattr(keras.src.datasets, module))
    ours = getattr(datasets, module)
    for name in ("FILE_HASH", "WORD_INDEX_HASH", "ORIGIN"):
        if hasattr(ours, name):
            assert getattr(ours, name) in keras_source, f"{module}.{name}"


def test_offline_missing_file_names_url_and_cache_path(env):
    with pytest.raises(ConnectionError) as info:
        datasets.mnist.load_data()
    assert URL + "mnist.npz" in str(info.value)
    assert str(env.cache / "mnist.npz") in str(info.value)
    assert list(env.cache.iterdir()) == []


def test_corrupted_download_is_rejected_and_not_cached(env):
    write_mnist(env.folder, env.rng)  # not the real file, so its hash is not Keras's
    with pytest.raises(ValueError, match="expected 731c5ac602752760c8e48fbffcf8c3b850d9dc2a"):
        datasets.mnist.load_data()
    assert list(env.cache.iterdir()) == []


def test_malicious_pickle_is_refused(env, monkeypatch):
    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    x = np.empty(2, dtype=object)
    x[:] = [[1, 2], Evil()]
    path = env.folder / "reuters.npz"
    np.savez(path, x=x, y=np.array([0, 1]))
    monkeypatch.setattr(datasets.reuters, "FILE_HASH", sha256(path))
    with pytest.raises(pickle.UnpicklingError, match="builtins.print"):
        datasets.reuters.load_data()


def test_unknown_keyword_is_an_error():
    with pytest.raises(ValueError, match="num_words"):
        datasets.imdb.load_data(nb_words=100)
    with pytest.raises(ValueError, match="test_split"):
        datasets.boston_housing.load_data(test_split=1.0)
