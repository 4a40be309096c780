"""Small dataset files in each dataset's real on-disk format, and a downloader serving them.

Real files: mnist/imdb/reuters/boston/california are `.npz` archives; fashion-mnist four
gzipped IDX files; CIFAR a tar.gz of Python 2 pickles (bytes keys, protocol 2).
"""

import gzip
import hashlib
import io
import json
import pickle
import struct
import tarfile
import urllib.request

import numpy as np

from minikeras.utils import file_utils


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_mnist(folder, rng, n_train=12, n_test=5):
    path = folder / "mnist.npz"
    np.savez(path, x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, n_train, dtype=np.uint8),
             x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, n_test, dtype=np.uint8))
    return path


def write_fashion_mnist(folder, rng, n_train=7, n_test=3):
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = b"\x00\x00\x08\x01" + n.to_bytes(4, "big") + rng.integers(
            0, 10, n, dtype=np.uint8).tobytes()
        images = (b"\x00\x00\x08\x03" + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
                  + rng.integers(0, 256, n * 784, dtype=np.uint8).tobytes())
        (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(images))


class Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 `str` opcodes (SHORT_BINSTRING / BINSTRING), as the real CIFAR
    files (pickled by Python 2) hold them; Python 3 would call `_codecs.encode` instead."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def py2_pickle(obj):
    out = io.BytesIO()
    Py2Pickler(out, protocol=2).dump(obj)
    return out.getvalue()


def _batch(rng, n, label_keys):
    d = {b"batch_label": b"fixture", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
         b"filenames": [b"img%d.png" % i for i in range(n)]}
    for key, classes in label_keys.items():
        d[key] = [int(v) for v in rng.integers(0, classes, n)]
    return py2_pickle(d)


def _tar(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def write_cifar10(folder, rng, per_batch=4, n_test=3, mode="w:gz"):
    members = {f"cifar-10-batches-py/data_batch_{i}": _batch(rng, per_batch, {b"labels": 10})
               for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = _batch(rng, n_test, {b"labels": 10})
    members["cifar-10-batches-py/batches.meta"] = py2_pickle({b"num_cases_per_batch": 4})
    path = folder / "cifar-10-python.tar.gz"
    _tar(path, members, mode)
    return path


def write_cifar100(folder, rng, n_train=6, n_test=4):
    keys = {b"fine_labels": 100, b"coarse_labels": 20}
    path = folder / "cifar-100-python.tar.gz"
    _tar(path, {"cifar-100-python/train": _batch(rng, n_train, keys),
                "cifar-100-python/test": _batch(rng, n_test, keys)})
    return path


def _ragged(rng, n, max_word=40):
    out = np.empty(n, dtype=object)
    out[:] = [[int(w) for w in rng.integers(1, max_word, rng.integers(1, 12))] for _ in range(n)]
    return out


def write_imdb(folder, rng, n_train=15, n_test=11, max_word=40):
    path = folder / "imdb.npz"
    np.savez(path, x_train=_ragged(rng, n_train, max_word), y_train=rng.integers(0, 2, n_train),
             x_test=_ragged(rng, n_test, max_word), y_test=rng.integers(0, 2, n_test))
    return path


def write_reuters(folder, rng, n=23, max_word=40):
    path = folder / "reuters.npz"
    np.savez(path, x=_ragged(rng, n, max_word), y=rng.integers(0, 46, n))
    return path


def write_word_index(folder, name):
    path = folder / name
    path.write_text(json.dumps({"the": 1, "and": 2, "film": 3, "économie": 4}))
    return path


def write_housing(folder, name, rng, n, features, dtype):
    path = folder / name
    np.savez(path, x=rng.normal(size=(n, features)).astype(dtype),
             y=rng.normal(size=n).astype(dtype))
    return path


class Server:
    """Serves files from a folder for any URL with the same file name; records the URLs."""

    def __init__(self, folder):
        self.folder, self.urls = folder, []

    def __call__(self, url, *args, **kwargs):
        self.urls.append(url)
        local = self.folder / url.rsplit("/", 1)[1]
        if not local.exists():
            raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
        return urllib.request.urlopen(local.as_uri())


def serve(monkeypatch, folder):
    server = Server(folder)
    monkeypatch.setattr(file_utils, "urlopen", server)
    return server
