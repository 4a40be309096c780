"""The workloads: seeded data and the architecture of each, the same for every library.

A workload is a plain record; the peers (peers.py) turn `layers` into their own models:
    ("dense", units, activation)  ("dropout", rate)  ("lstm", units)  ("gru", units)
    ("conv2d", filters, kernel, activation)  ("maxpool2d", size)  ("flatten",)
    ("embedding", input_dim, output_dim)
`quick` gives the smoke-test size (few epochs, small data): it checks that things run, never
how fast. Training FLOPs (for W4's fraction of the sgemm rate) count 2 per multiply-add
forward and 4 backward: 6 * samples * sum(fan_in * fan_out) per epoch.
"""

import os
from dataclasses import dataclass, field

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, os.pardir, "examples", "data")


@dataclass
class Workload:
    id: str
    what: str
    x_shape: tuple  # (samples, features) or (samples, steps, features)
    layers: list
    loss: str
    batch_size: int
    epochs: int
    validation_split: float = 0.0
    metrics: list = field(default_factory=list)
    data: str = "random"  # "pima", "airline", "random", "images" or "sequences"
    classes: int = 0  # 0: one sigmoid/regression output; k: one-hot targets over k classes

    def arrays(self):
        """(x, y) as float32, seeded."""
        if self.data == "pima":
            table = np.loadtxt(os.path.join(DATA, "pima-indians-diabetes.csv"), delimiter=",")
            return table[:, :8].astype("float32"), table[:, 8].astype("float32")
        if self.data == "airline":
            return airline_windows(self.x_shape[1])
        rng = np.random.default_rng(7)
        if self.data == "images":  # mnist-shaped: pixels in [0, 1], 10 classes
            x = rng.random(self.x_shape, dtype=np.float32)
            labels = rng.integers(0, self.classes, len(x))
            return x, np.eye(self.classes, dtype="float32")[labels]
        if self.data == "sequences":  # imdb-shaped: word ids in [1, vocabulary), 0/1 labels
            vocabulary = self.layers[0][1]
            x = rng.integers(1, vocabulary, self.x_shape).astype("int32")
            return x, rng.integers(0, 2, len(x)).astype("float32")
        x = rng.standard_normal(self.x_shape).astype("float32")
        if self.classes:
            w = rng.standard_normal((x.reshape(len(x), -1).shape[1], self.classes))
            labels = np.argmax(x.reshape(len(x), -1) @ w, axis=1)
            return x, np.eye(self.classes, dtype="float32")[labels]
        if self.loss == "binary_crossentropy":
            return x, (x.reshape(len(x), -1).sum(axis=1) > 0).astype("float32")
        return x, np.tanh(x.reshape(len(x), -1).mean(axis=1)).astype("float32")

    def train_flops(self):
        samples = int(self.x_shape[0] * (1 - self.validation_split))
        if self.data == "images":
            return 6.0 * samples * conv_net_macs(self.x_shape[1:], self.layers) * self.epochs
        fan = [self.x_shape[-1]] + [spec[1] for spec in self.layers if spec[0] == "dense"]
        params = sum(a * b for a, b in zip(fan[:-1], fan[1:], strict=True))
        return 6.0 * samples * params * self.epochs


def conv_net_macs(shape, layers):
    """Multiply-adds of one sample's forward pass through 'valid' convs, pools and Dense."""
    (rows, cols, channels), width, macs = shape, None, 0
    for spec in layers:
        if spec[0] == "conv2d":
            rows, cols = rows - spec[2] + 1, cols - spec[2] + 1
            macs += rows * cols * spec[1] * spec[2] ** 2 * channels
            channels = spec[1]
        elif spec[0] == "maxpool2d":
            rows, cols = rows // spec[1], cols // spec[1]
        elif spec[0] == "flatten":
            width = rows * cols * channels
        elif spec[0] == "dense":
            macs += width * spec[1]
            width = spec[1]
    return macs


def airline_windows(look_back=3):
    """The airline tutorial's windows: passengers scaled to [0, 1], the first 67% of months."""
    values = np.loadtxt(os.path.join(DATA, "airline-passengers.csv"), delimiter=",",
                        skiprows=1, usecols=[1], dtype="float32")
    values = (values - values.min()) / (values.max() - values.min())
    train = values[: int(len(values) * 0.67)]
    x = np.array([train[i:i + look_back] for i in range(len(train) - look_back - 1)])
    y = train[look_back:len(train) - 1]
    return x[..., None].astype("float32"), y.astype("float32")


def workloads(quick=False):
    """W1-W8 as the issues list them, and W9, W6 with a GRU in place of the LSTM (quick: 2
    epochs at most, at most 2000 samples; W7 and W8 at most 512)."""
    items = [
        Workload("W1", "Pima first network", (768, 8),
                 [("dense", 12, "relu"), ("dense", 8, "relu"), ("dense", 1, "sigmoid")],
                 "binary_crossentropy", 10, 150, metrics=["accuracy"], data="pima"),
        Workload("W2", "breast-cancer net", (569, 30),
                 [("dense", 10, "relu"), ("dense", 5, "relu"), ("dense", 1, "sigmoid")],
                 "binary_crossentropy", 32, 40, metrics=["accuracy"]),
        Workload("W3", "covertype-style", (16000, 54),
                 [("dense", 64, "relu"), ("dropout", 0.5), ("dense", 32, "relu"),
                  ("dropout", 0.5), ("dense", 7, "softmax")],
                 "categorical_crossentropy", 32, 8, validation_split=0.2,
                 metrics=["accuracy"], classes=7),
        Workload("W4", "wide MLP (compute-bound)", (60000, 784),
                 [("dense", 512, "relu"), ("dense", 512, "relu"), ("dense", 10, "softmax")],
                 "categorical_crossentropy", 128, 1, metrics=["accuracy"], classes=10),
        Workload("W5", "airline LSTM", (92, 3, 1), [("lstm", 4), ("dense", 1, None)],
                 "mse", 1, 100, data="airline"),
        Workload("W6", "mid LSTM", (4000, 30, 8), [("lstm", 64), ("dense", 1, None)],
                 "mse", 64, 5),
        Workload("W7", "mnist_cnn convnet", (6000, 28, 28, 1),
                 [("conv2d", 32, 3, "relu"), ("conv2d", 64, 3, "relu"), ("maxpool2d", 2),
                  ("dropout", 0.25), ("flatten",), ("dense", 128, "relu"), ("dropout", 0.5),
                  ("dense", 10, "softmax")],
                 "categorical_crossentropy", 128, 1, metrics=["accuracy"], data="images",
                 classes=10),
        Workload("W8", "imdb_lstm", (2000, 80),
                 [("embedding", 20000, 128), ("lstm", 128), ("dense", 1, "sigmoid")],
                 "binary_crossentropy", 32, 1, metrics=["accuracy"], data="sequences"),
        Workload("W9", "mid GRU", (4000, 30, 8), [("gru", 64), ("dense", 1, None)],
                 "mse", 64, 5),
    ]
    if quick:
        for w in items:
            w.epochs = min(w.epochs, 2)
            if w.data == "random":
                w.x_shape = (min(w.x_shape[0], 2000), *w.x_shape[1:])
            if w.data in ("images", "sequences"):
                w.x_shape = (min(w.x_shape[0], 512), *w.x_shape[1:])
    return {w.id: w for w in items}


def scaling_points(quick=False):
    """(width, batch_size) pairs of the sweep: W4's shape 784 -> width -> width -> 10."""
    if quick:
        return [(32, 128), (128, 128), (128, 8)]
    widths = [(w, 128) for w in (32, 128, 512, 2048)]
    batches = [(512, b) for b in (1, 8, 64, 1024) if b != 128]
    return widths + batches


def scaling_workload(width, batch_size, quick=False):
    """One sweep point: one epoch over a fixed number of samples (fewer for batch size 1)."""
    samples = 256 if quick else (1024 if batch_size < 8 else 8192)
    return Workload(f"S{width}x{batch_size}", f"width {width}, batch {batch_size}",
                    (samples, 784),
                    [("dense", width, "relu"), ("dense", width, "relu"),
                     ("dense", 10, "softmax")],
                    "categorical_crossentropy", batch_size, 1, classes=10)
