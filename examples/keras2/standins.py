"""Small local stand-ins for the datasets and downloads of Keras 2's example scripts.

`install(folder)` writes small files in each dataset's real format (mnist.npz, imdb.npz,
reuters.npz, the CIFAR-10 tar.gz, nietzsche.txt) into `folder`, points KERAS_HOME at a fresh
cache inside it, sets the loaders' expected hashes to these files' and makes
`minikeras.utils.get_file` download from `folder` instead of the internet. The real loaders
and get_file then run as they would on the real files: only the data is smaller and random.
"""

import os
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tests" / "datasets"))

from dataset_fixtures import (  # noqa: E402
    Server,
    sha256,
    write_cifar10,
    write_imdb,
    write_mnist,
    write_reuters,
)

WORDS = ("the of and to in a is that for it as was with be by on not he i this are or his "
         "from at which but have an they you were her she there one all we their").split()


# mnist_mlp reshapes to the real sizes (60000, 784) / (10000, 784): it gets full-size stand-ins
FULL_SIZE_MNIST = {"mnist_mlp"}


def install(folder, script=""):
    from minikeras import datasets
    from minikeras.utils import file_utils

    folder = pathlib.Path(folder)
    server = folder / "server"
    server.mkdir(parents=True, exist_ok=True)
    os.environ["KERAS_HOME"] = str(folder / "keras_home")
    rng = np.random.default_rng(0)
    sizes = (60000, 10000) if script in FULL_SIZE_MNIST else (512, 128)
    datasets.mnist.FILE_HASH = sha256(write_mnist(server, rng, *sizes))
    datasets.imdb.FILE_HASH = sha256(write_imdb(server, rng, 400, 100, max_word=30000))
    datasets.reuters.FILE_HASH = sha256(write_reuters(server, rng, 500, max_word=12000))
    datasets.cifar10.FILE_HASH = sha256(write_cifar10(server, rng, per_batch=64, n_test=64))
    text = " ".join(rng.choice(WORDS, 1200)) + "."
    (server / "nietzsche.txt").write_text(text)
    file_utils.urlopen = Server(server)
